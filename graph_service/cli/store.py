"""CLI verbs about the store itself and its logs: ``audit-verify`` (the hash-chained audit
log), ``export`` (tables and graph formats), ``info`` (counts and the load log) and
``migrate-store`` (a pickle store into the compact format)."""

from __future__ import annotations

import argparse
import importlib.util
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from graph_service.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    MissingStore,
    add_store,
    err_console,
    existing_store,
    store_uri,
    verb,
)
from graph_service.cli.output import console
from graph_service.errors import StoreUnavailable
from graph_service.settings import get_settings


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """``audit-verify``: check the audit log's hash chain (exit 1 when it is broken)."""

    from graph_service.services.audit import verify_chain

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
        with open_store(store_uri(args)) as store:
            return store.audit_anchor(str(path.resolve()))
    except (StoreUnavailable, OSError) as exc:
        reason = exc.reason if isinstance(exc, StoreUnavailable) else str(exc)
        err_console().print(
            f"[yellow]未核对存储中的检查点 / the store's checkpoint was not checked:[/] {reason}"
        )
        return None


def cmd_info(args: argparse.Namespace) -> int:
    """``info``: the store's node and relationship counts and its load log."""
    from graph_service.services.info import info as store_info
    from graph_service.stores import open_store

    uri = store_uri(args)
    with open_store(uri) as store:  # a load that was interrupted before the file: its log
        info = store_info(store).model_dump()
    try:
        existing_store(args)
    except MissingStore as missing:
        if not info["loads"]:  # nothing there at all: say so rather than show zeros
            err_console().print(f"[yellow]注意 / note:[/] {escape(missing.reason)}")
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(title=f"{store_uri(args)} ({info['backend']})")
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
    """``export``: write the store in the formats asked for (all by default)."""
    from graph_service.exports import FORMATS, export_store
    from graph_service.stores import open_store

    chosen = args.formats or ",".join(FORMATS)
    formats: list[Any] = [f.strip() for f in chosen.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        err_console().print(
            f"[red]未知格式 / unknown format:[/] {unknown[0]} ({', '.join(FORMATS)})"
        )
        return EXIT_USAGE
    if "ftm" in formats and importlib.util.find_spec("followthemoney") is None:
        hint = "FollowTheMoney needs the extra: pip install -e '.[ftm]' (scripts/install ftm)"
        if args.formats:  # asked for by name: cannot do it
            err_console().print(f"[red]无法导出 / cannot export ftm:[/] {hint}")
            return EXIT_USAGE
        formats.remove("ftm")
        err_console().print(f"[yellow]注意 / note:[/] ftm not written. {hint}")
    with open_store(existing_store(args)) as store:
        written = export_store(store, Path(args.out), formats, progress=not args.quiet)
    if args.json:
        print(json.dumps(written, ensure_ascii=False, indent=2))
    else:
        for fmt, paths in written.items():
            err_console().print(f"{fmt}: {', '.join(str(Path(args.out) / p) for p in paths)}")
    return EXIT_OK


def cmd_migrate_store(args: argparse.Namespace) -> int:
    """``migrate-store``: copy a pickle store (journal replayed, load log and audit
    checkpoints kept) into a new compact store; the old file is left as it is."""
    from graph_service.stores.compact import migrate_pickle_store

    if not Path(args.old).is_file():
        err_console().print(f"[red]没有这个存储 / no such store:[/] {escape(args.old)}")
        return EXIT_USAGE
    try:
        counts = migrate_pickle_store(args.old, args.new)
    except FileExistsError:
        err_console().print(
            f"[red]目标已存在 / the target exists:[/] {escape(args.new)} — 请换一个新路径 / "
            "migrate into a new path"
        )
        return EXIT_USAGE
    console().print(
        f"已迁移 / migrated {escape(args.old)} → {escape(args.new)}: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    return EXIT_OK


def add_store_verbs(sub: Any) -> None:
    """Register ``audit-verify``, ``export``, ``info`` and ``migrate-store``."""
    p = verb(
        sub,
        "audit-verify",
        "verify the hash-chained audit log; name the first tampered entry",
        "Exit 0 when the chain is whole, 1 when an entry was changed, removed or inserted.",
        ["audit-verify", "audit-verify --log data/audit.jsonl --json"],
    )
    p.add_argument("--log", help="audit log path (default: $GRAPH_AUDIT_LOG)")
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_verify)

    p = verb(
        sub,
        "export",
        "export the store: CSV/Parquet tables, GraphML, GEXF, Cypher, FollowTheMoney",
        "Writes OUT/csv/*.csv, OUT/parquet/*.parquet, OUT/graph.graphml, OUT/graph.gexf, "
        "OUT/graph.cypher, OUT/entities.ftm.json and OUT/manifest.json, streaming: the store "
        "is read a batch at a time. FollowTheMoney needs the extra: pip install -e '.[ftm]'.",
        [
            "export --store data/demo.cgraph --out out/export",
            "export --store data/demo.cgraph --out out/tables --formats csv,parquet",
        ],
    )
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument(
        "--formats",
        default=None,
        help="comma-separated: csv, parquet, graphml, gexf, cypher, ftm (default: all; ftm "
        "only when the [ftm] extra is installed)",
    )
    add_store(p)
    p.add_argument("--json", action="store_true", help="print the files written as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_export)

    p = verb(
        sub,
        "info",
        "counts of nodes and relationships, and the load log",
        "Works on either store; a missing store file is said to be missing.",
        ["info --store data/demo.cgraph", "info --store bolt://127.0.0.1:7687 --json"],
    )
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = verb(
        sub,
        "migrate-store",
        "copy a pickle store into the compact format (Arrow columns, memory-mapped)",
        "The new store opens faster and holds less in memory; a path ending in .cgraph is "
        "opened as a compact store. OLD is left as it is; NEW must not exist.",
        [
            "migrate-store data/demo.graph data/demo.cgraph",
            "migrate-store /srv/credit/province.graph /srv/credit/province.cgraph",
        ],
    )
    p.add_argument("old", help="the pickle store file (e.g. data/demo.graph)")
    p.add_argument("new", help="the compact store to create (e.g. data/demo.cgraph)")
    p.set_defaults(func=cmd_migrate_store)
