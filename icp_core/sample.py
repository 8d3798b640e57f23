"""The bundled sample company (Taktwerk GmbH, see sample_data/README.md).

`sample_frames()` reads the generated Parquet files next to the package (and runs the generator
in-process when a file is missing); `load_sample(store)` puts every table into a store, one
import per table named ``sample:<table>``, replacing what is there (undo brings it back).
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
from contextlib import nullcontext
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # polars is imported where frames are read: the app's first page copies the
    import polars as pl  # prebuilt store (seed_new_store) without it (~0.1 s)

SAMPLE_DIR: Path = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_PREFIX = "sample:"
#: the tables of the sample, in load order (accounts first)
SAMPLE_TABLES: tuple[str, ...] = (
    "accounts", "contacts", "nps_responses", "pmf_survey", "mrr_history", "deals", "jobs",
    "market", "prospects",
)
#: a store holding the sample as load_sample leaves it (first launch copies it: ~0.05 s, not ~0.8 s)
PREBUILT_STORE: Path = SAMPLE_DIR / "sample_store.duckdb"
#: what PREBUILT_STORE was built from; it is used only while all of it still holds
PREBUILT_MANIFEST: Path = SAMPLE_DIR / "sample_store.json"


def _generator() -> ModuleType:
    """sample_data/generate.py as a module (it is a script, not part of the package)."""
    path = SAMPLE_DIR / "generate.py"
    if not path.exists():
        raise FileNotFoundError(f"sample data generator not found: {path}")
    spec = importlib.util.spec_from_file_location("icp_sample_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_frames(directory: Path | str | None = None) -> dict[str, pl.DataFrame]:
    """Every table of the sample company as a canonical polars frame, keyed by table name.

    Reads ``<directory>/<table>.parquet`` (default `SAMPLE_DIR`). When a file is missing, the
    generator runs in-process (fixed seed: the same data) and tries to write the files back.
    """
    return {table: frame for table, (frame, _) in _sample_sources(directory).items()}


def _sample_sources(directory: Path | str | None = None) -> dict[str, tuple[pl.DataFrame, bytes | None]]:
    """``sample_frames`` with each frame's Parquet file (its bytes; None when the generator made
    the frame in memory)."""
    folder = Path(directory) if directory is not None else SAMPLE_DIR
    paths = {t: folder / f"{t}.parquet" for t in SAMPLE_TABLES}
    if all(p.exists() for p in paths.values()):
        import polars as pl

        files = {t: p.read_bytes() for t, p in paths.items()}
        return {t: (pl.read_parquet(io.BytesIO(data)), data) for t, data in files.items()}
    gen = _generator()
    frames = gen.build_frames()
    try:
        gen.write_frames(frames, folder)
    except OSError:  # read-only install: use the frames from memory
        pass
    return {t: (frames[t], None) for t in SAMPLE_TABLES}


def load_sample(store: Any, directory: Path | str | None = None) -> dict[str, int]:
    """Load the sample company into `store` (replace mode); returns rows stored per table.

    One import per table as always (each with its history entry), all in one transaction
    (Store.batch): the sample is loaded whole or not at all, and the file is checkpointed once
    instead of after each of the nine imports (~0.25 s). A connection is held open for the whole
    load too: without it DuckDB would drop (and checkpoint) the database when its last connection
    closes. The data stored is the same (tests/test_sample_fast.py)."""
    counts: dict[str, int] = {}
    sources = _sample_sources(directory)
    keep = _hold_open(store)
    # one transaction for the nine imports (Store.batch): all or nothing, and one checkpoint
    batch = getattr(store, "batch", None)
    try:
        with batch() if batch is not None else nullcontext():
            for table, (frame, content) in sources.items():
                # the Parquet file is kept as the import's raw file as it is (not written again)
                result = store.load_frame(table, frame, file_name=f"{SAMPLE_PREFIX}{table}", mode="replace", content=content)
                imported = getattr(result, "rows_imported", None)
                counts[table] = int(imported) if imported is not None else frame.height
    finally:
        if keep is not None:
            keep.close()
    return counts


def _hold_open(store: Any) -> Any:
    """A cursor that keeps the store's database open during a load (None when the store cannot
    give one: the load then runs as before)."""
    cursor = getattr(store, "cursor", None)
    if cursor is None:
        return None
    try:
        return cursor()
    except Exception:  # noqa: BLE001 - the load itself reports a store that cannot be opened
        return None


# ---- the prebuilt sample store -------------------------------------------------------------------

def _build_facts(directory: Path) -> dict[str, Any]:
    """What a prebuilt store depends on: the DuckDB version that wrote it (an older DuckDB cannot
    read a newer file), the store's table definitions, and every sample file, by sha256."""
    import duckdb

    from icp_core.store import tables_digest

    return {
        "duckdb": duckdb.__version__,
        "store_tables": tables_digest(),
        "files": {t: hashlib.sha256((directory / f"{t}.parquet").read_bytes()).hexdigest() for t in SAMPLE_TABLES},
    }


def build_prebuilt_store(directory: Path | str | None = None) -> Path:
    """Build ``<directory>/sample_store.duckdb`` (default `SAMPLE_DIR`): a new store with the sample
    loaded by `load_sample` and offered (the app does not load it again), and its manifest.
    sample_data/generate.py calls it after writing the sample files; tests/test_sample_store.py
    checks that it holds what `load_sample` stores today."""
    from icp_core.store import Store

    folder = Path(directory) if directory is not None else SAMPLE_DIR
    target = folder / PREBUILT_STORE.name
    building = folder / f"{PREBUILT_STORE.stem}.building.duckdb"
    for leftover in (building, Path(f"{building}.wal"), Path(f"{building}.lock")):
        leftover.unlink(missing_ok=True)
    store = Store(str(building))
    load_sample(store, folder)
    store.set_setting("app.sample_offered", True)
    del store
    Path(f"{building}.lock").unlink(missing_ok=True)
    os.replace(building, target)
    manifest = folder / PREBUILT_MANIFEST.name
    manifest.write_text(json.dumps(_build_facts(folder), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target


def prebuilt_store(directory: Path | str | None = None) -> Path | None:
    """The prebuilt sample store, or None when it is missing or was built from anything other than
    what is here now (another DuckDB, other store tables, other sample files)."""
    folder = Path(directory) if directory is not None else SAMPLE_DIR
    target, manifest = folder / PREBUILT_STORE.name, folder / PREBUILT_MANIFEST.name
    try:
        built_from = json.loads(manifest.read_text(encoding="utf-8"))
        fits = target.is_file() and built_from == _build_facts(folder)
    except (OSError, ValueError):
        return None
    return target if fits else None


def seed_new_store(location: str) -> bool:
    """Start a store file that does not exist yet as a copy of the prebuilt sample store (the
    sample company, as first launch would load it). False when nothing was made: the location
    exists or is not a file, or the prebuilt store does not fit (see prebuilt_store); first
    launch then loads the sample the usual way."""
    from icp_core.store import create_from_template, is_file_location, resolve_location

    location = resolve_location(location)
    if not is_file_location(location) or Path(location).exists():
        return False
    template = prebuilt_store()
    return template is not None and create_from_template(location, template)
