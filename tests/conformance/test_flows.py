"""Region flows: the matrix of flagged moves and its picture."""

from __future__ import annotations

from pathlib import Path

from graph_service.engine.flows import flow_matrix
from graph_service.engine.relocations import detect_relocations
from graph_service.rendering.plots import plot_flows
from graph_service.stores.base import GraphStore
from loaders.load import load_directory
from tests.conftest import RING
from tests.factories import Scenario


def test_flow_matrix_counts_moves_between_provinces(store: GraphStore, tmp_path: Path) -> None:
    s = Scenario()
    for i in range(2):
        x = s.entity(f"河北公司{i}", region="130126")
        p = s.person(f"人{i}")
        s.role(p, x, "legal_rep", "2015-01-01")
        s.record(x, "dishonest_judgment_debtor", "2020-05-20", ground="1")
        y = s.entity(f"广东公司{i}", region="440305")
        s.role(p, y, "legal_rep", "2021-01-01")
    m = s.entity("迁移公司", region="130126")
    s.record(m, "joint_punishment_list", "2020-05-20")
    s.moves(m, "130102", "2021-01-01")
    load_directory(s.write(tmp_path / "in"), store, RING, progress=False)
    flags = detect_relocations(store, "2024-01-01")
    matrix = flow_matrix(flags, "province")
    assert list(matrix.index) == ["130000 河北省", "440000 广东省"]
    assert int(matrix.loc["130000 河北省", "440000 广东省"]) == 2
    assert int(matrix.loc["130000 河北省", "130000 河北省"]) == 1  # moved within the province
    png = plot_flows(matrix, tmp_path / "flows.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
