"""The core stays free of the UI: icp_core never imports streamlit (the CLI and any script can use
it without a browser), and pages hold no SQL."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _imports(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_sources_never_import_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "icp_core").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_importing_every_core_module_does_not_load_streamlit():
    code = (
        "import importlib, pkgutil, sys, icp_core\n"
        "for m in pkgutil.walk_packages(icp_core.__path__, 'icp_core.'):\n"
        "    if m.name != 'icp_core.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pages_hold_no_sql():
    sql_words = ("SELECT ", "INSERT ", "DELETE ", "CREATE TABLE", ".execute(")
    offenders = []
    for page in (ROOT / "pages").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        offenders += [f"{page.name}: {w.strip()}" for w in sql_words if w in text]
    assert offenders == []
