"""Run ``python -m MODULE ARGS…`` and write this process's peak RSS (KiB) to $PEAK_FILE at
exit, so a benchmark measures each phase's own peak memory."""

from __future__ import annotations

import atexit
import os
import resource
import runpy
import sys
from pathlib import Path


def _write_peak() -> None:
    Path(os.environ["PEAK_FILE"]).write_text(
        str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), encoding="utf-8"
    )


if __name__ == "__main__":
    atexit.register(_write_peak)
    module, sys.argv = sys.argv[2], [sys.argv[2], *sys.argv[3:]]  # argv: peak.py -m MODULE …
    runpy.run_module(module, run_name="__main__", alter_sys=True)
