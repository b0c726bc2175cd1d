"""Audio towers behind one interface: (batch, samples) waveforms at the tower's rate -> (batch, dim).

- `musicnn-msd` / `musicnn-mtt`: the pretrained musicnn taggers (16 kHz). A crop is cut into
  3-second patches, each patch's features computed, and the patches averaged. Which features: the
  753-d mean-pooled mid-end features (`mean_pool`, the default) or the 200-d penultimate layer.
- `mtt-paper` / `mtt-small` / `mtt-tiny`: the Music Tagging Transformer (22.05 kHz), from scratch
  or from a checkpoint of the original release.
- a local folder: any `transformers` audio encoder (`model.audio.hf_tower`).
Towers are found by name in `AUDIO_TOWERS`; a plugin's tower subclasses `AudioTower` (its
`sample_rate`, `dim`, `frozen`, `min_seconds`) and registers by entry point (`crossmusim.registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from crossmusim.errors import UserError
from crossmusim.model.audio import mtt, musicnn
from crossmusim.model.audio.base import AudioTower, is_transformers_folder
from crossmusim.model.audio.mel import MUSICNN_MEL, LogMel
from crossmusim.model.config import AudioTowerConfig
from crossmusim.registry import Registry

MUSICNN_FEATURES = {"mean_pool": 753, "penultimate": 200}


class MusicnnTower(AudioTower):
    sample_rate = MUSICNN_MEL.sample_rate
    min_seconds = musicnn.PATCH_FRAMES * MUSICNN_MEL.hop / MUSICNN_MEL.sample_rate

    def __init__(self, config: AudioTowerConfig, pretrained: bool):
        super().__init__()
        if config.features not in MUSICNN_FEATURES:
            raise UserError(f"musicnn features {config.features!r}: choose mean_pool or penultimate")
        self.features_name, self.dim = config.features, MUSICNN_FEATURES[config.features]
        self.mel = LogMel(MUSICNN_MEL)
        checkpoint = Path(config.checkpoint) if config.checkpoint else None
        self.net = musicnn.load_musicnn(config.name, checkpoint) if pretrained else musicnn.Musicnn()
        self.frozen = config.freeze
        self.requires_grad_(not self.frozen)
        self.train(False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        patches = musicnn.patches_from_logmel(self.mel(wave))  # (batch, n, frames, mel)
        b, n = patches.shape[:2]
        features = self.net.features(patches.flatten(0, 1))[self.features_name]
        return features.view(b, n, -1).mean(dim=1)


class MTTTower(AudioTower):
    sample_rate = mtt.MusicTaggingTransformer.sample_rate
    min_seconds = 0.2

    def __init__(self, config: AudioTowerConfig, pretrained: bool):
        super().__init__()
        size_name = config.name.removeprefix("mtt-") if config.name != "mtt" else "paper"
        if size_name not in mtt.SIZES:
            raise UserError(f"--audio-encoder {config.name!r}: choose mtt-paper, mtt-small or mtt-tiny")
        self.net = mtt.MusicTaggingTransformer(mtt.SIZES[size_name], dropout=config.dropout)
        self.max_seconds = mtt.SIZES[size_name].max_len * mtt.MTT_MEL.hop / self.sample_rate
        if pretrained and config.checkpoint:
            load_original_mtt(self.net, Path(config.checkpoint))
        self.dim = self.net.output_dim
        self.frozen = config.freeze
        self.requires_grad_(not self.frozen)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.net(wave)


def load_original_mtt(net: mtt.MusicTaggingTransformer, path: Path) -> None:
    """Load a checkpoint of the original release into `net`; a mismatch names the tensor."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(f"{path}: no such audio checkpoint") from None
    except Exception as exc:
        raise UserError(f"{path}: not a PyTorch checkpoint ({type(exc).__name__})") from None
    state = state.get("state_dict", state)
    mapped = mtt.state_dict_from_original(state)
    if "tagger.weight" in mapped and net.tagger is None:
        net.tagger = nn.Linear(net.output_dim, mapped["tagger.weight"].shape[0])
    own = net.state_dict()
    for name, tensor in mapped.items():
        if name not in own:
            raise UserError(f"{path}: tensor {name!r} does not belong to a Music Tagging Transformer")
        if tuple(own[name].shape) != tuple(tensor.shape):
            raise UserError(
                f"{path}: {name} is {tuple(tensor.shape)}, this {net.size} tower expects "
                f"{tuple(own[name].shape)}: pick the checkpoint's size with --audio-encoder mtt-SIZE"
            )
    missing = [n for n in own if n not in mapped and not n.startswith("mel.") and "num_batches" not in n]
    if missing:
        raise UserError(f"{path}: missing {len(missing)} tensors of the tower (first: {missing[0]})")
    net.load_state_dict(mapped, strict=False)


def _musicnn(config: AudioTowerConfig, pretrained: bool, folder: Path | None) -> AudioTower:
    if config.name not in musicnn.CHECKPOINTS:
        raise UserError(f"--audio-encoder {config.name!r}: choose musicnn-msd or musicnn-mtt")
    return MusicnnTower(config, pretrained)


def _mtt(config: AudioTowerConfig, pretrained: bool, folder: Path | None) -> AudioTower:
    return MTTTower(config, pretrained)


def _transformers(config: AudioTowerConfig, pretrained: bool, folder: Path | None) -> AudioTower:
    from crossmusim.model.audio import hf_tower  # imports transformers: only when asked for

    return hf_tower.build(config, pretrained, folder)


# name (the config's `kind`) -> build(config, pretrained, saved model folder or None); other packages
# add towers under the `crossmusim.audio_towers` entry-point group (crossmusim.registry)
AUDIO_TOWERS: Registry[Callable[[AudioTowerConfig, bool, Path | None], AudioTower]] = Registry(
    "audio tower", "crossmusim.audio_towers", "--audio-encoder"
)
AUDIO_TOWERS.register("musicnn", _musicnn)
AUDIO_TOWERS.register("mtt", _mtt)
AUDIO_TOWERS.register("transformers", _transformers)


def audio_tower_kind(name: str) -> str:
    """The registry entry an `--audio-encoder` value belongs to: musicnn-msd/-mtt, mtt[-SIZE], a local
    transformers model folder, or a registered name."""
    if Path(name).is_dir():
        if not is_transformers_folder(name):
            raise UserError(f"--audio-encoder {name}: a folder without config.json is not a transformers model folder")
        return "transformers"
    if name.startswith("musicnn"):
        return "musicnn"
    if name == "mtt" or name.startswith("mtt-"):
        return "mtt"
    if name in AUDIO_TOWERS:
        return name
    choices = ["musicnn-msd", "musicnn-mtt", "mtt[-paper|-small|-tiny]", "a transformers model folder"]
    choices += AUDIO_TOWERS.names()[3:]
    raise UserError(f"--audio-encoder {name!r}: choose {', '.join(choices)}")


def build_audio_tower(config: AudioTowerConfig, pretrained: bool = True, folder: Path | None = None) -> AudioTower:
    """The tower `config` names; `pretrained=False` builds it empty, for weights loaded next from the
    saved model `folder`."""
    tower = AUDIO_TOWERS.get(config.kind)(config, pretrained, folder)
    if not isinstance(tower, AudioTower):
        raise UserError(f"audio tower {config.kind!r} built a {type(tower).__name__}, not an AudioTower")
    return tower
