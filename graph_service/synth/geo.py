"""Where synthetic entities and people live: county-level GB/T 2260 codes, weighted by province.

Codes come from :func:`graph_service.ids.regions.current_regions` (never typed by hand); only
county-level divisions are used, and Taiwan, Hong Kong, Macao and the 99 sea area are left out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from typing import Literal

import numpy as np
import numpy.typing as npt

from graph_service.ids.regions import current_regions

DiffersAt = Literal["county", "city", "province"]

EXCLUDED_PROVINCES = frozenset({"71", "81", "82", "99"})

#: Resident population in millions (2020 census, rounded): the weight of a province.
PROVINCE_WEIGHT: dict[str, float] = {
    "11": 21.9, "12": 13.9, "13": 74.6, "14": 34.9, "15": 24.0, "21": 42.6, "22": 24.1,
    "23": 31.9, "31": 24.9, "32": 84.7, "33": 64.6, "34": 61.0, "35": 41.5, "36": 45.2,
    "37": 101.5, "41": 99.4, "42": 57.8, "43": 66.4, "44": 126.0, "45": 50.1, "46": 10.1,
    "50": 32.1, "51": 83.7, "52": 38.6, "53": 47.2, "54": 3.6, "61": 39.5, "62": 25.0,
    "63": 5.9, "64": 7.2, "65": 25.9,
}  # fmt: skip

#: Short province names as used at the front of company names (广东, 内蒙古 …).
PROVINCE_SHORT: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁",
    "22": "吉林", "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽",
    "35": "福建", "36": "江西", "37": "山东", "41": "河南", "42": "湖北", "43": "湖南",
    "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏",
    "65": "新疆",
}  # fmt: skip

MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

# Urban districts hold more firms than rural counties of the same province.
_DISTRICT_FACTOR = 2.0


@dataclass(frozen=True, slots=True)
class County:
    """One county-level division with the names authorities and companies are built from."""

    code: str
    name: str
    #: Name as used in front of an authority: ``石家庄市长安区`` for a district, else ``灵寿县``.
    full_name: str
    #: Prefecture-level name and code; a county directly under its province stands for itself.
    city_name: str
    city_code: str
    province_name: str
    province_code: str

    @property
    def province(self) -> str:
        """First two digits of the code."""
        return self.code[:2]

    @property
    def city(self) -> str:
        """First four digits of the code."""
        return self.code[:4]

    @property
    def city_short(self) -> str:
        """``石家庄`` from ``石家庄市``; other prefecture names are kept whole."""
        n = self.city_name
        return n[:-1] if n.endswith("市") and len(n) > 2 else n


class Geography:
    """The county list, its sampling weights and its province/city groupings.

    Counties are kept sorted by code so that every draw is reproducible from the seed.
    """

    def __init__(self) -> None:
        regions = current_regions()
        codes = sorted(
            code
            for code, r in regions.items()
            if r.level == "county" and code[:2] not in EXCLUDED_PROVINCES
        )
        per_province: dict[str, int] = {}
        for code in codes:
            per_province[code[:2]] = per_province.get(code[:2], 0) + 1
        counties: list[County] = []
        weights: list[float] = []
        for code in codes:
            r = regions[code]
            prov = regions[code[:2] + "0000"]
            city = regions.get(code[:4] + "00")
            if city is None or city.name in {"省直辖县级行政区划", "自治区直辖县级行政区划"}:
                city_name, city_code = r.name, code
            else:
                city_name, city_code = city.name, city.code
            full = city_name + r.name if r.name.endswith("区") and city_code != code else r.name
            counties.append(County(code, r.name, full, city_name, city_code, prov.name, prov.code))
            factor = _DISTRICT_FACTOR if r.name.endswith("区") else 1.0
            weights.append(PROVINCE_WEIGHT[code[:2]] / per_province[code[:2]] * factor)
        self.counties: tuple[County, ...] = tuple(counties)
        total = sum(weights)
        self._p: npt.NDArray[np.float64] = np.asarray(weights, dtype=np.float64) / total
        self._cum: list[float] = list(accumulate(w / total for w in weights))
        self._index = {c.code: i for i, c in enumerate(counties)}
        by_city: dict[str, list[int]] = {}
        by_province: dict[str, list[int]] = {}
        for i, c in enumerate(counties):
            by_city.setdefault(c.city, []).append(i)
            by_province.setdefault(c.province, []).append(i)
        self._by_city = {k: tuple(v) for k, v in by_city.items()}
        #: 4-digit city prefixes that have counties.
        self.cities = frozenset(by_city)
        self._by_province = {k: tuple(v) for k, v in by_province.items()}

    def __len__(self) -> int:
        return len(self.counties)

    def index(self, code: str) -> int:
        """Position of a county code in :attr:`counties`."""
        return self._index[code]

    def seat(self, city: str) -> int:
        """The county where a city's (or, for ``xx01``, a province's) government sits.

        Taken as the city's lowest-coded county, its central district in the code table.
        """
        return self._by_city[city][0]

    def draw(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
        """``n`` county indices drawn by province weight (vectorised)."""
        return rng.choice(len(self.counties), size=n, p=self._p)

    def pick(self, rnd: random.Random) -> int:
        """One county index drawn by province weight."""
        return rnd.choices(range(len(self.counties)), cum_weights=self._cum)[0]

    def pick_in_province(self, rnd: random.Random, county: int) -> int:
        """A different county of the same province (any county if it has no other)."""
        options = self._by_province[self.counties[county].province]
        if len(options) == 1:
            return self.pick(rnd)
        while True:
            other = rnd.choice(options)
            if other != county:
                return other

    def pick_differing(self, rnd: random.Random, county: int, level: DiffersAt) -> int | None:
        """A county that differs from ``county`` at ``level`` and at no coarser level.

        ``county``: same city, another county; ``city``: same province, another city;
        ``province``: another province. ``None`` when no such county exists.
        """
        c = self.counties[county]
        if level == "county":
            options = [i for i in self._by_city[c.city] if i != county]
        elif level == "city":
            options = [i for i in self._by_province[c.province] if self.counties[i].city != c.city]
        else:
            for _ in range(100):
                other = self.pick(rnd)
                if self.counties[other].province != c.province:
                    return other
            return None
        return rnd.choice(options) if options else None

    def pick_pair(self, rnd: random.Random, level: DiffersAt) -> tuple[int, int]:
        """Two counties that differ exactly from ``level`` upwards (see :meth:`pick_differing`)."""
        while True:
            a = self.pick(rnd)
            b = self.pick_differing(rnd, a, level)
            if b is not None:
                return a, b


@cache
def geography() -> Geography:
    """The shared, immutable county table."""
    return Geography()


def differing_levels(a: str, b: str) -> list[str]:
    """Levels at which two region codes differ: ``[]``, ``["county"]`` … all three."""
    out: list[str] = []
    if a != b:
        out.append("county")
    if a[:4] != b[:4]:
        out.append("city")
    if a[:2] != b[:2]:
        out.append("province")
    return out
