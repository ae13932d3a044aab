"""Validation rate: every contract file of a registry read and validated column-wise (the
loader's path: checks, normalisation, keyed and sealed person IDs, content hashes), against
the row-wise reference on the same rows, in the same run (issue 12).

    python bench/bench_validation.py --entities 1000000

Prints rows/s per file and in all (per second of wall time and per second of the process's
CPU time: on a shared machine the latter is the steadier figure), and the column-wise ÷
row-wise speed-up (CPU time).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, table
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.regions import current_regions, retired_regions
from graph_service.synth import generate
from loaders.columns import FrameValidator
from loaders.contract import contract
from loaders.readers import discover, header, read_chunks
from loaders.validate import RowValidator

SECRET = "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rowwise-chunks", type=int, default=2, help="chunks per file the reference validates"
    )
    args = parser.parse_args()
    data = OUT / f"load-{args.entities}-{args.seed}"
    if not (data / "truth.json").exists():
        generate(data, entities=args.entities, seed=args.seed, progress=True)
    load_before = os.getloadavg()
    # The region tables are built once per process (≈ 1 s): timed apart, not as rows.
    t = time.process_time()
    current_regions(), retired_regions()
    print(f"region tables: {time.process_time() - t:.2f} s CPU, once per process", flush=True)
    ring = PersonKeyring(SECRET).memoised()  # as a load keys them
    sources, _ = discover(data)
    results = []
    for src in sources:
        rowwise = RowValidator(contract()[src.kind], ring, header(src), src.path.name)
        columnwise = FrameValidator(rowwise)
        rows = slow_rows = 0
        slow_s = slow_cpu = 0.0
        start, start_cpu = time.perf_counter(), time.process_time()
        for n, chunk in enumerate(read_chunks(src)):
            columnwise.validate(chunk.frame)
            rows += len(chunk)
            if n < args.rowwise_chunks:
                as_dicts = chunk.rows  # the row-wise path reads rows as dicts: not timed
                t, t_cpu = time.perf_counter(), time.process_time()
                for row in as_dicts:
                    rowwise.validate(row)
                slow_s += time.perf_counter() - t
                slow_cpu += time.process_time() - t_cpu
                slow_rows += len(as_dicts)
        fast_s = time.perf_counter() - start - slow_s
        fast_cpu = time.process_time() - start_cpu - slow_cpu
        results.append(
            {
                "file": src.path.name,
                "rows": rows,
                "columnwise_s": round(fast_s, 2),
                "columnwise_cpu_s": round(fast_cpu, 2),
                "columnwise_rows_per_s": round(rows / fast_s),
                "columnwise_rows_per_cpu_s": round(rows / fast_cpu),
                "rowwise_rows_per_cpu_s": round(slow_rows / slow_cpu) if slow_cpu else None,
                "speed_up": (
                    round((rows / fast_cpu) / (slow_rows / slow_cpu), 1) if slow_cpu else None
                ),
            }
        )
        print(json.dumps(results[-1]), flush=True)
    total_rows = sum(r["rows"] for r in results)
    total_s = sum(r["columnwise_s"] for r in results)
    total_cpu = sum(r["columnwise_cpu_s"] for r in results)
    results.append(
        {
            "file": "all",
            "rows": total_rows,
            "columnwise_s": round(total_s, 2),
            "columnwise_cpu_s": round(total_cpu, 2),
            "columnwise_rows_per_s": round(total_rows / total_s),
            "columnwise_rows_per_cpu_s": round(total_rows / total_cpu),
            "rowwise_rows_per_cpu_s": None,
            "speed_up": None,
        }
    )
    print(f"\nMachine: {machine()}; load average {load_before} before, {os.getloadavg()} after\n")
    print(table(results))


if __name__ == "__main__":
    main()
