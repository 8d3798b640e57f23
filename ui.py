"""Streamlit glue shared by the pages: the store of this session, the language, translated text,
cached calls into icp_core. Pages stay thin: read widgets, call icp_core through here, draw.

Nothing here computes a figure; it only wires Streamlit to the core.
"""

from __future__ import annotations

import os
import sys
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
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return
    # The flag alone is not enough: sessions whose first runs started together in the old mode all
    # run their page alone, but only the first of them still sees the flag set. So look at this
    # run's own call stack: is the entry script (app.py, or a page run as the main script) on it?
    if getattr(ctx, "_icp_entry_checked", None) is ctx.cursors:  # checked already in this run (a new dict per run)
        return
    if getattr(PagesManager, "uses_pages_directory", None) or not _entry_script_on_stack(ctx.main_script_path):
        PagesManager.uses_pages_directory = False
        st.rerun()
    ctx._icp_entry_checked = ctx.cursors


def _entry_script_on_stack(main_script_path: str) -> bool:
    entry = os.path.realpath(main_script_path)
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == main_script_path or os.path.realpath(frame.f_code.co_filename) == entry:
            return True
        frame = frame.f_back
    return False


def _skip_bare_mode_check() -> None:
    """Spare the first page Streamlit's check for `python app.py` under `streamlit run`.

    On the first element a process draws, Streamlit asks whether it runs in a REPL, to warn when
    it is not started with `streamlit run`. That check is ``inspect.stack()``, which reads the
    source lines of every frame on the stack: 27-40 ms of the ~330 ms first script run here. With
    Streamlit's runtime running, the app was started by `streamlit run` and the warning is never
    printed, so the check is marked as done. (Streamlit's internal flag; a test checks it is there.)
    """
    try:
        from streamlit import delta_generator, runtime
    except ImportError:
        return
    if runtime.exists() and hasattr(delta_generator, "_use_warning_has_been_displayed"):
        delta_generator._use_warning_has_been_displayed = True


_skip_bare_mode_check()


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


def base_location() -> str:
    """The default workspace's store (ICP_DB / secrets / ~/.icp_workbench/store.duckdb)."""
    from icp_core.store import resolve_location

    return resolve_location(None, _secrets())


def store_location() -> str:
    """The store of this session: the chosen workspace's (see workspace_sidebar), else the default."""
    override = st.session_state.get("store_location")
    if override:
        return override
    slug = st.session_state.get("workspace")
    if slug and slug != "default":
        from icp_core.workspaces import location_of

        try:
            return location_of(base_location(), slug, _secrets())
        except IcpError:
            pass
    return base_location()


@st.cache_resource(show_spinner=False)
def _open_store(location: str):
    from icp_core.sample import seed_new_store
    from icp_core.store import Store

    # a store that is not there yet starts as a copy of the prebuilt sample store: first launch
    # shows the sample company ~0.7 s sooner than loading it (ensure_first_launch, the fallback)
    seed_new_store(location)
    return Store(location)


def get_store():
    """The Store for this session's location (one per process and location, shared)."""
    return _open_store(store_location())


def holding_store():
    """A context for one script run (app.py): every store read in it stays open until it ends
    (icp_core.store.Store.holding), so the run opens the file once instead of once per read."""
    from icp_core.store import Store

    return Store.holding()


def _release_store() -> None:
    """Close what this run keeps open (holding_store) before a workspace's file is moved or deleted."""
    from icp_core.store import Store

    Store.release_held()


def cursor():
    """A DuckDB cursor for this rerun: a connection is not thread-safe, a cursor per session is."""
    return get_store().cursor()


def data_version() -> int:
    return get_store().data_version()


def cached(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a core function, cached by the store's location and data version plus the arguments.

    The core function receives a fresh cursor as its first argument. Arguments must be hashable
    by st.cache_data (plain values, tuples, frozen dataclasses)."""
    return _cached_call(fn.__module__, fn.__qualname__, store_location(), data_version(),
                        tuple(_by_fingerprint(a) for a in args), tuple(sorted(kwargs.items())))


class _Fingerprinted:
    """A large tuple argument (e.g. 15,000 customer matches) keyed by its length and Python hash:
    st.cache_data would otherwise hash it element by element on every rerun (~200 ms)."""

    __slots__ = ("value", "key")

    def __init__(self, value: tuple, key: tuple) -> None:
        self.value, self.key = value, key


def _by_fingerprint(arg: Any) -> Any:
    if isinstance(arg, tuple) and len(arg) > 1000:
        try:
            return _Fingerprinted(arg, (len(arg), hash(arg)))
        except TypeError:  # unhashable items: let st.cache_data hash it
            return arg
    return arg


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={_Fingerprinted: lambda arg: arg.key})
def _cached_call(module: str, qualname: str, location: str, version: int, args: tuple, kwargs: tuple) -> Any:
    import importlib

    fn: Any = importlib.import_module(module)
    for part in qualname.split("."):
        fn = getattr(fn, part)
    args = tuple(a.value if isinstance(a, _Fingerprinted) else a for a in args)
    return fn(_open_store(location).cursor(), *args, **dict(kwargs))


def kept(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """As cached(), but the result object itself is kept and returned, not a copy: for large
    frames a page only reads (st.cache_data unpickles a fresh copy on every rerun: ~35 ms for
    100,000 prospects, and one more copy in memory per session). Never change the returned object
    (polars frames are not changed in place by their methods). Keeps the last two results: each
    is a large frame, and an older data version's is not asked for again."""
    return _kept_call(fn.__module__, fn.__qualname__, store_location(), data_version(),
                      tuple(_by_fingerprint(a) for a in args), tuple(sorted(kwargs.items())))


@st.cache_resource(show_spinner=False, max_entries=2, hash_funcs={_Fingerprinted: lambda arg: arg.key})
def _kept_call(module: str, qualname: str, location: str, version: int, args: tuple, kwargs: tuple) -> Any:
    return _cached_call.__wrapped__(module, qualname, location, version, args, kwargs)


def require_accounts(message_key: str) -> None:
    """Stop the page with one clear message when the store holds no accounts (or cannot be read):
    every figure of the page needs them."""
    try:
        has_accounts = bool(store_call("tables").get("accounts"))
    except Exception as err:
        show_error(err)
        st.stop()
    if not has_accounts:
        st.warning(tr(message_key))
        st.stop()


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


def markdown_table(rows: list[dict[str, object]], right: tuple[str, ...] = ()) -> str:
    """A small table as Markdown, every cell escaped. For the first page: st.dataframe imports
    pandas (~0.2 s of CPU) on its first use, and the home page is what every start shows first."""
    if not rows:
        return ""
    head = list(rows[0])
    lines = ["| " + " | ".join(md_escape(h) for h in head) + " |",
             "|" + "".join("---:|" if h in right else "---|" for h in head)]
    lines += ["| " + " | ".join(md_escape(row.get(h, "")) for h in head) + " |" for row in rows]
    return "\n".join(lines)


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
        # tables through store_call: the same answer for this data version, and the sidebar asks it next
        if not any(store_call("tables").values()) and not store.get_setting("app.sample_offered", False):
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


def remember(base: str, value: Any, param: str | None = None) -> Any:
    """Keep a choice made in a choice_key widget, so it survives a language switch; with param,
    also write it into the address bar (a shared view, see url_choice)."""
    st.session_state[f"_choice:{base}"] = value
    if param:
        set_url(param, value)
    return value


# ---- team use: shared views (URL), workspaces, keeping data, sign-in ----

_URL_MISSING = object()


def _parse_url_value(param: str, default: Any, options: Any = None, kind: type | None = None) -> Any:
    """The value of query parameter param, typed like default; _URL_MISSING when absent or unusable."""
    from datetime import date

    if param not in st.query_params:
        return _URL_MISSING
    if isinstance(default, (list, tuple)):
        given = [v for v in st.query_params.get_all(param) if v != ""]
        values = given if options is None else [v for v in given if v in options]
        if given and not values:  # nothing usable in the link: the default, not an empty choice
            return _URL_MISSING
        return type(default)(values)
    raw = st.query_params.get(param, "")
    if default is None and kind is not None:
        default = kind()
    try:
        if isinstance(default, bool):
            if raw not in ("1", "0", "true", "false"):
                return _URL_MISSING
            value: Any = raw in ("1", "true")
        elif isinstance(default, int):
            value = int(raw)
        elif isinstance(default, float):
            value = float(raw)
        elif isinstance(default, date):
            value = date.fromisoformat(raw)
        else:
            value = None if raw == "" and default is None else raw
    except ValueError:
        return _URL_MISSING
    if options is not None and value not in options:
        return _URL_MISSING
    return value


def set_url(param: str, value: Any) -> None:
    """Write one choice into the address bar (lists as repeated parameters; None/empty removes it)."""
    from datetime import date

    if value is None or (isinstance(value, (list, tuple)) and not value):
        if param in st.query_params:
            del st.query_params[param]
        return
    if isinstance(value, bool):
        text: Any = "1" if value else "0"
    elif isinstance(value, (list, tuple)):
        text = [str(v) for v in value]
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    current = st.query_params.get_all(param)
    if current != (text if isinstance(text, list) else [text]):
        st.query_params[param] = text


def url_state(key: str, default: Any, param: str | None = None, options: Any = None, kind: type | None = None) -> Any:
    """A choice that lives in the URL, so a link restores it.

    Returns the value a widget with this key should start from: its current value once it exists
    in the session, else the URL's value (typed like default, checked against options), else
    default. The current value is written back into the URL (query parameter param, default key).
    kind (int, float) types the URL value when default is None (an empty number input).
    Use it as the widget's value/default/index, with the same key:

        as_of = st.date_input(..., value=ui.url_state("pmf_as_of", default_as_of, "as_of"), key="pmf_as_of")
    """
    param = param or key
    if key in st.session_state:
        value = st.session_state[key]
    else:
        value = _parse_url_value(param, default, options, kind)
        if value is _URL_MISSING:
            value = default
    set_url(param, value)
    return value


def url_choice(base: str, default: Any, param: str, options: Any = None, kind: type | None = None) -> str:
    """choice_key for a choice that also lives in the URL (query parameter param).

    While this session has no value for the choice yet (a link just opened), the URL's value is
    the start (typed like default, checked against options; an unusable value falls back to
    default); afterwards the session's value wins. Pair it with remember(base, value, param):

        table = ui.remember("data_table", st.selectbox(..., key=ui.url_choice("data_table", "accounts", "table", names)), "table")
    """
    if f"_choice:{base}" not in st.session_state and f"{base}@{lang()}" not in st.session_state:
        value = _parse_url_value(param, default, options, kind)
        if value is not _URL_MISSING:
            default = value
    return choice_key(base, default)


def url_values(param: str) -> list[str]:
    """The raw values of a query parameter (empty when absent): for choices the core decodes
    (icp_core.view_params). Read them only to seed widgets that have no value in the session yet."""
    return list(st.query_params.get_all(param))


def url_tabs(base: str, param: str, labels: dict[str, str]) -> tuple[str, list]:
    """st.tabs whose open tab lives in the URL (param=<id>, never the translated label, so a link
    works in both languages). labels: {tab id: label}. Returns (open tab id, tab containers)."""
    ids = list(labels)
    chosen = st.session_state.get(f"_choice:{base}")
    if chosen not in labels:
        chosen = st.query_params.get(param)
        if chosen not in labels:
            chosen = ids[0]
    key = f"{base}@{lang()}"
    tabs = st.tabs(list(labels.values()), default=labels[chosen], key=key, on_change="rerun")
    by_label = {label: tab_id for tab_id, label in labels.items()}
    current = by_label.get(st.session_state.get(key), chosen)
    remember(base, current, param)
    return current, list(tabs)


def _clear_caches() -> None:
    _cached_call.clear()
    _kept_call.clear()
    _cached_store_call.clear()
    _open_store.clear()


def workspace_sidebar() -> None:
    """The workspace picker and create / rename / delete (in the sidebar). Switching changes the
    store of the whole session (store_location)."""
    from icp_core import workspaces

    base = base_location()
    secrets = _secrets()
    try:
        spaces = workspaces.list_workspaces(base, secrets)
    except OSError:
        spaces = [{"slug": workspaces.DEFAULT, "name": workspaces.DEFAULT, "location": base}]
    names = {w["slug"]: (tr("workspace.default") if w["slug"] == workspaces.DEFAULT else w["name"]) for w in spaces}
    if st.session_state.get("workspace") not in names:
        wanted = st.session_state.get("workspace") or st.query_params.get("ws", workspaces.DEFAULT)
        st.session_state["workspace"] = wanted if wanted in names else workspaces.DEFAULT
    # A picker with one choice says nothing and costs every first page a script load in the browser
    # (~0.1 s): it appears once a second workspace exists (made under "Manage workspaces").
    if len(names) > 1:
        st.selectbox(tr("workspace.label"), list(names), key="workspace", format_func=names.__getitem__)
    current = st.session_state["workspace"]
    st.session_state["_workspace_name"] = names.get(current, current)  # shown by keep_data_sidebar
    set_url("ws", None if current == workspaces.DEFAULT else current)
    if workspaces.folder(base, secrets) is None:
        return
    manage = st.expander(tr("workspace.manage"), icon=":material/folder_managed:", key="ws_manage", on_change="rerun")
    with manage:
        if not manage.open:
            return
        with st.form("ws_create", clear_on_submit=True, border=False):
            new_name = st.text_input(tr("workspace.new_name"), max_chars=workspaces.MAX_NAME)
            if st.form_submit_button(tr("workspace.create"), icon=":material/add:"):
                try:
                    slug = workspaces.create(base, new_name, secrets)
                    from icp_core.store import Store

                    # a new workspace starts empty: the sample company is not loaded into it
                    Store(workspaces.location_of(base, slug, secrets)).set_setting("app.sample_offered", True)
                    st.session_state["_ws_switch"] = slug
                    st.rerun()
                except IcpError as err:
                    show_error(err)
        if current == workspaces.DEFAULT:
            st.caption(tr("workspace.default_note"))
            return
        with st.form("ws_rename", border=False):
            renamed = st.text_input(tr("workspace.rename_to"), value=names[current], max_chars=workspaces.MAX_NAME)
            if st.form_submit_button(tr("workspace.rename"), icon=":material/edit:"):
                try:
                    _release_store()
                    slug = workspaces.rename(base, current, renamed, secrets)
                    _clear_caches()
                    st.session_state["_ws_switch"] = slug
                    st.rerun()
                except IcpError as err:
                    show_error(err)
        with st.form("ws_delete", clear_on_submit=True, border=False):
            typed = st.text_input(tr("workspace.delete_confirm"), placeholder=names[current])
            if st.form_submit_button(tr("workspace.delete"), icon=":material/delete_forever:", type="primary"):
                if typed.strip() != names[current]:
                    st.error(tr("workspace.delete_mismatch", name=md_escape(names[current])))
                else:
                    try:
                        _release_store()
                        workspaces.delete(base, current, secrets)
                        _clear_caches()
                        st.session_state["_ws_switch"] = workspaces.DEFAULT
                        st.session_state["_ws_deleted"] = names[current]
                        st.rerun()
                    except IcpError as err:
                        show_error(err)


def apply_workspace_switch() -> None:
    """Before the picker is drawn: a workspace just created / renamed / deleted becomes the current one."""
    if "_ws_switch" in st.session_state:
        st.session_state["workspace"] = st.session_state.pop("_ws_switch")
    if "_ws_deleted" in st.session_state:
        st.toast(tr("workspace.deleted", name=md_escape(st.session_state.pop("_ws_deleted"))), icon=":material/delete:")


def keep_data_sidebar() -> None:
    """Where the data lives, a warning when that place does not survive a restart, backup / restore."""
    from datetime import date

    from icp_core import backup

    location = store_location()
    try:
        app_url = st.context.url
    except Exception:  # no browser request (bare script runs)
        app_url = None
    # "on this computer" only when it is true: a lasting local file and the app opened at localhost
    st.caption(tr("app.store_location" if backup.on_this_computer(location, app_url) else "keep.location"))
    # plain text, not st.code: the browser loads st.code's highlighter (a separate script) on
    # its first use, ~0.3 s of the first page at every start (issue 9); the link's copy box below
    # sits in a popover, whose content is drawn only when opened
    st.text(location)
    reason = backup.ephemeral_reason(location)
    if reason:
        st.warning(tr(f"keep.ephemeral_{reason}"), icon=":material/warning:")
    keep = st.expander(tr("keep.title"), icon=":material/save:", expanded=bool(reason), key="keep_data", on_change="rerun")
    with keep:
        if not keep.open:
            return
        store = get_store()
        slug = st.session_state.get("workspace") or "default"
        st.download_button(
            tr("keep.download"), data=lambda: backup.backup(store), file_name=f"icp-{slug}-{date.today().isoformat()}.zip",
            mime="application/zip", icon=":material/download:", help=tr("keep.download_help"), on_click="ignore",
            key="backup_download", width="stretch",
        )
        # a new key after each restore empties the uploader (no second restore of the same file waiting)
        upload = st.file_uploader(tr("keep.restore"), type=["zip"], key=f"backup_upload:{slug}:{st.session_state.get('_restore_count', 0)}")
        if upload is not None:
            st.caption(tr("keep.restore_warn", name=md_escape(st.session_state.get("_workspace_name") or slug)))
            if st.button(tr("keep.restore_button"), key="backup_restore", icon=":material/restore:", type="primary"):
                try:
                    info = backup.restore(store, upload.getvalue())
                    st.session_state["_restored"] = info
                    st.session_state["_restore_count"] = st.session_state.get("_restore_count", 0) + 1
                    st.session_state["_first_launch_checked"] = store_location()
                    st.rerun()
                except IcpError as err:
                    show_error(err)
        if "_restored" in st.session_state:
            info = st.session_state.pop("_restored")
            st.success(tr("keep.restored", tables=fmt_number(info["tables"]), rows=fmt_number(info["rows"])))


def share_link(url_path: str) -> None:
    """The link to this view (page + every choice in the URL), ready to copy."""
    from urllib.parse import urlencode, urlsplit

    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    origin = None
    try:
        parts = urlsplit(st.context.url or "")
        if parts.scheme and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
    except Exception:
        origin = None
    from streamlit import config as _config

    prefix = "/".join(p for p in [(_config.get_option("server.baseUrlPath") or "").strip("/"), url_path.strip("/")] if p)
    path = "/" + prefix
    with st.popover(tr("link.title"), icon=":material/link:", width="stretch"):
        if origin:
            st.code(f"{origin}{path}" + (f"?{query}" if query else ""), language=None, wrap_lines=True)
            st.caption(tr("link.note"))
        else:
            st.code(path + (f"?{query}" if query else ""), language=None, wrap_lines=True)
            st.caption(tr("link.note_query"))


def _user() -> dict | None:
    """The signed-in user (st.user) as a plain dict, or None."""
    try:
        info = st.user.to_dict()
    except Exception:
        return None
    return dict(info) if info else None


def require_access() -> None:
    """Stop the script unless this visitor may see the app: sign-in when [auth] is configured,
    then the allow-lists of [access] (icp_core.access). Shows who is signed in, with sign-out."""
    from collections.abc import Mapping

    from icp_core.access import access_decision, auth_configured, email_of

    config = _secrets()
    user = _user()
    decision = access_decision(config, user)
    if decision == "open":
        return
    signed_in = bool(user and user.get("is_logged_in") is True)
    if decision == "allowed":
        with st.sidebar:
            name = (user or {}).get("name") or email_of(user) or tr("access.unknown_user")
            st.caption(tr("access.signed_in_as", name=md_escape(name)))
            if st.button(tr("access.sign_out"), key="sign_out", icon=":material/logout:"):
                st.logout()
        return
    st.title(tr("access.title"))
    if decision == "sign_in":
        st.markdown(tr("access.explain"))
        auth = config.get("auth") or {}
        providers = [k for k, v in auth.items() if isinstance(v, Mapping)] if isinstance(auth, Mapping) else []
        choices: list[str | None] = [None] if "client_id" in auth or not providers else providers
        for provider in choices:
            label = tr("access.sign_in") + (f" ({provider})" if provider else "")
            if st.button(label, key=f"sign_in:{provider}", type="primary", icon=":material/login:"):
                try:
                    st.login(provider) if provider else st.login()
                except Exception as err:
                    if type(err).__name__ == "StreamlitMissingAuthlibError":
                        st.error(tr("access.no_authlib"))
                    else:
                        st.error(i18n.t("error.bug", lang(), detail=type(err).__name__))
        st.stop()
    if not auth_configured(config):
        st.error(tr("access.misconfigured"))
    else:
        st.error(tr("access.denied", email=md_escape(email_of(user) or tr("access.unknown_user"))))
        if signed_in and st.button(tr("access.sign_out"), key="sign_out_denied", icon=":material/logout:"):
            st.logout()
    st.stop()


# ---- charts: built once per input, not on every rerun (issue 9) ----
#
# A page rerun (any click) used to rebuild every chart (icp_core.charts, Altair objects) and let
# st.altair_chart convert each to Vega-Lite again (Altair's to_dict with schema validation): on
# the PMF page about 370 of a 420 ms rerun. The inputs of a chart are small aggregated frames, so
# the built chart and its converted spec are kept, keyed by the builder and its inputs; a rerun
# with the same inputs draws the kept spec. What is drawn is exactly what st.altair_chart draws.

_CHARTS_KEPT = 256
_charts_lock = threading.Lock()
_built: dict[bytes, tuple[Any, list[int]]] = {}  # key -> (built object, ids of its charts), LRU order
_specs: dict[int, tuple[Any, dict]] = {}  # id(chart) -> (chart, its Vega-Lite spec); chart kept alive


def _chart_key(builder: Callable[..., Any], args: tuple, kwargs: dict) -> bytes | None:
    """A digest of the builder and its inputs, by value: equal inputs give the same key (pickle
    without its memo, which would otherwise write a shared object differently from two equal ones)."""
    import hashlib
    import io
    import pickle

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: the bytes depend on the values only
    try:
        pickler.dump((getattr(builder, "__module__", ""), getattr(builder, "__qualname__", repr(builder)),
                      args, sorted(kwargs.items())))
    except Exception:  # an input that cannot be pickled (or refers to itself): build every time
        return None
    return hashlib.blake2b(buffer.getvalue(), digest_size=20).digest()


def chart(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """builder(*args, **kwargs) (an icp_core chart builder, or one returning {name: chart}),
    built once per builder and inputs and kept (the last 256, for every session). Do not change
    the returned object. Draw it with draw_chart, which then also skips the Vega-Lite conversion."""
    key = _chart_key(builder, args, kwargs)
    if key is not None:
        with _charts_lock:
            hit = _built.pop(key, None)
            if hit is not None:
                _built[key] = hit  # most recently used last
                return hit[0]
    result = builder(*args, **kwargs)
    if key is None:
        return result
    members = list(result.values()) if isinstance(result, dict) else [result]
    with _charts_lock:
        _built[key] = (result, [id(c) for c in members])
        for member in members:
            _specs.setdefault(id(member), (member, {}))
        while len(_built) > _CHARTS_KEPT:
            _old, (_obj, ids) = next(iter(_built.items()))
            del _built[_old]
            for cid in ids:
                _specs.pop(cid, None)
    return result


def _vega_lite_spec(chart_obj: Any) -> dict | None:
    """The spec st.altair_chart would send for chart_obj, converted once for a chart kept by
    chart(); None for any other chart (or a Streamlit without the converter)."""
    with _charts_lock:
        entry = _specs.get(id(chart_obj))
        if entry is None or entry[0] is not chart_obj:
            return None
        if entry[1]:
            return entry[1]
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:
        return None
    spec = dict(_convert_altair_to_vega_lite_spec(chart_obj))
    with _charts_lock:
        if id(chart_obj) in _specs:
            _specs[id(chart_obj)] = (chart_obj, spec)
    return spec


def draw_chart(chart_obj: Any, where: Any = None, **options: Any) -> Any:
    """st.altair_chart(chart_obj, **options) into where (default st): for a chart kept by chart()
    the Vega-Lite spec is converted only once (the same spec, datasets and options)."""
    target = where if where is not None else st
    spec = _vega_lite_spec(chart_obj)
    if spec is None:
        return target.altair_chart(chart_obj, **options)
    # Streamlit takes the datasets out of the spec it is given: hand it a copy
    return target.vega_lite_chart(spec={**spec, "datasets": dict(spec.get("datasets") or {})}, **options)
