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
    """Bars of mAP@100(system) - mAP@100(reference) per tag of `level`, one colour per system."""
    key = f"m2m_{level}"
    base = results[reference][key]["per_tag"]
    others = [name for name in results if name != reference]
    tags = sorted(base)
    if not tags or not others:
        return None
    plt = _pyplot()
    height = max(2.5, 0.28 * len(tags) * max(1, len(others)) + 1.2)
    fig, ax = plt.subplots(figsize=(7.5, min(height, 40)))
    width = 0.8 / len(others)
    for n, name in enumerate(others):
        gains = [results[name][key]["per_tag"].get(tag, 0.0) - base[tag] for tag in tags]
        ax.barh([i + n * width for i in range(len(tags))], gains, height=width, label=name)
    ax.set_yticks([i + 0.4 - width / 2 for i in range(len(tags))], tags, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"M2M mAP@100 gain over {reference}")
    ax.set_title(f"Per-tag gain, {level} tags")
    ax.legend(fontsize=8, loc="lower right")
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
