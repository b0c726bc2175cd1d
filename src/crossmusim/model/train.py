"""The trainer: the paper's recipe on GPUs, and a frozen-tower fast path on CPUs.

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
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from crossmusim.errors import CrossmusimError, UserError
from crossmusim.io import atomic_write_json
from crossmusim.model import checkpoint as ckpt
from crossmusim.model import distributed, run_folder
from crossmusim.model.audio_cache import AudioCache, default_cache_dir
from crossmusim.model.config import Preset, selected_metric
from crossmusim.model.data import SplitData, check_text_types, epoch_batches, load_split_data, sample_rng, sample_text
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.features import FrozenFeatures
from crossmusim.model.forward import Batch, HeadsForward, PairForward, lr_factor
from crossmusim.model.loss import NTXentLoss

logger = logging.getLogger("crossmusim.train")


class TrainingDiverged(CrossmusimError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainOptions:
    dataset: Path
    out: Path
    resume: bool = False
    device: str = "cpu"
    cache_dir: Path | None = None
    command: str = ""
    # The validation metric after each epoch (evaluation.validation.validate; the CLI passes it, so that
    # the model package does not depend on the evaluation package). None: no validation.
    validate: Callable[..., dict[str, float]] | None = None


def _load_data(config: Preset, options: TrainOptions, model: DualEncoder, state: distributed.Dist):
    cache = AudioCache(options.cache_dir or default_cache_dir(), model.sample_rate)
    types = check_text_types(config.train.text_types)
    if not state.main:
        state.barrier()  # rank 0 decodes into the cache first; the others then reuse it
    data, report = load_split_data(options.dataset, cache, types)
    if state.main:
        state.barrier()
    return cache, data, report


def run_training(config: Preset, options: TrainOptions) -> dict[str, Any]:
    state = distributed.setup(options.device)
    try:
        return _run(config, options, state)
    finally:
        distributed.teardown(state)


def _run(config: Preset, options: TrainOptions, state: distributed.Dist) -> dict[str, Any]:
    cfg = config.train
    resume_from = run_folder.prepare_run(config, options, state)
    handler = run_folder.log_to_file(options.out) if state.main else None
    try:
        torch.manual_seed(cfg.seed)
        device = torch.device(f"cuda:{state.local_rank}" if options.device.startswith("cuda") else options.device)
        model = DualEncoder(config).to(device)  # the same initial weights on every rank
        if state.rank:
            torch.manual_seed(cfg.seed + 1_000_003 * state.rank)  # each rank its own dropout stream
        cache, data, report = _load_data(config, options, model, state)
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
        features = (
            FrozenFeatures(model, cache, (options.cache_dir or default_cache_dir()) / "features", cfg.frozen_crops)
            if frozen_path
            else None
        )
        trainer = Trainer(config, options, state, model, cache, train, valid, features, device)
        return trainer.fit(resume_from)
    finally:
        if handler is not None:
            logging.getLogger("crossmusim").removeHandler(handler)
            handler.close()


class Trainer:
    def __init__(self, config, options, state, model, cache, train: SplitData, valid: SplitData, features, device):
        self.config, self.cfg, self.options, self.state = config, config.train, options, state
        self.model, self.cache, self.train_data, self.valid, self.features = model, cache, train, valid, features
        self.device = device
        self.song_index = {song_id: i for i, song_id in enumerate(train.songs)}
        forward = HeadsForward(model) if features is not None else PairForward(model)
        if state.world > 1:
            if device.type == "cuda":
                forward = nn.SyncBatchNorm.convert_sync_batchnorm(forward)  # gloo/CPU has no SyncBatchNorm
            forward = nn.parallel.DistributedDataParallel(
                forward, device_ids=[device.index] if device.type == "cuda" else None
            )
        self.forward = forward
        self.loss_fn = NTXentLoss(self.cfg.temperature, self.cfg.symmetric)
        params = [p for p in model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(params, lr=self.cfg.learning_rate, weight_decay=self.cfg.weight_decay)
        self.steps_per_epoch = len(self._batches(0))
        if self.steps_per_epoch == 0:
            raise UserError(f"{options.dataset}: the train split has fewer than 2 texts per batch: nothing to contrast")
        total = self.steps_per_epoch * self.cfg.epochs
        warmup = int(round(self.cfg.warmup_epochs * self.steps_per_epoch))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda step: lr_factor(step, warmup, total))
        self.autocast = device.type == "cuda" and self.cfg.precision == "bf16"

    def _batches(self, epoch: int) -> list[list[int]]:
        return epoch_batches(len(self.train_data.texts), self.cfg.batch_size, self.cfg.seed, epoch, self.state.world)

    def inputs(self, epoch: int, batch: list[int]) -> Batch:
        """This process's share of a global batch: texts drawn and crops (or cached windows) cut."""
        share = len(batch) // self.state.world
        mine = batch[self.state.rank * share : (self.state.rank + 1) * share]
        texts, audio, songs = [], [], []
        for index in mine:
            rng = sample_rng(self.cfg.seed, epoch, index)
            item = self.train_data.texts[index]
            texts.append(sample_text(item, rng, self.cfg.max_aspects))
            songs.append(self.song_index[item.song_id])
            key = self.train_data.songs[item.song_id].audio_key
            if self.features is not None:
                crops = self.features.crops(key)  # the frozen counterpart of a random crop
                audio.append(crops[rng.randrange(len(crops))])
            else:
                audio.append(self.cache.crop(key, self.model.crop_samples, rng))
        audio_tensor = torch.from_numpy(np.stack(audio)).to(self.device)
        song_tensor = torch.tensor(songs, dtype=torch.long, device=self.device)
        if self.features is not None:
            return Batch(torch.from_numpy(self.features.texts(texts)).to(self.device), audio_tensor, song_tensor)
        return Batch(texts, audio_tensor, song_tensor)

    @torch.no_grad()
    def _training_tower_outputs(self) -> np.ndarray:
        """The audio tower's outputs on the training songs: their cached crops on the frozen path, else
        one crop per song (seeded), for the audio head's input statistics."""
        songs = list(self.train_data.songs.values())
        if self.features is not None:
            return np.concatenate([self.features.crops(song.audio_key) for song in songs])
        rng = sample_rng(self.cfg.seed, 0, 1 << 30)  # a draw apart from every sample's
        crops = np.stack([self.cache.crop(song.audio_key, self.model.crop_samples, rng) for song in songs])
        self.model.audio_tower.eval()
        outputs = [self.model.audio_tower(torch.from_numpy(crops[i : i + 16]).to(self.device)).float().cpu()
                   for i in range(0, len(crops), 16)]  # fmt: skip
        self.model.audio_tower.train()
        return torch.cat(outputs).numpy()

    def _state(self, epoch: int, best, best_epoch: int, stale: int, history: list, selected: str, rngs: list):
        return {
            "epoch": epoch,
            "selected": selected,
            "weights": ckpt.trainable_weights(self.model),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "best": best,
            "best_epoch": best_epoch,
            "stale": stale,
            "history": history,
            "rng": rngs,  # every process's generators, in rank order
        }

    def _restore_rng(self, saved: dict[str, Any]) -> None:
        """This rank's generators as the checkpoint left them (a checkpoint before per-rank states: torch_rng)."""
        rngs = saved.get("rng") or []
        if len(rngs) == self.state.world:
            ckpt.restore_rng(rngs[self.state.rank])
        elif "torch_rng" in saved and self.state.world == 1:
            torch.set_rng_state(saved["torch_rng"])
        else:
            logger.warning(
                "the checkpoint holds the random generators of %d processes, this run has %d: dropout and other "
                "draws of torch continue from fresh seeds, so the result will differ from an uninterrupted run",
                len(rngs), self.state.world,
            )  # fmt: skip

    def fit(self, resume_from: Path | None) -> dict[str, Any]:
        cfg, out, main = self.cfg, self.options.out, self.state.main
        start, best, best_epoch, stale, history = 1, None, 0, 0, []
        selected = "no_validation"  # the selection metric's name, once validation has computed it
        if resume_from is None and self.model.audio_head.standardise:
            self.model.audio_head.set_input_statistics(self._training_tower_outputs())
        if resume_from is not None:
            saved = ckpt.load_checkpoint(resume_from)
            self.model.load_state_dict(saved["weights"], strict=False)
            self.optimizer.load_state_dict(saved["optimizer"])
            self.scheduler.load_state_dict(saved["scheduler"])
            self._restore_rng(saved)
            start, best, best_epoch = saved["epoch"] + 1, saved["best"], saved["best_epoch"]
            stale, history = saved["stale"], list(saved["history"])
            selected = saved.get("selected", selected)
            logger.info("resumed from %s (epoch %d done)", resume_from.name, saved["epoch"])
        writer = run_folder.tensorboard(out) if main else None
        stopped_early = False
        for epoch in range(start, cfg.epochs + 1):
            if cfg.early_stop_patience and stale >= cfg.early_stop_patience:
                stopped_early = True
                break
            row = self._epoch(epoch)
            rngs = distributed.gather_objects(self.state, ckpt.rng_states())  # every rank takes part
            if main:
                validate = self.options.validate
                metrics = (
                    validate(self.model, self.valid, self.cache, max_aspects=cfg.max_aspects, frozen=self.features,
                             device=self.device)
                    if validate is not None
                    else {}
                )  # fmt: skip
                row.update({f"val_{k}": v for k, v in metrics.items()})
                chosen = selected_metric(cfg.select_metric, metrics)
                selected = f"val_{chosen}" if chosen else selected
                score = metrics.get(chosen) if chosen else None
                improved = score is None or best is None or score > best
                if improved:
                    best, best_epoch, stale = (score if score is not None else best), epoch, 0
                    run_folder.save_model(self.model, out, {"trained": {"epoch": epoch, "metrics": metrics}})
                else:
                    stale += 1
                history.append(row)
                run_folder.append_metrics(out, row, writer)
                ckpt.save_checkpoint(out, epoch, self._state(epoch, best, best_epoch, stale, history, selected, rngs))
                logger.info(
                    "epoch %d: loss %.4f, %.0f pairs/s, %s %s",
                    epoch,
                    row["loss"],
                    row["pairs_per_s"],
                    selected,
                    f"{score:.4f}" if score is not None else "n/a",
                )
            stale = _broadcast(stale, self.state)
        if writer is not None:
            writer.close()
        summary = {
            "epochs_run": len(history),
            "best_epoch": best_epoch,
            "best": {selected: best},  # the validation metric that selected the model, and its value
            "stopped_early": stopped_early,
            "processes": self.state.world,  # DDP processes over all nodes
            "model": str(out / "model"),
        }
        if main:
            atomic_write_json(out / "summary.json", summary)
        return summary

    def step(self, batch: Batch, epoch: int = 0, step: int = 0) -> float:
        """One optimisation step on one batch; returns its loss."""
        with torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            text, audio = self.forward(batch.text, batch.audio)
        loss = self.loss_fn(text, audio, batch.songs)  # a song's other texts in the batch are no negatives
        if not torch.isfinite(loss):
            last = ckpt.latest_checkpoint(self.options.out)
            raise TrainingDiverged(
                f"the loss became {float(loss.detach())} at epoch {epoch}, step {step}: training stopped; "
                f"the last good checkpoint is {last or 'none (first epoch)'}; lower --learning-rate"
            )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        return float(loss.detach())

    def run_batches(self, epoch: int, batches: list[list[int]], bar=None) -> list[float]:
        """Train on `batches` of sample indices, loading each batch's inputs; returns the losses."""
        # Fine-tuning: the next batch is read and drawn in a thread while this one trains (the towers'
        # big operations release the GIL). Frozen towers: a step takes milliseconds of small ops, and a
        # loader thread would fight it for the GIL, so the (cheap) inputs are drawn in line.
        pool = ThreadPoolExecutor(1, thread_name_prefix="crossmusim-loader") if self.features is None else None
        load = (lambda b: pool.submit(self.inputs, epoch, b)) if pool else (lambda b: _Done(self.inputs(epoch, b)))
        losses: list[float] = []
        started = time.perf_counter()
        try:
            pending = load(batches[0]) if batches else None
            for step, batch in enumerate(batches, 1):
                inputs = pending.result()
                if step < len(batches):
                    pending = load(batches[step])
                losses.append(self.step(inputs, epoch, step))
                if bar is not None:
                    rate = step * len(batch) / max(1e-9, time.perf_counter() - started)
                    bar.set_postfix_str(f"loss {losses[-1]:.3f}, {rate:.0f} pairs/s")
                    bar.update(1)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return losses

    def _epoch(self, epoch: int) -> dict[str, Any]:
        self.model.train()
        batches = self._batches(epoch)
        started = time.perf_counter()
        bar = run_folder.progress(len(batches), epoch, self.cfg.epochs) if self.state.main else None
        losses = self.run_batches(epoch, batches, bar)
        if bar is not None:
            bar.close()
        elapsed = time.perf_counter() - started
        return {
            "epoch": epoch,
            "loss": float(np.mean(losses)),
            "lr": self.scheduler.get_last_lr()[0],
            "pairs_per_s": sum(len(b) for b in batches) / max(elapsed, 1e-9),
            "seconds": elapsed,
        }


class _Done:
    """An already-computed result with a future's `result()`."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _broadcast(value: int, state: distributed.Dist) -> int:
    if state.world == 1:
        return value
    tensor = torch.tensor([value])
    torch.distributed.broadcast(tensor, 0)
    return int(tensor.item())
