"""CLI verbs for the law the checks follow: ``measures`` (the catalogue in force) and ``event``
(a life-cycle event on a record, the same code as the API's and the feed's events).
:func:`add_law_verbs` registers the verbs in :func:`graph_service.cli.main.build_parser`.
"""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext

from rich.console import Console
from rich.table import Table

from graph_service.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    add_store,
    err_console,
    iso_date,
    operator,
    store_uri,
)


def cmd_measures(args: argparse.Namespace) -> int:
    """``measures``: the catalogue of measures in force (table, JSON or Markdown)."""
    from graph_service.services.checks import measures_catalogue

    cat = measures_catalogue()
    if args.markdown:
        from graph_service.engine.legal_doc import render

        print(render(cat), end="")
        return EXIT_OK
    if args.json:
        print(json.dumps(cat.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    table = Table(title=f"失信惩戒措施清单 / measures — edition {cat.edition}, {cat.version}")
    for col in ("kind", "measure", "type", "to", "actions", "in force", "basis"):
        table.add_column(col)
    for kind in cat.kinds.values():
        if args.kind and kind.code != args.kind:
            continue
        for m in kind.measures:
            dates = f"{m.in_force_from or ''}..{m.in_force_to or ''}"
            table.add_row(
                kind.code, m.id, m.type, m.to, ", ".join(m.actions), dates, m.basis_text()
            )
    for d in cat.derived:
        table.add_row(
            "(derived)", d.id, d.type, "subject", ", ".join(d.actions), "", d.basis_text()
        )
    Console().print(table)
    return EXIT_OK


def cmd_event(args: argparse.Namespace) -> int:
    """``event``: apply a life-cycle event to a record and say what changed."""
    from graph_service.engine.subjects import subject_kind
    from graph_service.services.events import record_event
    from graph_service.stores import open_store

    if args.person and subject_kind(args.person) != "person":
        err_console().print("[red]--person 须为身份证号码 / --person must be an ID number[/]")
        return EXIT_USAGE
    with open_store(store_uri(args)) as store:
        out = record_event(
            lambda: nullcontext(store),
            operator(store),
            args.record_id,
            args.event,
            args.on,
            reason=args.reason or "",
            person_id=args.person,
            action=args.action,
            effective_to=args.to,
            outcome=args.outcome,
            capacity=args.capacity,
            by=args.by,
        )
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    rec = out["record"]
    state = "applied" if out["applied"] else "already known: nothing changed"
    console = Console()
    console.print(
        f"{args.record_id}: {args.event} on {args.on} — {state}; status {rec.get('status')}"
        f" (since {rec.get('status_on') or '-'}), last day {rec.get('effective_to') or '-'}"
    )
    for item in out["invalidated"]:
        console.print(
            f"  wrongly applied / 错误适用: {item.get('name') or item['sid']} "
            f"({item['way']}): {', '.join(item['actions'])}"
        )
    return EXIT_OK


def add_law_verbs(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``measures`` and ``event``."""
    p = sub.add_parser(
        "measures",
        help="the catalogue of measures in force: kinds, measures, actions, legal bases",
        description="Shows graph_service/catalogue/measures.yaml (or the deployment's override "
        "in GRAPH_CATALOGUE_DIR), validated. Examples:\n"
        "  python -m graph_service measures\n"
        "  python -m graph_service measures --kind dishonest_judgment_debtor --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--kind", help="only this record kind")
    p.add_argument("--json", action="store_true", help="the whole catalogue as JSON")
    p.add_argument(
        "--markdown", action="store_true", help="the catalogue as docs/legal.md (to review)"
    )
    p.set_defaults(func=cmd_measures)

    p = sub.add_parser(
        "event",
        help="apply a life-cycle event to a record (object, remove, release_person, permit …)",
        description="The same code as the API's events and the record_events.csv feed; "
        "applying the same event twice changes nothing. Events: object, resolve, repair, "
        "remove, revoke, extend, lift_consumption, release_person, add_person, permit. "
        "Examples:\n"
        "  python -m graph_service event REC-1 release_person --on 2024-03-01 "
        "--person 130126198001010011\n"
        "  python -m graph_service event REC-1 remove --on 2024-05-01 --outcome performed",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("record_id")
    p.add_argument("event")
    p.add_argument("--on", type=iso_date, required=True, help="the day it takes effect")
    p.add_argument("--person", help="release_person, add_person, permit: the ID number")
    p.add_argument("--to", type=iso_date, help="extend: new last day; permit: last day")
    p.add_argument("--outcome", help="resolve: upheld/corrected/revoked; remove: performed …")
    p.add_argument("--action", help="permit: the action allowed, e.g. consumption:air")
    p.add_argument("--capacity", help="add_person: the capacity, e.g. legal_rep")
    p.add_argument("--reason", help="why (kept with the event)")
    p.add_argument("--by", default="cli", help="who decided (default: cli)")
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_event)
