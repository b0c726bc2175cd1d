"""The demo's report.md: its stages, the grid's tables, what the ablation and baselines mean, and the
search results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossmusim.demo.ab_test import DAYS, USERS, table_iii
from crossmusim.demo.listening import TOP
from crossmusim.experiment.report import tables_markdown
from crossmusim.experiment.result import ExperimentResult
from crossmusim.experiment.stages import Stage

if TYPE_CHECKING:
    from crossmusim.demo.config import DemoConfig

REFERENCE = "musicnn-std"  # the strongest fair audio-only baseline


def _alpha(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def report_markdown(cfg: DemoConfig, report: dict[str, Any], grid: ExperimentResult) -> str:
    lines = [
        "# crossmusim demo",
        "",
        f"A synthetic world of {cfg.songs} songs (seed {cfg.seed}), split seeds {report['seeds']}. The songs, their "
        "pages and the LLM that describes them are synthetic: the LLM is a stand-in answering from the labels, "
        "so these figures show text acting as weak label supervision, not what a real model's descriptions do.",
        "",
        "## Stages",
        "",
        "```",
        *[Stage(**s).line() for s in report["stages"]],
        "```",
        "",
        *tables_markdown(grid, REFERENCE),
        f"The masking ablation trains the best text types by validation ({report['best_text_types']}) on the "
        "same splits without masking names (`-unmasked`), scored in the same evaluate call on the same test songs. "
        f"Baselines: `{REFERENCE}` (musicnn's features standardised with the training split's statistics) is the "
        "reference; `untrained` is the models' architecture before training; `probe` is their audio head trained "
        "as a tag classifier on the training split's tags (an upper bound for tag-like text).",
        "",
        "## Listening test, SIMULATED raters (Table II; first seed's test songs)",
        "",
        f"Mean Opinion Score 1-5 of each system's top {TOP} songs for each query, 95% intervals over raters and "
        "queries; "
        f"{report['listening']['label']}, whose ratings follow the world's tags (they show the study's machinery "
        "and that the ranking follows the tags, not what musicians would say). Krippendorff's alpha: "
        f"{_alpha(report['listening']['alpha'])}. Report: {report['listening']['report']}.",
        "",
        report["listening"]["table"],
        "",
        "## A/B test, SIMULATED listeners (Table III; first seed's test songs)",
        "",
        f"`crossmusim serve` with two arms (musicnn-std's index, the best model's), {USERS} simulated listeners for "
        f"{DAYS} days over HTTP; each likes 3 songs and asks for a playlist like them; a song is played with a "
        "probability that grows with the tags it shares with the listener's taste. Report: "
        f"{report['ab_test']['report']}.",
        "",
        *table_iii(report["ab_test"]),
        "",
        "## Search (first seed's test songs, the best model)",
        "",
    ]
    for query, hits in report["search"].items():
        lines.append(f"- `{query}`:")
        lines += [f"  - {h.get('title')} / {h.get('artist')}: {h.get('labels', '?')} (score {h['score']:.3f})"
                  for h in hits]  # fmt: skip
    lines += ["", f"Per-seed reports with plots: {report['report_html']}", ""]
    return "\n".join(lines)
