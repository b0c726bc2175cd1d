"""Error types. A `UserError` is something the user can fix: the CLI prints its one line and exits with
the error's `exit_code` (1; 2 for a request that contradicts what is already there)."""

from __future__ import annotations


class CrossmusimError(Exception):
    """Base class of every error crossmusim raises on purpose."""

    exit_code = 1


class UserError(CrossmusimError):
    """Bad input or configuration; the message names the file/record and the fix."""


class ConfigMismatchError(UserError):
    """A resumed run asked for another configuration than the one it started with (exit 2, like a bad option)."""

    exit_code = 2


class InputFormatError(UserError):
    """A malformed record in an input file."""

    def __init__(self, path: object, line: int | None, problem: str, fix: str = "") -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        message = f"{where}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)
        self.path = path
        self.line = line


class MissingExtraError(UserError):
    """An optional dependency is not installed."""

    def __init__(self, module: str, extra: str, install: str | None = None) -> None:
        install = install or f'pip install "crossmusim[{extra}]"'
        super().__init__(f"this needs the optional package '{module}': {install}")
        self.module = module
        self.extra = extra


class CrawlBlockedError(CrossmusimError):
    """The site kept answering with challenge pages; the crawl stopped with its output intact."""
