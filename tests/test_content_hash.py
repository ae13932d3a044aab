"""Content hashes (``_h``): a table hashed column-wise gives each row the digest the row gets
alone, every type of cell a row holds counts with its type, and the definition stays put
(stores keep these digests: a change makes the next reload rewrite every row once)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from graph_service.stores.hashing import content_hash, content_hashes

#: What normalised rows hold: text (Chinese too), None, numbers, flags, event lists.
cells = (
    st.none()
    | st.text(max_size=6)
    | st.sampled_from(["", "1", "中文", "synth:seed=7", "2024-06-01"])
    | st.integers()
    | st.floats()
    | st.booleans()
    | st.lists(st.text(max_size=4), max_size=3)
)
names = st.sampled_from(["a", "b", "{c}", "名称", "_h", "_src", "id_sealed"])


def _table(rows: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    keys = sorted({k for r in rows for k in r})
    full = [{k: r.get(k) for k in keys} for r in rows]
    return {k: [r[k] for r in full] for k in keys}, full


@given(st.lists(st.dictionaries(names, cells), min_size=1, max_size=6))
def test_content_hashes_of_a_table_equal_each_rows_content_hash(rows: list[dict[str, Any]]) -> None:
    columns, full = _table(rows)
    assert content_hashes(columns, len(full)) == [content_hash(r) for r in full]


@given(st.lists(st.dictionaries(names, cells), min_size=1, max_size=4))
def test_a_long_table_with_repeats_hashes_as_its_rows(rows: list[dict[str, Any]]) -> None:
    # Long columns with repeats are hashed value by value: the same digests.
    columns, full = _table(rows * 400)
    one_each = [content_hash(r) for r in full[: len(rows)]]
    assert content_hashes(columns, len(full)) == one_each * 400


def test_a_column_with_repeats_beside_distinct_ones_hashes_as_its_rows() -> None:
    # Each column goes its own way (value by value, or cell by cell): the same digests.
    n = 3000
    columns: dict[str, list[Any]] = {
        "id": [f"k{i}" for i in range(n)],
        "source": ["synth:seed=7"] * n,
        "end": [None if i % 3 else f"2024-01-{i % 28 + 1:02d}" for i in range(n)],
    }
    rows = [{k: v[i] for k, v in columns.items()} for i in range(n)]
    assert content_hashes(columns, n) == [content_hash(r) for r in rows]


def test_each_type_and_each_column_counts() -> None:
    digests = {
        content_hash(row)
        for row in (
            {"a": 1},
            {"a": "1"},
            {"a": 1.0},
            {"a": True},
            {"a": None},
            {"a": ""},
            {"a": ["1"]},
            {"b": 1},
            {},
            {"a": "1", "b": None},
            {"a": None, "b": "1"},
        )
    }
    assert len(digests) == 11


def test_unhashed_fields_are_left_out() -> None:
    row = {"uscc": "91110000100000000A", "name": "某公司"}
    assert content_hash(row | {"id_sealed": "x", "_h": "y", "_src": "z"}) == content_hash(row)


def test_the_definition_is_pinned() -> None:
    # Digests held by stores: a change here rewrites every row once on the next reload
    # (docs/decisions.md, National scale).
    row = {"uscc": "91110000100000000A", "name": "某公司", "pct": 12.5, "end": None, "ok": True}
    assert content_hash(row) == PINNED
    assert len(PINNED) == 24


PINNED = "ad09bb7820e8ad72d7b475bc"
