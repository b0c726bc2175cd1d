"""The training run's folder: its checks before a run starts, the log file, the best model kept
atomically, and the per-epoch metrics (metrics.csv, TensorBoard, the progress bar)."""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_json
from crossmusim.model import checkpoint as ckpt
from crossmusim.model import distributed
from crossmusim.model.config import Preset, check_same_training
from crossmusim.model.dual_encoder import DualEncoder

logger = logging.getLogger("crossmusim.train")


def prepare_run(config: Preset, options, state: distributed.Dist) -> Path | None:
    """Check the run folder; returns the checkpoint to resume from, if any."""
    from crossmusim.outputs import check_output_folder

    out = options.out
    check_output_folder(out, "train")
    last = ckpt.latest_checkpoint(out) if out.exists() else None
    if options.resume:
        if last is None:
            raise UserError(f"{out}: no checkpoint to resume from (run without --resume to start)")
        check_same_training(json.loads((out / "config.json").read_text("utf-8")), config, str(out))
        return last
    if last is not None or (out / "model").exists():
        raise UserError(f"{out}: holds a training run: add --resume to continue it, or choose another --out")
    if state.main:
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_json(out / "config.json", {**config.as_dict(), "command": options.command})
    return None


def log_to_file(out: Path) -> logging.Handler:
    handler = logging.FileHandler(out / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("crossmusim").addHandler(handler)
    return handler


def save_model(model: DualEncoder, out: Path, extra: dict[str, Any]) -> None:
    staging = out / ".model-staging"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, extra)
    old = out / ".model-old"
    if (out / "model").exists():
        os.replace(out / "model", old)
    os.replace(staging, out / "model")
    shutil.rmtree(old, ignore_errors=True)


def progress(total: int, epoch: int, epochs: int):
    from tqdm import tqdm

    return tqdm(
        total=total, desc=f"epoch {epoch}/{epochs}", unit="step", file=sys.stderr, disable=not sys.stderr.isatty()
    )


def tensorboard(out: Path):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        logger.warning('no TensorBoard logs: pip install "crossmusim[train]"')
        return None
    return SummaryWriter(str(out / "tensorboard"))


def append_metrics(out: Path, row: dict[str, Any], writer) -> None:
    path = out / "metrics.csv"
    fields = list(row)
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            header = next(csv.reader(handle), None)
        fields = header or fields
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer_csv = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        if new:
            writer_csv.writeheader()
        writer_csv.writerow(row)
    if writer is not None:
        for key, value in row.items():
            if key != "epoch":
                writer.add_scalar(key, value, row["epoch"])
        writer.flush()
