"""crossmusim evaluate end to end: the table, metrics.json, the plots, and the HTML report rendered
in a real headless Chromium."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from crossmusim.evaluation.embeddings_io import read_embeddings, write_embeddings
from tests.conftest import run_cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAS_MUSICNN = importlib.util.find_spec("musicnn") is not None  # scripts/setup.sh installs it
MUSICNN_STD = ["--baseline", "musicnn-std"] if HAS_MUSICNN else []


@pytest.fixture(scope="module")
def evaluated(eval_dataset, tiny_run, eval_cache, tmp_path_factory):
    """One evaluate run (a model, four baselines, an embeddings file) that the tests below read."""
    root = tmp_path_factory.mktemp("evaluated")
    bring = root / "mert.npz"
    proc = run_cli(
        "embed",
        "--baseline",
        "random",
        "--seed",
        "9",
        "--dataset",
        str(eval_dataset),
        "--out",
        str(bring),
        env=eval_cache,
    )
    assert proc.returncode == 0, proc.stderr
    out = root / "report"
    proc = run_cli(
        "evaluate",
        "--model",
        str(tiny_run),
        "--baseline",
        "random",
        "--baseline",
        "dsp",
        "--baseline",
        "untrained",
        "--baseline",
        "probe",
        *MUSICNN_STD,
        "--embeddings",
        str(bring),
        "--dataset",
        str(eval_dataset),
        "--out",
        str(out),
        env=eval_cache,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_evaluate_models_baselines_and_embedding_files(evaluated, tiny_run):
    out, proc = evaluated
    header = proc.stdout.splitlines()[0]
    assert header.startswith("| system | T2M R@1 | T2M R@5 | T2M mAP@10 | M2M coarse mAP@100 | M2M fine mAP@100")
    report = json.loads((out / "metrics.json").read_text("utf-8"))
    reference = "musicnn-std" if HAS_MUSICNN else "random"
    baselines = ["random", "dsp", "untrained", "probe"] + (["musicnn-std"] if HAS_MUSICNN else [])
    assert list(report["systems"]) == ["crossmusim:run", *baselines, "mert"]
    ours = report["systems"]["crossmusim:run"]
    assert set(ours["m2m_coarse"]["per_tag"]) <= {"drone", "melody", "drums", "chord"} and ours["t2m"]["tags"] >= 2
    assert "t2m" not in report["systems"]["random"]  # no text side
    assert "t2m" in report["systems"]["untrained"] and "t2m" not in report["systems"]["probe"]
    assert "| probe | - | - | - |" in proc.stdout and f"gains over {reference} (points, paired 95%" in proc.stdout
    low, high = ours["ci"]["m2m_coarse_map@100"]
    assert low <= ours["m2m_coarse"]["map@100"] <= high and "t2m_map@10" in ours["ci"]
    assert "t2m_map@10" not in report["systems"]["random"]["ci"]
    assert report["bootstrap"] == {"unit": "artist", "draws": 1000, "t2m_unit": "tag"}
    assert report["baselines_from"] == str(tiny_run) and "gain_ci" not in report["systems"][reference]
    base = report["systems"][reference]["m2m_coarse"]["map@100"]
    for name, system in report["systems"].items():
        if name != reference:  # every gain's paired interval holds its point gain
            low, high = system["gain_ci"]["m2m_coarse_map@100"]
            assert low <= system["m2m_coarse"]["map@100"] - base <= high
    weights = {name: system["tower_weight"] for name, system in report["systems"].items()}
    assert weights["random"] is None and weights["mert"] is None
    assert all(isinstance(weights[n], float) for n in ("crossmusim:run", "untrained", "probe"))
    queries = pq.read_table(out / "queries.parquet").to_pylist()
    coarse = [q for q in queries if q["system"] == "crossmusim:run" and q["level"] == "coarse"]
    by_tag = {tag: np.mean([q["ap"] for q in coarse if q["tag"] == tag]) for tag in {q["tag"] for q in coarse}}
    assert by_tag == pytest.approx(ours["m2m_coarse"]["per_tag"])  # the per-query rows add up to the table
    assert all(q["relevant_ranks"] == sorted(q["relevant_ranks"]) and q["relevant_ranks"] for q in coarse)
    assert "95% bootstrap intervals, 1000 draws of the pool's artists" in (out / "report.md").read_text("utf-8")
    for name in ("gain_coarse.png", "training_run.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC
    assert "![gain_coarse.png](gain_coarse.png)" in (out / "report.md").read_text("utf-8")
    page = (out / "report.html").read_text("utf-8")
    clips = sorted(p.name for p in (out / "audio").iterdir())
    assert clips and all(f'src="audio/{c}"' in page for c in clips)
    assert page.count("<audio") >= 4 * 5


def test_the_probe_is_trained_once_and_reused(evaluated, eval_dataset, tiny_run, eval_cache, tmp_path):
    proc = run_cli("embed", "--model", str(tiny_run), "--baseline", "probe", "--dataset", str(eval_dataset),
                   "--out", str(tmp_path / "p.npz"), env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "with probe" in proc.stdout and read_embeddings(tmp_path / "p.npz")[1].shape[1] == 32
    probes = list((Path(eval_cache["CROSSMUSIM_CACHE"]) / "probes").iterdir())  # evaluate's, not a second one
    assert len(probes) == 1 and json.loads((probes[0] / "config.json").read_text("utf-8"))["probe"]["tags"] == 4


@pytest.mark.browser
def test_the_html_report_renders_in_chromium(evaluated, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no system Chromium (scripts/setup.sh installs it)")
    out, _ = evaluated
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1200,1600",
            f"--screenshot={shot}",
            (out / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == PNG_MAGIC
    # Not blank: decode the PNG and count the distinct colours of the page (text, table, plots).
    import zlib

    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    chunks, pos = b"", 8
    while pos < len(data):
        length, kind = int.from_bytes(data[pos : pos + 4], "big"), data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(chunks)
    assert (width, height) == (1200, 1600)
    assert len(set(raw[:200_000])) > 20 and raw.count(b"\xff") < 0.95 * len(raw)
    # The audio players resolve: every src the page names is a file beside it.
    page = (out / "report.html").read_text("utf-8")
    import re

    sources = re.findall(r'<audio controls preload="none" src="([^"]+)"', page)
    assert sources and all((out / s).is_file() for s in sources)


def test_tags_file_mode_scores_embedding_files(tmp_path):
    ids = [f"t{i}" for i in range(6)]
    vectors = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [1, 1], [0.9, 1.1]], np.float32)
    write_embeddings(tmp_path / "mine.npz", ids, vectors)
    tags = tmp_path / "tags.tsv"
    tags.write_text(
        "id\tlevel\ttag\n" + "".join(f"{i}\tcoarse\t{'ab'[n // 2 % 2] if n < 4 else 'c'}\n" for n, i in enumerate(ids))
    )
    artists = tmp_path / "artists.csv"
    artists.write_text("id,artist\n" + "".join(f"{i},x{n % 3}\n" for n, i in enumerate(ids)))
    out = tmp_path / "rep"
    proc = run_cli(
        "evaluate",
        "--embeddings",
        str(tmp_path / "mine.npz"),
        "--tags",
        str(tags),
        "--artists",
        str(artists),
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "metrics.json").read_text("utf-8"))["systems"]["mine"]
    assert result["m2m_coarse"]["map@100"] == 1.0 and "same_artist" in result


def test_evaluate_is_a_library_call_that_writes_nothing_without_an_out(evaluated, eval_dataset, tiny_run, eval_cache,
                                                                       monkeypatch):  # fmt: skip
    from crossmusim.evaluation import EvaluateConfig, evaluate

    monkeypatch.setenv("CROSSMUSIM_CACHE", eval_cache["CROSSMUSIM_CACHE"])
    result = evaluate(EvaluateConfig(models=[tiny_run], baselines=["random"], dataset=eval_dataset))
    report = json.loads((evaluated[0] / "metrics.json").read_text("utf-8"))
    ours = result.results["crossmusim:run"]
    assert ours["m2m_coarse"] == report["systems"]["crossmusim:run"]["m2m_coarse"]  # the CLI's figures
    assert result.reference == "random" and result.table.splitlines()[2].startswith("| crossmusim:run |")
    assert {q["level"] for q in result.queries} == {"coarse", "t2m"} and result.gains  # only coarse tags here
