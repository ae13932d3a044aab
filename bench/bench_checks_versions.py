"""Checks per second of two versions of the code on the same stores, in the same run (issue 11:
edition 2 may be no slower than 0.8× of edition 1).

    python bench/bench_checks_versions.py --before 877b77d \\
        --store bench/out/load-100000-7.graph --store bolt://127.0.0.1:7690

The version ``--before`` is checked out (detached) under ``bench/out/rev-<rev>``; each round
runs ``bench/bench_checks.py`` of each version on each store in turn (before, after, before,
after…), so both see the same machine load; the CPU-time rate (the process's own CPU
seconds) is the one to compare on a shared machine, the wall rate is shown beside it.
 The questions are the same (same registry, seed and
edition-1 action names, which edition 2 takes as aliases). Prints a Markdown table with the
after/before ratio per store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, ROOT, machine, table


def checkout(rev: str) -> Path:
    """A detached worktree of ``rev`` under bench/out (made once)."""
    tree = OUT / f"rev-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True)
    return tree


def run(tree: Path, store: str, entities: int, checks: int) -> dict[str, str]:
    """One bench_checks run of the code in ``tree``: its result row."""
    out = subprocess.run(
        [
            sys.executable,
            "bench/bench_checks.py",
            "--entities",
            str(entities),
            "--store",
            store,
            "--checks",
            str(checks),
        ],
        cwd=tree,
        env=os.environ | {"PYTHONPATH": str(tree), "GRAPH_PERSON_KEY_SECRET": "bench-secret"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    values = [c.strip() for c in lines[-1].strip("|").split("|")]
    return dict(zip(head, values, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default="877b77d", help="the earlier version (a git rev)")
    parser.add_argument("--store", action="append", required=True)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    # Each version runs in its own tree: a store file is named absolutely.
    args.store = [s if "://" in s else str(Path(s).resolve()) for s in args.store]
    # The registry files the questions are drawn from are shared: both versions read OUT.
    before = checkout(args.before)
    (before / "bench" / "out").mkdir(parents=True, exist_ok=True)
    link = before / "bench" / "out" / f"load-{args.entities}-7"
    if not link.exists():
        link.symlink_to(OUT / f"load-{args.entities}-7")
    rows = []
    for store in args.store:
        seen: dict[str, list[dict[str, str]]] = {"before": [], "after": []}
        for _ in range(args.rounds):
            for name, tree in (("before", before), ("after", ROOT)):
                seen[name].append(run(tree, store, args.entities, args.checks))
        med = {
            name: statistics.median(float(r["checks_per_s"]) for r in runs)
            for name, runs in seen.items()
        }
        cpu = {
            name: statistics.median(float(r["cpu_checks_per_s"]) for r in runs)
            for name, runs in seen.items()
        }
        p99 = {
            name: statistics.median(float(r["p99_ms"]) for r in runs) for name, runs in seen.items()
        }
        batch = {
            name: statistics.median(float(r["batch_checks_per_s"]) for r in runs)
            for name, runs in seen.items()
        }
        rows.append(
            {
                "store": seen["after"][0]["store"],
                "entities": args.entities,
                "before checks/s": round(med["before"]),
                "after checks/s": round(med["after"]),
                "ratio": round(med["after"] / med["before"], 2),
                "before checks/cpu-s": round(cpu["before"]),
                "after checks/cpu-s": round(cpu["after"]),
                "cpu ratio": round(cpu["after"] / cpu["before"], 2),
                "before p99 ms": p99["before"],
                "after p99 ms": p99["after"],
                "before batch/s": round(batch["before"]),
                "after batch/s": round(batch["after"]),
                "batch ratio": round(batch["after"] / batch["before"], 2),
                "denied before/after": "/".join(seen[n][0]["denied"] for n in ("before", "after")),
            }
        )
    print(f"\nMachine: {machine()}; before = {args.before}, {args.rounds} rounds, medians\n")
    print(table(rows))


if __name__ == "__main__":
    main()
