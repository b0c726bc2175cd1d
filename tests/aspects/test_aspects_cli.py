"""`crossmusim aspects` end to end: lexicon over crawl and generate outputs, LLM via the fake server."""

from __future__ import annotations

import json

from crossmusim.io import read_jsonl
from crossmusim.testing.fake_llm_server import FaultRule
from tests.conftest import run_cli


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


DESCRIPTIONS = [
    {"song_id": "s1", "status": "described", "description": "A slow ballad with piano and a soft female vocal."},
    {"song_id": "s2", "status": "abstained", "description": ""},
    {"song_id": "s3", "status": "described", "description": "Energetic rock with electric guitar and drums."},
]


def test_lexicon_over_generate_and_crawl_outputs(tmp_path):
    descriptions = _write(tmp_path / "descriptions.jsonl", DESCRIPTIONS)
    proc = run_cli("aspects", "--in", str(descriptions), "--out", str(tmp_path / "a"))
    assert proc.returncode == 0, proc.stderr
    got = {r["id"]: r["aspects"] for r in read_jsonl(tmp_path / "a" / "aspects.jsonl")}
    assert got == {
        "s1": ["slow tempo", "ballad", "piano", "tender", "female vocal"],
        "s3": ["energetic", "rock", "electric guitar", "drums"],
    }
    songs = _write(
        tmp_path / "songs.jsonl",
        [
            {
                "title": "晴天",
                "canonical_url": "u",
                "page_id": "9",
                "review": "歌曲以钢琴和弦乐伴奏，节奏舒缓。",
                "background": "",
            }
        ],
    )
    proc = run_cli("aspects", "--in", str(songs), "--out", str(tmp_path / "b"))
    assert proc.returncode == 0, proc.stderr
    (record,) = read_jsonl(tmp_path / "b" / "aspects.jsonl")
    assert (record["id"], record["field"], record["lang"], record["aspects"]) == (
        "9",
        "review",
        "zh",
        ["piano", "strings", "slow tempo"],
    )


def test_llm_extraction_validated_repaired_cached(llm, tmp_path):
    descriptions = _write(tmp_path / "descriptions.jsonl", DESCRIPTIONS)
    llm.rules = [FaultRule("Energetic rock", "invalid_json")]
    args = [
        "aspects",
        "--in",
        str(descriptions),
        "--out",
        str(tmp_path / "a"),
        "--llm",
        "qwen2-7b",
        "--base-url",
        llm.base_url,
    ]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    records = {r["id"]: r for r in read_jsonl(tmp_path / "a" / "aspects.jsonl")}
    assert records["s1"]["aspects"] == ["piano", "female vocal", "ballad"]
    assert records["s1"]["extractor"] == "llm:qwen2-7b"
    assert records["s1"]["prompt_version"].startswith("aspects-v1-en+")
    assert records["s3"]["status"] == "ok"  # repaired
    assert records["s3"]["aspects"] == ["guitar", "drums", "energetic", "rock"]
    asked = llm.requests
    assert asked == 3  # two texts, one repair turn
    proc = run_cli(
        *args[:3], "--out", str(tmp_path / "again"), *args[5:], "--cache", str(tmp_path / "a" / "llm-cache.sqlite")
    )
    assert proc.returncode == 0 and llm.requests == asked  # all from the cache


def test_bad_input_names_file_and_line(tmp_path):
    bad = _write(tmp_path / "x.jsonl", [{"foo": 1}])
    proc = run_cli("aspects", "--in", str(bad), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith(f"crossmusim: error: {bad}:1: not a description, a crawled song")
    proc = run_cli("aspects", "--in", str(bad), "--out", str(tmp_path / "o"), "--extractor", "llm")
    assert proc.returncode == 1 and "--extractor llm needs --llm NAME" in proc.stderr


def test_the_summary_counts_texts_without_aspects(tmp_path):
    rows = [{"id": "a", "text": "A slow piano ballad."}, {"id": "b", "text": "Nothing musical is said here."}]
    proc = run_cli("aspects", "--in", str(_write(tmp_path / "t.jsonl", rows)), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "aspects finished (lexicon): 1 texts with aspects, 1 without, 0 failed (2 records)" in proc.stdout
