"""Validation rate: every contract file of a registry read and validated column-wise (the
loader's path: checks, normalisation, keyed and sealed person IDs, content hashes), against
the row-wise reference on the same rows, in the same run (issue 12).

    python bench/bench_validation.py --entities 1000000

Prints rows/s per file and in all (per second of wall time and per second of CPU time —
this process's and its validating workers' (``--validators``, default ``LOAD_VALIDATORS``):
on a shared machine the latter is the steadier figure), and the column-wise ÷ row-wise
speed-up (CPU time, the reference in this process alone).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, table
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.regions import current_regions, retired_regions
from graph_service.settings import get_settings
from graph_service.synth import generate
from loaders.columns import ChunkResult, FrameValidator
from loaders.contract import contract
from loaders.parallel import FileSpecKey, ValidationPool
from loaders.readers import Chunk, SourceFile, discover, header, read_chunks
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
    parser.add_argument(
        "--validators",
        type=int,
        default=get_settings().load_validators,
        help="worker processes validating chunks, as a load's (1: none)",
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
    pool = ValidationPool(ring, args.validators) if args.validators > 1 else None
    sources, _ = discover(data)
    results = []
    for src in sources:
        rowwise = RowValidator(contract()[src.kind], ring, header(src), src.path.name)
        columnwise = FrameValidator(rowwise)
        # The row-wise reference first, on its own (with workers, validation would go on
        # beside it and its time could not be taken out of the column-wise one).
        slow_rows = 0
        slow_cpu = 0.0
        for chunk in itertools.islice(read_chunks(src), args.rowwise_chunks):
            as_dicts = chunk.rows  # the row-wise path reads rows as dicts: not timed
            t_cpu = time.process_time()
            for row in as_dicts:
                rowwise.validate(row)
            slow_cpu += time.process_time() - t_cpu
            slow_rows += len(as_dicts)
        rows = 0
        start, start_cpu = time.perf_counter(), cpu_seconds()
        for chunk, result in validated(src, columnwise, pool):
            result.rows  # noqa: B018 (the rows as a load takes them: built when read)
            rows += len(chunk)
        fast_s = time.perf_counter() - start
        fast_cpu = cpu_seconds() - start_cpu
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
    if pool is not None:
        parent = time.process_time()
        workers = cpu_seconds() - parent
        print(f"CPU s (with setup): this process {parent:.2f}, workers {workers:.2f}")
        pool.close()
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


def validated(
    src: SourceFile, columnwise: FrameValidator, pool: ValidationPool | None
) -> Iterator[tuple[Chunk, ChunkResult]]:
    """The file's chunks with their verdicts, as a load gets them."""
    if pool is None:
        return ((chunk, columnwise.validate(chunk.frame)) for chunk in read_chunks(src))
    return pool.validated(FileSpecKey.of(columnwise.row, header(src)), read_chunks(src))


def cpu_seconds() -> float:
    """CPU seconds of this process and of its live children (the validating workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = 0.0
    for child in multiprocessing.active_children():
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        children += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return time.process_time() + children


if __name__ == "__main__":
    main()
