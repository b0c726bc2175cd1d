"""Whole-track embedding of a dataset split or an audio manifest/folder with any `Embedder`.

Each track is decoded once into the audio cache (content-hashed), embedded as the mean of its
whole-track windows, and its vector cached by (system, audio hash), the system's key covering
everything that changes its vectors (`system_id`): the same file always gives the same vector, and a
rerun embeds nothing again. Missing or undecodable files are listed and skipped.
Vectors come out L2-normalised (the `dsp` baseline's dimensions are first standardised over the pool).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from crossmusim.errors import UserError
from crossmusim.evaluation.baselines import Embedder, ModelEmbedder
from crossmusim.evaluation.embeddings_io import normalise
from crossmusim.model.audio.frontend import WINDOWS_VERSION
from crossmusim.training.array_store import ArrayStore
from crossmusim.training.audio_cache import AudioCache, default_cache_dir


@dataclass
class Track:
    id: str
    artist: str = ""
    title: str = ""
    tags_coarse: list[str] = field(default_factory=list)
    tags_fine: list[str] = field(default_factory=list)
    path: str = ""
    audio: bytes | None = None  # encoded bytes (an embedded dataset) ...
    file: Path | None = None  # ... or a file to read


@dataclass
class Embedded:
    ids: list[str]
    vectors: np.ndarray
    tracks: list[Track]
    problems: list[dict[str, str]]
    processes: int = 1  # how many processes computed the vectors not found in the cache
    audio_sha256: dict[str, str] = field(default_factory=dict)  # id -> its audio bytes' digest (the cache key)


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker process needs to build the same embedder (`make_embedder`'s arguments)."""

    model: Path | None
    baseline: str | None
    seed: int = 0
    device: str = "cpu"
    dataset: Path | None = None  # a probe's training data


def tracks_from_dataset(dataset: Path, split: str) -> list[Track]:
    return list(iter_split_tracks(dataset, split))


def iter_split_tracks(dataset: Path, split: str) -> Iterator[Track]:
    """A split's tracks one at a time, streamed from its Arrow files (`arrow_stream`): an embedded
    build's audio bytes are read as each track is reached, and none stays held once let go."""
    from crossmusim.arrow_stream import iter_split_rows
    from crossmusim.training.data import check_dataset

    songs = check_dataset(dataset) / "songs"
    splits = json.loads((songs / "dataset_dict.json").read_text("utf-8"))["splits"]
    if split not in splits:
        raise UserError(f"{dataset}: no {split!r} split (it has {', '.join(splits)})")
    for row in iter_split_rows(songs / split):
        audio = row["audio"]
        data, file, path = None, None, ""
        if isinstance(audio, dict):
            data, path = audio.get("bytes"), audio.get("path") or ""
        else:
            file, path = Path(audio), str(audio)
        yield Track(row["song_id"], row["artist"] or "", row["title"] or "", list(row["tags_coarse"] or []),
                    list(row["tags_fine"] or []), path, data, file)  # fmt: skip


@dataclass
class Standardisation:
    """Where a standardising system's per-dimension statistics come from: `tracks` (called once, its
    tracks streamed) or, without, the scored pool itself (transductive)."""

    source: str
    tracks: Callable[[], Iterable[Track]] | None = None


POOL = Standardisation("the scored pool (transductive)")


def has_split(dataset: Path, split: str) -> bool:
    index = Path(dataset) / "songs" / "dataset_dict.json"
    return index.is_file() and split in json.loads(index.read_text("utf-8"))["splits"]


def standardisation(dataset: Path | None, std_from: Path | None = None) -> Standardisation:
    """`std_from` (a built dataset's training split, or an audio manifest or folder), else `dataset`'s
    training split, else the scored pool (transductive: said in the report)."""
    source = std_from if std_from is not None else dataset
    if source is None:
        return POOL
    if (Path(source) / "songs").is_dir():
        if not has_split(source, "train"):
            if std_from is not None:
                raise UserError(f"--std-from {source}: the dataset has no train split to take statistics from")
            return POOL
        return Standardisation(f"the training split of {source}", lambda: iter_split_tracks(source, "train"))
    if std_from is None:
        return POOL
    if not Path(std_from).exists():
        raise UserError(f"--std-from {std_from}: no such dataset, manifest or folder")
    return Standardisation(f"the tracks of {std_from}", lambda: tracks_from_audio(std_from)[0])


def tracks_from_audio(spec: Path) -> tuple[list[Track], list[dict[str, str]]]:
    """Tracks of a manifest (path, title, artist, id) or folder; ids: the manifest id, else the file stem."""
    from crossmusim.curation.audio import load_audio

    index = load_audio(spec)
    seen, tracks = set(), []
    for ref in [*index.by_id.values(), *index.by_key.values()]:
        if ref.path in seen:
            continue
        seen.add(ref.path)
        tracks.append(Track(ref.id or ref.path.stem, ref.artist, ref.title, path=str(ref.path), file=ref.path))
    duplicate = next((i for i, n in Counter(t.id for t in tracks).items() if n > 1), None)
    if duplicate is not None:
        raise UserError(f"{spec}: two files have the id {duplicate!r}: give each an id column in the manifest")
    return sorted(tracks, key=lambda t: t.id), [dict(p) for p in index.problems]


def system_id(embedder: Embedder) -> str:
    """The embeddings cache's folder for this system: a digest of everything that changes its vectors
    (a model's weights and config; a baseline's settings), the window length and the windowing version."""
    digest = hashlib.sha256()
    settings = {"settings": embedder.settings(), "window_seconds": embedder.window_seconds,
                "sample_rate": embedder.sample_rate, "windows": WINDOWS_VERSION}  # fmt: skip
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    if isinstance(embedder, ModelEmbedder):
        state = embedder.model.trainable_state()
        for name in sorted(state):
            digest.update(name.encode())
            digest.update(state[name].float().numpy().tobytes())
        return f"{embedder.name.split(':')[0]}-{digest.hexdigest()[:16]}"
    return f"{embedder.cache_name}-{digest.hexdigest()[:16]}"


def embed_tracks(
    embedder: Embedder,
    tracks: list[Track],
    cache_dir: Path | None = None,
    progress: bool = True,
    *,
    workers: int = 1,
    spec: WorkerSpec | None = None,
    reference: Standardisation = POOL,
) -> Embedded:
    """Embed `tracks` in order, L2-normalised. `workers` > 1 spreads the tracks not yet cached over
    that many processes, each building its own embedder from `spec` (`make_embedder`'s arguments).
    This process alone writes the caches: it decodes every track first, the workers only read decoded
    audio, and their vectors come back here to be stored. A standardising embedder z-scores each
    dimension with the statistics of `reference` (streamed: no track's audio is kept), or of `tracks`
    themselves (`POOL`). A reference of which fewer than two tracks decode is an error, not a fallback."""
    raw = _raw_vectors(embedder, tracks, cache_dir, progress, workers, spec)
    matrix = raw.vectors
    if embedder.standardise and len(matrix) > 1:
        basis = matrix
        if reference.tracks is not None:
            basis = _raw_vectors(embedder, reference.tracks(), cache_dir, progress, workers, spec, keep=False).vectors
            if len(basis) < 2:
                raise UserError(f"{embedder.name}: {len(basis)} track(s) of {reference.source} decode: too few to "
                                "standardise with; check that build's audio or give --std-from")  # fmt: skip
        matrix = (matrix - basis.mean(axis=0)) / (basis.std(axis=0) + 1e-8)
    raw.vectors = normalise(matrix)
    return raw


def _raw_vectors(
    embedder: Embedder, tracks: Iterable[Track], cache_dir: Path | None, progress: bool, workers: int,
    spec: WorkerSpec | None, keep: bool = True,
) -> Embedded:  # fmt: skip
    """The tracks' vectors as the embedder gives them (cached by system and audio hash). `keep`: the
    result lists the tracks; without, each track (and its audio) is let go once decoded into the cache.
    `progress`: bars on a terminal, a line every 10 s when piped (`crossmusim.progress`)."""
    from crossmusim.progress import progress as counted

    def shown(items, desc: str):
        return counted(items, desc, unit="track") if progress else items

    root = cache_dir or default_cache_dir()
    cache = AudioCache(root, embedder.sample_rate)
    store_dir = root / "embeddings" / system_id(embedder)
    store = ArrayStore.existing(store_dir)
    keys: list[str | None] = []
    ids: list[str] = []
    kept_tracks: list[Track] = []
    problems = []
    for track in shown(tracks, "decoding"):
        ids.append(track.id)
        if keep:
            kept_tracks.append(track)
        try:
            data = track.audio if track.audio is not None else Path(track.file).read_bytes()
            keys.append(cache.add(data))
        except Exception as exc:  # missing, unreadable, not audio: listed, never fatal
            problems.append(
                {"id": track.id, "path": track.path, "reason": (str(exc).splitlines() or [type(exc).__name__])[0][:200]}
            )
            keys.append(None)
    found: dict[str, np.ndarray] = {}
    for key in keys:
        if key is not None and store is not None and key in store and key not in found:
            found[key] = np.array(store.get(key)[0])
    todo = list(dict.fromkeys(k for k in keys if k is not None and k not in found))
    track_of = {k: i for k, i in zip(keys, ids, strict=True) if k is not None}
    processes = workers if workers > 1 and spec is not None and len(todo) > 1 else 1
    if processes > 1:
        computed = _embed_in_processes(spec, root, embedder.sample_rate, [(k, track_of[k]) for k in todo], workers)
    else:
        computed = (np.asarray(embedder.embed_cached(cache, k, track_of[k], root / "features"), dtype=np.float32)
                    for k in shown(todo, f"embedding ({embedder.name})"))  # fmt: skip
    for key, vector in zip(todo, computed, strict=True):
        if store is None:
            store = ArrayStore(store_dir, "<f4", len(vector))
        if key not in store:
            store.add(key, vector)
        found[key] = vector
    rows = [n for n, key in enumerate(keys) if key is not None]
    matrix = np.stack([found[keys[n]] for n in rows]) if rows else np.zeros((0, 1), np.float32)
    kept = [kept_tracks[n] for n in rows] if keep else []
    digests = {ids[n]: keys[n] for n in rows}
    return Embedded([ids[n] for n in rows], matrix, kept, problems, processes, digests)  # type: ignore[arg-type]


_WORKER: dict[str, object] = {}


def worker_device(device: str, index: int, gpus: int | None = None) -> str:
    """The device of worker `index`: with plain `cuda`, the GPUs in turn; otherwise `device` itself."""
    if device != "cuda":
        return device
    if gpus is None:
        import torch

        gpus = torch.cuda.device_count()
    return f"cuda:{index % max(1, gpus)}"


def _start_worker(spec: WorkerSpec, root: Path, rate: int, threads: int, counter) -> None:
    import torch

    from crossmusim.evaluation.baselines import make_embedder

    with counter.get_lock():  # each worker takes the next number: its GPU when there are several
        index = counter.value
        counter.value += 1
    torch.set_num_threads(threads)  # the machine's cores shared among the workers, not each taking all
    _WORKER["embedder"] = make_embedder(spec.model, spec.baseline, spec.seed, worker_device(spec.device, index),
                                        dataset=spec.dataset, cache_dir=root)  # fmt: skip
    _WORKER["cache"] = AudioCache(root, rate)


def _embed_chunk(chunk: list[tuple[str, str]]) -> list[np.ndarray]:
    embedder, cache = _WORKER["embedder"], _WORKER["cache"]
    return [np.asarray(embedder.embed_track(cache.read(key), track_id), dtype=np.float32) for key, track_id in chunk]  # type: ignore[attr-defined]


def _embed_in_processes(
    spec: WorkerSpec, root: Path, rate: int, todo: list[tuple[str, str]], workers: int
) -> list[np.ndarray]:
    """Vectors for `todo` (audio key, track id), in order, from `workers` spawned processes."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(32, len(todo) // (4 * workers)))  # a few chunks per worker: balanced, little overhead
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    threads = max(1, (os.cpu_count() or 1) // workers)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked torch or open caches
    counter = context.Value("i", 0)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(spec, root, rate, threads, counter)) as pool:  # fmt: skip
        return [vector for part in pool.map(_embed_chunk, chunks) for vector in part]
