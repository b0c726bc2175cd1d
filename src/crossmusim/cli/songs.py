"""Build the well-known-songs list the LLM branch describes: chart tables (CSV, TSV, JSONL, Parquet), chart
pages (saved HTML or URLs, fetched politely) and prominent artists' encyclopedia pages, merged by song."""

from __future__ import annotations

from pathlib import Path

import typer

from crossmusim.cli import options as opt
from crossmusim.songlists.config import SongsConfig


def songs(
    chart: list[str] = typer.Option(
        [], "--chart", help="A chart: table file (CSV/TSV/JSONL/Parquet), saved HTML page or http(s) URL. Repeat."
    ),
    out: Path = typer.Option(..., "--out", help="The song list to write (.csv; what generate --songs reads)."),
    artists: Path = typer.Option(None, "--artists", help="Prominent artists, one a line: their pages' songs."),
    max_year: int = typer.Option(2020, "--max-year", help="Leave out songs first listed after this year."),
    min_charts: int = typer.Option(1, "--min-charts", min=1, help="Keep songs on at least this many lists."),
    top: int = typer.Option(None, "--top", min=1, help="Keep the N most-charted songs."),
    site_url: str = typer.Option(
        None, "--site-url", help="Encyclopedia for --artists (a mirror; default: the real site)."
    ),
    delay: float = opt.CrawlDelay,
    timeout: float = opt.CrawlTimeout,
    retry_backoff: float = opt.CrawlRetryBackoff,
    user_agent: str = opt.CrawlUserAgent,
    work_dir: Path = typer.Option(None, "--work-dir", help="HTTP cache and fetch log (default: OUT.pages/)."),
) -> None:
    from crossmusim.songlists.build import build_song_list, format_summary  # the page parsers

    config = SongsConfig(
        charts=chart, out=out, artists=artists, max_year=max_year, min_charts=min_charts, top=top,
        site_url=site_url, work_dir=work_dir, delay=delay, timeout=timeout,
        retry_backoff=retry_backoff, user_agent=user_agent,
    )  # fmt: skip
    report = build_song_list(config)
    for note in config.notes:
        typer.echo(f"note: {note}", err=True)
    for failure in report["artist_failures"]:
        typer.echo(f"warning: artist {failure['artist']}: {failure['url']}: {failure['reason']}", err=True)
    typer.echo(format_summary(report))
