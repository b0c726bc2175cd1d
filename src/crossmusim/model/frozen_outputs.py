"""A bounded memory of a frozen audio tower's outputs, shared on purpose by models that use one tower.

A frozen tower is the same pretrained network in every model that names it, so models evaluated side
by side (captions, aspects, both, the untrained and probe baselines) need it run once per window
batch. Whoever embeds several models makes one `FrozenOutputs` and hands it to each
(`DualEncoder.frozen_outputs`); a model without one runs its tower every time. Entries are keyed by
the tower's config and the exact input windows; the oldest go first.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

import torch


class FrozenOutputs:
    def __init__(self, max_entries: int = 4_000):  # about 200 MB at most (16 musicnn windows an entry)
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, str], torch.Tensor] = OrderedDict()
        self.hits = self.misses = 0

    @staticmethod
    def key(tower_config: dict, chunks: torch.Tensor) -> tuple[str, str]:
        return json.dumps(tower_config, sort_keys=True), hashlib.sha1(chunks.numpy().tobytes()).hexdigest()

    def get(self, key: tuple[str, str]) -> torch.Tensor | None:
        found = self.entries.get(key)
        self.hits += found is not None
        self.misses += found is None
        return found

    def put(self, key: tuple[str, str], outputs: torch.Tensor) -> None:
        self.entries[key] = outputs
        if len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self.entries)
