"""What a real model knows (issue 37): does a small LLM describe chart hits better than album tracks, and
does it abstain on songs that do not exist?

Three lists of the same size, described the paper's way (artist and title only, prompt v2, English):

- `charts`: chart hits, the `--top N` songs of `crossmusim songs` over the real Billboard Year-End Hot 100
  tables of 2010, 2018 and 2019 in `benchmarks/data/charts/` (title, artist, rank; the year is the
  chart's: the first chart year stands for the release year, and the year check allows +-1);
- `4q`: the first N songs of the 4Q clips in the fixed shuffled order of `benchmarks/real_audio_llm.py`
  (AllMusic previews, mostly album tracks; AllMusic genres, no year);
- `invented`: N songs by invented artists, drawn from word lists (`random.Random(37)`); none is known.

    python benchmarks/songs_known.py --write-lists out/songs-known --n 100
    # for each LIST in charts 4q invented (a llama.cpp server: ../shared/notes/real-llm-offline.md):
    crossmusim generate --llm qwen2.5-coder-1.5b-q4km --provider openai-compatible --base-url URL \
        --songs out/songs-known/LIST.csv --out out/songs-known/LIST-gen --lang en --concurrency 4 --timeout 900
    python benchmarks/songs_known.py --report out/songs-known [--markdown]

`--run URL` does the three `generate` runs itself (resumable: run it again after a stop). The 4Q run
resumes from `benchmarks/data/real-llm-4q/descriptions.jsonl` (issue 23's records of the same model,
prompt and settings), copied in first, so only 4Q songs missing there are asked again.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHARTS = sorted((HERE / "data" / "charts").glob("billboard-year-end-hot-100-*.csv"))
FOUR_Q = HERE.parent.parent / "shared" / "realdata" / "real-audio-4q"
FOUR_Q_RECORDS = HERE / "data" / "real-llm-4q" / "descriptions.jsonl"
LISTS = ("charts", "4q", "invented")
MODEL = "qwen2.5-coder-1.5b-q4km"

FIRST = ["Marisol", "Tobiah", "Elowen", "Caspian", "Wrenna", "Idris", "Solveig", "Ansel", "Liora", "Thorne",
         "Odalys", "Perrin", "Sabeline", "Ludo", "Ysolde", "Corwin"]  # fmt: skip
LAST = ["Quenby", "Halloway", "Marchetti", "Ostrander", "Vantreece", "Pellowe", "Kestrin", "Dunleavy",
        "Abernath", "Sorensby", "Trevallion", "Whitacre"]  # fmt: skip
BAND_ADJ = ["Velvet", "Paper", "Hollow", "Copper", "Lantern", "Static", "Amber", "Wandering", "Quiet", "Salt"]
BAND_NOUN = ["Tidewaters", "Orchards", "Cartographers", "Foxgloves", "Semaphores", "Kestrels", "Lighthouses",
             "Almanacs", "Ferrymen", "Satellites"]  # fmt: skip
TITLE_A = ["Glass", "Lantern", "Winter", "Cobalt", "Harbor", "Juniper", "Midnight", "Paper", "Silver", "Ember",
           "Orchard", "Tin"]  # fmt: skip
TITLE_B = ["Lullaby", "Parade", "Almanac", "Telegram", "Carousel", "Waltz", "Postcard", "Lighthouse", "Meridian",
           "Harvest", "Semaphore", "Reverie"]  # fmt: skip


def _write(path: Path, rows: list[dict], columns: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def write_charts(out: Path, n: int) -> None:
    charts = [arg for path in CHARTS for arg in ("--chart", str(path))]
    command = [sys.executable, "-m", "crossmusim.cli.app", "songs", *charts, "--top", str(n),
               "--out", str(out / "charts.csv"), "--max-year", "2020"]  # fmt: skip
    subprocess.run(command, check=True)


def write_four_q(out: Path, n: int) -> None:
    with (FOUR_Q / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        songs = [{"id": r["Song"], "title": r["Title"], "artist": r["Artist"]} for r in csv.DictReader(handle)]
    random.Random(0).shuffle(songs)  # the order of benchmarks/real_audio_llm.py
    songs = [s for s in songs if s["title"].strip() and s["artist"].strip()][:n]
    _write(out / "4q.csv", songs, ["id", "title", "artist"])


def invented_songs(n: int, seed: int = 37) -> list[dict]:
    rng = random.Random(seed)
    songs, seen = [], set()
    while len(songs) < n:
        if rng.random() < 0.5:
            artist = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        else:
            artist = f"The {rng.choice(BAND_ADJ)} {rng.choice(BAND_NOUN)}"
        title = f"{rng.choice(TITLE_A)} {rng.choice(TITLE_B)}"
        if (artist, title) not in seen:
            seen.add((artist, title))
            songs.append({"id": f"inv{len(songs):03d}", "title": title, "artist": artist})
    return songs


def write_lists(out: Path, n: int) -> None:
    write_charts(out, n)
    write_four_q(out, n)
    _write(out / "invented.csv", invented_songs(n), ["id", "title", "artist"])


def run_generate(out: Path, base_url: str, concurrency: int) -> None:
    for name in LISTS:
        gen = out / f"{name}-gen"
        if name == "4q" and not (gen / "descriptions.jsonl").exists():
            gen.mkdir(parents=True, exist_ok=True)
            shutil.copy(FOUR_Q_RECORDS, gen / "descriptions.jsonl")
        command = [sys.executable, "-m", "crossmusim.cli.app", "generate", "--llm", MODEL, "--provider",
                   "openai-compatible", "--base-url", base_url, "--songs", str(out / f"{name}.csv"), "--out",
                   str(gen), "--lang", "en", "--concurrency", str(concurrency), "--timeout", "900",
                   "--max-year", "2030"]  # fmt: skip
        print(" ".join(command), flush=True)
        subprocess.run(command, check=True)


def _records(out: Path, name: str) -> list[dict]:
    with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    path = out / f"{name}-gen" / "descriptions.jsonl"
    by_id = {r["song_id"]: r for r in map(json.loads, path.read_text("utf-8").splitlines()) if r}
    by_key = {(r["title"], r["artist"]): r for r in by_id.values()}
    return [by_id.get(r.get("id") or "") or by_key.get((r["title"], r["artist"])) or {"status": "not asked"}
            for r in rows]  # fmt: skip


def list_report(out: Path, name: str) -> dict:
    from crossmusim.generate.genres import compare_genres

    records = _records(out, name)
    described = [r for r in records if r.get("status") == "described"]
    report = {"list": name, "songs": len(records), "status": dict(Counter(r.get("status") for r in records))}
    fact = lambda r, key: ((r.get("facts") or {}).get(key) or {}).get("result", "unknown")  # noqa: E731
    report["year_check"] = dict(Counter(fact(r, "release_year") for r in described))
    years = sorted(int(r["year"]) for r in described if r.get("year"))
    if years:  # a reference, not a model: the list's median year said for every song
        median = years[len(years) // 2]
        report["constant_year"] = {"year": median, "agree": sum(abs(y - median) <= 1 for y in years), "of": len(years)}
    report["artist_check"] = dict(Counter(fact(r, "artist") for r in described))
    genres = [((r.get("fields") or {}).get("genre") or "-") for r in described]
    report["stated_genres"] = dict(Counter(g.strip().title() for g in genres).most_common(6))
    if name == "4q" and (FOUR_Q / "metadata.csv").exists():
        with (FOUR_Q / "metadata.csv").open(encoding="utf-8", newline="") as handle:
            allmusic = {r["Song"]: r["GenresStr"].split("; ") for r in csv.DictReader(handle)}
        report["genre_check"] = dict(Counter(
            compare_genres(allmusic[r["song_id"]], (r.get("fields") or {}).get("genre") or "") for r in described
        ))  # fmt: skip
    return report


def share(k: int, n: int) -> str:
    """k of n as a percentage with its 95 % Wilson interval."""
    from scipy.stats import binomtest

    if not n:
        return "-"
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return f"{100 * k / n:.0f} % [{100 * ci.low:.0f}, {100 * ci.high:.0f}]"


def markdown(reports: list[dict]) -> str:
    def counts(d: dict, keys: tuple[str, ...]) -> str:
        return " / ".join(str(d.get(k, 0)) for k in keys)

    def agree_share(d: dict) -> str:
        known = d.get("agree", 0) + d.get("contradict", 0)
        return f"{counts(d, ('agree', 'contradict', 'unknown'))}: {share(d.get('agree', 0), known)} agree"

    lines = ["| list | songs | described / abstained / failed | year check (agree / contradict / unknown) "
             "| genre check (agree / contradict / unknown) | stated genres |",
             "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for r in reports:
        year = agree_share(r["year_check"]) if r["list"] == "charts" else "no year held"
        if "constant_year" in r and r["list"] == "charts":
            c = r["constant_year"]
            year += f"; saying {c['year']} for every song: {share(c['agree'], c['of'])}"
        genre = agree_share(r["genre_check"]) if "genre_check" in r else "no genre held"
        stated = ", ".join(f"{g} {c}" for g, c in r["stated_genres"].items())
        status = counts(r["status"], ("described", "abstained", "failed"))
        status += f"; abstained {share(r['status'].get('abstained', 0), r['songs'])}"
        lines.append(f"| {r['list']} | {r['songs']} | {status} | {year} | {genre} | {stated} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write-lists", type=Path, help="write charts.csv, 4q.csv and invented.csv here")
    parser.add_argument("--n", type=int, default=100, help="songs per list")
    parser.add_argument("--run", metavar="BASE_URL", help="run generate on the three lists against this server")
    parser.add_argument("--out", type=Path, default=Path("out/songs-known"))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--report", type=Path, help="report on the three lists' generate outputs in this folder")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    if args.write_lists:
        write_lists(args.write_lists, args.n)
    if args.run:
        run_generate(args.write_lists or args.out, args.run, args.concurrency)
    if args.report:
        reports = [list_report(args.report, name) for name in LISTS]
        print(markdown(reports) if args.markdown else json.dumps(reports, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
