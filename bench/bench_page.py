"""The investigator page's reads at national scale: a neighbourhood page with the engine's
colours, and a subject's panel (findings for every action, flags, relations as of a day).

    python bench/bench_page.py --store bench/out/load-100000-7.graph
    python bench/bench_page.py --store bolt://127.0.0.1:7687 --entities 100000

For each sampled entity (half with records — a quarter the most-listed, a quarter at random —
and half drawn at random) it times, in the same run: the store's neighbourhood read alone
(``limit=50``: ``store``), the page's neighbourhood (that read, the engine's answer for each
subject shown — at most 60 — and the records' state, drawn as vis-network data: ``page``), and
the panels of the entity (``panel_e``) and of one of its officers (``panel_p``); then full views
of 50 entities (the busiest counties: ``store_50``, ``page_50``). Ratios are to the store read.
The store must already hold the registry (bench_load.py or bench_neo4j_load.py --keep).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, percentile, table
from graph_service.ids.person_key import PersonKeyring
from graph_service.services import graph
from graph_service.services.access import Access, Principal
from graph_service.services.audit import AuditLog
from graph_service.stores import open_store


def sample(data: Path, ring: PersonKeyring, n: int, seed: int) -> list[tuple[str, str | None]]:
    """``n`` (entity id, an officer's person id or None): half entities with records, the
    busiest first, half at random."""
    rnd = random.Random(seed)
    with (data / "records.csv").open(encoding="utf-8") as fh:
        listed = Counter(
            r["subject_id"] for r in csv.DictReader(fh) if r["subject_type"] == "entity"
        )
    officers: dict[str, str] = {}
    with (data / "roles.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            officers.setdefault(r["uscc"], r["person_id"])
    with (data / "entities.csv").open(encoding="utf-8") as fh:
        everyone = [r["uscc"] for r in csv.DictReader(fh)]
    chosen = [u for u, _ in listed.most_common(n // 4)]
    chosen += rnd.sample(sorted(listed), n // 4)
    chosen += rnd.sample(everyone, n - len(chosen))
    return [("E:" + u, "P:" + ring.key(officers[u]) if u in officers else None) for u in chosen]


def regions(data: Path, n: int) -> list[str]:
    """The ``n`` counties where most entities are registered (views of 50 entities)."""
    with (data / "entities.csv").open(encoding="utf-8") as fh:
        counts = Counter(r["region_code"] for r in csv.DictReader(fh))
    return ["R:" + code for code, _ in counts.most_common(n)]


def timed(fn: Callable[[], Any], into: list[float]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    into.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", required=True)
    parser.add_argument("--subjects", type=int, default=200)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--on", default="2025-06-30")
    args = parser.parse_args()
    data = OUT / f"load-{args.entities}-{args.seed}"
    ring = PersonKeyring("bench-secret")
    subjects = sample(data, ring, args.subjects, args.seed)
    with tempfile.TemporaryDirectory() as tmp, open_store(args.store) as store:
        audit = AuditLog(Path(tmp) / "audit.jsonl", fsync=False)
        access = Access(Principal("bench", "investigator"), None, audit, ring)
        names = ("store", "page", "store_50", "page_50", "panel_e", "panel_p")
        times: dict[str, list[float]] = {k: [] for k in names}
        shown: list[int] = []

        def page(node: str) -> Any:
            return graph.neighbourhood(
                store, access, node, on=args.on, limit=50, offset=0, vis="zh"
            )

        page(subjects[0][0])  # warm caches and connections
        for entity, officer in subjects:
            view = timed(partial(store.neighbourhood, entity, on=args.on, limit=50), times["store"])
            shown.append(1 + len(view["neighbours"]))
            timed(partial(page, entity), times["page"])
            timed(partial(graph.subject_panel, store, access, entity, args.on), times["panel_e"])
            if officer:
                panel = partial(graph.subject_panel, store, access, officer, args.on)
                timed(panel, times["panel_p"])
        # full pages: the counties with most entities show 50 entities each
        for region in regions(data, args.regions):
            timed(partial(store.neighbourhood, region, on=args.on, limit=50), times["store_50"])
            timed(partial(page, region), times["page_50"])
        backend = store.backend
    versus = {"page": "store", "panel_e": "store", "panel_p": "store", "page_50": "store_50"}
    rows = [
        {
            "store": backend,
            "read": name,
            "n": len(v),
            "p50_ms": round(percentile(v, 50), 1),
            "p90_ms": round(percentile(v, 90), 1),
            "p99_ms": round(percentile(v, 99), 1),
            "max_ms": round(max(v), 1),
            "p50_vs_store_read": round(
                percentile(v, 50) / percentile(times[versus.get(name, name)], 50), 1
            ),
        }
        for name, v in times.items()
        if v
    ]
    print(
        f"\nMachine: {machine()}; {args.entities} entities; nodes shown per view: "
        f"mean {sum(shown) / len(shown):.1f}, max {max(shown)}\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()
