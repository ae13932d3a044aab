"""A load's scan of the stored hashes (graph_service/stores/load_state.py): read once the load
has sent its share of a kind, once per kind, never for a kind the database did not hold."""

from __future__ import annotations

from graph_service.stores.base import RowKind
from graph_service.stores.load_state import SCAN_SHARE, LoadState


def test_hashes_are_read_once_the_load_sent_its_share_of_a_kind() -> None:
    reads: list[RowKind] = []

    def read(kind: RowKind) -> list[str]:
        reads.append(kind)
        return [f"{kind}-h"]

    state = LoadState({"roles": 1600, "persons": 800, "entities": 0})
    below = int(SCAN_SHARE * 1600) - 1
    assert state.known("roles", below, read) == frozenset() and not reads  # a small delta
    assert state.known("roles", 1, read) == {"roles-h"}
    assert state.known("roles", 5000, read) == {"roles-h"} and reads == ["roles"]
    assert state.known("persons", 800, read) == {"persons-h"}  # the next kind replaces it
    assert state.hashes is not None and state.hashes[0] == "persons"
    assert state.fresh("entities") and not state.fresh("roles")


def test_a_kind_created_meanwhile_is_no_longer_fresh() -> None:
    state = LoadState({"entities": 0})
    state.forget("entities")
    assert not state.fresh("entities")
