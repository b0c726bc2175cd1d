"""The audio cache and the text sampling that feed training."""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest
import soundfile as sf

from crossmusim.model.audio.frontend import windows
from crossmusim.training.array_store import ArrayStore
from crossmusim.training.audio_cache import AudioCache
from crossmusim.training.data import (
    TextItem,
    epoch_batches,
    evaluation_text,
    load_split_data,
    sample_rng,
    sample_text,
)


def wav_bytes(wave: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, wave, rate, format="WAV")
    return buffer.getvalue()


def test_songs_are_decoded_once_resampled_to_mono_and_reused(tmp_path):
    pytest.importorskip("soxr")
    t = np.arange(44100) / 44100
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.5
    data = wav_bytes(stereo.astype(np.float32), 44100)
    cache = AudioCache(tmp_path, 16000)
    key = cache.add(data)
    assert cache.add(data) == key and len(cache.store) == 1  # same content, one entry
    assert abs(cache.length(key) - 16000) <= 1
    wave = cache.read(key)
    assert wave.dtype == np.float32 and 0.45 < np.abs(wave[1000:-1000]).max() < 0.51
    # Another process (a rebuilt dataset, a resumed run) finds it on disk.
    again = AudioCache(tmp_path, 16000)
    assert key in again and np.array_equal(again.read(key), wave)
    assert (tmp_path / "audio" / "16000hz" / "rows.bin").stat().st_size == cache.length(key) * 2  # int16


def test_crops_are_random_windows_and_short_songs_are_padded(tmp_path):
    cache = AudioCache(tmp_path, 8000)
    key = cache.add(wav_bytes(np.linspace(-0.5, 0.5, 8000).astype(np.float32), 8000))
    rng = random.Random(0)
    crops = [cache.crop(key, 2000, rng) for _ in range(5)]
    assert all(len(c) == 2000 for c in crops) and len({float(c[0]) for c in crops}) > 1
    padded = cache.crop(key, 10000, rng)
    assert len(padded) == 10000 and np.all(padded[8000:] == 0)
    wave = np.arange(25.0)
    cut = windows(wave, 10)  # two windows from the start, then the final ten samples: no silence padded in
    assert cut.tolist() == [list(range(10)), list(range(10, 20)), list(range(15, 25))]
    assert windows(np.arange(20.0), 10).shape == (2, 10)  # no tail: no extra window
    assert windows(np.arange(21.0), 10)[-1].tolist() == list(range(11, 21))  # even a short tail is heard
    assert windows(np.arange(1, 4.0), 10).tolist() == [[1, 2, 3, 0, 0, 0, 0, 0, 0, 0]]
    assert windows(np.arange(10.0), 10).tolist() == [list(range(10))]


def test_a_torn_index_line_from_a_killed_run_is_ignored(tmp_path):
    store = ArrayStore(tmp_path, "<f4", 3)
    store.add("a", np.ones((2, 3)))
    with open(tmp_path / "index.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"key": "b", "row"')  # killed while writing the index
    reopened = ArrayStore(tmp_path, "<f4", 3)
    assert list(reopened.entries) == ["a"]
    reopened.add("b", np.zeros((1, 3)))
    assert np.array_equal(ArrayStore(tmp_path, "<f4", 3).get("b"), np.zeros((1, 3)))


def test_text_sampling_follows_the_paper():
    caption = TextItem("s", "caption", "One. Two. Three.", ["One.", "Two.", "Three."], [])
    drawn = {sample_text(caption, sample_rng(0, 0, i)) for i in range(40)}
    assert drawn == {"One.", "One. Two.", "One. Two. Three."}  # a random number of the first sentences
    aspects = TextItem("s", "aspects", "", [], [f"a{i}" for i in range(8)])
    draws = [sample_text(aspects, sample_rng(0, 0, i)).split(", ") for i in range(60)]
    assert max(len(d) for d in draws) == 5 and min(len(d) for d in draws) == 1
    assert len({tuple(d) for d in draws}) > 20
    lyrics = TextItem("s", "lyrics", "\n".join(f"line {i}" for i in range(20)), [], [])
    block = sample_text(lyrics, sample_rng(0, 1, 0)).splitlines()
    assert 4 <= len(block) <= 8 and [int(x.split()[1]) for x in block] == list(
        range(int(block[0].split()[1]), int(block[0].split()[1]) + len(block))
    )
    assert evaluation_text(aspects) == "a0, a1, a2, a3, a4"
    zh = TextItem("s", "caption", "一首歌。很好听。", ["一首歌。", "很好听。"], [])
    assert sample_text(zh, sample_rng(1, 0, 0)) in {"一首歌。", "一首歌。很好听。"}


def test_epoch_batches_are_deterministic_and_cut_for_processes():
    first = epoch_batches(21, 8, seed=3, epoch=1)
    assert first == epoch_batches(21, 8, seed=3, epoch=1) and first != epoch_batches(21, 8, seed=3, epoch=2)
    assert [len(b) for b in first] == [8, 8, 5] and sorted(i for b in first for i in b) == list(range(21))
    assert [len(b) for b in epoch_batches(21, 8, seed=3, epoch=1, multiple=2)] == [8, 8, 4]
    assert [len(b) for b in epoch_batches(17, 8, seed=0, epoch=0)] == [8, 8]  # a last batch of one has no negative


def test_corrupt_and_missing_audio_is_skipped_and_listed(small_dataset, tmp_path):
    import datasets

    copy = tmp_path / "ds"
    songs = datasets.load_from_disk(str(small_dataset / "songs"))
    pairs = datasets.load_from_disk(str(small_dataset / "pairs"))
    broken = songs["train"][0]["song_id"]

    def damage(row):
        if row["song_id"] == broken:
            row["audio"] = {"bytes": b"RIFF not audio", "path": "x.wav"}
        return row

    songs = datasets.DatasetDict({k: (v.map(damage) if k == "train" else v) for k, v in songs.items()})
    songs.save_to_disk(str(copy / "songs"))
    pairs.save_to_disk(str(copy / "pairs"))
    data, report = load_split_data(copy, AudioCache(tmp_path / "cache", 16000), ["caption"])
    assert [s["song_id"] for s in report.skipped] == [broken]
    assert broken not in data["train"].songs and all(t.song_id != broken for t in data["train"].texts)
    assert len(data["train"].songs) == len(songs["train"]) - 1
    assert json.dumps(report.as_dict())  # goes into data-report.json as it is


def test_only_the_train_split_is_limited_to_the_text_types_that_train(small_dataset, tmp_path):
    from crossmusim.evaluation.validation import query_texts

    data, _ = load_split_data(small_dataset, AudioCache(tmp_path / "cache", 16000), ["lyrics"])
    assert data["train"].texts == []  # the small dataset has captions only
    captions = [t for t in data["validation"].texts if t.text_type == "caption"]
    assert captions and query_texts(data["validation"].texts) == captions  # one query set, whatever trains
    aspects = TextItem("s", "aspects", "a, b", [], ["a", "b"])
    assert query_texts([aspects, *captions]) == captions and query_texts([aspects]) == [aspects]


def test_a_link_audio_build_trains_from_the_files_it_names(tmp_path):
    import datasets

    from tests.support.small_dataset import build_small_dataset

    dataset = build_small_dataset(tmp_path, "--link-audio", artists=4, songs_per_artist=2)
    assert isinstance(datasets.load_from_disk(str(dataset / "songs"))["train"][0]["audio"], str)  # a path
    data, report = load_split_data(dataset, AudioCache(tmp_path / "cache", 16000), ["caption"])
    assert report.skipped == [] and report.decoded == sum(len(d.songs) for d in data.values()) > 0
    assert all(t.song_id in data["train"].songs for t in data["train"].texts)


def test_two_store_objects_on_one_folder_append_in_turn_without_overwriting(tmp_path):
    first, second = ArrayStore(tmp_path / "s", "<f4", 2), ArrayStore(tmp_path / "s", "<f4", 2)
    first.add("a", np.ones((2, 2)))
    assert "a" in second  # it sees what the other object wrote
    second.add("b", np.full((1, 2), 2.0))
    first.add("c", np.full((3, 2), 3.0))  # after b's rows, not over them
    for store in (first, second, ArrayStore(tmp_path / "s", "<f4", 2)):
        assert np.array(store.get("b")).tolist() == [[2.0, 2.0]] and np.array(store.get("c")).sum() == 18.0
        assert np.array(store.get("a")).tolist() == [[1.0, 1.0], [1.0, 1.0]]
