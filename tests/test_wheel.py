"""The built wheel works on its own: installed (not editable) into a fresh venv, run from a
folder outside the repository, ``credit-graph`` generates and loads a small registry and
answers a ``check`` as the source tree does, and its named Cypher comes from the wheel.

The wheel is built from a copy of the sources, offline (``--no-build-isolation --no-index``:
the running environment's setuptools). The fresh venv sees the dependencies through one path
line to the running environment's site-packages; a path line does not run that directory's
``.pth`` files, so the editable install of the source tree stays out of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from graph_service.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
#: What the wheel is built from (the rest of the repository is not shipped).
SOURCES = ("pyproject.toml", "README.md", "graph_service", "loaders", "queries")


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _build_wheel(tmp: Path) -> Path:
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                src / name,
                symlinks=True,  # graph_service/cypher stays a link to queries/
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src],
        tmp,
        dict(os.environ),
    )
    (wheel,) = dist.glob("credit_graph-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A venv with the wheel installed and this environment's site-packages on its path."""
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp, dict(os.environ))
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            tmp,
            dict(os.environ),
        ).strip()
    )
    ours = sysconfig.get_paths(vars={"base": sys.prefix, "platbase": sys.prefix})
    deps = dict.fromkeys([ours["purelib"], ours["platlib"]])  # one line each, in order
    (site / "credit_graph_deps.pth").write_text("".join(f"{d}\n" for d in deps))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python]
    _run([*pip, "install", "--no-deps", "--no-index", wheel], tmp, dict(os.environ))
    return venv


def test_the_wheel_installed_alone_runs_the_cli_and_answers_a_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = _build_wheel(tmp_path)
    shipped = {Path(n).name for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".cypher")}
    assert shipped == {p.name for p in (ROOT / "queries").glob("*.cypher")}

    venv = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "work"  # outside the repository: nothing found relative to the cwd
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_", "PYTHON"))}
    python, cli = venv / "bin" / "python", venv / "bin" / "credit-graph"

    where = _run([python, "-c", "import graph_service; print(graph_service.__file__)"], work, env)
    assert Path(where.strip()).is_relative_to(venv), where
    assert "MATCH" in _run(
        [python, "-c", "from graph_service.queries import cypher; print(cypher('counts'))"],
        work,
        env,
    )
    assert "check" in _run([cli, "--help"], work, env)

    _run([cli, "synth", "--entities", "500", "--seed", "7", "--out", "reg", "--quiet"], work, env)
    _run([cli, "load", "reg", "--store", "reg.cgraph", "--quiet", "--json"], work, env)
    uscc, day = _a_record_on_an_entity(work / "reg")
    ask = ["check", uscc, "bid_tender", "--on", day, "--store", str(work / "reg.cgraph")]
    installed = json.loads(_run([cli, *ask, "--json"], work, env))
    assert installed["subject"]["id"] == uscc
    assert installed["prohibitions"] or installed["considerations"] or installed["advisories"]
    assert main([*ask, "--json"]) == 0  # the source tree's answer on the same store
    assert installed == json.loads(capsys.readouterr().out)


def _a_record_on_an_entity(registry: Path) -> tuple[str, str]:
    """The USCC a procurement record names and the day it was decided: a check of
    ``bid_tender`` then has a finding."""
    import pandas as pd

    records = pd.read_csv(registry / "records.csv", dtype=str)
    chosen = records[
        (records["subject_type"] == "entity") & (records["kind"] == "procurement_dishonest")
    ]
    assert len(chosen), "the synthetic registry has no procurement record on an entity"
    return str(chosen["subject_id"].iloc[0]), str(chosen["decided_on"].iloc[0])
