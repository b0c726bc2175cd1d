"""Training checkpoints: everything a resumed run needs to end with the same weights as an
uninterrupted one (trainable weights, optimizer, scheduler, epoch, best metric, early-stopping
counter, metric history, every process's random-number generators: torch's CPU one and each GPU's).
Written atomically; loaded with `weights_only=True`,
so a checkpoint can hold tensors and plain containers only, never pickled code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch

from crossmusim.errors import UserError
from crossmusim.io import atomic_output

PATTERN = re.compile(r"epoch-(\d{4,})\.pt$")


def checkpoint_path(run: Path, epoch: int) -> Path:
    return Path(run) / "checkpoints" / f"epoch-{epoch:04d}.pt"


def save_checkpoint(run: Path, epoch: int, state: dict[str, Any]) -> Path:
    path = checkpoint_path(run, epoch)
    with atomic_output(path) as tmp:
        torch.save(state, tmp)
    return path


def epoch_files(run: Path) -> dict[int, Path]:
    """epoch -> its checkpoint file in the run folder."""
    return {int(m.group(1)): p for p in (Path(run) / "checkpoints").glob("epoch-*.pt") if (m := PATTERN.search(p.name))}


def latest_checkpoint(run: Path) -> Path | None:
    found = epoch_files(run)
    return found[max(found)] if found else None


def load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(f"{path}: cannot read this checkpoint ({type(exc).__name__}: {str(exc)[:120]})") from None


def trainable_weights(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The state a checkpoint keeps: parameters that train, plus every buffer (batch-norm statistics)."""
    parameters = dict(module.named_parameters())
    return {
        k: v.detach().cpu().clone()
        for k, v in module.state_dict().items()
        if k not in parameters or parameters[k].requires_grad
    }


def rng_states() -> dict[str, Any]:
    """This process's generators: torch's CPU one and, once CUDA is in use, every GPU's (dropout there)."""
    states: dict[str, Any] = {"cpu": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["cpu"])
    if states.get("cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
