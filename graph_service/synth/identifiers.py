"""Unique, valid identifiers without a registry of the ones already issued.

Each identifier is the image of a counter under a seeded permutation (a small Feistel
network, see :class:`Permutation`): distinct counters give distinct codes, so uniqueness
costs no memory however many entities and people are generated, and consecutive counters
give unrelated-looking codes.

- USCC (GB 32100): organisation codes of units registered before the reform (2015-10-01)
  are 8 digits; later ones are ``MA``/``MJ``/``MB`` plus 6 characters, as the registries
  issue them. The check
  characters come from :func:`graph_service.ids.uscc.make_uscc`.
- Resident ID (GB 11643): the birth date and the 3-digit sequence are the permuted counter
  of the region (each region counts its own people from its own seeded start), so two people
  of one region never share both: a region holds days × 1,000 people, not the whole registry
  (one counter for all stopped at 16 million people, ~7 million entities). Built by
  :func:`graph_service.ids.resident_id.make_resident_id`.
"""

from __future__ import annotations

import math
import random
from datetime import date

from graph_service.ids.resident_id import make_resident_id
from graph_service.ids.uscc import ALPHABET, make_uscc

#: Day the unified code replaced separate registration numbers.
REFORM_DAY = date(2015, 10, 1).toordinal()

#: USCC characters 1-2 for each org_type (social organisations choose 51/52/53 themselves).
USCC_PREFIX: dict[str, str] = {
    "enterprise": "91",
    "state_owned_enterprise": "91",
    "individual_business": "92",
    "farmer_coop": "93",
    "public_institution": "12",
    "state_organ": "11",
}

# Letter pair that starts a post-reform organisation code, by registration authority.
_NEW_CODE_LEAD = {"9": "MA", "5": "MJ", "1": "MB"}


class Permutation:
    """A seeded bijection of ``range(size)``.

    A four-round Feistel network on the smallest even number of bits covering ``size``,
    walked again while the image falls outside the range (cycle walking), which keeps it
    a bijection of ``range(size)`` itself.
    """

    def __init__(self, size: int, rnd: random.Random) -> None:
        self.size = size
        half = max(1, math.ceil(math.log2(size) / 2))
        self._half = half
        self._mask = (1 << half) - 1
        self._keys = tuple(rnd.getrandbits(32) for _ in range(4))

    def _round(self, r: int, key: int) -> int:
        x = (r * 0x9E3779B1 + key) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x85EBCA6B) & 0xFFFFFFFF
        return (x ^ (x >> 13)) & self._mask

    def _once(self, k: int) -> int:
        left, right = k >> self._half, k & self._mask
        for key in self._keys:
            left, right = right, left ^ self._round(right, key)
        return (left << self._half) | right

    def __call__(self, k: int) -> int:
        if not 0 <= k < self.size:
            raise OverflowError(f"identifier space of {self.size} exhausted")
        k = self._once(k)
        while k >= self.size:
            k = self._once(k)
        return k


def _base31(n: int, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, 31)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


class IdentifierFactory:
    """Issues USCCs and resident ID numbers, each once.

    Parameters
    ----------
    seed:
        Fixes the permutations (and so every identifier) for a run.
    born_from, born_to:
        Inclusive range of birth dates of the people issued an ID number.
    """

    def __init__(self, seed: int, born_from: date, born_to: date) -> None:
        rnd = random.Random(f"identifiers:{seed}")
        # Powers of four inside each code space: no cycle walking needed.
        self._numeric = Permutation(1 << 26, rnd)
        self._lettered = {lead: Permutation(1 << 28, rnd) for lead in _NEW_CODE_LEAD.values()}
        self._born_from = born_from.toordinal()
        days = born_to.toordinal() - self._born_from + 1
        self._people = Permutation(days * 1000, rnd)
        self._people_salt = rnd.getrandbits(32)
        self._n_numeric = 0
        self._n_lettered = dict.fromkeys(self._lettered, 0)
        self._n_people: dict[str, int] = {}

    def uscc(self, prefix: str, region_code: str, registered: int) -> str:
        """A new USCC with characters 1-2 ``prefix``, 3-8 ``region_code``."""
        authority = prefix[0]
        if registered >= REFORM_DAY and authority in _NEW_CODE_LEAD:
            lead = _NEW_CODE_LEAD[authority]
            k = self._n_lettered[lead]
            self._n_lettered[lead] = k + 1
            body = lead + _base31(self._lettered[lead](k), 6)
        else:
            k = self._n_numeric
            self._n_numeric = k + 1
            body = f"{self._numeric(k):08d}"
        return make_uscc(authority, prefix[1], region_code, body)

    def resident_id(self, region_code: str) -> tuple[str, bool]:
        """A new ID number registered in ``region_code``, and whether its holder is male."""
        n = self._n_people.get(region_code, 0)
        self._n_people[region_code] = n + 1
        size = self._people.size
        if n >= size:
            raise OverflowError(f"identifier space of {size} people in {region_code} exhausted")
        start = (int(region_code) * 0x9E3779B1 + self._people_salt) % size
        k = self._people((start + n) % size)
        day, sequence = divmod(k, 1000)
        born = date.fromordinal(self._born_from + day)
        return make_resident_id(region_code, born, sequence), sequence % 2 == 1
