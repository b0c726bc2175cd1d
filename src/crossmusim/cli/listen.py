"""Run the paper's listening test (Table II): create a study from the systems' own retrievals, invite
raters, serve it in a browser, report MOS with intervals, or answer it with simulated raters."""

from __future__ import annotations

from pathlib import Path

import typer

from crossmusim.cli.options import CacheDir

app = typer.Typer(help=__doc__, no_args_is_help=True, rich_markup_mode=None)


@app.command("create")
def create(
    out: Path = typer.Option(..., "--out", "-o", help="The study folder to make.", file_okay=False),
    models: list[Path] = typer.Option(None, "--model", help="A train run folder (repeatable)."),
    baselines: list[str] = typer.Option(None, "--baseline", help="A baseline name, as evaluate takes (repeatable)."),
    dataset: Path = typer.Option(None, "--dataset", help="A build-dataset folder: the pool is one of its splits."),
    split: str = typer.Option("test", "--split", help="The dataset split the songs come from."),
    audio: Path = typer.Option(None, "--audio", help="The pool as an audio manifest or folder."),
    tags: Path = typer.Option(None, "--tags", help="The --audio pool's tags (any format evaluate --tags reads)."),
    queries: int = typer.Option(20, "--queries", help="Query songs, drawn with --seed across the pool's tags."),
    top: int = typer.Option(3, "--top", help="Songs each system retrieves per query."),
    max_per_artist: int = typer.Option(None, "--max-per-artist", help="At most this many retrieved songs per artist."),
    same_artist: bool = typer.Option(
        False, "--same-artist", help="Let a query's own artist be retrieved (left out by default: it flatters)."
    ),
    checks: int = typer.Option(2, "--checks", help="Hidden check trials (the query itself, a song sharing no tag)."),
    excerpt_seconds: float = typer.Option(15.0, "--excerpt-seconds", help="The length of every excerpt."),
    excerpt_start: float = typer.Option(0.0, "--excerpt-start", help="Where every excerpt starts, in seconds."),
    criteria: str = typer.Option("musical,acoustic,overall", "--criteria", help="What raters rate, 1-5 each."),
    seed: int = typer.Option(0, "--seed", help="Seed of the query draw and the random baseline."),
    cache_dir: Path = CacheDir,
) -> None:
    from crossmusim.listen.study import StudyConfig, create_study, parse_criteria

    config = StudyConfig(
        out=out, models=list(models or []), baselines=list(baselines or []), dataset=dataset, split=split,
        audio=audio, tags=tags, queries=queries, top=top, max_per_artist=max_per_artist, same_artist=same_artist,
        checks=checks, excerpt_seconds=excerpt_seconds, excerpt_start=excerpt_start,
        criteria=parse_criteria(criteria), seed=seed, cache_dir=cache_dir,
    )  # fmt: skip
    summary = create_study(config)
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}", err=True)
    systems = ", ".join(summary["systems"])
    typer.echo(f"study written to {out}: {summary['queries']} queries, {summary['trials']} trials "
               f"({checks} hidden checks), {summary['stimuli']} stimuli, systems {systems}")  # fmt: skip
    typer.echo(f"admin token (shown once; /admin?token=...): {summary['admin_token']}")


@app.command("invite")
def invite(
    study: Path = typer.Argument(..., help="The study folder."),
    raters: int = typer.Option(10, "--raters", help="How many raters to invite."),
    base_url: str = typer.Option("http://127.0.0.1:8000", "--base-url", help="Where listen serve is reached."),
) -> None:
    from crossmusim.listen.raters import INVITES
    from crossmusim.listen.raters import invite as make

    for rater in make(study, raters, base_url):
        typer.echo(f"{rater['name']}\t{rater['link']}")
    typer.echo(f"links appended to {study / INVITES}", err=True)


@app.command("serve")
def serve(
    study: Path = typer.Argument(..., help="The study folder."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
) -> None:
    from crossmusim.listen.server import serve as run

    def said(url: str) -> None:
        typer.echo(f"serving {study} at {url}/r/TOKEN (Ctrl-C stops; answers are saved as given)", err=True)

    run(study, host, port, said)


@app.command("report")
def report(
    study: Path = typer.Argument(..., help="The study folder."),
    out: Path = typer.Option(..., "--out", "-o", help="The report folder.", file_okay=False),
    draws: int = typer.Option(1000, "--draws", help="Bootstrap draws for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap."),
) -> None:
    from crossmusim.listen.report import table, write_report

    summary = write_report(study, out, draws, seed)
    typer.echo(f"listening test: {summary['answers']} answers from {summary['label']}")
    typer.echo(table(summary))
    typer.echo(f"report: {out / 'report.md'}")


@app.command("simulate")
def simulate(
    study: Path = typer.Argument(..., help="The study folder."),
    raters: int = typer.Option(10, "--raters", help="How many simulated raters."),
    seed: int = typer.Option(0, "--seed", help="Seed of their biases and noise."),
    url: str = typer.Option(None, "--url", help="A running listen serve (default: one of its own on loopback)."),
) -> None:
    from crossmusim.listen.simulate import simulate as run

    done = run(study, raters, seed, url)
    typer.echo(f"{len(done['raters'])} SIMULATED raters gave {done['answers']} answers through the HTTP API")
