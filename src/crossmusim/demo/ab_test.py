"""The demo's A/B test (Table III beside Table I): the first seed's test songs served by the real service
with two arms, the best model's index and musicnn-std's, to 1,000 simulated listeners for 7 days
(`serve.simulate`), and `ab-report` on what the service stored. Simulated: the listeners' plays follow
the world's tags, and every figure says so."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from crossmusim.experiment.stages import Stage

REFERENCE = "musicnn-std"
USERS, DAYS = 1000, 7


def simulated_ab_test(root: Path, dataset: Path, model_index: Path, cache: Path, seed: int) -> tuple[Stage, dict]:
    from crossmusim.evaluation import EmbedConfig, embed
    from crossmusim.evaluation.embeddings_io import read_meta
    from crossmusim.evaluation.retrieval import build_pool, save_pool
    from crossmusim.serve.simulate import SimulationConfig, simulate_ab

    start = time.monotonic()
    vectors = root / f"{REFERENCE}.npz"
    done = embed(EmbedConfig(out=vectors, baseline=REFERENCE, dataset=dataset, split="test", cache_dir=cache))
    meta = read_meta(vectors.with_name(vectors.stem + ".tracks.jsonl"))
    reference = save_pool(build_pool(done.ids, done.vectors, meta), root / f"index-{REFERENCE}")
    arms = [(REFERENCE, str(reference)), ("model", str(model_index))]  # the reference first: lifts over it
    summary = simulate_ab(SimulationConfig(root / "simulation", arms, dataset, "test", USERS, DAYS, seed))
    found: dict[str, Any] = {"arms": summary["arms"], "lift": summary["lift"], "srm_p": summary["srm_p"],
                             "report": str(root / "simulation" / "report" / "report.md")}  # fmt: skip
    requests = sum(a["requests"] for a in summary["arms"].values())
    stage = Stage("ab-test (simulated)", requests, summary["events_stored"], {}, time.monotonic() - start,
                  f"{USERS} simulated listeners, {DAYS} days, arms {REFERENCE} and the best model")  # fmt: skip
    return stage, found


def table_iii(found: dict[str, Any]) -> list[str]:
    """Markdown lines: per arm, plays per user, completion rate and device coverage; the model's lifts."""
    lines = ["| arm | users | plays per user | completion rate | device coverage |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {arm} | {a['users']} | {a['plays_per_user']:.3f} | {a['completion_rate']:.3f} | "
              f"{a['device_coverage']:.3f} |" for arm, a in found["arms"].items()]  # fmt: skip
    lifts = []
    for metric, by_arm in found["lift"].items():
        value = by_arm.get("model") or {}
        if value.get("estimate") is not None:
            lo, hi = (100 * bound for bound in value["ci"])
            lifts.append(f"{metric.replace('_', ' ')} {100 * value['estimate']:+.2f}% [{lo:+.2f}%, {hi:+.2f}%]")
    return [*lines, "", f"Lift of the model's arm over {REFERENCE} (95% interval, delta method over users): "
            + "; ".join(lifts) + f". Sample-ratio check p = {found['srm_p']:.3g}."]  # fmt: skip
