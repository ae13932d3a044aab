"""公民身份号码 (resident identity number), GB 11643-1999.

Characters 1-6: region of first registration (GB/T 2260), 7-14: birth date ``YYYYMMDD``,
15-17: sequence (odd for men), 18: check digit over 1-17 (ISO 7064 MOD 11-2, ``X`` for 10).

Example
-------
>>> validate_resident_id("11010519491231002X")
'11010519491231002X'
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

from graph_service.errors import InvalidIdentifier

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check digit for the first 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: object, *, today: dt.date | None = None) -> str:
    """Return the ID number normalised (upper-case ``X``), or raise :class:`InvalidIdentifier`.

    Checks the length, the digits, a region code known to any GB/T 2260 revision, a real
    birth date not in the future and not before 1900, and the check digit.
    """
    from graph_service.ids.regions import is_known_region

    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier("身份证号码为空", "ID number is empty")
    code = value.strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier(
            f"身份证号码应为18位，实为{len(code)}位",
            f"ID number must have 18 characters, got {len(code)}",
        )
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise InvalidIdentifier(
            "身份证号码前17位须为数字，第18位为数字或X",
            "ID number must be 17 digits followed by a digit or X",
        )
    if not is_known_region(code[:6]):
        raise InvalidIdentifier(
            f"身份证号码前6位行政区划码“{code[:6]}”不存在",
            f"ID number region code '{code[:6]}' is not a GB/T 2260 code",
        )
    try:
        born = dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            f"身份证号码出生日期“{code[6:14]}”不是有效日期",
            f"ID number birth date '{code[6:14]}' is not a real date",
        ) from None
    if born.year < 1900 or born > (today or dt.date.today()):
        raise InvalidIdentifier(
            f"身份证号码出生日期“{born.isoformat()}”不在合理范围",
            f"ID number birth date {born.isoformat()} is before 1900 or in the future",
        )
    expected = resident_id_check_digit(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(
            f"身份证号码校验位错误：应为{expected}，实为{code[17]}",
            f"ID number check digit wrong: expected {expected}, got {code[17]}",
        )
    return code


def make_resident_id(region_code: str, born: dt.date, sequence: int) -> str:
    """Assemble a valid ID number; ``sequence`` is 0-999 (odd for men)."""
    first17 = f"{region_code}{born:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


def mask_resident_id(code: str) -> str:
    """Show the region and the last four characters only: ``130126********011X``."""
    return code[:6] + "*" * 8 + code[14:]


#: 17 digits and a check character, not inside a longer run of digits (letters around it do
#: not protect it: ``P:``, ``%3A``, ``id=`` all precede ID numbers in paths and queries).
_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def mask_id_numbers(text: str) -> str:
    """``text`` with every resident ID number in it masked (:func:`mask_resident_id`); text
    holding percent-escapes is decoded first, so ``%31%33…`` hides nothing. The one mask
    for paths, query strings, messages, error bodies and log lines.

    >>> mask_id_numbers("GET /v1/graph/neighbourhood?id=P%3A13012619800501011X")
    'GET /v1/graph/neighbourhood?id=P:130126********011X'
    """
    if "%" in text:
        text = _PERCENT.sub(lambda m: unquote(m.group(0)), text)
    return _ID_NUMBER.sub(lambda m: mask_resident_id(m.group(0)), text)
