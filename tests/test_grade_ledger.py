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
from graph_service.engine.evaluation.ledger_snapshot import snapshot_path

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


@given(
    cents=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=40),
    zero=st.sampled_from([0.0, -0.0]),
)
def test_scores_in_whole_cents_are_written_as_repr_writes_them(
    cents: list[int], zero: float
) -> None:
    scores = [k / 100 for k in cents]
    table = pd.DataFrame(
        {"uscc": [f"U{i}" for i in range(len(scores) + 1)], "grade": "A", "score": [*scores, zero]}
    )
    with TemporaryDirectory() as tmp:
        ledger = GradeLedger(Path(tmp) / "grades.jsonl")
        ledger.record(table, "2024-06-01", "v1")
        written = [json.loads(line)["score"] for line in _changes(ledger.path)]
        texts = [line.rsplit('"score": ', 1)[1][:-1] for line in _changes(ledger.path)]
    assert texts == [repr(s) for s in [*scores, zero]]
    assert written == [*scores, zero]


def _reference_history(path: Path, uscc: str) -> list[dict[str, object]]:
    """An entity's history read the plain way: every complete line decoded."""
    runs: dict[str, dict[str, object]] = {}
    out: list[dict[str, object]] = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("type") == "run":
            runs[entry["run_id"]] = entry
        elif entry.get("type") == "change" and entry.get("uscc") == uscc:
            run = runs.get(entry["run_id"], {})
            out.append(
                {k: entry[k] for k in ("run_id", "on", "from", "to", "score")}
                | {"at": run.get("at"), "config_version": run.get("config_version")}
            )
    return out


@given(
    runs=st.lists(
        st.lists(st.sampled_from("ABCD"), min_size=4, max_size=4), min_size=1, max_size=4
    ),
    torn=st.binary(max_size=40),
)
@settings(max_examples=40, deadline=None)
def test_an_entitys_history_is_every_complete_line_that_names_it(
    runs: list[list[str]], torn: bytes
) -> None:
    usccs = ["91110000100000000A", 'he said "hi"', "名称\n换行", "9111000010000000"]
    with TemporaryDirectory() as tmp:
        ledger = GradeLedger(Path(tmp) / "grades.jsonl")
        for n, grades in enumerate(runs):
            table = pd.DataFrame({"uscc": usccs, "grade": grades, "score": 50.5})
            ledger.record(table, f"2024-0{n + 1}-01", "v1")
            with ledger.path.open("ab") as fh:  # a crash cut a line short, then runs went on
                fh.write(torn)
        for uscc in usccs:
            assert ledger.history(uscc) == _reference_history(ledger.path, uscc)
        assert ledger.history(usccs[0])[0]["from"] is None


def test_a_run_reads_the_last_grades_from_the_snapshot_and_the_lines_after_it(
    tmp_path: Path,
) -> None:
    ledger = GradeLedger(tmp_path / "grades.jsonl")
    first = pd.DataFrame({"uscc": ["A1", "B2", "C3"], "grade": ["A", "B", "C"], "score": 1.0})
    ledger.record(first, "2024-06-01", "v1")
    snapshot = snapshot_path(ledger.path)
    assert snapshot.exists()
    kept = snapshot.read_bytes()
    # another writer appended a run and crashed before it kept the snapshot
    second = first.assign(grade=["D", "B", "C"])
    ledger.record(second, "2024-07-01", "v1")
    snapshot.write_bytes(kept)
    assert ledger.last_grades().to_dict() == {"A1": "D", "B2": "B", "C3": "C"}
    third = ledger.record(second.assign(grade=["D", "A", "C"]), "2024-08-01", "v1")
    assert (third.changes, third.transitions) == (1, {"B→A": 1})


def test_a_snapshot_of_another_ledger_is_not_trusted(tmp_path: Path) -> None:
    ledger = GradeLedger(tmp_path / "grades.jsonl")
    table = pd.DataFrame({"uscc": ["A1", "B2"], "grade": ["A", "B"], "score": 1.0})
    ledger.record(table, "2024-06-01", "v1")
    ledger.record(table.assign(grade=["C", "C"]), "2024-07-01", "v1")
    kept = snapshot_path(ledger.path).read_bytes()
    # the ledger is restored from a backup of its first run only; the snapshot is newer
    lines = ledger.path.read_bytes().split(b"\n")
    ledger.path.write_bytes(b"\n".join(lines[:3]) + b"\n")
    snapshot_path(ledger.path).write_bytes(kept)
    assert ledger.last_grades().to_dict() == {"A1": "A", "B2": "B"}
    snapshot_path(ledger.path).write_bytes(b"not parquet")
    assert ledger.last_grades().to_dict() == {"A1": "A", "B2": "B"}
