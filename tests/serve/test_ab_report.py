"""`ab-report` on events written by hand: known lifts, delta-method intervals against a bootstrap over
users, and the sample-ratio check."""

from __future__ import annotations

import json

import numpy as np
import pytest

from crossmusim.serve.ab_report import summarise, write_ab_report
from crossmusim.serve.events import SqliteEvents
from tests.conftest import run_cli

WHEN = "2026-12-06T00:00:00Z"


def _store(path, users: dict[str, list[tuple[int, int, int]]], split=(0.5, 0.5)) -> str:
    """users: arm -> per user (plays, completes, devices); every user made one request."""
    store = SqliteEvents(path)
    store.set_meta({"arms": list(users), "split": list(split), "salt": "s"})
    rows = []
    for arm, people in users.items():
        for n, (plays, completes, devices) in enumerate(people):
            user = f"{arm}-{n}"
            store.add_request((f"r-{user}", user, arm, "playlist", 20, 0, WHEN))
            rows += [(user, arm, f"r-{user}", "song", "impression", f"{user}-d{d}", WHEN, WHEN) for d in range(devices)]
            rows += [(user, arm, f"r-{user}", "song", "play", f"{user}-d{p % max(devices, 1)}", WHEN, WHEN)
                     for p in range(plays)]  # fmt: skip
            rows += [(user, arm, f"r-{user}", "song", "complete", f"{user}-d0", WHEN, WHEN) for _ in range(completes)]
    store.add_events(rows)
    store.close()
    return str(path)


def test_known_lifts_come_out_exactly(tmp_path):
    # A: 100 users with 2 plays (1 completed) on 1 of 2 devices; B: 100 users with 3 plays (2 completed) on both.
    url = _store(tmp_path / "e.sqlite", {"A": [(2, 1, 2)] * 100, "B": [(3, 2, 2)] * 100})
    summary = summarise(url)
    assert summary["arms"]["A"] == {"users": 100, "requests": 100, "plays": 200, "plays_per_user": 2.0,
                                    "completion_rate": 0.5, "device_coverage": 1.0}  # fmt: skip
    lift = summary["lift"]
    assert lift["plays_per_user"]["B"]["estimate"] == pytest.approx(0.5)
    assert lift["plays_per_user"]["B"]["ci"] == pytest.approx([0.5, 0.5])  # no spread between users
    assert lift["completion_rate"]["B"]["estimate"] == pytest.approx((2 / 3) / 0.5 - 1)
    assert lift["device_coverage"]["B"]["estimate"] == pytest.approx(0.0)
    assert summary["srm_p"] == pytest.approx(1.0)


def test_delta_method_intervals_match_a_bootstrap_over_users(tmp_path):
    rng = np.random.default_rng(0)
    a = [(int(p), int(rng.binomial(p, 0.5)), 2) for p in rng.poisson(2.0, 800)]
    b = [(int(p), int(rng.binomial(p, 0.6)), 2) for p in rng.poisson(2.3, 800)]
    summary = summarise(_store(tmp_path / "e.sqlite", {"A": a, "B": b}))
    plays_a, plays_b = np.array([u[0] for u in a], float), np.array([u[0] for u in b], float)
    done_a, done_b = np.array([u[1] for u in a], float), np.array([u[1] for u in b], float)
    draws = []
    for _ in range(4000):
        ia, ib = rng.integers(0, 800, 800), rng.integers(0, 800, 800)
        draws.append((plays_b[ib].mean() / plays_a[ia].mean() - 1,
                      (done_b[ib].sum() / plays_b[ib].sum()) / (done_a[ia].sum() / plays_a[ia].sum()) - 1))  # fmt: skip
    draws = np.array(draws)
    for column, metric in enumerate(("plays_per_user", "completion_rate")):
        found = summary["lift"][metric]["B"]
        low, high = np.percentile(draws[:, column], [2.5, 97.5])
        width = high - low
        assert found["ci"][0] == pytest.approx(low, abs=0.1 * width) and found["ci"][1] == pytest.approx(
            high, abs=0.1 * width
        )
        assert found["estimate"] == pytest.approx(np.mean(draws[:, column]), abs=0.05 * width)
    assert summary["lift"]["plays_per_user"]["B"]["estimate"] == pytest.approx(plays_b.mean() / plays_a.mean() - 1)


def test_a_sample_ratio_mismatch_is_flagged(tmp_path):
    from scipy.stats import chisquare

    url = _store(tmp_path / "e.sqlite", {"A": [(1, 0, 1)] * 1000, "B": [(1, 0, 1)] * 1200})
    out = tmp_path / "report"
    summary = write_ab_report(url, out)
    assert summary["srm_p"] == pytest.approx(chisquare([1000, 1200], [1100, 1100]).pvalue) and summary["srm_p"] < 0.001
    assert "Warning: sample-ratio mismatch" in (out / "report.md").read_text()
    assert json.loads((out / "ab.json").read_text())["arms"]["B"]["users"] == 1200
    assert (out / "ab.png").read_bytes()[:4] == b"\x89PNG"
    fine = _store(tmp_path / "f.sqlite", {"A": [(1, 0, 1)] * 1000, "B": [(1, 0, 1)] * 1010})
    proc = run_cli("ab-report", "--events", fine, "--out", str(tmp_path / "r2"))
    assert proc.returncode == 0, proc.stderr
    assert "Warning: sample-ratio mismatch" not in proc.stdout and "| plays_per_user | B | +0.00% |" in proc.stdout
