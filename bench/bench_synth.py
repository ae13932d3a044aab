"""Throughput and peak memory of the synthetic registry generator.

Each size runs in a fresh interpreter, so its peak RSS is its own::

    python bench/bench_synth.py                      # 100,000 entities
    python bench/bench_synth.py --full               # 100,000 and 1,000,000
    python bench/bench_synth.py --sizes 10000 250000 --seed 7 --keep out/
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_one(entities: int, seed: int, out: Path) -> dict[str, object]:
    """Generate into ``out`` in this process; report time, rate, peak RSS and sizes."""
    from graph_service.synth import generate

    began = time.perf_counter()
    summary = generate(out, entities, seed, progress=False)
    wall = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kib = usage.ru_maxrss  # KiB on Linux
    size = sum(p.stat().st_size for p in out.iterdir())
    return {
        "entities": entities,
        "wall_s": round(wall, 2),
        # CPU seconds of the whole process: the figure to compare on a shared machine.
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "entities_per_s": round(entities / wall),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "output_mib": round(size / 2**20, 1),
        "rows": {
            "persons": summary.persons,
            "roles": summary.roles,
            "shareholdings": summary.shareholdings,
            "registrations": summary.registrations,
            "records": summary.records,
            "record_persons": summary.record_persons,
            "record_events": summary.record_events,
            "inspectors": summary.inspectors,
        },
        "cases": summary.cases,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--full", action="store_true", help="also run 1,000,000 entities")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", type=Path, help="write into DIR/<size> instead of a temp dir")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process mode
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one is not None:
        print(json.dumps(run_one(args.one, args.seed, args.out)))
        return 0

    sizes = list(dict.fromkeys([*args.sizes, *([1_000_000] if args.full else [])]))
    header = ("entities", 10), ("wall s", 8), ("CPU s", 8), ("entities/s", 11), ("peak RSS MiB", 13)
    print(" ".join(f"{name:>{width}}" for name, width in (*header, ("output MiB", 11))))
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
            out = args.keep / str(n) if args.keep else Path(tmp)
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed),
                 "--out", str(out)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
        r = json.loads(child.stdout)
        print(
            f"{r['entities']:>10,} {r['wall_s']:>8} {r['cpu_s']:>8} {r['entities_per_s']:>11,} "
            f"{r['peak_rss_mib']:>13} {r['output_mib']:>11}"
        )
        print(f"{'':>10} rows {r['rows']}  cases {r['cases']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
