"""A frozen audio tower runs once per window, whoever asks: `embed --model` after `embed --baseline
musicnn` only runs the heads, and gives the vectors the model gives on its own."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from crossmusim.evaluation.baselines import ModelEmbedder, MusicnnEmbedder
from crossmusim.evaluation.whole_tracks import Track, embed_tracks
from crossmusim.model import config as cfg
from crossmusim.model.dual_encoder import DualEncoder

pytest.importorskip("musicnn")


def test_a_frozen_tower_model_reuses_the_windows_the_musicnn_baseline_computed(tmp_path):
    rng = np.random.default_rng(0)
    tracks, waves = [], []
    for i in range(3):
        wave = 0.2 * np.sin(np.linspace(0, 4000 + 900 * i, 16000 * 12)) + 0.05 * rng.standard_normal(16000 * 12)
        waves.append(wave.astype(np.float32))
        sf.write(tmp_path / f"t{i}.wav", waves[-1], 16000, subtype="FLOAT")
        tracks.append(Track(f"t{i}", file=tmp_path / f"t{i}.wav", path=str(tmp_path / f"t{i}.wav")))
    cache = tmp_path / "cache"
    musicnn = embed_tracks(MusicnnEmbedder(), tracks, cache, progress=False)
    assert len(musicnn.ids) == 3
    config = cfg.preset("cpu")
    config.model.text.kind = config.model.text.name = "hashed-ngrams"  # the audio side is what matters here
    torch.manual_seed(0)
    model = DualEncoder(config).eval()
    alone = [model.embed_audio([w])[0] for w in waves]  # the model on its own: its tower runs

    def refuse(_):
        raise AssertionError("the frozen tower ran again")

    model.audio_tower.forward = refuse
    reused = embed_tracks(ModelEmbedder(model, "model:x"), tracks, cache, progress=False)
    assert np.allclose(reused.vectors, np.stack(alone), atol=1e-5)
