"""`[model.head] tower_weight`: a song's embedding keeps its standardised tower features beside the
head's output, so that two songs' cosine is the weighted sum of the two cosines; texts score songs by
the head part alone."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from crossmusim.errors import UserError
from crossmusim.model import config as cfg
from crossmusim.model.audio.frontend import windows
from crossmusim.model.dual_encoder import DualEncoder


def tiny_model(weight: float) -> DualEncoder:
    preset = cfg.preset("tiny")
    preset.model.head.standardise_audio = True
    preset.model.head.tower_weight = weight
    torch.manual_seed(0)
    model = DualEncoder(preset).eval()
    with torch.no_grad():  # statistics from these songs' windows, as training sets them from its split
        outputs = [model.audio_tower(torch.from_numpy(windows(w, model.crop_samples))) for w in waves(4)]
    model.audio_head.set_input_statistics(torch.cat(outputs).numpy())
    return model


def waves(n: int) -> list[np.ndarray]:
    """Songs that sound different: noise, then tones of rising pitch."""
    t = np.arange(40000) / 16000
    noise = np.random.default_rng(2).standard_normal(len(t)) * 0.1
    songs = [noise] + [0.3 * np.sin(2 * np.pi * 110 * 3**i * t) for i in range(n - 1)]
    return [s.astype(np.float32) for s in songs]


def test_two_songs_cosine_is_the_weighted_sum_of_the_features_and_heads_cosines():
    plain, kept = tiny_model(0.0), tiny_model(0.3)
    kept.load_state_dict(plain.state_dict())  # the same weights: only the embedding differs
    songs = waves(3)
    head = plain.embed_audio(songs)
    fused = kept.embed_audio(songs)
    assert head.shape == (3, plain.dim) and plain.dim == 32
    assert fused.shape == (3, kept.dim) and kept.dim == 32 + kept.audio_tower.dim
    assert np.allclose(np.linalg.norm(fused, axis=1), 1.0, atol=1e-5)
    # The features part by hand: each window's tower output z-scored, averaged, normalised.
    features = []
    for wave in songs:
        with torch.no_grad():
            outputs = kept.audio_tower(torch.from_numpy(windows(wave, kept.crop_samples)))
            features.append(torch.nn.functional.normalize(kept.audio_head.prepare(outputs).mean(0), dim=0).numpy())
    features = np.stack(features)
    expected = 0.3 * features @ features.T + 0.7 * head @ head.T
    assert np.allclose(fused @ fused.T, expected, atol=1e-5)
    assert not np.allclose(fused @ fused.T, head @ head.T, atol=1e-3)  # the features do change the ranking space


def test_texts_rank_songs_by_the_head_part_as_trained():
    plain, kept = tiny_model(0.0), tiny_model(0.5)
    kept.load_state_dict(plain.state_dict())
    texts = ["a deep low drone", "a bright fast melody"]
    t_plain, t_kept = plain.embed_text(texts), kept.embed_text(texts)
    assert t_kept.shape == (2, kept.dim) and np.all(t_kept[:, : kept.audio_tower.dim] == 0)
    songs = waves(4)
    scores_plain = t_plain @ plain.embed_audio(songs).T
    scores_kept = t_kept @ kept.embed_audio(songs).T
    assert np.allclose(scores_kept, np.sqrt(0.5) * scores_plain, atol=1e-5)


def test_the_weight_is_saved_checked_and_absent_in_older_folders(tmp_path):
    model = tiny_model(0.4)
    loaded = DualEncoder.from_pretrained(model.save_pretrained(tmp_path / "model"))
    song = waves(1)
    assert loaded.config.model.head.tower_weight == 0.4
    assert np.allclose(loaded.embed_audio(song), model.embed_audio(song), atol=1e-6)
    saved = json.loads((tmp_path / "model" / "config.json").read_text())
    del saved["model"]["head"]["tower_weight"]  # as a version before the option wrote it
    (tmp_path / "model" / "config.json").write_text(json.dumps(saved))
    assert DualEncoder.from_pretrained(tmp_path / "model").dim == 32  # loads as it was trained: the head alone
    for weight, standardise, message in ((1.0, True, r"in \[0, 1\)"), (-0.1, True, r"in \[0, 1\)"),
                                         (0.5, False, "needs \\[model.head\\] standardise_audio")):  # fmt: skip
        for field in ("tower_weight", "tower_weights"):
            preset = cfg.preset("tiny")
            preset.model.head.standardise_audio = standardise
            if field == "tower_weight":
                preset.model.head.tower_weight = weight
            else:
                preset.train.tower_weights = [0.0, weight]
            with pytest.raises(UserError, match=message):
                DualEncoder(preset)
