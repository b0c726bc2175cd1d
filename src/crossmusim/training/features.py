"""Frozen-tower outputs, computed once per song window and per text, cached on disk.

With both towers frozen only the heads train, so the towers run once:
- `crops(key)`: the training windows of a song: `count` crop-length crops at random starts (a
  seeded function of the song's audio hash and the crop's index, so every run draws the same
  ones and a larger count only adds crops). A step draws one of them per song, the frozen
  counterpart of the fine-tuning path's random crop. A song no longer than a crop has one window.
- `whole(key)`: the whole-track windows (`audio_cache.windows`), exactly what evaluation embeds:
  validation and the probe use them, so a model is selected on the windowing it is scored on.
- `texts(...)`: each distinct training text through the text tower.
The stores are keyed by the tower's config and weights, the crop length and the windowing version
(`<tower id>/`), so another configuration never reads stale features.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from crossmusim.model.audio.frontend import WINDOWS_VERSION, windows
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.array_store import ArrayStore
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import SampleRandom


def tower_id(kind: str, config: dict, extra: str = "") -> str:
    blob = json.dumps(config, sort_keys=True) + extra
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def weights_digest(tower: torch.nn.Module) -> str:
    """A digest of a tower's weights and buffers: a frozen tower from scratch differs by its seed."""
    digest = hashlib.sha256()
    for name, value in sorted(tower.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.detach().float().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


def crop_start(audio_key: str, index: int, total: int, length: int) -> int:
    """Where training crop `index` of a song starts: uniform over the song, a function of its hash."""
    if total <= length:
        return 0
    seed = int.from_bytes(hashlib.sha256(f"{audio_key}:{index}".encode()).digest()[:8], "little")
    return SampleRandom(seed).randrange(total - length + 1)


@torch.no_grad()
def run_tower(tower: torch.nn.Module, waves: np.ndarray, batch_size: int = 16) -> np.ndarray:
    """A tower's outputs for a stack of windows, in batches, on the tower's device, back as float32."""
    device = next(tower.parameters()).device
    chunks = torch.from_numpy(np.ascontiguousarray(waves)).to(device)
    parts = [tower(chunks[i : i + batch_size]) for i in range(0, len(chunks), batch_size)]
    return torch.cat(parts).float().cpu().numpy()


class TowerWindows:
    """A frozen audio tower's outputs for every whole-track window of a song, on disk by audio hash.

    One store per tower config, window length and windowing version, whoever computes it: the
    `musicnn` baselines, training's validation and the probe, and any model whose audio tower is this
    frozen tower (`embed --model` after `embed --baseline musicnn` only runs the heads). One process
    writes it at a time (the embedding workers do not use it).
    """

    def __init__(self, tower: torch.nn.Module, config: dict, length: int, cache: AudioCache, folder: Path):
        self.tower, self.length, self.cache = tower, length, cache
        name = tower_id("audio", config, f"{length}:whole-v{WINDOWS_VERSION}:{weights_digest(tower)}")
        self.store = ArrayStore(Path(folder) / name, "<f4", tower.dim)
        self._seen: dict[str, np.ndarray] = {}

    def get(self, audio_key: str) -> np.ndarray:
        """(windows, dim) outputs of the song's whole-track windows (`audio_cache.windows`)."""
        found = self._seen.get(audio_key)
        if found is None:
            if audio_key not in self.store:
                self.store.add(audio_key, run_tower(self.tower, windows(self.cache.read(audio_key), self.length)))
            found = self._seen[audio_key] = np.array(self.store.get(audio_key))
        return found


class FrozenFeatures:
    def __init__(self, model: DualEncoder, cache: AudioCache, folder: Path, crops: int = 2, batch_size: int = 16):
        self.model, self.cache, self.batch_size, self.count = model, cache, batch_size, max(1, crops)
        audio_cfg = model.config.model.audio.__dict__
        text_cfg = model.config.model.text.__dict__
        crop, dim = str(model.crop_samples), model.audio_tower.dim
        self.windows = TowerWindows(model.audio_tower, audio_cfg, model.crop_samples, cache, folder)
        crops_id = tower_id("audio", audio_cfg, f"{crop}:crops:{weights_digest(model.audio_tower)}")
        self.crop_store = ArrayStore(Path(folder) / crops_id, "<f4", dim)
        # Keyed by the tower's weights too: an updated folder or Hub revision under the same name is another tower.
        text_weights = f"{weights_digest(model.text_tower)}:{model.text_tower.weights_version()}:one-at-a-time"
        text_id = tower_id("text", text_cfg, text_weights)
        self.text_store = ArrayStore(Path(folder) / text_id, "<f4", model.text_tower.dim)
        # In-memory copies of what this run touched: a step's lookups are dictionary hits.
        self._crops: dict[str, np.ndarray] = {}
        self._text: dict[str, np.ndarray] = {}

    def whole(self, audio_key: str) -> np.ndarray:
        """(windows, dim) tower features of a song's whole-track windows."""
        return self.windows.get(audio_key)

    def crops(self, audio_key: str) -> np.ndarray:
        """(crops, dim) tower features of a song's training crops (its one window when it is short)."""
        found = self._crops.get(audio_key)
        if found is None:
            length, total = self.model.crop_samples, self.cache.length(audio_key)
            if total <= length:
                found = self.whole(audio_key)
            else:
                names = [f"{audio_key}:{i}" for i in range(self.count)]
                todo = [i for i, name in enumerate(names) if name not in self.crop_store]
                if todo:
                    waves = np.stack([self.cache.read(audio_key, crop_start(audio_key, i, total, length), length)
                                      for i in todo])  # fmt: skip
                    outputs = run_tower(self.model.audio_tower, waves, self.batch_size)
                    self.crop_store.add_many([(names[i], row) for i, row in zip(todo, outputs, strict=True)])
                found = np.stack([np.array(self.crop_store.get(name)[0]) for name in names])
            self._crops[audio_key] = found
        return found

    def texts(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) tower features, computing only the texts not seen before."""
        unknown = [t for t in dict.fromkeys(texts) if t not in self._text]
        if unknown:
            keys = {t: hashlib.sha1(t.encode("utf-8")).hexdigest() for t in unknown}
            todo = [t for t in unknown if keys[t] not in self.text_store]
            if todo:
                vectors = self._run_text_tower(todo)
                self.text_store.add_many([(keys[t], v) for t, v in zip(todo, vectors, strict=True)])
            for text in unknown:
                self._text[text] = np.array(self.text_store.get(keys[text])[0])
        return np.stack([self._text[t] for t in texts])

    @torch.no_grad()
    def _run_text_tower(self, texts: list[str]) -> np.ndarray:
        """Each text through the tower alone: a text's vector must not depend on the batch it was first
        met in (USE and padded transformers move by ~1e-7 with their batch partners, and which texts
        share a batch depends on what the cache held), or two runs of one experiment would differ."""
        return torch.cat([self.model.text_tower([text]) for text in texts]).float().cpu().numpy()
