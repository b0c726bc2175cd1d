"""The `probe` baseline: what tag-like text could teach at most, with the model's own parts.

The run's audio head (the same shape, on the same frozen audio-tower features: the training crops a
run draws from, `FrozenFeatures.crops`) is trained as a multi-label tag classifier on the training
split's tags, coarse and fine together: a linear layer on the head's output gives one logit per
tag, binary cross-entropy, Adam, one randomly drawn crop per song per step; validation embeds the
whole-track windows. The probe is selected like the run it stands beside: for each of the run's
candidate tower weights (`[train] tower_weights`; else its one configured weight) the epoch whose
embedding at that weight scores best on the validation selection metric (`m2m_map@100` when the
validation songs have tags; otherwise the validation loss) is kept, training stops when no candidate
improved for `patience` epochs, and the weight is chosen by the run's own rule (`training.tower_weight`:
cross-fitted artist halves), so the probe is early-stopped on the embedding it is scored with. The
embedding is the run's `song_vector` with this head: the head's output (the classifier's input),
averaged over whole-track windows like a trained model's, beside the standardised tower features at the
chosen weight. The probe has no text side.

A trained probe is cached as a model folder in `CACHE/probes/<key>/`, the key hashing everything
that changes it (the run's config, the training and validation songs with their tags, the recipe).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from crossmusim.errors import UserError
from crossmusim.evaluation.own_weight import candidate_weights, set_tower_weight
from crossmusim.evaluation.validation import tower_weight_scores
from crossmusim.model.audio.frontend import WINDOWS_VERSION
from crossmusim.training.data import SplitData, sample_rng
from crossmusim.training.tower_weight import History, choose_tower_weight


@dataclass(frozen=True)
class ProbeRecipe:
    epochs: int = 100
    patience: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0


def tag_vocabulary(train: SplitData) -> list[str]:
    return sorted({tag for song in train.songs.values() for tag in song.tags_coarse + song.tags_fine})


def probe_key(config: dict, train: SplitData, valid: SplitData, recipe: ProbeRecipe) -> str:
    blob = {
        "config": {k: config[k] for k in ("model", "train")},
        "recipe": asdict(recipe),
        "windows": WINDOWS_VERSION,  # validation embeds whole-track windows: another cut, another probe
        "selection": "own tower weight",  # each candidate weight's best epoch, the weight by the run's rule
        "songs": [[name, [(s.audio_key, s.tags_coarse, s.tags_fine) for s in split.songs.values()]]
                  for name, split in (("train", train), ("validation", valid))],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:20]


class ProbeTrainer:
    """Trains `model.audio_head` (in place) as a tag classifier on `features` (a `FrozenFeatures`)."""

    def __init__(self, model, features, train: SplitData, valid: SplitData, recipe: ProbeRecipe = ProbeRecipe()):
        self.model, self.features, self.recipe = model, features, recipe
        self.tags = tag_vocabulary(train)
        if not self.tags:
            raise UserError("--baseline probe: the training split has no tags to learn (build it with --tags)")
        column = {tag: i for i, tag in enumerate(self.tags)}
        self.train_keys = [s.audio_key for s in train.songs.values()]
        self.targets = torch.zeros(len(self.train_keys), len(self.tags))
        for row, song in enumerate(train.songs.values()):
            for tag in song.tags_coarse + song.tags_fine:
                self.targets[row, column[tag]] = 1.0
        self.valid = valid
        self.weights = candidate_weights(model)
        self.valid_targets = torch.tensor(
            [[float(tag in s.tags_coarse + s.tags_fine) for tag in self.tags] for s in valid.songs.values()]
        ).reshape(len(valid.songs), len(self.tags))

    def _batch(self, keys: list[str], epoch: int, rows: list[int]) -> torch.Tensor:
        picked = []
        for row in rows:
            crops = self.features.crops(keys[row])
            picked.append(crops[sample_rng(self.recipe.seed, epoch, row).randrange(len(crops))])
        return torch.from_numpy(np.stack(picked))

    @torch.no_grad()
    def score(self, classifier: nn.Linear) -> tuple[float, dict[float, dict]]:
        """The validation selection metric (higher is better) and each candidate tower weight's scores
        (`evaluation.validation.tower_weight_scores`): the best candidate's M2M mAP@100 on every
        validation song, else (no tags of two songs) minus the BCE loss and no candidates."""
        songs = list(self.valid.songs.values())
        if len(songs) < 2:
            return 0.0, {}
        outputs = [torch.from_numpy(self.features.whole(s.audio_key)) for s in songs]
        found = tower_weight_scores(self.model, outputs, self.valid, list(self.valid.songs), self.weights)
        if found:
            return max(entry["all"] for entry in found.values()), found
        head = self.model.audio_head
        logits = torch.stack([classifier(head.net(head.prepare(w))).mean(dim=0) for w in outputs])
        return -float(nn.functional.binary_cross_entropy_with_logits(logits, self.valid_targets)), {}

    def fit(self) -> dict[str, float]:
        """Train; keep, for each candidate tower weight, the epoch whose embedding at that weight scores
        best on validation; stop when no candidate improved for `patience` epochs; then choose the weight
        by the rule the run's model was chosen by (`training.tower_weight`) and keep its epoch."""
        recipe, head = self.recipe, self.model.audio_head
        torch.manual_seed(recipe.seed)
        if head.standardise:  # the same input statistics a run takes: its training songs' crops
            head.set_input_statistics(np.concatenate([self.features.crops(key) for key in self.train_keys]))
        for layer in head.net:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
        classifier = nn.Linear(head.net[-1].out_features, len(self.tags))
        params = [*head.parameters(), *classifier.parameters()]
        optimizer = torch.optim.Adam(params, lr=recipe.learning_rate)
        best: dict[float | None, float] = {}
        states: dict[float | None, dict] = {}
        history: History = []
        stale, epoch, count = 0, 0, len(self.train_keys)
        for epoch in range(1, recipe.epochs + 1):
            head.train()
            order = np.random.default_rng([recipe.seed, epoch]).permutation(count).tolist()
            for start in range(0, count, recipe.batch_size):
                rows = order[start : start + recipe.batch_size]
                logits = classifier(head.net(head.prepare(self._batch(self.train_keys, epoch, rows))))
                loss = nn.functional.binary_cross_entropy_with_logits(logits, self.targets[rows])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            head.eval()
            value, scores = self.score(classifier)
            history.append((epoch, scores))
            improved = False
            for weight, figure in ({w: e["all"] for w, e in scores.items()} or {None: value}).items():
                if figure > best.get(weight, float("-inf")):
                    best[weight], improved = figure, True
                    states[weight] = {k: v.detach().clone() for k, v in head.state_dict().items()}
            stale = 0 if improved else stale + 1
            if stale >= recipe.patience:
                break
        choice = choose_tower_weight(history) if all(scores for _, scores in history) else None
        weight = choice.weight if choice is not None else None
        head.load_state_dict(states[weight if weight in states else next(iter(states))])
        if weight is not None:
            set_tower_weight(self.model, weight)
        return {"best_validation": best[weight if weight in best else next(iter(best))], "epochs_run": epoch,
                "tags": len(self.tags), "tower_weight": self.model.config.model.head.tower_weight,
                "tower_weight_from": "validation" if choice is not None else "configured"}  # fmt: skip


def trained_probe(run: Path | None, dataset: Path, cache_root: Path, recipe: ProbeRecipe = ProbeRecipe()) -> Path:
    """The folder of the probe for `run`'s config (the cpu preset without a run) on `dataset`, trained
    now unless the cache has it."""
    from crossmusim.evaluation.run_models import untrained_model
    from crossmusim.training.audio_cache import AudioCache
    from crossmusim.training.data import load_split_data
    from crossmusim.training.features import FrozenFeatures

    model = untrained_model(run)
    if len(candidate_weights(model)) > 1:  # the probe chooses its own: the key must not hold the run's choice
        set_tower_weight(model, candidate_weights(model)[0])
    cache = AudioCache(cache_root, model.sample_rate)
    data, _ = load_split_data(dataset, cache, [], splits=("train", "validation"))
    train, valid = data["train"], data["validation"]
    if len(train.songs) < 2:
        raise UserError(f"--baseline probe: {dataset} has {len(train.songs)} usable training songs: nothing to fit")
    folder = Path(cache_root) / "probes" / probe_key(model.config.as_dict(), train, valid, recipe)
    if (folder / "config.json").is_file():
        return folder
    features = FrozenFeatures(model, cache, Path(cache_root) / "features", model.config.train.frozen_crops)
    report = ProbeTrainer(model, features, train, valid, recipe).fit()
    staging = folder.with_name(f"{folder.name}.staging-{os.getpid()}")  # a killed run leaves no half folder
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, {"probe": {**report, "recipe": asdict(recipe), "dataset": str(dataset)}})
    shutil.rmtree(folder, ignore_errors=True)  # a folder without config.json: a leftover
    os.replace(staging, folder)
    return folder
