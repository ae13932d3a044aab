"""Every command of the README's bash blocks runs as written, and exits 0, against a fresh
demo made by ``scripts/demo --no-serve`` (the ids in the README are the demo registry's), and
writes nothing outside ``data/`` and ``out/``.

The demo is the README's own (20,000 entities, seed 42: a smaller one would hold other ids;
it is generated and loaded in about ten seconds), made in a temporary folder with this
interpreter (``DEMO_INSTALL=0``). The lines run there one at a time, after the block's
``. .venv/bin/activate`` and ``export`` lines; ``.venv`` there is this interpreter's
environment. ``serve`` runs until it answers on its port, then is stopped. The install
commands (``scripts/demo``, ``scripts/test``) are not rerun: the suite runs inside them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.support import free_port

pytestmark = pytest.mark.slow  # the 20,000-entity demo

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.M | re.S)
#: Lines that set up the shell for the lines after them.
SETUP = re.compile(r"^(\. |source |export )")
#: The harness's own files in the work folder; everything else must be under data/ or out/.
HARNESS = {".venv", "bin"}


def commands() -> list[str]:
    """Every line of the README's bash blocks, comments removed, in order."""
    out = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            text = line.split("  #", 1)[0].strip()
            if text and not text.startswith("#"):
                out.append(text)
    return out


EXAMPLES = [c for c in commands() if not SETUP.match(c) and not c.startswith("scripts/")]
PRELUDE = "; ".join(c for c in commands() if SETUP.match(c))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A work folder with the demo (``data/``), ``.venv`` (this interpreter's environment)
    and ``bin/python3`` first on PATH, as after ``scripts/demo --no-serve``."""
    work = tmp_path_factory.mktemp("readme")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    for name in ("python", "python3"):
        (bin_dir / name).symlink_to(sys.executable)
    if sys.prefix != sys.base_prefix:
        (work / ".venv").symlink_to(sys.prefix)
    else:
        subprocess.run(
            [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", ".venv"],
            cwd=work,
            check=True,
        )
    env = _env(work) | {"DEMO_INSTALL": "0", "DEMO_WORKDIR": str(work)}
    subprocess.run([str(ROOT / "scripts" / "demo"), "--no-serve"], env=env, check=True)
    yield work


def _env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_")}
    env["PATH"] = f"{work / 'bin'}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _serve(command: str, work: Path) -> None:
    """Run a ``serve`` line until it answers on its port (a free one if the README's is
    taken on this machine), then stop it."""
    found = re.search(r"--port (\d+)", command)
    assert found, command
    port = int(found.group(1))
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
    except OSError:
        pass  # free, as on a fresh machine
    else:
        command = command.replace(f"--port {port}", f"--port {(port := free_port())}")
    url = f"http://127.0.0.1:{port}/docs"
    proc = subprocess.Popen(["bash", "-c", f"{PRELUDE}; exec {command}"], cwd=work, env=_env(work))
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"{command} exited with {proc.returncode}"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    return
            except OSError:
                assert time.monotonic() < deadline, f"{command} did not answer on {url}"
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("command", EXAMPLES)
def test_readme_example_runs_as_written(command: str, demo: Path) -> None:
    if " serve " in f" {command} ":
        _serve(command, demo)
    else:
        done = subprocess.run(
            ["bash", "-c", f"{PRELUDE}; {command}"],
            cwd=demo,
            env=_env(demo),
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    stray = {p.name for p in demo.iterdir()} - HARNESS - {"data", "out"}
    assert not stray, f"{command} wrote outside data/ and out/: {sorted(stray)}"


def test_readme_has_the_examples_this_test_runs() -> None:
    verbs = {shlex.split(c)[3] for c in EXAMPLES if c.startswith("python -m graph_service ")}
    assert {"check", "sample", "sample-verify", "report", "export", "serve"} <= verbs
    assert PRELUDE.startswith(". .venv/bin/activate")
