"""The graph schema is written once (``graph_service/schema/graph.yaml``): the Neo4j
constraints and indexes, the loader's contract types, the snapshot tables and the
exploration views all agree with it."""

from __future__ import annotations

import re

import pytest

from graph_service.exports.cypher import _STATEMENTS
from graph_service.exports.snapshot import COLUMNS, TABLES
from graph_service.queries import QUERIES_DIR
from graph_service.schema import graph_schema, identifier, schema_cypher, schema_statements
from graph_service.schema.creates import create_properties, create_queries, named_fields
from graph_service.stores.base import ROW_KINDS, edge_view, node_view
from loaders.contract import contract

#: The schema type a contract column of each (non-text) type is stored as.
_STORED_AS = {"date": "date", "percent": "float", "amount": "float", "bool": "bool"}


def test_schema_cypher_is_the_generation_from_the_yaml() -> None:
    """Regenerate with ``python -m graph_service.schema`` after editing ``graph.yaml``."""
    assert (QUERIES_DIR / "schema.cypher").read_text(encoding="utf-8") == schema_cypher()


def test_the_create_queries_are_the_generation_from_the_yaml() -> None:
    """Regenerate with ``python -m graph_service.schema`` after editing ``graph.yaml``: one
    ``create_<table>`` per kind a load writes, and no other file of that name."""
    generated = create_queries()
    on_disk = {p.name.removesuffix(".cypher") for p in QUERIES_DIR.glob("create_*.cypher")}
    assert on_disk == set(generated)
    for name, text in generated.items():
        assert (QUERIES_DIR / f"{name}.cypher").read_text(encoding="utf-8") == text, name


def test_a_create_query_sets_every_field_of_a_row_the_schema_names() -> None:
    """What a loaded row carries, by the identity and properties ``graph.yaml`` gives it, is
    set by name (the rest goes in the node's ``extra`` map)."""
    schema = graph_schema()
    for kind in schema.kinds():
        if kind.rows:
            text = create_queries()[f"create_{kind.table}"]
            named = named_fields(kind)
            assert named >= set(kind.identity_fields()) | {p.name for p in kind.properties}
            for field in create_properties(kind):
                assert f".{field} = row.props.{field}" in text, (kind.name, field)


def test_every_key_and_index_the_schema_names_has_a_statement() -> None:
    text = "\n".join(schema_statements())
    schema = graph_schema()
    for node in schema.nodes.values():
        if node.key:
            assert f"FOR (n:{node.name}) REQUIRE n.{node.key} IS UNIQUE" in text
    for kind in schema.kinds():
        for name in kind.indexes:
            assert f"CREATE INDEX {name} IF NOT EXISTS" in text


@pytest.mark.parametrize("name", ["Entity) DETACH DELETE n //", "a b", "", "1x", "名称"])
def test_only_plain_identifiers_reach_the_ddl(name: str) -> None:
    with pytest.raises(ValueError):
        identifier(name)


def test_every_snapshot_table_and_loaded_row_kind_is_in_the_schema() -> None:
    schema = graph_schema()
    assert {k.table for k in schema.kinds() if k.table} == set(TABLES)
    assert {k.rows for k in schema.kinds() if k.rows} == set(ROW_KINDS)
    for table in TABLES:
        kind = schema.by_table(table)
        assert set(kind.identity_fields()) <= set(COLUMNS[table]), table


def test_the_contract_and_the_schema_give_a_column_one_type() -> None:
    types = graph_schema().property_types()
    for spec in contract().values():
        for column in spec.columns:
            if column.type in _STORED_AS and column.name in types:
                assert types[column.name] == _STORED_AS[column.type], column.name


def test_views_show_exactly_the_properties_the_schema_marks() -> None:
    schema = graph_schema()
    entity = {p.name: "x" for p in schema.node("Entity").properties} | {"name": "甲"}
    shown = node_view("Entity", entity)
    assert set(shown) == {"label", "id", "name", *schema.node("Entity").view_fields()}
    role = {"role": "legal_rep", "start_date": "2020-01-01", "source": "roles.csv", "x": 1}
    assert set(edge_view("ROLE", "P:1", "E:2", role)) == {"type", "from", "to", *role} - {"x"}


def _merged(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(label or type, identity properties) of every ``MERGE`` pattern with a map in ``text``."""
    found = re.findall(
        r"MERGE \([a-z]*\)-\[r?:(\w+)(?: \{([^}]*)\})?\]|MERGE \(\w+:([\w:]+) \{([^}]*)\}", text
    )
    out = []
    for rtype, rmap, labels, nmap in found:
        fields = rmap if rtype else nmap
        keys = tuple(part.split(":")[0].strip() for part in fields.split(",") if part.strip())
        out.append((rtype or labels.split(":")[-1], keys))
    return out


def test_every_merge_writes_an_item_by_the_identity_the_schema_gives() -> None:
    """The Cypher the writers and the Cypher export run (parameter-free text, so not derived)
    MERGEs each relationship on the identity ``graph.yaml`` names, each node on its key."""
    schema = graph_schema()
    texts = [
        p.read_text(encoding="utf-8")
        for pattern in ("write_*.cypher", "create_*.cypher")
        for p in sorted(QUERIES_DIR.glob(pattern))
    ]
    texts += list(_STATEMENTS.values())
    merged = [m for text in texts for m in _merged(text)]
    assert {name for name, _ in merged} >= {"ROLE", "HOLDS", "REGISTERED_IN", "NAMES", "Record"}
    for name, keys in merged:
        if name in schema.relationships:
            assert keys == schema.relationship(name).identity, name
        elif name in ("Entity", "Person"):
            assert keys == ("sid",), name  # subjects are merged by their subject id
        else:
            assert keys == (schema.node(name).key,), name
