"""The frozen path's cached tower outputs: training crops at seeded random starts (augmentation), the
whole-track windows evaluation uses, and keys that never serve a stale configuration."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
import torch

from crossmusim.model.audio.frontend import windows
from crossmusim.model.config import preset
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.features import FrozenFeatures, crop_start


def _song(cache: AudioCache, seconds: float, seed: int) -> str:
    wave = np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * cache.sample_rate)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, wave, cache.sample_rate, format="WAV", subtype="FLOAT")
    return cache.add(buffer.getvalue())


def test_crops_are_seeded_random_windows_and_whole_is_what_evaluation_embeds(tmp_path):
    torch.manual_seed(0)
    model = DualEncoder(preset("tiny")).eval()  # 2 s crops
    cache = AudioCache(tmp_path / "cache", model.sample_rate)
    long_key, short_key = _song(cache, 7.0, 0), _song(cache, 1.5, 1)
    features = FrozenFeatures(model, cache, tmp_path / "features", crops=4)
    crops = features.crops(long_key)
    length, total = model.crop_samples, cache.length(long_key)
    starts = [crop_start(long_key, i, total, length) for i in range(4)]
    assert crops.shape == (4, model.audio_tower.dim) and len(set(starts)) == 4
    assert any(s % length for s in starts)  # not the fixed grid of whole-track windows
    with torch.no_grad():
        third = model.audio_tower(torch.from_numpy(cache.read(long_key, starts[2], length))[None])[0].numpy()
    assert np.allclose(crops[2], third, atol=1e-5)
    whole = features.whole(long_key)
    with torch.no_grad():
        expected = model.audio_tower(torch.from_numpy(windows(cache.read(long_key), length))).numpy()
    assert whole.shape == (4, model.audio_tower.dim) and np.allclose(whole, expected, atol=1e-5)  # 3 + the end
    # Another process, more crops: the first four are read back as they were, four more computed.
    more = FrozenFeatures(model, cache, tmp_path / "features", crops=8)
    assert np.array_equal(more.crops(long_key)[:4], crops) and len(more.crop_store) == 8
    # A song no longer than a crop has one window: its whole-track one.
    assert np.array_equal(features.crops(short_key), features.whole(short_key))
    assert features.whole(short_key).shape[0] == 1
    # Another crop length is another store: nothing stale is read.
    config = preset("tiny")
    config.train.crop_seconds = 1.0
    torch.manual_seed(0)
    other = FrozenFeatures(DualEncoder(config).eval(), cache, tmp_path / "features", crops=4)
    assert other.crop_store.folder != features.crop_store.folder and len(other.crop_store) == 0
