"""Small-model descriptions on real audio (issue 23): does free text from a small LLM help, hurt or do
nothing for music-to-music similarity on the 600 real 4Q clips?

Input: a `crossmusim generate` output folder whose songs are the 4Q clips (ids = the 4Q Song ids),
described the paper's way, from artist and title only (no page). Descriptions that are `described`
and whose fact check does not contradict (the 4Q metadata holds only the artist: a garbled artist
contradicts) become caption rows of a pairs file. If generation covered a subset of the songs, every
text variant here trains on that same subset of songs, so the rows compare text, not song counts:

- `4q-llm`: the LLM descriptions alone (captions);
- `4q-llm+tags`: the LLM descriptions with the AllMusic tag text (aspects and the tag sentence);
- `4q-tags-sub`: the AllMusic tag text alone, on the same songs.

Each seed's datasets keep the artist splits of `benchmarks/real_audio.py`'s build of that seed
(`--splits-from`), and every model is scored on that build's whole test split beside `musicnn-std`, `untrained` and
`probe` (trained on the full training split's tags), so the rows sit beside the real table's.

The songs to describe: `--write-songs FILE --subset N` writes the first N of the 600 songs in a fixed
shuffled order (`random.Random(0)`; columns id, title, artist), so a subset is the same one every time
and spread over quadrants, genres and artists:

    python benchmarks/real_audio_llm.py --write-songs out/real-llm/4q-songs.csv --subset 240
    crossmusim generate --llm MODEL --provider openai-compatible --base-url URL \
        --songs out/real-llm/4q-songs.csv --out out/real-llm/4q-gen --lang en --concurrency 4
    python benchmarks/real_audio.py --build-only          # the seeds' splits, if real_audio.py has not run
    python benchmarks/real_audio_llm.py --generated out/real-llm/4q-gen --real out/real-audio --seeds 5 \
        [--songs FILE_OF_THE_STATED_SUBSET]

The records of the songs described so far are kept in `benchmarks/data/real-llm-4q/descriptions.jsonl`:
copy it to `out/real-llm/4q-gen/descriptions.jsonl` and `generate` continues with the rest.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import Counter
from pathlib import Path

from real_audio import REAL, ROOT, cli, train, write_rows

from crossmusim.curation.four_q import tag_text_rows
from crossmusim.experiment.table import gain_rows, markdown, summary_rows

VARIANTS = {"4q-llm": ("llm", "caption"), "4q-llm+tags": ("llm+tags", "caption,aspects"),
            "4q-tags-sub": ("tags", "caption,aspects")}  # fmt: skip
BASELINES = ("musicnn-std", "untrained", "probe")
REFERENCE = "musicnn-std"


def write_songs(data: Path, path: Path, subset: int | None) -> int:
    """The songs file `generate` reads: the 4Q songs in a fixed shuffled order, the first `subset` of them."""
    with (data / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        songs = [{"id": r["Song"], "title": r["Title"], "artist": r["Artist"]} for r in csv.DictReader(handle)]
    random.Random(0).shuffle(songs)
    songs = songs[:subset] if subset else songs
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "artist"])
        writer.writeheader()
        writer.writerows(songs)
    return len(songs)


def usable(generated: Path, songs: Path | None = None, data: Path | None = None) -> tuple[dict[str, str], dict]:
    """Song id -> description for the usable records (of the songs in `songs` only, when given: the
    stated subset); and what happened to the others, with the stated genre against AllMusic's (`data`)."""
    records = [json.loads(line) for line in (generated / "descriptions.jsonl").read_text("utf-8").splitlines() if line]
    if songs is not None:
        with songs.open(encoding="utf-8", newline="") as handle:
            wanted = {r["id"] for r in csv.DictReader(handle) if r["title"].strip() and r["artist"].strip()}
        missing = len(wanted - {r["song_id"] for r in records})
        if missing:
            raise SystemExit(f"{generated}: {missing} songs of {songs} not generated yet (generate is resumable)")
        records = [r for r in records if r["song_id"] in wanted]
    kept = {r["song_id"]: r["description"] for r in records
            if r["status"] == "described" and r.get("fact_check") != "contradict"}  # fmt: skip
    report = {
        "records": len(records),
        "status": dict(Counter(r["status"] for r in records)),
        "fact_check": dict(Counter(r.get("fact_check") or "-" for r in records if r["status"] == "described")),
        "kept": len(kept),
        "dropped_examples": [
            {"artist": r["artist"], "title": r["title"], "description": r["description"][:200],
             "model_artist": (r.get("facts") or {}).get("artist", {}).get("model")}
            for r in records if r["status"] == "described" and r.get("fact_check") == "contradict"
        ][:5],
        "failures": dict(Counter((r.get("error") or "")[:60] for r in records if r["status"] == "failed")),
        "artist_check": dict(Counter(((r.get("facts") or {}).get("artist") or {}).get("result", "-")
                                     for r in records if r["status"] == "described")),
    }  # fmt: skip
    if data is not None:
        from crossmusim.generate.genres import compare_genres

        with (data / "metadata.csv").open(encoding="utf-8", newline="") as handle:
            allmusic = {r["Song"]: r["GenresStr"].split("; ") for r in csv.DictReader(handle)}
        described = [r for r in records if r["status"] == "described"]
        verdicts = {r["song_id"]: compare_genres(allmusic[r["song_id"]], (r.get("fields") or {}).get("genre") or "")
                    for r in described}  # fmt: skip
        report["genre_vs_allmusic"] = dict(Counter(verdicts.values()))
        report["genre_contradicted_examples"] = [
            {"artist": r["artist"], "title": r["title"], "allmusic": allmusic[r["song_id"]],
             "stated": (r.get("fields") or {}).get("genre")}
            for r in described if verdicts[r["song_id"]] == "contradict"
        ][:8]  # fmt: skip
        report["stated_genres"] = dict(
            Counter(((r.get("fields") or {}).get("genre") or "-") for r in described).most_common(10)
        )
    return kept, report


def write_pairs(data: Path, out: Path, texts: dict[str, str]) -> dict[str, Path]:
    """One pairs file per text source, over the songs that have an LLM description."""
    clips = {song: found for song, found in tag_text_rows(data).items() if song in texts}
    rows = {"llm": [{**base, "text": texts[song], "type": "caption"} for song, (base, _) in clips.items()],
            "tags": [r for _, tagged in clips.values() for r in tagged]}  # fmt: skip
    rows["llm+tags"] = rows["llm"] + rows["tags"]
    return {name: write_rows(out / f"pairs-{name}.csv", found) for name, found in rows.items()}


def run_seed(seed: int, pairs: dict[str, Path], tags: Path, real: Path, out: Path) -> dict:
    folder, reference = out / f"seed{seed}", real / f"seed{seed}" / "dataset"
    if not (reference / "stats.json").is_file():
        raise SystemExit(f"{reference}: run benchmarks/real_audio.py --seeds {seed + 1} first (its splits are reused)")
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "log.txt"
    for name, (source, types) in VARIANTS.items():
        dataset = folder / f"dataset-{source}"
        if not (dataset / "stats.json").is_file():
            cli("build-dataset", "--open", f"pairs={pairs[source]}", "--tags", str(tags), "--seed", str(seed),
                "--splits-from", str(reference), "--out", str(dataset), log=log)  # fmt: skip
        train(dataset, types, seed, folder / name, log)
    report = folder / "report"
    if not (report / "metrics.json").is_file():
        models = [a for name in VARIANTS for a in ("--model", str(folder / name))]
        full = real / f"seed{seed}" / "4q-both"  # real_audio.py's tag-text model on all the songs, when it ran
        models += ["--model", str(full)] if (full / "summary.json").is_file() else []
        baselines = [a for name in BASELINES for a in ("--baseline", name)]
        cli("evaluate", *models, *baselines, "--dataset", str(reference), "--split", "test", "--out", str(report),
            log=log)  # fmt: skip
    return json.loads((report / "metrics.json").read_text(encoding="utf-8"))["systems"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path, help="generate's output folder for the 4Q songs.")
    parser.add_argument("--write-songs", type=Path, help="Write the songs file for `generate` and stop.")
    parser.add_argument("--subset", type=int, help="With --write-songs: only the first N songs of the fixed order.")
    parser.add_argument("--songs", type=Path, help="Only the songs of this songs file (a stated subset).")
    parser.add_argument("--report-only", action="store_true", help="Only what the descriptions say; no training.")
    parser.add_argument("--data", type=Path, default=REAL / "real-audio-4q")
    parser.add_argument("--real", type=Path, default=ROOT / "out" / "real-audio", help="real_audio.py's --out.")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "real-audio-llm")
    args = parser.parse_args()
    if args.write_songs:
        print(f"{write_songs(args.data, args.write_songs, args.subset)} songs written to {args.write_songs}")
        return
    if not args.generated:
        parser.error("--generated DIR is required (or --write-songs FILE)")
    started = time.time()
    texts, report = usable(args.generated, args.songs, args.data)
    if args.report_only:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    pairs = write_pairs(args.data, args.out, texts)
    per_seed = [run_seed(seed, pairs, args.data / "metadata.csv", args.real, args.out) for seed in range(args.seeds)]
    systems = list(dict.fromkeys(name for seed in per_seed for name in seed))
    text = "\n\n".join([
        f"LLM descriptions on real recordings: {texts and len(texts)} of 600 songs described and kept "
        f"({report['status']}; fact check of the described: {report['fact_check']}); {args.seeds} split seeds "
        f"of real_audio.py, its whole test split; {time.time() - started:.0f} s in this call.",
        markdown(summary_rows(per_seed, systems)),
        f"Gains over {REFERENCE}, paired by seed (points, mean ± spread, wins):",
        markdown(gain_rows(per_seed, [s for s in systems if s != REFERENCE], REFERENCE)),
    ])  # fmt: skip
    (args.out / "real_audio_llm.md").write_text(text + "\n", encoding="utf-8")
    (args.out / "descriptions-report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    print(text)


if __name__ == "__main__":
    main()
