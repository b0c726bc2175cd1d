"""`build-dataset --tags FILE`: read by the readers `evaluate --tags` uses, so one tag file serves both.
crossmusim's own rows (`song_id`/`id`, `level`, `tag`, or `title` + `artist`) and the 4Q metadata are read
by `curation.tags`; an MTG-Jamendo TSV, a MusicCaps CSV and a MuChin folder by `evaluation.tag_sets`,
their songs named by the source's ids (a pairs file's `id` column)."""

from __future__ import annotations

from pathlib import Path

from crossmusim.curation.tags import TagIndex, load_tags
from crossmusim.errors import UserError
from crossmusim.io import open_text


def _header(path: Path) -> str:
    with open_text(path) as handle:
        return handle.readline()


def read_build_tags(path: Path, *, problems: list[str], strict: bool = False) -> TagIndex:
    """The tag index of any tag format `evaluate --tags` reads."""
    from crossmusim.evaluation import tag_sets

    path = Path(path)
    if not path.exists():
        raise UserError(f"--tags {path}: no such file")
    if path.is_dir():
        tracks = tag_sets.read_muchin_tags(path)
    else:
        header = _header(path)
        if header.startswith("TRACK_ID"):
            tracks = tag_sets.read_jamendo(path)
        elif "aspect_list" in header:
            tracks = tag_sets.read_musiccaps_tags(path)
        else:
            return load_tags(path, problems=problems, strict=strict)
    index = TagIndex()
    for track in tracks:
        index.by_id[track.id].update(coarse=list(track.tags_coarse), fine=list(track.tags_fine))
        index.rows += len(track.tags_coarse) + len(track.tags_fine)
    return index
