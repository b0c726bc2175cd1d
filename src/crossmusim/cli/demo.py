"""Run the whole method offline on an embedded, labelled music world: crawl, generate, aspects,
build-dataset, train, evaluate, search."""

from __future__ import annotations

from pathlib import Path

import typer


def demo(
    out: Path = typer.Option(
        Path("out/demo"), "--out", "-o", file_okay=False, help="Folder for the world (cached) and the runs."
    ),
    songs: int = typer.Option(
        480, "--songs", min=40, help="About this many songs (ten per artist, 10 artists at least)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the world; split seeds are seed, seed+1, ..."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Split seeds: gains are paired by seed."),
    seconds: float = typer.Option(10.0, "--seconds", min=3.0, max=60.0, help="Length of each rendered clip."),
    keep_servers: bool = typer.Option(
        False, "--keep-servers", help="Keep the site and the LLM stand-in serving after the run (Ctrl-C stops)."
    ),
) -> None:
    from crossmusim.demo.runner import DemoConfig, DemoRun

    config = DemoConfig(out=out, songs=songs, seed=seed, seeds=seeds, seconds=seconds, keep_servers=keep_servers)
    run = DemoRun(config, echo=typer.echo)
    report = run.run()
    typer.echo("")
    typer.echo((run.root / "report.md").read_text("utf-8"))
    typer.echo(f"report: {report['report_md']}\nper-seed report: {report['report_html']}")
    for plot in report["plots"]:
        typer.echo(f"plot: {plot}")
    if keep_servers:
        run.wait_for_interrupt()
