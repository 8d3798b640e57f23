"""Benchmarks of the app as a whole (used by bench/run.py; runnable alone):

- every page's full rerun through Streamlit's AppTest (app.py + the page) on a store with
  1,000,000 accounts, a 5,000,000-company market and 100,000 prospects: the first visit (cold)
  and the reruns after it (cached by data version), with the icp_core calls each run made;
- the time from `streamlit run app.py` to the first page rendered in headless Chromium (as
  tests/browser/conftest.py waits for it), for a store that is not there yet (first launch makes it
  as a copy of the prebuilt sample store), a store already holding the sample, and the large store, each
  in a new browser profile and in a browser that opened the app before (as the user's own browser,
  which `streamlit run` opens); with a breakdown;
- the peak memory (RSS of the server and its children) while a browser opens every page.

    uv run python bench/bench_app.py --build /tmp/icp_big.duckdb          # the large store only
    uv run python bench/bench_app.py --db /tmp/icp_big.duckdb --stages pages,startup,memory

Data (fixed seeds): accounts = bench_segments.generate(980,000) (ids B-...) plus the 20,000
customers of bench_market.generate (ids K-..., most of them inside the market), NPS answers and a
survey from bench_pmf.add_answers (for the B- accounts), the market of bench_market.generate
(5,000,000 companies) and bench_scoring.prospects(100,000); every table through Store.load_frame
(import history, data version) as a user's import would leave it.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import os
import pkgutil
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

APP = str(ROOT / "app.py")
PAGES = ("home", "data", "pmf", "segments", "market", "icp", "prospects")
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 1000}
# the browser tests' server and browser settings: the figures here are for the same set-up
from tests.browser.conftest import CHROMIUM_ARGS, _free_port, _healthy  # noqa: E402


# --------------------------------------------------------------------------- the large store

def build_big_store(path: str, accounts: int = 1_000_000, companies: int = 5_000_000, prospects: int = 100_000) -> dict:
    """The large store described in the module docstring; returns the rows per table."""
    import bench_market
    import bench_pmf
    import bench_scoring
    import bench_segments
    import polars as pl

    from icp_core.store import Store

    for suffix in ("", ".wal", ".lock"):
        Path(path + suffix).unlink(missing_ok=True)
    customers = min(20_000, accounts // 50)
    store = Store(path)
    market, acc_m = bench_market.generate(companies, customers)
    store.load_frame("market", market, "bench:market")
    del market
    acc = pl.concat([bench_segments.generate(accounts - customers), acc_m], how="diagonal_relaxed")
    store.load_frame("accounts", acc, "bench:accounts")
    del acc, acc_m
    cur = store.cursor()
    bench_pmf.add_answers(cur, accounts - customers, "B-")
    for table in ("nps_responses", "pmf_survey"):
        frame = cur.sql(f"SELECT * FROM {table}").pl()
        cur.execute(f"DROP TABLE {table}")
        store.load_frame(table, frame, f"bench:{table}")
    cur.close()
    store.load_frame("prospects", bench_scoring.prospects(prospects), "bench:prospects")
    store.set_setting("app.sample_offered", True)
    return store.tables()


# --------------------------------------------------------------------------- icp_core call log

class CallLog:
    """Wraps every function of the icp_core modules (and the Store's methods) to record the
    outermost icp_core calls per thread with their wall time: which core call a page run spent
    its time in, and (on a rerun) which calls were not served from ui.cached."""

    def __init__(self, memory: bool = False) -> None:
        self.calls: list[tuple[str, float]] = []
        self._local = threading.local()
        self._lock = threading.Lock()
        #: label -> the most the process's RSS rose above its level at the call's start (MB),
        #: sampled every 10 ms while an outermost call runs (memory=True)
        self.rss_rise: dict[str, float] = {}
        self._peak = 0.0
        if memory:
            threading.Thread(target=self._sample_rss, daemon=True).start()

    def _sample_rss(self) -> None:
        while True:
            self._peak = max(self._peak, _rss_mb(os.getpid()))
            time.sleep(0.01)

    def install(self) -> None:
        import icp_core

        for info in pkgutil.iter_modules(icp_core.__path__):
            if info.name in {"cli", "__main__", "i18n"}:
                continue
            module = importlib.import_module(f"icp_core.{info.name}")
            for name, obj in list(vars(module).items()):
                if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("__"):
                    setattr(module, name, self._wrap(obj, f"{info.name}.{name}"))
                elif inspect.isclass(obj) and obj.__module__ == module.__name__ and name == "Store":
                    for attr, fn in list(vars(obj).items()):
                        if inspect.isfunction(fn) and not attr.startswith("__"):
                            setattr(obj, attr, self._wrap(fn, f"Store.{attr}"))

    def install_ui(self) -> None:
        """Wrap ui.cached and ui.store_call (a separate log: their time includes the data version
        look-up, the cache look-up and, on a hit, the copy of the cached value)."""
        import ui

        for name in ("cached", "store_call"):
            fn = getattr(ui, name)
            if not getattr(fn, "_icp_bench", False):
                setattr(ui, name, self._wrap(fn, f"ui.{name}", named=True))

    def _wrap(self, fn, label: str, named: bool = False):
        log = self

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if named:  # ui.cached(fn, ...) / ui.store_call("method", ...): name the call
                first = args[0] if args else "?"
                sub = (f"{getattr(first, '__module__', '').rsplit('.', 1)[-1]}.{getattr(first, '__qualname__', first)}"
                       if callable(first) else str(first))
                name = f"{label}({sub})"
            else:
                name = label
            depth = getattr(log._local, "depth", 0)
            log._local.depth = depth + 1
            if depth == 0:
                rss0 = _rss_mb(os.getpid())
                log._peak = rss0
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                log._local.depth = depth
                if depth == 0:
                    rise = max(log._peak, _rss_mb(os.getpid())) - rss0
                    with log._lock:
                        log.calls.append((name, time.perf_counter() - t0))
                        log.rss_rise[name] = max(log.rss_rise.get(name, 0.0), rise)

        wrapper._icp_bench = True
        return wrapper

    def take(self) -> list[tuple[str, float]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def summarize(calls: list[tuple[str, float]], min_ms: float = 5.0) -> list[tuple[str, int, float]]:
    """(label, calls, total seconds) of the outermost core calls, biggest first, >= min_ms."""
    total: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for label, sec in calls:
        total[label][0] += 1
        total[label][1] += sec
    rows = [(label, n, sec) for label, (n, sec) in total.items() if sec * 1000 >= min_ms]
    return sorted(rows, key=lambda r: -r[2])


# --------------------------------------------------------------------------- AppTest reruns

def _navigation_like_the_server() -> None:
    """As tests/conftest.py's navigation_like_the_server: AppTest resets
    PagesManager.uses_pages_directory before every run; the real server keeps it off once app.py
    ran, so every rerun goes through app.py (st.navigation) as in the browser."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager.__init__, "_icp_bench", False):
        return
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._icp_bench = True
    PagesManager.__init__ = init


def apptest_pages(db: str, reruns: int = 5, pages=PAGES, log: CallLog | None = None, ui_log: CallLog | None = None,
                  quiet: bool = False) -> list[dict]:
    """One AppTest session (ICP_DB=db, English) that visits each page in turn, as a user
    navigating: the first run of each page (cold: that page's cached calls are computed) and
    `reruns` reruns after it (nothing changed: everything the page caches comes from the cache).
    Returns per page: cold seconds, rerun seconds and CPU seconds, the core calls of the cold run
    and of the reruns (per rerun), and whether an exception was shown."""
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # "missing ScriptRunContext" from the cache clearing below
    _navigation_like_the_server()
    os.environ["ICP_DB"] = db
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=900)
    at.session_state["lang"] = "en"
    out = []
    for i, page in enumerate(pages):
        for lg in (log, ui_log):
            if lg:
                lg.take()
        t0, c0 = time.perf_counter(), time.process_time()
        if i == 0 and page == "home":
            at.run()
        else:
            at.switch_page(f"pages/{page}.py").run()
        cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
        cold_calls = log.take() if log else []
        cold_ui = ui_log.take() if ui_log else []
        errors = [str(e.value)[:200] for e in at.exception]
        times, cpus, rerun_calls, rerun_ui = [], [], [], []
        for _ in range(reruns):
            t0, c0 = time.perf_counter(), time.process_time()
            at.run()
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            if log:
                rerun_calls += log.take()
            if ui_log:
                rerun_ui += ui_log.take()
        errors += [str(e.value)[:200] for e in at.exception]
        title = at.title[0].value if len(at.title) else "?"
        row = {"page": page, "title": title, "cold": cold, "cold_cpu": cold_cpu, "times": times, "cpus": cpus,
               "cold_calls": summarize(cold_calls),
               "cold_rss": {lab: log.rss_rise.get(lab, 0.0) for lab, _n, _s in summarize(cold_calls)} if log else {},
               "rerun_calls": summarize([(k, v / max(reruns, 1)) for k, v in rerun_calls], 1.0),
               "cold_ui": summarize(cold_ui),
               "rerun_ui": summarize([(k, v / max(reruns, 1)) for k, v in rerun_ui], 0.0),
               "errors": errors}
        out.append(row)
        if not quiet:
            print(f"  page {page:10s} ({title}): cold {cold * 1000:,.0f} ms (cpu {cold_cpu * 1000:,.0f}), rerun median "
                  f"{statistics.median(times) * 1000:,.0f} ms ({min(times) * 1000:,.0f}..{max(times) * 1000:,.0f}) cpu "
                  f"{statistics.median(cpus) * 1000:,.0f} ms" + (f"  ERRORS {errors}" if errors else ""), flush=True)
            for label, n, sec in row["cold_calls"][:6]:
                rise = log.rss_rise.get(label, 0.0) if log else 0.0
                print(f"      cold  {label:40s} x{n:<3d} {sec * 1000:8,.0f} ms  rss +{rise:,.0f} MB")
            for label, n, sec in row["rerun_calls"][:6]:
                print(f"      rerun {label:40s} x{n / max(reruns, 1):<4.1f} {sec * 1000:8,.0f} ms per rerun")
            ui_total = sum(sec for _l, _n, sec in row["rerun_ui"])
            print(f"      rerun ui.cached + ui.store_call: {ui_total * 1000:,.0f} ms per rerun in "
                  f"{sum(n for _l, n, _s in row['rerun_ui']) / max(reruns, 1):.0f} calls; top: "
                  + ", ".join(f"{lab} {sec * 1000:.0f} ms" for lab, _n, sec in row["rerun_ui"][:4]))
    return out


# --------------------------------------------------------------------------- a real server

def _user_env(**extra: str) -> dict:
    """The environment of a user's `streamlit run`: without ICP_TEST_MODE, and without
    PYTHONDONTWRITEBYTECODE, which this build machine sets: with it Python compiles every module of
    Streamlit, polars and DuckDB again on each start (+1 s), where a user's Python writes the
    bytecode on the first start and reuses it."""
    env = dict(os.environ, **extra)
    env.pop("ICP_TEST_MODE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


class Server:
    """`streamlit run app.py` (as tests/browser/conftest.py starts it) with ICP_DB=store."""

    def __init__(self, store: str, log_path: Path, app: str = "app.py", cwd: Path = ROOT, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = _user_env(ICP_DB=store, PYTHONUNBUFFERED="1")
        cmd = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true",
               "--server.port", str(self.port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self._log = open(log_path, "wb")
        self.log_path = log_path
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_healthy(self, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while not _healthy(f"{self.url}/_stcore/health"):
            if self.proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.02)
        return time.perf_counter() - self.started

    def cpu_seconds(self) -> float:
        """CPU seconds (user + system) the server process has used so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=15)
        self._log.close()


# The first page counts as rendered when the page's title is drawn (the app root can report
# notRunning + connected before the first script run has started, which would count a blank page),
# the script has run to the end, the websocket is connected, and nothing is stale, a skeleton or a
# spinner: tests/browser/conftest.py's wait_for_app, plus the title.
RENDERED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!(app && document.querySelector('[data-testid="stMain"] h1')
        && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && !document.querySelector('[data-testid="stSpinner"]'));
}"""


def wait_rendered(page, timeout_ms: int = 300_000) -> None:
    """Return as soon as the page is rendered (RENDERED), checked every 20 ms. One check polled at a
    fixed interval: Playwright's wait_for_selector, used here up to the run of 2026-12-06 03:08 UTC,
    checks at growing intervals (up to 500 ms apart) and returned 20-420 ms after the page was
    ready (6 starts, measured against a MutationObserver in the page); this check returns 2-14 ms
    after it."""
    page.wait_for_function(RENDERED, timeout=timeout_ms, polling=20)


def _import_times() -> dict:
    """Seconds to import what the server imports, each in a new interpreter: Python alone,
    streamlit's CLI and server, the modules the first run of app.py + home needs (ui, the store,
    the sample, health), and the rest the other pages import."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import streamlit.web.cli, streamlit.web.server.server; t1 = time.perf_counter()\n"
        "import ui, icp_core.store, icp_core.sample, icp_core.health, icp_core.schema; t2 = time.perf_counter()\n"
        "import icp_core.pmf, icp_core.segments, icp_core.market, icp_core.profile, icp_core.scoring, "
        "icp_core.charts, icp_core.groups, icp_core.rules, icp_core.exports, icp_core.ingest; t3 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)\n"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    bare = time.perf_counter() - t0
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_user_env(), check=True, capture_output=True, text=True)
    st_s, first_s, rest_s = (float(x) for x in res.stdout.split())
    return {"python": bare, "streamlit": st_s, "app_modules": first_s, "page_modules": rest_s}


def _first_run_time(store: str) -> dict:
    """The first run of app.py (+ home) in a new interpreter through AppTest with ICP_DB=store:
    what the server's first script run does (importing the app's modules, opening the store,
    loading the sample when the store is empty, the home page), without server and browser."""
    code = (
        "import time, sys; t0 = time.perf_counter()\n"
        "from streamlit.testing.v1 import AppTest; t1 = time.perf_counter()\n"
        "c1 = time.process_time()\n"
        "at = AppTest.from_file(sys.argv[1], default_timeout=300); at.run(); t2 = time.perf_counter()\n"
        "c2 = time.process_time()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "print(t1 - t0, t2 - t1, c2 - c1)\n"
    )
    env = _user_env(ICP_DB=store)
    res = subprocess.run([sys.executable, "-c", code, APP], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    imp, run, cpu = (float(x) for x in res.stdout.split()[-3:])
    return {"import_apptest": imp, "first_run": run, "first_run_cpu": cpu}


def _sample_seed_time() -> float:
    """Seconds of icp_core.sample.seed_new_store: a new store made as a copy of the prebuilt sample
    store, as the first launch does (modules imported already)."""
    import tempfile

    from icp_core.sample import seed_new_store

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if not seed_new_store(str(Path(tmp) / "s.duckdb")):
            raise RuntimeError("the prebuilt sample store does not fit: run `uv run python sample_data/generate.py`")
        return time.perf_counter() - t0


def _sample_load_time() -> float:
    """Seconds of icp_core.sample.load_sample into a new file store (modules imported already)."""
    import tempfile

    from icp_core.sample import load_sample
    from icp_core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "s.duckdb"))
        t0 = time.perf_counter()
        load_sample(store)
        return time.perf_counter() - t0


def _start_and_render(browser, server: "Server") -> float:
    """Seconds from the server's launch to its first page rendered in a new browser context."""
    return _start_in_new_context(browser, server, "floor")["rendered"]


def _start_in_new_context(browser, server: "Server", case: str) -> dict:
    """_timed_start in a new browser context (a new browser profile: nothing cached), made after the
    server's launch, so its making is inside the measured time."""
    try:
        context = browser.new_context(viewport=VIEWPORT)
    except BaseException:
        server.stop()
        raise
    try:
        return _timed_start(context.new_page, server, case)
    finally:
        context.close()


def _timed_start(new_page, server: "Server", case: str) -> dict:
    """Health ok, first page rendered (seconds from launch) and the server's CPU seconds at both, for
    a server just launched and a page from new_page() (a new browser context's, or a tab of the
    returning browser); the page is closed and the server stopped after."""
    try:
        healthy = server.wait_healthy()
        cpu_health = server.cpu_seconds()
        page = new_page()
        try:
            page.goto(server.url + "/", wait_until="domcontentloaded")
            wait_rendered(page)
            rendered = time.perf_counter() - server.started
            cpu = server.cpu_seconds()
            body = page.locator('[data-testid="stMain"]').inner_text()
            if "Traceback" in body or page.locator('[data-testid="stException"]').count():
                raise RuntimeError(f"exception on the first page ({case}): {body[:500]}")
        finally:
            page.close()
    finally:
        server.stop()
    return {"health": healthy, "rendered": rendered, "cpu": cpu, "cpu_health": cpu_health}


def _navigation_only_app(folder: Path) -> Path:
    """A Streamlit app with app.py's layout and none of its work: the same .streamlit/config.toml,
    st.navigation over seven one-title pages with icons, the sidebar's language radio, workspace
    select box and a button. What a multipage app shaped like ours costs to start here."""
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit").mkdir(exist_ok=True)
    shutil.copyfile(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    pages = [("home", ":material/home:"), ("data", ":material/upload_file:"), ("pmf", ":material/query_stats:"),
             ("segments", ":material/donut_small:"), ("market", ":material/public:"), ("icp", ":material/badge:"),
             ("prospects", ":material/leaderboard:")]
    for name, _icon in pages:
        (folder / "pages" / f"{name}.py").write_text(f'import streamlit as st\nst.title("{name}")\nst.write("text")\n',
                                                     encoding="utf-8")
    (folder / "app.py").write_text(
        "import streamlit as st\n"
        'st.set_page_config(page_title="x", page_icon=":material/target:", layout="wide")\n'
        "with st.sidebar:\n"
        '    st.radio("Language", ["English", "Deutsch"], horizontal=True)\n'
        '    st.selectbox("Workspace", ["Default"])\n'
        '    st.button("Manage workspaces", icon=":material/folder:")\n'
        f"PAGES = {pages!r}\n"
        'page = st.navigation([st.Page(f"pages/{n}.py", title=n, icon=i, default=(n == "home")) for n, i in PAGES])\n'
        "page.run()\n", encoding="utf-8")
    return folder


def startup(cases: dict[str, tuple[str | None, bool]], runs: int = 3, workdir: Path | None = None,
            quiet: bool = False) -> dict:
    """Per case (name -> (store file, copy it first?), or (None, _) for a fresh empty store): `runs` times
    `streamlit run app.py`, open / in headless Chromium once /_stcore/health answers, wait for the
    first page rendered. Each of the `runs` rounds starts the two floors (a two-line app, the
    navigation-only app) and every case once, in turn. Returns per case the lists of health and
    rendered seconds (from launch)."""
    import tempfile

    from playwright.sync_api import sync_playwright

    workdir = Path(workdir or tempfile.mkdtemp(prefix="icp_startup_"))
    out: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(headless=True, executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # one start before the timed ones, as a user's first start after installing: Python writes
        # the bytecode of every module the server and the first page import (timed, reported apart)
        warm_store = workdir / "warm_up.duckdb"
        out["_warm_up"] = _start_and_render(browser, Server(str(warm_store), workdir / "warm_up.log"))
        if not quiet:
            print(f"  startup warm-up (writes bytecode): first page rendered {out['_warm_up'] * 1000:,.0f} ms", flush=True)
        # the floor: a two-line Streamlit app started and opened the same way (Streamlit's own start
        # plus the browser loading Streamlit's page), to tell ours from theirs
        trivial = workdir / "trivial_app.py"
        trivial.write_text('import streamlit as st\nst.title("Hello")\nst.write("a trivial app")\n', encoding="utf-8")
        # the floor of this app's layout without its code: the same config, st.navigation over seven
        # pages with icons and a sidebar with a radio, a select box and a button; each page a title
        nav_dir = _navigation_only_app(workdir / "navigation_app")
        out["_trivial"], out["_navigation"] = [], []
        for case in cases:
            out[case] = {"health": [], "rendered": [], "cpu": [], "cpu_health": []}
            out[case]["returning"] = {"health": [], "rendered": [], "cpu": [], "cpu_health": []}
        # A returning user's browser: `streamlit run` opens the app in the user's own browser, which
        # keeps Streamlit's page files from the starts before (they are content-hashed and served
        # "immutable, max-age=1 year") and, from the second visit on, Chromium's compiled code of
        # them. One browser profile on disk, the same port for every start (the cache is per
        # origin, as http://localhost:8501 is for a user), two visits before the timed starts.
        returning = pw.chromium.launch_persistent_context(
            str(workdir / "returning_browser_profile"), headless=True, executable_path=CHROMIUM,
            args=CHROMIUM_ARGS, viewport=VIEWPORT)
        returning_port = _free_port()
        for visit in range(2):
            _timed_start(returning.new_page, Server(str(warm_store), workdir / f"returning_warm_up_{visit}.log",
                                                    port=returning_port), "warm-up")
        for suffix in ("", ".wal", ".lock"):
            Path(str(warm_store) + suffix).unlink(missing_ok=True)
        # Rounds: each round starts every app and store once, in turn. In blocks (all starts of one
        # case, then the next) a slow minute falls on one case only (the first launch, started right
        # after the floors, took ~0.1 s more until health ok in two runs of three); in rounds, alike.
        for i in range(runs):
            out["_trivial"].append(_start_and_render(browser, Server(
                str(workdir / "trivial.duckdb"), workdir / f"trivial_{i}.log", app=trivial.name, cwd=workdir)))
            out["_navigation"].append(_start_and_render(browser, Server(
                str(workdir / "navigation.duckdb"), workdir / f"navigation_{i}.log", app="app.py", cwd=nav_dir)))
            if not quiet:
                print(f"  startup round {i + 1}: trivial app {out['_trivial'][-1] * 1000:,.0f} ms, navigation-only app "
                      f"{out['_navigation'][-1] * 1000:,.0f} ms", flush=True)
            for case, (source, copy) in cases.items():
                store = Path(source) if source and not copy else workdir / f"{case}_{i}.duckdb"
                temporary = not source or copy
                # which browser goes first alternates by round: neither gets the other's warm file cache
                for kind in ("new", "returning") if i % 2 == 0 else ("returning", "new"):
                    if temporary:  # each start finds the store as a user's would: none yet, or a copy
                        for suffix in ("", ".wal", ".lock"):
                            Path(str(store) + suffix).unlink(missing_ok=True)
                        if source:
                            shutil.copyfile(source, store)
                    if kind == "returning":
                        server = Server(str(store), workdir / f"{case}_{i}_returning.log", port=returning_port)
                        timing = _timed_start(returning.new_page, server, case)
                    else:
                        # launched before the context is made, as the floors' starts and the runs before
                        timing = _start_in_new_context(browser, Server(str(store), workdir / f"{case}_{i}.log"), case)
                    target = out[case] if kind == "new" else out[case]["returning"]
                    for key, value in timing.items():
                        target[key].append(value)
                    if not quiet:
                        print(f"  startup {case:6s} {kind:9s} run {i + 1}: healthy {timing['health'] * 1000:,.0f} ms, "
                              f"first page rendered {timing['rendered'] * 1000:,.0f} ms (server CPU "
                              f"{timing['cpu_health'] * 1000:,.0f} ms until healthy, {timing['cpu'] * 1000:,.0f} ms "
                              "until rendered)", flush=True)
                if temporary:
                    for suffix in ("", ".wal", ".lock"):
                        Path(str(store) + suffix).unlink(missing_ok=True)
        returning.close()
        browser.close()
    samples = [_import_times() for _ in range(runs)]
    out["_imports"] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    out["_sample_load"] = statistics.median(_sample_load_time() for _ in range(3))
    out["_sample_seed"] = statistics.median(_sample_seed_time() for _ in range(3))
    first: dict[str, list[float]] = {}
    first_cpu: dict[str, list[float]] = {}
    for case, (source, _copy) in cases.items():
        for i in range(runs):
            store = workdir / f"first_run_{case}_{i}.duckdb"
            if source and _copy:
                shutil.copyfile(source, store)
            path = str(store) if (not source or _copy) else source
            timing = _first_run_time(path)
            first.setdefault(case, []).append(timing["first_run"])
            first_cpu.setdefault(case, []).append(timing["first_run_cpu"])
            for suffix in ("", ".wal", ".lock"):
                Path(str(store) + suffix).unlink(missing_ok=True)
    out["_first_run"] = first
    out["_first_run_cpu"] = first_cpu
    return out


# --------------------------------------------------------------------------- memory

def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_rss_mb(root_pid: int) -> float:
    """RSS of root_pid and all its descendants (MB), from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children[ppid].append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
        todo += children.get(pid, [])
    return total / 1024


def server_memory(db: str, pages=PAGES, workdir: Path | None = None, quiet: bool = False) -> dict:
    """Peak RSS (server + children, sampled every 50 ms) while one browser session opens every page
    of the navigation in turn (each page rendered to the end), after startup and at the end."""
    import tempfile

    from playwright.sync_api import sync_playwright

    workdir = Path(workdir or tempfile.mkdtemp(prefix="icp_memory_"))
    server = Server(db, workdir / "memory.log")
    peak = {"mb": 0.0}
    stop = threading.Event()
    per_page = {}

    def sample():
        while not stop.is_set():
            peak["mb"] = max(peak["mb"], _tree_rss_mb(server.proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        server.wait_healthy()
        after_start = _tree_rss_mb(server.proc.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(headless=True, executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            for name in pages:
                t0 = time.perf_counter()
                page.goto(server.url + ("/" if name == "home" else f"/{name}"), wait_until="domcontentloaded")
                wait_rendered(page)
                if page.locator('[data-testid="stException"]').count():
                    raise RuntimeError(f"exception on {name}: {page.locator('[data-testid=stException]').first.inner_text()[:400]}")
                per_page[name] = {"seconds": time.perf_counter() - t0, "peak_mb": peak["mb"],
                                  "rss_mb": _tree_rss_mb(server.proc.pid)}
                if not quiet:
                    print(f"  memory after {name:10s}: rss {per_page[name]['rss_mb']:,.0f} MB, peak so far "
                          f"{peak['mb']:,.0f} MB ({per_page[name]['seconds']:.1f} s to render)", flush=True)
            context.close()
            browser.close()
        end = _tree_rss_mb(server.proc.pid)
    finally:
        stop.set()
        sampler.join()
        server.stop()
    return {"peak_mb": peak["mb"], "after_start_mb": after_start, "end_mb": end, "pages": per_page}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", help="build the large store at this path and exit")
    ap.add_argument("--db", help="the large store (built first when missing)")
    ap.add_argument("--stages", default="pages", help="comma-separated: pages, startup, memory")
    ap.add_argument("--reruns", type=int, default=5)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--runs", type=int, default=3, help="startup runs per case")
    args = ap.parse_args()
    if args.build:
        t0 = time.perf_counter()
        print(build_big_store(args.build), f"{time.perf_counter() - t0:.0f} s")
        return
    if args.db and not Path(args.db).exists():
        print(build_big_store(args.db))
    stages = set(args.stages.split(","))
    pages = tuple(args.pages.split(","))
    if "pages" in stages:
        log, ui_log = CallLog(memory=True), CallLog()
        log.install()
        ui_log.install_ui()
        apptest_pages(args.db, args.reruns, pages, log, ui_log)
    if "startup" in stages:
        print(startup({"empty": (None, False), "big": (args.db, False)}, runs=args.runs))
    if "memory" in stages:
        print(server_memory(args.db, pages))


if __name__ == "__main__":
    main()
