"""``PROFILE`` plans of the hot read queries on a loaded Neo4j, as Markdown for
``docs/neo4j.md`` (issue 12): for each query, the operators with their rows and db hits, and
the totals, so a regression in a plan shows in review.

    python bench/profile_queries.py --uri bolt://127.0.0.1:7687 > plans.md

Each query runs once unprofiled first (plan cache, page cache), then once with ``PROFILE``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neo4j import GraphDatabase

from bench.common import ROOT, machine
from graph_service.queries import cypher

#: The queries a check, a profile page and a load ask most, with what they are given.
HOT: dict[str, str] = {
    "subject_material": "a check's raw material, batched: the listed entity, and its officer "
    "read with reach all and named",
    "node_by_sid": "a listed entity",
    "records_of": "a listed entity",
    "roles_of": "a listed entity",
    "holdings_up": "a listed entity",
    "holdings_down": "a person who holds",
    "registrations_of": "a listed entity's USCC",
    "missing_subjects": "1,000 subject ids (a load's reference check)",
    "neighbourhood": "a listed entity, as of a date",
    "search": "the first four characters of a name",
    "records_where": "every dishonest judgment debtor (nationwide passes)",
}


def params(name: str, sample: dict[str, Any]) -> dict[str, Any]:
    """The parameters ``name`` is profiled with."""
    entity, person = sample["entity_sid"], sample["person_sid"]
    return {
        "subject_material": {
            "subjects": [
                {"sid": entity, "reach": "none"},
                {"sid": person, "reach": "all"},
                {"sid": person, "reach": "named"},
            ]
        },
        "node_by_sid": {"sid": entity},
        "records_of": {"sids": [entity]},
        "roles_of": {"sids": [entity]},
        "holdings_up": {"sids": [entity]},
        "holdings_down": {"sids": [person]},
        "registrations_of": {"usccs": [sample["uscc"]]},
        "missing_subjects": {"sids": [entity] * 1000},
        "neighbourhood": {
            "sid": entity,
            "code": None,
            "record_id": None,
            "on": "2026-06-30",
            "offset": 0,
            "limit": 50,
        },
        "search": {"text": sample["text"], "offset": 0, "limit": 20},
        "records_where": {"kinds": ["dishonest_judgment_debtor"]},
    }[name]


def rows_of(plan: dict[str, Any], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """The plan's operators, depth first."""
    out = [(depth, plan)]
    for child in plan.get("children", []):
        out += rows_of(child, depth + 1)
    return out


def markdown(name: str, what: str, plan: dict[str, Any]) -> str:
    """One query's plan as a Markdown table."""
    ops = rows_of(plan)
    hits = sum(int(op.get("dbHits", 0)) for _, op in ops)
    lines = [
        f"### `{name}` — {what}",
        "",
        f"{hits:,} db hits in all, {int(plan.get('rows', 0)):,} rows returned.",
        "",
        "| operator | details | rows | db hits |",
        "|---|---|---|---|",
    ]
    for depth, op in ops:
        details = str(op.get("args", {}).get("Details", "")).replace("|", "\\|")
        if len(details) > 90:
            details = details[:87] + "…"
        indent = "&nbsp;&nbsp;" * depth
        operator = op["operatorType"].split("@")[0]
        lines.append(
            f"| {indent}{operator} | {details} | {int(op.get('rows', 0)):,} "
            f"| {int(op.get('dbHits', 0)):,} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--uri", default="bolt://127.0.0.1:7687")
    args = parser.parse_args()
    samples = (ROOT / "bench" / "cypher" / "profile_samples.cypher").read_text(encoding="utf-8")
    with GraphDatabase.driver(args.uri, auth=None) as driver, driver.session() as session:
        sample = session.run(samples).single()  # type: ignore[arg-type]
        if sample is None:
            sys.exit("no listed entity with an officer: load a registry first")
        print(f"Machine: {machine()}\n")
        for name, what in HOT.items():
            text, p = cypher(name), params(name, sample.data())
            session.run(text, p).consume()  # type: ignore[arg-type]
            result = session.run("PROFILE " + text, p)  # type: ignore[arg-type]
            list(result)  # the profile is complete once every row was read
            summary = result.consume()
            print(markdown(name, what, summary.profile or {}))


if __name__ == "__main__":
    main()
