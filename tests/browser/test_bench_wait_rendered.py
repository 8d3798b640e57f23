"""The benchmark's "first page rendered" check (bench/bench_app.py wait_rendered) on a page that
plays Streamlit's root element: rendered only with the title drawn, the script not running, the
websocket connected and nothing stale, a skeleton or a spinner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import bench_app  # noqa: E402

pytestmark = pytest.mark.browser

PAGE = """<div data-testid="stApp" data-test-script-state="{state}" data-test-connection-state="{connection}">
<div data-testid="stMain">{main}</div></div>"""


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def _rendered(page, state="notRunning", connection="CONNECTED", main="<h1>Home</h1>") -> bool:
    page.set_content(PAGE.format(state=state, connection=connection, main=main))
    return page.evaluate(bench_app.RENDERED)


def test_a_page_counts_as_rendered_only_when_settled_with_its_title(page):
    assert _rendered(page)
    assert not _rendered(page, main="<p>no title yet</p>")  # idle before the first run has started
    assert not _rendered(page, state="running")
    assert not _rendered(page, connection="CONNECTING")
    assert not _rendered(page, main='<h1>Home</h1><div data-stale="true">old</div>')
    assert not _rendered(page, main='<h1>Home</h1><div data-testid="stSkeleton"></div>')
    assert not _rendered(page, main='<h1>Home</h1><div data-testid="stSpinner"></div>')


def test_waiting_returns_once_the_page_settles_and_not_before(page):
    page.set_content(PAGE.format(state="running", connection="CONNECTED", main="<p>loading</p>"))
    with pytest.raises(Exception, match="Timeout"):
        bench_app.wait_rendered(page, timeout_ms=300)
    page.evaluate("""() => setTimeout(() => {
        document.querySelector('[data-testid="stMain"]').innerHTML = '<h1>Home</h1>';
        document.querySelector('[data-testid="stApp"]').setAttribute('data-test-script-state', 'notRunning');
    }, 200)""")
    bench_app.wait_rendered(page, timeout_ms=10_000)
    assert page.evaluate("document.querySelector('h1').textContent") == "Home"
