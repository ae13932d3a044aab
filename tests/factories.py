"""Builders of small explicit registries for tests: real identifiers, hand-chosen facts."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from graph_service.ids.resident_id import make_resident_id
from graph_service.ids.uscc import make_uscc
from loaders.contract import contract


def uscc(n: int, region: str = "130126", authority: str = "9", category: str = "1") -> str:
    """The ``n``-th test USCC in ``region`` (valid check characters)."""
    return make_uscc(authority, category, region, f"T{n:07d}")


def pid(n: int, region: str = "130126", born: dt.date = dt.date(1980, 1, 1)) -> str:
    """The ``n``-th test resident ID number (valid check digit)."""
    return make_resident_id(region, born, n % 1000)


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    columns: list[str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write ``rows`` as CSV with the contract's columns for the file's kind (or ``columns``)."""
    rows = list(rows)
    if columns is None:
        spec = contract()[path.stem]  # type: ignore[index]
        columns = [c.name for c in spec.columns]
        extra = [k for r in rows for k in r if k not in columns]
        columns += list(dict.fromkeys(extra))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in columns})
    return path


def small_registry(directory: Path) -> dict[str, Any]:
    """Three entities in two counties, two people, a holding chain and records.

    Returns the identifiers used, so tests can name them.
    """
    a, b, c = uscc(1), uscc(2, "440305"), uscc(3)
    organ = uscc(4, "130100", authority="1", category="1")
    p1, p2 = pid(11), pid(22, "440305", dt.date(1975, 1, 2))
    write_csv(
        directory / "entities.csv",
        [
            {
                "uscc": a,
                "name": "灵寿县恒达建材有限公司",
                "region_code": "130126",
                "org_type": "enterprise",
                "industry": "C",
                "registered_on": "2015-03-01",
            },
            {
                "uscc": b,
                "name": "深圳市南山区恒达贸易有限公司",
                "region_code": "440305",
                "org_type": "enterprise",
                "industry": "F",
                "registered_on": "2019-06-10",
            },
            {
                "uscc": c,
                "name": "灵寿县城建投资有限公司",
                "region_code": "130126",
                "org_type": "state_owned_enterprise",
                "registered_on": "2010-01-01",
                "superior_uscc": organ,
            },
            {
                "uscc": organ,
                "name": "石家庄市人民政府国有资产监督管理委员会",
                "region_code": "130100",
                "org_type": "state_organ",
                "registered_on": "2005-01-01",
            },
        ],
    )
    write_csv(
        directory / "persons.csv",
        [
            {"person_id": p1, "name": "张伟"},
            {"person_id": p2, "name": "李娜"},
        ],
    )
    write_csv(
        directory / "registrations.csv",
        [
            {"uscc": a, "region_code": "130126", "start_date": "2015-03-01"},
            {"uscc": b, "region_code": "440305", "start_date": "2019-06-10"},
        ],
    )
    write_csv(
        directory / "roles.csv",
        [
            {"person_id": p1, "uscc": a, "role": "legal_rep", "start_date": "2015-03-01"},
            {"person_id": p1, "uscc": b, "role": "legal_rep", "start_date": "2019-06-10"},
            {"person_id": p2, "uscc": a, "role": "supervisor", "start_date": "2015-03-01"},
        ],
    )
    write_csv(
        directory / "shareholdings.csv",
        [
            {
                "holder_type": "person",
                "holder_id": p1,
                "uscc": a,
                "percent": "60",
                "start_date": "2015-03-01",
            },
            {
                "holder_type": "entity",
                "holder_id": a,
                "uscc": b,
                "percent": "80",
                "start_date": "2019-06-10",
            },
        ],
    )
    write_csv(
        directory / "records.csv",
        [
            {
                "record_id": "R1",
                "subject_type": "entity",
                "subject_id": a,
                "kind": "dishonest_judgment_debtor",
                "authority": "灵寿县人民法院",
                "region_code": "130126",
                "decided_on": "2019-05-20",
                "basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条第（一）项",
                "ground": "1",
            },
            {
                "record_id": "R2",
                "subject_type": "person",
                "subject_id": p2,
                "kind": "dishonest_judgment_debtor",
                "authority": "石家庄市中级人民法院",
                "region_code": "130100",
                "decided_on": "2021-09-01",
                "status": "repaired",
                "status_on": "2022-01-15",
            },
        ],
    )
    return {"a": a, "b": b, "c": c, "organ": organ, "p1": p1, "p2": p2}


class Scenario:
    """A small explicit registry built fact by fact, written as contract files.

    >>> s = Scenario()
    >>> x = s.entity("甲公司", region="130126")
    >>> p = s.person("张伟")
    >>> s.role(p, x, "legal_rep", "2015-01-01")
    """

    def __init__(self, first: int = 0) -> None:
        """``first``: numbering offset, so a later scenario's identifiers differ."""
        self.rows: dict[str, list[dict[str, Any]]] = {
            k: []
            for k in (
                "entities",
                "persons",
                "registrations",
                "roles",
                "shareholdings",
                "records",
                "record_persons",
                "record_events",
            )
        }
        self._n = first

    def _next(self) -> int:
        self._n += 1
        return self._n

    def entity(
        self,
        name: str,
        region: str = "130126",
        org_type: str = "enterprise",
        registered_on: str = "2010-01-01",
        superior: str | None = None,
    ) -> str:
        code = uscc(self._next(), region)
        self.rows["entities"].append(
            {
                "uscc": code,
                "name": name,
                "region_code": region,
                "org_type": org_type,
                "registered_on": registered_on,
                "superior_uscc": superior or "",
            }
        )
        self.rows["registrations"].append(
            {"uscc": code, "region_code": region, "start_date": registered_on}
        )
        return code

    def person(self, name: str, region: str = "130126") -> str:
        n = self._next()
        code = pid(n, region, dt.date(1960 + n % 40, 1 + n % 12, 1 + n % 28))
        self.rows["persons"].append({"person_id": code, "name": name})
        return code

    def role(self, person: str, entity: str, role: str, start: str, end: str = "") -> None:
        self.rows["roles"].append(
            {
                "person_id": person,
                "uscc": entity,
                "role": role,
                "start_date": start,
                "end_date": end,
            }
        )

    def holds(
        self, holder: str, entity: str, percent: float, start: str = "2010-01-01", end: str = ""
    ) -> None:
        kind = "person" if holder[:17].isdigit() else "entity"  # test USCCs contain a "T"
        self.rows["shareholdings"].append(
            {
                "holder_type": kind,
                "holder_id": holder,
                "uscc": entity,
                "percent": str(percent),
                "start_date": start,
                "end_date": end,
            }
        )

    def moves(self, entity: str, region: str, on: str) -> None:
        """The entity's registration moves to ``region`` on ``on`` (old one ends the day before)."""
        regs = [
            r for r in self.rows["registrations"] if r["uscc"] == entity and not r.get("end_date")
        ]
        day_before = (dt.date.fromisoformat(on) - dt.timedelta(days=1)).isoformat()
        for r in regs:
            r["end_date"] = day_before
        self.rows["registrations"].append({"uscc": entity, "region_code": region, "start_date": on})

    def record(self, subject: str, kind: str, decided_on: str, **fields: str) -> str:
        rid = f"REC-{self._next():04d}"
        subject_type = "person" if subject[:17].isdigit() else "entity"
        self.rows["records"].append(
            {
                "record_id": rid,
                "subject_type": subject_type,
                "subject_id": subject,
                "kind": kind,
                "authority": fields.pop("authority", "灵寿县市场监督管理局"),
                "region_code": fields.pop("region_code", "130126"),
                "decided_on": decided_on,
                "basis": fields.pop("basis", "《企业信息公示暂行条例》第十八条"),
                **fields,
            }
        )
        return rid

    def names(self, record: str, person: str, capacity: str) -> None:
        """The record names ``person`` as responsible, in ``capacity`` (record_persons.csv)."""
        self.rows["record_persons"].append(
            {"record_id": record, "person_id": person, "capacity": capacity}
        )

    def event(self, record: str, event: str, on: str, **fields: str) -> None:
        """A life-cycle event on the record (record_events.csv)."""
        self.rows["record_events"].append({"record_id": record, "event": event, "on": on, **fields})

    def write(self, directory: Path) -> Path:
        """Write the contract files (only those with rows)."""
        for kind, rows in self.rows.items():
            if rows:
                write_csv(directory / f"{kind}.csv", rows)
        return directory
