"""Errors the user can act on. Each carries a message key of the translation table and its
parameters, so the CLI and the pages show one clear sentence in the user's language."""

from __future__ import annotations


class IcpError(Exception):
    """Bad input or usage: the store is unchanged. CLI exit status 2."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(key)

    def message(self, lang: str = "en") -> str:
        from icp_core.i18n import t

        return t(self.key, lang, **self.params)

    def __str__(self) -> str:  # English by default (logs, tracebacks)
        return self.message("en")


class StoreBusy(IcpError):
    """Another process holds the store; the user is told to retry."""
