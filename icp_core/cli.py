"""The `icp` command line (docs CLI.md): the dashboard's core, without a browser.

Every command is a small function registered with ``@command``; it takes a ``Context``
(parsed options, language, the store, output helpers) and is a thin wrapper over one
library call. Adding a command (pmf, segments, market, profile, score) is one function:

    @command("pmf", help_key="pmf.cli_help", args=[arg("--min-n", type=int, help_key="...")])
    def pmf_command(ctx: Context) -> None:
        \"\"\"PMF indicators and verdict.  Example: icp pmf --as-of 2024-12-31 --json\"\"\"
        result = pmf.compute(ctx.store.cursor(), as_of=ctx.as_of)
        ctx.emit(result, human=render(result))

Common options (before or after the command): --db, --workspace, --as-of, --json, --lang en|de.
Exit status: 0 done; 2 bad input or usage (an IcpError: nothing in the store changed); 1 a bug.
Errors go to stderr as one sentence in --lang.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import polars as pl

from icp_core import schema
from icp_core.errors import IcpError
from icp_core.i18n import DEFAULT_LANG, LANGS, fmt_number, t

# ---------------------------------------------------------------- registry


@dataclass
class Arg:
    flags: tuple[str, ...]
    help_key: str | None
    kwargs: dict[str, Any]


def arg(*flags: str, help_key: str | None = None, **kwargs: Any) -> Arg:
    """One argparse argument of a command; its help text is the i18n key help_key."""
    return Arg(flags, help_key, kwargs)


@dataclass
class Command:
    name: str
    help_key: str
    args: list[Arg]
    run: Callable[[Context], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help_key: str, args: Sequence[Arg] = ()) -> Callable:
    """Register a subcommand: ``@command("name", "i18n.help.key", [arg(...), ...])``."""

    def register(func: Callable[[Context], int | None]) -> Callable[[Context], int | None]:
        if name in COMMANDS:
            raise RuntimeError(f"command {name!r} registered twice")
        COMMANDS[name] = Command(name, help_key, list(args), func)
        return func

    return register


# ---------------------------------------------------------------- context


@dataclass
class Context:
    """What a command gets: its options, the language, the store (opened on first use), output."""

    args: argparse.Namespace
    lang: str = DEFAULT_LANG
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    _store: Any = None

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def as_of(self) -> date | None:
        return self.args.as_of

    @property
    def store(self):
        if self._store is None:
            from icp_core.store import Store

            self._store = Store(self.location)
        return self._store

    @property
    def location(self) -> str:
        """The store location: --db (or its defaults), then --workspace within it."""
        from icp_core.store import resolve_location
        from icp_core.workspaces import location_of, resolve

        base = resolve_location(self.args.db)
        workspace = getattr(self.args, "workspace", None)
        return location_of(base, resolve(base, workspace)) if workspace else base

    def t(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def num(self, value: float | int | None, decimals: int = 0) -> str:
        return fmt_number(value, self.lang, decimals)

    def emit(self, data: Any, human: str | Callable[[], str]) -> None:
        """Print data as JSON with --json, else the human-readable text."""
        if self.json:
            self.stdout.write(to_json(data) + "\n")
        else:
            text = human() if callable(human) else human
            if text:
                self.stdout.write(text.rstrip("\n") + "\n")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, tuple, frozenset)):
        return list(value)
    if isinstance(value, pl.DataFrame):
        return value.to_dicts()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _clean_floats(value: Any) -> Any:
    # JSON has no NaN / Infinity: a figure the data cannot give is null
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_floats(v) for v in value]
    return value


def to_json(data: Any) -> str:
    return json.dumps(_clean_floats(data), ensure_ascii=False, default=_json_default)


def format_table(rows: list[dict[str, Any]], columns: list[tuple[str, str]], lang: str = DEFAULT_LANG) -> str:
    """A plain aligned text table. columns: (key in row, header text). Numbers right-aligned."""
    def cell(value: Any) -> str:
        if value is None:
            return "–"
        if isinstance(value, bool):
            return t("cli.yes" if value else "cli.no", lang)
        if isinstance(value, int):
            return fmt_number(value, lang)
        if isinstance(value, float):
            return fmt_number(value, lang, 2)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value).replace("\n", " ")

    body = [[cell(r.get(key)) for key, _ in columns] for r in rows]
    numeric = [all(isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)
                   for r in rows if r.get(key) is not None) for key, _ in columns]
    widths = [max([len(h)] + [len(b[i]) for b in body]) for i, (_, h) in enumerate(columns)]
    lines = ["  ".join(h.ljust(w) for (_, h), w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for b in body:
        lines.append("  ".join((v.rjust(w) if num else v.ljust(w)) for v, w, num in zip(b, widths, numeric)).rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------- parser


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors become one sentence and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise IcpError("cli.usage", detail=message, prog=self.prog)


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise IcpError("cli.bad_as_of", value=text) from None


def _add_common(parser: argparse.ArgumentParser, lang: str, suppress: bool) -> None:
    # on subparsers the defaults are SUPPRESS so an option given before the command is not reset
    default = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
    group = parser.add_argument_group(t("cli.common_options", lang))
    group.add_argument("--db", default=default(None), metavar="PATH", help=t("cli.help.db", lang))
    group.add_argument("--workspace", default=default(None), metavar="NAME", help=t("cli.help.workspace", lang))
    group.add_argument("--as-of", dest="as_of", type=_as_of, default=default(None), metavar="YYYY-MM-DD",
                       help=t("cli.help.as_of", lang))
    group.add_argument("--json", action="store_true", default=default(False), help=t("cli.help.json", lang))
    group.add_argument("--lang", choices=LANGS, default=default(lang), help=t("cli.help.lang", lang))


def build_parser(lang: str = DEFAULT_LANG) -> argparse.ArgumentParser:
    parser = _Parser(prog="icp", description=t("cli.description", lang))
    _add_common(parser, lang, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in COMMANDS.values():
        help_text = t(cmd.help_key, lang)
        doc = (cmd.run.__doc__ or "").strip()
        p = sub.add_parser(cmd.name, help=help_text, description=help_text, epilog=_example(doc),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        for a in cmd.args:
            kwargs = dict(a.kwargs)
            if a.help_key:
                kwargs["help"] = t(a.help_key, lang)
            p.add_argument(*a.flags, **kwargs)
        _add_common(p, lang, suppress=True)
    return parser


def _example(doc: str) -> str | None:
    lines = [line.strip() for line in doc.splitlines() if line.strip().startswith("icp ")]
    return ("\n".join(["examples:"] + ["  " + line for line in lines])) if lines else None


def _peek_lang(argv: Sequence[str]) -> str:
    """The --lang given anywhere in argv (needed before parsing, for translated help and errors)."""
    lang = os.environ.get("ICP_LANG", DEFAULT_LANG)
    for i, item in enumerate(argv):
        if item == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif item.startswith("--lang="):
            lang = item.split("=", 1)[1]
    return lang if lang in LANGS else DEFAULT_LANG


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (0 done, 2 bad input or usage, 1 a bug)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    lang = _peek_lang(argv)
    ctx: Context | None = None
    try:
        parser = build_parser(lang)
        if not argv:
            parser.print_help(stdout)
            return 2
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help / --version
            return int(done.code or 0)
        lang = args.lang
        if not args.command:
            parser.print_help(stdout)
            return 2
        ctx = Context(args=args, lang=lang, stdout=stdout, stderr=stderr)
        status = COMMANDS[args.command].run(ctx)
        return int(status or 0)
    except IcpError as error:
        stderr.write(error.message(lang) + "\n")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `icp export | head`: the reader has gone; stop quietly
        if stdout is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # a bug: say so in one sentence; the traceback only on request
        stderr.write(t("error.bug", lang, detail=f"{type(error).__name__}: {error}") + "\n")
        if os.environ.get("ICP_DEBUG"):
            traceback.print_exc(file=stderr)
        return 1
    finally:
        if ctx is not None and ctx._store is not None:
            ctx._store.close()


# ---------------------------------------------------------------- commands


def _table_arg(required: bool = True) -> Arg:
    return arg("--table", required=required, choices=list(schema.TABLES), metavar="TABLE", help_key="cli.help.table")


@command("demo", "cli.help.demo")
def demo_command(ctx: Context) -> None:
    """Load the bundled sample company into the store (replacing what is there; undo brings it back).

    icp demo
    icp --db /tmp/demo.duckdb demo --json
    """
    from icp_core.sample import load_sample  # lazily: it pulls in the sample files

    tables = load_sample(ctx.store)
    ctx.emit(
        {"tables": tables},
        lambda: ctx.t("cli.demo_done", location=ctx.store.location) + "\n" + format_table(
            [{"table": name, "rows": n} for name, n in tables.items()],
            [("table", ctx.t("cli.col.table")), ("rows", ctx.t("cli.col.rows"))], ctx.lang),
    )


MAX_ISSUES_SHOWN = 20


def _read_mapping(path: str) -> dict[str, str | None]:
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError:
        raise IcpError("cli.mapping_not_found", path=path) from None
    except (ValueError, UnicodeDecodeError):
        raise IcpError("cli.mapping_invalid", path=path) from None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
    ):
        raise IcpError("cli.mapping_invalid", path=path)
    return mapping


@command(
    "import",
    "cli.help.import",
    [
        arg("file", metavar="FILE", help_key="cli.help.file"),
        _table_arg(),
        arg("--mapping", metavar="M.json", help_key="cli.help.mapping"),
        arg("--mode", choices=["replace", "append"], default="replace", help_key="cli.help.mode"),
        arg("--sheet", metavar="S", help_key="cli.help.sheet"),
    ],
)
def import_command(ctx: Context) -> None:
    """Read a file, map its columns, validate and store it; print the report.

    icp import customers.csv --table accounts
    icp import hubspot.xlsx --table accounts --sheet Companies --mode append --json
    icp import crm.csv --table accounts --mapping crm-mapping.json
    """
    a = ctx.args
    mapping = _read_mapping(a.mapping) if a.mapping else None
    if a.file == "-":
        source, file_name = sys.stdin.buffer.read(), "stdin"
    else:
        source, file_name = a.file, Path(a.file).name
    result = ctx.store.import_file(source, a.table, mapping=mapping, mode=a.mode, file_name=file_name, sheet=a.sheet)
    ctx.emit(result.as_dict(ctx.lang), lambda: _import_report(ctx, result))


def _import_report(ctx: Context, result: Any) -> str:
    lines = [ctx.t("cli.import_done", imported=ctx.num(result.rows_imported), read=ctx.num(result.rows_read),
                   table=result.table, import_id=result.import_id, rejected=ctx.num(result.rows_rejected))]
    if result.issues:
        shown = result.issues[:MAX_ISSUES_SHOWN]
        lines.append(format_table(
            [{"row": i.row, "column": i.column, "value": i.value, "reason": i.text(ctx.lang)} for i in shown],
            [("row", ctx.t("cli.col.row")), ("column", ctx.t("cli.col.column")),
             ("value", ctx.t("cli.col.value")), ("reason", ctx.t("cli.col.reason"))], ctx.lang))
        if len(result.issues) > len(shown):
            lines.append(ctx.t("cli.more_issues", n=ctx.num(len(result.issues) - len(shown))))
    lines.append(ctx.t("cli.undo_hint", import_id=result.import_id))
    return "\n".join(lines)


def _import_entry(entry: dict[str, Any]) -> dict[str, Any]:
    at = entry["at"]
    return {
        "import_id": entry["import_id"],
        "table": entry["table"],
        "file": entry["file"],
        "sha256": entry["sha256"],
        "at": at.replace(tzinfo=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if at else None,
        "mode": entry["mode"],
        "rows_read": entry["rows_read"],
        "rows_imported": entry["rows_imported"],
        "rows_rejected": entry["rows_rejected"],
        "undone": entry["undone"],
    }


@command("imports", "cli.help.imports", [_table_arg(required=False)])
def imports_command(ctx: Context) -> None:
    """List the imports, newest first (times in UTC).

    icp imports
    icp imports --table accounts --json
    """
    entries = [_import_entry(e) for e in ctx.store.imports(ctx.args.table)]

    def human() -> str:
        if not entries:
            return ctx.t("cli.no_imports")
        rows = [dict(e, at=(e["at"] or "").replace("T", " ").removesuffix("Z"), sha256=(e["sha256"] or "")[:12],
                     mode=e["mode"] + (" " + ctx.t("cli.undone") if e["undone"] else "")) for e in entries]
        return format_table(rows, [
            ("import_id", ctx.t("cli.col.import_id")), ("table", ctx.t("cli.col.table")),
            ("file", ctx.t("cli.col.file")), ("at", ctx.t("cli.col.at")), ("mode", ctx.t("cli.col.mode")),
            ("rows_imported", ctx.t("cli.col.rows_imported")), ("rows_rejected", ctx.t("cli.col.rows_rejected")),
            ("sha256", "sha256"),
        ], ctx.lang)

    ctx.emit(entries, human)


def _import_id(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()):
        raise IcpError("store.unknown_import", import_id=text)
    return int(text)


@command("undo", "cli.help.undo", [arg("import_id", metavar="IMPORT_ID", type=str, help_key="cli.help.import_id")])
def undo_command(ctx: Context) -> None:
    """Revert one import: remove its rows and bring back what it replaced.

    icp undo 3
    """
    result = ctx.store.undo(_import_id(ctx.args.import_id))
    ctx.emit(result, lambda: ctx.t("cli.undo_done", import_id=result["import_id"], table=result["table"],
                                   removed=ctx.num(result["rows_removed"]), restored=ctx.num(result["rows_restored"])))


# ---------------------------------------------------------------- export

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells starting with = + - @ (tab, CR) get a leading ' so spreadsheets do not run them.

    Plain numbers in text columns ("-5", "+49") are left as they are: they cannot run anything.
    """
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.starts_with(_FORMULA_START[0])
            for prefix in _FORMULA_START[1:]:
                risky = risky | col.str.starts_with(prefix)
            risky = risky & ~col.str.contains(_PLAIN_NUMBER)
            exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    # lists (tech_stack) become "a;b" in one cell, the separator the import reads back
    lists = [pl.col(n).list.join(";") for n, d in frame.schema.items() if isinstance(d, pl.List)]
    frame = neutralise_formulas(frame.with_columns(lists) if lists else frame)
    # headers are cells too: an extra column named "=cmd|..." must not run either
    risky = {n: "'" + n for n in frame.columns if n.startswith(_FORMULA_START) and not re.match(_PLAIN_NUMBER, n)}
    return frame.rename(risky) if risky else frame


def export_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """The table in csv (UTF-8, `,`, ISO dates, `.` decimals), parquet or json (a list of row objects)."""
    buffer = io.BytesIO()
    if fmt == "csv":
        _for_csv(frame).write_csv(buffer, date_format="%Y-%m-%d", datetime_format="%Y-%m-%dT%H:%M:%S")
        return buffer.getvalue()
    if fmt == "parquet":
        frame.write_parquet(buffer)
        return buffer.getvalue()
    return (to_json(frame.to_dicts()) + "\n").encode("utf-8")


_EXPORT_FORMATS = ("csv", "parquet", "json")


@command(
    "export",
    "cli.help.export",
    [
        _table_arg(),
        arg("--format", dest="format", choices=list(_EXPORT_FORMATS), default=None, help_key="cli.help.format"),
        arg("--out", metavar="FILE", help_key="cli.help.out"),
    ],
)
def export_command(ctx: Context) -> None:
    """Write a table as stored: canonical names, ISO dates, `.` decimals, ISO countries, extras kept.

    icp export --table accounts > accounts.csv
    icp export --table accounts --format parquet --out accounts.parquet
    icp export --table deals --format json
    icp export --table accounts --json
    """
    a = ctx.args
    fmt = a.format
    if fmt is None:  # from the --out extension, else json with --json, else csv
        suffix = Path(a.out).suffix.lower().lstrip(".") if a.out else ""
        fmt = suffix if suffix in _EXPORT_FORMATS else ("json" if ctx.json and not a.out else "csv")
    frame = ctx.store.export_frame(a.table)
    data = export_bytes(frame, fmt)
    if a.out:
        try:
            Path(a.out).write_bytes(data)
        except OSError as error:
            raise IcpError("cli.cannot_write", path=a.out, detail=error.strerror or str(error)) from None
        ctx.emit({"table": a.table, "rows": frame.height, "format": fmt, "out": a.out},
                 ctx.t("cli.export_done", rows=ctx.num(frame.height), table=a.table, path=a.out))
        return
    if fmt == "parquet" and ctx.stdout.isatty():
        raise IcpError("cli.parquet_needs_out")
    binary = getattr(ctx.stdout, "buffer", None)
    if binary is not None:
        ctx.stdout.flush()
        binary.write(data)
        binary.flush()
    elif fmt == "parquet":
        raise IcpError("cli.parquet_needs_out")
    else:  # an in-memory text stream (tests)
        ctx.stdout.write(data.decode("utf-8"))


@command(
    "segments",
    "segments.cli_help",
    [
        arg("--by", required=True, metavar="D1[,D2...]", help_key="segments.cli_help_by"),
        arg("--min-n", dest="min_n", type=int, default=None, metavar="N", help_key="segments.cli_help_min_n"),
        arg("--filter", dest="filters", action="append", default=[], metavar="FIELD=VALUES",
            help_key="segments.cli_help_filter"),
    ],
)
def segments_command(ctx: Context) -> None:
    """Segment statistics, lifts and the suggested group per segment (icp_core.segments).
    icp segments --by industry,size_band
    icp segments --by tech:SAP Business One --filter country=DE,AT,CH --filter start_date=2022.. --json
    icp segments --by contacts.buying_role --min-n 20
    """
    from icp_core import segments

    cur = ctx.store.cursor()
    try:
        result = segments.cli_result(cur, ctx.args.by, ctx.args.filters, min_n=ctx.args.min_n, as_of=ctx.as_of)
    finally:
        cur.close()
    ctx.emit(result, lambda: segments.render_text(result, ctx.lang))


@command(
    "pmf",
    "pmf.cli.help",
    [
        arg("--min-n", dest="min_n", type=int, default=None, metavar="N", help_key="pmf.cli.help_min_n"),
        arg("--referral-channels", dest="referral_channels", default=None, metavar="a,b,c",
            help_key="pmf.cli.help_channels"),
    ],
)
def pmf_command(ctx: Context) -> None:
    """PMF indicators and verdict (icp_core.pmf.pmf_summary, the same call as the PMF page).
    icp pmf --as-of 2025-12-31 --json
    icp pmf --min-n 20 --referral-channels referral,empfehlung,partner
    """
    from icp_core import pmf

    settings = pmf.settings_from_options(ctx.as_of, ctx.args.min_n, ctx.args.referral_channels)
    cur = ctx.store.cursor()
    try:
        result = pmf.pmf_summary(cur, settings)
    finally:
        cur.close()
    ctx.emit(result, lambda: pmf.render_text(result, ctx.lang))


@command(
    "market",
    "market.cli.help",
    [
        arg("--sam", dest="sam", action="append", default=[], metavar="FIELD=VALUES", help_key="market.cli.help_sam"),
        arg("--icp", dest="icp", action="append", default=None, metavar="FIELD=VALUES", help_key="market.cli.help_icp"),
        arg("--acv", dest="acv", type=float, default=None, metavar="X", help_key="market.cli.help_acv"),
        arg("--share", dest="share", default=None, metavar="P", help_key="market.cli.help_share"),
        arg("--tam-count", dest="tam_count", type=float, default=None, metavar="N", help_key="market.cli.help_tam_count"),
        arg("--sam-share", dest="sam_share", default=None, metavar="P", help_key="market.cli.help_sam_share"),
        arg("--som-share", dest="som_share", default=None, metavar="P", help_key="market.cli.help_som_share"),
        arg("--sam-count", dest="sam_count", type=float, default=None, metavar="N", help_key="market.cli.help_sam_count"),
        arg("--som-count", dest="som_count", type=float, default=None, metavar="N", help_key="market.cli.help_som_count"),
    ],
)
def market_command(ctx: Context) -> None:
    """TAM / SAM / SOM (icp_core.market.cli_result, the same calls as the Market page).
    icp market --sam country=DE,AT,CH --sam employees=51-500 --icp industry=Software --json
    icp market --tam-count 50000 --sam-share 20% --som-share 0.1 --acv 12000
    """
    from icp_core import market

    a = ctx.args
    cur = ctx.store.cursor()
    try:
        result = market.cli_result(
            cur, a.sam, a.icp, a.acv, a.share, ctx.as_of,
            saved_icp=None if a.icp else ctx.store.get_setting("icp_filters"),
            segmentation=None if a.icp else ctx.store.get_setting("segmentation"),
            tam_count=a.tam_count, sam_share=a.sam_share, som_share=a.som_share,
            sam_count=a.sam_count, som_count=a.som_count,
        )
    finally:
        cur.close()
    ctx.emit(result, lambda: market.render_text(result, ctx.lang))


@command(
    "score",
    "scoring.cli.help",
    [
        arg("file", metavar="FILE", help_key="scoring.cli.help_file"),
        arg("--out", metavar="SCORED.csv", default=None, help_key="scoring.cli.help_out"),
        arg("--criterion", dest="criteria", action="append", default=[], metavar="FIELD=VALUES",
            help_key="scoring.cli.help_criterion"),
        arg("--cutoffs", dest="cutoffs", default=None, metavar="A,B,C", help_key="scoring.cli.help_cutoffs"),
    ],
)
def score_command(ctx: Context) -> None:
    """Score companies against the ICP (icp_core.scoring, the same calls as the Prospects page).
    icp score fair_list.xlsx --out scored.csv
    icp score prospects.csv --json
    icp score prospects.csv --criterion industry=Maschinenbau --criterion employees=51-200 --cutoffs 80,60,30
    """
    from icp_core import scoring

    a = ctx.args
    result = scoring.cli_score(ctx.store, a.file, a.criteria, a.cutoffs, ctx.as_of, ctx.lang)
    if a.out:
        try:
            Path(a.out).write_bytes(scoring.export_bytes(result["frame"], a.out))
        except OSError as error:
            raise IcpError("cli.cannot_write", path=a.out, detail=error.strerror or str(error)) from None
    ctx.emit(result["rows"], lambda: scoring.render_text(result, ctx.lang, a.out))


@command(
    "profile",
    "profile.cli.help",
    [
        arg("--format", dest="format", choices=["json", "md"], default=None, help_key="profile.cli.help_format"),
        arg("--derive", dest="derive", action="store_true", default=False, help_key="profile.cli.help_derive"),
    ],
)
def profile_command(ctx: Context) -> None:
    """The ICP (icp_core.profile, the same calls as the ICP page): the latest saved version, else
    derived from the data (saved segmentation, or the default suggestion).
    icp profile --json
    icp profile --format md --lang de > icp.md
    """
    from icp_core import exports, profile

    cur = ctx.store.cursor()
    try:
        if ctx.as_of is not None or ctx.args.derive:
            seg = ctx.store.get_setting("segmentation")
            result = profile.derive_profile(cur, seg if isinstance(seg, dict) else None, ctx.as_of,
                                            market_settings=ctx.store.get_setting("market_settings"))
        else:
            result, _entry = profile.current_profile(ctx.store, cur)
    finally:
        cur.close()
    fmt = ctx.args.format
    if fmt == "md":
        ctx.stdout.write(exports.to_markdown(result, ctx.lang))
    elif fmt == "json":
        ctx.stdout.write(to_json(result) + "\n")
    else:
        ctx.emit(result, lambda: "\n".join([exports.summary_sentence(result, ctx.lang)]
                                           + exports.coverage_lines(result.get("coverage"), ctx.lang)))


@command("workspaces", "cli.help.workspaces", [arg("--create", metavar="NAME", default=None, help_key="cli.help.ws_create")])
def workspaces_command(ctx: Context) -> None:
    """The workspaces of this installation (each its own store); --create adds one.
    icp workspaces
    icp workspaces --create "Product line B"
    icp --workspace "Product line B" import crm.csv --table accounts
    """
    from icp_core import workspaces
    from icp_core.store import resolve_location

    base = resolve_location(ctx.args.db)
    if ctx.args.create:
        slug = workspaces.create(base, ctx.args.create)
        location = workspaces.location_of(base, slug)
        ctx.emit({"slug": slug, "name": ctx.args.create.strip(), "location": location},
                 ctx.t("cli.ws.created", slug=slug, location=location))
        return
    rows = workspaces.list_workspaces(base)
    ctx.emit(rows, lambda: format_table(rows, [("slug", ctx.t("cli.ws.col_slug")), ("name", ctx.t("cli.ws.col_name")),
                                               ("location", ctx.t("cli.ws.col_location"))], ctx.lang))


@command("backup", "cli.help.backup", [arg("--out", required=True, metavar="FILE", help_key="cli.help.backup_out")])
def backup_command(ctx: Context) -> None:
    """Write the whole workspace (tables, history, quarantine, raw files, settings) to one zip file.
    icp backup --out icp-backup.zip
    icp --workspace "Product line B" backup --out b.zip
    """
    from icp_core import backup

    data = backup.backup(ctx.store)
    try:
        Path(ctx.args.out).write_bytes(data)
    except OSError as error:
        raise IcpError("cli.cannot_write", path=ctx.args.out, detail=error.strerror or str(error)) from None
    info = backup.describe(data)
    ctx.emit({"file": ctx.args.out, **info}, ctx.t("cli.backup.written", path=ctx.args.out, tables=ctx.num(info["tables"]),
                                                   rows=ctx.num(info["rows"])))


@command("restore", "cli.help.restore", [arg("file", metavar="FILE", help_key="cli.help.backup_file")])
def restore_command(ctx: Context) -> None:
    """Replace the workspace's data by a backup (all or nothing: a bad file changes nothing).
    icp restore icp-backup.zip
    """
    from icp_core import backup

    try:
        data = Path(ctx.args.file).read_bytes()
    except OSError as error:
        raise IcpError("cli.backup.cannot_read", path=ctx.args.file, detail=error.strerror or str(error)) from None
    info = backup.restore(ctx.store, data)
    ctx.emit(info, ctx.t("cli.backup.restored", tables=ctx.num(info["tables"]), rows=ctx.num(info["rows"])))
