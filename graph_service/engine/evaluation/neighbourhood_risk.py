"""Part 2 of the evaluation for one entity: its neighbourhood (the subjects within
``network.steps`` offices and holdings in force, read in batched rounds) and the risk of each
of them that reaches it, with a path (see :mod:`.scoring` and :mod:`.propagation`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from graph_service.catalogue import responsible_roles
from graph_service.engine.control import holder_sid, target_sid
from graph_service.engine.evaluation.config import EvaluationConfig
from graph_service.engine.evaluation.models import Contribution
from graph_service.engine.evaluation.propagation import build_network, contributions
from graph_service.engine.evaluation.record_scores import OwnRecords, rounded, seed
from graph_service.engine.evaluation.registry import relationship_weight
from graph_service.engine.models import Step
from graph_service.engine.restrictions import holding_step, role_step
from graph_service.engine.timeline import in_force
from graph_service.stores.base import GraphStore, sid


@dataclass(slots=True)
class Neighbourhood:
    """The subjects within ``steps`` relationships (in force, weighted) of a start, every
    relationship of each of them, and a shortest path back to the start for each."""

    start: str
    dist: dict[str, int]
    edges: list[tuple[str, str, float, tuple[str, dict[str, Any]]]]
    parent: dict[str, tuple[str, tuple[str, dict[str, Any]]]]
    names: dict[str, str]
    responsible_for: dict[str, list[str]]

    @property
    def nodes(self) -> list[str]:
        """Every subject found, the start first, in the order found."""
        return list(self.dist)

    def within(self, steps: int) -> list[str]:
        """The subjects at most ``steps`` relationships from the start."""
        return [s for s, d in self.dist.items() if d <= steps]

    def path(self, target: str) -> list[Step]:
        """A shortest path from the start to ``target``, as steps."""
        steps: list[Step] = []
        node = target
        while node != self.start and node in self.parent:
            prev, (rtype, props) = self.parent[node]
            steps.append(role_step(props) if rtype == "ROLE" else holding_step(props))
            node = prev
        return list(reversed(steps))

    @classmethod
    def fetch(cls, store: GraphStore, start: str, on: str, cfg: EvaluationConfig) -> Neighbourhood:
        """Batched reads, one round per distance: every office and holding of the subjects
        found so far (``steps`` + 1 rounds, so the degree of every subject a walk of
        ``steps`` can reach is complete)."""
        roles = responsible_roles()
        ball = cls(start, {start: 0}, [], {}, {}, defaultdict(list))
        seen: set[tuple[str, ...]] = set()
        frontier = [start]
        for depth in range(cfg.network.steps + 1):
            if not frontier:
                break
            found: list[tuple[str, str, str, dict[str, Any]]] = []
            for r in store.roles_of(frontier):
                a, b = sid("person", r["person_key"]), sid("entity", r["uscc"])
                ident: tuple[str, ...] = ("ROLE", a, b, r["role"], r["start_date"])
                if ident not in seen:
                    seen.add(ident)
                    found.append(("ROLE", a, b, r))
                    ball.names.setdefault(a, r.get("person_name") or "")
                    ball.names.setdefault(b, r.get("entity_name") or "")
                    if r["role"] in roles and b == start and in_force(r, on):
                        ball.responsible_for[a].append(b[2:])
            entities = [s for s in frontier if s.startswith("E:")]
            held = store.holdings_of(frontier, "down")
            held += store.holdings_of(entities, "up") if entities else []
            for h in held:
                a, b = holder_sid(h), target_sid(h)
                ident = ("HOLDS", a, b, h["start_date"])
                if ident not in seen:
                    seen.add(ident)
                    found.append(("HOLDS", a, b, h))
                    ball.names.setdefault(a, h.get("holder_name") or "")
                    ball.names.setdefault(b, h.get("entity_name") or "")
            nxt: list[str] = []
            for rtype, a, b, props in found:
                w = relationship_weight(rtype, props, on, cfg)
                if w <= 0:
                    continue
                ball.edges.append((a, b, w, (rtype, props)))
                for here, there in ((a, b), (b, a)):
                    if here in ball.dist and there not in ball.dist:
                        ball.dist[there] = depth + 1
                        ball.parent[there] = (here, (rtype, props))
                        nxt.append(there)
            frontier = sorted(nxt)
        return ball


def network_risk(
    ball: Neighbourhood, own: Mapping[str, OwnRecords], cfg: EvaluationConfig
) -> tuple[float, list[Contribution]]:
    """The risk that reaches the start of ``ball`` from the others in it (raw points), and the
    ``network.explain_top`` subjects it comes from, each with its path."""
    nodes = ball.nodes
    idx = {s: i for i, s in enumerate(nodes)}
    net = build_network(
        len(nodes),
        [idx[a] for a, _, _, _ in ball.edges],
        [idx[b] for _, b, _, _ in ball.edges],
        [w for _, _, w, _ in ball.edges],
        cfg.network.absorb,
    )
    seeds = np.array([seed(own.get(s), cfg) for s in nodes], dtype=np.float64)
    shares = contributions(net, idx[ball.start], seeds, cfg.network.damping, cfg.network.steps)
    raw = cfg.network.weight * sum(shares.values())
    top = sorted(shares.items(), key=lambda kv: (-kv[1], nodes[kv[0]]))
    contributors = [
        Contribution(
            sid=nodes[i],
            name=ball.names.get(nodes[i]),
            seed_points=rounded(seeds[i]),
            points=rounded(cfg.network.weight * share),
            records=list(own[nodes[i]].counted) if nodes[i] in own else [],
            path=ball.path(nodes[i]),
        )
        for i, share in top[: cfg.network.explain_top]
    ]
    return raw, contributors
