"""Credit evaluation: one entity's evaluation, the grades of a population (a page, or in
aggregate, or a grading run of every entity), credit reports, grade history and publication
deadlines."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from graph_service.engine.evaluation import (
    Evaluation,
    Evaluator,
    GradeLedger,
    credit_report,
    deadlines,
    grade_counts,
)
from graph_service.engine.evaluation.report import CreditReport
from graph_service.engine.evaluation.sampling import population
from graph_service.engine.subjects import parse_uscc
from graph_service.errors import NotFound
from graph_service.services.access import Access
from graph_service.services.jobs import grade_rows, keep_result, result_key
from graph_service.services.results import (
    Freshness,
    PageAsk,
    RowsPage,
    current_result,
    rows_page,
    tally_stats,
)
from graph_service.services.shaping import today
from graph_service.stores.base import GraphStore
from graph_service.stores.results import ResultFilter, ResultInfo, Tally, TallyBy

#: The columns of a watch-list candidate in a grading run's summary.
WATCH_COLUMNS = (
    "uscc",
    "name",
    "region_code",
    "score",
    "grade",
    "records",
    "network",
    "relocation",
)


def evaluate_entity(store: GraphStore, access: Access, uscc: str, on: str | None) -> Evaluation:
    """Score (0–100), grade and every part of the entity's evaluation on ``on`` (default
    today); audited when related persons or relocation flags of persons show."""
    found = Evaluator(store).evaluate(parse_uscc(uscc), on or today())
    persons = sorted({c.sid[2:] for c in found.network if c.sid.startswith("P:")})
    if persons or any(f.person_name for f in found.relocation):
        access.log("evaluation.entity", {"uscc": found.uscc, "person_keys": persons})
    return found


def grade_history(store: GraphStore, uscc: str, ledger: GradeLedger) -> list[dict[str, Any]]:
    """Every recorded change of the entity's grade, oldest first."""
    code = parse_uscc(uscc)
    if store.entity(code) is None:
        raise NotFound(f"未找到市场主体：{code}", f"no entity {code} in the store")
    return ledger.history(code)


@dataclass(slots=True)
class GradeRun:
    """A grading run of every entity: its summary, the rows of the region and industry
    asked, their watch-list candidates, and the stored result it was kept as (if asked)."""

    summary: dict[str, Any]
    table: pd.DataFrame
    watch: list[dict[str, Any]]
    saved: ResultInfo | None


def grade_all(
    store: GraphStore,
    on: str,
    *,
    region: str,
    industry: str,
    keep: bool,
    ledger: GradeLedger | None,
) -> GradeRun:
    """Grade every entity on ``on`` now (a nationwide pass, run in the caller's process):
    kept whole as the stored result the API pages when ``keep``; the entities of ``region``
    and ``industry`` (prefixes; empty: all) counted per grade (the active ones), with their
    watch-list candidates, and recorded in the grade history ``ledger`` when one is given.
    Counts and entities only: no person is named."""
    evaluator = Evaluator(store)
    start = time.perf_counter()
    token = store.change_token()  # before the pass: a load during it makes it stale
    table = evaluator.evaluate_all(on)
    seconds = time.perf_counter() - start
    saved = None
    if keep:
        saved = keep_result(store, result_key("grades", on), token, grade_rows(table))
    if region or industry:
        keep_uscc = {m[0] for m in population(table, region, industry, active_only=False)}
        table = table[table["uscc"].isin(keep_uscc)].reset_index(drop=True)
    watch = table[table["watch_candidate"] & table["active"]]
    summary: dict[str, Any] = {
        "on": on,
        "config_version": evaluator.cfg.version,
        "entities": len(table),
        "active": int(table["active"].sum()),
        "by_grade": grade_counts(table[table["active"]]),
        "watch_candidates": len(watch),
        "seconds": round(seconds, 2),
    }
    if ledger is not None:
        run = ledger.record(table, on, evaluator.cfg.version)
        summary["ledger"] = {"path": str(ledger.path)} | run.to_dict()
    candidates = [
        {str(k): v for k, v in row.items()}
        for row in watch[list(WATCH_COLUMNS)].to_dict(orient="records")
    ]
    return GradeRun(summary=summary, table=table, watch=candidates, saved=saved)


def grades(
    store: GraphStore,
    on: str | None,
    region: str,
    industry: str,
    grade: str | None,
    watch: bool,
    limit: int,
    offset: int,
    *,
    freshness: Freshness = "stored",
) -> RowsPage:
    """A page of the active entities of a region and industry with score, parts and grade
    (only ``grade``'s, only watch-list candidates if ``watch``), worst score first, from the
    stored grading of ``on`` (default today); ``result`` says which run and if it is stale
    (sent as a :class:`~graph_service.services.models.GradePage`)."""
    ask = grades_ask(on, region, industry, grade, watch, limit, offset)
    return rows_page(store, ask, freshness=freshness)


def grades_ask(
    on: str | None,
    region: str,
    industry: str,
    grade: str | None,
    watch: bool,
    limit: int,
    offset: int,
) -> PageAsk:
    """What a page of :func:`grades` reads (the API awaits it: ``rows_page_awaited``)."""
    where = ResultFilter(
        region=region, industry=industry, grade=grade or "", watch=watch, active=True
    )
    return PageAsk(result_key("grades", on or today()), where, offset, limit)


def summary(
    store: GraphStore,
    on: str | None,
    region: str,
    industry: str,
    by: TallyBy | None,
    *,
    freshness: Freshness = "stored",
) -> dict[str, Any]:
    """Active entities per grade, mean score and watch-list candidates, overall and per
    ``by`` (province, city or industry), from the stored grading of ``on`` (default today).
    Counts only: no entity is named."""
    day = on or today()
    key = result_key("grades", day)
    header = current_result(store, key, freshness)
    where = ResultFilter(region=region, industry=industry, active=True)
    out: dict[str, Any] = {"on": day, "region": region, "industry": industry}
    out |= tally_stats(store.result_tally(key, where))
    if by:
        groups: dict[str, list[Tally]] = {}
        for t in store.result_tally(key, where, by):
            groups.setdefault(t.group, []).append(t)
        out["groups"] = {g: tally_stats(ts) for g, ts in sorted(groups.items())}
    return out | {"result": header}


def report(
    store: GraphStore,
    access: Access,
    uscc: str,
    on: str | None,
    *,
    ledger: GradeLedger | None,
    format: str,
) -> CreditReport:
    """The entity's credit report on ``on`` (default today); audited with the format it is
    sent in and the persons it names."""
    code = parse_uscc(uscc)
    rep = credit_report(store, code, on or today(), ledger=ledger)
    access.log("report", {"uscc": code, "format": format, "person_keys": rep.person_keys})
    return rep


def publication_deadlines(
    store: GraphStore,
    access: Access,
    on: str | None,
    authority: str | None,
    since: str | None,
    region: str,
) -> dict[str, Any]:
    """Per authority, records due and overdue for publication on ``on`` (default today).
    Analysts see no person's key (a person's records are not theirs: counts stay); others
    are audited for the persons listed."""
    out = deadlines(store, on or today(), authority=authority, since=since, region=region)
    items = [
        i
        for a in out["authorities"]
        for i in (*a["due"], *a["overdue"])
        if i.get("subject_type") == "person"
    ] + [i for i in out["undetermined"] if i.get("subject_type") == "person"]
    if access.principal.role == "analyst":
        for i in items:
            i.pop("subject_key", None)
    elif items:
        persons = sorted({str(i["subject_key"]) for i in items if i.get("subject_key")})
        access.log("publication.deadlines", {"person_keys": persons})
    return out
