"""Credit evaluation: one entity's evaluation, the grades of a population (a page, or in
aggregate), credit reports, grade history and publication deadlines."""

from __future__ import annotations

from collections.abc import Callable
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
from graph_service.services.shaping import today
from graph_service.stores.base import GraphStore

#: Every entity's grade on a day (the API keeps the table per store state).
GradeTable = Callable[[GraphStore, str], pd.DataFrame]


def all_grades(store: GraphStore, on: str) -> pd.DataFrame:
    """Every entity's grade on ``on``, computed now."""
    return Evaluator(store).evaluate_all(on)


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


def _population(table: pd.DataFrame, region: str, industry: str) -> pd.DataFrame:
    keep = {m[0] for m in population(table, region, industry)}
    return table[table["uscc"].isin(keep)]


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
    table_of: GradeTable = all_grades,
) -> dict[str, Any]:
    """A page of the active entities of a region and industry with score, parts and grade
    (only ``grade``'s, only watch-list candidates if ``watch``), worst score first."""
    table = _population(table_of(store, on or today()), region, industry)
    if grade:
        table = table[table["grade"] == grade]
    if watch:
        table = table[table["watch_candidate"]]
    table = table.sort_values(["score", "uscc"])
    items = table.iloc[offset : offset + limit].to_dict(orient="records")
    return {"items": items, "total": len(table), "offset": offset, "limit": limit}


def summary(
    store: GraphStore,
    on: str | None,
    region: str,
    industry: str,
    by: str | None,
    *,
    table_of: GradeTable = all_grades,
) -> dict[str, Any]:
    """Active entities per grade, mean score and watch-list candidates, overall and per
    ``by`` (province, city or industry). Counts only: no entity is named."""
    day = on or today()
    table = _population(table_of(store, day), region, industry)

    def stats(t: pd.DataFrame) -> dict[str, Any]:
        return {
            "entities": len(t),
            "by_grade": grade_counts(t),
            "mean_score": round(float(t["score"].mean()), 2) if len(t) else None,
            "watch_candidates": int(t["watch_candidate"].sum()),
        }

    out: dict[str, Any] = {"on": day, "region": region, "industry": industry} | stats(table)
    if by:
        if by == "industry":
            keys = table["industry"].fillna("")
        else:
            keys = table["region_code"].fillna("").str[: 2 if by == "province" else 4]
        out["groups"] = {str(k): stats(g) for k, g in table.groupby(keys, sort=True)}
    return out


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
