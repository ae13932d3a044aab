"""CLI verbs that bring a registry in: ``synth`` (a synthetic one) and ``load`` (contract files
into the store, incrementally or with ``--bulk``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.table import Table

from graph_service.cli.common import (
    DEMO,
    EXIT_CANNOT_RUN,
    EXIT_OK,
    add_store,
    err_console,
    iso_date,
    person_keyring,
    store_uri,
    today,
    update_flag_ledger,
    verb,
)
from graph_service.cli.output import console, note_demo_secret
from graph_service.settings import get_settings


def cmd_synth(args: argparse.Namespace) -> int:
    """``synth``: write a synthetic registry (the contract files) and print its summary."""
    from graph_service.synth import generate

    summary = generate(
        Path(args.out), entities=args.entities, seed=args.seed, progress=not args.quiet
    )
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        err_console().print(f"wrote {args.out}: {summary.to_dict()}")
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    """``load``: validate and load a directory into the store, then print the load report."""
    from graph_service.stores import open_store
    from loaders.load import LoadError, load_directory

    keyring = person_keyring()
    note_demo_secret()  # a load keys the ID numbers of persons.csv
    if args.bulk:
        return _bulk_load(args, keyring)
    try:
        with open_store(store_uri(args)) as store:
            before = store.change_token()
            report = load_directory(
                Path(args.directory),
                store,
                keyring,
                rejects_path=Path(args.rejects) if args.rejects else None,
                progress=not args.quiet,
                batch_size=args.batch_size or get_settings().load_batch_size,
            )
            if args.update_flags:
                update_flag_ledger(store, args, report.touched)
            _refresh_results(store, report.touched, before)
    except LoadError as exc:
        err_console().print(f"[red]无法加载 / cannot load:[/] {exc}")
        return EXIT_CANNOT_RUN
    return _print_load(args, report)


def _refresh_results(store: Any, touched: Any, before: str) -> None:
    """Bring the stored results that were current before the load up to date
    (:func:`~graph_service.services.jobs.refresh_after_load`), and say which results it left
    stale."""
    from graph_service.services.jobs import refresh_after_load

    for info in refresh_after_load(store, touched, before):
        level = f"{info.key.level}, " if info.key.level else ""
        err_console().print(
            f"stored {info.key.kind} ({level}{info.key.on}) updated: {info.rows} rows"
        )
    stale = [i for i in store.results() if i.token != store.change_token()]
    if stale:
        names = ", ".join(f"{i.key.kind} {i.key.on}" for i in stale)
        err_console().print(f"stored results now stale (run `jobs run` again): {names}")


def _bulk_load(args: argparse.Namespace, keyring: Any) -> int:
    from graph_service.stores import is_neo4j_uri
    from loaders.bulk import BulkLoadError, bulk_load
    from loaders.load import LoadError

    uri = store_uri(args)
    if not is_neo4j_uri(uri) or args.update_flags:
        err_console().print(
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
        err_console().print(f"[red]无法加载 / cannot load:[/] {exc}")
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
    if report.phases:
        steps = " · ".join(f"{k} {v:.1f} s" for k, v in report.phases.items())
        out.print(f"用时 / phases: {steps}")
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


def add_load_verbs(sub: Any) -> None:
    """Register ``synth`` and ``load``."""
    p = verb(
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

    p = verb(
        sub,
        "load",
        "load a directory of contract files into the store",
        "Every row is validated; a bad row goes to DIR/rejects/BATCH.csv with its reason and "
        "the rest loads. Loading the same files again changes nothing. Files not in the "
        "contract are named and not loaded.",
        [f"load {DEMO} --store data/demo.cgraph", f"load {DEMO} --update-flags --on 2024-06-01"],
    )
    p.add_argument(
        "directory", help="folder with entities/persons/roles/… (.csv .xlsx .parquet .jsonl)"
    )
    add_store(p)
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
    p.add_argument("--on", type=iso_date, default=today(), help="flags as of (default today)")
    p.add_argument("--level", choices=["county", "city", "province"], default="county")
    p.add_argument("--json", action="store_true", help="print the load report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_load)
