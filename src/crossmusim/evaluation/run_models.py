"""Models a run stands for: the trained one, and the same model before training (the `untrained` row)."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from crossmusim.errors import UserError


def model_config_folder(run: Path | str) -> Path:
    """The folder holding a model argument's config.json: a run folder's `model/`, a model folder, or a
    Hub model (`hf://user/name[@revision]`, its files in the Hugging Face cache). A local path that does
    not exist is an error, never taken for a Hub id."""
    from crossmusim.model.hub import hub_argument, model_folder

    found = hub_argument(run)
    if found is not None:
        return model_folder(*found)
    run = Path(run)
    if not run.exists():
        raise UserError(f"no such model folder: {run} (a Hub model is hf://user/name)")
    folder = run / "model" if (run / "model" / "config.json").is_file() else run
    if not (folder / "config.json").is_file():
        raise UserError(f"--model {run}: no trained model there (a train run folder, its model/ folder, or "
                        "hf://user/name)")  # fmt: skip
    return folder


def load_run_model(run: Path | str):
    """A trained model from a run folder (`RUN/model`), a model folder itself, or `hf://user/name`."""
    from crossmusim.model.dual_encoder import DualEncoder

    return DualEncoder.from_pretrained(model_config_folder(run))


def untrained_model(run: Path | None):
    """The run's model before training: its config built again from the run's seed (no run: the cpu preset)."""
    from crossmusim.model.config import from_dict, preset
    from crossmusim.model.dual_encoder import DualEncoder

    if run is None:
        config = preset("cpu")
    else:
        model_dir = model_config_folder(run)
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
