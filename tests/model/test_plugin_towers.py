"""Towers and a baseline from another installed package, used by name through the real CLI: a tower
registered by entry point trains, is named in the run's config, loads again and embeds, and a plugin
baseline sits in `evaluate`'s table beside the model."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from crossmusim.evaluation.baselines import BASELINES
from crossmusim.model.audio.towers import AUDIO_TOWERS
from crossmusim.model.dual_encoder import DualEncoder
from crossmusim.model.text import TEXT_TOWERS
from tests.conftest import run_cli
from tests.support.plugin_package import write_plugin_package


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_entry_point_towers_train_load_and_evaluate_by_name(small_dataset, tmp_path, cache_env, monkeypatch):
    site = write_plugin_package(tmp_path / "site")
    env = {**cache_env, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    out = tmp_path / "run"
    proc = run_cli("train", "--dataset", str(small_dataset), "--out", str(out), "--preset", "tiny", "--epochs", "2",
                   "--audio-encoder", "plug-energy", "--text-encoder", "plug-chars", env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    model_config = json.loads((out / "config.json").read_text("utf-8"))["model"]
    assert (model_config["audio"]["kind"], model_config["text"]["kind"]) == ("plug-energy", "plug-chars")

    monkeypatch.syspath_prepend(str(site))
    for registry in (AUDIO_TOWERS, TEXT_TOWERS, BASELINES):
        registry.reload()
    try:
        model = DualEncoder.from_pretrained(out / "model")
        assert type(model.audio_tower).__name__ == "FrameEnergyTower" and model.audio_tower.dim == 24
        vectors = model.embed_text(["a deep low bass drone", "noisy percussion bursts"])
        assert vectors.shape == (2, 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    finally:
        for registry in (AUDIO_TOWERS, TEXT_TOWERS, BASELINES):
            registry.reload()

    report = tmp_path / "report"
    proc = run_cli("evaluate", "--model", str(out), "--baseline", "plug-loudness", "--dataset", str(small_dataset),
                   "--split", "test", "--out", str(report), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    systems = json.loads((report / "metrics.json").read_text("utf-8"))["systems"]
    assert "plug-loudness" in systems and "t2m" not in systems["plug-loudness"]
    assert {"t2m", "m2m_coarse"} <= set(systems[f"crossmusim:{out.name}"])

    proc = run_cli("train", "--dataset", str(small_dataset), "--out", str(tmp_path / "run2"), "--preset", "tiny",
                   "--audio-encoder", "plug-energy", env=cache_env)  # fmt: skip
    assert proc.returncode != 0 and "--audio-encoder 'plug-energy': choose" in proc.stderr  # not installed there
