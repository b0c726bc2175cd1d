"""The validation metrics that pick the best checkpoint and stop training early, the same for every run.

Every run is selected on one metric, whatever text types it trains on (`model.config.selected_metric`
with the default `select_metric = "auto"`):
- `m2m_map@100` when the validation songs carry tags: the mean of music-to-music mAP@100 at the
  coarse and the fine level (`evaluation.metrics.m2m_map`; a level with no tag of two songs is left
  out of the mean), the method's goal;
- otherwise `t2m_map@10` on one fixed query set: every validation caption (the whole text) queries
  the validation songs (`evaluation.metrics.t2m_metrics`), whatever the run trains on; a validation
  split without captions falls back to all its texts (aspects: the first five).
Each song is embedded as the mean of its whole-track windows' embeddings (`model.audio_cache.windows`),
exactly as evaluation embeds it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from crossmusim.evaluation.metrics import m2m_map, t2m_metrics
from crossmusim.model.audio.frontend import windows
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import SplitData, TextItem, evaluation_text
from crossmusim.training.features import FrozenFeatures

M2M = "m2m_map@100"


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
        out[M2M] = float(np.mean(list(out.values())))
    return out


@torch.no_grad()
def validate(
    model: DualEncoder,
    split: SplitData,
    cache: AudioCache,
    *,
    max_aspects: int,
    frozen: FrozenFeatures | None = None,
    device: str = "cpu",
) -> dict[str, float]:
    if len(split.songs) < 2:
        return {}
    was_training = model.training
    model.eval()
    song_ids = list(split.songs)
    song_vectors = []
    for song_id in song_ids:
        key = split.songs[song_id].audio_key
        if frozen is not None:
            embedded = model.audio_head(torch.from_numpy(frozen.whole(key)).to(device))
        else:
            chunks = torch.from_numpy(windows(cache.read(key), model.crop_samples)).to(device)
            embedded = torch.cat([model.encode_audio(chunks[i : i + 8]) for i in range(0, len(chunks), 8)])
        song_vectors.append(nn.functional.normalize(embedded.float().mean(dim=0), dim=0))
    songs = torch.stack(song_vectors)
    songs_np = songs.cpu().numpy()
    out = m2m_levels(songs_np, song_ids, [split.songs[s].tags_coarse for s in song_ids],
                     [split.songs[s].tags_fine for s in song_ids])  # fmt: skip
    queries = query_texts(split.texts)
    if queries:
        texts = [evaluation_text(item, max_aspects) for item in queries]
        if frozen is not None:
            text_vectors = model.text_head(torch.from_numpy(frozen.texts(texts)).to(device))
        else:
            text_vectors = torch.cat([model.encode_text(texts[i : i + 64]) for i in range(0, len(texts), 64)])
        scores = (text_vectors.float() @ songs.T).cpu().numpy()
        index = {song_id: i for i, song_id in enumerate(song_ids)}
        relevant = np.array([index[item.song_id] for item in queries])
        out.update(t2m_metrics(scores, relevant))
    model.train(was_training)
    return out
