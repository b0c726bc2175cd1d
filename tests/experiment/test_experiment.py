"""`crossmusim experiment CONFIG.toml`: the grid through the library calls, selection on validation
only, the masking ablation on the same split, resumed runs, and one-line errors for a bad config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossmusim.errors import UserError
from crossmusim.experiment import read_experiment, run_experiment
from crossmusim.experiment.config import experiment_toml
from crossmusim.experiment.grid import validation_score
from tests.conftest import run_cli
from tests.support.small_dataset import make_inputs


def write_config(folder: Path, inputs: dict[str, Path], extra: str = "") -> Path:
    """A TOML file beside the inputs, naming them by relative paths."""
    rel = {k: v.relative_to(folder) for k, v in inputs.items()}
    path = folder / "experiment.toml"
    path.write_text(
        f"""out = "exp"
seeds = [0, 1]
baselines = ["random", "dsp"]
reference = "dsp"
preset = "tiny"

[dataset]
generated = ["{rel["generated"]}"]
audio = "{rel["audio"]}"
tags = "{rel["tags"]}"
split_shares = [0.5, 0.25, 0.25]
dedup = "exact"

[variants]
captions = "caption"
all = "caption,aspects"

[ablations]
unmasked = true

[train]
epochs = 1
{extra}""",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_the_grid_selects_on_validation_ablates_masking_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSMUSIM_CACHE", str(tmp_path / "cache"))
    config = read_experiment(write_config(tmp_path, make_inputs(tmp_path / "inputs")))
    assert config.out == tmp_path / "exp" and config.overrides == {"train": {"epochs": 1}}
    (tmp_path / "again.toml").write_text(experiment_toml(config), encoding="utf-8")
    assert read_experiment(tmp_path / "again.toml") == config  # what the demo writes for its grid reads back
    stages = []
    result = run_experiment(config, on_stage=stages.append)

    names = [s.name for s in stages]
    assert names[:3] == ["build-dataset 0", "train 0 captions", "train 0 all"]
    assert "build-dataset 1 unmasked" in names and names[-1] == "evaluate 1"
    # The best variant by validation (summed over seeds), never by test.
    scores = {v: sum(validation_score(s.runs[v]) for s in result.seeds) for v in ("captions", "all")}
    assert result.best == max(scores, key=scores.get)
    systems = [row["system"] for row in result.table]
    assert systems == ["crossmusim:captions", "crossmusim:all", f"crossmusim:{result.best}-unmasked", "random", "dsp"]
    assert all(row["seeds"] == "2" for row in result.table)
    assert [row["system"] for row in result.gains] == [s for s in systems if s != "dsp"]
    seed1 = result.seeds[1]
    unmasked = json.loads((seed1.runs[f"{result.best}-unmasked"] / "config.json").read_text("utf-8"))
    assert unmasked["train"]["seed"] == 1 and unmasked["train"]["epochs"] == 1
    same_split = [json.loads((seed1.dataset.parent / d / "stats.json").read_text("utf-8"))["artists"]
                  for d in ("dataset", "dataset-unmasked")]  # fmt: skip
    assert same_split[0] == same_split[1]
    report = json.loads((config.out / "experiment.json").read_text("utf-8"))
    assert report["best_variant"] == result.best and report["table"] == result.table
    assert "## Gains over dsp" in (config.out / "report.md").read_text("utf-8")

    # Everything is complete: the same command resumes, trains nothing and prints the same table.
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "exp").rglob("summary.json")}
    proc = run_cli("experiment", str(tmp_path / "experiment.toml"), env={"CROSSMUSIM_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "exp").rglob("summary.json")} == before
    assert "| crossmusim:captions |" in proc.stdout and "train 1 all" in proc.stdout


def test_a_bad_experiment_file_gets_one_line_naming_the_fix(tmp_path):
    inputs = make_inputs(tmp_path / "inputs", artists=2, songs_per_artist=1)
    good = write_config(tmp_path, inputs).read_text("utf-8")
    cases = {
        'out = "exp"\n': ("", "no out"),
        "seeds = [0, 1]\n": ("seeds = []\n", "seeds is empty"),
        '"random", "dsp"]': ('"random", "dsp", "nope"]', "nope"),
        'reference = "dsp"': ('reference = "musicnn-std"', "reference 'musicnn-std' is not among the baselines"),
        'all = "caption,aspects"': ('all = "caption,lyric"', "[variants] all"),
        'dedup = "exact"\n': ('dedup = "exact"\nloudness = 3\n', "[dataset] loudness unknown"),
        "[ablations]": ("[ablation]", "ablation unknown"),
        "epochs = 1\n": ("epochs = 1\nbogus = 1\n", "train: unknown field 'bogus'"),
        'preset = "tiny"': ('preset = "huge"', "--preset 'huge'"),
    }
    for old, (new, message) in cases.items():
        path = tmp_path / "bad.toml"
        path.write_text(good.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
            read_experiment(path)
        assert "\n" not in str(info.value)
    proc = run_cli("experiment", str(tmp_path / "missing.toml"))
    assert proc.returncode != 0 and "no such config file" in proc.stderr


@pytest.mark.slow
def test_a_prebuilt_dataset_is_used_as_it_is_for_every_seed(tmp_path, monkeypatch, small_dataset):
    """`[dataset] path`: no build; every seed trains on the same split with its own seed, one evaluate each."""
    monkeypatch.setenv("CROSSMUSIM_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "prebuilt.toml"
    path.write_text(
        f"""out = "exp"
seeds = [0, 1]
baselines = ["random"]
reference = "random"
preset = "tiny"

[dataset]
path = "{small_dataset}"

[variants]
captions = "caption"

[train]
epochs = 1
""",
        encoding="utf-8",
    )
    config = read_experiment(path)
    assert config.prebuilt == small_dataset
    stages = []
    result = run_experiment(config, on_stage=stages.append)
    assert sorted(s.name for s in stages) == ["evaluate 0", "evaluate 1", "train 0 captions", "train 1 captions"]
    assert [s.dataset for s in result.seeds] == [small_dataset, small_dataset]
    assert not (tmp_path / "exp" / "seed0" / "dataset").exists()  # nothing rebuilt beside the prebuilt one
    for seed in result.seeds:
        trained = json.loads((seed.runs["captions"] / "config.json").read_text("utf-8"))
        assert trained["train"]["seed"] == seed.seed
    assert [row["system"] for row in result.table] == ["crossmusim:captions", "random"]
    assert result.table[0]["seeds"] == "2"

    # A rerun with another epochs stops in one line before any work, the folder untouched ...
    def snapshot():
        return {p: p.read_bytes() for p in (tmp_path / "exp").rglob("*") if p.is_file()}

    before = snapshot()
    evaluated = {p: p.stat().st_mtime_ns for p in (tmp_path / "exp").rglob("metrics.json")}
    path.write_text(path.read_text("utf-8").replace("epochs = 1", "epochs = 2"), encoding="utf-8")
    env = {"CROSSMUSIM_CACHE": str(tmp_path / "cache")}
    proc = run_cli("experiment", str(path), env=env)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "experiment step seed0/captions: made with other settings: overrides.train.epochs (1 -> 2)" in proc.stderr
    assert snapshot() == before
    # ... and --redo trains again with it, then evaluates again (the evaluation reads the changed runs).
    proc = run_cli("experiment", str(path), "--redo", env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for seed in (0, 1):
        trained = json.loads((tmp_path / "exp" / f"seed{seed}" / "captions" / "summary.json").read_text("utf-8"))
        assert trained["epochs_run"] == 2
    assert len(evaluated) == 2 and all(p.stat().st_mtime_ns > t for p, t in evaluated.items())  # made again
    assert run_cli("experiment", str(path), env=env).returncode == 0  # now the settings match
    # The unmasked ablation needs build inputs: with a prebuilt path it is refused before any work.
    path.write_text(path.read_text("utf-8") + "\n[ablations]\nunmasked = true\n", encoding="utf-8")
    with pytest.raises(UserError, match="give build inputs, not path"):
        read_experiment(path)
