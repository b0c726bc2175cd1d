"""Grounded against ungrounded generation on KdConv's music entities (`real_llm.py --kdconv DIR`).

KdConv (Zhou et al., 2020) holds Baidu Baike infobox triples and each entity's `Information` summary.
Its songs (entities with a 歌曲原唱) are written as crawl records (summary, infobox, 音乐风格 as genres,
所属专辑, 发行时间, 填词, 谱曲) so that `generate --ground` reads them as it reads a crawl. Two invented
songs go with them: one whose page is empty (title and artist only) and one whose page is about
something else (a person's summary under the invented title). Each song is described with and
without `--ground`, and each reply's stated singer, album and year are compared with the triples
(the fact check) and its genre with 音乐风格 where present (`generate.genres`), for both modes.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

from crossmusim.generate.genres import compare_genres

INVENTED = [("雾港旧信", "林晓岚", "empty"), ("玻璃果园摇篮曲", "潮汐丝绒乐队", "person")]


def triples(folder: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name in ("train", "dev", "test"):
        path = folder / f"{name}.json"
        if path.is_file():
            for dialogue in json.loads(path.read_text("utf-8")):
                for message in dialogue["messages"]:
                    for attr in message.get("attrs", []):
                        found.setdefault(attr["name"], {})[attr["attrname"]] = attr["attrvalue"]
    return found


def _split(value: str) -> list[str]:
    return [p.strip() for p in re.split(r"[、,，/；;]", value or "") if p.strip()]


def write_inputs(folder: Path, out: Path, limit: int) -> list[dict]:
    """songs.csv (with the album and year we hold) and crawl/songs.jsonl; returns the songs."""
    kb = triples(folder)
    songs, seen = [], set()
    for name in sorted(kb):
        facts = kb[name]
        title = re.sub(r"（.*?）$", "", name).strip()
        if "歌曲原唱" not in facts or (title, facts["歌曲原唱"]) in seen:
            continue  # not a song, or one song under two entity names
        seen.add((title, facts["歌曲原唱"]))
        year = re.match(r"\s*(\d{4})", facts.get("发行时间", ""))
        songs.append({"id": f"k{len(songs)}", "title": title, "artist": facts["歌曲原唱"],
                      "album": facts.get("所属专辑", "").strip("《》 "), "year": int(year.group(1)) if year else None,
                      "genres": _split(facts.get("音乐风格", "")), "facts": facts, "real": True})  # fmt: skip
    songs = songs[:limit]
    person = next(e for e in kb.values() if "出生日期" in e and e.get("Information"))
    for i, (title, artist, page) in enumerate(INVENTED):
        facts = {"Information": person["Information"]} if page == "person" else {}
        songs.append({"id": f"x{i}", "title": title, "artist": artist, "album": "", "year": None, "genres": [],
                      "facts": facts, "real": False, "page": page})  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    with (out / "songs.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "artist", "album", "year"])
        writer.writerows([s["id"], s["title"], s["artist"], s["album"], s["year"] or ""] for s in songs)
    crawl = out / "crawl"
    crawl.mkdir(exist_ok=True)
    with (crawl / "songs.jsonl").open("w", encoding="utf-8") as handle:
        for song in songs:
            facts = song["facts"]
            record = {"title": song["title"], "canonical_url": f"https://baike.baidu.com/item/{song['title']}",
                      "page_id": song["id"], "artists": [song["artist"]], "album": song["album"] or None,
                      "release_date": facts.get("发行时间"), "genres": song["genres"],
                      "lyricists": _split(facts.get("填词", "")), "composers": _split(facts.get("谱曲", "")),
                      "summary": facts.get("Information", ""),
                      "infobox": {k: v for k, v in facts.items() if k != "Information"}}  # fmt: skip
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return songs


def score(songs: list[dict], records: dict[str, dict], wall: float) -> dict:
    """Per mode: statuses, fact agreement on real songs, genre agreement with 音乐风格, abstentions."""
    real = [s for s in songs if s["real"]]
    described = [s for s in real if records[s["id"]]["status"] == "described"]
    facts = {key: Counter(records[s["id"]]["facts"].get(key, {}).get("result", "unknown") for s in described)
             for key in ("artist", "release_year", "album")}  # fmt: skip
    genres = Counter(compare_genres(s["genres"], records[s["id"]]["fields"].get("genre", ""))
                     for s in described if s["genres"])  # fmt: skip
    tokens = sum(r.get("usage", {}).get("completion_tokens", 0) for r in records.values())
    return {
        "status": dict(Counter(r["status"] for r in records.values())),
        "fact_check": dict(Counter(records[s["id"]]["fact_check"] for s in described)),
        "facts": {k: dict(v) for k, v in facts.items()},
        "genre_vs_page": dict(genres),
        "invented": {s["page"]: records[s["id"]]["status"] for s in songs if not s["real"]},
        "failures": [r.get("error", "")[:120] for r in records.values() if r["status"] == "failed"],
        "tokens_per_s": tokens / wall,
        "wall_s": wall,
        "examples": {
            records[s["id"]]["title"]: (
                records[s["id"]]["fields"].get("genre", ""),
                records[s["id"]]["description"][:120],
            )
            for s in described[:3]
        },  # fmt: skip
    }
