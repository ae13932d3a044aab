"""Who decides a credit record, and on what legal basis.

An authority sits at county, city or province level of the subject's county; the record's
``region_code`` is the authority's own code (a county, city or province code), which is not
always the subject's registration county: relocation rules read registrations, not this.
"""

from __future__ import annotations

import random
from typing import Literal

from graph_service.synth.geo import MUNICIPALITIES, County

Level = Literal["county", "city", "province"]

# (level, name suffix) options per record kind; market bans are chosen by sector instead.
_BY_KIND: dict[str, tuple[tuple[Level, str], ...]] = {
    "consumption_restriction": (("county", "人民法院"), ("city", "中级人民法院")),
    "serious_illegal_dishonest": (("county", "市场监督管理局"), ("city", "市场监督管理局")),
    "major_tax_violation": (("county", "税务局"), ("city", "税务局")),
    "procurement_dishonest": (("city", "财政局"), ("county", "财政局")),
    "licence_revoked": (("county", "市场监督管理局"),),
    "joint_punishment_list": (
        ("city", "发展和改革委员会"),
        ("city", "发展和改革委员会"),
        ("province", "发展和改革委员会"),
        ("county", "市场监督管理局"),
    ),
    "dishonest_judgment_debtor": (
        ("county", "人民法院"),
        ("county", "人民法院"),
        ("county", "人民法院"),
        ("city", "中级人民法院"),
    ),
    "watch_list": (("county", "市场监督管理局"), ("city", "应急管理局")),
    "administrative_penalty": (
        ("county", "市场监督管理局"),
        ("county", "市场监督管理局"),
        ("county", "税务局"),
        ("city", "生态环境局"),
        ("county", "应急管理局"),
        ("county", "人力资源和社会保障局"),
    ),
    "commitment_breach": (("county", "行政审批局"), ("city", "发展和改革委员会")),
    "interview": (("county", "市场监督管理局"), ("county", "应急管理局"), ("county", "税务局")),
    "abnormal_operation": (("county", "市场监督管理局"),),
}

_BY_SECTOR: dict[str, tuple[tuple[Level, str], ...]] = {
    "food_drug": (
        ("county", "市场监督管理局"),
        ("city", "市场监督管理局"),
        ("province", "药品监督管理局"),
    ),
    "environment": (("city", "生态环境局"),),
    "construction": (("city", "住房和城乡建设局"),),
    "work_safety": (("county", "应急管理局"), ("city", "应急管理局")),
    "elder_child_care": (("city", "民政局"), ("county", "民政局")),
    "urban_safety": (("city", "城市管理综合行政执法局"),),
}

_BASIS_BY_KIND: dict[str, tuple[str, ...]] = {
    "consumption_restriction": (
        "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第一条",
    ),
    "serious_illegal_dishonest": ("《市场监督管理严重违法失信名单管理办法》第二条",),
    "major_tax_violation": ("《重大税收违法失信主体信息公布管理办法》第六条",),
    "procurement_dishonest": (
        "《中华人民共和国政府采购法》第七十七条",
        "《中华人民共和国政府采购法实施条例》第七十二条",
    ),
    "licence_revoked": (
        "《中华人民共和国市场主体登记管理条例》第四十条",
        "《中华人民共和国公司法》第二百六十条",
    ),
    "joint_punishment_list": (
        "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》"
        "（国办发〔2019〕35号）",
        "《市场监督管理严重违法失信名单管理办法》",
        "《关于对失信被执行人实施联合惩戒的合作备忘录》",
    ),
    "dishonest_judgment_debtor": (
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "《中华人民共和国民事诉讼法》第二百六十六条",
    ),
    "watch_list": (
        "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》"
        "（国办发〔2019〕35号）",
    ),
    "administrative_penalty": (
        "《中华人民共和国食品安全法》第一百二十四条",
        "《中华人民共和国广告法》第五十五条",
        "《中华人民共和国税收征收管理法》第六十三条",
        "《中华人民共和国产品质量法》第四十九条",
        "《中华人民共和国大气污染防治法》第九十九条",
        "《中华人民共和国安全生产法》第一百零一条",
    ),
    "commitment_breach": (
        "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》",
    ),
    "interview": (
        "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》"
        "（国办发〔2019〕35号）第（九）项",
    ),
    "abnormal_operation": (
        "《企业信息公示暂行条例》第十七条",
        "《企业经营异常名录管理暂行办法》第四条",
    ),
}

_BASIS_BY_SECTOR: dict[str, tuple[str, ...]] = {
    "food_drug": (
        "《中华人民共和国食品安全法》第一百三十五条",
        "《中华人民共和国药品管理法》第一百一十八条",
    ),
    "environment": ("《中华人民共和国环境影响评价法》第三十二条",),
    "construction": ("《建筑市场信用管理暂行办法》", "《中华人民共和国建筑法》"),
    "work_safety": ("《中华人民共和国安全生产法》第九十四条",),
    "elder_child_care": ("《养老机构管理办法》", "《中华人民共和国未成年人保护法》第六十二条"),
    "urban_safety": ("《城镇燃气管理条例》",),
}

_COURT_ORDINALS = ("第一", "第二", "第三")


def _at(rnd: random.Random, county: County, level: Level, suffix: str) -> tuple[str, str]:
    if suffix == "税务局" and level == "county":
        return "国家税务总局" + county.full_name + suffix, county.code
    if suffix == "税务局" and level == "city":
        return "国家税务总局" + county.city_name + suffix, county.city_code
    if level == "county":
        return county.full_name + suffix, county.code
    if level == "city":
        if suffix == "中级人民法院" and county.province in MUNICIPALITIES:
            ordinal = rnd.choice(_COURT_ORDINALS)
            return county.province_name + ordinal + suffix, county.city_code
        return county.city_name + suffix, county.city_code
    return county.province_name + suffix, county.province_code


def authority(rnd: random.Random, kind: str, county: County, sector: str = "") -> tuple[str, str]:
    """The deciding authority for a record about a subject in ``county``: (name, region code)."""
    options = _BY_SECTOR[sector] if kind == "market_ban" else _BY_KIND[kind]
    level, suffix = rnd.choice(options)
    return _at(rnd, county, level, suffix)


def basis(rnd: random.Random, kind: str, sector: str = "") -> str:
    """The legal basis cited by a record."""
    if kind == "market_ban":
        return rnd.choice(_BASIS_BY_SECTOR[sector])
    return rnd.choice(_BASIS_BY_KIND[kind])
