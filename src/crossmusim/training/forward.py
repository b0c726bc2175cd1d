"""What one training step runs: the learning-rate schedule, one process's share of a batch, and the
forward modules DDP wraps (both towers and heads, or the heads alone on the frozen path)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import torch
from torch import nn

from crossmusim.model.dual_encoder import DualEncoder


def lr_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up to 1 over `warmup` steps, then cosine decay to 0 at `total`."""
    if warmup and step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


class Batch(NamedTuple):
    """One process's share of a batch: texts (or their frozen features), audio, each row's song index."""

    text: Any
    audio: torch.Tensor
    songs: torch.Tensor


class PairForward(nn.Module):
    """Both towers and heads in one module, so that DDP wraps a single forward."""

    def __init__(self, model: DualEncoder):
        super().__init__()
        self.model = model

    def forward(self, texts: list[str], waves: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.encode_text(texts), self.model.encode_audio(waves)


class HeadsForward(nn.Module):
    def __init__(self, model: DualEncoder):
        super().__init__()
        self.model = model

    def forward(self, text_features: torch.Tensor, audio_features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.text_head(text_features), self.model.audio_head(audio_features)
