"""PNG plots: per-tag music-to-music gain over a reference system (the paper's Fig. 2) and training curves."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from crossmusim.extras import require


def _pyplot():
    matplotlib = require("matplotlib", "eval")
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def gain_plot(results: dict[str, dict[str, Any]], reference: str, level: str, path: Path) -> Path | None:
    """A heatmap of mAP@100(system) - mAP@100(reference) in points, tags (rows) x systems (columns),
    each cell written in: one row per tag, however many systems (grouped bars grew with both)."""
    key = f"m2m_{level}"
    base = results[reference][key]["per_tag"]
    others = [name for name in results if name != reference]
    tags = sorted(base)
    if not tags or not others:
        return None
    import numpy as np

    plt = _pyplot()
    gains = np.array([[100 * (results[n][key]["per_tag"].get(t, 0.0) - base[t]) for n in others] for t in tags])
    bound = max(1.0, float(np.abs(gains).max()))
    fig, ax = plt.subplots(figsize=(2.2 + 0.9 * len(others), min(1.6 + 0.26 * len(tags), 30)))
    image = ax.imshow(gains, cmap="RdBu", vmin=-bound, vmax=bound, aspect="auto")
    ax.set_xticks(range(len(others)), others, rotation=35, ha="right", fontsize=8)
    ax.set_yticks(range(len(tags)), tags, fontsize=8)
    for (row, column), value in np.ndenumerate(gains):
        ax.text(column, row, f"{value:+.0f}", ha="center", va="center", fontsize=7,
                color="white" if abs(value) > 0.6 * bound else "black")  # fmt: skip
    fig.colorbar(image, ax=ax, label=f"M2M mAP@100 gain over {reference} (points)", shrink=0.8)
    ax.set_title(f"Per-tag gain, {level} tags")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def training_curves(run: Path, path: Path) -> Path | None:
    """Loss and the validation selection metric per epoch from a run folder's metrics.csv."""
    source = Path(run) / "metrics.csv"
    if not source.is_file():
        return None
    rows = list(csv.DictReader(source.read_text(encoding="utf-8").splitlines()))
    if not rows:
        return None
    plt = _pyplot()
    epochs = [int(r["epoch"]) for r in rows]
    fig, left = plt.subplots(figsize=(6.5, 3.5))
    left.plot(epochs, [float(r["loss"]) for r in rows], color="tab:blue", label="training loss")
    left.set_xlabel("epoch")
    left.set_ylabel("loss", color="tab:blue")
    for column, label in (("val_m2m_map@100", "validation M2M mAP@100"), ("val_t2m_map@10", "validation T2M mAP@10")):
        if column in rows[0]:  # the selection metric: M2M when the validation songs have tags
            right = left.twinx()
            right.plot(epochs, [float(r[column] or 0) for r in rows], color="tab:orange")
            right.set_ylabel(label, color="tab:orange")
            break
    left.set_title(f"Training: {Path(run).name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
