"""Export benchmark (issue 15): ``export`` of a store to every format, wall seconds and the
child's own peak RSS, beside opening the store alone (``info``) — the export's share is the
difference. ``--baseline DIR`` also runs another checkout of the project (e.g. the commit
before streaming, via ``git archive``) in the same run, alternating, for ratios.

    python bench/bench_export.py --store data/demo.graph [--baseline /tmp/old] [--repeat 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench.common import machine, run_child, table


def _run(store: str, formats: str, code: Path | None) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        env = {"PYTHONPATH": str(code)} if code else None
        argv = ["-m", "graph_service", "export", "--store", store, "--out", str(out), "--quiet"]
        return run_child([*argv, "--formats", formats] if formats else argv, env=env)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    """Print a results table (Markdown) and the machine line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", required=True)
    ap.add_argument("--formats", default="", help="default: every format")
    ap.add_argument("--baseline", type=Path, help="another checkout to compare with")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    rows = []
    for i in range(args.repeat):
        versions = [("this", None)] + ([("baseline", args.baseline)] if args.baseline else [])
        for name, code in versions:
            wall, peak = _run(args.store, args.formats, code)
            rows.append(
                {"run": i + 1, "code": name, "export s": f"{wall:.1f}", "peak MiB": f"{peak:.0f}"}
            )
        wall, peak = run_child(["-m", "graph_service", "info", "--store", args.store])
        rows.append(
            {
                "run": i + 1,
                "code": "open only (info)",
                "export s": f"{wall:.1f}",
                "peak MiB": f"{peak:.0f}",
            }
        )
    print(table(rows))
    print(machine())


if __name__ == "__main__":
    main()
