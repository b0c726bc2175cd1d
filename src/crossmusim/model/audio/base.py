"""What every audio tower is (`AudioTower`), apart from the registry of towers (`towers.py`), so that a
tower defined in another module (`hf_tower.py`, a plugin's) subclasses it without importing the registry."""

from __future__ import annotations

from pathlib import Path

from torch import nn


class AudioTower(nn.Module):
    sample_rate: int
    dim: int
    frozen: bool
    min_seconds: float = 0.0

    def train(self, mode: bool = True):  # a frozen tower keeps its batch-norm statistics
        return super().train(mode and not self.frozen)

    @property
    def external_weights(self) -> bool:
        """Whether its weights are loaded from elsewhere, not saved in the model's safetensors."""
        return False

    def save_extra(self, folder: Path) -> None:
        """Anything the tower keeps outside the model's safetensors (a fine-tuned tower's config)."""


def is_transformers_folder(name: str) -> bool:
    folder = Path(name)
    return folder.is_dir() and (folder / "config.json").is_file()
