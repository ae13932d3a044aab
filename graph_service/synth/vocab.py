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
#: Kinds of the records planted relocation cases hang on, and their shares.
TRIGGERING_KINDS: Final = ("joint_punishment_list", "dishonest_judgment_debtor", "market_ban")
TRIGGERING_KIND_SHARES: Final = (0.25, 0.6, 0.15)
#: Kinds of a sanctioned background entity's records (every list of RULES §3 with a
#: prohibition on its subject), and their shares.
SANCTION_KINDS: Final = (
    *TRIGGERING_KINDS,
    "consumption_restriction",
    "serious_illegal_dishonest",
    "major_tax_violation",
    "procurement_dishonest",
)
SANCTION_KIND_SHARES: Final = (0.2, 0.45, 0.1, 0.08, 0.07, 0.05, 0.05)
#: 法释〔2017〕7号 第一条 grounds (一)–(六) of a 失信 listing, with shares.
DJD_GROUNDS: Final = ("1", "2", "3", "4", "5", "6")
DJD_GROUND_SHARES: Final = (0.55, 0.1, 0.1, 0.1, 0.1, 0.05)
#: Capacities whose holders a list reaches by role (RULES §3 edition 2), per kind and sector.
REACHED_BY_ROLE: Final[dict[str, tuple[str, ...]]] = {
    "dishonest_judgment_debtor": (
        "legal_rep",
        "principal",
        "direct_responsible",
        "actual_controller",
    ),
    "consumption_restriction": (
        "legal_rep",
        "principal",
        "direct_responsible",
        "actual_controller",
    ),
    "market_ban": ("legal_rep",),
    "market_ban:food_drug": ("legal_rep", "direct_responsible"),
}
#: Administrative penalties by type (行政处罚法 第九条), with shares.
PENALTY_TYPES: Final = (
    "warning",
    "fine",
    "confiscation",
    "suspension",
    "licence_revoked",
    "criminal",
    "other",
)
PENALTY_TYPE_SHARES: Final = (0.22, 0.55, 0.1, 0.04, 0.02, 0.01, 0.06)
#: 财库〔2022〕3号: a fine of at least this many yuan is a 较大数额罚款.
LARGE_FINE_YUAN: Final = 2_000_000
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
    ("licence_revoked", 0.003),
)
