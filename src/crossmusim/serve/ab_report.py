"""`crossmusim ab-report`: what an A/B test's users did, per arm, and the lift of each arm over the first.

Per arm (from the stored requests and events; requests without a user are left out and counted):
`users` (users with a request or an event), `requests`, `plays`, `plays_per_user`, `completion_rate`
(completes per play) and `device_coverage` (the share of devices with at least one play).

Every metric is a ratio of per-user sums, R = sum(y) / sum(x) over the arm's users (plays_per_user:
y = plays, x = 1; completion_rate: y = completes, x = plays; device_coverage: y = devices with a play,
x = devices). Its variance by the delta method over users is
Var(R) = (s_y^2 - 2 R s_xy + R^2 s_x^2) / (n xbar^2), and the relative lift of arm B over arm A,
L = R_B / R_A - 1, has Var(L) = (R_B / R_A)^2 (Var(R_B) / R_B^2 + Var(R_A) / R_A^2): a 95% interval
L +- 1.96 sd. `srm_p` is the chi-square test (scipy) of the users per arm against the configured
split; below 0.001 the report warns that the assignment is broken and the lifts are not to be trusted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crossmusim.errors import UserError
from crossmusim.io import atomic_write_text
from crossmusim.serve.events import read_tables

METRICS = ("plays_per_user", "completion_rate", "device_coverage")
SRM_ALARM = 0.001
Z95 = 1.959963984540054


def per_user(requests: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (arm, user): requests, plays, completes, devices, devices with a play."""
    named = requests[requests["anonymous"] == 0]
    users = pd.concat([named[["arm", "user"]], events[["arm", "user"]]]).drop_duplicates()
    counts = named.groupby(["arm", "user"]).size().rename("requests")
    kinds = events.pivot_table(index=["arm", "user"], columns="event", values="song", aggfunc="count", fill_value=0)
    devices = events.dropna(subset=["device"])
    device_count = devices.groupby(["arm", "user"])["device"].nunique().rename("devices")
    played = devices[devices["event"] == "play"].groupby(["arm", "user"])["device"].nunique().rename("played_devices")
    table = users.set_index(["arm", "user"]).join([counts, device_count, played]).join(kinds)
    for column in ("requests", "devices", "played_devices", "play", "complete", "skip", "impression"):
        table[column] = table[column].fillna(0).astype(int) if column in table else 0
    return table.reset_index()


def ratio(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """R = sum(y) / sum(x) and its delta-method variance over the units (users)."""
    n = len(y)
    if n < 2 or x.sum() == 0:
        return float("nan"), float("nan")
    r = y.sum() / x.sum()
    cov = np.cov(y, x, ddof=1)
    var = (cov[0, 0] - 2 * r * cov[0, 1] + r**2 * cov[1, 1]) / (n * x.mean() ** 2)
    return float(r), float(var)


def metric_units(users: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    y, x = {"plays_per_user": ("play", None), "completion_rate": ("complete", "play"),
            "device_coverage": ("played_devices", "devices")}[metric]  # fmt: skip
    ys = users[y].to_numpy(float)
    return ys, np.ones_like(ys) if x is None else users[x].to_numpy(float)


def lift(treated: pd.DataFrame, control: pd.DataFrame, metric: str) -> dict[str, Any]:
    rb, vb = ratio(*metric_units(treated, metric))
    ra, va = ratio(*metric_units(control, metric))
    if not (ra > 0 and np.isfinite(rb)):
        return {"estimate": None, "ci": None}
    estimate = rb / ra - 1
    sd = (rb / ra) * np.sqrt(vb / rb**2 + va / ra**2) if rb > 0 else float("nan")
    return {"estimate": float(estimate), "ci": [float(estimate - Z95 * sd), float(estimate + Z95 * sd)]}


def summarise(url: str | Path) -> dict[str, Any]:
    from scipy.stats import chisquare

    meta, requests, events = read_tables(url)
    if requests.empty and events.empty:
        raise UserError(f"--events {url}: the store holds no requests and no events yet")
    arms = meta.get("arms") or sorted(set(requests["arm"]) | set(events["arm"]))
    split = meta.get("split") or [1 / len(arms)] * len(arms)
    users = per_user(requests, events)
    by_arm = {arm: users[users["arm"] == arm] for arm in arms}
    summary: dict[str, Any] = {"arms": {}, "lift": {}, "split": split, "simulated": bool(meta.get("simulated")),
                               "anonymous_requests": int((requests["anonymous"] == 1).sum())}  # fmt: skip
    for arm, rows in by_arm.items():
        plays = int(rows["play"].sum())
        summary["arms"][arm] = {
            "users": len(rows), "requests": int(rows["requests"].sum()), "plays": plays,
            **{metric: ratio(*metric_units(rows, metric))[0] for metric in METRICS},
        }  # fmt: skip
    for metric in METRICS:
        summary["lift"][metric] = {arm: lift(by_arm[arm], by_arm[arms[0]], metric) for arm in arms[1:]}
    observed = np.array([summary["arms"][a]["users"] for a in arms], float)
    expected = observed.sum() * np.array(split)
    summary["srm_p"] = float(chisquare(observed, expected).pvalue) if observed.sum() else None
    return summary


def markdown(summary: dict[str, Any], url: str) -> str:
    arms = list(summary["arms"])
    label = " (SIMULATED listeners)" if summary["simulated"] else ""
    lines = [f"# A/B test{label}", "", f"Events store: {url}. Lifts of each arm over **{arms[0]}**, relative, "
             "with a 95% interval by the delta method over users.", ""]  # fmt: skip
    if summary["srm_p"] is not None and summary["srm_p"] < SRM_ALARM:
        lines += [f"**Warning: sample-ratio mismatch** (chi-square p = {summary['srm_p']:.2g} against the split "
                  f"{summary['split']}): users did not reach the arms as configured; the lifts are not to be trusted.",
                  ""]  # fmt: skip
    lines += ["| arm | users | requests | plays | plays per user | completion rate | device coverage |",
              "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for arm, a in summary["arms"].items():
        lines.append(f"| {arm} | {a['users']} | {a['requests']} | {a['plays']} | {a['plays_per_user']:.3f} | "
                     f"{a['completion_rate']:.3f} | {a['device_coverage']:.3f} |")  # fmt: skip
    lines += ["", "| metric | arm | lift over " + arms[0] + " | 95% interval |", "| --- | --- | --- | --- |"]
    for metric, found in summary["lift"].items():
        for arm, value in found.items():
            if value["estimate"] is None:
                lines.append(f"| {metric} | {arm} | - | - |")
            else:
                lo, hi = value["ci"]
                lines.append(
                    f"| {metric} | {arm} | {100 * value['estimate']:+.2f}% | [{100 * lo:+.2f}%, {100 * hi:+.2f}%] |"
                )
    srm = "n/a" if summary["srm_p"] is None else f"{summary['srm_p']:.3g}"
    lines += ["", f"Sample-ratio check (users per arm against the split): p = {srm}. Requests without a user "
              f"(first arm, left out): {summary['anonymous_requests']}.", "", "![lifts](ab.png)", ""]  # fmt: skip
    return "\n".join(lines)


def plot(summary: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(f"{metric}\n{arm}", value) for metric, found in summary["lift"].items()
            for arm, value in found.items() if value["estimate"] is not None]  # fmt: skip
    fig, ax = plt.subplots(figsize=(6, 1 + 0.6 * max(1, len(rows))), layout="constrained")
    for n, (_, value) in enumerate(rows):
        low, high = 100 * (value["estimate"] - value["ci"][0]), 100 * (value["ci"][1] - value["estimate"])
        ax.errorbar(100 * value["estimate"], n, xerr=[[low], [high]], fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
    ax.set_xlabel(f"lift over {next(iter(summary['arms']))} (%)")
    ax.set_title("A/B test" + (" (simulated)" if summary["simulated"] else ""))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_ab_report(url: str | Path, out: Path) -> dict[str, Any]:
    from crossmusim.outputs import check_output_folder

    check_output_folder(out, "ab-report")
    summary = summarise(url)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "ab.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(out / "report.md", markdown(summary, str(url)))
    plot(summary, out / "ab.png")
    return summary
