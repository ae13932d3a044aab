"""Ownership and control from shareholdings (shared/RULES.md "Ownership and control").

**Control.** X controls Y if X holds more than 50 % of Y directly, or X together with the
entities it controls holds more than 50 % of Y. The inferred actual controller of Y is the
person at the top of that control chain (guideline clause 十二: punishment reaches the actual
controller).

**Effective ownership** of X in Y is the sum, over all holding paths X→…→Y, of the product of
the fractions along the path, cross-holdings included: ``E = A + A·E``, i.e.
``E = (I − A)⁻¹ − I`` for the holding matrix ``A``. A beneficial owner (受益所有人) holds at
least 25 % effectively.

Example
-------
A person P holds 60 % of H; H holds 70 % of Y; P also holds 10 % of Y directly.
P controls H (60 > 50), so P with H holds 80 % of Y and controls Y: P is Y's inferred actual
controller. P's effective ownership of Y is 0.6 × 0.7 + 0.1 = 0.52.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from graph_service.engine.timeline import in_force
from graph_service.stores.base import GraphStore, sid
from graph_service.stores.base import holding_closure as holding_closure  # re-exported

BENEFICIAL_OWNER_THRESHOLD = 0.25


def holder_sid(edge: Mapping[str, Any]) -> str:
    """The subject id of a holding's holder."""
    return sid(edge["holder_type"], edge["holder_key"])


def target_sid(edge: Mapping[str, Any]) -> str:
    """The subject id of the entity a holding is in."""
    return sid("entity", edge["uscc"])


@dataclass(frozen=True, slots=True)
class Control:
    """What ``root`` controls on a date, and the holdings that make each control."""

    root: str
    controlled: frozenset[str]
    contributions: Mapping[str, tuple[dict[str, Any], ...]]

    def chain(self, target: str) -> list[dict[str, Any]]:
        """The holdings that carry control from the root down to ``target``, top first."""
        if target not in self.controlled:
            return []
        needed: list[dict[str, Any]] = []
        stack, seen = [target], {target}
        while stack:
            node = stack.pop()
            for e in self.contributions.get(node, ()):
                needed.append(e)
                h = holder_sid(e)
                if h != self.root and h not in seen:
                    seen.add(h)
                    stack.append(h)
        order = {n: i for i, n in enumerate(self._levels())}
        return sorted(needed, key=lambda e: (order.get(holder_sid(e), 0), target_sid(e)))

    def _levels(self) -> list[str]:
        g: Any = nx.DiGraph()
        g.add_node(self.root)
        for node, edges in self.contributions.items():
            for e in edges:
                g.add_edge(holder_sid(e), node)
        return [self.root, *[n for n in nx.bfs_tree(g, self.root) if n != self.root]]


def control_on(root: str, edges: Sequence[Mapping[str, Any]], d: str) -> Control:
    """What ``root`` controls on date ``d`` given the holding ``edges`` (a fixpoint: each
    newly controlled entity adds its holdings to the root's)."""
    live = [e for e in edges if in_force(e, d)]
    controlled: set[str] = set()
    contributions: dict[str, tuple[dict[str, Any], ...]] = {}
    while True:
        block = {root} | controlled
        totals: dict[str, float] = defaultdict(float)
        parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in live:
            tgt = target_sid(e)
            if holder_sid(e) in block and tgt not in block:
                totals[tgt] += float(e["percent"])
                parts[tgt].append(dict(e))
        newly = {t for t, pct in totals.items() if pct > 50.0}
        if not newly:
            break
        for t in newly:
            contributions[t] = tuple(parts[t])
        controlled |= newly
    return Control(root=root, controlled=frozenset(controlled), contributions=contributions)


def effective_ownership(edges: Sequence[Mapping[str, Any]], d: str) -> dict[tuple[str, str], float]:
    """Effective ownership ``{(holder, entity): fraction}`` over the holdings in force on ``d``.

    Solved per weakly connected component of the holding graph as ``(I − A)⁻¹ − I``
    (cycles included). Holdings into one entity sum to at most 100 %, and a cycle keeps less
    than 100 % in itself, so ``I − A`` is invertible.
    """
    live = [e for e in edges if in_force(e, d)]
    g: Any = nx.DiGraph()
    for e in live:
        h, t = holder_sid(e), target_sid(e)
        w = g.get_edge_data(h, t, {}).get("w", 0.0) + float(e["percent"]) / 100.0
        g.add_edge(h, t, w=w)
    out: dict[tuple[str, str], float] = {}
    for comp in nx.weakly_connected_components(g):
        nodes = sorted(comp)
        index = {n: i for i, n in enumerate(nodes)}
        a = np.zeros((len(nodes), len(nodes)))
        for h, t, w in g.subgraph(nodes).edges(data="w"):
            a[index[h], index[t]] = w
        e_mat = np.linalg.solve(np.eye(len(nodes)) - a, a)  # (I − A)⁻¹·A = (I − A)⁻¹ − I
        for i, h in enumerate(nodes):
            for j, t in enumerate(nodes):
                if i != j and e_mat[i, j] > 1e-12:
                    out[(h, t)] = float(e_mat[i, j])
    return out


def beneficial_owners(
    store: GraphStore, uscc: str, d: str, threshold: float = BENEFICIAL_OWNER_THRESHOLD
) -> list[dict[str, Any]]:
    """Persons holding at least ``threshold`` of ``uscc`` effectively on ``d``, largest first."""
    target = sid("entity", uscc)
    edges = holding_closure(store, [target], "up")
    eff = effective_ownership(edges, d)
    owners = [
        {"person_sid": h, "effective": round(f, 6)}
        for (h, t), f in eff.items()
        if t == target and h.startswith("P:") and f + 1e-9 >= threshold
    ]
    return sorted(owners, key=lambda o: (-o["effective"], o["person_sid"]))
