"""A build's last block: `stats.json` (what every step kept and dropped, the rows per split),
`report.json` (which texts found no usable audio, which audio found no text, the input problems) and
the dataset card `README.md`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crossmusim.curation.audio import AudioIndex
from crossmusim.curation.base import CurationStats
from crossmusim.curation.masking import MaskNames
from crossmusim.curation.pairing import Paired
from crossmusim.curation.tags import TagIndex
from crossmusim.io import atomic_write_json, atomic_write_text


def write_build_report(
    staging: Path, config, stats: CurationStats, masker: MaskNames, paired: Paired, audio: AudioIndex,
    tags: TagIndex, tag_problems: list[str], splits: dict[str, Any], counts, artists: dict[str, int],
    split_conflicts: int = 0, first_drops: dict[tuple[str, str], str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write the three files into `staging`; returns the summary (stats.json's content)."""
    from crossmusim.curation.dataset_card import dataset_card

    all_audio = {r.path for r in audio.by_id.values()} | {r.path for r in audio.by_key.values()}
    report = {
        "texts_without_audio": paired.unmatched,
        "texts_with_unusable_audio": paired.unusable,
        "audio_without_texts": sorted(str(p) for p in all_audio - paired.used_audio),
        "audio_problems": audio.problems,
        "tag_problems": tag_problems,
        "split_conflicts": split_conflicts,  # groups --splits-from had in two splits: sent to test
    }
    summary = {
        "out": str(config.out),
        "command": config.command,
        "seed": config.seed,
        "audio_embedded": config.embed_audio,
        "dedup": config.dedup,
        "filters": "web text only" if config.filters is None else ",".join(config.filters) or "none",
        "mask": {
            "enabled": config.mask,
            "checked": masker.checked,
            "leaked": masker.leaked,
            "leak_share": round(masker.leak_share, 6),
        },
        "stats": stats.as_dict(),
        "rows": {name: len(split_rows) for name, split_rows in splits.items()},
        "split_shares": list(config.split_shares),
        "artists": artists,
        "split_conflicts": split_conflicts,
        "drops": drop_summary(stats, first_drops or {}, paired),
        "audio": {"files": audio.total, "usable": len(all_audio), "problems": len(audio.problems)},
        "unmatched_texts": len(paired.unmatched),
        "texts_with_unusable_audio": len(paired.unusable),
        "tags_rows": tags.rows,
        "tag_problems": len(tag_problems),
        "first_tag_problem": tag_problems[0] if tag_problems else None,
        "texts_shared_by_songs": paired.shared.rows,
    }
    atomic_write_json(staging / "stats.json", summary)
    atomic_write_json(staging / "report.json", report)
    atomic_write_text(staging / "README.md", dataset_card(summary, counts.as_dict()))
    return summary


def drop_summary(stats: CurationStats, first: dict[tuple[str, str], str], paired: Paired) -> list[dict[str, Any]]:
    """Every (step, reason) that dropped texts: how many, and the first example (file:line where known)."""
    audio_first = {"no_audio": paired.unmatched, "audio_unusable": paired.unusable}
    found = []
    for step, outcomes in stats.as_dict()["by_step"].items():
        for outcome, count in outcomes.items():
            if not outcome.startswith("dropped_") or not count:
                continue
            reason = outcome.removeprefix("dropped_")
            example = first.get((step, reason))
            if example is None and audio_first.get(reason):
                row = audio_first[reason][0]
                example = row.get("origin") or row.get("song_id")
            found.append({"step": step, "reason": reason, "count": count, "first": example})
    return found


def drop_lines(summary: dict[str, Any]) -> list[str]:
    """One line per drop reason, and the tag file's problems, for the terminal."""
    lines = [f"dropped {d['count']} at {d['step']}: {d['reason']}" + (f" (first: {d['first']})" if d["first"] else "")
             for d in summary.get("drops", [])]  # fmt: skip
    if summary.get("tag_problems"):
        count = summary["tag_problems"]
        lines.append(f"tags: {count} problem{'s' if count > 1 else ''}, listed in report.json's tag_problems "
                     f"(first: {summary['first_tag_problem']})")  # fmt: skip
    return lines
