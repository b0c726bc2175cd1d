"""Evaluate models, baselines and embedding files with the paper's metrics; write a report to look at and listen to."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from crossmusim.cli.options import BaselineSeed, CacheDir
from crossmusim.errors import UserError


def evaluate(
    out: Path = typer.Option(..., "--out", "-o", help="The report folder to write.", file_okay=False),
    models: list[Path] = typer.Option(None, "--model", help="A train run folder or a Hub id user/name (repeatable)."),
    baselines: list[str] = typer.Option(
        None,
        "--baseline",
        help="random | untrained | musicnn | musicnn-std | probe | dsp | a registered baseline (repeatable); "
        "untrained and probe take the first --model's config.",
    ),
    embeddings: list[Path] = typer.Option(None, "--embeddings", help="A precomputed embeddings file (repeatable)."),
    text_embeddings: list[Path] = typer.Option(
        None,
        "--text-embeddings",
        help="The text side of the i-th --embeddings file (repeatable, in order): ids = the query texts (tags "
        "after --t2m-template) or --queries ids; gives T2M and caption retrieval for vectors made elsewhere.",
    ),
    dataset: Path = typer.Option(None, "--dataset", help="A build-dataset folder: its songs and tags."),
    split: str = typer.Option("test", "--split", help="The dataset split to evaluate on."),
    tags: Path = typer.Option(
        None,
        "--tags",
        help="Instead of --dataset: id,level,tag rows, a 4Q metadata.csv, an MTG-Jamendo TSV, a MusicCaps CSV "
        "or a MuChin folder.",
    ),
    artists: Path = typer.Option(None, "--artists", help="With --tags: id,artist rows."),
    audio: Path = typer.Option(
        None, "--audio", help="With --tags: the tracks' audio (a manifest with an id column, or a folder)."
    ),
    queries: Path = typer.Option(
        None, "--queries", help="Caption-to-track retrieval: id,text rows (or a MusicCaps CSV) about the tracks."
    ),
    reference: str = typer.Option(
        None, "--reference", help="The system gains are measured against (default: musicnn-std when scored)."
    ),
    template: str = typer.Option("{tag}", "--t2m-template", help="Text query per tag, e.g. 'a {tag} song'."),
    seed: int = BaselineSeed,
    cache_dir: Path = CacheDir,
) -> None:
    from crossmusim.evaluation.baselines import check_system, make_embedder
    from crossmusim.evaluation.embed import embed_tracks, tracks_from_audio, tracks_from_dataset, training_tracks
    from crossmusim.evaluation.embeddings_io import TextVectors, normalise, read_embeddings
    from crossmusim.evaluation.evaluate import (
        REFERENCE,
        System,
        caption_rows,
        common_tracks,
        format_table,
        gain_rows,
        interval_lines,
        score,
        table_rows,
        write_queries,
    )
    from crossmusim.evaluation.queries import caption_retrieval, read_queries
    from crossmusim.evaluation.report import html, plots
    from crossmusim.evaluation.tag_sets import read_tag_file, with_audio
    from crossmusim.model.frozen_outputs import FrozenOutputs
    from crossmusim.outputs import check_output_folder

    check_output_folder(out, "evaluate")
    models, baselines, embeddings = list(models or []), list(baselines or []), list(embeddings or [])
    text_embeddings = list(text_embeddings or [])
    if len(text_embeddings) > len(embeddings):
        raise UserError(
            f"{len(text_embeddings)} --text-embeddings for {len(embeddings)} --embeddings: each text file is the "
            "text side of the --embeddings file in the same position"
        )
    if not (models or baselines or embeddings):
        raise UserError("give at least one system: --model RUN_DIR, --baseline NAME or --embeddings FILE")
    first_run = models[0] if models else None
    for name in baselines:
        check_system(first_run, name, training_split=dataset is not None)
    if (dataset is None) == (tags is None):
        raise UserError("give --dataset DIR (songs and their tags) or --tags FILE (with --embeddings)")
    if "{tag}" not in template:
        raise UserError(f"--t2m-template {template!r}: must contain {{tag}}")
    if tags is not None and (models or baselines) and audio is None:
        raise UserError("--tags with --model or --baseline needs --audio MANIFEST|FOLDER: the tracks to embed")
    if audio is not None and tags is None:
        raise UserError("--audio needs --tags FILE: the tracks' labels")
    asked = read_queries(queries) if queries is not None else []
    untagged = 0
    if dataset is not None:
        tracks = tracks_from_dataset(dataset, split)
    elif audio is not None:
        tracks, untagged = with_audio(read_tag_file(tags, artists), tracks_from_audio(audio)[0], tags, audio)
    else:
        tracks = read_tag_file(tags, artists)
    systems = []
    frozen = FrozenOutputs()  # models with one frozen audio tower run it once per window batch
    run_names = [run.name for run in models]
    for run in models:
        embedder = make_embedder(run, None)
        embedder.share_frozen_outputs(frozen)
        done = embed_tracks(embedder, tracks, cache_dir)
        label = run.name if run_names.count(run.name) == 1 else f"{run.parent.name}/{run.name}"
        systems.append(System(f"crossmusim:{label}", done.ids, done.vectors, embedder.embed_texts, run))
    train_tracks = training_tracks(dataset)  # standardised baselines take their statistics from it
    for name in baselines:
        embedder = make_embedder(first_run, name, seed, dataset=dataset, cache_dir=cache_dir)
        embedder.share_frozen_outputs(frozen)
        done = embed_tracks(embedder, tracks, cache_dir, reference=train_tracks if embedder.standardise else None)
        systems.append(System(name, done.ids, done.vectors, embedder.embed_texts if name == "untrained" else None))
    for n, path in enumerate(embeddings):
        ids, vectors = read_embeddings(path)
        text_side = TextVectors(text_embeddings[n], asked) if n < len(text_embeddings) else None
        systems.append(System(path.stem, ids, normalise(vectors), text_side))
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise UserError(f"two systems are named alike ({', '.join(names)}): rename an embeddings file")
    kept, missing = common_tracks(tracks, systems)
    per_query: list[dict] = []
    results = {s.name: score(kept, s, template, per_query) for s in systems}
    for system in systems:
        if asked and system.text_embed is not None:
            found = caption_retrieval(asked, kept, system.aligned(kept), system.text_embed)
            if found is not None:
                results[system.name]["captions"] = found
    rows = table_rows(results)
    out.mkdir(parents=True, exist_ok=True)
    notes = [
        f"{len(kept)} tracks ({dataset or tags}, split {split if dataset else '-'}); systems missing tracks: "
        + (", ".join(f"{n} {m}" for n, m in missing.items() if m) or "none")
        + (f"; {untagged} tagged ids without audio in {audio}" if untagged else ""),
        f"Text-to-music queries: the template {template!r} per tag. Similarity: inner product of "
        "L2-normalised embeddings; ties by ascending id. M2M: mAP@100 per tag, macro-averaged; tags with "
        "fewer than two tracks skipped.",
    ]
    (out / "metrics.json").write_text(
        json.dumps({"tracks": len(kept), "missing": missing, "template": template, "systems": results}, indent=2,
                   ensure_ascii=False) + "\n", "utf-8")  # fmt: skip
    write_queries(out / "queries.parquet", per_query)
    notes.append(
        "95% bootstrap intervals over queries (M2M: queries resampled within each tag, 1000 draws; T2M: tags "
        "resampled); every query's AP and the ranks of its relevant tracks are in queries.parquet:\n\n"
        + "\n".join(interval_lines(results))
    )
    reference = reference or (REFERENCE if REFERENCE in names else next((b for b in baselines), names[0]))
    if reference not in results:
        raise UserError(f"--reference {reference!r}: not one of the systems ({', '.join(names)})")
    table = format_table(rows)
    captions = format_table(caption_rows(results))
    if captions:
        notes.append(f"Caption-to-track retrieval ({queries}): each caption ranked against every track; "
                     f"R@k and median rank of its own track.\n\n{captions}")  # fmt: skip
    gains = format_table(gain_rows(results, reference))
    made = [plots.gain_plot(results, reference, level, out / f"gain_{level}.png") for level in ("coarse", "fine")]
    made += [plots.training_curves(s.run, out / f"training_{s.run.name}.png") for s in systems if s.run]
    pictures = [p.name for p in made if p is not None]
    vectors = {s.name: s.aligned(kept) for s in systems}
    html.write_html(out, table, rows, pictures, kept, vectors, notes)
    gains_md = f"\n\n## Gains over {reference} (points)\n\n{gains}" if gains else ""
    (out / "report.md").write_text(
        "# crossmusim evaluation\n\n" + "\n\n".join(notes) + "\n\n## Results (percent)\n\n" + table + gains_md
        + "\n\n" + "".join(f"![{p}]({p})\n\n" for p in pictures), "utf-8")  # fmt: skip
    typer.echo(table)
    if captions:
        typer.echo(f"\ncaption-to-track retrieval:\n{captions}")
    if gains:
        typer.echo(f"\ngains over {reference} (points):\n{gains}")
    typer.echo(f"report: {out / 'report.html'}")
