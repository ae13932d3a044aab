"""Turning what a user typed into a subject or a node: a USCC, a resident ID number, a person
key, or a node id (``E:``/``P:``/``R:``/``C:``). The one reading rule of the service, the
CLI and the client.

The rule: ``E:`` names an entity and ``P:`` a person; a 32-hex text is a person key; an
18-character text shaped like an ID number (17 digits, then a digit or X) that is a valid
one names a person; anything else is read as a USCC. An error explains what was wrong with
the closer reading.
"""

from __future__ import annotations

import re

from graph_service.errors import DomainError, InvalidIdentifier
from graph_service.ids.person_key import PersonKeyring
from graph_service.ids.resident_id import validate_resident_id
from graph_service.ids.uscc import validate_uscc
from graph_service.stores.base import SubjectKind, sid

_PERSON_KEY = re.compile(r"^[0-9a-fA-F]{32}$")
_RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")


def bare(text: str) -> str:
    """``text`` without its ``E:``/``P:`` prefix (and surrounding blanks)."""
    value = text.strip()
    return value[2:] if value[:2] in ("E:", "P:") else value


def subject_kind(text: str) -> SubjectKind:
    """Whether a subject as typed names an entity or a person (no keyring needed: a client
    without the service's secret reads subjects as the service does)."""
    value = text.strip()
    if value.startswith("E:"):
        return "entity"
    if value.startswith("P:") or _PERSON_KEY.match(value):
        return "person"
    if _RESIDENT_ID.match(value):
        try:
            validate_resident_id(value)
        except InvalidIdentifier:
            return "entity"
        return "person"
    return "entity"


def parse_uscc(value: str) -> str:
    """A USCC (region not checked: a profile of any entity the store holds); the reason
    names the wrong character (GB 32100)."""
    return validate_uscc(value, check_region=False)


def parse_person(value: str, keyring: PersonKeyring) -> str:
    """A person key from a resident ID number (keyed with the service's secret) or from a
    32-hex person key."""
    text = value.strip()
    if _PERSON_KEY.match(text):
        return text.lower()
    if len(text) == 18:
        return keyring.key(validate_resident_id(text))
    raise InvalidIdentifier(
        f"人员标识应为18位身份证号码或32位人员密钥，实为{len(text)}个字符",
        f"a person is named by an 18-character ID number or a 32-hex person key, "
        f"got {len(text)} characters",
    )


def _read(text: str, keyring: PersonKeyring, *, check_region: bool) -> tuple[SubjectKind, str]:
    """The subject ``text`` names by the rule; an ID-shaped text that is neither a valid ID
    number nor a valid USCC is refused with the ID number's reason."""
    if text.startswith("P:") or subject_kind(text) == "person":
        return "person", parse_person(bare(text), keyring)
    code = bare(text)
    try:
        return "entity", validate_uscc(code, check_region=check_region)
    except InvalidIdentifier:
        if _RESIDENT_ID.match(code) and not text.startswith("E:"):
            validate_resident_id(code)  # raises: the closer reading's reason
        raise


def resolve_subject(text: str, keyring: PersonKeyring) -> tuple[SubjectKind, str]:
    """``("entity", uscc)`` or ``("person", key)`` for a subject as typed (a USCC must have a
    known region here: a check names a real entity)."""
    return _read(text.strip(), keyring, check_region=True)


def resolve_person(text: str, keyring: PersonKeyring, zh: str, en: str) -> str:
    """The person key ``text`` names; an entity is refused with the reason ``zh``/``en``."""
    kind, key = resolve_subject(text, keyring)
    if kind != "person":
        raise DomainError(zh, en)
    return key


def parse_node(value: str, keyring: PersonKeyring) -> str:
    """A node id: ``R:``/``C:`` ids as they are; a subject (``E:``/``P:`` id, bare USCC,
    person key or resident ID number) as its subject id."""
    text = value.strip()
    if text[:2] in ("R:", "C:") and len(text) > 2:
        return text
    if text[:2] in ("E:", "P:") or _PERSON_KEY.match(text) or len(text) == 18:
        kind, key = _read(text, keyring, check_region=False)
        return sid(kind, key)
    raise InvalidIdentifier(
        f"节点标识“{text[:40]}”无效：应为E:统一社会信用代码、P:人员密钥、R:区划代码、C:记录编号",
        f"node id '{text[:40]}' is not one of E:<USCC>, P:<person key>, R:<region code>, "
        "C:<record id>",
    )


def parse_subject(value: str, keyring: PersonKeyring) -> tuple[SubjectKind, str, str]:
    """(kind, key, node id) of an entity or a person named as a node (``E:``/``P:`` or bare)."""
    ident = parse_node(value, keyring)
    if ident[:2] not in ("E:", "P:"):
        raise InvalidIdentifier(
            f"须为市场主体或人员，“{ident}”不是",
            f"give an entity or a person; '{ident}' is neither",
        )
    kind: SubjectKind = "entity" if ident.startswith("E:") else "person"
    return kind, ident[2:], ident


def person_key_in(text: str, keyring: PersonKeyring) -> str | None:
    """The person key a search text names (a person key, or a valid ID number), else None:
    the text is then searched as a name or a USCC prefix."""
    value = text.strip()
    if subject_kind(value) != "person" or value.startswith("P:"):
        return None
    return parse_person(value, keyring)
