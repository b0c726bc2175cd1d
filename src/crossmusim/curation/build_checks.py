"""The checks a build makes once its texts are paired: why nothing was paired, and whether the tag
file names the dataset's songs. Each answer is one line saying what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crossmusim.curation.tags import TagIndex
from crossmusim.errors import UserError


def nothing_paired(texts: int, unusable: list[dict[str, Any]], unmatched: list[dict[str, Any]]) -> str:
    """Why no text-audio pair was made, the top reasons first (nothing is written then)."""
    if not texts:
        return "no dataset written: no text was left after curation (see the counts with --verbose)"
    reasons = []
    if unusable:
        first = unusable[0]
        reasons.append(
            f"{len(unusable)} text{'s' if len(unusable) != 1 else ''} dropped: audio unusable "
            f"({Path(first['path']).name}: {first['reason']})"
        )
    if unmatched:
        reasons.append(f"{len(unmatched)} text{'s' if len(unmatched) != 1 else ''} without audio")
    return "no dataset written: " + "; ".join(reasons) + ": fix the audio manifest or folder (--audio)"


def check_tags(tags_path: Path | None, tags: TagIndex, unknown: list[str], problems: list[str]) -> None:
    """A tag file none of whose songs is in the dataset is a wrong file or wrong ids: stop; a few
    unknown songs are listed in report.json's tag_problems."""
    named = len(tags.by_id) + len(tags.by_key)
    if named and len(unknown) == named:
        raise UserError(
            f"--tags {tags_path}: none of its {named} songs is in the dataset (e.g. {unknown[0]!r}): "
            "name songs by the id of their source (a pairs file's id column) or by title and artist"
        )
    if unknown:
        problems.append(f"{len(unknown)} songs of {tags_path} are not in the dataset: {', '.join(unknown[:5])}")
