"""Contract vocabularies and the shares the synthetic registry is drawn with."""

from __future__ import annotations

from typing import Final

ORG_TYPES: Final = (
    "enterprise",
    "individual_business",
    "farmer_coop",
    "social_org",
    "public_institution",
    "state_owned_enterprise",
    "state_organ",
)
#: Share of each org_type among background entities (same order as ORG_TYPES).
ORG_TYPE_SHARES: Final = (0.56, 0.33, 0.03, 0.025, 0.025, 0.015, 0.015)

RESPONSIBLE_ROLES: Final = frozenset({"legal_rep", "principal", "actual_controller"})
TRIGGERING_KINDS: Final = ("joint_punishment_list", "dishonest_judgment_debtor", "market_ban")
TRIGGERING_KIND_SHARES: Final = (0.25, 0.6, 0.15)
SECTORS: Final = (
    "food_drug",
    "environment",
    "construction",
    "work_safety",
    "elder_child_care",
    "urban_safety",
)

#: Market-ban sector most plausible for an industry section (GB/T 4754).
SECTOR_OF_INDUSTRY: Final[dict[str, tuple[str, ...]]] = {
    "A": ("food_drug", "environment"),
    "B": ("work_safety", "environment"),
    "C": ("food_drug", "environment", "work_safety"),
    "D": ("urban_safety", "work_safety"),
    "E": ("construction", "work_safety"),
    "F": ("food_drug",),
    "G": ("work_safety",),
    "H": ("food_drug",),
    "K": ("construction",),
    "N": ("environment", "urban_safety"),
    "O": ("elder_child_care", "food_drug"),
    "P": ("elder_child_care",),
    "Q": ("elder_child_care", "food_drug"),
}

#: GB/T 4754 sections by org_type, with shares.
INDUSTRIES: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "enterprise": (
        ("F", 0.25), ("C", 0.18), ("E", 0.10), ("L", 0.10), ("I", 0.07), ("M", 0.06),
        ("G", 0.05), ("K", 0.04), ("H", 0.04), ("A", 0.03), ("D", 0.02), ("N", 0.02),
        ("O", 0.02), ("R", 0.02), ("Q", 0.02), ("J", 0.01), ("B", 0.01), ("P", 0.01),
    ),
    "individual_business": (("F", 0.5), ("H", 0.25), ("O", 0.2), ("C", 0.05)),
    "farmer_coop": (("A", 1.0),),
}  # fmt: skip

#: Non-triggering record kinds and the share of background entities that get one.
OTHER_KIND_RATES: Final = (
    ("abnormal_operation", 0.06),
    ("administrative_penalty", 0.04),
    ("watch_list", 0.005),
    ("commitment_breach", 0.005),
    ("interview", 0.01),
)
