"""``python -m graph_service.synth --entities N --seed S --out DIR``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from graph_service.synth.generator import generate


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, generate, print the summary as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m graph_service.synth",
        description="Generate a synthetic national registry (contract CSV files + truth.json).",
    )
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.entities, args.seed, progress=not args.quiet)
    print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
