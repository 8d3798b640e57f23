"""Team use: workspaces are isolated from each other; a backup restores a workspace exactly."""

from __future__ import annotations

import io
import json
import zipfile

import polars as pl
import pytest

from icp_core import backup, workspaces
from icp_core.cli import main
from icp_core.errors import IcpError
from icp_core.store import Store

CSV = "Kundennummer;Branche;Umsatz;Tech;Notiz intern\nK1;Software;1.234,56;a|b;x\nK2;Handel;99;;y\nK3;;abc;c;z\n".encode()


@pytest.fixture
def base(tmp_path) -> str:
    return str(tmp_path / "store.duckdb")


def _snapshot(store: Store) -> dict[str, tuple[list, pl.DataFrame]]:
    """Every table of the store: (columns with types, rows in stored order)."""
    with store._reading() as con:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1").fetchall()]
        out = {}
        for name in names:
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                               "ORDER BY ordinal_position", [name]).fetchall()
            out[name] = (cols, con.sql(f'SELECT * FROM "{name}" ORDER BY rowid').pl())
    return out


# ---- workspaces --------------------------------------------------------------------------------

def test_slug_refuses_paths_and_keeps_names_readable():
    assert workspaces.slugify("Produktlinie Süd") == "produktlinie-sud"
    for bad in ("../evil", "..", "a/b", "a\\b", "", "   ", "x" * 61, "tab\there", "///", "~~"):
        with pytest.raises(IcpError) as err:
            workspaces.slugify(bad)
        assert err.value.key == "workspace.bad_name"


def test_create_list_rename_delete(base, tmp_path):
    slug = workspaces.create(base, "Client A")
    assert slug == "client-a"
    assert workspaces.location_of(base, slug) == str(tmp_path / "workspaces" / "client-a.duckdb")
    assert (tmp_path / "workspaces" / "client-a.duckdb").exists()
    assert [(w["slug"], w["name"]) for w in workspaces.list_workspaces(base)] == [("default", "default"), ("client-a", "Client A")]
    with pytest.raises(IcpError, match="exists"):
        workspaces.create(base, "client a")
    Store(workspaces.location_of(base, slug)).import_file(CSV, "accounts", file_name="crm.csv")
    new = workspaces.rename(base, slug, "Client Alpha")
    assert new == "client-alpha" and not (tmp_path / "workspaces" / "client-a.duckdb").exists()
    assert Store(workspaces.location_of(base, new)).tables() == {"accounts": 3}  # the data moved with it
    assert [w["name"] for w in workspaces.list_workspaces(base)] == ["default", "Client Alpha"]
    workspaces.delete(base, new)
    assert [w["slug"] for w in workspaces.list_workspaces(base)] == ["default"]
    assert not list((tmp_path / "workspaces").glob("*.duckdb*"))
    for call in (lambda: workspaces.delete(base, "default"), lambda: workspaces.rename(base, "default", "x")):
        with pytest.raises(IcpError) as err:
            call()
        assert err.value.key == "workspace.default_fixed"
    assert (tmp_path / "store.duckdb").exists() or not Store(base).tables()  # the default is untouched


def test_paths_never_leave_the_folder(base, tmp_path):
    for bad in ("../store", "../../etc/passwd", "/tmp/x", "a/../../b"):
        with pytest.raises(IcpError):
            workspaces.location_of(base, bad)
        with pytest.raises(IcpError):
            workspaces.create(base, bad)
        with pytest.raises(IcpError):
            workspaces.delete(base, bad)
    assert not (tmp_path.parent / "store.duckdb").exists()


def test_nothing_of_one_workspace_is_visible_in_another(base):
    a = workspaces.create(base, "A")
    b = workspaces.create(base, "B")
    store_a, store_b = Store(workspaces.location_of(base, a)), Store(workspaces.location_of(base, b))
    store_a.import_file(CSV, "accounts", file_name="crm.csv")
    store_a.set_setting("segmentation", {"dimensions": ["industry"]})
    assert store_a.tables() == {"accounts": 3}
    assert store_b.tables() == {} and store_b.imports() == [] and store_b.get_setting("segmentation") is None
    assert Store(base).tables() == {} and Store(base).imports() == []
    workspaces.delete(base, b)
    assert Store(workspaces.location_of(base, a)).tables() == {"accounts": 3}
    assert Store(workspaces.location_of(base, a)).get_setting("segmentation") == {"dimensions": ["industry"]}


def test_cli_workspace_option_reaches_only_that_workspace(base, tmp_path):
    csv = tmp_path / "crm.csv"
    csv.write_bytes(CSV)
    assert main(["--db", base, "workspaces", "--create", "Line B"]) == 0
    assert main(["--db", base, "--workspace", "Line B", "import", str(csv), "--table", "accounts"]) == 0
    assert Store(workspaces.location_of(base, "line-b")).tables() == {"accounts": 3}
    assert Store(base).tables() == {}
    out, err = io.StringIO(), io.StringIO()
    assert main(["--db", base, "--workspace", "nope", "imports"], stdout=out, stderr=err) == 2
    assert "nope" in err.getvalue()
    assert main(["--db", base, "--workspace", "../store", "imports"], stdout=out, stderr=err) == 2
    out = io.StringIO()
    assert main(["--db", base, "workspaces", "--json"], stdout=out) == 0
    assert [w["slug"] for w in json.loads(out.getvalue())] == ["default", "line-b"]


# ---- backup / restore --------------------------------------------------------------------------

def _busy_store(path: str) -> Store:
    from icp_core.sample import load_sample

    store = Store(path)
    load_sample(store)
    store.import_file(CSV, "accounts", file_name="crm.csv", mode="replace")  # extra columns, quarantine, archive
    store.set_setting("profile_versions", [{"version": 1, "note": "ä ö", "criteria": [1, 2]}])
    return store


def test_backup_round_trip_is_exact(tmp_path):
    source = _busy_store(str(tmp_path / "a.duckdb"))
    before = _snapshot(source)
    assert {"_imports", "_raw_files", "_quarantine", "_settings", "_meta", "accounts"} <= set(before)
    assert any(t == "VARCHAR[]" for _, t in before["contacts"][0]) or any(t == "VARCHAR[]" for _, t in before["accounts"][0])
    assert before["_quarantine"][1].height > 0 and before["_raw_files"][1]["content"].drop_nulls().len() > 0
    assert "Notiz intern" in [c for c, _ in before["accounts"][0]]
    data = backup.backup(source)

    target = Store(str(tmp_path / "b.duckdb"))
    target.import_file(b"id\nZZ\n", "accounts", file_name="other.csv")  # replaced entirely
    old_version = target.data_version()
    info = backup.restore(target, data)
    after = _snapshot(target)
    assert set(after) == set(before)
    for name, (cols, frame) in before.items():
        if name == "_meta":
            continue
        assert after[name][0] == cols, name
        assert after[name][1].equals(frame, null_equal=True), name
    assert info["tables"] == len(before) and info["rows"] == sum(f.height for _, f in before.values())
    assert target.data_version() > max(old_version, source.data_version())  # caches cannot serve the old data
    assert target.raw_file(target.imports()[0]["import_id"]) == CSV
    assert target.export_frame("accounts").equals(source.export_frame("accounts"))
    # undo still works exactly after a restore: the archived sample rows come back
    target.undo(target.imports()[0]["import_id"])
    source.undo(source.imports()[0]["import_id"])
    assert target.export_frame("accounts").equals(source.export_frame("accounts"))


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"PK\x03\x04broken", "zip-without-manifest", "zip-wrong-format", "zip-evil-type", "zip-missing-file"],
)
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(tmp_path, data):
    def make(files: dict) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, content in files.items():
                zf.writestr(name, content)
        return buf.getvalue()

    good = backup.backup(_busy_store(str(tmp_path / "src.duckdb")))
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("manifest.json"))
    if data == "zip-without-manifest":
        data = make({"t0.parquet": b"x"})
    elif data == "zip-wrong-format":
        data = make({"manifest.json": json.dumps({**manifest, "format": "other"})})
    elif data == "zip-evil-type":
        manifest["tables"][0]["columns"][0][1] = "VARCHAR); DROP TABLE _imports; --"
        with zipfile.ZipFile(io.BytesIO(good)) as zf:
            data = make({**{n: zf.read(n) for n in zf.namelist()}, "manifest.json": json.dumps(manifest)})
    elif data == "zip-missing-file":
        with zipfile.ZipFile(io.BytesIO(good)) as zf:
            data = make({n: zf.read(n) for n in zf.namelist() if n != manifest["tables"][-1]["file"]})
    target = Store(str(tmp_path / "t.duckdb"))
    target.import_file(CSV, "accounts", file_name="crm.csv")
    before = _snapshot(target)
    with pytest.raises(IcpError) as err:
        backup.restore(target, data)
    assert err.value.key == "backup.not_backup"
    after = _snapshot(target)
    assert set(after) == set(before) and all(after[n][1].equals(before[n][1], null_equal=True) for n in before)


def test_restore_is_all_or_nothing_when_a_table_fails(tmp_path):
    good = backup.backup(_busy_store(str(tmp_path / "src.duckdb")))
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("manifest.json"))
    # the last table's data cannot be cast to the declared type: the failure comes after earlier tables were written
    last = manifest["tables"][-1]
    last["columns"][0][1] = "BOOLEAN" if last["columns"][0][1] != "BOOLEAN" else "DATE"
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as zf, zipfile.ZipFile(buf, "w") as out:
        for n in zf.namelist():
            out.writestr(n, json.dumps(manifest) if n == "manifest.json" else zf.read(n))
    target = Store(str(tmp_path / "t.duckdb"))
    target.import_file(CSV, "accounts", file_name="crm.csv")
    before = _snapshot(target)
    with pytest.raises(IcpError):
        backup.restore(target, buf.getvalue())
    after = _snapshot(target)
    assert set(after) == set(before) and all(after[n][1].equals(before[n][1], null_equal=True) for n in before)


def test_cli_backup_and_restore_into_another_workspace(tmp_path):
    base = str(tmp_path / "store.duckdb")
    _busy_store(base)
    out_file = tmp_path / "b.zip"
    assert main(["--db", base, "backup", "--out", str(out_file)]) == 0
    assert main(["--db", base, "workspaces", "--create", "Copy"]) == 0
    out = io.StringIO()
    assert main(["--db", base, "--workspace", "Copy", "restore", str(out_file), "--json"], stdout=out) == 0
    assert json.loads(out.getvalue())["tables"] >= 5
    assert Store(workspaces.location_of(base, "copy")).export_frame("accounts").equals(Store(base).export_frame("accounts"))
    err = io.StringIO()
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    assert main(["--db", base, "restore", str(tmp_path / "x.zip")], stderr=err) == 2
    assert "not an ICP Workbench backup" in err.getvalue()
