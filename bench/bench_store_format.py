"""The two embedded formats side by side (issue 13 item 3): open time, resident memory after
open, and in-process check latency, each format in its own fresh process.

    python -m graph_service synth --entities 100000 --seed 42 --out DIR
    python -m graph_service load DIR --store DIR.graph
    python bench/bench_store_format.py --data DIR --store DIR.graph

The pickle store ``DIR.graph`` is migrated to ``DIR.cgraph`` first (unless that exists) with
:func:`~graph_service.stores.compact.migrate_pickle_store`. Person keys are made with the
process's secret (``GRAPH_PERSON_KEY_SECRET``, the demo one when unset), as the load made them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_checks import sample
from bench.common import machine, peak_rss_mib, percentile, table, timed
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.ids.person_key import PersonKeyring
from graph_service.settings import get_settings
from graph_service.stores import open_store
from graph_service.stores.compact import migrate_pickle_store


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident memory now, in MiB: all of it (``VmRSS``), or its own heap
    alone (``RssAnon``: without file pages mapped from the page cache, which the kernel may
    drop and share between processes)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(store_path: str, data: Path, checks: int, on: str) -> dict[str, object]:
    """Open the store, then run ``checks`` single checks: the figures of one format."""
    before, anon_before = rss_mib(), rss_mib("RssAnon")
    store, open_s = timed(lambda: open_store(store_path))
    after, anon_after = rss_mib(), rss_mib("RssAnon")
    ring = PersonKeyring(get_settings().graph_person_key_secret.get_secret_value())
    questions = sample(data, ring, checks, 7)
    engine = RestrictionEngine(store)
    engine.check(*questions[0], on=on)  # warm
    latencies, denied = [], 0
    for kind, key, action in questions:
        t0 = time.perf_counter()
        denied += not engine.check(kind, key, action, on).allowed
        latencies.append((time.perf_counter() - t0) * 1000)
    counts = store.counts()
    store.close()
    return {
        "format": "compact" if store_path.endswith(".cgraph") else "pickle",
        "nodes": sum(v for k, v in counts.items() if k[0].isupper() and not k.isupper()),
        "open_s": round(open_s, 2),
        "rss_after_open_mib": round(after - before),
        "anon_after_open_mib": round(anon_after - anon_before),
        "peak_mib": round(peak_rss_mib()),
        "checks": len(questions),
        "denied": denied,
        "p50_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "mean_ms": round(sum(latencies) / len(latencies), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the synthetic registry")
    parser.add_argument("--store", required=True, help="the pickle store it was loaded into")
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--on", default="2025-06-30")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.data, args.checks, args.on)))
        return
    compact = str(Path(args.store).with_suffix(".cgraph"))
    if not Path(compact).exists():
        _, seconds = timed(lambda: migrate_pickle_store(args.store, compact))
        print(f"migrated {args.store} -> {compact} in {seconds:.1f} s")
    rows = []
    common = ["--data", str(args.data), "--store", args.store, "--checks", str(args.checks)]
    for path in (args.store, compact):
        out = subprocess.run(
            [sys.executable, __file__, *common, "--on", args.on, "--child", path],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(f"\nMachine: {machine()}\n")
    print(table(rows))


if __name__ == "__main__":
    main()
