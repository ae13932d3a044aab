"""Region flows of relocation flags: where flagged moves go, from region to region, as a
table (pandas) and as a heat map for a report (clause 十四: early warning of cross-region
risk)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
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


def plot_flows(
    matrix: pd.DataFrame, path: Path, title: str = "易地出现流向 / relocation flows"
) -> Path:
    """Draw ``matrix`` as a heat map into ``path`` (PNG, SVG or PDF by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    cjk = [
        f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name or "WenQuanYi" in f.name
    ]
    if cjk:  # Chinese region names need a CJK font; without one the codes still read
        plt.rcParams["font.family"] = [cjk[0], "DejaVu Sans"]
    n_rows, n_cols = matrix.shape
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * n_cols + 3), max(4, 0.35 * n_rows + 2)))
    values = matrix.to_numpy(dtype=int)
    image = ax.imshow(values, cmap="Reds", aspect="auto")
    ax.set_xticks(range(n_cols), labels=[str(c) for c in matrix.columns], rotation=90, fontsize=8)
    ax.set_yticks(range(n_rows), labels=[str(r) for r in matrix.index], fontsize=8)
    ax.set_xlabel("迁往 / to")
    ax.set_ylabel("原地区 / from")
    ax.set_title(title)
    for i in range(n_rows):
        for j in range(n_cols):
            value = int(values[i, j])
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="flags")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
