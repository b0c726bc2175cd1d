"""The validation metrics that pick the best checkpoint and stop training early, the same for every run.

Every run is selected on one metric, whatever text types it trains on (`model.config.selected_metric`
with the default `select_metric = "auto"`):
- `m2m_map@100` when the validation songs carry tags: the mean of music-to-music mAP@100 at the
  coarse and the fine level (`evaluation.metrics.m2m_map`; a level with no tag of two songs is left
  out of the mean), the method's goal;
- otherwise `t2m_map@10` on one fixed query set: every validation caption (the whole text) queries
  the validation songs (`evaluation.metrics.t2m_metrics`), whatever the run trains on; a validation
  split without captions falls back to all its texts (aspects: the first five).
Each song is embedded from its whole-track windows by `DualEncoder.song_vector`, exactly as evaluation
embeds it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from crossmusim.evaluation.metrics import m2m_map, mean_pairwise_cosine, t2m_metrics
from crossmusim.model.audio.frontend import windows
from crossmusim.model.config import M2M_METRIC
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import SplitData, TextItem, evaluation_text
from crossmusim.training.features import FrozenFeatures

HALVINGS = 4  # artist halvings of the validation songs for the tower weight's choice


def query_texts(texts: list[TextItem]) -> list[TextItem]:
    """The fixed T2M query set: the validation captions, else every validation text."""
    return [t for t in texts if t.text_type == "caption"] or texts


def m2m_levels(vectors: np.ndarray, ids: list[str], coarse: list[list[str]], fine: list[list[str]]) -> dict:
    """M2M mAP@100 at each level that has a tag of two songs, and their mean as `m2m_map@100`."""
    out = {}
    for level, tags in (("coarse", coarse), ("fine", fine)):
        result = m2m_map(vectors, ids, tags, k=100)
        if result["tags"]:
            out[f"m2m_{level}_map@100"] = result["map@100"]
    if out:
        out[M2M_METRIC] = float(np.mean(list(out.values())))
    return out


def artist_halvings(artists: list[str], cuts: int = HALVINGS) -> list[np.ndarray]:
    """`cuts` fixed pseudo-random halvings of the songs (0 or 1 per song) that keep each artist's songs
    in one half (a song without artist is its own), the same in every epoch and run."""

    def side(cut: int, artist: str) -> int:  # a cryptographic hash: CRC parities of one string are affine
        return hashlib.sha256(f"{cut}:{artist}".encode()).digest()[0] % 2

    return [np.array([side(cut, artist) for artist in artists]) for cut in range(cuts)]


def tower_weight_scores(
    model: DualEncoder, outputs: list[torch.Tensor], split: SplitData, song_ids: list[str], weights: list[float]
) -> dict[float, dict]:
    """Validation M2M (`m2m_map@100`) of the songs embedded with each candidate tower weight: over every
    validation song (`all`) and over each half of each artist halving (`halves`: [[half 0, half 1], ...];
    NaN where a half has no tag of two songs). Empty when the songs carry no tags."""
    songs = [split.songs[s] for s in song_ids]
    cuts = artist_halvings([song.artist or song.song_id for song in songs])
    scores = {}
    for weight in weights:
        vectors = torch.stack([model.song_vector(o, weight) for o in outputs]).cpu().numpy()
        found = m2m_levels(vectors, song_ids, [s.tags_coarse for s in songs], [s.tags_fine for s in songs])
        if M2M_METRIC not in found:
            return {}
        halves = []
        for cut in cuts:
            pair = []
            for half in (0, 1):
                rows = np.flatnonzero(cut == half)
                part = m2m_levels(vectors[rows], [song_ids[i] for i in rows], [songs[i].tags_coarse for i in rows],
                                  [songs[i].tags_fine for i in rows])  # fmt: skip
                pair.append(part.get(M2M_METRIC, float("nan")))
            halves.append(pair)
        scores[weight] = {"all": found[M2M_METRIC], "halves": halves}
    return scores


@torch.no_grad()
def whole_track_outputs(
    model: DualEncoder, split: SplitData, cache: AudioCache, frozen: FrozenFeatures | None = None, device: str = "cpu"
) -> list[torch.Tensor]:
    """Each song's whole-track windows through the audio tower (windows x tower dim), in song order:
    from the frozen features when the tower is frozen, else computed."""
    found = []
    for song in split.songs.values():
        if frozen is not None:
            found.append(torch.from_numpy(frozen.whole(song.audio_key)).to(device))
            continue
        chunks = torch.from_numpy(windows(cache.read(song.audio_key), model.crop_samples)).to(device)
        found.append(torch.cat([model.audio_tower(chunks[i : i + 8]) for i in range(0, len(chunks), 8)]))
    return found


@torch.no_grad()
def validate(
    model: DualEncoder,
    split: SplitData,
    cache: AudioCache,
    *,
    max_aspects: int,
    frozen: FrozenFeatures | None = None,
    device: str = "cpu",
    tower_weights: list[float] | None = None,
) -> dict[str, float]:
    """The validation metrics of `model` as it is (and its songs' `mean_cosine`); with `tower_weights`, also
    each candidate weight's scores under the key `tower_weights` (`tower_weight_scores`), for the choice after
    training."""
    if len(split.songs) < 2:
        return {}
    was_training = model.training
    model.eval()
    song_ids = list(split.songs)
    song_outputs = whole_track_outputs(model, split, cache, frozen, device)
    songs = torch.stack([model.song_vector(outputs) for outputs in song_outputs])
    songs_np = songs.cpu().numpy()
    out = m2m_levels(songs_np, song_ids, [split.songs[s].tags_coarse for s in song_ids],
                     [split.songs[s].tags_fine for s in song_ids])  # fmt: skip
    out["mean_cosine"] = mean_pairwise_cosine(songs_np)  # near 1: collapsed (`model.config.COLLAPSED`)
    queries = query_texts(split.texts)
    if queries:
        texts = [evaluation_text(item, max_aspects) for item in queries]
        if frozen is not None:
            text_vectors = model.text_vectors(model.text_head(torch.from_numpy(frozen.texts(texts)).to(device)))
        else:
            text_vectors = torch.cat([model.text_vectors(model.encode_text(texts[i : i + 64]))
                                      for i in range(0, len(texts), 64)])  # fmt: skip
        scores = (text_vectors.float() @ songs.T).cpu().numpy()
        index = {song_id: i for i, song_id in enumerate(song_ids)}
        relevant = np.array([index[item.song_id] for item in queries])
        out.update(t2m_metrics(scores, relevant))
    if tower_weights:
        out["tower_weights"] = tower_weight_scores(model, song_outputs, split, song_ids, tower_weights)
    model.train(was_training)
    return out
