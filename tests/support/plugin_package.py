"""A test package that adds an audio tower, a text tower and a baseline through entry points, written
as an installed distribution (a `*.dist-info` folder with `entry_points.txt`) into a folder that goes on
`sys.path` or PYTHONPATH: what `pip install` of a plugin leaves behind, without a network."""

from __future__ import annotations

from pathlib import Path

MODULE = '''
import hashlib

import numpy as np
import torch
from torch import nn

from crossmusim.evaluation.baselines import Baseline, Embedder
from crossmusim.model.audio.towers import AudioTower
from crossmusim.model.text import TextTower


class FrameEnergyTower(AudioTower):
    """Log energies of 64 fixed bands of 16 ms frames, averaged over time, through one linear layer."""

    sample_rate, dim, min_seconds = 16000, 24, 0.1

    def __init__(self, config, pretrained):
        super().__init__()
        self.proj = nn.Linear(129, self.dim)
        self.frozen = config.freeze
        self.requires_grad_(not self.frozen)

    def forward(self, wave):
        spec = torch.stft(wave, 256, 256, window=torch.hann_window(256, device=wave.device), return_complex=True)
        return self.proj(torch.log1p(spec.abs()).mean(dim=-1))


class CharTower(TextTower):
    """Letter counts (a-z) through one linear layer."""

    dim, trainable = 16, True

    def __init__(self, config, folder):
        super().__init__()
        self.proj = nn.Linear(26, self.dim)

    def forward(self, texts):
        counts = torch.zeros(len(texts), 26, device=self.proj.weight.device)
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    counts[i, ord(ch) - 97] += 1
        return self.proj(counts / counts.sum(dim=1, keepdim=True).clamp(min=1))


class LoudnessEmbedder(Embedder):
    """RMS and peak of each window: a two-number baseline."""

    name, sample_rate = "plug-loudness", 16000

    def embed_track(self, wave, track_id):
        return np.array([np.sqrt(np.mean(wave**2)), np.abs(wave).max()], dtype=np.float32)


def build_audio(config, pretrained, folder):
    return FrameEnergyTower(config, pretrained)


def build_text(config, folder):
    return CharTower(config, folder)


loudness = Baseline(lambda request: LoudnessEmbedder())


def broken(config, pretrained, folder):
    raise RuntimeError("never called")
'''

ENTRY_POINTS = """[crossmusim.audio_towers]
plug-energy = plug_towers:build_audio
musicnn = plug_towers:broken

[crossmusim.text_towers]
plug-chars = plug_towers:build_text

[crossmusim.baselines]
plug-loudness = plug_towers:loudness
plug-missing = plug_towers:no_such_name
"""


def write_plugin_package(root: Path) -> Path:
    """Write the package and its distribution metadata under `root`; returns `root` (the sys.path entry)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "plug_towers.py").write_text(MODULE, encoding="utf-8")
    info = root / "plug_towers-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plug-towers\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return root
