"""Debian's Chromium for the browser tests: where it is, how it is started, and the rule that a
missing browser skips the tests locally but fails them in CI (``CI`` set)."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: Headless, no sandbox (root in CI), and none of the background connections this closed
#: network refuses.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def playwright_or_skip() -> ModuleType:
    """``playwright.sync_api``, or skip the calling test module (fail in CI) when Chromium or
    Playwright is missing. Call at module level."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium fonts-noto-cjk")
        pytest.skip(
            f"{CHROMIUM} not installed (apt-get install -y chromium)", allow_module_level=True
        )
    return pytest.importorskip("playwright.sync_api")
