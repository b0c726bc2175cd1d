"""A local `transformers` audio model as the audio tower (`--audio-encoder FOLDER`): a tiny, randomly
initialised wav2vec2 saved by the test trains fine-tuned (bundled with the model) and frozen (found by
path), with the hidden layers and pooling from a TOML config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from crossmusim.errors import UserError
from crossmusim.model.dual_encoder import DualEncoder
from tests.conftest import run_cli

transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def wav2vec2_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-wav2vec2")
    config = transformers.Wav2Vec2Config(
        hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, conv_dim=(8, 8),
        conv_stride=(5, 4), conv_kernel=(10, 8), num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2,
    )  # fmt: skip
    transformers.Wav2Vec2Model(config).save_pretrained(str(folder))
    transformers.Wav2Vec2FeatureExtractor(sampling_rate=16000, do_normalize=True).save_pretrained(str(folder))
    return folder


def train(dataset: Path, out: Path, env: dict[str, str], *args: str):
    return run_cli("train", "--dataset", str(dataset), "--out", str(out), "--preset", "tiny", "--epochs", "1",
                   *args, env=env, timeout=300)  # fmt: skip


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_a_fine_tuned_transformers_tower_is_bundled_with_the_model(small_dataset, wav2vec2_folder, tmp_path,
                                                                   cache_env):  # fmt: skip
    source = tmp_path / "w2v"
    shutil.copytree(wav2vec2_folder, source)
    out = tmp_path / "run"
    proc = train(small_dataset, out, cache_env, "--audio-encoder", str(source))
    assert proc.returncode == 0, proc.stderr
    audio = json.loads((out / "config.json").read_text("utf-8"))["model"]["audio"]
    assert (audio["kind"], audio["name"], audio["freeze"]) == ("transformers", str(source), False)
    assert (out / "model" / "audio" / "config.json").is_file()
    saved = load_file(str(out / "model" / "model.safetensors"))
    assert any(k.startswith("audio_tower.net.") for k in saved)
    wave = np.random.default_rng(0).standard_normal(32000).astype(np.float32) * 0.1
    before = DualEncoder.from_pretrained(out / "model").embed_audio([wave], sample_rate=16000)
    shutil.rmtree(source)  # the model folder stands alone
    model = DualEncoder.from_pretrained(out / "model")
    assert type(model.audio_tower).__name__ == "TransformersAudioTower" and model.sample_rate == 16000
    after = model.embed_audio([wave], sample_rate=16000)
    assert after.shape == (1, 32) and np.allclose(before, after, atol=1e-5)
    report = tmp_path / "report"
    proc = run_cli("evaluate", "--model", str(out), "--dataset", str(small_dataset), "--split", "test",
                   "--out", str(report), env=cache_env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "m2m_coarse" in json.loads((report / "metrics.json").read_text())["systems"][f"crossmusim:{out.name}"]


@pytest.mark.slow  # a second training run on the tiny wav2vec2 (the fine-tuned one stays in the default suite)
def test_a_frozen_transformers_tower_is_found_by_path_with_layers_and_pooling_from_toml(
    small_dataset, wav2vec2_folder, tmp_path, cache_env
):
    source = tmp_path / "w2v"
    shutil.copytree(wav2vec2_folder, source)
    toml = tmp_path / "model.toml"
    toml.write_text(f'[model.audio]\nname = "{source}"\nfreeze = true\nlayers = [1, 2]\npooling = "max"\n', "utf-8")
    out = tmp_path / "run"
    proc = train(small_dataset, out, cache_env, "--config", str(toml))
    assert proc.returncode == 0, proc.stderr
    audio = json.loads((out / "config.json").read_text("utf-8"))["model"]["audio"]
    assert (audio["kind"], audio["layers"], audio["pooling"], audio["freeze"]) == ("transformers", [1, 2], "max", True)
    assert not any(k.startswith("audio_tower.") for k in load_file(str(out / "model" / "model.safetensors")))
    assert not (out / "model" / "audio").exists()
    model = DualEncoder.from_pretrained(out / "model")
    assert model.audio_tower.layers == [1, 2] and model.audio_tower.pooling == "max"
    shutil.rmtree(source)
    with pytest.raises(UserError, match=f"audio encoder {source}: no transformers model folder there.*frozen"):
        DualEncoder.from_pretrained(out / "model")


def test_bad_transformers_tower_settings_fail_in_one_line(wav2vec2_folder, tmp_path):
    from crossmusim.model.audio.towers import audio_tower_kind, build_audio_tower
    from crossmusim.model.config import AudioTowerConfig

    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="without config.json"):
        audio_tower_kind(str(tmp_path / "empty"))
    with pytest.raises(UserError, match=r"layers \[5\]: this model has hidden states 0..2"):
        build_audio_tower(AudioTowerConfig("transformers", str(wav2vec2_folder), layers=[5]))
    with pytest.raises(UserError, match="pooling 'cls'"):
        build_audio_tower(AudioTowerConfig("transformers", str(wav2vec2_folder), pooling="cls"))
