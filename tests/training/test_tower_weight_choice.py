"""The tower weight a run keeps (`[train] tower_weights`): chosen on held-out validation halves, not on
the figure each weight's own epoch selection inflates; the kept epoch's weights become the model."""

from __future__ import annotations

import json
import math

import pytest
import torch
from safetensors.torch import load_file

from crossmusim.training.checkpoint import checkpoint_path, load_checkpoint
from crossmusim.training.tower_weight import choose_tower_weight, held_out_score
from tests.conftest import run_cli
from tests.support.small_dataset import build_small_dataset


def scores(all_: float, halves: list[list[float]]) -> dict:
    return {"all": all_, "halves": halves}


def test_the_weight_is_chosen_on_the_half_the_epoch_was_not_chosen_on():
    # The head alone (0.0) has one lucky epoch: best on every song and on each half that chose it, but
    # that epoch scores low on the other half. 0.5 is steadier and wins held out.
    history = [
        (1, {0.0: scores(0.40, [[0.30, 0.50]]), 0.5: scores(0.42, [[0.41, 0.43]])}),
        (2, {0.0: scores(0.45, [[0.60, 0.30]]), 0.5: scores(0.44, [[0.43, 0.45]])}),
        (3, {0.0: scores(0.41, [[0.35, 0.47]]), 0.5: scores(0.43, [[0.44, 0.42]])}),
    ]
    # 0.0: half 0 chooses epoch 2 (0.60) -> half 1 scores 0.30; half 1 chooses epoch 1 (0.50) -> 0.30.
    assert math.isclose(held_out_score(history, 0.0), 0.30)
    # 0.5: half 0 chooses epoch 3 (0.44) -> 0.42; half 1 chooses epoch 2 (0.45) -> 0.43.
    assert math.isclose(held_out_score(history, 0.5), 0.425)
    choice = choose_tower_weight(history)
    assert (choice.weight, choice.epoch, choice.score) == (0.5, 2, 0.44)  # its best epoch on every song
    assert choice.as_dict()["held_out_m2m"] == {"0.0": 0.30, "0.5": 0.425}


def test_ties_keep_the_smaller_weight_and_unscorable_halves_are_skipped():
    nan = float("nan")
    history = [(1, {0.0: scores(0.5, [[0.5, nan], [0.4, 0.4]]), 0.25: scores(0.5, [[nan, nan], [0.4, 0.4]])})]
    assert held_out_score(history, 0.0) == 0.4 and held_out_score(history, 0.25) == 0.4
    assert choose_tower_weight(history).weight == 0.0
    assert choose_tower_weight([]) is None and choose_tower_weight([(1, {})]) is None
    assert choose_tower_weight([(1, {0.5: scores(0.5, [[nan, nan]])})]) is None


@pytest.mark.slow  # a training run with four candidate weights (10 s)
def test_training_keeps_the_chosen_weight_with_its_epochs_weights(cache_env, tmp_path):
    # Six validation artists, so that artist halves hold two songs of a kind (the small dataset's three do not).
    dataset = build_small_dataset(tmp_path / "data", seconds=2.0, artists=24, songs_per_artist=2)
    toml = tmp_path / "weights.toml"
    toml.write_text("[model.head]\nstandardise_audio = true\n[train]\ntower_weights = [0.0, 0.5]\n", "utf-8")
    out = tmp_path / "run"
    proc = run_cli("train", "--dataset", str(dataset), "--out", str(out), "--preset", "tiny", "--epochs", "3",
                   "--config", str(toml), env=cache_env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    kept = summary["tower_weight"]
    # The same choice from what the checkpoints recorded, epoch by epoch.
    history = load_checkpoint(checkpoint_path(out, 3))["tower_weights"]
    assert [epoch for epoch, _ in history] == [1, 2, 3]
    again = choose_tower_weight(history)
    assert (kept["weight"], kept["epoch"]) == (again.weight, again.epoch)
    assert summary["best_epoch"] == kept["epoch"] and summary["best"]["val_m2m_map@100"] == again.score
    model_config = json.loads((out / "model" / "config.json").read_text("utf-8"))
    assert model_config["model"]["head"]["tower_weight"] == kept["weight"]
    assert model_config["tower_weight"]["epoch"] == kept["epoch"]
    run_config = json.loads((out / "config.json").read_text("utf-8"))
    assert run_config["model"]["head"]["tower_weight"] == 0.0  # the run's own settings, as given (resume checks them)
    weights = load_file(str(out / "model" / "model.safetensors"))
    epoch_weights = load_checkpoint(checkpoint_path(out, kept["epoch"]))["weights"]
    assert torch.equal(weights["audio_head.net.0.weight"], epoch_weights["audio_head.net.0.weight"])


def test_halvings_keep_each_artists_songs_together_and_differ_between_cuts():
    from crossmusim.evaluation.validation import artist_halvings

    artists = [f"artist {i // 2}" for i in range(40)]  # two songs each
    cuts = artist_halvings(artists)
    assert len(cuts) == 4 and all(set(cut) == {0, 1} for cut in cuts)
    assert all(cut[i] == cut[i + 1] for cut in cuts for i in range(0, 40, 2))
    assert len({tuple(cut) for cut in cuts}) == 4
    assert all((a == b).all() for a, b in zip(cuts, artist_halvings(artists), strict=True))  # the same every epoch
