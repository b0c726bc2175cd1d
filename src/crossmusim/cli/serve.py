"""Serve similar songs over HTTP from one index, or an A/B test between several (`--arm`); events are
stored for `crossmusim ab-report`."""

from __future__ import annotations

from pathlib import Path

import typer


def serve(
    index: Path = typer.Option(None, "--index", help="One index folder (crossmusim index): one arm."),
    arms: list[str] = typer.Option(None, "--arm", help="NAME=INDEX, two or more times: an A/B test."),
    split: str = typer.Option(None, "--split", help="Shares of users per arm, e.g. 50,50 (default: even)."),
    salt: str = typer.Option("crossmusim", "--salt", help="Salt of the user-to-arm hash (a new salt reshuffles)."),
    events: str = typer.Option(
        "events.sqlite",
        "--events",
        help="Where requests and events go: sqlite:///PATH, a file path, or "
        "postgresql://USER@HOST:PORT/DB (several replicas).",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
) -> None:
    from crossmusim.serve.app import ServeConfig
    from crossmusim.serve.arms import parse_arms, parse_split
    from crossmusim.serve.events import check_url
    from crossmusim.serve.server import serve as run

    parsed = parse_arms(index, list(arms or []))
    check_url(events)  # a URL it cannot use: one line now
    config = ServeConfig([(name, str(path)) for name, path in parsed], parse_split(split, len(parsed)), salt, events)

    def said(url: str) -> None:
        typer.echo(f"serving {', '.join(n for n, _ in parsed)} at {url} (docs: {url}/docs; events: {events})", err=True)

    run(config, host, port, workers, said)


def ab_report(
    events: str = typer.Option(
        ..., "--events", help="The events store serve wrote: sqlite:///PATH, a path or postgresql://..."
    ),
    out: Path = typer.Option(..., "--out", "-o", help="The report folder.", file_okay=False),
) -> None:
    """Analyse an A/B test: per-arm users, plays, completion and device coverage, lifts with 95% intervals
    by the delta method, and a sample-ratio check."""
    from crossmusim.serve.ab_report import markdown, write_ab_report

    summary = write_ab_report(events, out)
    typer.echo(markdown(summary, events))
    typer.echo(f"report: {out / 'report.md'}")


def ab_simulate(
    dataset: Path = typer.Option(..., "--dataset", help="The built dataset whose split the indexes hold."),
    split: str = typer.Option("test", "--split", help="The split (its songs' tags are the listeners' tastes)."),
    arms: list[str] = typer.Option(..., "--arm", help="NAME=INDEX, two or more times."),
    users: int = typer.Option(2000, "--users", min=1, help="Simulated listeners."),
    days: int = typer.Option(7, "--days", min=1, help="Days of the test."),
    seed: int = typer.Option(0, "--seed", help="Seed of the listeners."),
    out: Path = typer.Option(..., "--out", "-o", help="The folder for events.sqlite and report/.", file_okay=False),
) -> None:
    """Drive the real service over HTTP with SIMULATED listeners whose plays follow their taste's tags, then
    run ab-report on what it stored."""
    from crossmusim.serve.ab_report import markdown
    from crossmusim.serve.arms import parse_arms
    from crossmusim.serve.simulate import SimulationConfig, simulate_ab

    parsed = [(name, str(path)) for name, path in parse_arms(None, list(arms))]
    summary = simulate_ab(SimulationConfig(out, parsed, dataset, split, users, days, seed))
    typer.echo(markdown(summary, summary["events"]))
    typer.echo(f"{summary['events_stored']} events from {users} SIMULATED listeners; report: {out / 'report'}")
