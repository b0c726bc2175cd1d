"""What the trainer feeds the loss: each row's text, its own song's audio and its song index, so that a
shift by one row, or a song's second text counted as a negative, cannot pass unnoticed."""

from __future__ import annotations

import numpy as np
import torch

from crossmusim.model.config import preset
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import load_split_data, sample_rng, sample_text
from crossmusim.training.distributed import Dist
from crossmusim.training.run import TrainOptions
from crossmusim.training.trainer import Trainer, TrainerParts


def _contains(wave: np.ndarray, crop: np.ndarray) -> bool:
    """Whether `crop` is a contiguous stretch of `wave` (a crop past the end is zero-padded)."""
    starts = np.flatnonzero(np.isclose(wave, crop[0], atol=1e-6))
    return any(np.allclose(wave[s : s + len(crop)], crop[: len(wave) - s], atol=1e-6) for s in starts)


def test_every_row_pairs_a_text_with_its_own_songs_audio_and_index(small_dataset, tmp_path):
    config = preset("tiny")
    config.train.batch_size = 8
    torch.manual_seed(0)
    model = DualEncoder(config)
    cache = AudioCache(tmp_path / "cache", model.sample_rate)
    data, _ = load_split_data(small_dataset, cache, ["caption"])
    train = data["train"]
    train.texts = train.texts + train.texts[:3]  # a song's second text in the same batch
    options = TrainOptions(small_dataset, tmp_path / "run")
    trainer = Trainer(
        TrainerParts(config, options, Dist(), model, cache, train, data["validation"], None, torch.device("cpu"))
    )
    rows = [0, 1, 2, len(train.texts) - 3, len(train.texts) - 2, 4]
    batch = trainer.inputs(3, rows)
    songs = list(train.songs)
    for row, index in enumerate(rows):
        item = train.texts[index]
        assert batch.text[row] == sample_text(item, sample_rng(config.train.seed, 3, index), config.train.max_aspects)
        assert songs[int(batch.songs[row])] == item.song_id
        own = cache.read(train.songs[item.song_id].audio_key)
        assert _contains(own, batch.audio[row].numpy()), f"row {row}: not a crop of its own song"
        other = next(s for s in train.songs.values() if s.song_id != item.song_id)
        assert not _contains(cache.read(other.audio_key), batch.audio[row].numpy())
    assert batch.songs[0] == batch.songs[3] and batch.songs[1] == batch.songs[4]  # the loss leaves these out
