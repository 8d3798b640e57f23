"""Real-browser test fixtures: one Streamlit server per test session, Debian's chromium driven by
Playwright, a fresh browser context per test.

Modelled on Streamlit's own e2e_playwright/conftest.py: the server is polled on
``/_stcore/health``; a page counts as rendered when the app root reports that the script is not
running (``[data-testid="stApp"][data-test-script-state="notRunning"]`` in Streamlit 1.67).

Helpers for tests (import from ``tests.browser.conftest``): wait_for_app, assert_no_exception,
screenshot, goto_page, switch_language, nav_links, click_nav_link, arm_rerun_watch, wait_for_rerun.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
STARTUP_TIMEOUT_S = 60
RENDER_TIMEOUT_MS = 60_000
MAX_SHOT_HEIGHT = 16_000  # px; longer pages are cut
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The language switch in app.py: st.radio labelled t("app.language") = "Language" / "Sprache",
# options rendered as t("app.lang.en") / t("app.lang.de") = "English" / "Deutsch".
LANGUAGE_LABEL = re.compile(r"Language|Sprache", re.IGNORECASE)
LANGUAGE_OPTION = {"en": "English", "de": "Deutsch"}
LANGUAGE_WORD = {"en": "Language", "de": "Sprache"}


@dataclass
class AppServer:
    base_url: str
    started_at: float  # time.perf_counter() just before `streamlit run` was launched
    healthy_after_s: float  # seconds until /_stcore/health answered ok
    store: Path  # the ICP_DB file this server uses
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # the server and anything it started
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def find_or_install_chromium() -> str | None:
    """The Chromium the browser tests drive: Debian's /usr/bin/chromium when present. On a fresh
    machine the test command installs one itself, so `uv run pytest` needs nothing by hand:
    Debian's package when running as root with apt-get, else Playwright's own Chromium.
    Returns an executable path, or None for Playwright's managed browser."""
    for candidate in (CHROMIUM, Path("/usr/bin/chromium-browser")):
        if candidate.exists():
            return str(candidate)
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
        if CHROMIUM.exists():
            return str(CHROMIUM)
    result = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)
    if result.returncode == 0:
        return None
    pytest.fail(
        "No Chromium for the browser tests: /usr/bin/chromium is missing and installing one failed. "
        "Install Debian's chromium (`apt-get install -y chromium`) or run `uv run playwright install chromium`.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser():
    """Chromium launched headless through Playwright (Debian's /usr/bin/chromium when present)."""
    executable = find_or_install_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        kwargs = {"executable_path": executable} if executable else {}
        chromium = pw.chromium.launch(headless=True, args=CHROMIUM_ARGS, **kwargs)
        yield chromium
        chromium.close()


@contextmanager
def run_app_server(folder: Path, store: Path) -> Iterator[AppServer]:
    """`streamlit run app.py` on a free port with ICP_DB=store, its log in folder/streamlit.log;
    polls /_stcore/health, yields an AppServer, and terminates the process group at the end."""
    log = folder / "streamlit.log"
    port = _free_port()
    env = dict(os.environ, ICP_DB=str(store), PYTHONUNBUFFERED="1")
    env.pop("ICP_TEST_MODE", None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as log_file:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = started + STARTUP_TIMEOUT_S
        while not _healthy(f"{base_url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
            if time.perf_counter() > deadline:
                pytest.fail(f"streamlit not healthy after {STARTUP_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-4000:]}", pytrace=False)
            time.sleep(0.2)
        yield AppServer(base_url, started, time.perf_counter() - started, store, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, browser) -> Iterator[AppServer]:
    """The session's server on a fresh tmp store (so the sample company loads on first launch
    without touching the user's store).

    Depends on `browser` only so chromium is up before the clock starts (startup timing)."""
    tmp = tmp_path_factory.mktemp("app_server")
    with run_app_server(tmp, tmp / "browser_store.duckdb") as server:
        yield server


@pytest.fixture
def page(browser):
    """A page in a new browser context (1400x1000) for each test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    pg = context.new_page()
    watch_script_runs(pg)
    yield pg
    _RUNS_FINISHED.pop(id(pg), None)
    _RUNS_ARMED.pop(id(pg), None)
    context.close()


# --- helpers -----------------------------------------------------------------------------------
def wait_for_app(page, timeout_ms: int = RENDER_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script has run to the end and the page has settled: the app root
    reports notRunning, the websocket is connected, the main area shows at least one element (the
    idle state can show on a blank page before the first script run has started), and no element
    is stale or still loading."""
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]', state="attached", timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')
                && !document.querySelector('[data-stale="true"]')
                && !document.querySelector('[data-testid="stSkeleton"]')
                && !document.querySelector('[data-testid="stSpinner"]');
        }""",
        timeout=timeout_ms,
    )


# Script runs the server reported finished to a page (its websocket's script_finished messages),
# by id(page); only for pages that watch_script_runs was called on.
_RUNS_FINISHED: dict[int, int] = {}
_RUNS_ARMED: dict[int, int] = {}


def watch_script_runs(page) -> None:
    """Count, from the page's websocket, the script runs the server finished for it. A run that
    ends in st.rerun() (FINISHED_EARLY_FOR_RERUN) does not count: the one it starts does. This is
    the one signal a fast rerun cannot hide: a run served from caches can start and end within one
    browser render, and the app root's script state then never visibly changes."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    key = id(page)
    _RUNS_FINISHED[key] = 0

    def on_frame(payload) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except Exception:  # not a ForwardMsg: nothing to count
            return
        if message.WhichOneof("type") == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            _RUNS_FINISHED[key] = _RUNS_FINISHED.get(key, 0) + 1

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))


def arm_rerun_watch(page) -> None:
    """Call before an action that makes Streamlit rerun (click, navigation): from now on a
    finished script run is recorded, so wait_for_rerun cannot mistake the state from *before*
    the action for the end of the new run."""
    if id(page) in _RUNS_FINISHED:
        _RUNS_ARMED[id(page)] = _RUNS_FINISHED[id(page)]
    page.evaluate(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            window.__icpRan = false;
            if (window.__icpObserver) window.__icpObserver.disconnect();
            window.__icpObserver = new MutationObserver(() => { window.__icpRan = true; });
            window.__icpObserver.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )


def wait_for_rerun(page, timeout_ms: int = RENDER_TIMEOUT_MS) -> None:
    """After arm_rerun_watch and an action: wait until a script run started after it finished
    (the server's message when the page watches its runs, else a visible change of the app's
    script state), then until the page has settled."""
    armed = _RUNS_ARMED.pop(id(page), None)
    if armed is None:
        page.wait_for_function("() => window.__icpRan === true", timeout=timeout_ms)
    else:
        deadline = time.monotonic() + timeout_ms / 1000
        while _RUNS_FINISHED[id(page)] <= armed:
            if time.monotonic() > deadline:
                raise AssertionError(f"no script run finished within {timeout_ms / 1000:.0f} s of the action on {page.url}")
            page.wait_for_timeout(25)  # lets Playwright deliver the websocket's frames
    wait_for_app(page, timeout_ms)


def assert_no_exception(page) -> None:
    """No Streamlit exception box and no raw traceback text anywhere on the page."""
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        pytest.fail(f"exception shown on {page.url}: {boxes.first.inner_text()[:800]}", pytrace=False)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body, f"traceback text on {page.url}: {body[:800]}"


def screenshot(page, name: str) -> Path:
    """A full-page PNG under test-output/screenshots/<name>.png (gitignored); returns the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "page"
    path = SCREENSHOTS / f"{safe}.png"
    # Streamlit scrolls inside its own containers, so full_page alone stops at the viewport:
    # grow the viewport to the content's height for the shot, then restore it.
    viewport = page.viewport_size or {"width": 1400, "height": 1000}
    height = page.evaluate(
        """() => Math.max(document.body.scrollHeight,
            ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppScrollToBottomContainer"],'
                + ' [data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]')].map(e => e.scrollHeight))"""
    )
    try:
        if height > viewport["height"]:
            page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 40, MAX_SHOT_HEIGHT)})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
    return path


def goto_page(page, base_url: str, url_path: str = "") -> None:
    """Open base_url/url_path in a fresh load (a new Streamlit session) and wait for the app."""
    page.goto(f"{base_url.rstrip('/')}/{url_path.lstrip('/')}", wait_until="domcontentloaded")
    wait_for_app(page)


def _language_radio(page):
    sidebar = page.locator('[data-testid="stSidebar"]')
    return sidebar.locator('[data-testid="stRadio"], [data-testid="stSelectbox"], [data-testid="stSegmentedControl"]').filter(
        has=page.locator('[data-testid="stWidgetLabel"]', has_text=LANGUAGE_LABEL)
    ).first


def switch_language(page, lang: str = "de") -> None:
    """Switch the UI language with the sidebar control labelled "Language / Sprache" and wait
    until the app has re-rendered in that language (the control's own label changes)."""
    control = _language_radio(page)
    control.wait_for(state="visible")
    option = LANGUAGE_OPTION[lang]
    if control.get_attribute("data-testid") == "stSelectbox":
        control.click()
        page.get_by_role("option", name=option, exact=True).click()
    else:
        control.get_by_text(option, exact=True).click()
    # The label in the new language can only come from the rerun the switch started. (Not
    # wait_for_rerun: a rerun served from caches can start and end within one render of the
    # browser, and the app root's script state then never visibly changes.)
    page.locator('[data-testid="stSidebar"] [data-testid="stWidgetLabel"]', has_text=LANGUAGE_WORD[lang]).first.wait_for(
        state="visible"
    )
    wait_for_app(page)


def nav_links(page) -> list[tuple[str, str]]:
    """(label, href) of every entry in the sidebar navigation, in order."""
    page.locator('[data-testid="stSidebarNav"]').wait_for(state="visible")
    view_more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if view_more.count() and "more" in view_more.inner_text().lower():
        view_more.click()
    links = page.locator('[data-testid="stSidebarNav"] a')
    found = []
    for i in range(links.count()):
        # the link text starts with the material icon's ligature name ("home"); the title is last
        lines = [line.strip() for line in links.nth(i).inner_text().splitlines() if line.strip()]
        found.append((lines[-1] if lines else "", links.nth(i).get_attribute("href") or ""))
    return found


def click_nav_link(page, href: str) -> None:
    """Navigate inside the running session (keeps the language) and wait for the new page."""
    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]')
    arm_rerun_watch(page)
    link.click()
    # the page keeps its choices in the URL (shared views), so a query string may follow the path
    page.wait_for_url(re.compile(re.escape(href.split("?")[0].rstrip("/")) + r"/?(\?.*)?$"))
    wait_for_rerun(page)


def open_app_page(app_server: AppServer, page, slug: str, lang: str = "en"):
    """Open the app, switch to `lang`, follow the navigation link whose URL ends in /<slug>, and
    check that no exception shows (printing the server log when one does). Returns the main area."""
    goto_page(page, app_server.base_url)
    if lang != "en":
        switch_language(page, lang)
    links = nav_links(page)
    href = next((h for _label, h in links if h.rstrip("/").endswith("/" + slug)), None)
    if href is None:
        pytest.fail(f"no page '{slug}' in the navigation: {links}")
    click_nav_link(page, href)
    try:
        assert_no_exception(page)
    except BaseException:
        print(app_server.log.read_text(errors="replace")[-5000:])
        raise
    return page.locator('[data-testid="stMain"]')
