"""CLI verbs that ask the engine about the registry on a date: ``check`` (may a subject do an
action), ``relocations`` (relocated repeat offenders) and ``notices`` (clause 十二)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table

from graph_service.cli.common import (
    EXIT_OK,
    add_store,
    err_console,
    existing_store,
    iso_date,
    operator,
    today,
    update_flag_ledger,
    verb,
)
from graph_service.cli.output import console, note_demo_secret, print_findings
from graph_service.errors import NotFound


def cmd_check(args: argparse.Namespace) -> int:
    """``check``: may the subject do the action on the day — the verdict and its findings."""
    from graph_service.engine.subjects import subject_kind
    from graph_service.services.checks import check
    from graph_service.stores import open_store

    person = subject_kind(args.subject) == "person"
    if person:
        note_demo_secret()
    with open_store(existing_store(args)) as store:
        try:
            result = check(store, operator(store), args.subject, args.action, args.on)
        except NotFound:
            if not person or len(args.subject.strip()) != 18:  # a key or P: id: as it is
                raise
            raise _no_person(args.subject) from None
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    out = console()
    verdict = "[green]允许 / allowed[/]" if result.allowed else "[red]禁止 / denied[/]"
    who = result.subject.name or result.subject.id
    out.print(f"{who} — {args.action} on {args.on}: {verdict}")
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


def cmd_relocations(args: argparse.Namespace) -> int:
    """``relocations``: the relocation flags on a day (table or JSON), optionally the flows."""
    from graph_service.ids.regions import region_name
    from graph_service.services.flags import detect
    from graph_service.stores import open_store

    flows_by = args.flows_level if args.flows else None
    with open_store(existing_store(args)) as store:
        found = detect(
            store, operator(store), args.on, args.level, keep=args.save, flows_by=flows_by
        )
        if found.saved is not None:
            err_console().print(f"saved: {found.saved.rows} flags ({args.level}) on {args.on}")
        if args.update_ledger:
            update_flag_ledger(store, args, None)
    if found.flows is not None:
        from graph_service.exports.safe import write_frame
        from graph_service.rendering.plots import plot_flows

        out = Path(args.flows)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_frame(found.flows, out.with_suffix(".csv"), index=True)
        plot_flows(found.flows, out)
        err_console().print(f"flows: {out} and {out.with_suffix('.csv')}")
    flags = found.flags
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
    """``notices``: the notices due on a day, one line each (optionally also a CSV)."""
    from graph_service.services.flags import notices_on
    from graph_service.stores import open_store

    with open_store(existing_store(args)) as store:
        # with --save every region's notices are kept; --region picks what is shown
        found, saved = notices_on(
            store, operator(store), args.on, args.region or "", keep=args.save
        )
        if saved is not None:
            err_console().print(f"saved: {saved.rows} notices on {args.on}")
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


def add_query_verbs(sub: Any) -> None:
    """Register ``check``, ``relocations`` and ``notices``."""
    p = verb(
        sub,
        "check",
        "may SUBJECT do ACTION on a date? (allowed or denied, with the evidence)",
        "SUBJECT is a USCC, a resident ID number or a person key. The answer has "
        "prohibitions (then denied), considerations and advisories, each with its record, "
        "measure and the path from the record's subject. Edition-1 names such as air_travel "
        "still work; `measures` lists the measures.\n\n"
        f"actions:\n{_actions_help()}",
        [
            "check 913703022707761163 bid_tender --on 2024-06-01 --store data/demo.cgraph",
            "check 370302197908213781 consumption:air --on 2024-06-01 --json",
        ],
    )
    p.add_argument("subject", help="USCC, resident ID number, or person key")
    p.add_argument("action", help="e.g. bid_tender, consumption:air, serve_as_officer:company")
    p.add_argument("--on", type=iso_date, default=today(), help="date asked (default: today)")
    add_store(p)
    p.add_argument("--json", action="store_true", help="machine-readable answer")
    p.set_defaults(func=cmd_check)

    p = verb(
        sub,
        "relocations",
        "relocated repeat offenders (phoenix, migration, serial) as of a date",
        "Flags sanctioned subjects that reappear in another region (clause 十): the person "
        "behind a new company, the entity that re-registers elsewhere, listings in several "
        "regions. Each flag comes with its records and the evidence path.",
        [
            "relocations --level city --on 2024-06-01 --store data/demo.cgraph",
            "relocations --on 2024-06-01 --flows out/flows.png --json",
            "relocations --level city --on 2024-06-01 --save",
        ],
    )
    p.add_argument(
        "--level",
        choices=["county", "city", "province"],
        default="county",
        help="compare regions at this level (default county)",
    )
    p.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    add_store(p)
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
    p.add_argument(
        "--save",
        action="store_true",
        help="keep the flags in the store: what GET /v1/relocations and /flows page",
    )
    p.set_defaults(func=cmd_relocations)

    p = verb(
        sub,
        "notices",
        "notices due to superior units, audit, employers (clause 十二) as of a date",
        "One line per notice: [kind] record → addressee: text. --csv writes them for mailing.",
        [
            "notices --on 2024-06-01 --region 1301",
            "notices --on 2024-06-01 --csv out/notices.csv",
            "notices --on 2024-06-01 --save",
        ],
    )
    p.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    p.add_argument("--region", help="only records decided in regions starting with this code")
    p.add_argument("--csv", help="also export to this CSV file")
    p.add_argument(
        "--save",
        action="store_true",
        help="keep every region's notices in the store: what GET /v1/notices pages",
    )
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_notices)
