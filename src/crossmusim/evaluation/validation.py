"""The validation retrieval metric that picks the best checkpoint and stops training early.

Text-to-music on the validation split: every validation text (the whole text; aspects: the first
five) queries the validation songs, each song embedded as the mean of its windows' embeddings (up
to `MAX_WINDOWS` evenly spaced). Returns `evaluation.metrics.t2m_metrics`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from crossmusim.evaluation.metrics import t2m_metrics
from crossmusim.model.audio_cache import AudioCache
from crossmusim.model.data import SplitData, evaluation_text
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.features import FrozenFeatures, spaced_windows


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
    if not split.texts or len(split.songs) < 2:
        return {}
    was_training = model.training
    model.eval()
    song_ids = list(split.songs)
    song_vectors = []
    for song_id in song_ids:
        key = split.songs[song_id].audio_key
        if frozen is not None:
            embedded = model.audio_head(torch.from_numpy(frozen.audio(key)).to(device))
        else:
            chunks = torch.from_numpy(spaced_windows(cache, key, model.crop_samples)).to(device)
            embedded = torch.cat([model.encode_audio(chunks[i : i + 8]) for i in range(0, len(chunks), 8)])
        song_vectors.append(nn.functional.normalize(embedded.float().mean(dim=0), dim=0))
    texts = [evaluation_text(item, max_aspects) for item in split.texts]
    if frozen is not None:
        text_vectors = model.text_head(torch.from_numpy(frozen.texts(texts)).to(device))
    else:
        text_vectors = torch.cat([model.encode_text(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    scores = (text_vectors.float() @ torch.stack(song_vectors).T).cpu().numpy()
    index = {song_id: i for i, song_id in enumerate(song_ids)}
    relevant = np.array([index[item.song_id] for item in split.texts])
    model.train(was_training)
    return t2m_metrics(scores, relevant)
