"""Row validation: each cell checked against its contract column, with reasons a clerk reads.

A row either becomes a normalised dict ready for the store, or a list of :class:`Problem`
(one per bad cell). References to other items (an entity a role points at) are checked
later, in :mod:`loaders.load`, because they need the store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graph_service.catalogue import vocabulary
from graph_service.engine.measures import UnknownAction, normalise_action
from graph_service.errors import InvalidIdentifier
from graph_service.ids.person_key import PersonKeyring, mask_resident_id
from graph_service.ids.regions import validate_region_code
from graph_service.ids.resident_id import validate_resident_id
from graph_service.ids.uscc import validate_uscc
from graph_service.stores.hashing import content_hashes
from loaders.contract import EXTRA_COLUMN, MAX_CELL, RESERVED, Column, FileSpec
from loaders.record_rules import record_problems

_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?$")
#: C0 and C1 control characters and DEL, tab and line breaks excepted (a legal basis may run
#: over lines): never in a cell (a NUL cuts text in C programs, an escape sequence rewrites a
#: terminal).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one cell of one row was refused."""

    column: str
    value: str
    reason: str


class RowError(Exception):
    """A cell failed; carries the bilingual reason."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")


@lru_cache(maxsize=1 << 20)
def _uscc(value: str) -> str:
    return validate_uscc(value)


@lru_cache(maxsize=1 << 20)
def _person(value: str) -> str:
    return validate_resident_id(value)


@lru_cache(maxsize=1 << 14)
def _region(value: str) -> str:
    return validate_region_code(value)


def parse_date(value: str) -> str:
    """ISO date text from ``YYYY-MM-DD`` (also ``YYYY/M/D`` and spreadsheet midnight times)."""
    m = _DATE.match(value)
    if not m:
        raise RowError(f"日期“{value}”格式应为YYYY-MM-DD", f"date '{value}' must be YYYY-MM-DD")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise RowError(f"日期“{value}”不存在", f"date '{value}' does not exist") from None


def parse_percent(value: str) -> float:
    """A holding percentage in (0, 100]; a trailing ``%`` is allowed."""
    try:
        pct = float(value.rstrip("%").strip())
    except ValueError:
        raise RowError(f"持股比例“{value}”不是数字", f"percent '{value}' is not a number") from None
    if not 0 < pct <= 100:
        raise RowError(
            f"持股比例“{value}”应大于0且不超过100", f"percent '{value}' must be in (0, 100]"
        )
    return pct


_TRUE = frozenset({"true", "1", "yes", "y", "是", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "f"})


def parse_bool(value: str) -> bool:
    """true/false, 1/0, yes/no, 是/否."""
    low = value.lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise RowError(f"“{value}”应为true或false", f"'{value}' must be true or false")


def parse_amount(value: str) -> float:
    """A sum of yuan ≥ 0 (thousands separators allowed)."""
    try:
        amount = float(value.replace(",", "").replace("，", ""))
    except ValueError:
        raise RowError(f"金额“{value}”不是数字", f"amount '{value}' is not a number") from None
    if not amount >= 0 or amount == float("inf"):
        raise RowError(f"金额“{value}”应不小于0", f"amount '{value}' must be 0 or more")
    return amount


class RowValidator:
    """Validates and normalises the rows of one contract file."""

    def __init__(
        self,
        spec: FileSpec,
        keyring: PersonKeyring,
        header: list[str],
        default_source: str,
        latest: str | None = None,
    ) -> None:
        self.spec = spec
        #: The latest date a column without ``future`` may hold (None: no limit).
        self.latest = latest
        self.default_source = default_source
        self.keyring = keyring
        self.extra = [
            c for c in header if c not in spec.names and EXTRA_COLUMN.match(c) and c not in RESERVED
        ]
        self.ignored = [c for c in header if c not in spec.names and c not in self.extra]
        self.vocabs = {c.vocab: vocabulary(c.vocab) for c in spec.columns if c.vocab}
        #: Whether :meth:`row_problems` has rules for this kind of row.
        self.row_rules = spec.kind == "records"

    def check_cell(self, col: Column, raw: str, row: Mapping[str, str]) -> Any:
        """The normalised value of one non-empty cell; raises :class:`RowError` if bad."""
        match col.type:
            case "text":
                return raw
            case "date":
                return parse_date(raw)
            case "percent":
                return parse_percent(raw)
            case "region_code":
                return _call(_region, raw)
            case "uscc":
                return _call(_uscc, raw)
            case "person_id":
                return _call(_person, raw)
            case "party":
                by = row.get(col.by or "", "").strip()
                return _call(_uscc if by == "entity" else _person, raw)
            case "choice":
                if raw not in col.choices:
                    allowed = ", ".join(col.choices)
                    raise RowError(
                        f"“{raw}”不是{col.name}的有效取值（可选：{allowed}）",
                        f"'{raw}' is not a valid {col.name} (allowed: {allowed})",
                    )
                return raw
            case "bool":
                return parse_bool(raw)
            case "amount":
                return parse_amount(raw)
            case "action":
                try:
                    return normalise_action(raw)
                except UnknownAction as exc:
                    raise RowError(exc.zh, exc.en) from None
            case "vocab":
                codes = self.vocabs[col.vocab or ""]
                if raw not in codes:
                    allowed = ", ".join(codes)
                    raise RowError(
                        f"“{raw}”不是{col.name}的有效取值（可选：{allowed}）",
                        f"'{raw}' is not a valid {col.name} (allowed: {allowed})",
                    )
                return raw
        raise ValueError(col.type)

    def validate(self, row: Mapping[str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The normalised row, or None and the problems found."""
        values, problems = self.check(row)
        return (None, problems) if values is None else (self._normalise(values), [])

    def check(self, row: Mapping[str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
        """The row's checked values, not yet normalised (:func:`normalise_columns` does that,
        for many rows at once), or None and the problems found."""
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        for col in self.spec.columns:
            raw = row.get(col.name, "").strip()
            if not raw and col.default is not None:
                raw = col.default
            if not raw:
                if col.required or _required_when(col, row):
                    problems.append(Problem(col.name, "", _missing(col)))
                values[col.name] = None
                continue
            try:
                check_text(raw, col.max_length or MAX_CELL)
                values[col.name] = self.check_cell(col, raw, row)
                if col.type == "date" and not col.future:
                    self._not_future(values[col.name])
            except RowError as exc:
                problems.append(Problem(col.name, _excerpt(raw), str(exc)))
        for col in self.spec.columns:
            if col.default_from and values.get(col.name) is None:
                values[col.name] = values.get(col.default_from)
            later, earlier = values.get(col.name), values.get(col.not_before or "")
            if later and earlier and later < earlier:
                problems.append(
                    Problem(
                        col.name,
                        str(later),
                        f"{col.name}（{later}）早于{col.not_before}（{earlier}） / "
                        f"{col.name} {later} is before {col.not_before} {earlier}",
                    )
                )
            earlier, later = values.get(col.name), values.get(col.not_after or "")
            if later and earlier and later < earlier:
                problems.append(
                    Problem(
                        col.name,
                        str(earlier),
                        f"{col.name}（{earlier}）晚于{col.not_after}（{later}） / "
                        f"{col.name} {earlier} is after {col.not_after} {later}",
                    )
                )
        for name in [*self.extra, "source"]:
            try:
                check_text(row.get(name) or "", MAX_CELL)
            except RowError as exc:
                problems.append(Problem(name, _excerpt(row.get(name) or ""), str(exc)))
        if not problems:
            problems = self.row_problems(values)
        if problems:
            return None, problems
        for name in self.extra:
            values[name] = row.get(name) or None
        values["source"] = row.get("source") or self.default_source
        return values, []

    def _not_future(self, day: str) -> None:
        if self.latest is not None and day > self.latest:
            raise RowError(
                f"日期{day}晚于加载日（最晚{self.latest}）",
                f"date {day} is after the load day (latest allowed {self.latest})",
            )

    def row_problems(self, values: Mapping[str, Any]) -> list[Problem]:
        """Rules on a whole row whose cells are all valid (``values``: checked, not yet
        keyed) — the law's rules on a credit record."""
        if not self.row_rules:
            return []
        person = values["subject_id"] if values["subject_type"] == "person" else None
        return [
            Problem(c, str(values.get(c) or ""), f"{zh} / {en}")
            for c, zh, en in record_problems(values, person)
        ]

    def _normalise(self, v: dict[str, Any]) -> dict[str, Any]:
        columns = normalise_columns(self.spec.kind, {k: [x] for k, x in v.items()}, self.keyring)
        return {k: c[0] for k, c in columns.items()}


def normalise_columns(
    kind: str, columns: dict[str, list[Any]], keyring: PersonKeyring
) -> dict[str, list[Any]]:
    """Valid rows of one kind, column by column, in the form the store holds: ID numbers
    replaced by their keys (persons also masked and sealed) and the content hash stamped."""
    rows = len(next(iter(columns.values())))
    if kind == "persons":
        pids = columns.pop("person_id")
        masked = list(map(mask_resident_id, pids))
        front: dict[str, list[Any]] = {"key": _keys(keyring, pids), "id_masked": masked}
        columns = front | columns
        columns["_h"] = columns["_src"] = content_hashes(columns, rows)
        columns["id_sealed"] = keyring.seal_many(pids)
        return columns
    if kind in ("roles", "record_persons", "record_events"):
        columns["person_key"] = _keys(keyring, columns.pop("person_id"))
    elif kind == "shareholdings":
        holders = columns.pop("holder_id")
        columns["holder_key"] = _party_keys(keyring, holders, columns["holder_type"])
    elif kind == "records":
        subjects = columns.pop("subject_id")
        columns["subject_key"] = _party_keys(keyring, subjects, columns["subject_type"])
    # _src: what the source said last. A reload of the same row changes nothing even after
    # a life-cycle event changed the record in this system (events carry no _src).
    columns["_h"] = columns["_src"] = content_hashes(columns, rows)
    return columns


def _keys(keyring: PersonKeyring, ids: list[str | None]) -> list[str | None]:
    """The person key of each ID number (None stays None)."""
    keys = iter(keyring.keys([pid for pid in ids if pid]))
    return [next(keys) if pid else None for pid in ids]


def _party_keys(keyring: PersonKeyring, ids: list[str], types: list[str]) -> list[str | None]:
    """USCCs as they are, ID numbers keyed (``types``: entity or person, row by row)."""
    persons = iter(_keys(keyring, [i for i, t in zip(ids, types, strict=True) if t != "entity"]))
    return [i if t == "entity" else next(persons) for i, t in zip(ids, types, strict=True)]


def check_text(raw: str, limit: int) -> None:
    """Refuse control characters and cells longer than ``limit``."""
    bad = CONTROL.search(raw)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise RowError(
            f"含控制字符{code}（第{bad.start() + 1}个字符）",
            f"holds the control character {code} (character {bad.start() + 1})",
        )
    if len(raw) > limit:
        raise RowError(
            f"长度为{len(raw)}个字符，超过上限{limit}",
            f"{len(raw)} characters, over the limit {limit}",
        )


def _excerpt(raw: str) -> str:
    """A refused value as the rejects file shows it: at most 200 characters."""
    return raw if len(raw) <= 200 else f"{raw[:200]}…（共{len(raw)}字符 / {len(raw)} chars)"


def _call(fn: Callable[[str], str], raw: str) -> str:
    try:
        return fn(raw)
    except InvalidIdentifier as exc:
        raise RowError(exc.zh, exc.en) from None


def _required_when(col: Column, row: Mapping[str, str]) -> bool:
    for other, wanted in col.required_when.items():
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if row.get(other, "").strip() in allowed:
            return True
    return False


def _missing(col: Column) -> str:
    if col.required_when:
        cond = "; ".join(f"{k}={v}" for k, v in col.required_when.items())
        return f"当{cond}时必须填写{col.name} / {col.name} is required when {cond}"
    return f"必填列{col.name}为空 / required column {col.name} is empty"
