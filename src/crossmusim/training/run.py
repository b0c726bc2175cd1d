"""A training run (`crossmusim.training.train`): the paper's recipe on GPUs, and a frozen-tower fast path on CPUs.

Two paths share one loop (schedule, checkpoints, validation, early stopping, logs):
- fine-tuning: text and audio go through the towers every step (random crops from the audio
  cache, re-sampled texts); DDP across processes, bf16 autocast on CUDA, gradient clipping;
- frozen: when neither tower trains, their outputs come from `FrozenFeatures` and only the heads
  train (minutes on two cores).
The run folder holds `config.json` (resolved), `train.log`, `metrics.csv`, `tensorboard/`,
`checkpoints/epoch-NNNN.pt` (every epoch), `model/` (the best epoch by the selection metric, a
`DualEncoder.from_pretrained` folder: `select_metric`, by default validation M2M mAP@100 when the
validation songs have tags, else T2M mAP@10 over the validation captions), `data-report.json` and
`summary.json` (`best: {val_METRIC: value}`).
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_json
from crossmusim.model.config import Preset
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training import distributed, run_folder
from crossmusim.training.audio_cache import AudioCache, default_cache_dir
from crossmusim.training.data import check_text_types, load_split_data
from crossmusim.training.features import FrozenFeatures
from crossmusim.training.logger import RunLogger
from crossmusim.training.options import TrainOptions
from crossmusim.training.trainer import Trainer, TrainerParts, TrainingDiverged

__all__ = ["TrainOptions", "Trainer", "TrainerParts", "TrainingDiverged", "train"]

logger = logging.getLogger("crossmusim.train")


def load_data(config: Preset, options: TrainOptions, model: DualEncoder, state: distributed.Dist):
    cache = AudioCache(options.cache_dir or default_cache_dir(), model.sample_rate)
    types = check_text_types(config.train.text_types)
    if not state.main:
        state.barrier()  # rank 0 decodes into the cache first; the others then reuse it
    data, report = load_split_data(options.dataset, cache, types, splits=("train", "validation"))  # never the test
    if state.main:
        state.barrier()
    return cache, data, report


def train(config: Preset, options: TrainOptions) -> dict[str, Any]:
    """Train `config` on `options.dataset` into the run folder `options.out`; returns the summary
    (also written to summary.json). Works under torchrun: each process calls it."""
    state = distributed.setup(options.device)
    try:
        return _run(config, options, state)
    finally:
        distributed.teardown(state)


def _run(config: Preset, options: TrainOptions, state: distributed.Dist) -> dict[str, Any]:
    cfg = config.train
    resume_from = run_folder.prepare_run(config, options, state)
    log = RunLogger(options.out) if state.main else None
    try:
        torch.manual_seed(cfg.seed)
        device = torch.device(f"cuda:{state.local_rank}" if options.device.startswith("cuda") else options.device)
        model = DualEncoder(config).to(device)  # the same initial weights on every rank
        if state.rank:
            torch.manual_seed(cfg.seed + 1_000_003 * state.rank)  # each rank its own dropout stream
        cache, data, report = load_data(config, options, model, state)
        train, valid = data["train"], data["validation"]
        frozen_path = not model.text_tower.trainable and model.audio_tower.frozen
        if frozen_path and state.world > 1:
            raise UserError("both towers are frozen: that fast path trains the heads in one process (drop torchrun)")
        too_long = model.text_tower.too_long([t.text for t in train.texts])
        if too_long:
            logger.warning("%d training texts exceed the text encoder's maximum length and are truncated", too_long)
        if state.main:
            atomic_write_json(
                options.out / "data-report.json",
                {
                    **report.as_dict(),
                    "texts": {s: len(d.texts) for s, d in data.items()},
                    "songs": {s: len(d.songs) for s, d in data.items()},
                    "texts_over_max_length": too_long,
                    "songs_shorter_than_crop": sum(
                        1 for s in train.songs.values() if cache.length(s.audio_key) < model.crop_samples
                    ),
                    # what `evaluate` finds of the training audio in a pool it scores (by content, any route)
                    "train_audio_sha256": sorted({s.audio_key for s in train.songs.values()}),
                },
            )
        if not train.texts:
            types = "/".join(config.train.text_types)
            raise UserError(
                f"{options.dataset}: the train split has no {types} text with usable audio "
                f"({len(report.skipped)} songs skipped: see {options.out / 'data-report.json'})"
            )
        if report.skipped:
            logger.warning("%d songs skipped (missing or undecodable audio): see data-report.json", len(report.skipped))
        if not valid.texts:
            logger.warning("the validation split is empty: no early stopping; the last epoch is kept as model/")
        elif options.validate is None:
            logger.warning(
                "no validate function given (crossmusim.evaluation.validation.validate): no selection or early "
                "stopping; the last epoch is kept as model/"
            )
        features = (
            FrozenFeatures(model, cache, (options.cache_dir or default_cache_dir()) / "features", cfg.frozen_crops)
            if frozen_path
            else None
        )
        parts = TrainerParts(config, options, state, model, cache, train, valid, features, device, log)
        return Trainer(parts).fit(resume_from)
    finally:
        if log is not None:
            log.close()
