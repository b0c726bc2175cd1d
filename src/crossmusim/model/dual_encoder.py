"""The text-audio dual encoder: two towers, two projection heads, one shared space.

A trained model is a folder, `config.json` + `model.safetensors` (no pickles; a fine-tuned
sentence-transformers tower is saved beside them in `text/`, a fine-tuned transformers audio tower's
config in `audio/`; a frozen transformers audio tower is loaded from the folder its config names),
loaded with one call:

    model = DualEncoder.from_pretrained("runs/x/model")
    songs = model.embed_audio([wave_a, wave_b], sample_rate=44100)   # (2, dim), L2-normalised
    texts = model.embed_text(["a quiet piano piece", "一首摇滚歌曲"])
    scores = texts @ songs.T
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from crossmusim.errors import UserError
from crossmusim.model.audio.towers import build_audio_tower
from crossmusim.model.config import Preset, from_dict
from crossmusim.model.frozen_outputs import FrozenOutputs
from crossmusim.model.heads import ProjectionHead
from crossmusim.model.text import build_text_tower

WEIGHTS = "model.safetensors"
CONFIG = "config.json"


class DualEncoder(nn.Module):
    def __init__(self, config: Preset, *, pretrained: bool = True, folder: Path | None = None):
        super().__init__()
        self.config = config
        self.text_tower = build_text_tower(config.model.text, folder)
        self.audio_tower = build_audio_tower(config.model.audio, pretrained=pretrained, folder=folder)
        head = config.model.head
        # Outputs of a frozen audio tower shared with other models (`FrozenOutputs`); None: run it each time.
        self.frozen_outputs: FrozenOutputs | None = None
        self.saved_extra: dict[str, Any] = {}  # what config.json held besides the config (how it was trained)
        for where, weight in [("[model.head] tower_weight", head.tower_weight),
                              *(("[train] tower_weights", w) for w in config.train.tower_weights)]:  # fmt: skip
            if not 0.0 <= weight < 1.0:
                raise UserError(f"{where}: {weight} is not a weight in [0, 1)")
            if weight > 0 and not head.standardise_audio:
                raise UserError(f"{where}: a weight above 0 needs [model.head] standardise_audio = true (or drop it)")
        self.text_head = ProjectionHead(self.text_tower.dim, head.hidden, head.dim)
        self.audio_head = ProjectionHead(
            self.audio_tower.dim, head.hidden, head.dim, standardise=head.standardise_audio
        )

    @property
    def sample_rate(self) -> int:
        return self.audio_tower.sample_rate

    @property
    def crop_samples(self) -> int:
        return int(round(self.config.train.crop_seconds * self.sample_rate))

    @property
    def dim(self) -> int:
        """The width of the space `embed_audio` and `embed_text` return: the head's, plus the tower's
        when songs keep their tower features (`[model.head] tower_weight`)."""
        head = self.config.model.head
        return head.dim + (self.audio_tower.dim if head.tower_weight > 0 else 0)

    def song_vector(self, tower_outputs: torch.Tensor, weight: float | None = None) -> torch.Tensor:
        """A song's embedding from its windows' tower outputs (windows x tower dim): the mean of the
        windows' head outputs, re-normalised. With `tower_weight` w > 0 the mean of the windows'
        standardised tower features (normalised) goes beside it, [sqrt(w) features, sqrt(1 - w) head],
        so that two songs' cosine is w x their features' cosine + (1 - w) x their heads' cosine: what
        the pretrained tower knows is kept where a head trained on a few hundred songs would lose it.
        `weight`: another weight than the model's (training compares candidates on validation)."""
        head = nn.functional.normalize(self.audio_head(tower_outputs).float().mean(dim=0), dim=0)
        weight = self.config.model.head.tower_weight if weight is None else weight
        if weight <= 0:
            return head
        features = nn.functional.normalize(self.audio_head.prepare(tower_outputs).mean(dim=0), dim=0)
        return torch.cat([features * weight**0.5, head * (1 - weight) ** 0.5])

    def text_vectors(self, head_outputs: torch.Tensor) -> torch.Tensor:
        """Texts in the songs' space: the text head's outputs, zeros where songs keep tower features, so
        a text ranks songs by their head part alone, as trained (scores scaled by sqrt(1 - w))."""
        if self.config.model.head.tower_weight <= 0:
            return head_outputs
        zeros = head_outputs.new_zeros(len(head_outputs), self.audio_tower.dim)
        return torch.cat([zeros, head_outputs], dim=1)

    # -- training-time forward passes (tensors in, embeddings out) --
    def encode_text(self, texts: list[str]) -> torch.Tensor:
        return self.text_head(self.text_tower(texts))

    def encode_audio(self, waves: torch.Tensor) -> torch.Tensor:
        return self.audio_head(self.audio_tower(waves))

    # -- library use --
    @torch.no_grad()
    def embed_text(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        self.eval()
        out = [self.text_vectors(self.encode_text(texts[i : i + batch_size])).float().cpu()
               for i in range(0, len(texts), batch_size)]  # fmt: skip
        return torch.cat(out).numpy() if out else np.zeros((0, self.dim), np.float32)

    @torch.no_grad()
    def embed_audio(self, waves: list, sample_rate: int | None = None, batch_size: int = 16) -> np.ndarray:
        """One embedding per song from its crop-length windows (`song_vector`), L2-normalised.

        Each item of `waves` is an audio file's path (decoded with soundfile, any rate, mixed to mono),
        an `(array, rate)` pair, or a mono float array at `sample_rate` (default: the tower's); other
        rates are resampled to the tower's, as CLAP-style libraries take them.
        """
        from crossmusim.model.audio.frontend import audio_input, windows

        self.eval()
        device = next(self.parameters()).device
        result = []
        for item in waves:
            wave = audio_input(item, sample_rate, self.sample_rate)
            chunks = torch.from_numpy(windows(wave, self.crop_samples))
            parts = [self._tower_outputs(chunks[i : i + batch_size], device) for i in range(0, len(chunks), batch_size)]
            result.append(self.song_vector(torch.cat(parts)).float().cpu())
        return torch.stack(result).numpy() if result else np.zeros((0, self.dim), np.float32)

    def _tower_outputs(self, chunks: torch.Tensor, device: torch.device) -> torch.Tensor:
        """The audio tower on CPU windows; a frozen tower's outputs come from `frozen_outputs` when shared."""
        audio, memory = self.config.model.audio, self.frozen_outputs
        if not audio.freeze or memory is None:
            return self.audio_tower(chunks.to(device))
        key = memory.key(audio.__dict__, chunks)
        found = memory.get(key)
        if found is None:
            found = self.audio_tower(chunks.to(device)).cpu()
            memory.put(key, found)
        return found.to(device)

    # -- folders --
    def trainable_state(self) -> dict[str, torch.Tensor]:
        """What model.safetensors holds: everything but a sentence-transformers tower (saved in text/)."""
        return {
            k: v.detach().contiguous().cpu()
            for k, v in self.state_dict().items()
            if not k.startswith("text_tower.model.")
            and not (self.audio_tower.external_weights and k.startswith("audio_tower."))
        }

    def save_pretrained(self, folder: Path, extra: dict[str, Any] | None = None) -> Path:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        save_file(self.trainable_state(), str(folder / WEIGHTS), metadata={"format": "pt"})
        self.text_tower.save_extra(folder)
        self.audio_tower.save_extra(folder)
        (folder / CONFIG).write_text(
            json.dumps({**self.config.as_dict(), **(extra or {})}, indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
        return folder

    def push_to_hub(self, repo_id: str, *, dataset: str | None = None, evaluation: Path | None = None) -> str:
        """Publish the model and a model card as `user/name` (`model.hub`); `dataset`: the training
        dataset's Hub id or URL for the card; `evaluation`: an `evaluate` report folder for its table."""
        from crossmusim.model.hub import push_model

        return push_model(self, repo_id, dataset=dataset, evaluation=evaluation, extra=self.saved_extra)

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu", revision: str | None = None) -> DualEncoder:
        """A model folder, or a Hub id (`user/name`, fetched into the Hugging Face cache)."""
        from safetensors.torch import load_file

        from crossmusim.model.hub import model_folder

        folder = model_folder(folder, revision)
        if not (folder / CONFIG).is_file() or not (folder / WEIGHTS).is_file():
            raise UserError(f"{folder}: not a crossmusim model folder (needs {CONFIG} and {WEIGHTS})")
        values = json.loads((folder / CONFIG).read_text("utf-8"))
        values = {k: v for k, v in values.items() if k in ("name", "model", "train")}
        model = cls(from_dict(values), pretrained=False, folder=folder)
        missing, unexpected = model.load_state_dict(load_file(str(folder / WEIGHTS)), strict=False)
        external = ("audio_tower.",) if model.audio_tower.external_weights else ()
        missing = [k for k in missing if not k.startswith(("text_tower.model.", *external))]
        if missing or unexpected:
            raise UserError(f"{folder}: weights do not match the config ({(missing or unexpected)[0]} ...)")
        model.saved_extra = {k: v for k, v in json.loads((folder / CONFIG).read_text("utf-8")).items()
                             if k not in ("name", "model", "train")}  # fmt: skip
        return model.to(device).eval()
