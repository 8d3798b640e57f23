"""Workspaces: several independent stores in one installation (one per product line or client).

    base = resolve_location()                    # the default workspace (today's store, unchanged)
    create(base, "Produktlinie Süd")             # -> "produktlinie-sud", a new DuckDB file
    location_of(base, "produktlinie-sud")        # <folder>/produktlinie-sud.duckdb
    list_workspaces(base)                        # [{"slug": "default", ...}, {"slug": "produktlinie-sud", ...}]

Each workspace is its own DuckDB file in the workspaces folder: ``ICP_WORKSPACES`` (environment
or secrets) when set, else ``workspaces/`` next to the default store (so
``~/.icp_workbench/workspaces/<slug>.duckdb``). The default workspace is the store
``resolve_location`` gives; it is never moved, renamed or deleted. Display names live in
``workspaces.json`` in the folder; the slug (file name) is derived from the name and can never
leave the folder (no path separators, no "..", only a-z 0-9 and "-").
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from icp_core.errors import IcpError, StoreBusy
from icp_core.store import is_file_location

DEFAULT = "default"
FOLDER_VAR = "ICP_WORKSPACES"
SUFFIX = ".duckdb"
NAMES_FILE = "workspaces.json"
MAX_NAME = 60
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


def folder(base: str, secrets: Mapping | None = None) -> Path | None:
    """The folder holding the extra workspaces, or None when the base store is not a file and no
    folder is configured (then only the default workspace exists)."""
    configured = os.environ.get(FOLDER_VAR)
    if not configured and secrets is not None:
        try:
            configured = secrets.get(FOLDER_VAR)
        except Exception:
            configured = None
    if configured and str(configured).strip():
        return Path(os.path.expanduser(str(configured).strip()))
    if is_file_location(base):
        return Path(base).expanduser().resolve().parent / "workspaces"
    return None


def slugify(name: str) -> str:
    """A workspace name -> its slug (the file name). Refuses anything that could leave the folder.

    >>> slugify("Produktlinie Süd")
    'produktlinie-sud'
    """
    text = (name or "").strip()
    if not text or len(text) > MAX_NAME:
        raise IcpError("workspace.bad_name", name=text[:MAX_NAME], max=MAX_NAME)
    if "/" in text or "\\" in text or ".." in text or any(unicodedata.category(c).startswith("C") for c in text):
        raise IcpError("workspace.bad_name", name=text, max=MAX_NAME)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:MAX_NAME].strip("-")
    if not _SLUG.match(slug):
        raise IcpError("workspace.bad_name", name=text, max=MAX_NAME)
    return slug


def _names(where: Path) -> dict[str, str]:
    try:
        data = json.loads((where / NAMES_FILE).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_names(where: Path, names: dict[str, str]) -> None:
    tmp = where / (NAMES_FILE + ".tmp")
    tmp.write_text(json.dumps(names, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, where / NAMES_FILE)


def _folder_or_fail(base: str, secrets: Mapping | None) -> Path:
    where = folder(base, secrets)
    if where is None:
        raise IcpError("workspace.unsupported", location=base)
    return where


def _check_slug(slug: str) -> str:
    if slug == DEFAULT:
        return slug
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise IcpError("workspace.bad_name", name=str(slug)[:MAX_NAME], max=MAX_NAME)
    return slug


def list_workspaces(base: str, secrets: Mapping | None = None) -> list[dict[str, Any]]:
    """Every workspace: {"slug", "name", "location"}; the default first, the others by name."""
    result = [{"slug": DEFAULT, "name": DEFAULT, "location": base}]
    where = folder(base, secrets)
    if where is None or not where.is_dir():
        return result
    names = _names(where)
    others = []
    for path in where.glob("*" + SUFFIX):
        slug = path.name[: -len(SUFFIX)]
        if _SLUG.match(slug) and slug != DEFAULT and str(path) != base:
            others.append({"slug": slug, "name": names.get(slug, slug), "location": str(path)})
    return result + sorted(others, key=lambda w: w["name"].casefold())


def exists(base: str, slug: str, secrets: Mapping | None = None) -> bool:
    return any(w["slug"] == slug for w in list_workspaces(base, secrets))


def resolve(base: str, name: str, secrets: Mapping | None = None) -> str:
    """The slug of an existing workspace given by slug or by name; IcpError when there is none."""
    text = (name or "").strip()
    for w in list_workspaces(base, secrets):
        if text in (w["slug"], w["name"]):
            return w["slug"]
    slug = slugify(text)  # refuses "../x" and the like with a clear message
    if exists(base, slug, secrets):
        return slug
    raise IcpError("workspace.unknown", name=text)


def location_of(base: str, slug: str | None, secrets: Mapping | None = None) -> str:
    """The store location of a workspace (the base itself for the default one or None)."""
    if slug is None or slug == "" or slug == DEFAULT:
        return base
    _check_slug(slug)
    return str(_folder_or_fail(base, secrets) / (slug + SUFFIX))


def create(base: str, name: str, secrets: Mapping | None = None) -> str:
    """Create an empty workspace named name; returns its slug."""
    from icp_core.store import Store

    slug = slugify(name)
    if slug == DEFAULT or exists(base, slug, secrets):
        raise IcpError("workspace.exists", name=name.strip())
    where = _folder_or_fail(base, secrets)
    where.mkdir(parents=True, exist_ok=True)
    Store(str(where / (slug + SUFFIX))).close()  # creates the file with the store's tables
    names = _names(where)
    names[slug] = name.strip()
    _save_names(where, names)
    return slug


def _files(location: str) -> list[Path]:
    return [Path(location + suffix) for suffix in ("", ".wal")]


def _locked(location: str, timeout: float = 10.0):
    try:
        lock = FileLock(location + ".lock", thread_local=False)
        lock.acquire(timeout=timeout)
        return lock
    except Timeout as error:
        raise StoreBusy("store.busy", location=location) from error


def rename(base: str, slug: str, new_name: str, secrets: Mapping | None = None) -> str:
    """Give a workspace a new name (and the matching slug / file name); returns the new slug."""
    _check_slug(slug)
    if slug == DEFAULT:
        raise IcpError("workspace.default_fixed")
    if not exists(base, slug, secrets):
        raise IcpError("workspace.unknown", name=slug)
    new_slug = slugify(new_name)
    where = _folder_or_fail(base, secrets)
    if new_slug != slug and (new_slug == DEFAULT or exists(base, new_slug, secrets)):
        raise IcpError("workspace.exists", name=new_name.strip())
    old_location, new_location = location_of(base, slug, secrets), location_of(base, new_slug, secrets)
    if new_slug != slug:
        lock = _locked(old_location)
        try:
            for old, new in zip(_files(old_location), _files(new_location)):
                if old.exists():
                    os.replace(old, new)
        finally:
            lock.release()
        Path(old_location + ".lock").unlink(missing_ok=True)
    names = _names(where)
    names.pop(slug, None)
    names[new_slug] = new_name.strip()
    _save_names(where, names)
    return new_slug


def delete(base: str, slug: str, secrets: Mapping | None = None) -> None:
    """Delete a workspace and all its data (the default workspace cannot be deleted)."""
    _check_slug(slug)
    if slug == DEFAULT:
        raise IcpError("workspace.default_fixed")
    if not exists(base, slug, secrets):
        raise IcpError("workspace.unknown", name=slug)
    where = _folder_or_fail(base, secrets)
    location = location_of(base, slug, secrets)
    lock = _locked(location)
    try:
        for path in _files(location):
            path.unlink(missing_ok=True)
    finally:
        lock.release()
    Path(location + ".lock").unlink(missing_ok=True)
    names = _names(where)
    if names.pop(slug, None) is not None:
        _save_names(where, names)
