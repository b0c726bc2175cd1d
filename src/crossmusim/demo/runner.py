"""`crossmusim demo`: the whole method on the embedded world, through the commands a user runs.

1. world: render the labelled world (cached by seed and size), write its catalogue, tags and queries;
2. crawl: serve the world's encyclopedia on loopback and crawl it (`crossmusim crawl`, in a process of
   its own: Scrapy's reactor runs once per process);
3. generate: describe the catalogue with the LLM stand-in on loopback (`crossmusim generate`);
4. aspects: keywords from the descriptions and from the pages (`crossmusim aspects`, lexicon);
5. the experiment grid (`crossmusim.experiment` with the demo's settings): per split seed,
   build-dataset, train on captions, on aspects and on both; the best text types by validation (every
   run selected on the same validation metric) trained again on an unmasked build of the same split;
   then one evaluate call per seed scores the four models and the baselines (random, DSP, musicnn as
   it is, musicnn-std, untrained, probe) on the same test songs;
6. index the first seed's test songs and search them by text and by song;
7. a small listening test on the first seed's test songs, answered by simulated raters (Table II);
8. an A/B test of the best model's index against musicnn-std's through the real service, with simulated
   listeners (Table III).

Every stage is a library call (`run_crawl` in a process of its own, `run_generate`, `run_aspects`,
the experiment runner for the seeds' grid, `evaluation.embed` and the retrieval pool for search), its
output and logs kept in `logs/<stage>.log`; the counts shown are the stages' own summaries.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from crossmusim.demo.ab_test import simulated_ab_test
from crossmusim.demo.config import DemoConfig
from crossmusim.demo.isolation import crawl_in_process, logging_to
from crossmusim.demo.listening import simulated_study
from crossmusim.demo.llm_standin import MODEL, WorldLLM
from crossmusim.demo.report import REFERENCE, report_markdown
from crossmusim.demo.site import LocalSite
from crossmusim.demo.world.build import WorldFiles, build_world
from crossmusim.demo.world.pages import world_site
from crossmusim.errors import UserError
from crossmusim.experiment.config import ExperimentConfig, experiment_toml
from crossmusim.experiment.grid import ExperimentRun
from crossmusim.experiment.result import ExperimentResult
from crossmusim.experiment.stages import Stage
from crossmusim.io import atomic_write_json, atomic_write_text

TEXT_RUNS = {"captions": "caption", "aspects": "aspects", "both": "caption,aspects"}
BASELINES = ("random", "dsp", "musicnn", "musicnn-std", "untrained", "probe")
SPLIT_SHARES = (0.6, 0.2, 0.2)  # about 29 training artists of 48: never fewer than ~24 (issue 12)


class DemoRun:
    def __init__(self, config: DemoConfig, echo: Callable[[str], None] = print) -> None:
        self.config = config
        self.echo = echo
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.root = config.out / "runs" / f"{stamp}-seed{config.seed}-songs{config.songs}"
        if self.root.exists():
            raise UserError(f"{self.root} exists already: wait a second and run the demo again")
        self.logs = self.root / "logs"
        self.logs.mkdir(parents=True)
        self.listening: dict[str, Any] = {}  # the simulated listening test's summary (demo.listening)
        self.ab_test: dict[str, Any] = {}  # the simulated A/B test's summary (demo.ab_test)
        self.cache = config.out / "cache"  # decoded audio, frozen features: shared by runs of this folder
        self.stages: list[Stage] = []
        self.stdout = sys.stdout  # the stage lines go here, also while a stage's output goes to its log

    # -- plumbing -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def logged(self, stage: str) -> Iterator[None]:
        """Inside: crossmusim's logs, prints and progress bars go to logs/<stage>.log (the demo prints
        its own lines)."""
        with (self.logs / f"{stage}.log").open("a", encoding="utf-8") as log, logging_to(log):
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                yield

    def stage(self, stage: Stage) -> Stage:
        self.stages.append(stage)
        with contextlib.redirect_stdout(self.stdout):
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
        grid = self.seeds(world)
        first = grid.seeds[0]
        search = self.search(world, first.dataset, first.runs[grid.best])
        with self.logged("listen"):
            stage, self.listening = simulated_study(self.root / "listen", first.dataset, first.runs[grid.best],
                                                    self.cache, cfg.seed, cfg.seconds)  # fmt: skip
        self.stage(stage)
        with self.logged("ab-test"):
            stage, self.ab_test = simulated_ab_test(self.root / "ab-test", first.dataset, self.root / "index",
                                                    self.cache, cfg.seed)  # fmt: skip
        self.stage(stage)
        return self.report(grid, search)

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
        from crossmusim.crawlers.config import CrawlConfig
        from crossmusim.crawlers.terms import load_terms

        start = time.monotonic()
        out = self.root / "crawl"
        # Our own loopback server: no politeness needed, so four requests at a time, unthrottled.
        unthrottled = {"CONCURRENT_REQUESTS_PER_DOMAIN": 4, "AUTOTHROTTLE_ENABLED": False}
        config = CrawlConfig(
            out_dir=out, terms=load_terms(world.terms), base_url=site.url, download_delay=0, timeout_s=10,
            backoff_base_s=0.2, block_backoff_s=0.2, extra_settings=unthrottled,
        )  # fmt: skip
        # Scrapy's reactor runs once per process: the crawl gets a process of its own.
        process = multiprocessing.get_context("spawn").Process(
            target=crawl_in_process, args=(config, self.logs / "crawl.log"), name="crossmusim-demo-crawl"
        )
        process.start()
        process.join()
        if process.exitcode != 0:
            raise UserError(f"the demo's crawl failed (exit {process.exitcode}): see {self.logs / 'crawl.log'}")
        stats = json.loads((out / "crawl-stats.json").read_text("utf-8"))
        pages = len(site.spec.entries)
        dropped = {**stats.get("skipped", {}), **stats.get("dropped", {})}
        reviews = _counts(Counter(k for k in self.page_kinds.values() if k != "none"))
        note = f"{pages} pages on the site (song reviews: {reviews}), {stats['blocked']} blocked"
        self.stage(Stage("crawl", stats["pages_fetched"], stats["items"], dropped, time.monotonic() - start, note))

    def generate(self, world: WorldFiles, llm: WorldLLM) -> None:
        from crossmusim.generate.runner import GenerateConfig, run_generate
        from crossmusim.llm.session import LLMOptions

        start = time.monotonic()
        options = LLMOptions(llm=MODEL, provider="openai-compatible", base_urls=[llm.base_url], concurrency=8)
        with self.logged("generate"):
            summary = run_generate(GenerateConfig(songs=world.catalogue, out_dir=self.root / "generate", llm=options))
        dropped = {"abstained": summary["abstained"], "failed": summary["failed"]}
        note = f"{summary['requests_sent']} requests; the stand-in's answers: {_counts(Counter(llm.kinds.values()))}"
        self.stage(Stage("generate", summary["records"], summary["described"], dropped, time.monotonic() - start, note))

    def aspects(self, world: WorldFiles) -> None:
        from crossmusim.aspects.pipeline import AspectsConfig, run_aspects

        for name, source in (
            ("aspects-llm", self.root / "generate" / "descriptions.jsonl"),
            ("aspects-pages", self.root / "crawl" / "songs.jsonl"),
        ):
            start = time.monotonic()
            config = AspectsConfig(input=source, out_dir=self.root / name, vocab=[str(world.vocabulary)])
            with self.logged(name):
                summary = run_aspects(config)
            dropped = {"without_aspects": summary["without_aspects"], "failed": summary["failed"]}
            self.stage(Stage(name, summary["records"], summary["with_aspects"], dropped, time.monotonic() - start))

    def experiment_config(self, world: WorldFiles) -> ExperimentConfig:
        """The demo's grid as an experiment: the world's texts and audio, three text-type variants, the
        masking ablation, every baseline; `crossmusim experiment` runs the same from a TOML file."""
        cfg, root = self.config, self.root
        dataset = {"crawl": [root / "crawl"], "generated": [root / "generate"],
                   "aspects": [root / "aspects-llm", root / "aspects-pages"], "audio": world.manifest,
                   "tags": world.tags, "embed_audio": False, "split_shares": SPLIT_SHARES}  # fmt: skip
        return ExperimentConfig(out=root, dataset=dataset, seeds=list(range(cfg.seed, cfg.seed + cfg.seeds)),
                                variants=dict(TEXT_RUNS), baselines=list(BASELINES), reference=REFERENCE,
                                preset="cpu", unmasked=True, cache_dir=self.cache)  # fmt: skip

    def seeds(self, world: WorldFiles) -> ExperimentResult:
        config = self.experiment_config(world)
        # The grid as a file: `crossmusim experiment RUN/experiment.toml` runs it again (complete steps are
        # kept) or, edited, with other variants, seeds or baselines on the same world.
        atomic_write_text(self.root / "experiment.toml", experiment_toml(config))
        with self.logged("experiment"):
            return ExperimentRun(config, on_stage=self.stage).run()

    def search(self, world: WorldFiles, dataset: Path, run: Path) -> dict[str, list[dict[str, Any]]]:
        """Index the test songs with the best model; find songs by text and by a song."""
        from crossmusim.evaluation import EmbedConfig, embed
        from crossmusim.evaluation.embeddings_io import read_meta
        from crossmusim.evaluation.retrieval import build_pool, save_pool
        from crossmusim.evaluation.retrieval import search as pool_search
        from crossmusim.evaluation.run_models import load_run_model

        start = time.monotonic()
        vectors = self.root / "test-embeddings.npz"
        with self.logged("index"):
            done = embed(EmbedConfig(out=vectors, model=run, dataset=dataset, split="test", cache_dir=self.cache))
            pool = build_pool(done.ids, done.vectors, read_meta(vectors.with_name(vectors.stem + ".tracks.jsonl")))
            save_pool(pool, self.root / "index")
            encoder = load_run_model(run)
        labels = {(v["title"], v["artist"]): v for v in json.loads(world.labels.read_text("utf-8")).values()}
        queries = {f"--text {text}": (encoder.embed_text([text]), set()) for text in SEARCH_TEXTS}
        if done.ids:
            first = done.ids[0]
            queries[f"--id {first}"] = (pool.vector(first), {first})
        found = {}
        for name, (query, exclude) in queries.items():
            hits = pool_search(pool, query, 5, exclude=exclude)[0]
            found[name] = [{**hit, **_label_line(labels.get((hit.get("title"), hit.get("artist")), {}))}
                           for hit in hits]  # fmt: skip
        self.stage(Stage("index+search", len(queries), sum(len(h) for h in found.values()), {},
                         time.monotonic() - start, f"{len(queries)} queries"))  # fmt: skip
        return found

    def report(self, grid: ExperimentResult, found: dict[str, list[dict[str, Any]]]) -> dict:
        first = grid.seeds[0].dataset.parent
        pictures = sorted(p.name for p in (first / "evaluation").glob("*.png"))
        report = {
            "stages": [asdict(s) for s in self.stages],
            "seeds": [e.seed for e in grid.seeds],
            "best_text_types": grid.best,
            "table": grid.table,
            "gains": grid.gains,
            "seed_gains": grid.seed_gains,
            "search": found,
            "listening": self.listening,
            "ab_test": self.ab_test,
            "report_html": str(first / "evaluation" / "report.html"),
            "plots": [str(first / "evaluation" / p) for p in pictures],
        }
        atomic_write_json(self.root / "demo.json", report)
        atomic_write_text(self.root / "report.md", report_markdown(self.config, report, grid))
        report["report_md"] = str(self.root / "report.md")
        return report


SEARCH_TEXTS = ("a calm bossa nova song", "tense, dark trap music")


def _label_line(labels: dict[str, Any]) -> dict[str, Any]:
    if not labels:
        return {}
    return {"labels": ", ".join([*labels.get("coarse", []), *labels.get("fine", [])])}


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items()))
