"""Properties of the ownership and control algorithms on random holding graphs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.engine.control import control_on, effective_ownership

NODES = ["P:a", "P:b", "E:1", "E:2", "E:3", "E:4", "E:5"]


def edge(h: str, t: str, pct: float) -> dict[str, Any]:
    return {
        "holder_type": "person" if h.startswith("P:") else "entity",
        "holder_key": h[2:],
        "uscc": t[2:],
        "percent": pct,
        "start_date": "2010-01-01",
        "end_date": None,
    }


@st.composite
def acyclic_holdings(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Holdings that only point "down" the node list (no cycles), each entity ≤ 100 % held."""
    edges = []
    for j, target in enumerate(NODES):
        if not target.startswith("E:"):
            continue
        budget = 100.0
        for holder in NODES[:j]:
            if draw(st.booleans()) and budget > 1:
                pct = draw(st.floats(min_value=1, max_value=budget))
                budget -= pct
                edges.append(edge(holder, target, round(pct, 2)))
    return edges


def path_sum(edges: list[dict[str, Any]], src: str, dst: str) -> float:
    """Sum over all paths src→dst of the product of fractions (brute force, acyclic)."""
    if src == dst:
        return 1.0
    total = 0.0
    for e in edges:
        h = ("P:" if e["holder_type"] == "person" else "E:") + e["holder_key"]
        if h == src:
            total += e["percent"] / 100 * path_sum(edges, "E:" + e["uscc"], dst)
    return total


@settings(max_examples=60, deadline=None)
@given(acyclic_holdings())
def test_effective_ownership_equals_the_sum_over_all_paths(edges: list[dict[str, Any]]) -> None:
    eff = effective_ownership(edges, "2020-01-01")
    for src in NODES:
        for dst in NODES:
            if src != dst and dst.startswith("E:"):
                assert abs(eff.get((src, dst), 0.0) - path_sum(edges, src, dst)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(acyclic_holdings())
def test_control_means_more_than_half_held_by_the_root_and_what_it_controls(
    edges: list[dict[str, Any]],
) -> None:
    ctl = control_on("P:a", edges, "2020-01-01")
    block = {"P:a"} | set(ctl.controlled)
    for target in NODES:
        if not target.startswith("E:"):
            continue
        held = sum(
            e["percent"]
            for e in edges
            if "E:" + e["uscc"] == target
            and ("P:" if e["holder_type"] == "person" else "E:") + e["holder_key"] in block
            and ("P:" if e["holder_type"] == "person" else "E:") + e["holder_key"] != target
        )
        assert (target in ctl.controlled) == (held > 50)


def test_cross_holdings_converge_to_the_geometric_series() -> None:
    # P holds 50 % of A; A and B hold 30 % and 20 % of each other.
    edges = [edge("P:p", "E:A", 50), edge("E:A", "E:B", 30), edge("E:B", "E:A", 20)]
    eff = effective_ownership(edges, "2020-01-01")
    assert abs(eff[("P:p", "E:A")] - 0.5 / (1 - 0.06)) < 1e-12
    assert abs(eff[("P:p", "E:B")] - 0.5 / (1 - 0.06) * 0.3) < 1e-12
