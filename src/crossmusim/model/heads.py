"""Two-layer MLP projection heads (ReLU) into the shared space, L2-normalised.

A head may z-score its inputs first (`standardise`): per-dimension mean and deviation kept as
buffers (saved with the weights), set once from the training split's tower outputs before training
(`set_input_statistics`). Frozen features such as musicnn's have dimensions on very different
scales; without it a randomly initialised head starts far below the standardised features alone.

A head may also keep its (prepared) input (`skip`): it outputs input/sqrt(width) + MLP(input), the
MLP's last layer starting at zero, so an untrained audio head is exactly the standardised features
and training moves the space from there (the shared space then has the tower's width).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class ProjectionHead(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int, *, standardise: bool = False, skip: bool = False):
        super().__init__()
        if skip and inputs != outputs:
            raise ValueError(f"a skip head keeps its input: {outputs} outputs need {outputs} inputs, not {inputs}")
        self.standardise, self.skip = standardise, skip
        if standardise:
            self.register_buffer("input_mean", torch.zeros(inputs))
            self.register_buffer("input_scale", torch.ones(inputs))
        self.net = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, outputs))
        if skip:
            nn.init.zeros_(self.net[2].weight)
            nn.init.zeros_(self.net[2].bias)

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
        inputs = self.prepare(features)
        outputs = self.net(inputs)
        if self.skip:
            outputs = outputs + inputs / inputs.shape[-1] ** 0.5
        return nn.functional.normalize(outputs, dim=-1)
