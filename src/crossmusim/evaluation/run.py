"""`evaluate(config) -> Evaluation`: the evaluation as a library call (the CLI parses its options into an
`EvaluateConfig` and prints the tables; the demo and the benchmarks can call it directly).

Systems: trained models (`models`: run folders or Hub ids), baselines by registered name, and
precomputed embedding files (with an optional text side each). Tracks and their tags come from a
built dataset's split, or from a tag file (with `audio` when models or baselines must embed them).
Every system is scored on the tracks all of them embedded (`evaluation.scoring`); the report folder
gets `metrics.json`, `queries.parquet`, `report.md`, the plots and `report.html`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError
from crossmusim.evaluation.confidence import UNITS
from crossmusim.evaluation.scoring import (
    REFERENCE,
    T2M_TEMPLATE,
    System,
    caption_rows,
    format_table,
    gain_rows,
    table_rows,
)
from crossmusim.evaluation.whole_tracks import Track

logger = logging.getLogger("crossmusim.evaluate")


@dataclass
class EvaluateConfig:
    out: Path | None = None  # the report folder; None: score only, write nothing
    models: list[Path] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)
    embeddings: list[Path] = field(default_factory=list)
    text_embeddings: list[Path] = field(default_factory=list)  # the i-th belongs to the i-th embeddings file
    dataset: Path | None = None
    split: str = "test"
    tags: Path | None = None
    artists: Path | None = None
    audio: Path | None = None
    queries: Path | None = None
    reference: str | None = None  # default: musicnn-std when scored, else the first baseline
    std_from: Path | None = None  # standardising systems' statistics: a dataset's train split or an audio pool
    baseline_from: Path | None = None  # the run `untrained` and `probe` stand beside; default: models[0]
    bootstrap_unit: str = "artist"  # what the intervals resample: artist, song or query
    draws: int = 1000
    template: str = T2M_TEMPLATE
    seed: int = 0
    cache_dir: Path | None = None


@dataclass
class Evaluation:
    tracks: list[Track]
    systems: list[System]
    results: dict[str, dict[str, Any]]  # system name -> metrics (what metrics.json holds)
    queries: list[dict]  # one row per query: system, level, query, tag, ap, relevant_ranks
    reference: str
    missing: dict[str, int]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # said on stderr and in report.md
    queries_matched: tuple[int, int] | None = None  # (matched, asked) of --queries

    @property
    def table(self) -> str:
        return format_table(table_rows(self.results))

    @property
    def dashes(self) -> list[str]:
        """Why a cell of the table is `-`."""
        from crossmusim.evaluation.pool_checks import dash_reasons

        return dash_reasons(self.results, self.tracks)

    @property
    def captions(self) -> str:
        return format_table(caption_rows(self.results))

    @property
    def gains(self) -> str:
        return format_table(gain_rows(self.results, self.reference))


def check_config(config: EvaluateConfig) -> None:
    """Every refusal that needs no work, before any is done."""
    from crossmusim.evaluation.baselines import check_system

    if len(config.text_embeddings) > len(config.embeddings):
        raise UserError(
            f"{len(config.text_embeddings)} --text-embeddings for {len(config.embeddings)} --embeddings: each text "
            "file is the text side of the --embeddings file in the same position"
        )
    if not (config.models or config.baselines or config.embeddings):
        raise UserError("give at least one system: --model RUN_DIR, --baseline NAME or --embeddings FILE")
    for name in config.baselines:
        check_system(baseline_run(config), name, training_split=config.dataset is not None)
    if config.bootstrap_unit not in UNITS:
        raise UserError(f"--bootstrap-unit {config.bootstrap_unit!r}: one of {', '.join(UNITS)}")
    if config.draws < 100:
        raise UserError(f"--draws {config.draws}: at least 100 draws make a 95% interval")
    if (config.dataset is None) == (config.tags is None):
        raise UserError("give --dataset DIR (songs and their tags) or --tags FILE (with --embeddings)")
    if "{tag}" not in config.template:
        raise UserError(f"--t2m-template {config.template!r}: must contain {{tag}}")
    if config.tags is not None and (config.models or config.baselines) and config.audio is None:
        raise UserError("--tags with --model or --baseline needs --audio MANIFEST|FOLDER: the tracks to embed")
    if config.audio is not None and config.tags is None:
        raise UserError("--audio needs --tags FILE: the tracks' labels")


def baseline_run(config: EvaluateConfig) -> Path | None:
    """The run the run-based baselines (`untrained`, `probe`) are built from: `--baseline-from`, else the
    first `--model`."""
    return config.baseline_from or (config.models[0] if config.models else None)


def standardised_on(config: EvaluateConfig):
    """Where standardising systems (musicnn-std, dsp) take their statistics (`whole_tracks.standardisation`)."""
    from crossmusim.evaluation.whole_tracks import standardisation

    return standardisation(config.dataset, config.std_from)


def load_tracks(config: EvaluateConfig) -> tuple[list[Track], int]:
    """The tracks to score and how many tagged ids have no audio."""
    from crossmusim.evaluation.tag_sets import read_tag_file, with_audio
    from crossmusim.evaluation.whole_tracks import tracks_from_audio, tracks_from_dataset

    if config.dataset is not None:
        return tracks_from_dataset(config.dataset, config.split), 0
    if config.audio is not None:
        found = tracks_from_audio(config.audio)[0]
        return with_audio(read_tag_file(config.tags, config.artists), found, config.tags, config.audio)
    return read_tag_file(config.tags, config.artists), 0


def build_systems(
    config: EvaluateConfig, tracks: list[Track], asked: list[tuple[str, str]], warnings: list[str]
) -> list[System]:
    """Embed the tracks with every model and baseline; read the embedding files. `warnings` gets a line per
    model that trained on tracks of the pool."""
    from crossmusim.evaluation.baselines import make_embedder
    from crossmusim.evaluation.embeddings_io import TextVectors, normalise, read_embeddings
    from crossmusim.evaluation.pool_checks import tracks_in_training, training_warning
    from crossmusim.evaluation.whole_tracks import embed_tracks
    from crossmusim.model.frozen_outputs import FrozenOutputs

    systems = []
    frozen = FrozenOutputs()  # models with one frozen audio tower run it once per window batch
    run_names = [Path(run).name for run in config.models]
    for run in config.models:
        run = Path(run)
        embedder = make_embedder(run, None)
        embedder.share_frozen_outputs(frozen)
        done = embed_tracks(embedder, tracks, config.cache_dir)
        label = run.name if run_names.count(run.name) == 1 else f"{run.parent.name}/{run.name}"
        trained_on = tracks_in_training(run, done.audio_sha256)
        warnings += [w for w in [training_warning(f"crossmusim:{label}", trained_on, len(done.ids))] if w]
        systems.append(System(f"crossmusim:{label}", done.ids, done.vectors, embedder.embed_texts, run,
                              embedder.tower_weight, embedder.tower_weight_from))  # fmt: skip
    first_run = baseline_run(config)
    for name in config.baselines:
        embedder = make_embedder(first_run, name, config.seed, dataset=config.dataset, cache_dir=config.cache_dir)
        embedder.share_frozen_outputs(frozen)
        reference = standardised_on(config)
        done = embed_tracks(embedder, tracks, config.cache_dir, reference=reference)
        text_side = embedder.embed_texts if name == "untrained" else None
        standardised_source = reference.source if embedder.standardise else None
        systems.append(System(name, done.ids, done.vectors, text_side, None, embedder.tower_weight,
                              embedder.tower_weight_from, standardised_source))  # fmt: skip
    for n, path in enumerate(config.embeddings):
        ids, vectors = read_embeddings(path)
        text_side = TextVectors(config.text_embeddings[n], asked) if n < len(config.text_embeddings) else None
        systems.append(System(Path(path).stem, ids, normalise(vectors), text_side))
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise UserError(f"two systems are named alike ({', '.join(names)}): rename an embeddings file")
    return systems


def evaluate(config: EvaluateConfig) -> Evaluation:
    """Score every system on the same tracks; write the report folder when `config.out` is set."""
    from crossmusim.evaluation.baselines import uses_run
    from crossmusim.evaluation.queries import caption_retrieval, read_queries
    from crossmusim.evaluation.scoring import add_intervals, common_tracks, score
    from crossmusim.outputs import check_output_folder

    if config.out is not None:
        check_output_folder(config.out, "evaluate")
    check_config(config)
    from crossmusim.evaluation.pool_checks import collapse_warning
    from crossmusim.evaluation.queries import match_queries

    asked = read_queries(config.queries) if config.queries is not None else []
    tracks, untagged = load_tracks(config)
    unmatched: list[str] = []
    if asked:  # before any embedding: ids that name no track are a wrong file, said now
        matched, unmatched = match_queries(asked, [t.id for t in tracks], config.queries)
    warnings: list[str] = []
    systems = build_systems(config, tracks, [(i, text) for i, text in asked if i not in unmatched], warnings)
    names = [s.name for s in systems]
    reference = config.reference or (REFERENCE if REFERENCE in names else next((b for b in config.baselines), names[0]))
    if reference not in names:
        raise UserError(f"--reference {reference!r}: not one of the systems ({', '.join(names)})")
    kept, missing = common_tracks(tracks, systems)
    per_query: list[dict] = []
    results = {s.name: score(kept, s, config.template, per_query) for s in systems}
    add_intervals(results, per_query, kept, reference, config.bootstrap_unit, config.draws)
    for system in systems:
        results[system.name]["tower_weight"] = system.tower_weight
        if system.standardised_on is not None:
            results[system.name]["standardised_on"] = system.standardised_on
    for system in systems:
        if asked and system.text_embed is not None:
            found = caption_retrieval(asked, kept, system.aligned(kept), system.text_embed)
            if found is not None:
                results[system.name]["captions"] = found
    warnings += [w for w in (collapse_warning(s.name, s.aligned(kept)) for s in systems) if w]
    evaluation = Evaluation(kept, systems, results, per_query, reference, missing, warnings=warnings)
    for warning in warnings:
        logger.warning(warning)
    if asked:
        evaluation.queries_matched = (len(matched), len(asked))
        shown = f" (unmatched: {', '.join(unmatched[:5])}{' ...' if len(unmatched) > 5 else ''})" if unmatched else ""
        logger.info("%d of %d queries matched a track of the pool%s", len(matched), len(asked), shown)
    evaluation.notes = [
        f"{len(kept)} tracks ({config.dataset or config.tags}, split {config.split if config.dataset else '-'}); "
        "systems missing tracks: " + (", ".join(f"{n} {m}" for n, m in missing.items() if m) or "none")
        + (f"; {untagged} tagged ids without audio in {config.audio}" if untagged else ""),
        f"Text-to-music queries: the template {config.template!r} per tag. Similarity: inner product of "
        "L2-normalised embeddings; ties by ascending id. M2M: mAP@100 per tag, macro-averaged; tags with "
        "fewer than two tracks skipped.",
        f"95% bootstrap intervals, {config.draws} draws of the pool's {config.bootstrap_unit}s (a track without an "
        "artist is its own), paired: every system is scored on the same draw, and each gain over "
        f"{reference} has the interval of its per-draw differences (T2M: the tag queries are resampled). "
        "Every query's AP and the ranks of its relevant tracks are in queries.parquet.",
    ]  # fmt: skip
    standardised = [s for s in systems if s.standardised_on is not None]
    if standardised:
        evaluation.notes.append(f"Standardised systems ({', '.join(s.name for s in standardised)}): standardised "
                                f"on: {standardised[0].standardised_on}.")  # fmt: skip
    built_from = baseline_run(config)
    if built_from is not None and any(uses_run(b) for b in config.baselines):
        weights = ", ".join(f"{s.name} {s.tower_weight:g} ({s.tower_weight_from})" for s in systems
                            if s.tower_weight is not None)  # fmt: skip
        evaluation.notes.append(
            f"Run-based baselines built from {built_from}; each system's tower weight (from): {weights}."
        )
    if asked:
        listed = f" Unmatched ids: {', '.join(unmatched)}." if unmatched else ""
        evaluation.notes.append(
            f"Caption-to-track retrieval ({config.queries}): {len(matched)} of {len(asked)} queries matched a track "
            f"of the pool.{listed} Each caption is ranked against every track; R@k and median rank of its own "
            f"track." + (f"\n\n{evaluation.captions}" if evaluation.captions else " No system has a text side.")
        )
    if evaluation.dashes:
        evaluation.notes.append("Empty cells: " + "; ".join(evaluation.dashes) + ".")
    if warnings:
        evaluation.notes.append("Warnings: " + " ".join(f"{w}." for w in warnings))
    if config.out is not None:
        write_report(evaluation, config)
    return evaluation


def write_report(evaluation: Evaluation, config: EvaluateConfig) -> Path:
    """metrics.json, queries.parquet, the plots, report.md and report.html in `config.out`."""
    from crossmusim.evaluation.report import html, plots
    from crossmusim.evaluation.scoring import write_queries

    out, results, reference = Path(config.out), evaluation.results, evaluation.reference
    out.mkdir(parents=True, exist_ok=True)
    built_from = baseline_run(config)
    summary = {"tracks": len(evaluation.tracks), "missing": evaluation.missing, "template": config.template,
               "reference": reference, "bootstrap": {"unit": config.bootstrap_unit, "draws": config.draws,
                                                     "t2m_unit": "tag"},
               "baselines_from": None if built_from is None else str(built_from),
               "standardised_on": next((s.standardised_on for s in evaluation.systems if s.standardised_on), None),
               "systems": results}  # fmt: skip
    (out / "metrics.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    write_queries(out / "queries.parquet", evaluation.queries)
    made = [plots.gain_plot(results, reference, level, out / f"gain_{level}.png") for level in ("coarse", "fine")]
    made += [plots.training_curves(s.run, out / f"training_{s.run.name}.png") for s in evaluation.systems if s.run]
    pictures = [p.name for p in made if p is not None]
    vectors = {s.name: s.aligned(evaluation.tracks) for s in evaluation.systems}
    rows = table_rows(results, intervals=True)
    html.write_html(out, rows, gain_rows(results, reference), pictures, evaluation.tracks, vectors, evaluation.notes)
    gains = f"\n\n## Gains over {reference} (points)\n\n{evaluation.gains}" if evaluation.gains else ""
    (out / "report.md").write_text(
        "# crossmusim evaluation\n\n" + "\n\n".join(evaluation.notes) + "\n\n## Results (percent)\n\n"
        + evaluation.table + gains + "\n\n" + "".join(f"![{p}]({p})\n\n" for p in pictures), "utf-8")  # fmt: skip
    return out
