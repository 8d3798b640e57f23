"""Streamlit glue shared by the pages: the store of this session, the language, translated text,
cached calls into icp_core. Pages stay thin: read widgets, call icp_core through here, draw.

Nothing here computes a figure; it only wires Streamlit to the core.
"""

from __future__ import annotations

import os
from typing import Any, Callable

import streamlit as st

from icp_core import i18n
from icp_core.errors import IcpError


def lang() -> str:
    """The UI language of this session ('en' or 'de')."""
    return st.session_state.get("lang", i18n.DEFAULT_LANG)


def tr(key: str, **params: object) -> str:
    """Translated text for this session's language."""
    return i18n.t(key, lang(), **params)


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: the local default applies
        return {}


def store_location() -> str:
    from icp_core.store import resolve_location

    return st.session_state.get("store_location") or resolve_location(None, _secrets())


@st.cache_resource(show_spinner=False)
def _open_store(location: str):
    from icp_core.store import Store

    return Store(location)


def get_store():
    """The Store for this session's location (one per process and location, shared)."""
    return _open_store(store_location())


def cursor():
    """A DuckDB cursor for this rerun: a connection is not thread-safe, a cursor per session is."""
    return get_store().cursor()


def data_version() -> int:
    return get_store().data_version()


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a core function, cached by the store's location and data version plus the arguments.

    The core function receives a fresh cursor as its first argument. Arguments must be hashable
    by st.cache_data (plain values, tuples, frozen dataclasses)."""
    return _cached_call(fn.__module__, fn.__qualname__, store_location(), data_version(), args, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_call(module: str, qualname: str, location: str, version: int, args: tuple, kwargs: tuple) -> Any:
    import importlib

    fn: Any = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    return fn(_open_store(location).cursor(), *args, **dict(kwargs))


def show_error(err: Exception) -> None:
    """A user-facing error as one clear sentence in the user's language (never a raw traceback)."""
    if isinstance(err, IcpError):
        st.error(err.message(lang()))
    else:
        st.error(i18n.t("error.bug", lang(), detail=type(err).__name__))


def is_test_mode() -> bool:
    return os.environ.get("ICP_TEST_MODE") == "1"
