"""Output folders: each command writes its own kind, and never into another command's results.

build-dataset replaces its --out as a whole, so pointing it at a crawl's folder would delete the crawl;
crawl, generate and aspects append to files whose names the others do not use, so mixing them up is
at best confusing. Each command asks here first.
"""

from __future__ import annotations

from pathlib import Path

from crossmusim.errors import UserError

# The files that mark a folder as holding one command's results.
MARKERS: dict[str, tuple[str, ...]] = {
    "crawl": ("songs.jsonl", "crawl-stats.json"),
    "generate": ("descriptions.jsonl", "generate-summary.json"),
    "aspects": ("aspects.jsonl", "aspects-summary.json"),
    "build-dataset": ("pairs/dataset_dict.json", "dataset_dict.json"),
    "train": ("checkpoints", "data-report.json"),
    "evaluate": ("metrics.json", "report.html"),
    "index": ("index.faiss",),
    "listen": ("study.sqlite",),
    "listen report": ("mos.json",),
    "ab-report": ("ab.json",),
}


def check_output_folder(out: Path, command: str) -> None:
    """Refuse an --out that is a file, or that holds the results of another command."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file: give a folder")
    if not out.is_dir():
        return
    for other, markers in MARKERS.items():
        found = next((name for name in markers if other != command and (out / name).exists()), None)
        if found:
            raise UserError(f"--out {out} holds the results of crossmusim {other} ({found}): choose another --out")
