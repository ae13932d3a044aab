"""CLI verb ``jobs``: the nationwide passes whose results the API pages — ``jobs list`` shows
the results the store keeps (stale or not) and the jobs the service ran; ``jobs run KIND``
runs one here and keeps its result (as ``grade --save``, ``relocations --save`` and
``notices --save`` do, without their reports)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from graph_service.cli.common import (
    EXIT_OK,
    add_store,
    err_console,
    existing_store,
    iso_date,
    operator,
    today,
    verb,
)
from graph_service.cli.output import console
from graph_service.settings import get_settings, grade_ledger_path, jobs_dir


def cmd_jobs_list(args: argparse.Namespace) -> int:
    from graph_service.services.jobs import JobBoard, list_jobs, stored_results
    from graph_service.stores import open_store

    uri = existing_store(args)
    with open_store(uri) as store:
        results = stored_results(store)
    jobs = list_jobs(JobBoard(jobs_dir(get_settings(), uri)), args.limit)
    if args.json:
        print(json.dumps({"results": results, "jobs": jobs}, ensure_ascii=False, indent=2))
        return EXIT_OK
    out = console()
    table = Table(title="计算结果 / stored results")
    for col in ("kind", "on", "level", "rows", "computed at", "stale"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r["kind"], r["on"], r["level"] or "", str(r["rows"]), r["computed_at"], _yes(r)
        )
    out.print(table)
    table = Table(title="任务 / jobs the service ran")
    for col in ("id", "kind", "on", "level", "status", "progress", "by", "started"):
        table.add_column(col)
    for j in jobs:
        table.add_row(
            j["id"][:12],
            j["kind"],
            j["on"],
            j["level"],
            j["status"],
            f"{j['progress']:.0%}",
            j["started_by"],
            j["started_at"],
        )
    out.print(table)
    return EXIT_OK


def _yes(result: dict[str, Any]) -> str:
    return "yes (store changed since)" if result["stale"] else "no"


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from graph_service.engine.evaluation import GradeLedger
    from graph_service.services.jobs import run_here
    from graph_service.stores import open_store

    screen = err_console()

    def progress(share: float, phase: str) -> None:
        screen.print(f"{share:4.0%} {phase}")

    uri = existing_store(args)
    ledger = GradeLedger(grade_ledger_path(get_settings(), uri))  # a grading run is recorded
    with open_store(uri) as store:
        info = run_here(
            store,
            operator(store),
            args.kind,
            args.on,
            args.level,
            progress=progress,
            ledger=ledger,
        )
    if args.json:
        print(json.dumps(info.header(), ensure_ascii=False, indent=2))
    else:
        key = info.key
        console().print(f"saved: {info.rows} rows of {key.kind} on {key.on} {key.level}".rstrip())
    return EXIT_OK


def add_jobs_verbs(sub: Any) -> None:
    """Register ``jobs`` (``list``, ``run``)."""
    p = verb(
        sub,
        "jobs",
        "nationwide passes and their stored results (what the API pages)",
        "The API answers grades, relocations and notices from results kept in the store; "
        "`jobs run` computes one and keeps it (POST /v1/jobs does the same in the service), "
        "`jobs list` shows what is kept and whether the store has changed since.",
        [
            "jobs list --store data/demo.cgraph",
            "jobs run grades --on 2024-06-01",
            "jobs run relocations --on 2024-06-01 --level city",
        ],
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    ls = actions.add_parser("list", help="stored results and recent jobs")
    ls.add_argument("--limit", type=int, default=20, help="jobs shown (default 20)")
    add_store(ls)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_jobs_list)
    run = actions.add_parser("run", help="run a pass here and keep its result")
    run.add_argument("kind", choices=["grades", "relocations", "notices"])
    run.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    run.add_argument(
        "--level",
        choices=["county", "city", "province"],
        default=None,
        help="relocations: compare regions at this level (default county)",
    )
    add_store(run)
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=cmd_jobs_run)
