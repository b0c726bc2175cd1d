"""`crossmusim.evaluation.embed(EmbedConfig)`: whole tracks (and query texts) embedded by a model or
a baseline into an embeddings file with its `.tracks.jsonl` sidecar: the library call `crossmusim
embed` makes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossmusim.errors import UserError


@dataclass
class EmbedConfig:
    out: Path  # .npz or .parquet
    model: Path | None = None  # a run folder, its model/ folder or a Hub id
    baseline: str | None = None
    dataset: Path | None = None  # a built dataset: its songs of `split`
    split: str = "test"
    audio: Path | None = None  # or an audio manifest or folder
    texts: list[str] = field(default_factory=list)  # query texts, embedded into OUT.texts.EXT (models only)
    seed: int = 0
    cache_dir: Path | None = None
    workers: int = 1
    device: str = "cpu"


@dataclass
class Embedded:
    ids: list[str]
    vectors: np.ndarray
    system: str
    processes: int
    problems: list[dict[str, str]]  # unusable files skipped
    texts_out: Path | None = None


def system_record(config: EmbedConfig) -> dict:
    """What made the vectors, kept in the embeddings file (and an index of it): a model folder (resolved)
    or Hub id, or a baseline (with the run it was built from)."""
    from crossmusim.evaluation.run_models import model_config_folder
    from crossmusim.model.hub import hub_argument

    def where(model: Path) -> str:
        return str(model) if hub_argument(model) else str(model_config_folder(model).resolve())

    if config.baseline is None:
        return {"model": where(config.model)}
    return {"baseline": config.baseline, "model": where(config.model) if config.model else None}


def embed(config: EmbedConfig) -> Embedded:
    from crossmusim.evaluation.baselines import check_system, make_embedder, uses_run
    from crossmusim.evaluation.embeddings_io import write_embeddings
    from crossmusim.evaluation.whole_tracks import (
        WorkerSpec,
        embed_tracks,
        standardisation,
        tracks_from_audio,
        tracks_from_dataset,
        worker_device,
    )

    c = config
    if (c.model is None) == (c.baseline is None) and not uses_run(c.baseline):
        raise UserError("give --model RUN_DIR or --baseline NAME (untrained and probe take both)")
    if (c.dataset is None) == (c.audio is None):
        raise UserError("give --dataset DIR or --audio MANIFEST|FOLDER")
    check_system(c.model, c.baseline, training_split=c.dataset is not None)
    if c.out.suffix not in (".npz", ".parquet"):
        raise UserError(f"--out {c.out}: write embeddings as .npz or .parquet")
    problems: list[dict[str, str]] = []
    if c.dataset is not None:
        tracks = tracks_from_dataset(c.dataset, c.split)
    else:
        tracks, problems = tracks_from_audio(c.audio)
    spec = WorkerSpec(c.model, c.baseline, c.seed, c.device, c.dataset)
    embedder = make_embedder(
        c.model, c.baseline, c.seed, worker_device(c.device, 0), dataset=c.dataset, cache_dir=c.cache_dir
    )
    result = embed_tracks(embedder, tracks, c.cache_dir, workers=c.workers, spec=spec,
                          reference=standardisation(c.dataset))  # fmt: skip
    problems += result.problems
    if not result.ids:
        raise UserError(f"no track could be embedded ({len(problems)} unusable): check --dataset or --audio")
    write_embeddings(c.out, result.ids, result.vectors, system_record(c))
    sidecar = c.out.with_name(c.out.stem + ".tracks.jsonl")
    rows = [{"id": t.id, "artist": t.artist, "title": t.title, "path": t.path, "tags_coarse": t.tags_coarse,
             "tags_fine": t.tags_fine} for t in result.tracks]  # fmt: skip
    sidecar.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    done = Embedded(result.ids, result.vectors, embedder.name, result.processes, problems)
    if c.texts:
        vectors = embedder.embed_texts(c.texts)
        if vectors is None:
            raise UserError(f"--text: {embedder.name} has no text side (only a trained model embeds texts)")
        done.texts_out = c.out.with_name(c.out.stem + ".texts" + c.out.suffix)
        write_embeddings(done.texts_out, c.texts, vectors)
    return done
