"""The cost of auditing first (issue 16): appending N entries to the audit log, fsynced, alone
and with the (seq, hash) checkpoint kept in each store; and a person profile over the API
with the audit as the service writes it. Ratios are against the bare append in the same run.

    python -m bench.bench_audit --entries 300 [--neo4j bolt://127.0.0.1:7687]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import machine, percentile, table, timed
from graph_service.services.audit import AuditLog
from graph_service.stores import open_store
from graph_service.stores.base import GraphStore


def _appends(log: AuditLog, n: int) -> list[float]:
    times = []
    for i in range(n):
        _, seconds = timed(
            lambda i=i: log.append(
                user="bench", role="investigator", action="person.profile",
                what={"person_keys": [f"{i:032x}"]}, client="127.0.0.1",
            )
        )  # fmt: skip
        times.append(seconds * 1000)
    return times


def _row(name: str, times: list[float], base: float | None) -> dict[str, Any]:
    p50 = percentile(times, 50)
    return {
        "audit append": name,
        "entries": len(times),
        "p50 ms": f"{p50:.2f}",
        "p95 ms": f"{percentile(times, 95):.2f}",
        "× bare": f"{p50 / base:.1f}" if base else "1.0",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--neo4j", help="bolt:// URI of a server the bench may write to")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    rows = []
    bare = _appends(AuditLog(tmp / "bare.jsonl"), args.entries)
    base = percentile(bare, 50)
    rows.append(_row("fsynced, no checkpoint", bare, None))
    stores: list[tuple[str, Callable[[], GraphStore]]] = [
        ("+ checkpoint, embedded", lambda: open_store(str(tmp / "s.graph")))
    ]
    if args.neo4j:
        uri = args.neo4j
        stores.append(("+ checkpoint, neo4j", lambda: open_store(uri)))
    for name, opener in stores:
        store = opener()
        log = AuditLog(tmp / f"{name[-5:]}.jsonl", anchor=store.keep_audit_anchor)
        rows.append(_row(name, _appends(log, args.entries), base))
        store.close()
    print(machine())
    print(table(rows))


if __name__ == "__main__":
    main()
