"""`crossmusim build-dataset` end to end on a small fixture, plus the real open-data readers."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import datasets
import pytest
import soundfile as sf

from crossmusim.curation import hf_dataset
from crossmusim.curation.pipeline import BuildConfig, build_dataset
from crossmusim.curation.sources import (
    musiccaps_eval_rows,
    read_muchin,
    read_musiccaps,
    read_song_describer,
    read_wikimute,
)
from crossmusim.errors import InputFormatError
from crossmusim.io import read_jsonl
from crossmusim.records import TextRecord
from tests.conftest import run_cli


def build(inputs, out: Path, *extra: str, env: dict[str, str] | None = None):
    return run_cli(
        "build-dataset",
        "--crawl",
        str(inputs["crawl"]),
        "--generated",
        str(inputs["generated"]),
        "--audio",
        str(inputs["audio"]),
        "--tags",
        str(inputs["tags"]),
        "--out",
        str(out),
        *extra,
        env=env,
    )


def joined_rows(out: Path) -> dict[str, list[dict]]:
    """Each split's pair rows with their song's columns (audio, duration, tags) joined on song_id."""
    pairs, songs = datasets.load_from_disk(str(out / "pairs")), datasets.load_from_disk(str(out / "songs"))
    joined = {}
    for name, split in pairs.items():
        song_of = {row["song_id"]: row for row in songs[name]}
        joined[name] = [{**song_of[row["song_id"]], **row} for row in split]
    return joined


def all_rows(out: Path) -> list[dict]:
    return [row for rows in joined_rows(out).values() for row in rows]


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_full_build(curation_inputs):
    out = curation_inputs["root"] / "dataset"
    proc = build(curation_inputs, out)
    assert proc.returncode == 0, proc.stderr
    ds = joined_rows(out)
    assert set(ds) == {"train", "validation", "test"}
    rows = [r for split in ds.values() for r in split]
    artists = {name: {r["artist"] for r in split} for name, split in ds.items()}
    # Audio is stored once per song, however many texts the song has.
    songs = datasets.load_from_disk(str(out / "songs"))
    for name, split in songs.items():
        assert sorted(split["song_id"]) == sorted({r["song_id"] for r in ds[name]})
    audio_splits: dict[bytes, set[str]] = {}
    for name, split in songs.items():
        for audio in split["audio"]:
            audio_splits.setdefault(audio["bytes"], set()).add(name)
    assert all(len(found) == 1 for found in audio_splits.values())  # no recording sits in two splits
    assert "audio" not in datasets.load_from_disk(str(out / "pairs"))["train"].column_names
    assert not (
        artists["train"] & artists["validation"]
        or artists["train"] & artists["test"]
        or artists["validation"] & artists["test"]
    )
    # Every row pairs a text with decodable audio.
    wave, rate = sf.read(io.BytesIO(rows[0]["audio"]["bytes"]))
    assert rate == 8000 and len(wave) == 8000
    # Sources merged by song: the crawled and the generated 晴天 share one song id and its tags.
    qingtian = [r for r in rows if r["title"] == "晴天"]
    assert {r["source"] for r in qingtian} == {"cwe", "llm:qwen2-7b"} and len({r["song_id"] for r in qingtian}) == 1
    assert qingtian[0]["tags_coarse"] == ["nostalgic", "pop"] and qingtian[0]["tags_fine"] == ["mandopop"]
    assert [r["tags_coarse"] for r in rows if r["source_id"] == "8466"][0] == ["rock"]
    # Masked: no title or artist left, placeholders instead.
    generated = next(r for r in rows if r["source"] == "llm:qwen2-7b" and r["title"] == "晴天")
    assert "晴天" not in generated["text"] and "[TITLE] ends in a guitar solo" in generated["text"]
    yesterday = next(r for r in rows if r["title"] == "Yesterday")
    assert yesterday["text"].endswith("[TITLE] by [ARTIST].") and yesterday["language"] == "en"
    assert all(r["masked"] for r in rows)
    assert {r["text_type"] for r in rows} == {"caption", "lyrics"}
    lyrics = next(r for r in rows if r["text_type"] == "lyrics")
    assert lyrics["sentences"][0] == "故事的小黄花"
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["mask"]["leak_share"] == 0.0 and stats["rows"] == {k: len(v) for k, v in ds.items()}
    assert stats["stats"]["by_step"]["llm_status"]["dropped_llm_abstained"] == 1
    assert stats["stats"]["by_step"]["llm_status"]["dropped_llm_failed"] == 1
    dropped = list(read_jsonl(out / "dropped.jsonl"))
    assert {d["reason"] for d in dropped} >= {"llm_abstained", "llm_failed"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {t["title"] for t in report["texts_without_audio"]} == {"平凡之路"}
    assert [Path(p).name for p in report["audio_without_texts"]] == ["orphan.wav"]
    assert {(Path(p["path"]).name, p["reason"].split(":")[0]) for p in report["audio_problems"]} == {
        ("missing.wav", "missing"),
        ("corrupt.wav", "not an audio file"),
    }
    assert report["tag_problems"][0].endswith("tags.csv:6: needs level (coarse|fine), tag, and song_id or title+artist")
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "| cwe |" in card and "CC BY-SA" not in card and f"--out {out}" in card
    assert not list(out.parent.glob(".dataset.tmp-*"))


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_same_inputs_and_seed_give_identical_bytes(curation_inputs):
    out = curation_inputs["root"] / "dataset"
    assert build(curation_inputs, out, "--seed", "7").returncode == 0
    first = tree_digest(out)
    assert build(curation_inputs, out, "--seed", "7").returncode == 0
    assert tree_digest(out) == first
    assert len(first) >= 10


def test_no_mask_keeps_names_and_exact_dedup_mode(curation_inputs):
    out = curation_inputs["root"] / "plain"
    assert build(curation_inputs, out, "--no-mask", "--dedup", "exact").returncode == 0
    rows = all_rows(out)
    assert any("晴天" in r["text"] for r in rows if r["title"] == "晴天") and not any(r["masked"] for r in rows)


def test_malformed_rows_are_skipped_or_stop_with_strict(curation_inputs):
    songs = curation_inputs["crawl"] / "songs.jsonl"
    songs.write_text(songs.read_text(encoding="utf-8") + '{"title": "no url"}\n', encoding="utf-8")
    out = curation_inputs["root"] / "d"
    assert build(curation_inputs, out).returncode == 0
    assert json.loads((out / "stats.json").read_text("utf-8"))["stats"]["by_step"]["read"]["dropped_malformed"] == 1
    proc = build(curation_inputs, curation_inputs["root"] / "strict", "--strict")
    assert proc.returncode == 1  # the tags file's bad row stops it first
    assert proc.stderr.strip().endswith("tags.csv:6: needs level (coarse|fine), tag, and song_id or title+artist")
    tags = curation_inputs["tags"]
    tags.write_text("".join(tags.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]), encoding="utf-8")
    proc = build(curation_inputs, curation_inputs["root"] / "strict", "--strict")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"crossmusim: error: {songs}:11: not a crawled song (needs canonical_url and title)")
    assert not (curation_inputs["root"] / "strict").exists()


def test_a_crash_leaves_the_previous_dataset_untouched(curation_inputs, monkeypatch):
    out = curation_inputs["root"] / "dataset"
    assert build(curation_inputs, out).returncode == 0
    before = tree_digest(out)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(hf_dataset, "write_dataset", explode)
    config = BuildConfig(out=out, crawl=[curation_inputs["crawl"]], audio=curation_inputs["audio"])
    with pytest.raises(RuntimeError, match="disk full"):
        build_dataset(config)
    assert tree_digest(out) == before
    assert not list(out.parent.glob(".dataset.tmp-*"))


def test_nothing_to_build_is_a_one_line_error(tmp_path):
    proc = run_cli("build-dataset", "--out", str(tmp_path / "o"), "--audio", str(tmp_path))
    assert proc.returncode == 1 and proc.stderr.strip() == (
        "crossmusim: error: no text source: give --crawl, --generated, --aspects or --open NAME=FILE"
    )


def test_real_musiccaps_eval_rows(realdata):
    path = realdata / "musiccaps" / "musiccaps-public.csv"
    assert len(musiccaps_eval_rows(path)) == 2858
    records = [r for r in read_musiccaps(path) if isinstance(r, TextRecord)]
    assert sum(r.text_type == "caption" for r in records) == 5521
    assert all(r.aspects for r in records if r.text_type == "aspects")


def test_real_muchin_folders(realdata):
    records = [r for r in read_muchin(realdata / "muchin") if isinstance(r, TextRecord)]
    assert {r.source_id for r in records} == {f"s_{i:04d}" for i in range(1, 31)}
    first = records[0]
    assert (first.title, first.artist, first.text_type) == ("消愁", "薛之谦,毛不易", "caption")
    assert any(r.text_type == "aspects" and r.aspects for r in records)


def test_wikimute_and_song_describer_formats(tmp_path):
    wikimute = tmp_path / "wikimute.csv"
    wikimute.write_text(
        "youtube_id,aspects,sentences\nabc,\"['rock', 'guitar']\",\"['A rock song.', 'Loud guitars.']\"\n,x,y\n",
        encoding="utf-8",
    )
    records = list(read_wikimute(wikimute))
    assert [(r.text_type, r.text, r.aspects) for r in records[:2]] == [
        ("caption", "A rock song. Loud guitars.", []),
        ("aspects", "", ["rock", "guitar"]),
    ]
    assert isinstance(records[2], InputFormatError) and str(records[2]).startswith(f"{wikimute}:3:")
    describer = tmp_path / "song_describer.csv"
    describer.write_text(
        "caption_id,track_id,caption,is_valid_subset,familiarity,artist_id,album_id,path,duration\n"
        "1,42,A calm piano piece.,True,0,7,9,42/42.2min.mp3,120\n",
        encoding="utf-8",
    )
    (record,) = read_song_describer(describer)
    assert (record.source, record.source_id, record.artist, record.text) == (
        "song-describer",
        "42",
        "7",
        "A calm piano piece.",
    )


def test_audio_folder_titles_from_file_names_and_parquet_export(curation_inputs):
    folder = curation_inputs["root"] / "folder"
    folder.mkdir()
    source = curation_inputs["audio"].parent
    (folder / "周杰伦 - 晴天.wav").write_bytes((source / "00.wav").read_bytes())
    (folder / "刘若英 - 后来 (Live).wav").write_bytes((source / "01.wav").read_bytes())
    (folder / "not audio.wav").write_bytes(b"nope")
    out = curation_inputs["root"] / "from-folder"
    proc = run_cli(
        "build-dataset",
        "--crawl",
        str(curation_inputs["crawl"]),
        "--audio",
        str(folder),
        "--out",
        str(out),
        "--parquet",
        "--link-audio",
    )
    assert proc.returncode == 0, proc.stderr
    rows = all_rows(out)
    assert {r["title"] for r in rows} == {"晴天", "后来"}
    assert all(Path(r["audio"]).is_file() for r in rows)  # --link-audio: paths, not bytes
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [Path(p["path"]).name for p in report["audio_problems"]] == ["not audio.wav"]
    import pyarrow.parquet as pq

    parquet_rows = sum(pq.read_table(p).num_rows for p in (out / "parquet" / "pairs").glob("*.parquet"))
    assert parquet_rows == len(rows)
    parquet_songs = sum(pq.read_table(p).num_rows for p in (out / "parquet" / "songs").glob("*.parquet"))
    assert parquet_songs == len({r["song_id"] for r in rows})


def test_aspects_join_their_songs_by_id(curation_inputs):
    aspects = curation_inputs["root"] / "aspects.jsonl"
    aspects.write_text(
        '{"id": "3053", "field": "review", "lang": "zh", "extractor": "lexicon", "status": "ok", '
        '"aspects": ["piano", "acoustic guitar", "晴天"]}\n'
        '{"id": "g2", "field": "description", "lang": "en", "extractor": "llm:qwen2-7b", "status": "ok", '
        '"aspects": ["acoustic guitar", "string quartet", "sad"]}\n'
        '{"id": "zzz", "field": "description", "lang": "en", "extractor": "lexicon", "status": "failed", '
        '"aspects": []}\n',
        encoding="utf-8",
    )
    out = curation_inputs["root"] / "with-aspects"
    proc = build(curation_inputs, out, "--aspects", str(aspects))
    assert proc.returncode == 0, proc.stderr
    rows = [r for r in all_rows(out) if r["text_type"] == "aspects"]
    by_title = {r["title"]: r for r in rows}
    assert by_title["晴天"]["aspects"] == ["piano", "acoustic guitar", "[TITLE]"]  # masked too
    assert by_title["Yesterday"]["source"] == "aspects:llm:qwen2-7b" and by_title["Yesterday"]["language"] == "en"


def test_splits_are_streamed_to_arrow_a_batch_at_a_time(tmp_path):
    import pyarrow as pa

    audio = tmp_path / "a.wav"
    sf.write(audio, [0.0] * 800, 8000)
    rows = [
        {
            "song_id": f"s{i}",
            "title": "t",
            "artist": "a",
            "album": "",
            "audio": audio,
            "duration_s": 0.1,
            "tags_coarse": [],
            "tags_fine": [],
        }
        for i in range(5)
    ]
    target = tmp_path / "train.arrow"
    features = hf_dataset.SONG_FEATURES
    digest = hf_dataset.write_split_arrow(rows, target, features, embed=True, batch_rows=2)
    with pa.OSFile(str(target), "rb") as source:
        batches = list(pa.ipc.open_stream(source))
    assert [b.num_rows for b in batches] == [2, 2, 1]
    assert hf_dataset.write_split_arrow(rows, tmp_path / "again.arrow", features, embed=True, batch_rows=2) == digest
    split = hf_dataset.to_dataset(target, "train", digest, features)
    assert split[4]["audio"]["path"] == "a.wav" and split[4]["audio"]["bytes"] == audio.read_bytes()


def test_small_builds_fill_every_split_and_warn_about_few_artists(curation_inputs):
    out = curation_inputs["root"] / "dataset"
    proc = build(curation_inputs, out, "--split-shares", "0.6,0.2,0.2")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["split_shares"] == [0.6, 0.2, 0.2]
    assert min(stats["artists"].values()) >= 1 and min(stats["rows"].values()) >= 1
    for split, count in stats["artists"].items():
        warned = f"the {split} split holds {count} artist{'' if count == 1 else 's'} (fewer than 5)" in proc.stderr
        assert warned == (count < 5), split


def test_bad_split_shares_are_one_line(curation_inputs):
    out = curation_inputs["root"] / "dataset"
    proc = build(curation_inputs, out, "--split-shares", "0.9,0.2,0.1")
    assert proc.returncode == 1 and not out.exists()
    assert proc.stderr.strip() == (
        "crossmusim: error: --split-shares '0.9,0.2,0.1': give three shares of train,validation,test "
        "that sum to 1, e.g. 0.8,0.1,0.1"
    )


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_contradicted_llm_descriptions_are_dropped_unless_kept(curation_inputs):
    path = curation_inputs["generated"] / "descriptions.jsonl"
    rows = list(read_jsonl(path))
    for row in rows:
        if row["song_id"] == "g2":  # Yesterday: the model gave another year and album
            row["fact_check"] = "contradict"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    def llm_yesterday_rows(out):
        return [r for r in all_rows(out) if r["source"].startswith("llm:") and r["title"] == "Yesterday"]

    dropped_out = curation_inputs["root"] / "dropped"
    proc = build(curation_inputs, dropped_out)
    assert proc.returncode == 0, proc.stderr
    assert llm_yesterday_rows(dropped_out) == []
    drops = [d for d in read_jsonl(dropped_out / "dropped.jsonl") if d.get("step") == "fact_check"]
    assert len(drops) == 1 and drops[0]["reason"] == "llm_contradicted_facts"
    kept_out = curation_inputs["root"] / "kept"
    assert build(curation_inputs, kept_out, "--keep-contradicted").returncode == 0
    assert len(llm_yesterday_rows(kept_out)) >= 1


@pytest.mark.slow  # two full builds (10 s)
def test_splits_from_keeps_every_artist_in_its_earlier_split(curation_inputs):
    import datasets

    first, second = curation_inputs["root"] / "a", curation_inputs["root"] / "b"
    assert build(curation_inputs, first, "--split-shares", "0.6,0.2,0.2", "--seed", "1").returncode == 0
    proc = build(
        curation_inputs, second, "--split-shares", "0.34,0.33,0.33", "--seed", "7", "--splits-from", str(first)
    )
    assert proc.returncode == 0, proc.stderr

    def artists(folder):
        pairs = datasets.load_from_disk(str(folder / "pairs"))
        return {split: set(pairs[split]["artist"]) for split in pairs}

    assert artists(second) == artists(first)  # other shares and seed, the same artists in the same splits
    bad = build(curation_inputs, curation_inputs["root"] / "c", "--splits-from", str(curation_inputs["root"]))
    assert bad.returncode == 1 and "not a build-dataset output" in bad.stderr
