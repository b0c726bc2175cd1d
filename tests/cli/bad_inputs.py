"""The catalogue of bad inputs every command must answer with one clear line (issue: "every bad input
gets one clear line and a non-zero exit"). A new command adds its rows here; `test_bad_inputs.py` runs
them all through the real CLI.

A row: an id, a setup that writes what the user gave into a fresh folder and returns the arguments,
the exit code, and a regex the single stderr line must match (after "crossmusim: error: "). `keep`
names files of an output folder that was there before: they must still be there, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port
GARBAGE = bytes(range(256)) * 8  # no text encoding decodes this


@dataclass
class Ctx:
    root: Path
    site: str  # the demo encyclopedia on loopback
    llm: str  # the fake OpenAI-compatible server's /v1 URL

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@dataclass
class Case:
    id: str
    setup: Callable[[Ctx], list[str]]
    message: str  # regex for the one stderr line, after "crossmusim: error: "
    exit_code: int = 1
    keep: list[str] = field(default_factory=list)  # files (relative to root) that must stay unchanged
    readonly: str | None = None  # a folder made read-only (immutable) for the run


# -- shared inputs ---------------------------------------------------------------------------------
SONG = {"title": "晴天", "artists": ["周杰伦"], "canonical_url": "https://baike.baidu.com/item/晴天/3053",
        "page_id": "3053", "review": "《晴天》以清新的木吉他分解和弦开场，节奏舒缓，旋律朗朗上口，副歌的电吉他推向高潮。"}  # fmt: skip
DESCRIPTION = {"song_id": "g1", "title": "晴天", "artist": "周杰伦", "status": "described", "model": "m",
               "description": "A nostalgic mandopop ballad on acoustic guitar and piano with a soft male vocal."}  # fmt: skip


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def tone(ctx: Ctx, name: str) -> Path:
    path = ctx.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.1 * np.sin(np.linspace(0, 200 * np.pi, 8000))).astype("float32"), 8000)
    return path


def crawl_out(ctx: Ctx, name: str = "crawl") -> Path:
    """A folder holding a crawl's results."""
    out = ctx.folder(name)
    ctx.write(f"{name}/songs.jsonl", jsonl(SONG))
    return out


def manifest(ctx: Ctx, audio_name: str = "a.wav", *, real: bool = True) -> Path:
    if real:
        tone(ctx, f"audio/{audio_name}")
    else:
        ctx.write(f"audio/{audio_name}", "this is a text file, not audio\n")
    return ctx.write("audio/manifest.csv", f"path,title,artist,id\n{audio_name},晴天,周杰伦,\n")


def generate_args(ctx: Ctx, songs: Path, *extra: str) -> list[str]:
    return ["generate", "--llm", "qwen2-7b", "--base-url", ctx.llm, "--songs", str(songs),
            "--out", str(ctx.root / "gen"), "--retry-backoff", "0.05", *extra]  # fmt: skip


def pairs_file(
    ctx: Ctx, audio_name: str = "a.wav", *, header: str = "audio,title,artist,text,type", text_type: str = "caption"
) -> Path:
    """A pairs file of one caption about `audio/<audio_name>` (a real tone unless the name says nope)."""
    if not audio_name.startswith("nope"):
        tone(ctx, f"audio/{audio_name}")
    cells = {
        "audio": f"audio/{audio_name}",
        "title": "t",
        "artist": "a",
        "text": "A calm piano song.",
        "type": text_type,
    }
    return ctx.write("pairs.csv", header + "\n" + ",".join(cells[c] for c in header.split(",")) + "\n")


def index_folder(ctx: Ctx) -> Path:
    """An index of two songs (crossmusim index's own writer)."""
    from crossmusim.evaluation.retrieval import build_pool, save_pool

    return save_pool(build_pool(["a", "b"], np.eye(2, dtype=np.float32), {}), ctx.root / "idx")


def empty_events(ctx: Ctx) -> Path:
    """An events store the service made, before any request."""
    from crossmusim.serve.events import SqliteEvents

    store = SqliteEvents(ctx.root / "e.sqlite")
    store.close()
    return ctx.root / "e.sqlite"


def listen_study(ctx: Ctx) -> Path:
    """A folder that passes for a study: an empty study database."""
    from crossmusim.listen import store

    folder = ctx.folder("study")
    conn = store.create_db(store.db_path(folder))
    store.set_meta(conn, "criteria", ["overall"])
    store.set_meta(conn, "admin_token", "x")
    conn.close()
    return folder


def duplicate_ids(ctx: Ctx) -> Path:
    """A pairs file giving one id to two recordings."""
    tone(ctx, "audio/a.wav"), tone(ctx, "audio/b.wav")
    rows = "".join(f"audio/{n}.wav,A calm piano song.,caption,x1\n" for n in "ab")
    return ctx.write("pairs.csv", "audio,text,type,id\n" + rows)


def build_args(ctx: Ctx, *extra: str) -> list[str]:
    return ["build-dataset", "--out", str(ctx.root / "ds"), *extra]


def built_dataset(ctx: Ctx, *, audio: bool = True, splits: tuple[str, ...] = ("train",)) -> Path:
    """A build-dataset output (pairs/ and songs/) of three songs per split, written directly."""
    import datasets

    from crossmusim.curation.hf_dataset import PAIR_FEATURES, SONG_FEATURES, rows_to_dataset

    wav = tone(ctx, "song.wav").read_bytes() if audio else b"RIFF but not audio"
    pairs, songs = {}, {}
    for split in splits:
        ids = [f"{split}{i}" for i in range(3)]
        songs[split] = rows_to_dataset(
            [{"song_id": i, "title": i, "artist": i, "album": "", "audio": {"bytes": wav, "path": "s.wav"},
              "duration_s": 1.0, "tags_coarse": [], "tags_fine": []} for i in ids], features=SONG_FEATURES)  # fmt: skip
        pairs[split] = rows_to_dataset(
            [{"song_id": i, "title": i, "artist": i, "album": "", "text_type": "caption", "text": f"a song {i}.",
              "sentences": [f"a song {i}."], "aspects": [], "language": "en", "source": "x", "source_id": i,
              "masked": False} for i in ids], features=PAIR_FEATURES)  # fmt: skip
    out = ctx.root / "ds"
    datasets.DatasetDict(pairs).save_to_disk(str(out / "pairs"))
    datasets.DatasetDict(songs).save_to_disk(str(out / "songs"))
    return out


def tiny_run(ctx: Ctx) -> Path:
    """A run folder as `train --preset tiny` leaves it after one epoch (its checkpoint is never read)."""
    from crossmusim.model.config import preset

    ctx.write("run/config.json", json.dumps({**preset("tiny").as_dict(), "command": "crossmusim train"}))
    ctx.write("run/checkpoints/epoch-0001.pt", "x")
    return ctx.root / "run"


def train_args(ctx: Ctx, dataset: Path, *extra: str) -> list[str]:
    return ["train", "--dataset", str(dataset), "--out", str(ctx.root / "run"), "--preset", "tiny",
            "--cache-dir", str(ctx.root / "cache"), *extra]  # fmt: skip


CASES: list[Case] = [
    # -- crawl ----------------------------------------------------------------------------------------
    Case("crawl-invalid-base-url", lambda c: ["crawl", "--out", str(c.root / "o"), "--base-url", "notaurl"],
         r"--base-url 'notaurl' must be http\(s\)://host\[:port\]"),
    Case("crawl-unreachable", lambda c: ["crawl", "--out", str(c.root / "o"), "--base-url", UNREACHABLE,
                                         "--delay", "0", "--retry-backoff", "0.05"],
         r"cannot reach http://127\.0\.0\.1:9 \(connection refused\): check --base-url and that the site is up"),
    Case("crawl-missing-terms", lambda c: ["crawl", "--out", str(c.root / "o"), "--terms", str(c.root / "no.txt")],
         r".*no\.txt: terms file not found \(give a file with one term per line, or 'default'\)"),
    Case("crawl-empty-terms", lambda c: ["crawl", "--out", str(c.root / "o"), "--terms", str(c.write("t.txt", ""))],
         r".*t\.txt: no terms in the file \(write one term per line\)"),
    Case("crawl-terms-is-a-folder", lambda c: ["crawl", "--out", str(c.root / "o"), "--terms", str(c.folder("t"))],
         r".*t is a folder: give a terms file \(one term per line, or category<TAB>term\)"),
    Case("crawl-terms-not-text", lambda c: ["crawl", "--out", str(c.root / "o"), "--terms", str(c.write("t.txt", GARBAGE))],
         r".*t\.txt: is not UTF-8, GB18030 or Big5 text \(save it as UTF-8\)"),
    Case("crawl-out-is-a-file", lambda c: ["crawl", "--out", str(c.write("o", "x")), "--base-url", c.site],
         r"crossmusim crawl: Invalid value for '--out' / '-o': dir '.*/o' is a file\. \(see --help\)", exit_code=2, keep=["o"]),
    Case("crawl-out-holds-a-dataset", lambda c: ["crawl", "--out", str(c.folder("ds")) if c.write("ds/dataset_dict.json", "{}") else "",
                                                 "--base-url", c.site],
         r"--out .*ds holds the results of crossmusim build-dataset \(dataset_dict\.json\): choose another --out",
         keep=["ds/dataset_dict.json"]),
    Case("crawl-existing-crawl-needs-resume", lambda c: ["crawl", "--out", str(crawl_out(c)), "--base-url", c.site],
         r".*songs\.jsonl already holds a crawl: add --resume to continue it, or choose another --out",
         keep=["crawl/songs.jsonl"]),
    Case("crawl-read-only-out", lambda c: ["crawl", "--out", str(c.folder("ro") / "o"), "--base-url", c.site],
         r"cannot write .*ro/o \(Operation not permitted\): choose another --out or fix it", readonly="ro"),
    Case("crawl-zero-max-pages", lambda c: ["crawl", "--out", str(c.root / "o"), "--max-pages", "0"],
         r"crossmusim crawl: Invalid value for '--max-pages'.*greater than or equal to 1 \(see --help\)", exit_code=2),
    Case("crawl-negative-delay", lambda c: ["crawl", "--out", str(c.root / "o"), "--delay", "-1"],
         r"crossmusim crawl: Invalid value for '--delay'.*greater than or equal to 0 \(see --help\)", exit_code=2),
    Case("crawl-redis-unreachable", lambda c: ["crawl", "--out", str(c.root / "o"), "--base-url", c.site,
                                               "--redis-url", "redis://127.0.0.1:9/0"],
         r"cannot reach Redis at redis://127\.0\.0\.1:9/0 \(.*\): start redis-server there, or fix --redis-url"),
    Case("crawl-redis-not-a-redis-url", lambda c: ["crawl", "--out", str(c.root / "o"), "--base-url", c.site,
                                                   "--redis-url", "http://:secret@127.0.0.1:9"],
         r"--redis-url 'http://:\*\*\*@127\.0\.0\.1:9' is not a Redis URL \(.*\): use redis://HOST:6379/0"),
    Case("crawl-redis-with-max-pages", lambda c: ["crawl", "--out", str(c.root / "o"), "--base-url", c.site,
                                                  "--redis-url", "redis://127.0.0.1:9/0", "--max-pages", "3"],
         r"--max-pages bounds a crawl of one process; a shared crawl ends when its queue is empty .*"),
    # -- parse-page -----------------------------------------------------------------------------------
    Case("parse-page-missing-file", lambda c: ["parse-page", str(c.root / "p.html")],
         r".*p\.html: no such file \(give a saved page or an http\(s\) URL\)"),
    Case("parse-page-folder", lambda c: ["parse-page", str(c.folder("p"))],
         r".*p is a folder: give a saved page \(an HTML file\) or an http\(s\) URL"),
    Case("parse-page-unreachable", lambda c: ["parse-page", UNREACHABLE + "/item/x"],
         r"cannot reach http://127\.0\.0\.1:9 \(.*\)"),
    Case("parse-page-unknown-render", lambda c: ["parse-page", UNREACHABLE + "/item/x", "--render", "webkit"],
         r"--render 'webkit' is not supported: use --render js"),
    # -- generate -------------------------------------------------------------------------------------
    Case("generate-missing-songs", lambda c: generate_args(c, c.root / "s.csv"), r".*s\.csv: songs file not found"),
    Case("generate-empty-songs", lambda c: generate_args(c, c.write("s.csv", "")),
         r".*s\.csv has no songs: give rows with title and artist \(and album, year, id\)"),
    Case("generate-songs-is-a-folder", lambda c: generate_args(c, c.folder("s.csv")),
         r".*s\.csv is a folder: give the songs file \(CSV or JSONL\)"),
    Case("generate-songs-not-text", lambda c: generate_args(c, c.write("s.csv", GARBAGE)),
         r".*s\.csv: is not UTF-8, GB18030 or Big5 text \(save it as UTF-8\)"),
    Case("generate-missing-columns", lambda c: generate_args(c, c.write("s.csv", "name,singer\n晴天,周杰伦\n")),
         r".*s\.csv:1: the CSV header needs at least title and artist columns"),
    Case("generate-malformed-line", lambda c: generate_args(c, c.write("s.jsonl", '{"title": "a", "artist": "b"}\n{oops\n{"title": "c", "artist": "d"}\n')),
         r".*s\.jsonl:2: not valid JSON .*\(fix or delete that line\)"),
    Case("generate-unknown-model", lambda c: ["generate", "--llm", "gpt-9", "--songs", str(c.write("s.csv", "title,artist\na,b\n")), "--out", str(c.root / "gen")],
         r"unknown model 'gpt-9': choose one of .*"),
    Case("generate-unreachable-endpoint", lambda c: ["generate", "--llm", "qwen2-7b", "--base-url", UNREACHABLE + "/v1", "--retry-backoff", "0.05",
                                                     "--songs", str(c.write("s.csv", "title,artist\n晴天,周杰伦\n")), "--out", str(c.root / "gen")],
         r"cannot reach http://127\.0\.0\.1:9/v1 \(connection refused or no such host\): check --base-url and that the server is up"),
    Case("generate-batch-unreachable", lambda c: ["generate", "--llm", "qwen2-7b", "--provider", "openai-compatible", "--base-url", UNREACHABLE + "/v1",
                                                  "--submit-batch", "--songs", str(c.write("s.csv", "title,artist\n晴天,周杰伦\n")), "--out", str(c.root / "gen")],
         r"batch job at http://127\.0\.0\.1:9/v1: APIConnectionError: Connection error\.: fix it and run the same command again \(a submitted job is resumed, not sent twice\)"),
    Case("generate-out-holds-a-crawl", lambda c: ["generate", "--llm", "qwen2-7b", "--base-url", c.llm, "--songs",
                                                  str(c.write("s.csv", "title,artist\na,b\n")), "--out", str(crawl_out(c))],
         r"--out .*crawl holds the results of crossmusim crawl \(songs\.jsonl\): choose another --out", keep=["crawl/songs.jsonl"]),
    Case("generate-ground-missing", lambda c: generate_args(c, c.write("s.csv", "title,artist\na,b\n"), "--ground", str(c.root / "crawl")),
         r"--ground .*crawl: no songs\.jsonl there: give a crawl's output folder \(crossmusim crawl --out\)"),
    Case("generate-ground-not-a-crawl", lambda c: generate_args(c, c.write("s.csv", "title,artist\na,b\n"), "--ground", str(c.write("songs.jsonl", '{"title": "a", "artist": "b"}\n'))),
         r".*songs\.jsonl:1: not a crawl record .*--ground takes crawl output.*"),
    Case("generate-zero-concurrency", lambda c: generate_args(c, c.write("s.csv", "title,artist\na,b\n"), "--concurrency", "0"),
         r"crossmusim generate: Invalid value for '--concurrency'.*greater than or equal to 1 \(see --help\)", exit_code=2),
    # -- aspects --------------------------------------------------------------------------------------
    Case("aspects-missing-input", lambda c: ["aspects", "--in", str(c.root / "d.jsonl"), "--out", str(c.root / "a")],
         r".*d\.jsonl: input file not found"),
    Case("aspects-empty-input", lambda c: ["aspects", "--in", str(c.write("d.jsonl", "")), "--out", str(c.root / "a")],
         r".*d\.jsonl has no texts: give descriptions, crawled songs with review or background, or id\+text rows"),
    Case("aspects-input-is-a-folder", lambda c: ["aspects", "--in", str(c.folder("d")), "--out", str(c.root / "a")],
         r".*d is a folder: give a file \(descriptions\.jsonl, songs\.jsonl, or id\+text rows\)"),
    Case("aspects-input-not-text", lambda c: ["aspects", "--in", str(c.write("d.csv", GARBAGE)), "--out", str(c.root / "a")],
         r".*d\.csv: is not UTF-8, GB18030 or Big5 text \(save it as UTF-8\)"),
    Case("aspects-wrong-rows", lambda c: ["aspects", "--in", str(c.write("d.jsonl", jsonl({"name": "x"}))), "--out", str(c.root / "a")],
         r".*d\.jsonl:1: not a description, a crawled song or an id\+text row \(give crossmusim's descriptions\.jsonl or songs\.jsonl, or rows with id and text\)"),
    Case("aspects-malformed-line", lambda c: ["aspects", "--in", str(c.write("d.jsonl", jsonl(DESCRIPTION) + "{oops\n" + jsonl(DESCRIPTION))), "--out", str(c.root / "a")],
         r".*d\.jsonl:2: not valid JSON .*\(fix or delete that line\)"),
    Case("aspects-unknown-extractor", lambda c: ["aspects", "--in", str(c.write("d.jsonl", jsonl(DESCRIPTION))), "--out", str(c.root / "a"), "--extractor", "magic"],
         r"--extractor 'magic': choose lexicon or llm"),
    Case("aspects-unknown-model", lambda c: ["aspects", "--in", str(c.write("d.jsonl", jsonl(DESCRIPTION))), "--out", str(c.root / "a"), "--llm", "gpt-9"],
         r"unknown model 'gpt-9': choose one of .*"),
    Case("aspects-out-holds-generate", lambda c: ["aspects", "--in", str(c.write("d.jsonl", jsonl(DESCRIPTION))), "--out", str(c.folder("g"))]
         if c.write("g/descriptions.jsonl", jsonl(DESCRIPTION)) else [],
         r"--out .*g holds the results of crossmusim generate \(descriptions\.jsonl\): choose another --out", keep=["g/descriptions.jsonl"]),
    # -- build-dataset --------------------------------------------------------------------------------
    Case("build-no-text-source", lambda c: build_args(c, "--audio", str(manifest(c))),
         r"no text source: give --crawl, --generated, --aspects or --open NAME=FILE"),
    Case("build-missing-crawl", lambda c: build_args(c, "--crawl", str(c.root / "nope"), "--audio", str(manifest(c))),
         r".*nope: input not found"),
    Case("build-missing-audio", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(c.root / "m.csv")),
         r".*m\.csv: audio manifest or folder not found"),
    Case("build-audio-not-audio", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c, "fake.wav", real=False))),
         r"no dataset written: 1 text dropped: audio unusable \(fake\.wav: not an audio file\): fix the audio manifest or folder \(--audio\)",
         keep=["crawl/songs.jsonl"]),
    Case("build-manifest-not-text", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(c.write("m.csv", GARBAGE))),
         r".*m\.csv: is not UTF-8, GB18030 or Big5 text \(save it as UTF-8\)"),
    Case("build-unknown-engine", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c)), "--engine", "spark"),
         r"--engine 'spark': choose local or ray", keep=["crawl/songs.jsonl"]),
    Case("build-ray-address-without-ray", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c)),
                                                               "--ray-address", "127.0.0.1:9"),
         r"--ray-address needs --engine ray", keep=["crawl/songs.jsonl"]),
    Case("build-ray-unreachable", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c)),
                                                       "--engine", "ray", "--ray-address", "127.0.0.1:9"),
         r"--ray-address 127\.0\.0\.1:9: nothing answers there \(.*\): start the cluster \(ray start --head\) or fix the address",
         keep=["crawl/songs.jsonl"]),
    Case("build-bad-split-shares", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c)), "--split-shares", "1,1,1"),
         r"--split-shares '1,1,1': give three shares of train,validation,test that sum to 1, e\.g\. 0\.8,0\.1,0\.1"),
    Case("build-unknown-dedup", lambda c: build_args(c, "--crawl", str(crawl_out(c)), "--audio", str(manifest(c)), "--dedup", "fuzzy"),
         r"--dedup 'fuzzy': choose near, exact or off"),
    Case("build-out-holds-a-crawl", lambda c: ["build-dataset", "--out", str(crawl_out(c, "other")), "--crawl", str(crawl_out(c)), "--audio", str(manifest(c))],
         r"--out .*other holds the results of crossmusim crawl \(songs\.jsonl\): choose another --out",
         keep=["other/songs.jsonl", "crawl/songs.jsonl"]),
    Case("build-read-only-out", lambda c: ["build-dataset", "--out", str(c.folder("ro") / "ds"), "--crawl", str(crawl_out(c)), "--audio", str(manifest(c))],
         r"cannot write .*ro.* \(Operation not permitted\): choose another --out or fix it", readonly="ro"),
    Case("build-pairs-missing-column", lambda c: build_args(c, "--open", f"pairs={pairs_file(c, header='audio,title,artist,text')}"),
         r".*pairs\.csv: a pairs file needs the columns audio, text, type: type missing \(add them; title, artist, language, id are optional\)"),
    Case("build-pairs-duplicate-ids", lambda c: build_args(c, "--open", f"pairs={duplicate_ids(c)}"),
         r".*pairs\.csv:3: id 'x1' is already line 2's, for .*a\.wav \(give every audio file its own id; nothing was built\)"),
    Case("build-tags-unknown-format", lambda c: build_args(c, "--open", f"pairs={pairs_file(c)}", "--tags", str(c.write("t.csv", "name,genre\na,rock\nb,pop\n"))),
         r"--tags .*t\.csv: 2 of its 2 rows are not tags; it reads id,level,tag rows \(id may be song_id, or title\+artist\), a 4Q metadata\.csv, an MTG-Jamendo TSV, a MusicCaps CSV or a MuChin folder"),
    Case("build-pairs-audio-not-there", lambda c: build_args(c, "--open", f"pairs={pairs_file(c, 'nope.wav')}"),
         r".*pairs\.csv:2: audio/nope\.wav does not exist: fix the audio paths \(relative ones are read from .*\)"),
    Case("build-pairs-unknown-type", lambda c: build_args(c, "--open", f"pairs={pairs_file(c, text_type='aspect')}"),
         r".*pairs\.csv:2: type 'aspect' is not one of caption, aspects, lyrics \(fix the type column; nothing was built\)"),
    Case("build-tags-unknown-ids", lambda c: build_args(c, "--open", f"pairs={pairs_file(c)}", "--tags", str(c.write("t.csv", "song_id,level,tag\nzz,coarse,x\n"))),
         r"--tags .*t\.csv: none of its 1 songs is in the dataset \(e\.g\. 'zz'\): name songs by the id of their source \(a pairs file's id column\) or by title and artist"),
    # -- train ----------------------------------------------------------------------------------------
    Case("train-missing-dataset", lambda c: train_args(c, c.root / "nope"),
         r"--dataset .*nope: no such folder \(run crossmusim build-dataset first\)"),
    Case("train-not-a-dataset", lambda c: train_args(c, crawl_out(c)),
         r".*crawl: not a built dataset \(no pairs/ and songs/\): run crossmusim build-dataset first"),
    Case("train-no-usable-audio", lambda c: train_args(c, built_dataset(c, audio=False)),
         r".*ds: the train split has no caption/aspects/lyrics text with usable audio \(3 songs skipped: see .*data-report\.json\)"),
    Case("train-empty-train-split", lambda c: train_args(c, built_dataset(c, splits=("validation",))),
         r".*ds: the train split has no caption/aspects/lyrics text with usable audio \(0 songs skipped: see .*\)"),
    Case("train-unknown-text-type", lambda c: train_args(c, built_dataset(c), "--text-types", "caption,melody"),
         r"--text-types 'caption,melody': choose from caption, aspects, lyrics"),
    Case("train-audio-checkpoint-other-size", lambda c: train_args(c, built_dataset(c), "--audio-checkpoint", str(mtt_checkpoint(c))),
         r".*teacher\.ckpt: frame_proj\.weight is \(256, 2048\), this MTTSize\(conv=8.*pick the checkpoint's size with --audio-encoder mtt-SIZE"),
    Case("train-audio-checkpoint-not-one", lambda c: train_args(c, built_dataset(c), "--audio-encoder", "musicnn-msd",
                                                                "--audio-checkpoint", str(c.write("m.index", GARBAGE))[:-6]),
         r".*m\.index: not a TensorFlow checkpoint index \(bad table magic\)"),
    Case("train-unknown-audio-encoder", lambda c: train_args(c, built_dataset(c), "--audio-encoder", "vggish"),
         r"--audio-encoder 'vggish': choose musicnn-msd, musicnn-mtt, mtt\[-paper\|-small\|-tiny\], a transformers model folder"),
    Case("train-audio-encoder-folder-not-a-model", lambda c: train_args(c, built_dataset(c), "--audio-encoder", str(c.folder("empty-model"))),
         r"--audio-encoder .*empty-model: a folder without config\.json is not a transformers model folder"),
    Case("train-use-cannot-fine-tune", lambda c: train_args(c, built_dataset(c), "--text-encoder", "use-multilingual", "--freeze", "audio"),
         r"use-multilingual has no gradients and is always frozen: add text to --freeze, or fine-tune a sentence-transformers model \(--text-encoder NAME_OR_PATH\)"),
    Case("train-unknown-config-field", lambda c: train_args(c, built_dataset(c), "--config", str(c.write("c.toml", "[train]\nepoch = 3\n"))),
         r".*c\.toml\.train: unknown field 'epoch' \(known: .*\)"),
    Case("train-resume-without-a-run", lambda c: train_args(c, built_dataset(c), "--resume"),
         r".*run: no checkpoint to resume from \(run without --resume to start\)"),
    Case("train-run-exists-needs-resume", lambda c: train_args(c, built_dataset(c)) if c.write("run/checkpoints/epoch-0001.pt", "x") else [],
         r".*run: holds a training run: add --resume to continue it, or choose another --out", keep=["run/checkpoints/epoch-0001.pt"]),
    Case("train-resume-with-another-batch-size", lambda c: train_args(c, built_dataset(c), "--resume", "--batch-size", "4") if tiny_run(c) else [],
         r".*run: --resume continues the same training, but train\.batch_size was 8 and is now 4: resume with the run's settings \(only --epochs may change\), or train into another --out",
         exit_code=2, keep=["run/config.json", "run/checkpoints/epoch-0001.pt"]),
    Case("train-out-holds-a-crawl", lambda c: ["train", "--dataset", str(built_dataset(c)), "--out", str(crawl_out(c, "other"))],
         r"--out .*other holds the results of crossmusim crawl \(songs\.jsonl\): choose another --out", keep=["other/songs.jsonl"]),
    Case("train-no-cuda", lambda c: train_args(c, built_dataset(c), "--device", "cuda"),
         r"--device cuda: no CUDA GPU is visible to torch here; use --device cpu"),
    Case("train-zero-epochs", lambda c: train_args(c, c.root / "ds", "--epochs", "0"),
         r"crossmusim train: Invalid value for '--epochs'.*greater than or equal to 1 \(see --help\)", exit_code=2),
    # -- embed ----------------------------------------------------------------------------------------
    Case("embed-no-system", lambda c: ["embed", "--dataset", str(built_dataset(c)), "--out", str(c.root / "e.npz")],
         r"give --model RUN_DIR or --baseline NAME \(untrained and probe take both\)"),
    Case("embed-no-source", lambda c: ["embed", "--baseline", "random", "--out", str(c.root / "e.npz")],
         r"give --dataset DIR or --audio MANIFEST\|FOLDER"),
    Case("embed-no-cuda", lambda c: ["embed", "--baseline", "random", "--audio", str(manifest(c)), "--out", str(c.root / "e.npz"),
                                      "--device", "cuda"],
         r"--device cuda: no CUDA GPU is visible to torch here; use --device cpu"),
    Case("embed-unknown-device", lambda c: ["embed", "--baseline", "random", "--audio", str(manifest(c)), "--out", str(c.root / "e.npz"),
                                            "--device", "tpu"],
         r"--device 'tpu': choose cpu, cuda or cuda:N"),
    Case("embed-bad-suffix", lambda c: ["embed", "--baseline", "random", "--dataset", str(built_dataset(c)), "--out", str(c.root / "e.txt")],
         r"--out .*e\.txt: write embeddings as \.npz or \.parquet"),
    Case("embed-unknown-baseline", lambda c: ["embed", "--baseline", "vggish", "--dataset", str(built_dataset(c)), "--out", str(c.root / "e.npz")],
         r"--baseline 'vggish': no such baseline; choose random, untrained, musicnn, musicnn-std, probe, dsp"),
    Case("embed-untrained-needs-a-run", lambda c: ["embed", "--baseline", "untrained", "--dataset", str(built_dataset(c)), "--out", str(c.root / "e.npz")],
         r"--baseline untrained needs --model RUN_DIR: the run whose model before training it is"),
    Case("embed-probe-needs-a-training-split", lambda c: ["embed", "--baseline", "probe", "--audio", str(manifest(c)), "--out", str(c.root / "e.npz")],
         r"--baseline probe is trained on a training split's tags: give --dataset DIR \(an audio pool or a tags file has none\)"),
    Case("embed-probe-without-tags", lambda c: ["embed", "--baseline", "probe", "--dataset", str(built_dataset(c, splits=("train", "test"))), "--out", str(c.root / "e.npz")],
         r"--baseline probe: the training split has no tags to learn \(build it with --tags\)"),
    Case("embed-missing-split", lambda c: ["embed", "--baseline", "random", "--dataset", str(built_dataset(c)), "--out", str(c.root / "e.npz")],
         r".*ds: no 'test' split \(it has train\)"),
    Case("embed-model-is-not-a-run", lambda c: ["embed", "--model", str(c.folder("run")), "--dataset", str(built_dataset(c)), "--split", "train", "--out", str(c.root / "e.npz")],
         r"--model .*run: no trained model there \(a train run folder, its model/ folder, or hf://user/name\)"),
    Case("embed-model-does-not-exist", lambda c: ["embed", "--model", "runs/nope", "--dataset", str(built_dataset(c)), "--split", "train", "--out", str(c.root / "e.npz")],
         r"no such model folder: runs/nope \(a Hub model is hf://user/name\)"),
    Case("embed-model-bad-hub-id", lambda c: ["embed", "--model", "hf://nope", "--dataset", str(built_dataset(c)), "--split", "train", "--out", str(c.root / "e.npz")],
         r"hf:/+nope: a Hub model is hf://user/name or hf://user/name@revision"),
    # -- evaluate -------------------------------------------------------------------------------------
    Case("evaluate-bad-bootstrap-unit", lambda c: ["evaluate", "--baseline", "random", "--dataset", str(built_dataset(c)), "--bootstrap-unit", "album", "--out", str(c.root / "rep")],
         r"--bootstrap-unit 'album': one of artist, song, query"),
    Case("evaluate-too-few-draws", lambda c: ["evaluate", "--baseline", "random", "--dataset", str(built_dataset(c)), "--draws", "10", "--out", str(c.root / "rep")],
         r"--draws 10: at least 100 draws make a 95% interval"),
    Case("evaluate-std-from-missing", lambda c: ["evaluate", "--baseline", "dsp", "--audio", str(manifest(c)), "--tags", str(c.write("t.csv", "id,level,tag\na,coarse,x\n")),
                                                 "--std-from", str(c.root / "nope"), "--out", str(c.root / "rep")],
         r"--std-from .*nope: no such dataset, manifest or folder"),
    Case("evaluate-no-system", lambda c: ["evaluate", "--dataset", str(built_dataset(c)), "--out", str(c.root / "rep")],
         r"give at least one system: --model RUN_DIR, --baseline NAME or --embeddings FILE"),
    Case("evaluate-text-embeddings-without-audio", lambda c: ["evaluate", "--baseline", "random", "--text-embeddings", str(c.write("t.npz", b"x")),
                                                              "--dataset", str(built_dataset(c)), "--out", str(c.root / "rep")],
         r"1 --text-embeddings for 0 --embeddings: each text file is the text side of the --embeddings file in the same position"),
    Case("evaluate-no-tracks", lambda c: ["evaluate", "--baseline", "random", "--out", str(c.root / "rep")],
         r"give --dataset DIR \(songs and their tags\) or --tags FILE \(with --embeddings\)"),
    Case("evaluate-bad-template", lambda c: ["evaluate", "--baseline", "random", "--dataset", str(built_dataset(c)), "--t2m-template", "a song", "--out", str(c.root / "rep")],
         r"--t2m-template 'a song': must contain \{tag\}"),
    Case("evaluate-embeddings-without-arrays", lambda c: ["evaluate", "--embeddings", str(bad_npz(c)), "--tags", str(c.write("t.csv", "id,level,tag\na,coarse,x\n")), "--out", str(c.root / "rep")],
         r".*e\.npz: an \.npz of embeddings needs arrays 'ids' and 'embeddings'"),
    Case("evaluate-probe-on-a-tags-file", lambda c: ["evaluate", "--baseline", "probe", "--tags", str(c.write("t.csv", "id,level,tag\na,coarse,x\n")), "--out", str(c.root / "rep")],
         r"--baseline probe is trained on a training split's tags: give --dataset DIR \(an audio pool or a tags file has none\)"),
    Case("evaluate-tags-baseline-without-audio", lambda c: ["evaluate", "--baseline", "random", "--tags", str(c.write("t.csv", "id,level,tag\na,coarse,x\n")), "--out", str(c.root / "rep")],
         r"--tags with --model or --baseline needs --audio MANIFEST\|FOLDER: the tracks to embed"),
    Case("evaluate-tags-unknown-ids", lambda c: ["evaluate", "--baseline", "random", "--tags", str(c.write("t.csv", "id,level,tag\nzz,coarse,x\n")),
                                                 "--audio", str(tone(c, "audio/a.wav").parent), "--out", str(c.root / "rep")],
         r"--tags .*t\.csv: none of its 1 ids names a track of --audio .*audio \(e\.g\. 'zz' and 'a'\): ids are the manifest's id column, else the file name without extension"),
    Case("evaluate-bad-tag-row", lambda c: ["evaluate", "--embeddings", str(bad_npz(c)), "--tags", str(c.write("t.csv", "id,level,tag\na,medium,x\n")), "--out", str(c.root / "rep")],
         r".*t\.csv:2: needs id, level \(coarse\|fine\) and tag"),
    Case("evaluate-queries-match-nothing", lambda c: ["evaluate", "--embeddings", str(good_npz(c)), "--tags", str(c.write("t.csv", "id,level,tag\na,coarse,x\nb,coarse,x\n")),
                                                      "--queries", str(c.write("q.csv", "id,text\nyt1,a calm song\nyt2,a loud song\n")), "--out", str(c.root / "rep")],
         r"--queries .*q\.csv: none of its 2 queries names a track of the pool \(e\.g\. 'yt1', 'yt2'; the pool's ids are like 'a', 'b'\): name tracks by their song_id \(a pairs file's id\)"),
    # -- listen -------------------------------------------------------------------------------------
    Case("listen-missing-study", lambda c: ["listen", "report", str(c.root / "nope"), "--out", str(c.root / "rep")],
         r".*nope: not a listening study \(no study\.sqlite; make one with crossmusim listen create\)"),
    Case("listen-serve-missing-study", lambda c: ["listen", "serve", str(c.folder("empty"))],
         r".*empty: not a listening study \(no study\.sqlite; make one with crossmusim listen create\)"),
    Case("listen-bad-criteria", lambda c: ["listen", "create", "--out", str(c.root / "s"), "--baseline", "random", "--dataset", str(built_dataset(c)), "--criteria", "musical,,Overall"],
         r"--criteria 'musical,,Overall': give one to five distinct lower-case names, e\.g\. musical,acoustic,overall"),
    Case("listen-more-queries-than-songs", lambda c: ["listen", "create", "--out", str(c.root / "s"), "--baseline", "random", "--dataset", str(built_dataset(c)), "--split", "train", "--queries", "5"],
         r"--queries 5: the pool holds 3 songs \(ask for at most 2\)"),
    Case("listen-no-system", lambda c: ["listen", "create", "--out", str(c.root / "s"), "--dataset", str(built_dataset(c))],
         r"give the systems to compare: --model RUN_DIR and/or --baseline NAME"),
    # -- serve and ab-report ------------------------------------------------------------------------
    Case("serve-missing-index", lambda c: ["serve", "--index", str(c.root / "nope"), "--events", str(c.root / "e.sqlite")],
         r"--index .*nope: not a crossmusim index \(run crossmusim index first\)"),
    Case("serve-bad-split", lambda c: ["serve", "--arm", "a=x", "--arm", "b=y", "--split", "50,abc"],
         r"--split '50,abc': give 2 positive shares, one per arm, e\.g\. 50,50"),
    Case("serve-one-arm", lambda c: ["serve", "--arm", "a=x"],
         r"--arm: an A/B test needs two or more arms with distinct names \(got a\)"),
    Case("serve-bad-events-url", lambda c: ["serve", "--index", "x", "--events", "mysql://db/events"],
         r"--events mysql://db/events: give sqlite:///PATH, a file path or postgresql://USER@HOST:PORT/DB"),
    Case("serve-events-unreachable", lambda c: ["serve", "--index", str(index_folder(c)), "--events", "postgresql://me:pw@127.0.0.1:9/events"],
         r"--events postgresql://me:\*\*\*@127\.0\.0\.1:9/events: cannot connect to PostgreSQL \(.*\)"),
    Case("ab-report-missing-store", lambda c: ["ab-report", "--events", str(c.root / "nope.sqlite"), "--out", str(c.root / "r")],
         r"--events .*nope\.sqlite: no such events store"),
    Case("ab-report-empty-store", lambda c: ["ab-report", "--events", str(empty_events(c)), "--out", str(c.root / "r")],
         r"--events .*e\.sqlite: the store holds no requests and no events yet"),
    Case("ab-report-foreign-store", lambda c: ["ab-report", "--events", str(listen_study(c) / "study.sqlite"), "--out", str(c.root / "r")],
         r"--events .*study\.sqlite: not an events store of crossmusim serve \(no requests and events tables\)"),
    Case("ab-report-not-sqlite", lambda c: ["ab-report", "--events", str(c.write("e.sqlite", GARBAGE)), "--out", str(c.root / "r")],
         r"--events .*e\.sqlite: not an events store \(not a SQLite database\)"),
    # -- index and search -----------------------------------------------------------------------------
    Case("index-missing-embeddings", lambda c: ["index", "--embeddings", str(c.root / "e.npz"), "--out", str(c.root / "idx")],
         r".*e\.npz: no such embeddings file"),
    Case("index-unknown-kind", lambda c: ["index", "--embeddings", str(good_npz(c)), "--out", str(c.root / "idx"), "--kind", "ivf"],
         r"--kind 'ivf': choose flat or hnsw"),
    Case("index-out-holds-other-files", lambda c: ["index", "--embeddings", str(good_npz(c)), "--out", str(c.folder("docs")) if c.write("docs/notes.txt", "mine") else ""],
         r"--out .*docs holds other files: an index replaces its folder, choose another --out", keep=["docs/notes.txt"]),
    Case("search-not-an-index", lambda c: ["search", "--index", str(c.folder("idx")), "--id", "a"],
         r"--index .*idx: not a crossmusim index \(run crossmusim index first\)"),
    Case("search-no-query", lambda c: ["search", "--index", str(c.folder("idx"))],
         r"give one query: --audio FILE, --text \"\.\.\.\" or --id ID"),
    # -- experiment -----------------------------------------------------------------------------------
    Case("experiment-missing-file", lambda c: ["experiment", str(c.root / "nope.toml")],
         r".*nope\.toml: no such config file"),
    Case("experiment-not-toml", lambda c: ["experiment", str(c.write("e.toml", "out = [unclosed"))],
         r".*e\.toml: not valid TOML \(.*\)"),
    Case("experiment-unknown-key", lambda c: ["experiment", str(c.write("e.toml", 'out = "x"\nseed = 3\n'))],
         r".*e\.toml: seed unknown \(the keys are ablations, .*\)"),
    Case("experiment-no-text-source", lambda c: ["experiment", str(c.write("e.toml", 'out = "x"\n[dataset]\ntags = "t.csv"\n'))],
         r".*e\.toml: \[dataset\] has no text source: give open, crawl, generated or aspects \(or path\)"),
    Case("build-4q-folder-without-metadata", lambda c: build_args(c, "--open", f"4q={c.folder('q')}"),
         r"--open 4q=.*q: no metadata\.csv there \(give the 4Q dataset's folder\)"),
    # -- songs ----------------------------------------------------------------------------------------
    Case("songs-no-title-column", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--chart",
                                             str(c.write("albums.csv", "Album,Artist\nHelp!,The Beatles\n"))],
         r".*albums\.csv: no title column \(columns: Album\); name them e\.g\. title/song/track/歌名 .*"),
    Case("songs-no-artist-column", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--chart",
                                              str(c.write("c.tsv", "排名\t歌名\n1\t晴天\n"))],
         r".*c\.tsv: no artist column \(columns: none\); name them .*artist/performer/歌手"),
    Case("songs-page-without-chart", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--chart",
                                                str(c.write("empty.html", "<html><body><p>soon</p></body></html>"))],
         r".*empty\.html: no table at all, so none with a title and an artist column .*save the page as your browser shows it.*"),
    Case("songs-robots-forbid", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--delay", "0", "--chart",
                                           c.site + "/usercenter/charts"],
         r"--chart http://127\.0\.0\.1:\d+/usercenter/charts: forbidden by robots\.txt; crossmusim obeys it: give a saved copy .*"),
    Case("songs-url-404", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--delay", "0", "--chart",
                                     c.site + "/charts/none"],
         r"--chart http://127\.0\.0\.1:\d+/charts/none: the server answered HTTP 404; check the URL.*"),
    Case("songs-url-unreachable", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--timeout", "2",
                                             "--retry-backoff", "0.05", "--delay", "0", "--chart", UNREACHABLE + "/chart"],
         r"--chart http://127\.0\.0\.1:9/chart: .*(refused|Connection).*; check the URL.*"),
    Case("songs-unknown-file-kind", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--chart",
                                               str(c.write("chart.txt", "a chart"))],
         r"--chart .*chart\.txt: unknown kind of file \.txt: give one of \.csv, .*\.html.*"),
    Case("songs-missing-chart", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--chart", str(c.root / "no.csv")],
         r"--chart .*no\.csv: no such file \(give a table file, a saved HTML page or an http\(s\) URL\)"),
    Case("songs-out-not-csv", lambda c: ["songs", "--out", str(c.root / "s.jsonl"), "--chart",
                                         str(c.write("c.csv", "title,artist\nA,B\n"))],
         r"--out .*s\.jsonl: the song list is a \.csv file \(what generate --songs reads\)"),
    Case("songs-empty-artists", lambda c: ["songs", "--out", str(c.root / "s.csv"), "--artists",
                                           str(c.write("a.txt", "# none yet\n\n"))],
         r"--artists .*a\.txt: no artist names in it \(one artist name a line\)"),
    Case("songs-nothing-given", lambda c: ["songs", "--out", str(c.root / "s.csv")],
         r"give at least one --chart \(a table file, an HTML page or a URL\) or --artists FILE"),
    # -- demo -----------------------------------------------------------------------------------------
    Case("demo-too-few-songs", lambda c: ["demo", "--out", str(c.root / "d"), "--songs", "10"],
         r"crossmusim demo: Invalid value for '--songs'.*greater than or equal to 40 \(see --help\)", exit_code=2),
    Case("demo-out-is-a-file", lambda c: ["demo", "--out", str(c.write("d", "mine"))],
         r"crossmusim demo: Invalid value for '--out' / '-o': dir '.*/d' is a file\. \(see --help\)", exit_code=2, keep=["d"]),
    Case("demo-read-only-out", lambda c: ["demo", "--out", str(c.root / "ro" / "d"), "--songs", "40"],
         r"cannot write .*ro.* \(Operation not permitted\): choose another --out or fix it", readonly="ro"),
]  # fmt: skip


def bad_npz(ctx: Ctx) -> Path:
    path = ctx.root / "e.npz"
    np.savez(path, vectors=np.zeros((2, 2)))
    return path


def good_npz(ctx: Ctx) -> Path:
    path = ctx.root / "e.npz"
    np.savez(path, ids=np.array(["a", "b"]), embeddings=np.eye(2, dtype=np.float32))
    return path


def mtt_checkpoint(ctx: Ctx) -> Path:
    """A checkpoint of the original Music Tagging Transformer release at its paper size (names only matter)."""
    import torch

    path = ctx.root / "teacher.ckpt"
    torch.save({"teacher.frontend.fc.weight": torch.zeros(256, 2048)}, path)
    return path
