"""The grade ledger's lines, made column-wise, are what ``json.dumps`` writes for each change,
whatever the identifiers and scores hold, and a second run records only what changed."""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.engine.evaluation.ledger import GradeLedger

_ROWS = st.lists(
    st.tuples(
        st.one_of(st.from_regex(r"[0-9A-Z]{18}", fullmatch=True), st.text(max_size=6)),
        st.sampled_from("ABCD"),
        st.one_of(st.integers(-5, 100), st.floats(allow_nan=False, allow_infinity=False)),
    ),
    max_size=30,
    unique_by=lambda row: row[0],
)


def _changes(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").split("\n") if '"type": "change"' in line]


@given(first=_ROWS, regrade=st.lists(st.sampled_from("ABCD"), min_size=30, max_size=30))
@settings(max_examples=60, deadline=None)
def test_each_change_line_is_the_json_of_its_change(
    first: list[tuple[str, str, float]], regrade: list[str]
) -> None:
    table = pd.DataFrame(first, columns=["uscc", "grade", "score"])
    again = table.assign(grade=regrade[: len(table)])
    with TemporaryDirectory() as tmp:
        ledger = GradeLedger(Path(tmp) / "grades.jsonl")
        one = ledger.record(table, "2024-06-01", "v1")
        two = ledger.record(again, "2024-07-01", "v1")
        lines = _changes(ledger.path)
    expected = [
        {"uscc": u, "from": None, "to": g, "score": float(s), "run": one.run_id, "on": "2024-06-01"}
        for u, g, s in first
    ] + [
        {"uscc": u, "from": g, "to": n, "score": float(s), "run": two.run_id, "on": "2024-07-01"}
        for (u, g, s), n in zip(first, regrade, strict=False)
        if g != n
    ]
    assert (one.changes, one.first_graded, two.first_graded) == (len(first), len(first), 0)
    assert two.changes == len(expected) - len(first)
    assert lines == [
        json.dumps(
            {
                "type": "change",
                "run_id": e["run"],
                "on": e["on"],
                "uscc": e["uscc"],
                "from": e["from"],
                "to": e["to"],
                "score": e["score"],
            },
            ensure_ascii=False,
        )
        for e in expected
    ]
    moves = {f"{e['from'] or '-'}→{e['to']}" for e in expected[len(first) :]}
    assert set(two.transitions) == moves
