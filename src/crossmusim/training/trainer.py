"""The optimisation loop both training paths share: schedule, steps (bf16 autocast on CUDA, gradient
clipping, DDP), validation after each epoch, the best model kept, checkpoints every epoch, early
stopping and resuming with every process's random generators."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from crossmusim.errors import CrossmusimError, UserError
from crossmusim.io import atomic_write_json
from crossmusim.model.config import COLLAPSED, Preset, selected_metric
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.loss import NTXentLoss
from crossmusim.progress import progress
from crossmusim.training import checkpoint as ckpt
from crossmusim.training import distributed, run_folder, tower_weight
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import SplitData, epoch_batches, sample_rng, sample_text
from crossmusim.training.features import FrozenFeatures
from crossmusim.training.fit_state import FitState, prune_checkpoints
from crossmusim.training.forward import Batch, HeadsForward, PairForward, lr_factor
from crossmusim.training.logger import RunLogger, epoch_progress

if TYPE_CHECKING:
    from crossmusim.training.options import TrainOptions

logger = logging.getLogger("crossmusim.train")


class TrainingDiverged(CrossmusimError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainerParts:
    """Everything one run's loop works on, built by `training.train` (or by a benchmark or test)."""

    config: Preset
    options: TrainOptions
    state: distributed.Dist
    model: DualEncoder
    cache: AudioCache
    train: SplitData
    valid: SplitData
    features: FrozenFeatures | None  # the frozen towers' cached outputs; None when a tower trains
    device: torch.device
    log: RunLogger | None = None  # the run's logs (train.log, metrics.csv); None: the loop opens its own


class Trainer:
    """One run's optimisation loop over everything `TrainerParts` holds."""

    def __init__(self, parts: TrainerParts):
        self.config, self.cfg, self.options, self.state = parts.config, parts.config.train, parts.options, parts.state
        self.model, self.cache, self.features, self.device = parts.model, parts.cache, parts.features, parts.device
        self.train_data, self.valid, self.log = parts.train, parts.valid, parts.log
        model, train, state, device, options = parts.model, parts.train, parts.state, parts.device, parts.options
        self.song_index = {song_id: i for i, song_id in enumerate(train.songs)}
        forward = HeadsForward(model) if self.features is not None else PairForward(model)
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
            steps = progress(songs, "audio tower features of the training songs", unit="song")
            return np.concatenate([self.features.crops(song.audio_key) for song in steps])
        rng = sample_rng(self.cfg.seed, 0, 1 << 30)  # a draw apart from every sample's
        crops = np.stack([self.cache.crop(song.audio_key, self.model.crop_samples, rng) for song in songs])
        self.model.audio_tower.eval()
        outputs = [self.model.audio_tower(torch.from_numpy(crops[i : i + 16]).to(self.device)).float().cpu()
                   for i in range(0, len(crops), 16)]  # fmt: skip
        self.model.audio_tower.train()
        return torch.cat(outputs).numpy()

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

    def start_state(self, resume_from: Path | None) -> FitState:
        """A fresh run's state (the audio head's input statistics set), or a checkpoint's, restored."""
        if resume_from is None:
            if self.model.audio_head.standardise:
                self.model.audio_head.set_input_statistics(self._training_tower_outputs())
            return FitState()
        saved = ckpt.load_checkpoint(resume_from)
        self.model.load_state_dict(saved["weights"], strict=False)
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        self._restore_rng(saved)
        logger.info("resumed from %s (epoch %d done)", resume_from.name, saved["epoch"])
        return FitState.from_checkpoint(saved)

    def fit(self, resume_from: Path | None) -> dict[str, Any]:
        cfg, out, main = self.cfg, self.options.out, self.state.main
        state = self.start_state(resume_from)
        own_log = self.log is None and main  # a run's logger writes train.log once; a bare loop opens one
        log = RunLogger(out) if own_log else self.log
        stopped_early = False
        for epoch in range(state.epoch + 1, cfg.epochs + 1):
            if cfg.early_stop_patience and state.stale >= cfg.early_stop_patience:
                stopped_early = True
                break
            row = self.train_one_epoch(epoch)
            rngs = distributed.gather_objects(self.state, ckpt.rng_states())  # every rank takes part
            if main:
                score = self.validate_and_select(state, epoch, row)
                log.record(row)
                self.save_checkpoint(state, rngs)
                logger.info("epoch %d: loss %.4f, %.0f pairs/s, %s %s", epoch, row["loss"], row["pairs_per_s"],
                            state.selected, f"{score:.4f}" if score is not None else "n/a")  # fmt: skip
            state.stale = distributed.broadcast_int(state.stale, self.state)
        if own_log:
            log.close()
        return self.finish(state, stopped_early) if main else {}

    def validate_and_select(self, state: FitState, epoch: int, row: dict[str, Any]) -> float | None:
        """Validate the epoch's model, record its row and its candidate tower weights' scores, and keep it as
        the run's model when the selection metric improved. Returns the epoch's selection figure."""
        cfg, validate = self.cfg, self.options.validate
        candidates = {"tower_weights": cfg.tower_weights} if cfg.tower_weights else {}
        metrics = {} if validate is None else validate(
            self.model, self.valid, self.cache, max_aspects=cfg.max_aspects, frozen=self.features, device=self.device,
            **candidates)  # fmt: skip
        scores = metrics.pop("tower_weights", None)
        if scores:
            state.weights.append((epoch, scores))
        row.update({f"val_{k}": v for k, v in metrics.items()})
        chosen = selected_metric(cfg.select_metric, metrics)
        state.selected = f"val_{chosen}" if chosen else state.selected
        score = metrics.get(chosen) if chosen else None
        if score is None or state.best is None or score > state.best:
            state.best, state.best_epoch, state.stale = (score if score is not None else state.best), epoch, 0
            run_folder.save_model(self.model, self.options.out, {"trained": {"epoch": epoch, "metrics": metrics}})
        else:
            state.stale += 1
        state.epoch = epoch
        state.history.append(row)
        return score

    def save_checkpoint(self, state: FitState, rngs: list) -> None:
        """The epoch's checkpoint; then older epoch files beyond `keep_checkpoints`, never one still needed."""
        full = {**state.as_checkpoint(), "weights": ckpt.trainable_weights(self.model), "rng": rngs,
                "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict()}  # fmt: skip
        ckpt.save_checkpoint(self.options.out, state.epoch, full)
        prune_checkpoints(self.options.out, self.options.keep_checkpoints, state.needed_epochs())

    def finish(self, state: FitState, stopped_early: bool) -> dict[str, Any]:
        """After the last epoch: the tower weight's choice (its epoch's weights become the model) and summary.json."""
        out, best, best_epoch = self.options.out, state.best, state.best_epoch
        choice = None
        if self.cfg.tower_weights:
            choice = tower_weight.keep_tower_weight(self.model, out, state.weights, state.selected, state.history)
        if choice is not None:
            best, best_epoch = choice.score, choice.epoch
        summary = {
            "epochs_run": len(state.history),
            "best_epoch": best_epoch,
            "best": {state.selected: best},  # the validation metric that selected the model, and its value
            "stopped_early": stopped_early,
            "processes": self.state.world,  # DDP processes over all nodes
            "model": str(out / "model"),
        }
        if choice is not None:
            summary["tower_weight"] = choice.as_dict()
        kept = next((row for row in state.history if row.get("epoch") == best_epoch), {})
        if kept.get("val_mean_cosine") is not None:
            summary["validation_mean_cosine"] = kept["val_mean_cosine"]
            if kept["val_mean_cosine"] > COLLAPSED:
                logger.warning(
                    "the kept model's validation songs are nearly all alike (mean pairwise cosine %.3f, over %.2f): "
                    "its embeddings have collapsed into a narrow cone, so its rankings hang on tiny differences "
                    "(lost in a float16 or quantised index); usually too little training: train longer or on more "
                    "songs", kept["val_mean_cosine"], COLLAPSED)  # fmt: skip
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

    def train_one_epoch(self, epoch: int) -> dict[str, Any]:
        self.model.train()
        batches = self._batches(epoch)
        started = time.perf_counter()
        bar = epoch_progress(len(batches), epoch, self.cfg.epochs) if self.state.main else None
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
