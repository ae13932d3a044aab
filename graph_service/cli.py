"""Command line: ``python -m graph_service VERB …`` (also installed as ``credit-graph``).

Every verb takes ``--store`` (default: env ``GRAPH_STORE``): a file path for the embedded
store, or a ``bolt://`` / ``neo4j://`` URI for Neo4j. Query verbs take ``--json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from graph_service.cli_output import console, note_demo_secret
from graph_service.errors import DomainError, NotFound, StoreUnavailable
from graph_service.settings import get_settings

EXIT_OK, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 2, 3

#: The demo registry ``scripts/demo`` makes (the ids in the examples are in it).
DEMO = "data/demo-20000-42"
EPILOG = f"""examples (after scripts/demo, whose store is data/demo.graph):
  python -m graph_service check 913703022707761163 bid_tender --on 2024-06-01
  python -m graph_service info --store data/demo.graph
  python -m graph_service synth --entities 2000 --seed 7 --out data/reg
  python -m graph_service load data/reg --store data/reg.graph
  GRAPH_STORE=bolt://127.0.0.1:7687 python -m graph_service load {DEMO}

'python -m graph_service VERB --help' describes a verb, with examples.
"""


def _console() -> Any:
    """The console for notes and errors (stderr)."""
    return console(stderr=True)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Description paragraphs wrapped to the terminal; indented lines (lists, examples) kept."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        out = []
        for para in text.split("\n\n"):
            if para.startswith(" ") or "\n " in para:
                out.append(para)
            else:
                out.append(textwrap.fill(" ".join(para.split()), width, initial_indent=indent))
        return "\n\n".join(out)


def _verb(
    sub: Any, name: str, summary: str, description: str, examples: Sequence[str]
) -> argparse.ArgumentParser:
    """A sub-command with a one-line ``summary`` (in the verb list), a ``description`` and
    ``examples`` (each a command line after ``python -m graph_service``) in its ``--help``."""
    lines = "\n".join(f"  python -m graph_service {e}" for e in examples)
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=f"{summary[0].upper()}{summary[1:]}.\n\n{description}",
        epilog=f"examples:\n{lines}",
        formatter_class=_HelpFormatter,
    )
    return parser


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        default=None,
        help="embedded store file, or bolt:// / neo4j:// URI (default: $GRAPH_STORE, "
        f"else {get_settings().graph_store})",
    )


def _store_uri(args: argparse.Namespace) -> str:
    return str(args.store or get_settings().graph_store)


class MissingStore(DomainError):
    """A verb that reads the store was given an embedded store file that does not exist."""


def _existing_store(args: argparse.Namespace) -> str:
    """The store URI of a verb that reads it; raises :class:`MissingStore` for an embedded
    store file that is not there (rather than answering from an empty store)."""
    from graph_service.stores import is_neo4j_uri

    uri = _store_uri(args)
    if not is_neo4j_uri(uri) and not Path(uri).is_file():
        raise MissingStore(
            f"图存储文件不存在：{uri}（先运行 scripts/demo 或 load，或用 --store 指定）",
            f"no store file {uri}: run scripts/demo or `load` first, or name it with --store",
        )
    return uri


def _keyring() -> Any:
    """The person keyring (callers that key an ID number say so: :func:`note_demo_secret`)."""
    from graph_service.ids.person_key import PersonKeyring

    return PersonKeyring(get_settings().graph_person_key_secret.get_secret_value())


def cmd_synth(args: argparse.Namespace) -> int:
    from graph_service.synth import generate

    summary = generate(
        Path(args.out), entities=args.entities, seed=args.seed, progress=not args.quiet
    )
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _console().print(f"wrote {args.out}: {summary.to_dict()}")
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    from graph_service.stores import open_store
    from loaders.load import LoadError, load_directory

    keyring = _keyring()
    note_demo_secret()  # a load keys the ID numbers of persons.csv
    if args.bulk:
        return _bulk_load(args, keyring)
    try:
        with open_store(_store_uri(args)) as store:
            report = load_directory(
                Path(args.directory),
                store,
                keyring,
                rejects_path=Path(args.rejects) if args.rejects else None,
                progress=not args.quiet,
                batch_size=args.batch_size or get_settings().load_batch_size,
            )
            if args.update_flags:
                _update_ledger(store, args, report.touched)
    except LoadError as exc:
        _console().print(f"[red]无法加载 / cannot load:[/] {exc}")
        return EXIT_CANNOT_RUN
    return _print_load(args, report)


def _bulk_load(args: argparse.Namespace, keyring: Any) -> int:
    from graph_service.stores import is_neo4j_uri
    from loaders.bulk import BulkLoadError, bulk_load
    from loaders.load import LoadError

    uri = _store_uri(args)
    if not is_neo4j_uri(uri) or args.update_flags:
        _console().print(
            "[red]--bulk 仅用于Neo4j，且不能与--update-flags同用 / --bulk needs a "
            "Neo4j URI and cannot be combined with --update-flags[/]"
        )
        return EXIT_CANNOT_RUN
    try:
        report = bulk_load(
            Path(args.directory),
            uri,
            keyring,
            import_command=get_settings().neo4j_import_command,
            rejects_path=Path(args.rejects) if args.rejects else None,
            progress=not args.quiet,
        )
    except (LoadError, BulkLoadError) as exc:
        _console().print(f"[red]无法加载 / cannot load:[/] {exc}")
        return EXIT_CANNOT_RUN
    return _print_load(args, report)


def _print_load(args: argparse.Namespace, report: Any) -> int:
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(title=f"加载结果 / load {report.batch_id} ({report.seconds:.1f} s)")
    for col in ("file", "rows", "created", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="left" if col == "file" else "right")
    for f in report.files:
        table.add_row(
            f.file,
            *(str(getattr(f, c)) for c in ("rows", "created", "updated", "unchanged", "rejected")),
        )
    out = console()
    out.print(table)
    for f in report.files:
        if f.error:
            out.print(f"[red]{f.error}[/]")
        if f.extra_columns:
            out.print(f"{f.file}: extra columns kept as properties: {', '.join(f.extra_columns)}")
        if f.ignored_columns:
            out.print(
                f"{f.file}: columns not loaded (not a plain name): {', '.join(f.ignored_columns)}"
            )
    if report.ignored_files:
        out.print(f"files not in the contract, not loaded: {', '.join(report.ignored_files)}")
    if report.rejects_file:
        out.print(f"[yellow]{report.rejected} rows rejected, reasons in {report.rejects_file}[/]")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from graph_service.engine.restrictions import RestrictionEngine
    from graph_service.engine.subjects import resolve_subject
    from graph_service.stores import open_store

    kind, key = resolve_subject(args.subject, _keyring())
    if kind == "person":
        note_demo_secret()
    with open_store(_existing_store(args)) as store:
        try:
            result = RestrictionEngine(store).check(kind, key, args.action, args.on)
        except NotFound:
            if kind != "person" or key == args.subject.strip():
                raise
            raise _no_person(args.subject) from None
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    out = console()
    verdict = "[green]允许 / allowed[/]" if result.allowed else "[red]禁止 / denied[/]"
    who = result.subject.name or result.subject.id
    out.print(f"{who} — {args.action} on {args.on}: {verdict}")
    from graph_service.cli_law import print_findings

    print_findings(out, result)
    return EXIT_OK


def _no_person(typed: str) -> NotFound:
    """The store holds no person with the ID number typed: named by its masked form (the key
    means nothing to the person typing)."""
    from graph_service.ids.resident_id import mask_resident_id

    masked = mask_resident_id(typed.strip().upper())
    return NotFound(
        f"未找到人员：{masked}（若 GRAPH_PERSON_KEY_SECRET 与加载时不同，人员键也不同）",
        f"no person {masked} in the store (person keys depend on GRAPH_PERSON_KEY_SECRET: "
        "is it the one the store was loaded with?)",
    )


def _update_ledger(store: Any, args: argparse.Namespace, touched: Any) -> None:
    from graph_service.engine.flag_ledger import FlagLedger
    from graph_service.settings import flags_ledger_path

    path = flags_ledger_path(get_settings(), _store_uri(args))
    update = FlagLedger(path).update(store, args.on, args.level, touched=touched)
    scope = "all" if update.examined_records is None else update.examined_records
    _console().print(
        f"flags ({args.level}, {args.on}) in {path}: {len(update.opened)} opened, "
        f"{len(update.rescored)} rescored, {len(update.ended)} ended, {update.kept} kept; "
        f"triggering records examined: {scope}"
    )


def cmd_relocations(args: argparse.Namespace) -> int:
    from graph_service.engine.relocations import detect_relocations
    from graph_service.ids.regions import region_name
    from graph_service.stores import open_store

    with open_store(_existing_store(args)) as store:
        flags = detect_relocations(store, args.on, args.level)
        if args.update_ledger:
            _update_ledger(store, args, None)
    if args.flows:
        from graph_service.engine.flows import flow_matrix, plot_flows
        from graph_service.exports.safe import write_frame

        matrix = flow_matrix(flags, args.flows_level)
        out = Path(args.flows)
        write_frame(matrix, out.with_suffix(".csv"), index=True)
        plot_flows(matrix, out)
        _console().print(f"flows: {out} and {out.with_suffix('.csv')}")
    if args.json:
        print(json.dumps([f.model_dump() for f in flags], ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(title=f"易地出现 / relocated repeat offenders — {args.level}, {args.on}")
    for col in ("pattern", "who", "entity", "from → to", "since", "score", "records"):
        table.add_column(col)
    for f in flags:
        moves = (
            f"{region_name(f.region_from)} → {region_name(f.region_to)}"
            if f.region_from and f.region_to
            else " / ".join(region_name(r) for r in f.regions)
        )
        who = " ".join(x for x in (f.person_name, f.person_id_masked) if x)
        table.add_row(
            f.pattern + (" (提示/advisory)" if f.advisory else ""),
            who,
            " ".join(x for x in (f.entity_name, f.uscc) if x),
            moves,
            f.since,
            str(f.score),
            ", ".join(f.record_ids),
        )
    screen = console()
    screen.print(table)
    screen.print(f"{len(flags)} flags")
    return EXIT_OK


def cmd_notices(args: argparse.Namespace) -> int:
    from graph_service.engine.notices import notices
    from graph_service.stores import open_store

    with open_store(_existing_store(args)) as store:
        found = notices(store, args.on, args.region or "")
    if args.csv:
        from graph_service.exports.safe import SafeWriter

        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", encoding="utf-8-sig", newline="") as fh:
            w = SafeWriter(fh)
            w.writerow(["notice_id", "kind", "record_id", "decided_on", "to", "about", "text"])
            for n in found:
                w.writerow(
                    [
                        n["notice_id"],
                        n["kind"],
                        n["record_id"],
                        n["decided_on"],
                        n["to"].get("name"),
                        n["about"].get("name"),
                        n["text_zh"],
                    ]
                )
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    out = console()
    for n in found:
        out.print(notice_line(n))
    out.print(f"{len(found)} notices")
    return EXIT_OK


def notice_line(notice: dict[str, Any]) -> str:
    """A notice as one line of console markup: ``[kind] record → addressee: text`` (the
    kind's brackets escaped, so the console shows them rather than reading a style)."""
    n = notice
    return escape(f"[{n['kind']}] {n['record_id']} → {n['to'].get('name')}: {n['text_zh']}")


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from graph_service.api.audit import verify_chain

    path = Path(args.log or get_settings().graph_audit_log)
    anchor = _audit_anchor(args, path)
    result = verify_chain(path, anchor)
    if args.json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    elif result.ok:
        console().print(
            f"[green]审计链完整 / audit chain whole[/]: {result.entries} entries in {path}"
        )
    else:
        console().print(
            f"[red]审计链被篡改 / audit chain broken[/] at line {result.first_bad_line} "
            f"(seq {result.first_bad_seq}): {result.reason_zh} / {result.reason_en}"
        )
    return EXIT_OK if result.ok else 1


def _audit_anchor(args: argparse.Namespace, path: Path) -> tuple[int, str] | None:
    """The checkpoint the store keeps for the log (None, with a warning, without a store)."""
    from graph_service.stores import open_store

    try:
        with open_store(_store_uri(args)) as store:
            return store.audit_anchor(str(path.resolve()))
    except (StoreUnavailable, OSError) as exc:
        reason = exc.reason if isinstance(exc, StoreUnavailable) else str(exc)
        _console().print(
            f"[yellow]未核对存储中的检查点 / the store's checkpoint was not checked:[/] {reason}"
        )
        return None


def cmd_info(args: argparse.Namespace) -> int:
    from graph_service.stores import open_store

    uri = _store_uri(args)
    with open_store(uri) as store:  # a load that was interrupted before the file: its log
        info: dict[str, Any] = {
            "backend": store.backend,
            "counts": store.counts(),
            "loads": store.loads(),
        }
    try:
        _existing_store(args)
    except MissingStore as missing:
        if not info["loads"]:  # nothing there at all: say so rather than show zeros
            _console().print(f"[yellow]注意 / note:[/] {escape(missing.reason)}")
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(title=f"{_store_uri(args)} ({info['backend']})")
    table.add_column("label / type")
    table.add_column("count", justify="right")
    for name, n in info["counts"].items():
        table.add_row(name, str(n))
    console().print(table)
    for load in info["loads"]:
        console().print(_load_line(load))
    return EXIT_OK


def _load_line(load: dict[str, Any]) -> str:
    """One line of the load log; a load that did not finish says so."""
    head = f"{load['batch_id']}  {load['directory']}"
    match load.get("status", "done"):
        case "done":
            return f"{head}  rejected={load.get('rejected', 0)}"
        case "interrupted":
            return (
                f"{head}  [red]中断 / interrupted[/]: {load.get('note', '')} "
                f"(python -m graph_service load {load['directory']})"
            )
        case _:
            return (
                f"{head}  [yellow]未完成 / running, or interrupted if no load runs now[/]: "
                f"rerun it to complete it (python -m graph_service load {load['directory']})"
            )


def cmd_export(args: argparse.Namespace) -> int:
    from graph_service.exports import FORMATS, export_store
    from graph_service.stores import open_store

    chosen = args.formats or ",".join(FORMATS)
    formats: list[Any] = [f.strip() for f in chosen.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        _console().print(f"[red]未知格式 / unknown format:[/] {unknown[0]} ({', '.join(FORMATS)})")
        return EXIT_USAGE
    if "ftm" in formats and importlib.util.find_spec("followthemoney") is None:
        hint = "FollowTheMoney needs the extra: pip install -e '.[ftm]' (scripts/install ftm)"
        if args.formats:  # asked for by name: cannot do it
            _console().print(f"[red]无法导出 / cannot export ftm:[/] {hint}")
            return EXIT_USAGE
        formats.remove("ftm")
        _console().print(f"[yellow]注意 / note:[/] ftm not written. {hint}")
    with open_store(_existing_store(args)) as store:
        written = export_store(store, Path(args.out), formats, progress=not args.quiet)
    if args.json:
        print(json.dumps(written, ensure_ascii=False, indent=2))
    else:
        for fmt, paths in written.items():
            _console().print(f"{fmt}: {', '.join(str(Path(args.out) / p) for p in paths)}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph_service.api.app import create_app

    app = create_app(store_uri=_existing_store(args))
    # log_config=None: uvicorn's loggers go to the structured handler main() installed
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", log_config=None)
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    from graph_service.settings import Settings, check_settings

    if args.check:
        problems = check_settings(get_settings())
        for p in problems:
            _console().print(f"[red]配置错误 / configuration:[/] {p}")
        return EXIT_USAGE if problems else EXIT_OK
    for name, f in Settings.model_fields.items():
        print(f"{name.upper():<28} {f.description}  (default: {f.default!r})")
    return EXIT_OK


def _actions_help() -> str:
    """The actions a check answers for, one per line with its English label."""
    from graph_service.catalogue import vocabulary

    lines = []
    for action, entry in vocabulary("action").items():
        takes = entry.get("takes") or ("sector" if entry.get("takes_sector") else None)
        name = f"{action}:<{takes}>" if takes else action
        lines.append(f"  {name:<34} {entry.get('en', '')}")
    if takes_sector := [a for a, e in vocabulary("action").items() if e.get("takes_sector")]:
        lines.append(
            f"  (<sector>: {', '.join(vocabulary('sector'))}; e.g. {takes_sector[0]}:food_drug)"
        )
    return "\n".join(lines)


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def _iso_date(value: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and for the docs)."""
    parser = argparse.ArgumentParser(
        prog="credit-graph",
        description="信用联合惩戒图分析 / Graph analytics for cross-region joint punishment.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = _verb(
        sub,
        "synth",
        "generate a synthetic national registry (the contract files)",
        "Writes entities, persons, roles, shareholdings, registrations and records (CSV, with "
        "publication dates), inspectors.csv (an inspector pool for `sample`) and truth.json "
        "(the planted relocation cases) to OUT. The same seed and size give the same files.",
        [
            f"synth --entities 20000 --seed 42 --out {DEMO}",
            "synth --entities 2000 --seed 7 --out data/reg --json",
        ],
    )
    p.add_argument(
        "--entities", type=int, default=10_000, help="number of entities (default 10000)"
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_synth)

    p = _verb(
        sub,
        "load",
        "load a directory of contract files into the store",
        "Every row is validated; a bad row goes to DIR/rejects/BATCH.csv with its reason and "
        "the rest loads. Loading the same files again changes nothing. Files not in the "
        "contract are named and not loaded.",
        [f"load {DEMO} --store data/demo.graph", f"load {DEMO} --update-flags --on 2024-06-01"],
    )
    p.add_argument(
        "directory", help="folder with entities/persons/roles/… (.csv .xlsx .parquet .jsonl)"
    )
    _add_store(p)
    p.add_argument("--rejects", help="rejects file (default DIR/rejects/BATCH.csv)")
    p.add_argument("--batch-size", type=int, default=None, help="rows per write batch")
    p.add_argument(
        "--bulk",
        action="store_true",
        help="first load into an EMPTY Neo4j through neo4j-admin database import "
        "(stops and restarts the server; NEO4J_IMPORT_COMMAND)",
    )
    p.add_argument(
        "--update-flags",
        action="store_true",
        help="then update relocation flag history for what this load touched",
    )
    p.add_argument("--on", type=_iso_date, default=_today(), help="flags as of (default today)")
    p.add_argument("--level", choices=["county", "city", "province"], default="county")
    p.add_argument("--json", action="store_true", help="print the load report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_load)

    p = _verb(
        sub,
        "check",
        "may SUBJECT do ACTION on a date? (allowed or denied, with the evidence)",
        "SUBJECT is a USCC, a resident ID number or a person key. The answer has "
        "prohibitions (then denied), considerations and advisories, each with its record, "
        "measure and the path from the record's subject. Edition-1 names such as air_travel "
        "still work; `measures` lists the measures.\n\n"
        f"actions:\n{_actions_help()}",
        [
            "check 913703022707761163 bid_tender --on 2024-06-01 --store data/demo.graph",
            "check 370302195104145227 consumption:air --on 2024-06-01 --json",
        ],
    )
    p.add_argument("subject", help="USCC, resident ID number, or person key")
    p.add_argument("action", help="e.g. bid_tender, consumption:air, serve_as_officer:company")
    p.add_argument("--on", type=_iso_date, default=_today(), help="date asked (default: today)")
    _add_store(p)
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.set_defaults(func=cmd_check)

    p = _verb(
        sub,
        "relocations",
        "relocated repeat offenders (phoenix, migration, serial) as of a date",
        "Flags sanctioned subjects that reappear in another region (clause 十): the person "
        "behind a new company, the entity that re-registers elsewhere, listings in several "
        "regions. Each flag comes with its records and the evidence path.",
        [
            "relocations --level city --on 2024-06-01 --store data/demo.graph",
            "relocations --on 2024-06-01 --flows out/flows.png --json",
        ],
    )
    p.add_argument(
        "--level",
        choices=["county", "city", "province"],
        default="county",
        help="compare regions at this level (default county)",
    )
    p.add_argument("--on", type=_iso_date, default=_today(), help="as of (default: today)")
    _add_store(p)
    p.add_argument("--json", action="store_true", help="machine-readable flags with evidence")
    p.add_argument(
        "--flows",
        help="also write the region flow heat map here (.png/.svg/.pdf) "
        "and its table beside it (.csv)",
    )
    p.add_argument("--flows-level", choices=["province", "city"], default="province")
    p.add_argument(
        "--update-ledger",
        action="store_true",
        help="also record the flags in the flag history (GRAPH_FLAGS_LEDGER)",
    )
    p.set_defaults(func=cmd_relocations)

    p = _verb(
        sub,
        "notices",
        "notices due to superior units, audit, employers (clause 十二) as of a date",
        "One line per notice: [kind] record → addressee: text. --csv writes them for mailing.",
        ["notices --on 2024-06-01 --region 1301", "notices --on 2024-06-01 --csv out/notices.csv"],
    )
    p.add_argument("--on", type=_iso_date, default=_today(), help="as of (default: today)")
    p.add_argument("--region", help="only records decided in regions starting with this code")
    p.add_argument("--csv", help="also export to this CSV file")
    _add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notices)

    p = _verb(
        sub,
        "audit-verify",
        "verify the hash-chained audit log; name the first tampered entry",
        "Exit 0 when the chain is whole, 1 when an entry was changed, removed or inserted.",
        ["audit-verify", "audit-verify --log data/audit.jsonl --json"],
    )
    p.add_argument("--log", help="audit log path (default: $GRAPH_AUDIT_LOG)")
    _add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_verify)

    p = _verb(
        sub,
        "export",
        "export the store: CSV/Parquet tables, GraphML, GEXF, Cypher, FollowTheMoney",
        "Writes OUT/csv/*.csv, OUT/parquet/*.parquet, OUT/graph.graphml, OUT/graph.gexf, "
        "OUT/graph.cypher, OUT/entities.ftm.json and OUT/manifest.json, streaming: the store "
        "is read a batch at a time. FollowTheMoney needs the extra: pip install -e '.[ftm]'.",
        [
            "export --store data/demo.graph --out out/export",
            "export --store data/demo.graph --out out/tables --formats csv,parquet",
        ],
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--formats",
        default=None,
        help="comma-separated: csv, parquet, graphml, gexf, cypher, ftm (default: all; ftm "
        "only when the [ftm] extra is installed)",
    )
    _add_store(p)
    p.add_argument("--json", action="store_true", help="print the files written as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_export)

    p = _verb(
        sub,
        "info",
        "counts of nodes and relationships, and the load log",
        "Works on either store; a missing store file is said to be missing.",
        ["info --store data/demo.graph", "info --store bolt://127.0.0.1:7687 --json"],
    )
    _add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    from graph_service.cli_evaluation import add_evaluation_verbs

    add_evaluation_verbs(sub)  # grade, sample, sample-verify, report, deadlines

    from graph_service.cli_law import add_law_verbs

    add_law_verbs(sub)  # measures, event

    p = _verb(
        sub,
        "serve",
        "serve the REST API and the investigator page",
        "The page is at /, the API documentation at /docs and /redoc (served offline).",
        [
            "serve --store data/demo.graph --port 8000",
            "serve --store bolt://127.0.0.1:7687 --host 0.0.0.0 --port 8080",
        ],
    )
    _add_store(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)

    p = _verb(
        sub,
        "settings",
        "list the environment settings and their defaults",
        "Every setting is read from the environment (GRAPH_…); --check validates them.",
        ["settings", "settings --check"],
    )
    p.add_argument(
        "--check", action="store_true", help="validate the settings in force (exit 2 if wrong)"
    )
    p.set_defaults(func=cmd_settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = build_parser().parse_args(argv)
    from graph_service.logging import configure_logging

    configure_logging()
    try:
        code: int = args.func(args)
    except (StoreUnavailable, MissingStore) as exc:
        _console().print(f"[red]存储不可用 / store unavailable:[/] {escape(exc.reason)}")
        if getattr(args, "func", None) is cmd_load:  # Neo4j lost mid-load: how to complete it
            _console().print(_rerun_hint(args))
        return EXIT_CANNOT_RUN
    except DomainError as exc:  # bad input: what to fix is in the reason
        _console().print(f"[red]错误 / error:[/] {escape(exc.reason)}")
        return EXIT_USAGE
    except Exception as exc:
        if not _store_lost(exc):
            raise
        _console().print(
            f"[red]与存储的连接中断 / lost the store:[/] {type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}\n{_rerun_hint(args)}"
        )
        return EXIT_CANNOT_RUN
    return code


def _store_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the store went away (Neo4j down, the connection cut)."""
    from neo4j.exceptions import DriverError, ServiceUnavailable, SessionExpired

    return isinstance(exc, ServiceUnavailable | SessionExpired | DriverError)


def _rerun_hint(args: argparse.Namespace) -> str:
    if getattr(args, "func", None) is cmd_load:
        return (
            "加载未完成；存储恢复后重新运行同一命令即可补全（已写入的批次不会重复） / the load did "
            "not finish; when the store is back, run the same command again to complete it "
            f"(batches written already change nothing): python -m graph_service load "
            f"{args.directory} --store {_store_uri(args)}"
        )
    return "存储恢复后重试 / retry when the store is back"


if __name__ == "__main__":
    sys.exit(main())
