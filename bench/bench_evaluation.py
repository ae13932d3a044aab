"""Evaluating and grading a whole registry (clauses 六, 七): time per phase and peak memory,
on the store given by ``--store`` (an embedded file or a ``bolt://`` URI).

    python -m graph_service synth --entities 100000 --seed 7 --out bench/out/reg-100k
    python -m graph_service load bench/out/reg-100k --store bench/out/reg-100k.graph
    python bench/bench_evaluation.py --store bench/out/reg-100k.graph --on 2026-06-30
    python bench/bench_evaluation.py --store bolt://127.0.0.1:7687 --on 2026-06-30

Measures: opening the store; the nationwide pass (read, records, propagation, relocation scan,
grading) and its grade counts; recording the run in a grade ledger (a temporary file, first
run: every entity is new); one entity explained (p50/p95 over ``--sample`` entities); a credit
report as PDF; a 双随机 draw from the grades; the publication deadlines pass. Peak RSS is the
process's high-water mark after each step (the embedded store itself lives in it). Prints a
Markdown table for bench/RESULTS.md; ``--json`` writes the figures too.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, peak_rss_mib, table, timed
from graph_service.engine.evaluation import (
    Evaluator,
    GradeLedger,
    credit_report,
    deadlines,
    grade_counts,
    make_draw,
)
from graph_service.rendering.report import render_pdf
from graph_service.stores import open_store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", required=True, help="embedded store file or bolt:// URI")
    parser.add_argument("--on", default="2026-06-30", help="evaluate as of (YYYY-MM-DD)")
    parser.add_argument("--sample", type=int, default=200, help="entities explained one by one")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []

    def row(step: str, seconds: float, note: str = "") -> None:
        rows.append(
            {
                "step": step,
                "seconds": round(seconds, 3 if seconds < 1 else 2),
                "peak_rss_mib": round(peak_rss_mib()),
                "note": note,
            }
        )
        print(f"{step}: {seconds:.2f} s, peak {peak_rss_mib():.0f} MiB {note}", file=sys.stderr)

    rss_before = peak_rss_mib()
    store, seconds = timed(lambda: open_store(args.store))
    row("open store", seconds, store.backend)
    rss_open = peak_rss_mib()
    with store:
        evaluator = Evaluator(store)
        graded, seconds = timed(lambda: evaluator.evaluate_all(args.on))
        t = evaluator.timings
        counts = grade_counts(graded[graded["active"]])
        row(
            "evaluate and grade every entity",
            seconds,
            f"{len(graded):,} entities, {int(t['nodes']):,} nodes, "
            f"{int(t['relationships']):,} relationships in force; active by grade {counts}; "
            f"{int((graded['watch_candidate'] & graded['active']).sum()):,} watch-list candidates",
        )
        for phase in ("read", "records", "propagation", "relocations", "grading"):
            row(f"  · {phase}", t[phase])
        with tempfile.TemporaryDirectory() as tmp:
            ledger = GradeLedger(Path(tmp) / "grades.jsonl")
            summary, seconds = timed(lambda: ledger.record(graded, args.on, evaluator.cfg.version))
            row("record the run in the grade ledger", seconds, f"{summary.changes:,} lines")
        rng = random.Random(7)
        sample = rng.sample(list(graded["uscc"]), min(args.sample, len(graded)))
        times = []
        for uscc in sample:
            start = time.perf_counter()
            evaluator.evaluate(uscc, args.on)
            times.append(time.perf_counter() - start)
        times.sort()
        row(
            "explain one entity",
            statistics.median(times),
            f"p50 {statistics.median(times) * 1000:.1f} ms, "
            f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.1f} ms over {len(times)} entities",
        )
        worst = graded.sort_values("score").iloc[0]["uscc"]
        pdf, seconds = timed(lambda: render_pdf(credit_report(store, worst, args.on)))
        row("credit report as PDF (worst entity)", seconds, f"{len(pdf):,} bytes")
        pool = [
            {
                "inspector_id": f"I{i:04d}",
                "name": f"检查员{i}",
                "authority": "",
                "region_prefix": "",
            }
            for i in range(500)
        ]
        record, seconds = timed(
            lambda: make_draw(graded, args.on, budget=len(graded) // 20, seed="bench", pool=pool)
        )
        row(
            "双随机 draw from all active entities",
            seconds,
            f"{len(record['entities']):,} drawn of {record['population']['size']:,}",
        )
        due, seconds = timed(lambda: deadlines(store, args.on))
        row("publication deadlines pass", seconds, f"totals {due['totals']}")

    print(f"\nMachine: {machine()}\n")
    print(
        f"Store: {args.store} ({store.backend}); as of {args.on}; RSS before open "
        f"{rss_before:.0f} MiB, after open {rss_open:.0f} MiB\n"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"store": args.store, "on": args.on, "rows": rows}, ensure_ascii=False, indent=2
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
