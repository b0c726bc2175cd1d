"""`crossmusim listen report STUDY --out DIR`: `mos.json` (MOS with 95% intervals per system and
criterion, paired Wilcoxon tests, Krippendorff's alpha, the screened raters), `report.md` in the
layout of the paper's Table II, `mos.png` and `ratings.parquet` (every answer with its rater, trial,
query, item, system and time). Simulated raters are labelled so wherever their numbers appear."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_text
from crossmusim.listen import statistics, store

ANSWERS = """
SELECT r.name AS rater, r.simulated, t.id AS trial, t.kind AS trial_kind, q.song_id AS query, i.id AS item,
       s.song_id AS song, i.kind, sy.name AS system, rt.rank, a.played, a.answered_at, a.ratings
FROM answers a JOIN raters r ON r.id = a.rater JOIN items i ON i.id = a.item JOIN trials t ON t.id = i.trial
JOIN songs q ON q.stimulus = t.query JOIN songs s ON s.stimulus = i.stimulus
LEFT JOIN retrievals rt ON rt.item = i.id LEFT JOIN systems sy ON sy.id = rt.system
ORDER BY a.answered_at, r.name, i.id, sy.name
"""


def load_answers(study: Path) -> tuple[pd.DataFrame, list[str], int, list[str]]:
    """The answer table (a row per answer and retrieving system), the criteria, the number of distinct
    answers, and the systems."""
    with store.opened(store.check_study(study)) as conn:
        criteria = store.meta(conn, "criteria")
        rows = [dict(row) for row in conn.execute(ANSWERS)]
        answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        systems = [row["name"] for row in conn.execute("SELECT name FROM systems ORDER BY id")]
    for row in rows:
        row.update(json.loads(row.pop("ratings")))
        row["simulated"], row["played"] = bool(row["simulated"]), bool(row["played"])
    columns = ["rater", "simulated", "trial", "trial_kind", "query", "item", "song", "kind", "system", "rank",
               "played", "answered_at", *criteria]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), criteria, answers, systems


def raters_label(frame: pd.DataFrame) -> str:
    people = frame.drop_duplicates("rater")
    simulated, total = int(people["simulated"].sum()), len(people)
    if simulated == total:
        return f"{total} simulated raters"
    return f"{total} raters ({simulated} simulated)" if simulated else f"{total} raters"


def summarise(study: Path, draws: int = statistics.DRAWS, seed: int = 0) -> dict[str, Any]:
    frame, criteria, answers, systems = load_answers(study)
    if frame.empty:
        raise UserError(f"{study}: no answers yet (invite raters: crossmusim listen invite {study} --raters N)")
    screened = statistics.screen(frame, criteria)
    kept = frame[~frame["rater"].isin({s["rater"] for s in screened})]
    return {
        "answers": answers,
        "raters": int(frame["rater"].nunique()),
        "simulated_raters": int(frame.drop_duplicates("rater")["simulated"].sum()),
        "label": raters_label(frame),
        "criteria": criteria,
        "systems": statistics.mos(kept, criteria, draws, seed),
        "pairs": statistics.paired_tests(kept, criteria),
        "alpha": statistics.alpha(frame, criteria),
        "screened": screened,
        "played_share": float(frame.drop_duplicates(["rater", "item"])["played"].mean()),
        "order": systems,
    }


def table(summary: dict[str, Any]) -> str:
    """Table II's layout: a row per system, MOS [95% interval] per criterion and their average."""
    columns = [*summary["criteria"], "average"]
    lines = ["| system | " + " | ".join(columns) + " |", "|" + " --- |" * (len(columns) + 1)]
    for name in summary["order"]:
        if name in summary["systems"]:
            cells = summary["systems"][name]
            shown = [f"{cells[c]['mos']:.2f} [{cells[c]['ci'][0]:.2f}, {cells[c]['ci'][1]:.2f}]" for c in columns]
            lines.append(f"| {name} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


def markdown(summary: dict[str, Any], study: Path) -> str:
    simulated = " (SIMULATED raters: not people)" if summary["simulated_raters"] else ""
    pairs = [
        "| A | B | mean difference (A - B) | queries | Wilcoxon p | Holm p |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    pairs += [f"| {p['a']} | {p['b']} | {p['difference']:+.2f} | {p['queries']} | {p['p']:.3g} | {p['p_holm']:.3g} |"
              for p in summary["pairs"]]  # fmt: skip
    alpha = "n/a (fewer than two raters)" if summary["alpha"] is None else f"{summary['alpha']:.3f}"
    screened = "; ".join(f"{s['rater']}: {s['why']}" for s in summary["screened"]) or "none"
    return "\n\n".join([
        f"# Listening test{simulated}",
        f"Study {study}: {summary['answers']} answers from {summary['label']}; Mean Opinion Score (1-5) of each "
        "system's retrieved songs, 95% bootstrap intervals over raters and queries. Raters screened out by the "
        f"hidden checks: {screened}. Agreement (Krippendorff's alpha, ordinal): {alpha}. Share of answers "
        f"given after playing the song: {summary['played_share']:.0%}.",
        table(summary) if summary["systems"] else "Every rater was screened out by the hidden checks: no MOS.",
        "## Paired differences (average rating per query; Wilcoxon signed-rank, Holm-corrected)",
        "\n".join(pairs), "![MOS per system and criterion](mos.png)",
    ]) + "\n"  # fmt: skip


def plot(summary: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = [n for n in summary["order"] if n in summary["systems"]]
    columns = [*summary["criteria"], "average"]
    fig, ax = plt.subplots(figsize=(max(5.0, 2 + 1.5 * len(names)), 4.0), layout="constrained")
    width = 0.8 / len(columns)
    for k, column in enumerate(columns):
        values = np.array([summary["systems"][n][column]["mos"] for n in names])
        low = values - np.array([summary["systems"][n][column]["ci"][0] for n in names])
        high = np.array([summary["systems"][n][column]["ci"][1] for n in names]) - values
        ax.bar(np.arange(len(names)) + k * width, values, width, yerr=[low, high], capsize=2, label=column)
    ax.set_xticks(np.arange(len(names)) + width * (len(columns) - 1) / 2, names, rotation=20, ha="right")
    ax.set_ylim(1, 5)
    ax.set_ylabel("MOS (1-5)")
    ax.set_title("Listening test" + (" (simulated raters)" if summary["simulated_raters"] else ""))
    ax.legend(fontsize=7, ncol=len(columns), loc="upper center", bbox_to_anchor=(0.5, -0.25))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(study: Path, out: Path, draws: int = statistics.DRAWS, seed: int = 0) -> dict[str, Any]:
    from crossmusim.outputs import check_output_folder

    check_output_folder(out, "listen report")
    summary = summarise(study, draws, seed)
    out.mkdir(parents=True, exist_ok=True)
    frame = load_answers(study)[0]
    frame.to_parquet(out / "ratings.parquet", index=False)
    payload = {k: summary[k] for k in ("answers", "raters", "simulated_raters", "systems", "pairs", "alpha",
                                       "screened", "played_share")}  # fmt: skip
    atomic_write_text(out / "mos.json", json.dumps(payload, indent=2) + "\n")
    plot(summary, out / "mos.png")
    atomic_write_text(out / "report.md", markdown(summary, study))
    return summary
