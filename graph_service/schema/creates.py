"""The create queries of a load (``queries/create_<table>.cypher``), written from ``graph.yaml``.

A load sends the rows whose item is not stored yet to ``create_<table>`` rather than to the
upsert ``write_<table>``: ``MERGE … ON CREATE SET`` with every property named, so the plan has
no ``Eager`` operator (a ``SET r += map`` on a merged relationship plans one: the map could
write the properties the ``MERGE`` matches on), and no hash comparison per row. The store
checks that the batch created one item per row; if not (a concurrent writer made some), it
rolls the batch back and sends it to ``write_<table>``, so the outcome is the upsert's.

Each row is ``{..identity.., props: the loaded row, extra: its columns the schema does not
name}``, projected to a map first (``WITH row {.*} AS row``): the planner cannot tell what
``$rows`` holds, so it takes ``row.uscc`` for a property of a node or relationship that the
``SET r.uscc`` of an earlier row could change, and plans an ``Eager``. A query of a node that
draws no relationship sets ``extra`` as one map (``SET n += row.extra`` plans no ``Eager``
there); any other query has no such slot (the map could write the property the other end is
matched by), and a row with extra columns goes to the upsert (see :func:`takes_extra`).

Example
-------
>>> from graph_service.schema import graph_schema
>>> create_properties(graph_schema().by_rows("registrations"))
('uscc', 'region_code', 'end_date', 'source', '_h', '_src')
>>> [x for x in create_cypher(graph_schema().by_rows("roles")).splitlines() if "MERGE" in x]
['MERGE (a)-[r:ROLE {role: row.role, start_date: row.start_date}]->(b)']
"""

from __future__ import annotations

from graph_service.schema import End, GraphSchema, Kind, graph_schema

#: What every loaded row carries besides its columns: its content hash and the hash of the
#: source row it came from (``stores/base.py`` ``content_hash``; never shown).
CONTENT_HASHES = ("_h", "_src")
#: The provenance the query takes from the load, not from the row.
_FROM_LOAD = {"batch_id": "$batch_id", "loaded_at": "$loaded_at", "first_batch_id": "$batch_id"}


def create_properties(kind: Kind) -> tuple[str, ...]:
    """The row fields a create query of ``kind`` sets one by one: a node's properties (its key
    among them), a relationship's ends' keys and properties (its identity aside: the ``MERGE``
    sets that), then the row's provenance and content hashes."""
    schema = graph_schema()
    own = tuple(p.name for p in kind.properties)
    if kind.is_relationship:
        own = tuple(
            f for f in dict.fromkeys(kind.identity_fields() + own) if f not in kind.identity
        )
    provenance = tuple(n for n in schema.provenance_names() if n not in _FROM_LOAD)
    return own + provenance + CONTENT_HASHES


def named_fields(kind: Kind) -> frozenset[str]:
    """The row fields a create query of ``kind`` takes by name: those it sets and those its
    ``MERGE`` matches a relationship on. Any other field is an extra column."""
    return frozenset(create_properties(kind) + kind.identity)


def takes_extra(kind: Kind, schema: GraphSchema | None = None) -> bool:
    """Whether the create query of ``kind`` sets the columns the schema does not name (as one
    map): a node's that draws no relationship."""
    return not kind.is_relationship and not _drawn_with(kind, schema or graph_schema())


def _subject_param(end: End) -> str:
    """The row field that carries a subject end's ``sid`` (``holder_type``/``holder_key`` →
    ``holder_sid``: the store joins type and key into the subject id)."""
    return end.key[0].removesuffix("_type") + "_sid"


def _match(var: str, end: End, schema: GraphSchema) -> str:
    """The pattern that finds one end of a relationship by the row's fields."""
    node = schema.node(end.label)
    if not node.key:  # an abstract label: found by the unique property it declares
        unique = next(p.name for p in node.properties if p.unique)
        return f"({var}:{end.label} {{{unique}: row.{_subject_param(end)}}})"
    return f"({var}:{end.label} {{{node.key}: row.{end.key[0]}}})"


def _sets(var: str, kind: Kind) -> list[str]:
    """The ``ON CREATE SET`` items: each property from the row, provenance from the load."""
    items = [f"{var}.{p} = row.props.{p}" for p in create_properties(kind)]
    return items + [f"{var}.{p} = {value}" for p, value in _FROM_LOAD.items()]


def _merged_node(kind: Kind, schema: GraphSchema) -> str:
    """A node kind's ``MERGE`` pattern: on the unique property of its first label that has
    one (``Subject``'s ``sid`` for entities and persons, the key otherwise)."""
    for label in kind.labels:
        unique = [p.name for p in schema.node(label).properties if p.unique]
        if unique:
            return f"(n:{':'.join(kind.labels)} {{{unique[0]}: row.{unique[0]}}})"
    raise ValueError(f"node {kind.name} has no unique property to merge on")


def _drawn_with(kind: Kind, schema: GraphSchema) -> list[Kind]:
    """The relationships written with each row of node kind ``kind`` (a record's subject)."""
    return [r for r in schema.relationships.values() if r.written_with == kind.rows]


def create_cypher(kind: Kind, schema: GraphSchema | None = None) -> str:
    """The text of ``queries/create_<table>.cypher`` for a kind a load writes."""
    schema = schema or graph_schema()
    if kind.table is None or kind.rows is None:
        raise ValueError(f"{kind.name} is not written by a load")
    sets = ",\n    ".join(_sets("r" if kind.is_relationship else "n", kind))
    head = [
        f"// Create {kind.name} items for rows the load found missing (the store checks one was",
        f"// created per row, else rolls back and sends the batch to write_{kind.table}).",
        "// Generated from graph_service/schema/graph.yaml by `python -m graph_service.schema`:",
        "// edit the YAML, not this file. Each property is named, so the plan has no Eager"
        + (
            ";\n// the columns the schema does not name go in as one map (no Eager on this node)."
            if takes_extra(kind, schema)
            else "."
        ),
        f"// $rows: [{{..identity.., props{', extra' if takes_extra(kind, schema) else ''}}}],"
        " $batch_id, $loaded_at",
        "UNWIND $rows AS row",
        "WITH row {.*} AS row  // a map: its fields are no property another row's SET changes",
    ]
    if kind.start is not None and kind.end is not None:
        ident = ", ".join(f"{p}: row.{p}" for p in kind.identity)
        body = [
            f"MATCH {_match('a', kind.start, schema)}",
            f"MATCH {_match('b', kind.end, schema)}",
            f"MERGE (a)-[r:{kind.name}{f' {{{ident}}}' if ident else ''}]->(b)",
            f"  ON CREATE SET {sets}",
        ]
        return "\n".join(head + body) + "\n"
    drawn = _drawn_with(kind, schema)
    body = [f"MATCH {_match(f'e{i}', r.end, schema)}" for i, r in enumerate(drawn) if r.end]
    extra = ",\n    n += row.extra" if takes_extra(kind, schema) else ""
    body += [f"MERGE {_merged_node(kind, schema)}", f"  ON CREATE SET {sets}{extra}"]
    body += [f"CREATE (n)-[:{r.name}]->(e{i})" for i, r in enumerate(drawn)]
    return "\n".join(head + body) + "\n"


def create_queries(schema: GraphSchema | None = None) -> dict[str, str]:
    """Every create query by file name (``create_<table>``), for each kind a load writes."""
    schema = schema or graph_schema()
    return {
        f"create_{k.table}": create_cypher(k, schema) for k in schema.kinds() if k.rows and k.table
    }
