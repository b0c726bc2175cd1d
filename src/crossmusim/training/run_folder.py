"""The training run's folder: its checks before a run starts and the best model kept atomically
(the logs are `training.logger`'s)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_json
from crossmusim.model.config import Preset, check_same_training
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training import checkpoint as ckpt
from crossmusim.training import distributed


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


def save_model(model: DualEncoder, out: Path, extra: dict[str, Any]) -> None:
    staging = out / ".model-staging"
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, extra)
    old = out / ".model-old"
    if (out / "model").exists():
        os.replace(out / "model", old)
    os.replace(staging, out / "model")
    shutil.rmtree(old, ignore_errors=True)
