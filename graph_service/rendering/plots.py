"""Plots for reports: the region flows of relocation flags as a heat map (the table is the
engine's, :func:`graph_service.engine.flows.flow_matrix`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


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
