"""The one subject parser (graph_service.engine.subjects): the service, the CLI and the
client read what a user typed the same way."""

from __future__ import annotations

import pytest

from graph_service.engine.subjects import (
    bare,
    parse_node,
    parse_subject,
    person_key_in,
    resolve_person,
    resolve_subject,
    subject_kind,
)
from graph_service.errors import DomainError, InvalidIdentifier
from tests.conftest import RING
from tests.factories import pid, uscc


def test_a_subject_reads_the_same_bare_or_as_a_node_id() -> None:
    code, number = uscc(1), pid(1)
    key = RING.key(number)
    for text in (code, f"E:{code}", f" {code.lower()} "):
        assert subject_kind(text) == "entity"
        assert resolve_subject(text, RING) == ("entity", code)
        assert parse_node(text, RING) == f"E:{code}"
    for text in (number, key, key.upper(), f"P:{key}", f"P:{number}"):
        assert subject_kind(text) == "person"
        assert resolve_subject(text, RING) == ("person", key)
        assert parse_node(text, RING) == f"P:{key}"
    assert parse_subject(number, RING) == ("person", key, f"P:{key}")
    assert bare(f"E:{code}") == code and bare(key) == key


def test_regions_and_records_are_nodes_but_not_subjects() -> None:
    assert parse_node("R:130126", RING) == "R:130126"
    assert parse_node("C:R1", RING) == "C:R1"
    with pytest.raises(InvalidIdentifier, match="give an entity or a person"):
        parse_subject("R:130126", RING)


def test_an_id_shaped_code_that_is_neither_is_refused_with_the_id_numbers_reason() -> None:
    wrong = pid(1)[:17] + ("0" if pid(1)[17] != "0" else "1")  # check digit wrong
    with pytest.raises(InvalidIdentifier) as as_subject:
        resolve_subject(wrong, RING)
    with pytest.raises(InvalidIdentifier) as as_node:
        parse_node(wrong, RING)
    assert as_subject.value.en == as_node.value.en
    assert "USCC" not in as_subject.value.en
    assert subject_kind(wrong) == "entity"  # the client cannot tell: the service refuses it


def test_errors_name_what_was_expected() -> None:
    with pytest.raises(InvalidIdentifier, match="is not one of E:<USCC>"):
        parse_node("abc", RING)
    with pytest.raises(InvalidIdentifier, match="USCC"):
        resolve_subject("abc", RING)
    with pytest.raises(DomainError, match="give a person"):
        resolve_person(uscc(1), RING, "须为人员", "give a person")


def test_a_search_text_names_a_person_only_by_key_or_valid_id_number() -> None:
    number = pid(1)
    assert person_key_in(number, RING) == RING.key(number)
    assert person_key_in(RING.key(number).upper(), RING) == RING.key(number)
    assert person_key_in("恒达", RING) is None
    assert person_key_in(uscc(1), RING) is None
