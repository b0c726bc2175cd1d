"""The demo's multi-seed table: mean ± spread and gains paired by seed, against hand-computed values."""

from __future__ import annotations

import math

import pytest

from crossmusim.experiment.table import cell, gain_rows, mean_spread, seed_gain_rows, summary_rows


def result(coarse: float, fine: float, same: float, r1: float | None = None) -> dict:
    return {
        "t2m": {"r@1": r1, "r@5": r1, "map@10": r1} if r1 is not None else None,
        "m2m_coarse": {"map@100": coarse},
        "m2m_fine": {"map@100": fine},
        "same_artist": {"same_artist_share@10": same},
    }


def test_mean_and_sample_spread():
    assert mean_spread([1.0, 2.0, 3.0]) == (2.0, 1.0)  # sample sd of 1,2,3 is 1
    assert mean_spread([4.0]) == (4.0, 0.0)
    mean, spread = mean_spread([0.0, 10.0])
    assert mean == 5.0 and math.isclose(spread, math.sqrt(50))
    assert cell([None, None]) == "-"
    assert cell([10.0, None, 20.0]) == "15.0 ± 7.1 (2 of 3 seeds)"  # never fewer seeds than the row says
    assert cell([10.0, 20.0]) == "15.0 ± 7.1"


def test_rows_average_each_system_over_the_seeds_that_have_it():
    seeds = [
        {"musicnn": result(0.30, 0.50, 0.40), "crossmusim:both": result(0.35, 0.70, 0.30, r1=0.5)},
        {"musicnn": result(0.20, 0.40, 0.50), "crossmusim:both": result(0.19, 0.60, 0.45, r1=0.3)},
    ]
    rows = {r["system"]: r for r in summary_rows(seeds, ["musicnn", "crossmusim:both"])}
    assert rows["musicnn"]["M2M coarse mAP@100"] == "25.0 ± 7.1"
    assert rows["musicnn"]["T2M R@1"] == "-"  # audio-only: no text queries
    assert rows["crossmusim:both"]["T2M R@1"] == "40.0 ± 14.1"
    assert rows["crossmusim:both"]["seeds"] == "2"


def test_gains_are_paired_by_seed_and_count_wins():
    seeds = [
        {"musicnn": result(0.30, 0.50, 0.40), "m": result(0.35, 0.70, 0.30)},
        {"musicnn": result(0.20, 0.40, 0.50), "m": result(0.19, 0.60, 0.55)},
    ]
    (row,) = gain_rows(seeds, ["m"], "musicnn")
    # coarse: +5 and -1 points -> mean +2, sd sqrt(18); one win of two
    assert row["M2M coarse mAP@100"] == f"+2.0 ± {math.sqrt(18):.1f} (1/2)"
    assert row["M2M fine mAP@100"] == "+20.0 ± 0.0 (2/2)"
    # same artist: -10 then +5; lower is better, so the first seed is the only win
    assert row["same artist in top 10"] == f"-2.5 ± {math.sqrt(112.5):.1f} (1/2)"


def test_a_seed_without_the_reference_is_left_out_of_the_pairing():
    seeds = [{"m": result(0.3, 0.3, 0.3)}, {"musicnn": result(0.2, 0.2, 0.2), "m": result(0.3, 0.3, 0.3)}]
    (row,) = gain_rows(seeds, ["m"], "musicnn")
    assert row["M2M coarse mAP@100"].endswith("(1/1)")
    assert row["M2M coarse mAP@100"].startswith("+10.0")


@pytest.mark.parametrize("values", [[1.0, 1.0, 1.0], [5.0]])
def test_no_spread_without_variation(values):
    assert mean_spread(values)[1] == 0.0


def test_each_seeds_gain_comes_with_its_paired_interval():
    with_ci = {**result(0.35, 0.70, 0.30), "gain_ci": {"m2m_coarse_map@100": [0.01, 0.09]}}
    seeds = [{"musicnn": result(0.30, 0.50, 0.40), "m": with_ci}, {"m": result(0.3, 0.3, 0.3)}]
    assert seed_gain_rows(seeds, [7, 8], ["m"], "musicnn") == [
        {"system": "m", "seed": "7", "M2M coarse mAP@100": "+5.0 [+1.0, +9.0]", "M2M fine mAP@100": "+20.0"}
    ]
