"""Many users at once (docs/RELIABILITY.md, "Concurrent sessions"): N browser sessions browse every
page of one server while two `icp import` processes append accounts to the store the server reads.

N is 5 in CI mode and 20 in long mode (ICP_LONG_TESTS=1, or --long when tests/hardening is part of
the run; see tests/hardening/conftest.py). Half of the sessions are German (?lang=de).

Must hold:
- no page shows an exception box or the "something went wrong" message, before, during or after
  the imports (a "store in use" message would be reported too: it counts as a failure);
- the Segments page's "Customers" figure is, at any moment, one of the four states the store can
  be in (none, either or both imports): an import is never seen half done;
- afterwards both imports are in the store's history with their row counts (none lost) and the
  accounts table holds exactly the sample plus both;
- after the imports, every session shows the store's account count (formatted in its language)
  and the same PMF verdict.

Playwright's sync API is bound to one thread, so the sessions are driven by the async API
(one Chromium, one context per session, asyncio.gather) in a thread of their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from icp_core.i18n import fmt_number, t
from icp_core.sample import load_sample, sample_frames
from icp_core.store import Store
from tests.hardening.conftest import long_mode

from .conftest import APP_IDLE, CHROMIUM_ARGS, ROOT, find_or_install_chromium
from .own_server import own_app_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]

SESSIONS = 20 if long_mode() else 5
TOURS = 2 if long_mode() else 1  # rounds over every page per session; the imports start once every session has shown its first page
PAGES = ["", "data", "pmf", "segments", "market", "icp", "prospects"]
IMPORTS = {"concurrent_a.csv": ("CA", 200), "concurrent_b.csv": ("CB", 120)}  # file: (id prefix, rows)
STEP_TIMEOUT_MS = 240_000 if long_mode() else 120_000  # hang guard per page under load, not a speed target

SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')
        && !document.querySelector('[data-stale="true"]')
        && !document.querySelector('[data-testid="stSkeleton"]')
        && !document.querySelector('[data-testid="stSpinner"]');
}"""


def import_csv(prefix: str, rows: int) -> bytes:
    """`rows` accounts shaped like the sample's, with new ids (CSV as a CRM would export it)."""
    frame = sample_frames()["accounts"].head(rows)
    frame = frame.with_columns(
        pl.format("{}-{}", pl.lit(prefix), pl.int_range(1, rows + 1).cast(pl.String).str.zfill(4)).alias("account_id"),
        pl.format("{} {}", pl.col("company_name"), pl.lit(prefix)).alias("company_name"),
        pl.col("tech_stack").list.join(";"),
    )
    return frame.write_csv().encode("utf-8")


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("concurrent_server")
    store = folder / "concurrent.duckdb"
    load_sample(Store(str(store)))
    for name, (prefix, rows) in IMPORTS.items():
        (folder / name).write_bytes(import_csv(prefix, rows))
    with own_app_server(folder, store) as server:
        yield server


class Sessions:
    """What the sessions saw, shared between their coroutines."""

    def __init__(self, allowed_counts: set[int]):
        self.allowed = allowed_counts
        self.problems: list[str] = []
        self.loads = 0
        self.seen_counts: set[int] = set()
        self.first_page_done = 0
        self.all_started = asyncio.Event()
        self.imports_done = asyncio.Event()
        self.final: dict[int, dict] = {}
        self.in_flight = 0  # page loads started and not yet checked
        self.overlap: dict[str, tuple[int, int]] = {}  # moment -> (loads done, loads in flight)


async def settle(page) -> None:
    await page.wait_for_selector(APP_IDLE, state="attached")
    await page.wait_for_function(SETTLED)


async def check(page, where: str, lang: str, seen: Sessions) -> str:
    """Problems on the page: an exception box, a traceback, an error message. Returns the main text."""
    if await page.locator('[data-testid="stException"]').count():
        text = await page.locator('[data-testid="stException"]').first.inner_text()
        seen.problems.append(f"{where}: exception: {text[:300]}")
    body = await page.locator("body").inner_text()
    for marker in ("Traceback", t("error.bug", lang, detail="\x00").split("\x00")[0],
                   t("store.busy", lang, location="\x00").split("\x00")[1][:40]):
        if marker in body:
            seen.problems.append(f"{where}: {marker!r} on the page")
    return body


async def customers(page, lang: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=t("segpage.kpi.accounts", lang))
    ).first
    return (await metric.locator('[data-testid="stMetricValue"]').inner_text()).strip()


async def verdict(page, lang: str) -> str:
    label = t("pmf.verdict.label", lang)
    box = page.locator('[data-testid="stAlert"]').filter(has_text=label + ":").first
    return (await box.locator("strong").first.inner_text()).strip()


async def session(browser, base_url: str, index: int, seen: Sessions) -> None:
    lang = "de" if index % 2 else "en"
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    by_count = {fmt_number(n, lang): n for n in seen.allowed}
    try:
        order = PAGES[index % len(PAGES):] + PAGES[: index % len(PAGES)]  # sessions start on different pages
        for tour in range(TOURS):
            for step, slug in enumerate(order):
                where = f"session {index} ({lang}) tour {tour} /{slug}"
                seen.in_flight += 1
                await page.goto(f"{base_url}/{slug}?lang={lang}", wait_until="domcontentloaded")
                await settle(page)
                await check(page, where, lang, seen)
                seen.loads += 1
                seen.in_flight -= 1
                if slug == "segments":
                    shown = await customers(page, lang)
                    if shown not in by_count:
                        seen.problems.append(f"{where}: Customers {shown!r} is no whole state of the store {sorted(seen.allowed)}")
                    else:
                        seen.seen_counts.add(by_count[shown])
                if tour == 0 and step == 0:
                    seen.first_page_done += 1
                    if seen.first_page_done == SESSIONS:
                        seen.all_started.set()
        await seen.imports_done.wait()
        final = {}
        await page.goto(f"{base_url}/segments?lang={lang}", wait_until="domcontentloaded")
        await settle(page)
        await check(page, f"session {index} after the imports /segments", lang, seen)
        final["customers"] = await customers(page, lang)
        await page.goto(f"{base_url}/?lang={lang}", wait_until="domcontentloaded")
        await settle(page)
        await check(page, f"session {index} after the imports /home", lang, seen)
        await page.goto(f"{base_url}/pmf?lang={lang}", wait_until="domcontentloaded")
        await settle(page)
        await check(page, f"session {index} after the imports /pmf", lang, seen)
        final["verdict"] = await verdict(page, lang)
        final["lang"] = lang
        seen.final[index] = final
    except Exception as error:  # a hang guard fired or a page never settled: report it with the rest
        seen.problems.append(f"session {index} ({lang}): {type(error).__name__}: {str(error).splitlines()[0][:300]}")
        seen.all_started.set()  # do not keep the imports waiting for a session that died
        try:
            await page.screenshot(path=str(ROOT / "test-output" / "screenshots" / f"concurrent_failed_{index}.png"))
        except Exception:
            pass
    finally:
        await context.close()


async def run_imports(store: Path, folder: Path, seen: Sessions) -> list[tuple[int, str, str]]:
    await seen.all_started.wait()
    seen.overlap["imports started"] = (seen.loads, seen.in_flight)
    env = dict(os.environ)
    env.pop("ICP_DB", None)
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "icp_core", "--db", str(store), "--json",
            "import", str(folder / name), "--table", "accounts", "--mode", "append",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for name in IMPORTS
    ]
    results = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=300)
        results.append((proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")))
    seen.overlap["imports done"] = (seen.loads, seen.in_flight)
    seen.imports_done.set()
    return results


async def drive(executable: str | None, server, seen: Sessions):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        kwargs = {"executable_path": executable} if executable else {}
        browser = await pw.chromium.launch(headless=True, args=CHROMIUM_ARGS, **kwargs)
        try:
            results = await asyncio.gather(
                run_imports(server.store, server.store.parent, seen),
                *[session(browser, server.base_url, i, seen) for i in range(SESSIONS)],
            )
            # one last look, for the record
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            page = await context.new_page()
            await page.goto(f"{server.base_url}/segments", wait_until="domcontentloaded")
            await settle(page)
            path = ROOT / "test-output" / "screenshots" / "concurrent_after_imports_segments.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(path), full_page=True)
            await context.close()
            return results[0]
        finally:
            await browser.close()


def test_sessions_browse_while_two_imports_run(sample_server):
    store = Store(str(sample_server.store))
    before = store.tables()["accounts"]
    a, b = (rows for _prefix, rows in IMPORTS.values())
    seen_holder: dict = {}
    executable = find_or_install_chromium()

    def run():  # the asyncio loop in a thread of its own: the sync `browser` fixture may own this one
        seen = Sessions({before, before + a, before + b, before + a + b})
        seen_holder["seen"] = seen
        try:
            seen_holder["imports"] = asyncio.run(drive(executable, sample_server, seen))
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            seen_holder["error"] = error

    worker = threading.Thread(target=run, name="browser-sessions")
    worker.start()
    worker.join()
    if "error" in seen_holder:
        print(sample_server.log.read_text(errors="replace")[-4000:])
        raise seen_holder["error"]
    seen: Sessions = seen_holder["seen"]
    print(f"\n{SESSIONS} sessions, {seen.loads} page loads; Customers figures seen while browsing: {sorted(seen.seen_counts)}; "
          f"(page loads done, in flight): {seen.overlap}")

    # both imports ran and reported their rows
    for (code, out, err), (name, (_prefix, rows)) in zip(seen_holder["imports"], IMPORTS.items()):
        assert code == 0, f"icp import {name} failed ({code}): {err[-2000:]} {out[-500:]}"
        report = json.loads(out)
        assert report["rows_imported"] == rows and report["rows_rejected"] == 0, report
    assert not seen.problems, "\n".join(seen.problems[:30]) + f"\n({len(seen.problems)} problems)\n" + \
        sample_server.log.read_text(errors="replace")[-3000:]

    # no import lost: both in the history with their counts, and their rows in the table
    history = {e["file"]: e for e in store.imports("accounts")}
    for name, (_prefix, rows) in IMPORTS.items():
        assert name in history, f"{name} missing from the history: {sorted(history)}"
        assert history[name]["rows_imported"] == rows and not history[name]["undone"], history[name]
    after = store.tables()["accounts"]
    assert after == before + a + b
    ids = store.export_frame("accounts")["account_id"]
    assert ids.str.starts_with("CA-").sum() == a and ids.str.starts_with("CB-").sum() == b

    # every session sees the store as it is now, and the same verdict
    assert sorted(seen.final) == list(range(SESSIONS)), f"sessions that did not finish: {set(range(SESSIONS)) - set(seen.final)}"
    for index, final in seen.final.items():
        assert final["customers"] == fmt_number(after, final["lang"]), (index, final, after)
    keys = set()
    for final in seen.final.values():
        label = t("pmf.verdict.label", final["lang"])
        texts = {f"{label}: {t('pmf.verdict.' + k, final['lang'])}": k for k in ("reached", "partial", "not_yet", "unknown")}
        assert final["verdict"] in texts, f"unknown verdict text {final['verdict']!r}"
        keys.add(texts[final["verdict"]])
    assert len(keys) == 1, f"sessions disagree on the PMF verdict: {[f['verdict'] for f in seen.final.values()]}"
    print(f"after the imports: {after} accounts in every session, PMF verdict {keys.pop()!r} in every session")
