"""Models a run stands for: the trained one, and the same model before training (the `untrained` row)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from crossmusim.errors import UserError


def load_run_model(run: Path):
    """A trained model from a run folder (`RUN/model`), a model folder itself, or a Hub id (`user/name`)."""
    from crossmusim.model.dual_encoder import DualEncoder
    from crossmusim.model.hub import is_hub_id

    if is_hub_id(str(run)):
        return DualEncoder.from_pretrained(str(run))
    run = Path(run)
    folder = run / "model" if (run / "model" / "config.json").is_file() else run
    if not (folder / "config.json").is_file():
        raise UserError(f"--model {run}: no trained model there (a train run folder, its model/ folder, or a Hub id)")
    return DualEncoder.from_pretrained(folder)


def untrained_model(run: Path | None):
    """The run's model before training: its config built again from the run's seed (no run: the cpu preset)."""
    from crossmusim.model.config import from_dict, preset
    from crossmusim.model.dual_encoder import DualEncoder
    from crossmusim.model.hub import model_folder

    if run is None:
        config = preset("cpu")
    else:
        run = model_folder(str(run))  # a Hub id: its files in the Hugging Face cache
        model_dir = Path(run) / "model" if (Path(run) / "model").is_dir() else Path(run)
        values = json.loads((model_dir / "config.json").read_text("utf-8"))
        config = from_dict({k: v for k, v in values.items() if k in ("name", "model", "train")})
    torch.manual_seed(config.train.seed)
    model = DualEncoder(config).eval()
    if run is not None and model.audio_head.standardise:  # set from the data before the first step
        from safetensors.torch import load_file

        weights = load_file(str(model_dir / "model.safetensors"))
        model.audio_head.input_mean.copy_(weights["audio_head.input_mean"])
        model.audio_head.input_scale.copy_(weights["audio_head.input_scale"])
    return model
