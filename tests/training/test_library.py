"""`crossmusim.training.train` as a library call: the same run as `crossmusim train`, in process."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.validation import validate
from crossmusim.training import TrainOptions, TrainOverrides, resolve_config, train
from tests.conftest import run_cli


def metric_rows(run: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((run / "metrics.csv").read_text(encoding="utf-8").splitlines()))


@pytest.mark.slow
def test_the_library_call_trains_the_run_the_cli_trains(small_dataset, tmp_path, cache_env, monkeypatch):
    args = ["--preset", "tiny", "--epochs", "2", "--text-types", "caption", "--seed", "3"]
    cli_run = tmp_path / "cli"
    proc = run_cli("train", "--dataset", str(small_dataset), "--out", str(cli_run), *args, env=cache_env)
    assert proc.returncode == 0, proc.stderr

    monkeypatch.setenv("CROSSMUSIM_CACHE", cache_env["CROSSMUSIM_CACHE"])
    config = resolve_config("tiny", overrides=TrainOverrides(epochs=2, text_types="caption", seed=3))
    lib_run = tmp_path / "library"
    summary = train(config, TrainOptions(dataset=small_dataset, out=lib_run, validate=validate))

    assert summary == json.loads((lib_run / "summary.json").read_text("utf-8"))
    assert summary["epochs_run"] == 2 and (lib_run / "model" / "config.json").is_file()
    cli_rows, lib_rows = metric_rows(cli_run), metric_rows(lib_run)
    assert len(cli_rows) == len(lib_rows) == 2
    for cli_row, lib_row in zip(cli_rows, lib_rows, strict=True):
        for key in ("loss", "val_m2m_map@100", "val_t2m_map@10"):
            assert float(lib_row[key]) == pytest.approx(float(cli_row[key]), rel=1e-4, abs=1e-5), key
    cli_config = json.loads((cli_run / "config.json").read_text("utf-8"))
    lib_config = json.loads((lib_run / "config.json").read_text("utf-8"))
    assert {k: v for k, v in cli_config.items() if k != "command"} == {
        k: v for k, v in lib_config.items() if k != "command"
    }


def test_overrides_apply_after_the_preset_and_toml_and_bad_ones_are_refused(tmp_path):
    toml = tmp_path / "run.toml"
    toml.write_text("[train]\nepochs = 7\nbatch_size = 16\n", encoding="utf-8")
    config = resolve_config("tiny", toml, TrainOverrides(batch_size=4, freeze="audio"))
    assert (config.train.epochs, config.train.batch_size) == (7, 4)  # the TOML's, then the override's
    assert config.model.audio.freeze and not config.model.text.freeze
    with pytest.raises(UserError, match="--freeze"):
        resolve_config("tiny", overrides=TrainOverrides(freeze="heads"))
    with pytest.raises(UserError, match="lyric"):
        resolve_config("tiny", overrides=TrainOverrides(text_types="lyric"))
