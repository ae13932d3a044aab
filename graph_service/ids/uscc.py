"""统一社会信用代码 (Unified Social Credit Code), GB 32100-2015.

Layout of the 18 characters::

    1     registration authority (1 机构编制, 5 民政, 9 工商, Y 其他 …)
    2     organisation category within that authority
    3-8   region code of the registering authority (GB/T 2260)
    9-17  organisation code (GB 11714-1997), whose 9th character is its own check
    18    check character over characters 1-17

Both check characters are verified, so one mistyped character anywhere is caught.

Example
-------
>>> validate_uscc("91350100M000100Y43")
'91350100M000100Y43'
>>> uscc_check_char("91350100M000100Y4")
'3'
"""

from __future__ import annotations

from graph_service.errors import InvalidIdentifier

#: GB 32100 alphabet: digits and capitals without I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: GB 11714 organisation code: digits and capitals A-Z valued 10-35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: Registration authority → allowed category codes (GB 32100-2015 table 1).
AUTHORITY_CATEGORIES: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "9": "123",  # 工商: 企业, 个体工商户, 农民专业合作社
    "Y": "1",  # 其他
    "2": "19",  # 外交
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会
    "4": "19",  # 文化
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织
}


def _org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character (18th) for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The GB 11714 check character (9th) of an organisation code."""
    total = sum(_org_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(value: object, *, check_region: bool = True) -> str:
    """Return the USCC upper-cased and stripped, or raise :class:`InvalidIdentifier`.

    Parameters
    ----------
    value:
        The code as written by the user (surrounding blanks and lower case are tolerated).
    check_region:
        Also require characters 3-8 to be a GB/T 2260 code (current or retired).
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentifier("统一社会信用代码为空", "USCC is empty")
    code = value.strip().upper()
    if len(code) != 18:
        raise InvalidIdentifier(
            f"统一社会信用代码应为18位，实为{len(code)}位",
            f"USCC must have 18 characters, got {len(code)}",
        )
    for pos, c in enumerate(code, start=1):
        if c not in _VALUE:
            raise InvalidIdentifier(
                f"统一社会信用代码第{pos}位字符“{c}”不合法（不得含I、O、Z、S、V）",
                f"USCC character {pos} '{c}' is not allowed (I, O, Z, S, V are never used)",
            )
    authority, category = code[0], code[1]
    if authority not in AUTHORITY_CATEGORIES:
        raise InvalidIdentifier(
            f"统一社会信用代码第1位登记管理部门代码“{authority}”不存在",
            f"USCC character 1 '{authority}' is not a registration authority code",
        )
    if category not in AUTHORITY_CATEGORIES[authority]:
        raise InvalidIdentifier(
            f"统一社会信用代码第2位机构类别“{category}”不属于登记管理部门“{authority}”",
            f"USCC character 2 '{category}' is not a category of authority '{authority}'",
        )
    expected_org = org_code_check_char(code[8:16])
    if code[16] != expected_org:
        raise InvalidIdentifier(
            f"统一社会信用代码第17位（组织机构代码校验位）错误：应为{expected_org}，实为{code[16]}",
            f"USCC character 17 (organisation code check) wrong: "
            f"expected {expected_org}, got {code[16]}",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidIdentifier(
            f"统一社会信用代码校验位错误：应为{expected}，实为{code[17]}",
            f"USCC check character wrong: expected {expected}, got {code[17]}",
        )
    if check_region:
        from graph_service.ids.regions import is_known_region

        if not is_known_region(code[2:8]):
            raise InvalidIdentifier(
                f"统一社会信用代码第3-8位行政区划码“{code[2:8]}”不存在",
                f"USCC characters 3-8 '{code[2:8]}' are not a GB/T 2260 region code",
            )
    return code


def make_uscc(authority: str, category: str, region_code: str, org_body: str) -> str:
    """Assemble a valid USCC from its parts; ``org_body`` is the 8-character organisation code.

    Used by the synthetic registry and by tests; both check characters are computed.
    """
    org = org_body + org_code_check_char(org_body)
    first17 = f"{authority}{category}{region_code}{org}"
    return first17 + uscc_check_char(first17)
