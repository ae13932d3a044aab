"""Stored results after a load (issue 13: "incremental recompute after loading 1,000 changed
rows ≤ 5 s"): the refresh of the grades, relocations and notices results against the full
jobs, in the same run, on an embedded store.

    python -m graph_service synth --entities 100000 --seed 7 --out DATA
    python -m graph_service load DATA --store STORE.graph
    python bench/bench_refresh.py --data DATA --store STORE.graph --on 2026-06-30

Works on a copy of ``--store`` (the original is left as it is): runs the three jobs for
``--on`` (timed: the full passes), writes ``--changed`` changed rows taken from the registry's
own files into a directory (``--out``; a quarter each of ended offices, changed holdings,
repaired records and renamed entities, as the data contract has them), loads them, and
times ``refresh_after_load`` — then runs each job again from scratch (timed) and checks the
refreshed results equal them row for row. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, table, timed
from graph_service.cli.common import person_keyring
from graph_service.services.jobs import compute_rows, refresh_after_load, result_key, run_job
from graph_service.stores import open_store
from graph_service.stores.results import ResultFilter, ResultKind
from loaders.load import load_directory

KINDS: tuple[ResultKind, ...] = ("relocations", "grades", "notices")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def changed_rows(data: Path, out: Path, n: int, on: str, seed: int = 7) -> dict[str, int]:
    """Write ``n`` changed rows of the registry in ``data`` to ``out``: offices ended the day
    before ``on``, holdings at a new percent, records repaired on ``on``'s eve, entities
    renamed. Returns the rows per file."""
    rng = random.Random(seed)
    eve = f"{int(on[:4]) - 1}{on[4:]}"
    share = n // 4
    roles = [r for r in _rows(data / "roles.csv") if not r["end_date"] and r["start_date"] < eve]
    holdings = _rows(data / "shareholdings.csv")
    records = [
        r
        for r in _rows(data / "records.csv")
        if r["status"] in ("", "active") and r["decided_on"] < eve
    ]
    entities = _rows(data / "entities.csv")
    files = {
        "roles": [r | {"end_date": eve} for r in rng.sample(roles, share)],
        "shareholdings": [
            h | {"percent": str(rng.choice((5, 20, 51, 90)))} for h in rng.sample(holdings, share)
        ],
        "records": [
            r | {"status": "repaired", "status_on": eve} for r in rng.sample(records, share)
        ],
        "entities": [
            e | {"name": e["name"] + "（更名）"} for e in rng.sample(entities, n - 3 * share)
        ],
    }
    shutil.rmtree(out, ignore_errors=True)
    for name, rows in files.items():
        _write(out / f"{name}.csv", rows)
    return {name: len(rows) for name, rows in files.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="the registry's directory")
    parser.add_argument(
        "--store", type=Path, required=True, help="embedded store it was loaded into"
    )
    parser.add_argument("--on", default="2026-06-30", help="the results' as-of date")
    parser.add_argument("--changed", type=int, default=1000, help="changed rows to load")
    parser.add_argument("--out", type=Path, help="where the changed rows go (default: a temp dir)")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []

    def row(step: str, seconds: float, note: str = "") -> None:
        rows.append({"step": step, "seconds": round(seconds, 2), "note": note})
        print(f"{step}: {seconds:.2f} s {note}", file=sys.stderr)

    with tempfile.TemporaryDirectory(dir=args.store.parent) as tmp:
        work = Path(tmp) / args.store.name
        shutil.copy2(args.store, work)
        changed = args.out or Path(tmp) / "changed"
        counts = changed_rows(args.data, changed, args.changed, args.on)
        ring = person_keyring()
        with open_store(str(work)) as store:
            for kind in KINDS:
                info, seconds = timed(lambda k=kind: run_job(store, result_key(k, args.on)))
                row(f"{kind} job (full pass + store)", seconds, f"{info.rows:,} rows")
            before = store.change_token()
            report, seconds = timed(lambda: load_directory(changed, store, ring, progress=False))
            row(
                "load the changed rows",
                seconds,
                f"{counts}; {sum(f.updated for f in report.files)} updated, "
                f"{report.rejected} rejected",
            )
            infos, seconds = timed(lambda: refresh_after_load(store, report.touched, before))
            row(
                "**refresh every stored result**",
                seconds,
                ", ".join(f"{i.key.kind} {i.rows:,} rows" for i in infos),
            )
            for kind in KINDS:
                key = result_key(kind, args.on)
                full, seconds = timed(lambda k=key: compute_rows(store, k))
                same = list(store.result_rows(key, ResultFilter())) == full.records()
                row(f"{kind} full pass after the load", seconds, f"refreshed equal: {same}")

    print(f"\nMachine: {machine()}\n")
    print(f"Store: {args.store} (a copy); as of {args.on}; {args.changed:,} changed rows\n")
    print(table(rows))


if __name__ == "__main__":
    main()
