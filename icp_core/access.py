"""Who may see the dashboard: a pure decision from the secrets and the signed-in user.

    access_decision(secrets, user) -> "open" | "sign_in" | "allowed" | "denied"

- No ``[auth]`` and no ``[access]`` section: ``"open"`` (the local app needs no login).
- ``[auth]`` configured (Streamlit's st.login, OpenID Connect) and nobody signed in: ``"sign_in"``.
- Signed in: ``"allowed"`` when the e-mail is in ``[access] allowed_emails`` or its domain in
  ``allowed_domains`` (exact, case-insensitive; a subdomain is a different domain), or when
  ``allow_any_signed_in = true``; else ``"denied"``. With no list at all nobody is let in
  (fail closed): say explicitly who may enter. An e-mail the provider marks unverified is denied.
- ``[access]`` lists without ``[auth]``: ``"denied"`` (nobody could prove who they are).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DECISIONS = ("open", "sign_in", "allowed", "denied")


def _section(config: Mapping | None, name: str) -> Mapping:
    if not config:
        return {}
    try:
        value = config.get(name)
    except Exception:
        return {}
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v).strip().casefold() for v in value if isinstance(v, str) and v.strip()]


def auth_configured(config: Mapping | None) -> bool:
    return bool(_section(config, "auth"))


def access_configured(config: Mapping | None) -> bool:
    access = _section(config, "access")
    return bool(_strings(access.get("allowed_emails")) or _strings(access.get("allowed_domains"))
                or access.get("allow_any_signed_in") is True)


def email_of(user: Mapping | None) -> str | None:
    if not user:
        return None
    email = user.get("email")
    return email.strip() if isinstance(email, str) and email.strip() else None


def access_decision(config: Mapping | None, user: Mapping | None) -> str:
    """"open" | "sign_in" | "allowed" | "denied" (see the module docstring)."""
    if not auth_configured(config):
        return "denied" if access_configured(config) else "open"
    if not user or user.get("is_logged_in") is not True:
        return "sign_in"
    if user.get("email_verified") is False:
        return "denied"
    access = _section(config, "access")
    if access.get("allow_any_signed_in") is True:
        return "allowed"
    email = email_of(user)
    if email is None or email.count("@") != 1:
        return "denied"
    email = email.casefold()
    local, domain = email.split("@")
    if not local or not domain:
        return "denied"
    if email in _strings(access.get("allowed_emails")):
        return "allowed"
    domains = [d.lstrip("@") for d in _strings(access.get("allowed_domains"))]
    return "allowed" if domain in domains else "denied"
