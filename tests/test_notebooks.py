"""The notebooks in ``notebooks/``: each runs top to bottom in a fresh kernel (nbclient) on
the registry it generates itself, and each is committed without outputs (as ``nbstripout``
leaves a notebook).

The notebooks run concurrently, one kernel each, in a module fixture (they wait on their
kernels more than they compute); each test then reports its own notebook's outcome.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

pytestmark = pytest.mark.slow  # notebooks run in a kernel

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
#: Notebooks that need a part of the service that may not be in every checkout yet.
NEEDS = {"04_grades_and_inspection": "graph_service.engine.evaluation"}


def _missing(path: Path) -> str | None:
    """The module a notebook needs that this checkout lacks, if any."""
    module = NEEDS.get(path.stem)
    return module if module and importlib.util.find_spec(module) is None else None


#: Seconds one cell may take.
CELL_TIMEOUT = 180
#: The stories the notebooks tell (issue 8), by file name.
STORIES = {
    "01_getting_started",
    "02_restrictions_and_evidence",
    "03_relocations_and_flows",
    "04_grades_and_inspection",
    "05_county_overview_130126",
}


async def _run(path: Path) -> Any:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        await client.async_execute()
    except CellExecutionError as exc:
        return exc
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every notebook executed (the notebook, or the error of the cell that failed). Kernels
    import this checkout's code (PYTHONPATH) and keep their temporary files in pytest's."""
    tmp = tmp_path_factory.mktemp("notebooks")
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "TMPDIR", "MPLBACKEND")}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), saved["PYTHONPATH"]) if p)
    os.environ["TMPDIR"] = str(tmp)
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend draws in the notebook

    runnable = [p for p in NOTEBOOKS if not _missing(p)]

    async def run_all() -> list[Any]:
        return list(await asyncio.gather(*(_run(p) for p in runnable)))

    try:
        results = asyncio.run(run_all())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {p.stem: r for p, r in zip(runnable, results, strict=True)}


def test_every_story_has_its_notebook() -> None:
    assert {p.stem for p in NOTEBOOKS} >= STORIES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, executed: dict[str, Any]) -> None:
    if _missing(path):
        pytest.skip(f"{path.name} needs {_missing(path)}, not in this checkout")
    outcome = executed[path.stem]
    if isinstance(outcome, Exception):
        pytest.fail(f"{path.name} failed:\n{outcome}")
    code = [c for c in outcome.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)  # every cell ran
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors


def _html_outputs(nb: Any) -> list[str]:
    return [
        o["data"]["text/html"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type in ("execute_result", "display_data") and "text/html" in o.get("data", {})
    ]


def test_notebooks_draw_graphs_inline(executed: dict[str, Any]) -> None:
    for name in ("01_getting_started", "05_county_overview_130126"):
        outcome = executed[name]
        assert not isinstance(outcome, Exception), name
        assert any("<iframe srcdoc=" in h and "vis.Network" in h for h in _html_outputs(outcome))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell keeps its outputs"
            assert cell.execution_count is None, f"{path.name}: a cell keeps its count"
        assert not {"execution", "collapsed", "scrolled"} & set(cell.metadata), path.name
    assert "widgets" not in nb.metadata, f"{path.name}: widget state is an output too"
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, path.name
