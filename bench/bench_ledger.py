"""The grade ledger's cost in a grading job (issue 13: the Neo4j grading job ≤ 60 s): a first
run that records every entity as a change, then a run where a tenth of the grades moved.

    python bench/bench_ledger.py --entities 1000000

Writes to a temporary directory; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, table
from graph_service.engine.evaluation.ledger import GradeLedger


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--entities", type=int, default=1_000_000, help="rows graded (default 1M)")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    n = args.entities
    grades = pd.DataFrame(
        {
            "uscc": [f"91130126T{i:08d}X" for i in range(n)],
            "grade": rng.choice(list("ABCD"), n),
            "score": rng.integers(0, 10_000, n) / 100,
        }
    )
    moved = grades.copy()
    moved.loc[::10, "grade"] = "A"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ledger = GradeLedger(Path(tmp) / "grades.jsonl")
        for name, frame, on in (
            ("first run", grades, "2026-06-30"),
            ("a tenth moved", moved, "2026-07-01"),
        ):
            started = time.perf_counter()
            summary = ledger.record(frame, on, "bench")
            seconds = time.perf_counter() - started
            rows.append(
                {"run": name, "entities": n, "changes": summary.changes, "s": round(seconds, 2)}
            )
    print(machine())
    print(table(rows))


if __name__ == "__main__":
    main()
