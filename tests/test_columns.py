"""Column-wise validation gives the row-wise verdicts and reasons, row for row.

The property test draws random rows for every contract file — cells good, broken, or good in
a form only the row-wise check normalises — and compares :class:`FrameValidator` with the
row-wise :class:`RowValidator` on each. It reads the columns from ``loaders/contract.yaml``,
so columns (and column types) added to the contract are covered without a change here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_service.catalogue import vocabulary
from graph_service.ids.resident_id import make_resident_id
from graph_service.ids.uscc import make_uscc
from loaders.columns import FrameValidator, date_ok, resident_id_ok, uscc_ok
from loaders.contract import Column, contract
from loaders.readers import Chunk, discover, header, read_chunks
from loaders.validate import RowValidator
from tests.conftest import RING
from tests.factories import small_registry

REGIONS = ["130126", "440305", "500105", "110105", "130100", "110000", "990101", "320812"]
TODAY = dt.date.today()
ROTATE = "0123456789ABCDEFGHJKLMNPQRTUWXY"

uscc_good = st.builds(
    make_uscc,
    st.sampled_from(["9", "1", "5", "Y"]),
    st.sampled_from(["1", "2", "3"]),
    st.sampled_from(REGIONS[:6]),
    st.text("0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
)
id_good = st.builds(
    make_resident_id,
    st.sampled_from(REGIONS[:6]),
    st.dates(dt.date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)
date_good = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)


def _broken(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A good value damaged the ways clerks damage them."""

    def damage(value: str, how: int, pos: int, char: str) -> str:
        i = pos % max(len(value), 1)
        match how:
            case 0:
                return value[:i] + char + value[i + 1 :]  # one character changed
            case 1:
                return value.lower()
            case 2:
                return value[:-1]
            case 3:
                return f" {value} "
            case 4:
                return value.replace("-", "/")
            case 5:
                return value + ".0"
            case 6 if value:  # the check character (or last digit) off by one
                return value[:-1] + ROTATE[(ROTATE.find(value[-1]) + 1) % len(ROTATE)]
            case 7 if len(value) > 16:  # the organisation code check character off by one
                return value[:16] + ROTATE[(ROTATE.find(value[16]) + 1) % 31] + value[17:]
            case _:
                return value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    return st.builds(
        damage, good, st.integers(0, 8), st.integers(0, 30), st.sampled_from("09AXZIOx- 中")
    )


def good_cells(col: Column) -> st.SearchStrategy[str]:
    """Cells for one contract column, mostly good."""
    good: st.SearchStrategy[str]
    match col.type:
        case "uscc":
            good = uscc_good
        case "person_id":
            good = id_good
        case "party":
            good = uscc_good | id_good
        case "region_code":
            good = st.sampled_from(REGIONS)
        case "date":
            good = date_good | st.sampled_from(["2024-02-29", "2023-02-29", "2024/6/1"])
        case "percent":
            good = st.sampled_from(["100", "0", "50.5", "12%", "101", "1e1", "abc", "0.001"])
        case "vocab":
            good = st.sampled_from([*vocabulary(col.vocab or ""), "nope"])
        case _:
            good = st.text(max_size=6)
    return good


def cells(col: Column) -> st.SearchStrategy[str]:
    """Cells for one contract column: good, broken, or empty."""
    good = good_cells(col)
    return st.one_of(good, _broken(good), st.just(""))


def row_strategy(kind: str) -> st.SearchStrategy[dict[str, str]]:
    """A row of ``kind``: every cell good, all good but one, or each good, broken or empty."""
    spec = contract()[kind]  # type: ignore[index]
    extra = {"source": st.sampled_from(["", "feed-a"]), "note": st.sampled_from(["", "x"])}
    good = {c.name: good_cells(c) for c in spec.columns} | extra
    mixed = {c.name: cells(c) for c in spec.columns} | extra
    one_broken = st.sampled_from(spec.columns).flatmap(
        lambda bad: st.fixed_dictionaries(good | {bad.name: _broken(good_cells(bad))})
    )
    return st.one_of(st.fixed_dictionaries(good), one_broken, st.fixed_dictionaries(mixed))


def _without_seal(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    if "id_sealed" in row:
        assert RING.unseal(row["id_sealed"])  # a real seal, different nonce each time
    return {k: v for k, v in row.items() if k != "id_sealed"}


@pytest.mark.slow  # 100 examples of each file, ~35 s in all
@pytest.mark.parametrize("kind", list(contract()))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_columnwise_verdicts_and_reasons_equal_rowwise(kind: str, data: st.DataObject) -> None:
    rows = data.draw(st.lists(row_strategy(kind), min_size=1, max_size=40))
    header = list(rows[0])
    spec = contract()[kind]  # type: ignore[index]
    # Dates after the load day are refused (LOAD_FUTURE_DAYS = 0): the drawn dates reach 9999.
    rowwise = RowValidator(spec, RING, header, f"{kind}.csv", latest=TODAY.isoformat())
    # Cells arrive stripped, as the readers give them.
    stripped = [{k: v.strip() for k, v in row.items()} for row in rows]
    frame = Chunk.from_rows(stripped, list(range(len(stripped))), []).frame
    result = FrameValidator(rowwise).validate(frame)
    for i, row in enumerate(stripped):
        norm, problems = rowwise.validate(row)
        assert _without_seal(result.rows[i]) == _without_seal(norm), row
        assert result.problems.get(i, []) == problems, row


def test_a_clean_registry_is_validated_without_the_rowwise_path(tmp_path: Path) -> None:
    small_registry(tmp_path)
    sources, _ = discover(tmp_path)
    for src in sources:
        rowwise = RowValidator(contract()[src.kind], RING, header(src), src.path.name)
        for chunk in read_chunks(src):
            result = FrameValidator(rowwise).validate(chunk.frame)
            assert result.rowwise == 0 and not result.problems, src.kind


def test_fast_identifier_checks_agree_with_the_reference_on_known_cases() -> None:
    good_uscc, good_id = (
        make_uscc("9", "1", "130126", "T0000001"),
        make_resident_id("130126", dt.date(1980, 1, 1), 11),
    )
    bad_uscc = good_uscc[:-1] + ("0" if good_uscc[-1] != "0" else "1")
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")
    assert uscc_ok([good_uscc, bad_uscc, good_uscc.lower(), ""]).tolist() == [
        True,
        False,
        False,
        False,
    ]
    assert resident_id_ok([good_id, bad_id, "中" * 18], TODAY).tolist() == [True, False, False]
    assert date_ok(["2024-02-29", "2023-02-29", "2024-2-29", "２０２４-02-29"]).tolist() == [
        True,
        False,
        False,
        False,
    ]
