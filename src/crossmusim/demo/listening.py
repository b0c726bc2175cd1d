"""The demo's listening test (Table II beside Table I): a small study on the first seed's test songs
(the best model by validation, random, DSP and musicnn-std, each retrieving its top 3 for 8 query
songs), answered by 10 simulated raters through the web app's HTTP API, and its report. Simulated: the
raters' ratings follow the world's tags (`listen.simulate`), and every figure says so."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from crossmusim.experiment.stages import Stage

SYSTEMS = ("random", "dsp", "musicnn-std")
RATERS, QUERIES, TOP = 10, 8, 3


def simulated_study(root: Path, dataset: Path, run: Path, cache: Path, seed: int, seconds: float) -> tuple[Stage, dict]:
    import datasets

    from crossmusim.listen.report import table, write_report
    from crossmusim.listen.simulate import simulate
    from crossmusim.listen.study import StudyConfig, create_study

    start = time.monotonic()
    songs = datasets.load_from_disk(str(dataset / "songs"))["test"].num_rows
    config = StudyConfig(out=root / "study", models=[run], baselines=list(SYSTEMS), dataset=dataset, split="test",
                         queries=min(QUERIES, songs - 1), top=TOP, excerpt_seconds=min(5.0, seconds), seed=seed,
                         cache_dir=cache)  # fmt: skip
    made = create_study(config)
    answered = simulate(config.out, RATERS, seed)
    summary = write_report(config.out, root / "report", draws=500, seed=seed)
    found: dict[str, Any] = {
        "label": summary["label"],
        "table": table(summary),
        "alpha": summary["alpha"],
        "screened": summary["screened"],
        "mos": {name: cells["average"]["mos"] for name, cells in summary["systems"].items()},
        "report": str(root / "report" / "report.md"),
    }
    stage = Stage("listen (simulated)", made["trials"], answered["answers"], {}, time.monotonic() - start,
                  f"{RATERS} simulated raters, {made['queries']} queries, top {TOP}")  # fmt: skip
    return stage, found
