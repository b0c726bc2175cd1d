"""Any local `transformers` audio model as an audio tower (`--audio-encoder FOLDER`).

The folder is what `AutoModel` and `AutoFeatureExtractor` load: wav2vec2-, HuBERT-, WavLM-,
Data2Vec-audio- or AST-style encoders whose forward takes the extractor's output and returns hidden
states (MERT too, when its code is in the local transformers; remote code is never run). The tower
feeds the model the extractor's input at the extractor's sampling rate (the audio cache resamples to
it), takes the hidden states of `layers` (default: the last; negative counts from the end; several
are averaged) and pools them over time (`pooling`: mean or max).

Where the weights live, said plainly: a **frozen** tower is loaded from the folder every time (the
model folder records its path; move the folder and the model says so); a **fine-tuned** tower's
weights are saved in the model's `model.safetensors` and its config and extractor settings in the
model folder's `audio/`, so the model folder stands alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from crossmusim.errors import UserError
from crossmusim.extras import require
from crossmusim.model.audio.base import AudioTower, is_transformers_folder
from crossmusim.model.config import AudioTowerConfig

BUNDLED = "audio"  # the model folder's subfolder holding a fine-tuned tower's config and extractor


class TransformersAudioTower(AudioTower):
    def __init__(self, config: AudioTowerConfig, pretrained: bool, folder: Path | None = None):
        super().__init__()
        transformers = require("transformers", "train")
        bundled = folder / BUNDLED if folder is not None and (folder / BUNDLED / "config.json").is_file() else None
        self.frozen = config.freeze
        # A frozen tower's weights are never saved with the model: they come from its folder every time.
        source = Path(config.name) if (pretrained or self.frozen or bundled is None) else bundled
        if not is_transformers_folder(str(source)):
            raise UserError(
                f"audio encoder {config.name}: no transformers model folder there (config.json missing): "
                "give --audio-encoder a folder that AutoModel loads"
                + (" (a frozen tower is loaded from its folder, not saved with the model)" if self.frozen else "")
            )
        try:
            self.extractor = transformers.AutoFeatureExtractor.from_pretrained(str(source), local_files_only=True)
            if pretrained or self.frozen:
                self.net = transformers.AutoModel.from_pretrained(str(source), local_files_only=True)
            else:  # weights follow from model.safetensors
                hf_config = transformers.AutoConfig.from_pretrained(str(source), local_files_only=True)
                self.net = transformers.AutoModel.from_config(hf_config)
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(f"audio encoder {config.name}: transformers could not load it ({exc})") from None
        self.sample_rate = int(self.extractor.sampling_rate)
        self.dim = int(getattr(self.net.config, "hidden_size", 0) or self.net.config.to_dict().get("d_model", 0))
        if not self.dim:
            raise UserError(f"audio encoder {config.name}: its config has no hidden_size: not an encoder to pool")
        self.layers = list(config.layers) if config.layers else [-1]
        depth = int(getattr(self.net.config, "num_hidden_layers", 0)) + 1  # hidden states include the embeddings
        bad = [layer for layer in self.layers if not -depth <= layer < depth]
        if bad:
            raise UserError(f"audio encoder layers {bad}: this model has hidden states 0..{depth - 1}")
        if config.pooling not in ("mean", "max"):
            raise UserError(f"audio encoder pooling {config.pooling!r}: choose mean or max")
        self.pooling = config.pooling
        self.min_seconds = 0.1
        self.requires_grad_(not self.frozen)
        self.train(False)

    @property
    def external_weights(self) -> bool:
        return self.frozen

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        device = next(self.net.parameters()).device
        batch = [np.asarray(w, dtype=np.float32) for w in wave.detach().cpu().numpy()]
        inputs = self.extractor(batch, sampling_rate=self.sample_rate, return_tensors="pt")
        inputs = {k: v.to(device) for k, v in inputs.items() if isinstance(v, torch.Tensor)}
        with torch.set_grad_enabled(not self.frozen and torch.is_grad_enabled()):
            hidden = self.net(**inputs, output_hidden_states=True).hidden_states
            states = torch.stack([hidden[layer] for layer in self.layers]).mean(dim=0)  # (batch, time, dim)
            return states.mean(dim=1) if self.pooling == "mean" else states.amax(dim=1)

    def save_extra(self, folder: Path) -> None:
        if not self.frozen:
            self.net.config.save_pretrained(str(folder / BUNDLED))
            self.extractor.save_pretrained(str(folder / BUNDLED))


def build(config: AudioTowerConfig, pretrained: bool, folder: Path | None) -> AudioTower:
    return TransformersAudioTower(config, pretrained, folder)
