"""Restriction checks: single checks per second with p50/p99 latency, and batch screening
throughput, on the embedded store and/or Neo4j (issue 4).

    python bench/bench_checks.py --entities 100000 --store bench/out/load-100000-7.graph
    python bench/bench_checks.py --entities 100000 --store bolt://127.0.0.1:7687
    python bench/bench_checks.py --data /tmp/reg100k --store bolt://127.0.0.1:7711

Batch screening is ``RestrictionEngine.check_many`` over the first ``--batch`` questions: one
store read for the batch (on Neo4j one ``UNWIND`` query per 500 subjects). Rates are given per
wall second and per second of the process's own CPU time (the second is what two versions
compare by on a shared machine).

Subjects are drawn (seeded) from the registry's files: half entities, half persons, with the
listed entities and their officers over-sampled so that denials (with evidence) are measured
as well as allowed answers. The store must already hold the registry (bench_load.py or
bench_neo4j_load.py --keep).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, percentile, table
from graph_service.engine.restrictions import RestrictionEngine
from graph_service.ids.person_key import PersonKeyring
from graph_service.stores import open_store
from graph_service.stores.base import SubjectKind

# Edition-1 names (edition 2 takes them as aliases), so two versions can be compared.
ACTIONS = ["bid_tender", "air_travel", "serve_as_officer", "obtain_credit", "honours"]


def sample(
    data: Path, ring: PersonKeyring, n: int, seed: int
) -> list[tuple[SubjectKind, str, str]]:
    """``n`` (kind, key, action) questions drawn from the registry files."""
    rnd = random.Random(seed)
    with (data / "records.csv").open(encoding="utf-8") as fh:
        listed = [r["subject_id"] for r in csv.DictReader(fh) if r["subject_type"] == "entity"]
    listed_set = set(listed)
    officers, entities = [], []
    with (data / "roles.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            (officers if r["uscc"] in listed_set else entities).append((r["person_id"], r["uscc"]))
    out: list[tuple[SubjectKind, str, str]] = []
    for i in range(n):
        action = rnd.choice(ACTIONS)
        if i % 4 == 0:
            out.append(("entity", rnd.choice(listed), action))
        elif i % 4 == 1:
            out.append(("entity", rnd.choice(entities)[1], action))
        elif i % 4 == 2:
            out.append(("person", ring.key(rnd.choice(officers)[0]), action))
        else:
            out.append(("person", ring.key(rnd.choice(entities)[0]), action))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", required=True)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--on", default="2025-06-30")
    parser.add_argument(
        "--data", type=Path, help="the registry's files (default bench/out/load-ENTITIES-SEED)"
    )
    args = parser.parse_args()
    data = args.data or OUT / f"load-{args.entities}-{args.seed}"
    questions = sample(data, PersonKeyring("bench-secret"), args.checks, args.seed)
    with open_store(args.store) as store:
        engine = RestrictionEngine(store)
        engine.check(*questions[0], on=args.on)  # warm caches and connections
        latencies, denied = [], 0
        start, cpu = time.perf_counter(), time.process_time()
        for kind, key, action in questions:
            t0 = time.perf_counter()
            denied += not engine.check(kind, key, action, args.on).allowed
            latencies.append((time.perf_counter() - t0) * 1000)
        single_s, single_cpu = time.perf_counter() - start, time.process_time() - cpu
        batch = questions[: args.batch]
        t0, cpu = time.perf_counter(), time.process_time()
        engine.check_many(batch, args.on)
        batch_s, batch_cpu = time.perf_counter() - t0, time.process_time() - cpu
        backend = store.backend
    row = {
        "store": backend,
        "entities": args.entities,
        "checks": len(questions),
        "denied": denied,
        "checks_per_s": round(len(questions) / single_s),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "batch": len(batch),
        "batch_s": round(batch_s, 2),
        "batch_checks_per_s": round(len(batch) / batch_s),
        # Per second of this process's own CPU: what a shared, busy machine cannot blur.
        "cpu_checks_per_s": round(len(questions) / single_cpu),
        "cpu_batch_checks_per_s": round(len(batch) / batch_cpu),
    }
    print(f"\nMachine: {machine()}\n")
    print(table([row]))


if __name__ == "__main__":
    main()
