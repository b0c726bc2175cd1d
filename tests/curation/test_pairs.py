"""`build-dataset --open pairs=FILE`: a user's own curated text-audio pairs (CSV, JSONL, Parquet)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from crossmusim.curation import BuildConfig, build_dataset
from crossmusim.curation.pairs import PairsFile, keywords, path_song_id
from crossmusim.errors import UserError
from tests.conftest import run_cli

SHARED_TEXT = "A bright rock song with electric guitar and drums."


def _pairs_rows(audio_dir: Path) -> list[dict[str, str]]:
    """14 songs by 14 artists: a caption and an aspects row each; song 0 also has a short caption, a
    caption with no music words and lyrics; songs 1 and 2 share one caption."""
    rows = []
    for n in range(14):
        path = audio_dir / f"clip{n}.wav"
        sf.write(path, (0.2 * np.sin(np.linspace(0, 2 * np.pi * (200 + 40 * n), 8000))).astype("float32"), 8000)
        base = {"audio": f"audio/clip{n}.wav", "title": f"Song {n}", "artist": f"Artist {n}", "id": f"t{n}"}
        caption = SHARED_TEXT if n in (1, 2) else f"A calm piano ballad number {n} with soft strings and a slow tempo."
        rows.append({**base, "text": caption, "type": "caption"})
        rows.append({**base, "text": "calm; piano; ballad" if n % 2 else "upbeat, guitar, rock", "type": "aspects"})
    extra = {"audio": "audio/clip0.wav", "title": "Song 0", "artist": "Artist 0", "id": ""}
    rows.append({**extra, "text": "Nice.", "type": "caption"})
    unrelated = "We met my uncle at the station and took the train to the city museum."
    rows.append({**extra, "text": unrelated, "type": "caption"})
    rows.append({**extra, "text": "la la la, under the sun we run", "type": "lyrics", "language": "en"})
    return rows


@pytest.fixture()
def pairs_csv(tmp_path) -> Path:
    (tmp_path / "audio").mkdir()
    rows = _pairs_rows(tmp_path / "audio")
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["audio", "title", "artist", "text", "type", "language", "id"])
        writer.writeheader()
        writer.writerows(rows)
    tags = tmp_path / "tags.csv"
    tags.write_text("song_id,level,tag\n" + "".join(f"t{n},coarse,{'calm' if n % 2 else 'rock'}\n" for n in range(14)))
    return path


def _texts(out: Path) -> list[dict]:
    pairs = datasets.load_from_disk(str(out / "pairs"))
    return [row for split in pairs.values() for row in split]


def _songs(out: Path) -> list[dict]:
    songs = datasets.load_from_disk(str(out / "songs"))
    return [row for split in songs.values() for row in split]


def test_a_pairs_build_keeps_curated_text_links_audio_and_takes_tags_by_id(pairs_csv, tmp_path):
    out = tmp_path / "ds"
    summary = build_dataset(BuildConfig(out=out, open=[f"pairs={pairs_csv}"], tags=tmp_path / "tags.csv"))
    texts, songs = _texts(out), _songs(out)
    assert len(texts) == 14 * 2 + 3  # no relevance, length or near-duplicate filter; nothing dropped
    assert len(songs) == 14  # the rows of one audio file are one song, whatever their id cells say
    assert sum(1 for t in texts if t["text"] == SHARED_TEXT) == 2
    assert summary["texts_shared_by_songs"] >= 1
    assert "Rows whose text another song also has" in (out / "README.md").read_text()
    assert {t["text_type"] for t in texts} == {"caption", "aspects", "lyrics"}
    aspects = next(t for t in texts if t["text_type"] == "aspects" and t["title"] == "Song 1")
    assert aspects["aspects"] == ["calm", "piano", "ballad"]
    assert next(t for t in texts if t["text_type"] == "lyrics")["language"] == "en"  # the stated language kept
    for song in songs:  # linked, not copied: the path of the user's own file
        assert isinstance(song["audio"], str) and Path(song["audio"]).is_file()
        n = int(song["title"].split()[-1])
        assert song["tags_coarse"] == ["calm" if n % 2 else "rock"]


def test_filters_turn_the_web_text_filters_on(pairs_csv, tmp_path):
    out = tmp_path / "ds"
    build_dataset(BuildConfig(out=out, open=[f"pairs={pairs_csv}"], filters=("relevance", "length", "dedup")))
    texts = [t["text"] for t in _texts(out)]
    assert "Nice." not in texts  # too short
    assert not any("uncle" in t for t in texts)  # not about music
    assert texts.count(SHARED_TEXT) == 1  # the exact duplicate of another song dropped
    stats = json.loads((out / "stats.json").read_text())["stats"]["by_step"]
    assert stats["length"]["dropped_too_short"] == 1 and stats["relevance"]["dropped_not_about_music"] == 1


def test_csv_jsonl_and_parquet_give_the_same_rows(pairs_csv, tmp_path):
    with pairs_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parquet = tmp_path / "pairs.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    read = [PairsFile.read(p) for p in (pairs_csv, jsonl, parquet)]
    shape = [[(r.source_id, r.text_type, r.text, tuple(r.aspects)) for r in f.records] for f in read]
    assert shape[0] == shape[1] == shape[2] and len(shape[0]) == len(rows)
    assert [a.path for a in read[0].audio] == [a.path for a in read[2].audio]


def test_same_title_and_artist_on_two_recordings_stay_two_songs(tmp_path):
    (tmp_path / "audio").mkdir()
    rows = _pairs_rows(tmp_path / "audio")[:4]
    for row in rows:  # two recordings (a studio and a live take) of one title by one artist
        row.update(title="Same Song", artist="Same Artist", id="")
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert len({ref.id for ref in PairsFile.read(path).audio}) == 2


def test_pairs_input_errors_name_the_file_and_the_fix(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("audio,title,artist,text\na.wav,x,y,a song\n")
    with pytest.raises(UserError, match=r"bad\.csv: a pairs file needs the columns .*: type missing"):
        PairsFile.read(bad)
    missing = tmp_path / "missing.csv"
    missing.write_text("audio,title,artist,text,type\nnope.wav,x,y,a song,caption\n")
    with pytest.raises(UserError, match=r"missing\.csv:2: nope\.wav does not exist: fix the audio paths"):
        PairsFile.read(missing).check_audio()
    assert keywords("a, b ; c") == ["a, b", "c"] and keywords("a, b") == ["a", "b"]


def test_the_cli_builds_pairs_without_audio_option(pairs_csv, tmp_path):
    proc = run_cli("build-dataset", "--open", f"pairs={pairs_csv}", "--out", str(tmp_path / "ds"), check=True)
    assert "dataset written" in proc.stdout
    build_dataset(BuildConfig(out=tmp_path / "library", open=[f"pairs={pairs_csv}"]))  # the call the CLI makes
    assert _texts(tmp_path / "library") == _texts(tmp_path / "ds") and _songs(tmp_path / "library") == _songs(
        tmp_path / "ds"
    )
    proc = run_cli("build-dataset", "--open", f"pairs={pairs_csv}", "--out", str(tmp_path / "d2"), "--filters", "loud")
    assert proc.returncode != 0 and "--filters 'loud': loud unknown" in proc.stderr


def test_a_rows_id_is_its_song_id_in_both_configs_and_rows_without_one_keep_a_path_digest(pairs_csv, tmp_path):
    with pairs_csv.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["audio"] == "audio/clip13.wav":
            row["id"] = ""  # this song's rows give no id
    path = tmp_path / "some-ids.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "ds"
    build_dataset(BuildConfig(out=out, open=[f"pairs={path}"]))
    texts, songs = _texts(out), _songs(out)
    ids = {s["song_id"] for s in songs}
    assert {f"t{n}" for n in range(13)} <= ids and len(ids) == 14
    (digest,) = ids - {f"t{n}" for n in range(13)}
    assert digest == path_song_id(tmp_path / "audio" / "clip13.wav") and digest.startswith("s")
    assert {t["song_id"] for t in texts} == ids and all(t["source_id"] == t["song_id"] for t in texts)


def _write_pairs(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, ["audio", "title", "artist", "text", "type", "id"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_one_id_for_two_recordings_or_two_ids_for_one_stop_naming_both_lines(tmp_path):
    (tmp_path / "audio").mkdir()
    rows = _pairs_rows(tmp_path / "audio")[:6]  # songs 0-2, a caption and an aspects row each
    rows[2]["id"] = rows[4]["id"] = "same"  # lines 4 and 6: songs 1 and 2
    rows[3]["id"] = rows[5]["id"] = "same"
    with pytest.raises(UserError, match=r"clash\.csv:6: id 'same' is already line 4's, for .*clip1\.wav"):
        PairsFile.read(_write_pairs(tmp_path / "clash.csv", rows))
    rows = _pairs_rows(tmp_path / "audio")[:2]
    rows[1]["id"] = "other"
    with pytest.raises(UserError, match=r"two\.csv:3: clip0\.wav has the id 't0' on line 2, here 'other'"):
        PairsFile.read(_write_pairs(tmp_path / "two.csv", rows))
    # Across two pairs files: the build stops, nothing written.
    first = _write_pairs(tmp_path / "a.csv", _pairs_rows(tmp_path / "audio")[:2])
    second_rows = _pairs_rows(tmp_path / "audio")[2:4]
    for row in second_rows:
        row["id"] = "t0"
    second = _write_pairs(tmp_path / "b.csv", second_rows)
    with pytest.raises(UserError, match=r"b\.csv:2: id 't0' is already .*a\.csv:2's, for .*clip0\.wav"):
        build_dataset(BuildConfig(out=tmp_path / "ds", open=[f"pairs={first}", f"pairs={second}"]))
    assert not (tmp_path / "ds").exists()


def test_songs_without_title_or_artist_are_their_own_artists_and_counted_on_the_card(tmp_path):
    (tmp_path / "audio").mkdir()
    rows = _pairs_rows(tmp_path / "audio")[:28]
    for row in rows:
        row.update(title="", artist="")  # MusicCaps-like: neither is known
    path = tmp_path / "pairs.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:  # no title or artist column at all
        writer = csv.DictWriter(handle, ["audio", "text", "type", "id"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    out = tmp_path / "ds"
    summary = build_dataset(BuildConfig(out=out, open=[f"pairs={path}"]))
    songs = datasets.load_from_disk(str(out / "songs"))
    per_split = {split: set(songs[split]["song_id"]) for split in songs}
    assert sum(len(ids) for ids in per_split.values()) == 14 and len(per_split) == 3  # each song its own group
    assert summary["artists"] == {split: len(ids) for split, ids in per_split.items()}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "Songs without an artist: 14 (each counts as its own artist" in card
    assert "songs without a title: 14" in card


def _run_card_snippet(out: Path) -> dict:
    card = (out / "README.md").read_text(encoding="utf-8")
    code = card.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code, str(out / "README.md"), "exec"), scope)  # the snippet exactly as a reader copies it
    return scope


@pytest.mark.parametrize("embed", [False, True], ids=["linked", "embedded"])
def test_the_cards_snippet_runs_and_load_dataset_reads_both_configs(pairs_csv, tmp_path, embed):
    out = tmp_path / "ds"
    build_dataset(BuildConfig(out=out, open=[f"pairs={pairs_csv}"], embed_audio=embed))
    scope = _run_card_snippet(out)
    text, song, wave, rate = scope["text"], scope["song"], scope["wave"], scope["rate"]
    assert song["song_id"] == text["song_id"] and rate == 8000
    original, _ = sf.read(tmp_path / "audio" / f"clip{text['song_id'][1:]}.wav")
    assert np.allclose(wave, original, atol=1e-4)
    songs = scope["songs"]
    assert isinstance(songs["train"].features["audio"], datasets.Audio) == embed  # embedded: an Audio feature
    local = {c: datasets.load_from_disk(str(out / c)) for c in ("pairs", "songs")}
    for config in ("pairs", "songs"):
        loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "hf-cache"))  # keyed by name
        assert {s: loaded[s]["song_id"] for s in loaded} == {s: local[config][s]["song_id"] for s in local[config]}
