"""The `crossmusim` command: one typer app, one module per command.

A user error prints one line and exits 1 (the traceback only with --debug); a bad option value, or a
`--resume` that changes the run's configuration, exits 2; a crawl stopped by persistent blocking exits
3 with its output intact.
"""

from __future__ import annotations

import sys

import typer

from crossmusim import __version__
from crossmusim.cli import (
    aspects,
    build_dataset,
    crawl,
    demo,
    embed,
    evaluate,
    experiment,
    generate,
    index,
    listen,
    parse_page,
    search,
    serve,
    songs,
    train,
)
from crossmusim.errors import CrawlBlockedError, CrossmusimError
from crossmusim.logs import setup_logging

app = typer.Typer(
    name="crossmusim",
    help="CrossMuSim: learn music-to-music similarity from text descriptions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain (click) help: every option name and help text in full, wrapped to the terminal, also when
    # piped or in a narrow window (rich's boxed tables cut option names and help with an ellipsis).
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crossmusim {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
    debug: bool = typer.Option(False, "--debug", help="Debug logging and full tracebacks."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    setup_logging(verbose=verbose, debug=debug)


app.command(name="crawl", help=crawl.__doc__)(crawl.crawl)
app.command(name="parse-page", help=parse_page.__doc__)(parse_page.parse_page)
app.command(name="songs", help=songs.__doc__)(songs.songs)
app.command(name="generate", help=generate.__doc__)(generate.generate)
app.command(name="aspects", help=aspects.__doc__)(aspects.aspects)
app.command(name="build-dataset", help=build_dataset.__doc__)(build_dataset.build)
app.command(name="train", help=train.__doc__)(train.train)
app.command(name="embed", help=embed.__doc__)(embed.embed)
app.command(name="evaluate", help=evaluate.__doc__)(evaluate.evaluate)
app.command(name="index", help=index.__doc__)(index.index)
app.command(name="search", help=search.__doc__)(search.search)
app.command(name="experiment", help=experiment.__doc__)(experiment.experiment)
app.command(name="demo", help=demo.__doc__)(demo.demo)
app.add_typer(listen.app, name="listen")
app.command(name="serve", help=serve.__doc__)(serve.serve)
app.command(name="ab-report", help=serve.ab_report.__doc__)(serve.ab_report)
app.command(name="ab-simulate", help=serve.ab_simulate.__doc__)(serve.ab_simulate)


try:  # typer vendors click from 0.2x on; earlier releases use click itself
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import NoArgsIsHelpError, UsageError

# Failures to write an output that the user can fix (a read-only folder, a file where a folder goes).
_WRITE_ERRORS = (PermissionError, NotADirectoryError, IsADirectoryError, FileExistsError)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        # Not standalone: click's usage errors come back as exceptions, to be said in one line too.
        app(args=args, prog_name="crossmusim", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else str(exc))
        sys.exit(0)
    except UsageError as exc:  # a bad option value ("--max-pages 0"), an unknown option or command
        where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
        typer.echo(f"crossmusim: error: {where}{exc.format_message()} (see --help)", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("crossmusim: interrupted", err=True)
        sys.exit(130)
    except _WRITE_ERRORS as exc:
        if "--debug" in args:
            raise
        target = exc.filename or "the output"
        reason = exc.strerror or str(exc)
        typer.echo(f"crossmusim: error: cannot write {target} ({reason}): choose another --out or fix it", err=True)
        sys.exit(1)
    except CrawlBlockedError as exc:
        typer.echo(f"crossmusim: crawl stopped: {exc}", err=True)
        sys.exit(3)
    except CrossmusimError as exc:
        if "--debug" in args:
            raise
        typer.echo(f"crossmusim: error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
