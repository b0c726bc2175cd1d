"""`crossmusim demo`: the whole method on the embedded world, through the commands a user runs.

1. world: render the labelled world (cached by seed and size), write its catalogue, tags and queries;
2. crawl: serve the world's encyclopedia on loopback and crawl it (`crossmusim crawl`, in a process of
   its own: Scrapy's reactor runs once per process);
3. generate: describe the catalogue with the LLM stand-in on loopback (`crossmusim generate`);
4. aspects: keywords from the descriptions and from the pages (`crossmusim aspects`, lexicon);
5. per split seed: build-dataset, train on captions, on aspects and on both; the best text types by
   validation (every run selected on the same validation metric) trained again on an unmasked build of
   the same split; then one evaluate call per seed scores the four models and the baselines (random,
   DSP, musicnn as it is, musicnn-std, untrained, probe) on the same test songs;
6. index the first seed's test songs and search them by text and by song.

Every command runs in this process through the CLI (the `invoke` the CLI hands in: this package does
not import the CLI), its output kept in `logs/<stage>.log`; the counts shown are read back from the
files each command writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crossmusim.demo.llm_standin import MODEL, StandInRates, WorldLLM
from crossmusim.demo.site import LocalSite
from crossmusim.demo.world.build import WorldFiles, build_world
from crossmusim.demo.world.pages import PageRates, world_site
from crossmusim.errors import UserError
from crossmusim.experiment.table import gain_rows, markdown, summary_rows
from crossmusim.io import atomic_write_json, atomic_write_text

TEXT_RUNS = {"captions": "caption", "aspects": "aspects", "both": "caption,aspects"}
BASELINES = ("random", "dsp", "musicnn", "musicnn-std", "untrained", "probe")
REFERENCE = "musicnn-std"  # the strongest fair audio-only baseline
SPLIT_SHARES = "0.6,0.2,0.2"  # about 29 training artists of 48: never fewer than ~24 (issue 12)


@dataclass
class DemoConfig:
    out: Path
    songs: int = 480
    seed: int = 0
    seeds: int = 3  # split seeds: seed, seed+1, ...; gains are paired by seed
    seconds: float = 10.0
    workers: int = 2
    keep_servers: bool = False
    page_rates: PageRates = field(default_factory=PageRates)
    llm_rates: StandInRates = field(default_factory=StandInRates)


@dataclass
class Stage:
    name: str
    records_in: int
    records_out: int
    dropped: dict[str, int]
    seconds: float
    note: str = ""

    def line(self) -> str:
        drops = ", ".join(f"{k} {v}" for k, v in self.dropped.items() if v) or "none"
        note = f"; {self.note}" if self.note else ""
        return (
            f"{self.name:<26} {self.records_in:>6} in  {self.records_out:>6} out  {self.seconds:7.1f} s  "
            f"dropped: {drops}{note}"
        )


class DemoRun:
    def __init__(
        self, config: DemoConfig, invoke: Callable[[list[str]], None], echo: Callable[[str], None] = print
    ) -> None:
        self.config = config
        self.invoke = invoke  # runs one crossmusim command line in this process
        self.echo = echo
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.root = config.out / "runs" / f"{stamp}-seed{config.seed}-songs{config.songs}"
        if self.root.exists():
            raise UserError(f"{self.root} exists already: wait a second and run the demo again")
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True)
        self.cache = config.out / "cache"  # decoded audio, frozen features: shared by runs of this folder
        self.stages: list[Stage] = []

    # -- plumbing -----------------------------------------------------------------------------------
    def command(self, stage: str, *args: str) -> str:
        """Run one crossmusim command in this process; its output and logging go to logs/<stage>.log
        (and its standard output is also returned)."""
        printed = io.StringIO()
        with (self.logs / f"{stage}.log").open("a", encoding="utf-8") as log, _logging_to(log):
            log.write(f"$ crossmusim {' '.join(args)}\n")
            log.flush()
            try:
                with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(log):
                    self.invoke(list(args))
            except SystemExit as exc:  # a command that ends with an exit code (budget, interruption)
                if exc.code not in (None, 0):
                    raise UserError(f"crossmusim {args[0]} exited with {exc.code}: see {log.name}") from exc
            finally:
                log.write(printed.getvalue())
        return printed.getvalue()

    def stage(self, stage: Stage) -> Stage:
        self.stages.append(stage)
        self.echo(stage.line())
        return stage

    # -- the stages ---------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        cfg = self.config
        self.echo(f"demo: the method on a synthetic world of about {cfg.songs} songs (seed {cfg.seed}), in {self.root}")
        world = self.world()
        site, llm = self.servers(world)
        self.servers_kept = (site, llm)
        try:
            self.crawl(world, site)
            self.generate(world, llm)
            if cfg.keep_servers:
                self.echo(f"servers kept: the encyclopedia at {site.url}, the LLM stand-in at {llm.base_url}")
        finally:
            if not cfg.keep_servers:
                site.stop()
                llm.stop()
        self.aspects(world)
        per_seed, best = self.seeds(world)
        search = self.search(world, per_seed[0]["dataset"], per_seed[0]["runs"][best])
        return self.report(per_seed, best, search)

    def wait_for_interrupt(self) -> None:
        """With --keep-servers: serve the site and the stand-in until Ctrl-C."""
        site, llm = self.servers_kept
        self.echo(f"serving the encyclopedia at {site.url} and the LLM stand-in at {llm.base_url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            site.stop()
            llm.stop()

    def world(self) -> WorldFiles:
        start = time.monotonic()
        cfg = self.config
        world = build_world(cfg.out, cfg.songs, cfg.seed, seconds=cfg.seconds, workers=cfg.workers)
        cached = len(world.songs) - world.rendered
        self.stage(Stage("world", len(world.songs), len(world.songs), {}, time.monotonic() - start,
                         f"{world.rendered} clips rendered, {cached} cached in {world.root}"))  # fmt: skip
        return world

    def servers(self, world: WorldFiles) -> tuple[LocalSite, WorldLLM]:
        spec, self.page_kinds = world_site(world.songs, self.config.seed, self.config.page_rates)
        site = LocalSite(spec)
        site.start()
        llm = WorldLLM(world.songs, seed=self.config.seed, rates=self.config.llm_rates)
        llm.start()
        return site, llm

    def crawl(self, world: WorldFiles, site: LocalSite) -> None:
        start = time.monotonic()
        out = self.root / "crawl"
        args = ["crawl", "--out", str(out), "--base-url", site.url, "--terms", str(world.terms), "--delay", "0",
                "--timeout", "10", "--retry-backoff", "0.2", "--block-backoff", "0.2",
                # Our own loopback server: no politeness needed, so four requests at a time, unthrottled.
                "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=4", "--set", "AUTOTHROTTLE_ENABLED=false"]  # fmt: skip
        with (self.logs / "crawl.log").open("w", encoding="utf-8") as log:
            log.write(f"$ crossmusim {' '.join(args)}\n")
            log.flush()
            proc = subprocess.run([sys.executable, "-m", "crossmusim", *args], stdout=log, stderr=subprocess.STDOUT,
                                  env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
        if proc.returncode != 0:
            raise UserError(f"the demo's crawl failed (exit {proc.returncode}): see {self.logs / 'crawl.log'}")
        stats = json.loads((out / "crawl-stats.json").read_text("utf-8"))
        pages = len(site.spec.entries)
        dropped = {**stats.get("skipped", {}), **stats.get("dropped", {})}
        reviews = _counts(Counter(k for k in self.page_kinds.values() if k != "none"))
        note = f"{pages} pages on the site (song reviews: {reviews}), {stats['blocked']} blocked"
        self.stage(Stage("crawl", stats["pages_fetched"], stats["items"], dropped, time.monotonic() - start, note))

    def generate(self, world: WorldFiles, llm: WorldLLM) -> None:
        start = time.monotonic()
        out = self.root / "generate"
        args = ["generate", "--llm", MODEL, "--provider", "openai-compatible", "--base-url", llm.base_url,
                "--songs", str(world.catalogue), "--out", str(out), "--concurrency", "8"]  # fmt: skip
        self.command("generate", *args)
        summary = json.loads((out / "generate-summary.json").read_text("utf-8"))
        dropped = {"abstained": summary["abstained"], "failed": summary["failed"]}
        note = f"{summary['requests_sent']} requests; the stand-in's answers: {_counts(Counter(llm.kinds.values()))}"
        self.stage(Stage("generate", summary["records"], summary["described"], dropped, time.monotonic() - start, note))

    def aspects(self, world: WorldFiles) -> None:
        for name, source in (
            ("aspects-llm", self.root / "generate" / "descriptions.jsonl"),
            ("aspects-pages", self.root / "crawl" / "songs.jsonl"),
        ):
            start = time.monotonic()
            out = self.root / name
            self.command(name, "aspects", "--in", str(source), "--out", str(out), "--extractor", "lexicon",
                         "--vocab", str(world.vocabulary))  # fmt: skip
            summary = json.loads((out / "aspects-summary.json").read_text("utf-8"))
            dropped = {"without_aspects": summary["without_aspects"], "failed": summary["failed"]}
            self.stage(Stage(name, summary["records"], summary["with_aspects"], dropped, time.monotonic() - start))

    def dataset(self, world: WorldFiles, seed: int, mask: bool, splits_from: Path | None = None) -> Path:
        start = time.monotonic()
        out = self.root / f"seed{seed}" / ("dataset" if mask else "dataset-unmasked")
        args = ["build-dataset", "--out", str(out), "--crawl", str(self.root / "crawl"),
                "--generated", str(self.root / "generate"), "--aspects", str(self.root / "aspects-llm"),
                "--aspects", str(self.root / "aspects-pages"), "--audio", str(world.manifest), "--tags",
                str(world.tags), "--link-audio", "--split-shares", SPLIT_SHARES, "--seed", str(seed),
                "--mask" if mask else "--no-mask"]  # fmt: skip
        args += ["--splits-from", str(splits_from)] if splits_from else []
        self.command(f"build-dataset-seed{seed}", *args)
        stats = json.loads((out / "stats.json").read_text("utf-8"))
        steps = stats["stats"]["by_step"]
        dropped = {k.removeprefix("dropped_"): v for step in steps.values() for k, v in step.items()
                   if k.startswith("dropped_")}  # fmt: skip
        rows = sum(stats["rows"].values())
        self.stage(Stage(f"build-dataset {seed}{'' if mask else ' unmasked'}", steps["read"]["kept"], rows, dropped,
                         time.monotonic() - start,
                         "rows " + ", ".join(f"{k} {v}" for k, v in stats["rows"].items())))  # fmt: skip
        return out

    def train(self, dataset: Path, seed: int, name: str, text_types: str) -> Path:
        start = time.monotonic()
        out = dataset.parent / name
        self.command(f"train-seed{seed}", "train", "--dataset", str(dataset), "--out", str(out), "--preset", "cpu",
                     "--text-types", text_types, "--seed", str(seed), "--cache-dir", str(self.cache))  # fmt: skip
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        report = json.loads((out / "data-report.json").read_text("utf-8"))
        texts, songs = report["texts"]["train"], report["songs"]["train"]
        self.stage(Stage(f"train {seed} {name}", texts, songs, {"songs_skipped": len(report["skipped"])},
                         time.monotonic() - start, f"texts in, songs out; best epoch {summary['best_epoch']} of "
                         f"{summary['epochs_run']}"))  # fmt: skip
        return out

    def evaluate(self, dataset: Path, seed: int, runs: list[Path]) -> dict:
        """Every model of the seed and every baseline in one call, on the masked build's test songs (the
        unmasked build keeps the same artists in the same splits, so none of them trained it)."""
        start = time.monotonic()
        out = dataset.parent / "evaluation"
        args = ["evaluate", "--out", str(out), "--dataset", str(dataset), "--cache-dir", str(self.cache),
                "--reference", REFERENCE]  # fmt: skip
        for run in runs:
            args += ["--model", str(run)]
        for baseline in BASELINES:
            args += ["--baseline", baseline]
        self.command(f"evaluate-seed{seed}", *args)
        metrics = json.loads((out / "metrics.json").read_text("utf-8"))
        self.stage(Stage(f"evaluate {seed}", metrics["tracks"], len(metrics["systems"]), {},
                         time.monotonic() - start, "systems scored on the test artists"))  # fmt: skip
        return metrics

    def seeds(self, world: WorldFiles) -> tuple[list[dict[str, Any]], str]:
        cfg = self.config
        per_seed = []
        for seed in range(cfg.seed, cfg.seed + cfg.seeds):
            dataset = self.dataset(world, seed, mask=True)
            runs = {name: self.train(dataset, seed, name, types) for name, types in TEXT_RUNS.items()}
            per_seed.append({"seed": seed, "dataset": dataset, "runs": runs})
        # Every run is selected on the same validation metric, so the text types compare fairly there.
        best = max(TEXT_RUNS, key=lambda name: sum(_validation(s["runs"][name]) for s in per_seed))
        for entry in per_seed:  # the masking ablation, for the best model by validation (never by test)
            seed = entry["seed"]
            unmasked = self.dataset(world, seed, mask=False, splits_from=entry["dataset"])
            entry["runs"][f"{best}-unmasked"] = self.train(unmasked, seed, f"{best}-unmasked", TEXT_RUNS[best])
            entry["metrics"] = self.evaluate(entry["dataset"], seed, list(entry["runs"].values()))
        return per_seed, best

    def search(self, world: WorldFiles, dataset: Path, run: Path) -> dict[str, list[dict[str, Any]]]:
        """Index the test songs with the best model; find songs by text and by a song."""
        start = time.monotonic()
        index, vectors = self.root / "index", self.root / "test-embeddings.npz"
        self.command("index", "embed", "--model", str(run), "--dataset", str(dataset), "--split", "test", "--out",
                     str(vectors), "--cache-dir", str(self.cache))  # fmt: skip
        self.command("index", "index", "--embeddings", str(vectors), "--out", str(index))
        labels = {(v["title"], v["artist"]): v for v in json.loads(world.labels.read_text("utf-8")).values()}
        items = (index / "items.jsonl").read_text("utf-8").splitlines()
        first = json.loads(items[0])["id"] if items else None
        queries = [["--text", text] for text in SEARCH_TEXTS] + ([["--id", first]] if first else [])
        found = {}
        for query in queries:
            hits = self._search(index, run, query)
            found[" ".join(query)] = [{**hit, **_label_line(labels.get((hit.get("title"), hit.get("artist")), {}))}
                                      for hit in hits]  # fmt: skip
        self.stage(Stage("index+search", len(queries), sum(len(h) for h in found.values()), {},
                         time.monotonic() - start, f"{len(queries)} queries"))  # fmt: skip
        return found

    def _search(self, index: Path, run: Path, query: list[str]) -> list[dict[str, Any]]:
        printed = self.command(
            "search", "search", "--index", str(index), "--model", str(run), "--top", "5", "--json", *query
        )
        return [json.loads(line) for line in printed.splitlines() if line.strip().startswith("{")]

    def report(self, per_seed: list[dict[str, Any]], best: str, found: dict[str, list[dict[str, Any]]]) -> dict:
        results = [entry["metrics"]["systems"] for entry in per_seed]
        names = list(results[0])
        summary = summary_rows(results, names)
        gains = gain_rows(results, [n for n in names if n != REFERENCE], REFERENCE)
        first = per_seed[0]["dataset"].parent
        pictures = sorted(p.name for p in (first / "evaluation").glob("*.png"))
        report = {
            "stages": [asdict(s) for s in self.stages],
            "seeds": [e["seed"] for e in per_seed],
            "best_text_types": best,
            "table": summary,
            "gains": gains,
            "search": found,
            "report_html": str(first / "evaluation" / "report.html"),
            "plots": [str(first / "evaluation" / p) for p in pictures],
        }
        atomic_write_json(self.root / "demo.json", report)
        atomic_write_text(self.root / "report.md", report_markdown(self, report))
        report["report_md"] = str(self.root / "report.md")
        return report


SEARCH_TEXTS = ("a calm bossa nova song", "tense, dark trap music")


def _label_line(labels: dict[str, Any]) -> dict[str, Any]:
    if not labels:
        return {}
    return {"labels": ", ".join([*labels.get("coarse", []), *labels.get("fine", [])])}


def report_markdown(run: DemoRun, report: dict[str, Any]) -> str:
    cfg = run.config
    lines = [
        "# crossmusim demo",
        "",
        f"A synthetic world of {cfg.songs} songs (seed {cfg.seed}), split seeds {report['seeds']}. The songs, their "
        "pages and the LLM that describes them are synthetic: the LLM is a stand-in answering from the labels, "
        "so these figures show text acting as weak label supervision, not what a real model's descriptions do.",
        "",
        "## Stages",
        "",
        "```",
        *[Stage(**s).line() for s in report["stages"]],
        "```",
        "",
        "## Evaluation on the test artists (percent, mean ± spread over seeds)",
        "",
        markdown(report["table"]),
        "",
        f"## Gains over {REFERENCE}, paired by seed (mean ± spread, wins/seeds; same artist: lower wins)",
        "",
        markdown(report["gains"]),
        "",
        f"The masking ablation trains the best text types by validation ({report['best_text_types']}) on the "
        "same splits without masking names (`-unmasked`), scored in the same evaluate call on the same test songs. "
        f"Baselines: `{REFERENCE}` (musicnn's features standardised with the training split's statistics) is the "
        "reference; `untrained` is the models' architecture before training; `probe` is their audio head trained "
        "as a tag classifier on the training split's tags (an upper bound for tag-like text).",
        "",
        "## Search (first seed's test songs, the best model)",
        "",
    ]
    for query, hits in report["search"].items():
        lines.append(f"- `{query}`:")
        lines += [f"  - {h.get('title')} / {h.get('artist')}: {h.get('labels', '?')} (score {h['score']:.3f})"
                  for h in hits]  # fmt: skip
    lines += ["", f"Per-seed reports with plots: {report['report_html']}", ""]
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items()))


@contextlib.contextmanager
def _logging_to(stream: io.TextIOBase):
    """Point crossmusim's terminal log handler at `stream` while inside (the demo prints its own lines)."""
    import logging

    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_crossmusim", False)]
    old = [h.setStream(stream) for h in handlers]  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for handler, previous in zip(handlers, old, strict=True):
            handler.setStream(previous)  # type: ignore[attr-defined]


def _validation(run: Path) -> float:
    best = json.loads((run / "summary.json").read_text("utf-8")).get("best") or {}
    values = [v for v in best.values() if isinstance(v, int | float)]
    return float(values[0]) if values else float("-inf")
