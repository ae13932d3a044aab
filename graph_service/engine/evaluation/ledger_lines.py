"""The grade ledger's ``change`` lines, made column-wise in Arrow: the bytes a run appends,
equal to what ``json.dumps`` writes for each change (tests/test_grade_ledger.py) without a
Python object per line (a first run at a million entities writes a million lines; a string
per line took seconds, most of it the allocator's page faults)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_TEXT = pa.large_string()  # 64-bit offsets: a national run's lines pass 2 GiB
#: Text a JSON string holds as it is (no escape): letters and digits, as USCCs and grades are.
_PLAIN = "^[0-9A-Za-z]*$"
#: Below this magnitude two scores with two decimals are many ulps apart, so a score that is
#: exactly ``k / 100`` has ``k / 100`` written with trailing zeros dropped as its ``repr``.
_CENTS_BELOW = 1e9


def change_lines(
    run_id: str, on: str, uscc: pd.Series, before: pd.Series, to: pd.Series, score: pd.Series
) -> memoryview:
    """The ``change`` lines of a run (``before``: the earlier grade, missing when the entity
    was never graded), each ending in a newline, as one buffer of UTF-8."""
    if uscc.empty:
        return memoryview(b"")
    head = json.dumps({"type": "change", "run_id": run_id, "on": on}, ensure_ascii=False)
    parts = [
        _text(head[:-1] + ', "uscc": '),
        _json_strings(uscc),
        _text(', "from": '),
        pc.fill_null(_json_strings(before), _text("null")),
        _text(', "to": '),
        _json_strings(to),
        _text(', "score": '),
        _json_numbers(score),
        _text("}\n"),
    ]
    return _values(_join(*parts))


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, _TEXT)


def _join(*parts: pa.Array | pa.Scalar) -> pa.Array:
    """The parts' text end to end, row by row (a missing part: a missing row)."""
    return pc.binary_join_element_wise(*parts, _text(""))


def _json_strings(column: pd.Series) -> pa.Array:
    """Each value of a text column as a JSON string; a missing value stays missing."""
    values = column.to_numpy(dtype=object)
    text = pa.array(values, _TEXT, from_pandas=True)
    plain = pc.match_substring_regex(text, _PLAIN)
    if pc.all(plain).as_py() is not False:  # None: no value, or all missing
        return _join(_text('"'), text, _text('"'))
    quoted = [None if pd.isna(v) else json.dumps(str(v), ensure_ascii=False) for v in values]
    return pa.array(quoted, _TEXT)


def _json_numbers(column: pd.Series) -> pa.Array:
    """Each score as ``json.dumps`` writes the float: ``repr``, made from whole cents when
    every score is a whole number of cents of moderate size (the grades' scores are rounded),
    else one ``repr`` per value."""
    values = column.to_numpy(dtype=float)
    moderate = bool(np.all(np.abs(values) < _CENTS_BELOW))  # False for NaN and infinities
    cents = np.rint(values * 100) if moderate else values
    if not (
        moderate
        and np.array_equal(cents / 100, values)
        and not np.any(np.signbit(values) & (values == 0))  # repr(-0.0) is "-0.0"
    ):
        return pa.array([json.dumps(float(v)) for v in values], _TEXT)
    whole = np.abs(cents).astype(np.int64)
    hundredths = whole % 100
    fraction = pc.if_else(
        pa.array(hundredths == 0),
        _text(".0"),
        pc.if_else(
            pa.array(hundredths % 10 == 0),
            _join(_text("."), pc.cast(pa.array(hundredths // 10), _TEXT)),
            _join(_text("."), pc.utf8_lpad(pc.cast(pa.array(hundredths), _TEXT), 2, "0")),
        ),
    )
    sign = pc.if_else(pa.array(cents < 0), _text("-"), _text(""))
    return _join(sign, pc.cast(pa.array(whole // 100), _TEXT), fraction)


def _values(lines: pa.Array) -> memoryview:
    """The characters of a large-string array without nulls, end to end."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[start:end]
