"""Streamlit glue shared by the pages: the store of this session, the language, translated text,
cached calls into icp_core. Pages stay thin: read widgets, call icp_core through here, draw.

Nothing here computes a figure; it only wires Streamlit to the core.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable

import streamlit as st

from icp_core import i18n
from icp_core.errors import IcpError


def _run_through_entrypoint() -> None:
    """Make every run go through app.py (st.navigation), never a page file alone.

    Streamlit decides per process, before the first script run, whether the app is an old-style
    multipage app from its pages/ folder (which this project has). Until st.navigation in app.py
    has run once, a first request for e.g. /data runs pages/data.py alone: no sidebar, no
    language switch, no sample data. (AppTest resets that flag before every run, so the same
    happens there on every rerun.) When that mode is detected, switch it off and rerun: the
    rerun executes app.py, which shows the requested page."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # a future Streamlit without this internal: nothing to fix
        return
    if getattr(PagesManager, "uses_pages_directory", None) and get_script_run_ctx(suppress_warning=True) is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


def lang() -> str:
    """The UI language of this session ('en' or 'de')."""
    _run_through_entrypoint()
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


# ---- added for the app shell, home and Data pages ----

ROOT = os.path.dirname(os.path.abspath(__file__))


def page_exists(path: str) -> bool:
    """Whether a page file (relative to the project root, e.g. 'pages/pmf.py') exists."""
    return os.path.isfile(os.path.join(ROOT, path))


def md_escape(text: object) -> str:
    """User text made safe for st.markdown / widget labels: Markdown and HTML characters escaped."""
    return i18n.md_escape(text)


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    return i18n.fmt_number(value, lang(), decimals)


def fmt_pct(value: float | None, decimals: int = 1) -> str:
    return i18n.fmt_pct(value, lang(), decimals)


def fmt_datetime(value: Any) -> str:
    """A date or timestamp in this session's language (date per i18n.fmt_date, plus HH:MM)."""
    from datetime import date, datetime

    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return f"{i18n.fmt_date(value, lang())} {value.strftime('%H:%M')}"
    if isinstance(value, date):
        return i18n.fmt_date(value, lang())
    return str(value)


def store_call(method: str, *args: Any) -> Any:
    """Call a read-only Store method, cached by the store's location and data version."""
    return _cached_store_call(store_location(), data_version(), method, args)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_store_call(location: str, version: int, method: str, args: tuple) -> Any:
    return getattr(_open_store(location), method)(*args)


def sample_active() -> bool:
    """Whether the data in the store is (partly) the bundled sample company."""
    return bool(store_call("is_sample"))


def sample_tables() -> list[str]:
    """The tables that still hold rows of the sample company (all of them right after loading it)."""
    from icp_core.health import sample_tables as _sample_tables
    from icp_core.store import SAMPLE_PREFIX

    return _sample_tables(store_call("imports"), SAMPLE_PREFIX)


def clear_sample() -> None:
    """Clear every table that still holds sample rows (recorded in the history: undo restores)."""
    store = get_store()
    for table in sample_tables():
        store.clear(table)


def load_sample() -> None:
    from icp_core.sample import load_sample as _load

    store = get_store()
    _load(store)
    store.set_setting("app.sample_offered", True)


_FIRST_LAUNCH_LOCK = threading.Lock()


def ensure_first_launch() -> None:
    """On the very first launch with an empty store, load the sample company (once per store: a
    user who cleared it does not get it back on the next start)."""
    if st.session_state.get("_first_launch_checked") == store_location():
        return
    import importlib.util

    store = get_store()
    if importlib.util.find_spec("icp_core.sample") is None:  # the sample company is not bundled (yet)
        return
    with _FIRST_LAUNCH_LOCK:  # two browser tabs opening at once load the sample only once
        if not any(store.tables().values()) and not store.get_setting("app.sample_offered", False):
            with st.spinner(tr("app.loading_sample")):
                load_sample()
        elif not store.get_setting("app.sample_offered", False):
            store.set_setting("app.sample_offered", True)
    st.session_state["_first_launch_checked"] = store_location()


def choice_key(base: str, default: Any) -> str:
    """The widget key for a choice whose option labels depend on the language (format_func).

    The browser does not redraw a kept widget whose labels changed, so such widgets get one key
    per language; the choice itself is carried over (seeded from the last value, see remember)."""
    key = f"{base}@{lang()}"
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get(f"_choice:{base}", default)
    return key


def remember(base: str, value: Any) -> Any:
    """Keep a choice made in a choice_key widget, so it survives a language switch."""
    st.session_state[f"_choice:{base}"] = value
    return value
