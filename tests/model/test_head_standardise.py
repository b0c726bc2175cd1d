"""`[model.head] standardise_audio`: the audio head z-scores its inputs with statistics set from the
training split's tower outputs, saved with the weights."""

from __future__ import annotations

import json

import numpy as np
import torch
from safetensors.torch import load_file

from crossmusim.model import config as cfg
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.heads import ProjectionHead
from tests.conftest import run_cli


def test_the_head_scores_standardised_inputs():
    torch.manual_seed(0)
    head = ProjectionHead(4, 8, 3, standardise=True)
    rows = np.random.default_rng(0).normal([0, 10, -5, 100], [1, 5, 0.1, 50], size=(200, 4)).astype(np.float32)
    head.set_input_statistics(rows)
    x = torch.from_numpy(rows[:5])
    expected = torch.nn.functional.normalize(
        head.net((x - x.new_tensor(rows.mean(0))) / x.new_tensor(rows.std(0))), dim=-1
    )
    assert torch.allclose(head(x), expected, atol=1e-4)
    plain = ProjectionHead(4, 8, 3)
    assert not hasattr(plain, "input_mean") and "input_mean" not in plain.state_dict()


def test_a_model_keeps_its_statistics_through_save_and_load(tmp_path):
    preset = cfg.preset("tiny")
    preset.model.head.standardise_audio = True
    model = DualEncoder(preset).eval()
    model.audio_head.set_input_statistics(np.random.default_rng(1).normal(3, 2, size=(50, model.audio_tower.dim)))
    loaded = DualEncoder.from_pretrained(model.save_pretrained(tmp_path / "model"))
    assert torch.equal(loaded.audio_head.input_mean, model.audio_head.input_mean)
    wave = [np.random.default_rng(0).standard_normal(30000).astype(np.float32) * 0.1]
    assert np.allclose(loaded.embed_audio(wave), model.embed_audio(wave), atol=1e-6)


def test_training_sets_the_statistics_from_the_training_songs(small_dataset, cache_env, tmp_path):
    toml = tmp_path / "std.toml"
    toml.write_text("[model.head]\nstandardise_audio = true\n", encoding="utf-8")
    out = tmp_path / "run"
    proc = run_cli("train", "--dataset", str(small_dataset), "--out", str(out), "--preset", "tiny", "--epochs", "1",
                   "--config", str(toml), env=cache_env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    weights = load_file(str(out / "model" / "model.safetensors"))
    mean, scale = weights["audio_head.input_mean"], weights["audio_head.input_scale"]
    assert mean.abs().sum() > 0 and not torch.allclose(scale, torch.ones_like(scale))
    assert json.loads((out / "model" / "config.json").read_text())["model"]["head"]["standardise_audio"] is True


def test_a_model_saved_before_the_option_loads_as_it_was_trained(tmp_path):
    preset = cfg.preset("cpu")
    assert preset.model.head.standardise_audio  # the cpu preset's default now
    preset.model.head.standardise_audio = False
    preset.train.tower_weights = []  # kept features need standardised ones
    folder = DualEncoder(preset, pretrained=False).save_pretrained(tmp_path / "model")
    saved = json.loads((folder / "config.json").read_text())
    del saved["model"]["head"]["standardise_audio"]  # as an older version wrote it
    del saved["train"]["tower_weights"]
    (folder / "config.json").write_text(json.dumps(saved))
    assert not DualEncoder.from_pretrained(folder).audio_head.standardise
