"""Show what the crawler makes of one page (a saved file or a URL) and why, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from crossmusim import __version__
from crossmusim.crawlers.config import CrawlConfig
from crossmusim.errors import UserError


def parse_page(
    source: str = typer.Argument(..., help="A saved page (HTML file) or an http(s) URL."),
    url: str = typer.Option(None, "--url", help="The URL a saved page was served under (ids, canonical link)."),
    render: str = typer.Option(None, "--render", help="'js': render a URL in Chromium first."),
    chromium: str = typer.Option(CrawlConfig.chromium_path, "--chromium", help="Chromium for --render js."),
    user_agent: str = typer.Option(None, "--user-agent", help="User-Agent for a URL (default: the crawl's)."),
    timeout: float = typer.Option(CrawlConfig.timeout_s, "--timeout", min=0.1, help="Seconds for a URL."),
) -> None:
    if render not in (None, "js"):
        raise UserError(f"--render {render!r} is not supported: use --render js")
    from crossmusim.crawlers import inspect_page  # the page parsers: only when a page is read

    agent = user_agent or CrawlConfig.user_agent.format(version=__version__)
    status, location = 200, None
    if inspect_page.is_url(source):
        page_url = url or source
        if render == "js":
            html = inspect_page.render(source, agent, chromium, timeout=timeout)
        else:
            html, status, location = inspect_page.fetch(source, agent, timeout=timeout)
    else:
        if render == "js":
            raise UserError("--render js needs a URL: a saved file is parsed as it is")
        page_url = url or Path(source).resolve().as_uri()
        html = inspect_page.read_saved(Path(source))
    report = inspect_page.page_report(html, page_url, status=status, location=location)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
