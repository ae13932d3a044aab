"""The snapshot as FollowTheMoney entities (JSON lines), so it opens in the tools built for
that model (Aleph, OpenAleph, yente, nomenklatura, ``ftm`` itself).

==================  ======================================================================
ours                FollowTheMoney
==================  ======================================================================
entity              ``Company``: name, ``uscCode`` and ``registrationNumber`` (the USCC),
                    ``jurisdiction`` cn, ``address`` (region), ``legalForm`` (org type),
                    ``incorporationDate``, ``dissolutionDate``, ``sector`` (industry),
                    ``parent`` (superior unit)
person              ``Person``: name, ``nationality`` cn (no ID number: persons are keyed)
holding             ``Ownership``: owner, asset, ``percentage``, start and end dates
role                ``Directorship``: director, organization, ``role`` (法定代表人 / Legal
                    representative …), start and end dates
record              ``Sanction``: entity, ``authority``, ``program`` (the record's kind),
                    ``provisions`` (legal basis), ``listingDate`` (decided on), start and
                    end of effect, ``status``, ``recordId``
==================  ======================================================================

Ids are stable and ASCII: ``cg-company-<USCC>``, ``cg-person-<key>``, and for relationships
and records a digest of their identity. Every entity is checked by :func:`problems` — the
``followthemoney`` library's own schema validation (``Schema.validate``), the required
properties of its schema, no property the schema does not define, and values the library's
cleaning leaves as they are — and :func:`write_ftm` skips an invalid one (and what refers
to it), naming each with its reason in the manifest: one bad row never stops an export.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from graph_service.catalogue import label
from graph_service.exports.snapshot import Snapshot
from graph_service.ids.regions import region_name

log = logging.getLogger("graph_service.exports")

PREFIX = "cg"
COUNTRY = "cn"


class InvalidEntity(ValueError):
    """An entity the followthemoney schema does not accept."""


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def company_id(uscc: str) -> str:
    """The FtM id of an entity."""
    return f"{PREFIX}-company-{uscc}"


def person_id(key: str) -> str:
    """The FtM id of a person (by person key)."""
    return f"{PREFIX}-person-{key}"


def subject_id(kind: str, key: str) -> str:
    """The FtM id of an entity or a person."""
    return company_id(key) if kind == "entity" else person_id(key)


def _entity(schema: str, ident: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """An FtM entity with its values cleaned by the library (names lose line breaks, dates
    are checked …); raises :class:`InvalidEntity` when cleaning drops a value (a value the
    property's type does not accept)."""
    from followthemoney import model

    raw = {
        k: [str(v) for v in (vs if isinstance(vs, list) else [vs]) if v not in (None, "")]
        for k, vs in props.items()
    }
    properties = {k: v for k, v in raw.items() if v}
    data: dict[str, Any] = {"id": ident, "schema": schema, "properties": properties}
    cleaned: dict[str, Any] = model.get_proxy(data, cleaned=False).to_dict()
    for name, values in properties.items():
        if len(cleaned["properties"].get(name, [])) < len(set(values)):
            raise InvalidEntity(f"{ident}: {schema}.{name} does not accept {_short(values)}")
    return cleaned


def _short(values: list[str]) -> str:
    """Values for a message: each cut at 60 characters (a 1 MB name is not printed)."""
    return ", ".join(repr(v if len(v) <= 60 else v[:60] + f"…(+{len(v) - 60})") for v in values)


def _dates(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"startDate": row.get("start_date"), "endDate": row.get("end_date")}


def ftm_entities(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    """Every entity of the export as an FtM dict (``id``, ``schema``, ``properties``);
    raises :class:`InvalidEntity` at the first row the schema does not accept."""
    for spec in _specs(snapshot):
        yield _entity(*spec)


def _specs(snapshot: Snapshot) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(schema, id, properties) of every entity of the export."""
    known = {row["uscc"] for row in snapshot.rows("entities")}
    for row in snapshot.rows("entities"):
        superior = row.get("superior_uscc")
        yield (
            "Company",
            company_id(row["uscc"]),
            {
                "name": row.get("name"),
                "uscCode": row["uscc"],
                "registrationNumber": row["uscc"],
                "jurisdiction": COUNTRY,
                "country": COUNTRY,
                "address": region_name(str(row["region_code"])) if row.get("region_code") else None,
                "legalForm": label("org_type", row["org_type"]) if row.get("org_type") else None,
                "incorporationDate": row.get("registered_on"),
                "dissolutionDate": row.get("deregistered_on"),
                "sector": row.get("industry"),
                "parent": company_id(str(superior)) if superior in known else None,
                "publisher": row.get("source"),
            },
        )
    for row in snapshot.rows("persons"):
        yield (
            "Person",
            person_id(row["key"]),
            {"name": row.get("name"), "nationality": COUNTRY, "publisher": row.get("source")},
        )
    for row in snapshot.rows("holdings"):
        owner = subject_id(row["holder_type"], row["holder_key"])
        yield (
            "Ownership",
            f"{PREFIX}-ownership-{_digest(owner, row['uscc'], row['start_date'])}",
            {
                "owner": owner,
                "asset": company_id(row["uscc"]),
                "percentage": f"{float(row['percent']):g}" if "percent" in row else None,
                "role": "股东 / Shareholder",
                **_dates(row),
                "publisher": row.get("source"),
            },
        )
    for row in snapshot.rows("roles"):
        yield (
            "Directorship",
            f"{PREFIX}-directorship-"
            + _digest(row["person_key"], row["uscc"], row["role"], row["start_date"]),
            {
                "director": person_id(row["person_key"]),
                "organization": company_id(row["uscc"]),
                "role": label("role", row["role"]),
                **_dates(row),
                "publisher": row.get("source"),
            },
        )
    for row in snapshot.rows("records"):
        yield (
            "Sanction",
            f"{PREFIX}-sanction-{_digest(row['record_id'])}",
            {
                "entity": subject_id(row["subject_type"], row["subject_key"]),
                "recordId": row["record_id"],
                "authority": row.get("authority"),
                "program": label("kind", row["kind"]),
                "provisions": row.get("basis"),
                "reason": label("sector", row["sector"]) if row.get("sector") else None,
                "listingDate": row.get("decided_on"),
                "startDate": row.get("effective_from") or row.get("decided_on"),
                "endDate": row.get("effective_to"),
                "status": label("status", row.get("status") or "active"),
                "country": COUNTRY,
                "publisher": row.get("source"),
            },
        )


def problems(data: Mapping[str, Any], *, cleaned: bool = False) -> list[str]:
    """What the followthemoney model finds wrong with one entity (empty: valid).

    Checks the schema exists and is not abstract, the id is a valid entity id, every property
    is defined by the schema, the schema's required properties are present, the library's
    ``Schema.validate`` accepts the values, and — unless the caller has just had the library
    clean them (``cleaned``) — its cleaning leaves them unchanged.
    """
    from followthemoney import model
    from followthemoney.exc import InvalidData
    from followthemoney.types import registry

    schema = model.get(str(data.get("schema")))
    if schema is None:
        return [f"unknown schema {data.get('schema')!r}"]
    found: list[str] = []
    if schema.abstract:
        found.append(f"schema {schema.name} is abstract")
    ident = data.get("id")
    if not isinstance(ident, str) or not registry.entity.validate(ident):
        found.append(f"invalid id {ident!r}")
    props = data.get("properties", {})
    found += [
        f"{schema.name} has no property {name!r}" for name in props if name not in schema.properties
    ]
    found += [f"{schema.name} requires {name!r}" for name in schema.required if not props.get(name)]
    try:
        schema.validate(dict(data))  # type: ignore[arg-type]
    except InvalidData as exc:
        found.append(f"{schema.name}: {exc} {exc.errors}")
    if not found and not cleaned:
        again = model.get_proxy(dict(data), cleaned=False).to_dict()["properties"]
        for name, values in props.items():
            if sorted(again.get(name, [])) != sorted(values):
                found.append(f"{schema.name}.{name}: {values} cleans to {again.get(name)}")
    return found


def validate(entities: Iterable[Mapping[str, Any]], *, cleaned: bool = False) -> None:
    """Raise :class:`InvalidEntity` at the first entity with :func:`problems`, or when an
    entity refers to an id that is not among them (``cleaned``: see :func:`problems`)."""
    from followthemoney import model

    ids: set[str] = set()
    refs: list[tuple[str, str]] = []
    for data in entities:
        found = problems(data, cleaned=cleaned)
        if found:
            raise InvalidEntity(f"{data.get('id')}: {'; '.join(found)}")
        ids.add(str(data["id"]))
        schema = model.get(str(data["schema"]))
        assert schema is not None
        for name, values in data["properties"].items():
            if schema.properties[name].type.name == "entity":
                refs += [(str(data["id"]), v) for v in values]
    dangling = [(a, b) for a, b in refs if b not in ids]
    if dangling:
        raise InvalidEntity(f"{dangling[0][0]} refers to {dangling[0][1]}, which is not exported")


def valid_entities(
    snapshot: Snapshot, *, progress: bool = False
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The entities the schema accepts, and the ones skipped (``id``, ``schema``,
    ``reason``): a row whose values the schema refuses, and then every entity that refers
    to a skipped one. One bad row never stops an export."""
    total = sum(
        snapshot.counts()[t] for t in ("entities", "persons", "holdings", "roles", "records")
    )
    good: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for schema, ident, props in tqdm(
        _specs(snapshot), total=total, desc="ftm", disable=not progress
    ):
        try:
            data = _entity(schema, ident, props)
            found = problems(data, cleaned=True)  # _entity had the library clean every value
            if found:
                raise InvalidEntity(f"{ident}: {'; '.join(found)}"[:500])
        except (InvalidEntity, ValueError, TypeError) as exc:
            skipped.append({"id": ident, "schema": schema, "reason": str(exc)[:500]})
            continue
        good.append(data)
    gone = {s["id"] for s in skipped}
    while gone:  # a relationship to a skipped entity goes too (no dangling reference)
        kept, newly = [], set()
        for data in good:
            missing = [r for r in _refs(data) if r in gone]
            if missing:
                reason = f"{data['id']}: refers to {missing[0]}, which was skipped"
                skipped.append({"id": data["id"], "schema": data["schema"], "reason": reason})
                newly.add(data["id"])
            else:
                kept.append(data)
        good, gone = kept, newly
    return good, skipped


def _refs(data: Mapping[str, Any]) -> list[str]:
    from followthemoney import model

    schema = model.get(str(data["schema"]))
    assert schema is not None
    return [
        v
        for name, values in data["properties"].items()
        if schema.properties[name].type.name == "entity"
        for v in values
    ]


def write_ftm(
    snapshot: Snapshot, path: Path, *, progress: bool = True
) -> tuple[Path, list[dict[str, str]]]:
    """Write the entities the schema accepts as JSON lines to ``path`` (see
    :func:`valid_entities`); returns the path and the entities skipped, each with its reason
    (also logged)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    entities, skipped = valid_entities(snapshot, progress=progress)
    validate(entities, cleaned=True)
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for data in entities:
            fh.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)
    for item in skipped:
        log.warning("ftm entity skipped", extra=item)
    log.info(
        "ftm written",
        extra={
            "format": "ftm",
            "path": str(path),
            "entities": len(entities),
            "skipped": len(skipped),
        },
    )
    return path, skipped


def read_ftm(path: Path) -> Iterator[dict[str, Any]]:
    """The entities of a JSON-lines file."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
