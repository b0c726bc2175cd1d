"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

OutDir = typer.Option(..., "--out", "-o", help="Output folder (created if missing).",
                      file_okay=False, dir_okay=True, path_type=Path)
