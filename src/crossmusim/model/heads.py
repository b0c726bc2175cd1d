"""Two-layer MLP projection heads (ReLU) into the shared space, L2-normalised.

A head may z-score its inputs first (`standardise`): per-dimension mean and deviation kept as
buffers (saved with the weights), set once from the training split's tower outputs before training
(`set_input_statistics`). Frozen features such as musicnn's have dimensions on very different
scales; without it a randomly initialised head starts far below the standardised features alone.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class ProjectionHead(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int, *, standardise: bool = False):
        super().__init__()
        self.standardise = standardise
        if standardise:
            self.register_buffer("input_mean", torch.zeros(inputs))
            self.register_buffer("input_scale", torch.ones(inputs))
        self.net = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))

    def set_input_statistics(self, features: np.ndarray) -> None:
        """The mean and deviation of each input dimension over `features` (rows: training windows)."""
        rows = torch.as_tensor(np.asarray(features, dtype=np.float32))
        self.input_mean.copy_(rows.mean(dim=0))
        self.input_scale.copy_(rows.std(dim=0, unbiased=False) + 1e-6)

    def prepare(self, features: torch.Tensor) -> torch.Tensor:
        """What `net` takes: the features as float, z-scored when the head standardises."""
        inputs = features.float()
        return (inputs - self.input_mean) / self.input_scale if self.standardise else inputs

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.net(self.prepare(features)), dim=-1)
