"""Turning what a user typed into a subject: a USCC, a resident ID number or a person key."""

from __future__ import annotations

import re

from graph_service.errors import InvalidIdentifier
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.resident_id import validate_resident_id
from graph_service.ids.uscc import validate_uscc
from graph_service.stores.base import SubjectKind

_PERSON_KEY = re.compile(r"^[0-9a-f]{32}$")
_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")


def resolve_subject(text: str, keyring: PersonKeyring) -> tuple[SubjectKind, str]:
    """``("entity", uscc)`` or ``("person", key)`` for a USCC, an ID number or a person key.

    An 18-character code that looks like an ID number (17 digits then a digit or X) is read as
    one; otherwise as a USCC. The error explains what was wrong with the closer reading.
    """
    value = text.strip()
    if _PERSON_KEY.match(value):
        return "person", value
    if _RESIDENT_ID.match(value):
        try:
            return "person", keyring.key(validate_resident_id(value))
        except InvalidIdentifier as as_person:
            try:
                return "entity", validate_uscc(value)
            except InvalidIdentifier:
                raise as_person from None
    return "entity", validate_uscc(value)
