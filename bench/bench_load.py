"""Generation and load rates into the embedded store, with peak memory (issue 2).

    python bench/bench_load.py --sizes 100000 1000000

Each phase runs in its own child process so its peak memory is its own. Prints a Markdown
table to paste into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, run_child, table


def rows_in(directory: Path) -> int:
    """Data rows in the contract CSVs of ``directory``."""
    total = 0
    for f in directory.glob("*.csv"):
        with f.open("rb") as fh:
            total += sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b"")) - 1
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        data = OUT / f"load-{n}-{args.seed}"
        graph = OUT / f"load-{n}-{args.seed}.graph"
        shutil.rmtree(data, ignore_errors=True)
        graph.unlink(missing_ok=True)
        gen_s, gen_mem = run_child(
            [
                "-m",
                "graph_service",
                "synth",
                "--entities",
                str(n),
                "--seed",
                str(args.seed),
                "--out",
                str(data),
                "--quiet",
            ]
        )
        rows = rows_in(data)
        env = {"GRAPH_PERSON_KEY_SECRET": "bench-secret"}
        load_s, load_mem = run_child(
            ["-m", "graph_service", "load", str(data), "--store", str(graph), "--quiet", "--json"],
            env=env,
        )
        reload_s, _ = run_child(
            ["-m", "graph_service", "load", str(data), "--store", str(graph), "--quiet", "--json"],
            env=env,
        )
        results.append(
            {
                "entities": n,
                "rows": rows,
                "generate_s": round(gen_s, 1),
                "generate_entities_per_s": round(n / gen_s),
                "generate_peak_mib": round(gen_mem),
                "load_s": round(load_s, 1),
                "load_rows_per_s": round(rows / load_s),
                "load_peak_mib": round(load_mem),
                "reload_unchanged_s": round(reload_s, 1),
                "store_file_mib": round(graph.stat().st_size / 2**20),
            }
        )
        print(json.dumps(results[-1]), flush=True)
    print(f"\nMachine: {machine()}\n")
    print(table(results))


if __name__ == "__main__":
    main()
