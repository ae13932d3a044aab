"""CLI verbs for evaluation, grading, inspection draws, credit reports and publication
deadlines (guideline clauses 三, 六, 七, 十五): ``grade``, ``sample``, ``sample-verify``,
``report``, ``deadlines``. :func:`add_evaluation_verbs` registers them in
:func:`graph_service.cli.main.build_parser`; each takes ``--store`` and ``--json`` like the
others.
"""

from __future__ import annotations

import argparse
import json
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from rich.table import Table

from graph_service.cli.common import (
    DEMO,
    EXIT_OK,
    EXIT_USAGE,
    add_store,
    err_console,
    existing_store,
    iso_date,
    operator,
    today,
    verb,
)
from graph_service.cli.output import console
from graph_service.settings import get_settings, grade_ledger_path


def _rates(text: str | None) -> dict[str, float] | None:
    """``A=0.02,B=0.05,C=0.1,D=0.3`` → rates (None: the catalogue's)."""
    if not text:
        return None
    out: dict[str, float] = {}
    for part in text.split(","):
        grade, _, value = part.partition("=")
        try:
            out[grade.strip().upper()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a rate: {part!r} (use A=0.02,B=0.05)") from None
    return out


def cmd_grade(args: argparse.Namespace) -> int:
    """``grade``: grade every entity (summary, ledger, watch list) or explain one."""
    from graph_service.engine.evaluation import GradeLedger
    from graph_service.services import evaluation
    from graph_service.stores import open_store

    uri = existing_store(args)
    with open_store(uri) as store:
        if args.uscc:
            ev = evaluation.evaluate_entity(store, operator(store), args.uscc, args.on)
            if args.json:
                print(ev.model_dump_json(indent=2))
                return EXIT_OK
            out = console()
            out.print(
                f"{ev.name} {ev.uscc} — {args.on}: [bold]{ev.grade}[/] "
                f"({ev.grade_label_zh} / {ev.grade_label_en}), score {ev.score:g}"
            )
            for zh, en in zip(ev.reasons_zh, ev.reasons_en, strict=True):
                out.print(f"  • {zh}\n    {en}")
            return EXIT_OK
        ledger = None
        if not args.no_ledger:
            path = Path(args.ledger) if args.ledger else grade_ledger_path(get_settings(), uri)
            ledger = GradeLedger(path)
        run = evaluation.grade_all(
            store,
            args.on,
            region=args.region or "",
            industry=args.industry or "",
            keep=args.save,
            ledger=ledger,
        )
        if run.saved is not None:
            err_console().print(f"saved: {run.saved.rows} rows of grades on {args.on}")
    summary = run.summary
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        from graph_service.exports.safe import write_frame

        write_frame(run.table, args.csv)
        summary["csv"] = args.csv
    if args.watch:
        summary["watch_list_candidates"] = run.watch
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return EXIT_OK
    inactive = summary["entities"] - summary["active"]
    t = Table(
        title=f"信用等级 / grades on {args.on}: {summary['entities']} entities, "
        f"{summary['active']} active (graded below), {inactive} not active on that day"
    )
    t.add_column("grade")
    t.add_column("active entities", justify="right")
    for g, n in summary["by_grade"].items():
        t.add_row(g, str(n))
    t.add_section()
    t.add_row("total", str(sum(summary["by_grade"].values())))
    out = console()
    out.print(t)
    out.print(
        f"重点关注对象名单候选 / watch-list candidates: {summary['watch_candidates']} "
        f"of the {summary['active']} active entities"
    )
    if "ledger" in summary:
        lg = summary["ledger"]
        regraded = lg["changes"] - lg["first_graded"]
        moves = ", ".join(f"{k} {v}" for k, v in lg["transitions"].items())
        out.print(
            f"grade history {lg['path']}: of the {lg['entities']} entities, "
            f"{lg['first_graded']} graded for the first time and {regraded} changed grade "
            f"since the last run ({moves or 'no change'})"
        )
    if args.watch:
        for row in summary["watch_list_candidates"]:
            out.print(f"  {row['uscc']} {row['name']} score {row['score']:g}")
    return EXIT_OK


def cmd_sample(args: argparse.Namespace) -> int:
    """``sample``: draw entities for inspection by grade, assign inspectors, record the draw."""
    from graph_service.services.sampling import brief, draw
    from graph_service.stores import open_store

    settings = get_settings()
    pool_path = Path(args.inspectors) if args.inspectors else settings.graph_inspectors_file
    if pool_path is None:
        err_console().print(
            "[red]错误 / error:[/] 需要检查人员名录 / an inspector pool is needed: "
            "--inspectors FILE or GRAPH_INSPECTORS_FILE"
        )
        return EXIT_USAGE
    with open_store(existing_store(args)) as store:
        record = draw(
            lambda: nullcontext(store),
            operator(store),
            args.on,
            budget=args.budget,
            region=args.region or "",
            industry=args.industry or "",
            rates=args.rates,
            seed=args.seed,
            per_entity=args.per_entity,
            inspectors=pool_path,
            log=settings.graph_draw_log,
            freshness="current",
            whole=True,
        )
    out = (
        Path(args.out) if args.out else settings.graph_draw_log.parent / f"{record['draw_id']}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(json.dumps(brief(record) | {"record_file": str(out)}, ensure_ascii=False, indent=2))
        return EXIT_OK
    screen = console()
    screen.print(
        f"抽查 / draw {record['draw_id']} seed {record['seed']} — population "
        f"{record['population']['size']} {record['population']['by_grade']}, "
        f"allocation {record['allocation']}"
    )
    inspectors = {a["uscc"]: a["inspectors"] for a in record["assignments"]}
    t = Table()
    for col in ("grade", "uscc", "name", "inspectors"):
        t.add_column(col)
    for e in record["entities"]:
        t.add_row(e["grade"], e["uscc"], e.get("name") or "", ", ".join(inspectors[e["uscc"]]))
    screen.print(t)
    screen.print(f"record: {out} (verify: python -m graph_service sample-verify {out})")
    return EXIT_OK


def cmd_sample_verify(args: argparse.Namespace) -> int:
    """``sample-verify``: re-run a recorded draw (exit 1 when it differs)."""
    from graph_service.services.sampling import verify_draw
    from graph_service.stores import open_store

    path = Path(args.record)
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if path.suffix == ".jsonl":
        records = [json.loads(ln) for ln in lines]
        chosen = [r for r in records if not args.draw_id or r.get("draw_id") == args.draw_id]
        if not chosen:
            err_console().print(f"[red]错误 / error:[/] no draw {args.draw_id} in {path}")
            return EXIT_USAGE
        record = chosen[-1]
    else:
        record = json.loads("\n".join(lines))
    result = verify_draw(
        lambda: open_store(existing_store(args)),
        record,
        against_store=bool(args.store),
        freshness="current",
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        out = console()
        verdict = (
            "[green]可复现 / reproduced[/]" if result["ok"] else "[red]不符 / does NOT match[/]"
        )
        out.print(f"draw {result['draw_id']}: {verdict}")
        for c in result["checks"]:
            out.print(f"  {'✓' if c['ok'] else '✗'} {c['check']} {c['detail']}")
        if result["population_matches_store"] is not None:
            out.print(
                f"  population as the store gives it now: "
                f"{'same' if result['population_matches_store'] else 'changed since'}"
            )
    return EXIT_OK if result["ok"] else 1


def cmd_report(args: argparse.Namespace) -> int:
    """``report``: an entity's credit report as JSON, HTML or PDF."""
    from graph_service.engine.evaluation import GradeLedger
    from graph_service.rendering.report import render_html, render_pdf
    from graph_service.services.evaluation import report as credit_report
    from graph_service.stores import open_store

    uri = existing_store(args)
    fmt = "json" if args.json else args.format
    ledger = GradeLedger(grade_ledger_path(get_settings(), uri))
    with open_store(uri) as store:
        report = credit_report(
            store, operator(store), args.uscc, args.on, ledger=ledger, format=fmt
        )
    if fmt == "json":
        text = report.model_dump_json(indent=2)
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            print(text)
        return EXIT_OK
    out = Path(args.out or f"out/credit-report-{args.uscc}-{args.on}.{fmt}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        out.write_text(render_html(report), encoding="utf-8")
    else:
        out.write_bytes(render_pdf(report))
    err_console().print(f"信用报告 / credit report: {out}")
    return EXIT_OK


def cmd_deadlines(args: argparse.Namespace) -> int:
    """``deadlines``: due and overdue publications per authority on a day."""
    from graph_service.services.evaluation import publication_deadlines
    from graph_service.stores import open_store

    with open_store(existing_store(args)) as store:
        found = publication_deadlines(
            store, operator(store), args.on, args.authority, args.since, args.region or ""
        )
    if args.json:
        print(json.dumps(found, ensure_ascii=False, indent=2))
        return EXIT_OK
    cal = found["calendar"]
    t = Table(
        title=f"公开期限 / publication deadlines on {args.on} ({found['working_days']} working "
        f"days; {cal['package']} {cal['version']}, {cal['years'][0]}–{cal['years'][1]})"
    )
    for col in ("authority", "due", "overdue", "on time", "late"):
        t.add_column(col, justify="left" if col == "authority" else "right")
    pressing = [a for a in found["authorities"] if a["due_count"] or a["overdue_count"]]
    pressing.sort(key=lambda a: (-a["overdue_count"], -a["due_count"], a["authority"]))
    shown = pressing if args.all else pressing[: args.top]
    for a in shown:
        t.add_row(
            a["authority"],
            str(a["due_count"]),
            str(a["overdue_count"]),
            str(a["published_on_time"]),
            str(a["published_late"]),
        )
    out = console()
    out.print(t)
    tot = found["totals"]
    if len(shown) < len(pressing):
        out.print(
            f"the {len(shown)} of {len(pressing)} authorities with the most overdue are shown "
            "(--all for every one, --json for the records)"
        )
    out.print(
        f"totals: {tot['due']} due, {tot['overdue']} overdue, {tot['published_on_time']} "
        f"published on time, {tot['published_late']} published late, "
        f"{tot['undetermined']} undetermined"
    )
    for u in found["undetermined"][:5]:
        out.print(f"[yellow]{u['record_id']}[/]: {u['reason']}")
    return EXIT_OK


def add_evaluation_verbs(sub: Any) -> None:
    """Register ``grade``, ``sample``, ``sample-verify``, ``report`` and ``deadlines``."""
    p = verb(
        sub,
        "grade",
        "public credit evaluation and grades A-D (clauses 六, 七); history and watch list",
        "Without USCC: grade every entity, append the changes to the grade ledger "
        "and count the watch-list candidates. With USCC: one entity's score, parts and reasons.",
        [
            "grade --on 2024-06-01 --store data/demo.cgraph",
            "grade 913703022707761163 --on 2024-06-01",
            "grade --on 2024-06-01 --save",
        ],
    )
    p.add_argument("uscc", nargs="?", help="explain one entity's evaluation")
    p.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    p.add_argument("--region", help="only entities in regions starting with this code")
    p.add_argument("--industry", help="only entities of this industry section (A-T)")
    p.add_argument("--csv", help="write every entity's row (score, parts, grade) here")
    p.add_argument("--watch", action="store_true", help="list the watch-list candidates")
    p.add_argument(
        "--ledger", help="grade ledger (default: $GRAPH_GRADE_LEDGER or beside the store)"
    )
    p.add_argument("--no-ledger", action="store_true", help="do not record this run")
    p.add_argument(
        "--save",
        action="store_true",
        help="keep the grades in the store: what GET /v1/evaluation/grades and /summary page",
    )
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_grade)

    p = verb(
        sub,
        "sample",
        "double-random inspection draw (双随机、一公开) weighted by grade; seeded, recorded",
        "Draws entities of a region or industry by grade rates, assigns inspectors from the "
        "pool, and writes a record anyone can re-run with sample-verify. The demo's pool is "
        f"{DEMO}/inspectors.csv.",
        [
            f"sample --budget 200 --region 1301 --seed 7 --inspectors {DEMO}/inspectors.csv "
            "--out out/draw.json",
            f"sample --budget 50 --industry C --inspectors {DEMO}/inspectors.csv --json",
        ],
    )
    p.add_argument("--budget", type=int, required=True, help="inspections at most")
    p.add_argument("--region", help="population: region code prefix")
    p.add_argument("--industry", help="population: industry section (A-T)")
    p.add_argument(
        "--rates",
        type=_rates,
        help="per-grade rates, e.g. A=0.02,B=0.05,C=0.1,D=0.3 (default: catalogue/evaluation.yaml)",
    )
    p.add_argument("--seed", help="seed (default: 128 random bits, recorded)")
    p.add_argument("--inspectors", help="inspector pool CSV/YAML (default $GRAPH_INSPECTORS_FILE)")
    p.add_argument("--per-entity", type=int, default=None, help="inspectors per entity")
    p.add_argument("--on", type=iso_date, default=today(), help="grades as of (default today)")
    p.add_argument("--out", help="write the draw record here (default: beside the draw log)")
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sample)

    p = verb(
        sub,
        "sample-verify",
        "re-run a recorded draw and check it gives the recorded result (exit 1 if not)",
        "Needs only the record: the population, seed and pool are in it. With --store, also "
        "says whether the store still gives the same population.",
        ["sample-verify out/draw.json", "sample-verify out/draw.json --store data/demo.cgraph"],
    )
    p.add_argument("record", help="a draw record (.json), or the draw log (.jsonl)")
    p.add_argument("--draw-id", help="which draw of a .jsonl log (default: the last)")
    p.add_argument(
        "--store", default=None, help="also check the store still gives the same population"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sample_verify)

    p = verb(
        sub,
        "report",
        "credit report (信用报告) of an entity: JSON, HTML or PDF",
        "The entity, its records with their life cycle, its grade and grade history, and the "
        "restrictions in force on the date.",
        [
            "report 913703022707761163 --on 2024-06-01 --format pdf --out out/report.pdf",
            "report 913703022707761163 --on 2024-06-01 --json",
        ],
    )
    p.add_argument("uscc")
    p.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    p.add_argument("--format", choices=["json", "html", "pdf"], default="json")
    p.add_argument("--out", help="output file (default: out/credit-report-USCC-DATE.FORMAT)")
    add_store(p)
    p.add_argument("--json", action="store_true", help="the JSON report on stdout")
    p.set_defaults(func=cmd_report)

    p = verb(
        sub,
        "deadlines",
        "publication within 7 working days (clause 十五): due and overdue per authority",
        "Counts records by authority: due (deadline ahead), overdue (not published, deadline "
        "past), published on time or late. Working days follow the Chinese calendar.",
        [
            "deadlines --on 2024-10-15 --store data/demo.cgraph",
            "deadlines --on 2024-10-15 --region 13 --json",
        ],
    )
    p.add_argument("--on", type=iso_date, default=today(), help="as of (default: today)")
    p.add_argument("--authority", help="only this authority")
    p.add_argument("--since", type=iso_date, help="only decisions on or after this date")
    p.add_argument("--region", help="only records decided in regions starting with this code")
    p.add_argument("--top", type=int, default=20, help="authorities shown (default 20)")
    p.add_argument("--all", action="store_true", help="show every authority with one due")
    add_store(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_deadlines)
