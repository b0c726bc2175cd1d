"""A small end-to-end curation fixture: crawl and generate outputs, audio files, tags."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import FIXTURES

CRAWLED = [
    "item_晴天_3053",
    "item_后来_3421",
    "item_光輝歲月_1160",
    "item_海阔天空_8466",
    "item_童年_2536",
    "item_平凡之路_1339",
    "item_夜曲_6633",
    "item_红豆_4417",
    "item_七里香_1520",
    "item_稻香_7890",
]
GENERATED = [
    {
        "song_id": "g1",
        "title": "晴天",
        "artist": "周杰伦",
        "status": "described",
        "model": "qwen2-7b",
        "description": "A nostalgic mandopop ballad built on acoustic guitar and piano, mid-tempo, with a soft "
        "male vocal; the lyrics recall a first love on a sunny day, and 晴天 ends in a guitar solo.",
    },
    {
        "song_id": "g2",
        "title": "Yesterday",
        "artist": "The Beatles",
        "status": "described",
        "model": "qwen2-7b",
        "description": "A melancholic acoustic ballad: a solo acoustic guitar and a string quartet accompany a "
        "tender male vocal, slow tempo, about regret and lost love. Yesterday by the Beatles.",
    },
    {
        "song_id": "g3",
        "title": "无名之歌",
        "artist": "无名氏",
        "status": "abstained",
        "model": "qwen2-7b",
        "description": "",
    },
    {"song_id": "g4", "title": "坏歌", "artist": "某人", "status": "failed", "model": "qwen2-7b", "description": ""},
]


def _tone(path: Path, freq: float) -> None:
    t = np.linspace(0, 1.0, 8000, endpoint=False)
    sf.write(path, (0.2 * np.sin(2 * np.pi * freq * t)).astype("float32"), 8000)


@pytest.fixture
def curation_inputs(tmp_path: Path) -> dict[str, Path]:
    songs = []
    for name in CRAWLED:
        record = json.loads((FIXTURES / "golden" / f"{name}.json").read_text(encoding="utf-8"))
        record["url"] = "http://127.0.0.1/" + name
        songs.append(record)
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    (crawl / "songs.jsonl").write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in songs), encoding="utf-8"
    )
    generated = tmp_path / "gen"
    generated.mkdir()
    (generated / "descriptions.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in GENERATED), encoding="utf-8"
    )
    audio = tmp_path / "audio"
    audio.mkdir()
    rows = []
    for i, song in enumerate(songs):
        if song["title"] == "平凡之路":
            continue  # a text without audio
        path = audio / f"{i:02d}.wav"
        _tone(path, 220 + 20 * i)
        rows.append({"path": path.name, "title": song["title"], "artist": song["artists"][0], "id": ""})
    _tone(audio / "yesterday.wav", 330)
    rows.append({"path": "yesterday.wav", "title": "Yesterday (Remastered 2009)", "artist": "The Beatles", "id": ""})
    _tone(audio / "orphan.wav", 500)
    rows.append({"path": "orphan.wav", "title": "Nobody's Song", "artist": "Nobody", "id": ""})
    rows.append({"path": "missing.wav", "title": "Ghost", "artist": "Nobody", "id": ""})
    (audio / "corrupt.wav").write_bytes(b"RIFF\x00\x00not really audio")
    rows.append({"path": "corrupt.wav", "title": "Broken", "artist": "Nobody", "id": ""})
    with (audio / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "title", "artist", "id"])
        writer.writeheader()
        writer.writerows(rows)
    tags = tmp_path / "tags.csv"
    tags.write_text(
        "title,artist,song_id,level,tag\n晴天,周杰伦,,coarse,pop\n晴天,周杰伦,,fine,mandopop\n"
        "晴天,周杰伦,,coarse,nostalgic\n,,8466,coarse,rock\n,,,coarse,orphan-row\n",
        encoding="utf-8",
    )
    return {"crawl": crawl, "generated": generated, "audio": audio / "manifest.csv", "tags": tags, "root": tmp_path}
