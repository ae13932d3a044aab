"""Region flows of relocation flags: where flagged moves go, from region to region, as a
table (pandas; clause 十四: early warning of cross-region risk). Its heat map is drawn by
:func:`graph_service.rendering.plots.plot_flows`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd

from graph_service.engine.models import Flag
from graph_service.ids.regions import current_regions, retired_regions

FlowLevel = Literal["province", "city"]
_DIGITS = {"province": 2, "city": 4}


def _label(code: str, level: FlowLevel) -> str:
    full = code[: _DIGITS[level]].ljust(6, "0")
    found = current_regions().get(full) or retired_regions().get(full)
    return f"{full} {found.name}" if found else full


def flow_matrix(flags: Iterable[Flag], level: FlowLevel = "province") -> pd.DataFrame:
    """Counts of flagged moves (phoenix and migration) from region to region at ``level``:
    rows are where the triggering record's entity was, columns where the flagged entity went.
    Labels are ``code name`` (e.g. ``130000 河北省``)."""
    pairs = [
        (_label(f.region_from, level), _label(f.region_to, level))
        for f in flags
        if f.pattern in ("phoenix", "migration") and f.region_from and f.region_to
    ]
    if not pairs:
        return pd.DataFrame(dtype=int)
    frame = pd.DataFrame(pairs, columns=["from", "to"])
    regions = sorted(set(frame["from"]) | set(frame["to"]))  # one order on both axes
    matrix = pd.crosstab(frame["from"], frame["to"]).reindex(
        index=regions, columns=regions, fill_value=0
    )
    return matrix.rename_axis(index="from", columns="to")
