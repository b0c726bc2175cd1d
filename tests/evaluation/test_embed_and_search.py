"""embed, index and search through the real CLI, and the pieces under them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.baselines import RandomEmbedder
from crossmusim.evaluation.dsp import DspEmbedder
from crossmusim.evaluation.embeddings_io import read_embeddings, write_embeddings
from crossmusim.evaluation.retrieval import build_pool, load_pool, save_pool, search
from tests.conftest import run_cli


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_embedding_files_round_trip_normalised(tmp_path, suffix):
    vectors = np.array([[3.0, 4.0], [0.0, 2.0]], np.float32)
    path = write_embeddings(tmp_path / f"e{suffix}", ["a", "b"], vectors)
    ids, loaded = read_embeddings(path)
    assert ids == ["a", "b"] and loaded.dtype == np.float32
    assert np.allclose(loaded, [[0.6, 0.8], [0.0, 1.0]])


def test_bad_embedding_files_are_one_clear_error(tmp_path):
    np.savez(tmp_path / "x.npz", vectors=np.zeros((2, 2)))
    with pytest.raises(UserError, match="needs arrays 'ids' and 'embeddings'"):
        read_embeddings(tmp_path / "x.npz")
    with pytest.raises(UserError, match="no such embeddings file"):
        read_embeddings(tmp_path / "none.npz")


def test_embed_is_deterministic_cached_and_lists_bad_files(eval_dataset, tiny_run, eval_cache, tmp_path):
    first, second = tmp_path / "a.npz", tmp_path / "b.parquet"
    args = ["embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--split", "test"]
    proc = run_cli(*args, "--out", str(first), env=eval_cache)
    assert proc.returncode == 0, proc.stderr
    piped = run_cli(*args, "--out", str(second), env={**eval_cache, "CROSSMUSIM_PROGRESS_SECONDS": "0"})
    assert piped.returncode == 0 and "decoding: 1 of " in piped.stderr  # a progress line per track, piped
    ids_a, a = read_embeddings(first)
    ids_b, b = read_embeddings(second)
    assert ids_a == ids_b and np.array_equal(a, b) and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    tracks = [json.loads(line) for line in (tmp_path / "a.tracks.jsonl").read_text("utf-8").splitlines()]
    assert [t["id"] for t in tracks] == ids_a and all(t["tags_coarse"] for t in tracks)
    # An audio folder with one file that is not audio: listed, the others embedded.
    folder = tmp_path / "audio"
    folder.mkdir()
    source = next((eval_dataset.parent / "inputs" / "audio").glob("*.wav"))
    shutil.copy(source, folder / "Someone - Song.wav")
    (folder / "Broken - File.wav").write_bytes(b"RIFF not audio")
    proc = run_cli(
        "embed", "--baseline", "dsp", "--audio", str(folder), "--out", str(tmp_path / "d.npz"), env=eval_cache
    )
    assert proc.returncode == 0, proc.stderr
    assert "embedded 1 tracks with dsp" in proc.stdout and "1 unusable files skipped" in proc.stdout


def test_with_plain_cuda_the_workers_take_the_gpus_in_turn():
    from crossmusim.evaluation.whole_tracks import worker_device

    assert [worker_device("cuda", k, gpus=2) for k in range(5)] == ["cuda:0", "cuda:1", "cuda:0", "cuda:1", "cuda:0"]
    assert [worker_device("cuda:3", k, gpus=8) for k in range(2)] == ["cuda:3", "cuda:3"]  # a named GPU: all there
    assert worker_device("cpu", 4, gpus=2) == "cpu"


@pytest.mark.slow
def test_workers_give_the_same_embeddings_in_the_same_order(eval_dataset, tiny_run, tmp_path):
    # A fresh cache, so the two workers really compute every vector (nothing answered from the cache).
    env = {"CROSSMUSIM_CACHE": str(tmp_path / "cache")}
    args = ["embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--split", "train"]
    proc = run_cli(*args, "--workers", "2", "--out", str(tmp_path / "two.npz"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert " in 2 processes" in proc.stdout
    one = run_cli(*args, "--out", str(tmp_path / "one.npz"), env={"CROSSMUSIM_CACHE": str(tmp_path / "cache1")})
    assert one.returncode == 0, one.stderr
    ids_two, two = read_embeddings(tmp_path / "two.npz")
    ids_one, single = read_embeddings(tmp_path / "one.npz")
    assert len(ids_one) > 8 and ids_two == ids_one and np.allclose(two, single, atol=1e-5)
    # dsp standardises over the whole pool: done after the workers' vectors are merged
    dsp = ["embed", "--baseline", "dsp", "--dataset", str(eval_dataset), "--split", "train"]
    assert run_cli(*dsp, "--workers", "2", "--out", str(tmp_path / "d2.npz"), env=env).returncode == 0
    assert (
        run_cli(*dsp, "--out", str(tmp_path / "d1.npz"), env={"CROSSMUSIM_CACHE": str(tmp_path / "c3")}).returncode == 0
    )
    assert np.allclose(read_embeddings(tmp_path / "d2.npz")[1], read_embeddings(tmp_path / "d1.npz")[1], atol=1e-5)


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_model_text_queries_are_embedded_beside_the_tracks(eval_dataset, tiny_run, eval_cache, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("a deep low bass drone\nnoisy percussion bursts\n", encoding="utf-8")
    out = tmp_path / "e.npz"
    proc = run_cli("embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--text", str(queries),
                   "--out", str(out), env=eval_cache)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ids, vectors = read_embeddings(tmp_path / "e.texts.npz")
    assert ids == ["a deep low bass drone", "noisy percussion bursts"] and vectors.shape == (2, 32)
    random = run_cli("embed", "--baseline", "random", "--dataset", str(eval_dataset), "--text", str(queries),
                     "--out", str(tmp_path / "r.npz"), env=eval_cache)  # fmt: skip
    assert random.returncode == 1 and "random has no text side" in random.stderr


def test_random_and_dsp_baselines():
    rnd = RandomEmbedder(seed=1)
    assert np.array_equal(rnd.embed_track(np.zeros(10), "x"), rnd.embed_track(np.ones(10), "x"))
    assert not np.array_equal(rnd.embed_track(np.zeros(10), "x"), RandomEmbedder(seed=2).embed_track(np.zeros(10), "x"))
    dsp = DspEmbedder()
    t = np.arange(22050 * 6) / 22050
    clicks = (np.sin(2 * np.pi * 440 * t) * (((t * 2) % 1.0) < 0.05)).astype(np.float32)  # 120 BPM pulses of A4
    features = dsp.embed_track(clicks, "c")
    assert features.shape == (53,)
    assert abs(features[-1] * 200 - 120) < 6  # the tempo
    chroma = features[40:52]
    assert int(np.argmax(chroma)) == 0  # pitch class of A (0 = A here)


def test_embedding_caches_are_keyed_by_everything_that_changes_the_vectors(monkeypatch):
    from crossmusim.evaluation import whole_tracks as embed

    keys = {embed.system_id(RandomEmbedder(seed=1)), embed.system_id(RandomEmbedder(seed=2)),
            embed.system_id(RandomEmbedder(seed=1, dim=64)), embed.system_id(DspEmbedder())}  # fmt: skip
    assert len(keys) == 4 and embed.system_id(RandomEmbedder(seed=1)) in keys  # stable for the same settings
    longer = DspEmbedder()
    longer.window_seconds = 30.0
    assert embed.system_id(longer) not in keys
    monkeypatch.setattr(embed, "WINDOWS_VERSION", embed.WINDOWS_VERSION + 1)  # windows cut another way
    assert embed.system_id(DspEmbedder()) not in keys


def test_flat_index_matches_brute_force_and_hnsw_reports_recall(tmp_path):
    pytest.importorskip("faiss")
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((400, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"t{i:03d}" for i in range(400)]
    meta = {i: {"artist": f"a{n % 7}"} for n, i in enumerate(ids)}
    pool = build_pool(ids, vectors, meta, "flat")
    save_pool(pool, tmp_path / "idx")
    loaded = load_pool(tmp_path / "idx")
    queries = vectors[:20]
    got = search(loaded, queries, k=10)
    brute = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    assert [[h["id"] for h in row] for row in got] == [[ids[j] for j in row] for row in brute]
    assert got[0][0]["artist"] == "a0"
    diverse = search(loaded, queries[:1], k=10, max_per_artist=1, exclude={"t000"})[0]
    assert len({h["artist"] for h in diverse}) == 7 and "t000" not in {h["id"] for h in diverse}
    hnsw = build_pool(ids, vectors, meta, "hnsw")
    assert hnsw.info["recall@100"] >= 0.98  # measured on held-out tracks, else refused
    assert [search(hnsw, vectors[i : i + 1], k=1)[0][0]["id"] for i in (0, 5, 399)] == ["t000", "t005", "t399"]


@pytest.mark.slow  # embed, index and four searches through the command line (20 s)
def test_index_and_search_through_the_cli(eval_dataset, tiny_run, eval_cache, tmp_path):
    pytest.importorskip("faiss")
    emb = tmp_path / "pool.npz"
    assert run_cli("embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--split", "train",
                   "--out", str(emb), env=eval_cache).returncode == 0  # fmt: skip
    proc = run_cli("index", "--embeddings", str(emb), "--out", str(tmp_path / "idx"))
    assert proc.returncode == 0, proc.stderr
    ids, vectors = read_embeddings(emb)
    proc = run_cli("search", "--index", str(tmp_path / "idx"), "--id", ids[0], "-k", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    hits = [json.loads(line) for line in proc.stdout.splitlines()]
    expected = [ids[j] for j in np.argsort(-(vectors[1:] @ vectors[0]))[:3] + 1]
    assert [h["id"] for h in hits] == expected and all("artist" in h for h in hits)
    # The index knows its model: a text query needs no --model, and prints a table with a header.
    text = run_cli("search", "--index", str(tmp_path / "idx"), "--text", "a deep low bass drone", "-k", "3")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["rank", "score", "id", "title", "artist"] and len(lines) == 4
    assert lines[1].split()[0] == "1" and sum(line.count(lines[1].split()[2]) for line in lines) == 1  # id once
    wav = next((eval_dataset.parent / "inputs" / "audio").glob("*.wav"))
    audio = run_cli(
        "search", "--index", str(tmp_path / "idx"), "--audio", str(wav), "--model", str(tiny_run), "-k", "1"
    )
    assert audio.returncode == 0, audio.stderr  # the same model, named: fine
    other = tmp_path / "other"
    shutil.copytree(tiny_run / "model", other)  # the same weights in another folder: another model by name
    wrong = run_cli("search", "--index", str(tmp_path / "idx"), "--text", "x", "--model", str(other))
    assert wrong.returncode == 1 and f"this index holds vectors of {(tiny_run / 'model').resolve()}" in wrong.stderr
    base = tmp_path / "base.npz"
    assert run_cli("embed", "--baseline", "random", "--dataset", str(eval_dataset), "--split", "train",
                   "--out", str(base), env=eval_cache).returncode == 0  # fmt: skip
    assert run_cli("index", "--embeddings", str(base), "--out", str(tmp_path / "bidx")).returncode == 0
    baseline = run_cli("search", "--index", str(tmp_path / "bidx"), "--text", "x")
    assert baseline.returncode == 1 and "this index holds random vectors (a baseline" in baseline.stderr


@pytest.mark.parametrize("suffix", [".npz", ".parquet"])
def test_an_embeddings_file_says_which_system_made_it(tmp_path, suffix):
    from crossmusim.errors import UserError
    from crossmusim.evaluation.embeddings_io import read_system
    from crossmusim.evaluation.retrieval import format_hits, query_model

    path = tmp_path / f"e{suffix}"
    write_embeddings(path, ["a", "b"], np.eye(2), {"model": str(tmp_path / "run" / "model")})
    assert read_system(path) == {"model": str(tmp_path / "run" / "model")}
    write_embeddings(path, ["a", "b"], np.eye(2))
    assert read_system(path) is None and read_embeddings(path)[0] == ["a", "b"]
    assert query_model({"system": {"model": "/runs/x/model"}}, None) == "/runs/x/model"
    with pytest.raises(UserError, match="does not say which model made its vectors"):
        query_model({"system": None}, None)
    with pytest.raises(UserError, match="holds dsp vectors \\(a baseline"):
        query_model({"system": {"baseline": "dsp", "model": None}}, None)
    table = format_hits([{"id": "s1", "score": 0.5, "title": "Song", "artist": "Me"}]).splitlines()
    assert table[0].split() == ["rank", "score", "id", "title", "artist"] and table[1].split() == [
        "1", "0.5000", "s1", "Song", "Me"]  # fmt: skip
