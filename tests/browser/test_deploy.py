"""The deploy path, the way Streamlit Community Cloud runs it: a clean virtual environment built from
uv.lock alone (no dev dependencies, the project not installed), then `streamlit run app.py` from the
repository root must answer /_stcore/health and serve the app's first page."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.timeout(900)]


def _uv() -> str:
    found = shutil.which("uv")
    if not found:
        pytest.fail("uv is needed for the deploy test (https://docs.astral.sh/uv/)", pytrace=False)
    return found


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8", "replace")


def test_clean_venv_from_uv_lock_serves_the_app(tmp_path, browser):
    uv = _uv()
    requirements = tmp_path / "requirements.txt"
    _run([uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "-o", str(requirements)], cwd=ROOT)
    pinned = [line.split("==")[0] for line in requirements.read_text().splitlines() if "==" in line and not line.startswith("#")]
    assert "streamlit" in pinned and "authlib" in pinned and "pytest" not in pinned and "playwright" not in pinned
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    _run([uv, "venv", str(venv), "--python", sys.executable, "--quiet"], env=env)
    python = venv / "bin" / "python"
    sync = [uv, "pip", "sync", "--python", str(python), str(requirements), "--quiet"]
    offline = subprocess.run(sync + ["--offline"], capture_output=True, text=True, env=env)  # uv's cache has the wheels
    if offline.returncode != 0:
        _run(sync, env=env)
    # nothing of the development environment leaks in: no pytest, and icp_core comes from the checkout
    assert subprocess.run([str(python), "-c", "import pytest"], capture_output=True).returncode != 0

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "streamlit.log"
    run_env = dict(env, ICP_DB=str(tmp_path / "deploy.duckdb"), PYTHONUNBUFFERED="1")
    run_env.pop("ICP_TEST_MODE", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(python), "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=run_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if _get(f"{base}/_stcore/health") == (200, "ok"):
                    break
            except OSError:
                pass
            assert proc.poll() is None, f"streamlit exited:\n{log.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, f"not healthy after 90 s:\n{log.read_text(errors='replace')[-3000:]}"
            time.sleep(0.3)
        status, html = _get(f"{base}/")
        assert status == 200 and '<div id="root">' in html and "<script" in html
        status, html = _get(f"{base}/pmf")  # a page's own address is served too (the app shell)
        assert status == 200 and '<div id="root">' in html
        # the first page really runs in that environment: load it in the session's browser (one
        # sync Playwright per process) and wait for the home title
        from icp_core.i18n import t

        from .conftest import wait_for_app

        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(base, wait_until="domcontentloaded")
            wait_for_app(page, 120_000)
            page.get_by_role("heading", name=t("home.title", "en")).wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            context.close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
