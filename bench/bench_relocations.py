"""Relocation detection scored against the generator's truth.json: precision and recall per
pattern and level, how many flags rest on an advisory reach (an inferred controller, an office
taken between offence and decision), and the scan time, on the embedded store and/or Neo4j.

    python bench/bench_relocations.py --entities 100000 --seed 7
    python bench/bench_relocations.py --entities 100000 --store bolt://127.0.0.1:7687

Generates the registry into bench/out/ (reused when present), loads it into the store
(reused when the embedded file exists), detects flags as of the registry's end date at every
level, and prints a Markdown table to paste into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import OUT, machine, table, timed
from graph_service.engine.relocations import detect_relocations
from graph_service.ids.person_key import PersonKeyring
from graph_service.stores import open_store
from graph_service.synth import generate
from loaders.load import load_directory

SECRET = "bench-secret"
LEVELS = ("county", "city", "province")


def truth_keys(truth: dict[str, Any], ring: PersonKeyring, level: str) -> dict[str, set[Any]]:
    """The expected flags at ``level``, keyed like :func:`flag_keys`."""
    out: dict[str, set[Any]] = {"phoenix": set(), "migration": set(), "serial": set()}
    for c in truth["cases"]:
        if c["pattern"] not in out or level not in c.get("levels", []):
            continue
        if c["pattern"] == "phoenix":
            out["phoenix"].add((ring.key(c["person_id"]), c["to_uscc"], c["record_id"]))
        elif c["pattern"] == "migration":
            out["migration"].add((c["uscc"], c["record_id"]))
        else:
            out["serial"].add(ring.key(c["person_id"]))
    return out


def flag_keys(flags: list[Any]) -> dict[str, set[Any]]:
    """Detected flags, keyed like :func:`truth_keys`."""
    out: dict[str, set[Any]] = {"phoenix": set(), "migration": set(), "serial": set()}
    for f in flags:
        if f.pattern == "phoenix":
            out["phoenix"].add((f.person_key, f.uscc, f.record_ids[0]))
        elif f.pattern == "migration":
            out["migration"].add((f.uscc, f.record_ids[0]))
        else:
            out["serial"].add(f.person_key)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", default=None, help="embedded file or bolt:// URI")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    data = OUT / f"load-{args.entities}-{args.seed}"
    if not (data / "truth.json").exists():
        generate(data, entities=args.entities, seed=args.seed, progress=True)
    truth = json.loads((data / "truth.json").read_text(encoding="utf-8"))
    on = truth["end"]
    ring = PersonKeyring(SECRET)
    uri = args.store or str(OUT / f"load-{args.entities}-{args.seed}.graph")
    rows = []
    with open_store(uri) as store:
        if not store.counts().get("Entity"):
            _, load_s = timed(lambda: load_directory(data, store, ring, progress=True))
            print(f"loaded in {load_s:.1f} s")
        for level in LEVELS:
            flags, seconds = timed(lambda lv=level: detect_relocations(store, on, lv))  # type: ignore[misc]
            want, got = truth_keys(truth, ring, level), flag_keys(flags)
            for pattern in ("phoenix", "migration", "serial"):
                tp = len(want[pattern] & got[pattern])
                rows.append(
                    {
                        "store": store.backend,
                        "entities": args.entities,
                        "level": level,
                        "pattern": pattern,
                        "truth": len(want[pattern]),
                        "flagged": len(got[pattern]),
                        "advisory": sum(f.advisory for f in flags if f.pattern == pattern),
                        "precision": round(tp / len(got[pattern]), 4) if got[pattern] else 1.0,
                        "recall": round(tp / len(want[pattern]), 4) if want[pattern] else 1.0,
                        "scan_s": round(seconds, 2),
                    }
                )
                missed = sorted(want[pattern] - got[pattern])[:3]
                extra = sorted(got[pattern] - want[pattern])[:3]
                if missed or extra:
                    print(f"{level} {pattern}: missed {missed} extra {extra}", file=sys.stderr)
    print(f"\nMachine: {machine()}\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
