"""What `evaluate` says about the pool it scored, besides the figures: tracks a model trained on, systems
whose embeddings collapsed, and why a cell of the table is `-`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.evaluation.metrics import mean_pairwise_cosine
from crossmusim.evaluation.whole_tracks import Track
from crossmusim.model.config import COLLAPSED


def tracks_in_training(run: Path, audio_sha256: dict[str, str]) -> int | None:
    """How many pool tracks (id -> audio digest) are songs of the run's training split, by their audio's
    content (so a track is found whatever its id or file name); None for a run that did not record them."""
    report = Path(run) / "data-report.json"
    if not report.is_file():
        return None
    trained = json.loads(report.read_text("utf-8")).get("train_audio_sha256")
    if trained is None:
        return None
    trained = set(trained)
    return sum(1 for digest in audio_sha256.values() if digest in trained)


def training_warning(name: str, count: int | None, pool: int) -> str | None:
    if not count:
        return None
    return (f"{count} of the {pool} pool tracks are in the training split of {name}: its figures are flattered "
            "(score it on tracks it did not train on, e.g. its dataset's test split)")  # fmt: skip


def collapse_warning(name: str, vectors: np.ndarray) -> str | None:
    """A line when the system's vectors of the scored pool have collapsed (`model.config.COLLAPSED`)."""
    cosine = mean_pairwise_cosine(vectors)
    if not cosine > COLLAPSED:
        return None
    return (f"{name}'s embeddings have collapsed: mean pairwise cosine {cosine:.3f} over the scored pool (over "
            f"{COLLAPSED}): its rankings hang on tiny differences, lost in a float16 or quantised index")  # fmt: skip


def dash_reasons(results: dict[str, dict[str, Any]], tracks: list[Track]) -> list[str]:
    """Why each kind of `-` in the table is there (one line each)."""
    lines = []
    no_text = [name for name, r in results.items() if not r.get("t2m")]
    if no_text:
        lines.append(f"T2M -: no text side ({', '.join(no_text)}: audio-only, or an embeddings file given "
                     "without --text-embeddings)")  # fmt: skip
    for level in ("coarse", "fine"):
        if any(r[f"m2m_{level}"]["tags"] for r in results.values()):
            continue
        tagged = sum(1 for t in tracks if getattr(t, f"tags_{level}"))
        why = f"none of the {len(tracks)} tracks has {level} tags"
        if tagged:
            why = (f"no {level} tag is on two of the {len(tracks)} tracks ({tagged} carry {level} tags; a tag on one "
                   "track has nothing to retrieve)")  # fmt: skip
        lines.append(f"M2M {level} -: {why}")
    return lines
