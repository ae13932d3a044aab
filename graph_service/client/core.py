"""The analyst's client: one object over a store file, Neo4j or the service, answering with
pandas DataFrames, networkx graphs and inline pyvis views.

>>> from graph_service.client import connect
>>> cg = connect("data/reg.cgraph")                                     # doctest: +SKIP
>>> cg.search("恒达")                                                   # doctest: +SKIP
>>> cg.roles("91130126T0000001XK")                                     # doctest: +SKIP
>>> cg.check("130126198005010115", "air_travel", on="2024-06-01")      # doctest: +SKIP
>>> cg.show(cg.neighbourhood("E:91130126T0000001XK", depth=2))         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd
from tqdm.auto import tqdm

from graph_service.client.backends import MAX_BATCH, PAGE, Backend
from graph_service.client.views import (
    GraphView,
    add_view,
    edge_frame,
    new_graph,
    node_frame,
    view,
)
from graph_service.engine.models import CheckResult, Flag
from graph_service.engine.subjects import bare, subject_kind
from graph_service.engine.timeline import in_force_mask
from graph_service.services.graphview import Lang

Level = Literal["county", "city", "province"]
Pattern = Literal["phoenix", "migration", "serial"]
ProfileList = Literal["roles", "holdings", "registrations", "records"]


#: Columns shown first in each kind of table (the rest follow as the service sends them).
LEADING: dict[str, tuple[str, ...]] = {
    "roles": ("person_name", "role", "entity_name", "start_date", "end_date", "uscc", "person_key"),
    "holdings": (
        "holder_name",
        "percent",
        "entity_name",
        "start_date",
        "end_date",
        "holder_type",
        "holder_key",
        "uscc",
    ),
    "registrations": ("uscc", "region_code", "region_name", "start_date", "end_date"),
    "records": (
        "record_id",
        "kind",
        "kind_label",
        "subject_type",
        "subject_key",
        "authority",
        "region_code",
        "decided_on",
        "status",
    ),
    "flags": (
        "flag_id",
        "pattern",
        "score",
        "person_name",
        "person_id_masked",
        "entity_name",
        "advisory",
        "region_from",
        "region_to",
        "since",
        "via",
    ),
}


def table(rows: Sequence[Mapping[str, Any]], kind: str | None = None) -> pd.DataFrame:
    """Rows as a DataFrame; for a known kind its leading columns (:data:`LEADING`) come
    first and are always there (``end_date`` empty for every row is still a column)."""
    frame = pd.DataFrame([dict(r) for r in rows])
    if kind is None:
        return frame
    lead = list(LEADING.get(kind, ()))
    for column in lead:
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), dtype=object)
    return frame[lead + [c for c in frame.columns if c not in lead]]


def _in_force(frame: pd.DataFrame, on: str | None) -> pd.DataFrame:
    """Rows in force on ``on``: start on or before it, end (inclusive) empty or on or after."""
    if on is None or frame.empty or "start_date" not in frame.columns:
        return frame
    start = frame["start_date"]
    end = frame["end_date"] if "end_date" in frame.columns else start.map(lambda _: "")
    return frame[in_force_mask(start, end, on)].reset_index(drop=True)


class Client:
    """Answers as DataFrames, graphs and views, from any :class:`Backend`.

    Use :func:`graph_service.client.connect` to make one. Subjects are given as the service
    takes them: a USCC, a resident ID number, a 32-hex person key, or a node id (``E:…``,
    ``P:…``). Dates are ``YYYY-MM-DD``; ``on=None`` means today.
    """

    def __init__(self, backend: Backend, *, progress: bool = True) -> None:
        self.backend = backend
        self.progress = progress

    def __repr__(self) -> str:
        return f"<credit-graph client over {self.backend.kind}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store or the HTTP connection."""
        self.backend.close()

    # -- what is there ------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """Backend, counts per label and relationship type, and the load log."""
        return self.backend.info()

    def counts(self) -> pd.DataFrame:
        """Nodes per label and relationships per type (``name``, ``count``)."""
        counts = self.backend.info()["counts"]
        return pd.DataFrame(sorted(counts.items()), columns=["name", "count"])

    def search(self, q: str, limit: int = 100) -> pd.DataFrame:
        """Entities and persons whose name contains ``q`` (or whose USCC starts with it; an
        ID number or person key finds that person), up to ``limit`` hits."""
        rows: list[dict[str, Any]] = []
        while len(rows) < limit:
            page = self.backend.search(q, min(PAGE, limit - len(rows)), len(rows))
            rows += page["items"]
            if not page["items"] or len(rows) >= page["total"]:
                break
        return table(rows)

    def measures(self) -> pd.DataFrame:
        """The catalogue of measures (失信惩戒措施清单): one row per measure, with its record
        kind, type (prohibition or consideration), whom it reaches, its actions and the
        citations of its legal basis as text."""
        found = self.backend.measures()
        rows = [
            {
                **{k: m[k] for k in ("kind", "id", "zh", "en", "type", "to", "actions", "lasts")},
                "in_force_from": m.get("in_force_from"),
                "basis": "；".join(c["text"] for c in m.get("basis", [])),
            }
            for kind in found.get("kinds", [])
            for m in kind["measures"]
        ]
        return table(rows)

    # -- profiles -------------------------------------------------------------------------

    def _profile(self, subject: str) -> dict[str, Any]:
        """A whole profile: every page of each of its lists."""
        kind = subject_kind(subject)
        fetch = self.backend.entity if kind == "entity" else self.backend.person
        key = bare(subject)
        first = fetch(key, PAGE, 0)
        lists = [k for k, v in first.items() if isinstance(v, dict) and "items" in v]
        out: dict[str, Any] = {k: v for k, v in first.items() if k not in lists}
        for name in lists:
            out[name] = list(first[name]["items"])
        offset = PAGE
        while any(first[name]["total"] > offset for name in lists):
            more = fetch(key, PAGE, offset)
            for name in lists:
                out[name] += more[name]["items"]
            offset += PAGE
        out["kind"] = kind
        return out

    def entity(self, uscc: str) -> dict[str, Any]:
        """An entity's properties (with labels and region name)."""
        found: dict[str, Any] = self.backend.entity(bare(uscc), 1, 0)["entity"]
        return found

    def person(self, person: str) -> dict[str, Any]:
        """A person's properties (ID number masked unless the role is investigator)."""
        found: dict[str, Any] = self.backend.person(bare(person), 1, 0)["person"]
        return found

    def profile(self, subject: str) -> dict[str, Any]:
        """An entity's or a person's profile: its properties (``entity`` or ``person``) and
        DataFrames of its ``roles``, ``holdings``, ``registrations`` (entities) and
        ``records``, over all time."""
        found = self._profile(subject)
        return {k: table(v, k) if isinstance(v, list) else v for k, v in found.items()}

    def roles(self, subject: str, on: str | None = None) -> pd.DataFrame:
        """Roles over time: an entity's officers, or a person's offices (``on``: only those
        held that day; end dates are inclusive)."""
        return _in_force(table(self._profile(subject)["roles"], "roles"), on)

    def holdings(self, subject: str, on: str | None = None) -> pd.DataFrame:
        """Holdings over time: of an entity (held by it, and its holders), or of a person."""
        return _in_force(table(self._profile(subject)["holdings"], "holdings"), on)

    def registrations(self, uscc: str, on: str | None = None) -> pd.DataFrame:
        """Where an entity was registered, over time."""
        return _in_force(table(self._profile(uscc)["registrations"], "registrations"), on)

    def records(self, subjects: str | Iterable[str]) -> pd.DataFrame:
        """Credit records about one subject or several (all statuses), one row each."""
        items = [subjects] if isinstance(subjects, str) else list(subjects)
        rows: list[dict[str, Any]] = []
        for s in tqdm(items, desc="records", disable=not self.progress or len(items) < 20):
            rows += self._profile(s)["records"]
        return table(rows, "records")

    def record(self, record_id: str) -> dict[str, Any]:
        """One credit record."""
        return self.backend.record(record_id)

    def record_history(self, record_id: str) -> pd.DataFrame:
        """Every version of a record, oldest first (loads and life-cycle events)."""
        return table(self.backend.record_history(record_id), "records")

    def entities(self, region: str, *, on: str | None = None, limit: int = 10_000) -> pd.DataFrame:
        """The entities registered in a county (6-digit GB/T 2260 code), ever or on ``on``,
        with their ``risk`` (listed, watch, repaired, none)."""
        graph = self._expand([f"R:{region}"], on=on, depth=1, first_limit=limit, limit=0)
        rows = [d for _, d in graph.nodes(data=True) if d.get("label") == "Entity"]
        frame = table(rows)
        if not frame.empty:
            frame = frame.sort_values("uscc", ignore_index=True)
        return frame

    # -- joint punishment -----------------------------------------------------------------

    def check(
        self, subject: str, action: str, on: str | None = None, known_at: str | None = None
    ) -> CheckResult:
        """May ``subject`` do ``action`` on ``on``? The answer with every reason and its
        evidence path (:class:`~graph_service.engine.models.CheckResult`)."""
        return CheckResult.model_validate(self.backend.check(subject, action, on, known_at))

    def checks(
        self,
        subjects: Iterable[str],
        actions: str | Iterable[str],
        on: str | None = None,
    ) -> pd.DataFrame:
        """Screen many subjects for one or several actions: one row per (subject, action)
        with ``allowed``, the prohibiting ``records`` and ``measures``, the records behind
        ``considered`` and ``advised`` findings, or the ``error`` of a question that could not
        be answered (batches of 5,000, with a progress bar)."""
        acts = [actions] if isinstance(actions, str) else list(actions)
        items = [{"subject": s, "action": a} for s in subjects for a in acts]
        rows: list[dict[str, Any]] = []
        batches = [items[i : i + MAX_BATCH] for i in range(0, len(items), MAX_BATCH)]
        bar = tqdm(total=len(items), desc="checks", disable=not self.progress or len(items) < 50)
        with bar:
            for batch in batches:
                for item, answer in zip(batch, self.backend.check_batch(batch, on), strict=True):
                    result = answer.get("result") or {}
                    reasons = result.get("prohibitions", [])
                    rows.append(
                        {
                            "subject": item["subject"],
                            "action": item["action"],
                            "on": result.get("on", on),
                            "allowed": answer.get("allowed"),
                            "name": (result.get("subject") or {}).get("name"),
                            "records": sorted({r["record"]["record_id"] for r in reasons}),
                            "measures": sorted({r["measure"]["id"] for r in reasons}),
                            "considered": _record_ids(result.get("considerations", [])),
                            "advised": _record_ids(result.get("advisories", [])),
                            "error": answer.get("error"),
                        }
                    )
                bar.update(len(batch))
        return pd.DataFrame(rows)

    @staticmethod
    def evidence(result: CheckResult) -> pd.DataFrame:
        """The evidence of a check as a table: one row per step of each finding's path
        (record → subject → person), with its type, measure, basis and explanation."""
        rows = []
        for i, finding in enumerate(result.findings()):
            for j, step in enumerate(finding.path):
                rows.append(
                    {
                        "finding": i,
                        "finding_type": finding.type,
                        "step": j,
                        "measure_id": finding.measure.id,
                        "measure": finding.measure.zh,
                        "basis": finding.measure.basis,
                        "record_id": finding.record.record_id,
                        "kind": finding.record.kind,
                        "reached_as": finding.reached_as,
                        **step.model_dump(),
                        "explanation_zh": finding.explanation_zh if j == 0 else None,
                    }
                )
        return pd.DataFrame(rows)

    def credit_record(self, person: str, on: str | None = None) -> dict[str, Any]:
        """Everything that reaches a person and the restrictions in force on ``on``."""
        return self.backend.credit_record(bare(person), on)

    def notices(self, on: str | None = None, region: str = "") -> pd.DataFrame:
        """Notices due to superior units, audit, employers and discipline inspection
        (clause 十二), for records decided in regions starting with ``region``."""
        rows: list[dict[str, Any]] = []
        while True:
            page = self.backend.notices(on, region, PAGE, len(rows))
            rows += page["items"]
            if not page["items"] or len(rows) >= page["total"]:
                break
        return table(rows)

    # -- grades ---------------------------------------------------------------------------

    def grades(
        self,
        on: str | None = None,
        *,
        region: str = "",
        industry: str = "",
        grade: Literal["A", "B", "C", "D"] | None = None,
        watch: bool = False,
    ) -> pd.DataFrame:
        """Every active entity's public credit grade on ``on`` (clauses 六–八): the score
        (0–100) and its parts (records, network, relocation), the grade A–D, what capped it
        and whether it is a watch-list candidate — worst score first; only a region (code
        prefix), an industry (GB/T 4754 section), a grade, or the watch-list candidates."""
        return table(self.backend.grades(on, region, industry, grade, watch))

    def evaluation(self, uscc: str, on: str | None = None) -> Any:
        """One entity's evaluation with every part explained: each record and how it counts,
        each related subject whose risk reaches it (with the path), each relocation flag
        (:class:`graph_service.engine.evaluation.Evaluation`)."""
        from graph_service.engine.evaluation import Evaluation

        return Evaluation.model_validate(self.backend.evaluation(bare(uscc), on))

    # -- relocated repeat offenders --------------------------------------------------------

    def relocation_flags(
        self, on: str | None = None, level: Level = "county", pattern: Pattern | None = None
    ) -> list[Flag]:
        """Every relocation flag as of ``on`` at ``level``, highest score first, with its
        evidence (:class:`~graph_service.engine.models.Flag`)."""
        rows: list[dict[str, Any]] = []
        while True:
            page = self.backend.relocations(on, level, pattern, PAGE, len(rows))
            rows += page
            if len(page) < PAGE:
                break
        return [Flag.model_validate(r) for r in rows]

    def relocations(
        self, on: str | None = None, level: Level = "county", pattern: Pattern | None = None
    ) -> pd.DataFrame:
        """The relocation flags as a table (one row per flag; evidence left out — see
        :meth:`relocation_flags`); ``records`` lists the triggering records."""
        rows = []
        for flag in self.relocation_flags(on, level, pattern):
            row = flag.model_dump(exclude={"evidence", "score_parts", "record_ids", "entities"})
            row["records"] = ", ".join(flag.record_ids)
            row["entities"] = "; ".join(f"{e.name} {e.uscc} ({e.part})" for e in flag.entities)
            row.update({f"score_{k}": v for k, v in flag.score_parts.items()})
            row["evidence_steps"] = len(flag.evidence)
            rows.append(row)
        return table(rows, "flags")

    def flows(
        self,
        on: str | None = None,
        level: Level = "county",
        by: Literal["province", "city"] = "province",
    ) -> pd.DataFrame:
        """The region-to-region matrix of flagged moves (rows: from, columns: to)."""
        found = self.backend.flows(on, level, by)
        regions = found["regions"]
        if not regions:
            return pd.DataFrame(dtype=int)
        matrix = pd.DataFrame(found["counts"], index=regions, columns=regions, dtype=int)
        return matrix.rename_axis(index="from", columns="to")

    # -- graphs ---------------------------------------------------------------------------

    def _neighbours(self, node: str, on: str | None, limit: int) -> dict[str, Any]:
        """A node's neighbourhood, up to ``limit`` neighbours (fetched page by page)."""
        first = self.backend.neighbourhood(node, on, max(1, min(PAGE, limit)), 0)
        out = dict(first)
        out["neighbours"], out["edges"] = list(first["neighbours"]), list(first["edges"])
        while out["more"] > 0 and len(out["neighbours"]) < limit:
            offset = len(out["neighbours"])
            more = self.backend.neighbourhood(node, on, min(PAGE, limit - offset), offset)
            out["neighbours"] += more["neighbours"]
            out["edges"] += more["edges"]
            out["more"] = more["more"]
        return out

    def _expand(
        self,
        roots: Sequence[str],
        *,
        on: str | None,
        depth: int,
        limit: int,
        first_limit: int | None = None,
        expand_regions: bool = False,
    ) -> Any:
        graph = new_graph(roots[0] if len(roots) == 1 else list(roots), on)
        frontier = list(roots)
        seen: set[str] = set()
        for level in range(depth):
            cap = first_limit if level == 0 and first_limit is not None else limit
            nxt: list[str] = []
            bar = tqdm(
                frontier,
                desc=f"neighbourhood {level + 1}/{depth}",
                disable=not self.progress or len(frontier) < 20,
            )
            for node in bar:
                found = self._neighbours(node, on, cap)
                center = found["node"]["id"]
                seen.add(center)
                if level == 0 and graph.graph["root"] == node:
                    graph.graph["root"] = center
                add_view(graph, [found["node"], *found["neighbours"]], found["edges"])
                if found["more"]:
                    graph.graph["more"][center] = found["more"]
                for n in found["neighbours"]:
                    if n["id"] not in seen and (expand_regions or n["label"] != "Region"):
                        seen.add(n["id"])
                        nxt.append(n["id"])
            frontier = nxt
        return graph

    def neighbourhood(
        self,
        node: str,
        *,
        on: str | None = None,
        depth: int = 1,
        limit: int = 50,
        expand_regions: bool = False,
    ) -> Any:
        """The graph around ``node`` (``E:``/``P:``/``R:``/``C:`` id, USCC, ID number or
        person key) out to ``depth`` steps, at most ``limit`` neighbours per node (the rest
        are counted in ``graph.graph["more"]``), with only relationships in force on ``on``
        when given. Region nodes are not expanded (a county is a supernode) unless
        ``expand_regions``. Returns a ``networkx.MultiDiGraph`` (see :mod:`.views`)."""
        if depth < 1:
            raise ValueError("depth must be at least 1")
        return self._expand([node], on=on, depth=depth, limit=limit, expand_regions=expand_regions)

    def region_graph(
        self,
        region: str | Iterable[str],
        *,
        on: str | None = None,
        depth: int = 2,
        limit: int = 50,
    ) -> Any:
        """The graph of a county (or several): the region node, every entity registered in
        it (ever, or on ``on``), and out to ``depth`` steps from the region — their officers,
        holders, records and other registrations (``limit`` neighbours per node beyond the
        region)."""
        codes = [region] if isinstance(region, str) else list(region)
        roots = [c if c.startswith("R:") else f"R:{c}" for c in codes]
        return self._expand(roots, on=on, depth=depth, limit=limit, first_limit=100_000)

    def path(self, a: str, b: str, max_hops: int = 6) -> Any:
        """A shortest path between two subjects over roles, holdings and supervision, as a
        graph (``graph.graph["path"]`` lists its node ids in order; empty when none)."""
        found = self.backend.path(a, b, max_hops)
        graph = new_graph(None, None)
        add_view(graph, found.get("nodes", []), found.get("edges", []))
        ids = [n["id"] for n in found.get("nodes", [])]
        graph.graph.update(root=ids[0] if ids else None, path=ids, hops=found.get("hops"))
        return graph

    @staticmethod
    def nodes(graph: Any) -> pd.DataFrame:
        """A client graph's nodes as a table."""
        return node_frame(graph)

    @staticmethod
    def edges(graph: Any) -> pd.DataFrame:
        """A client graph's edges as a table."""
        return edge_frame(graph)

    def show(
        self,
        what: Any,
        *,
        lang: Lang = "zh",
        on: str | None = None,
        height: str = "600px",
        title: str | None = None,
    ) -> GraphView:
        """An inline view for Jupyter of a client graph, or of a node's neighbourhood (a node
        id, USCC, ID number or person key). Save it with ``.save("view.html")``."""
        graph = self.neighbourhood(str(what), on=on) if isinstance(what, str) else what
        return view(graph, lang=lang, title=title, height=height, on=on)


def _record_ids(findings: list[dict[str, Any]]) -> list[str]:
    return sorted({f["record"]["record_id"] for f in findings})
