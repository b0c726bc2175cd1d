"""The report's statistics on a small hand-made set of answers: MOS, intervals, Wilcoxon signed-rank with
Holm's correction, Krippendorff's alpha and the screening by hidden checks, with values worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from crossmusim.listen import statistics

CRITERIA = ["musical", "overall"]


def _answers() -> pd.DataFrame:
    """Two raters, six queries; per query one item of A (retrieved by A only) and one of B.
    A's item: musical 4, overall 5 everywhere; B's item in query q: musical = overall = 1 + (q % 3)."""
    rows = []
    for rater in ("r1", "r2"):
        for q in range(6):
            rows.append({"rater": rater, "query": f"q{q}", "item": 10 * q + 1, "kind": "retrieved", "system": "A",
                         "musical": 4, "overall": 5})  # fmt: skip
            b = 1 + (q % 3)
            rows.append({"rater": rater, "query": f"q{q}", "item": 10 * q + 2, "kind": "retrieved", "system": "B",
                         "musical": b, "overall": b})  # fmt: skip
    return pd.DataFrame(rows)


def test_mos_is_the_mean_rating_with_an_interval_over_raters_and_queries():
    result = statistics.mos(_answers(), CRITERIA, draws=500)
    assert result["A"]["musical"] == {"mos": 4.0, "ci": [4.0, 4.0]}  # the same rating everywhere: no spread
    assert result["A"]["average"]["mos"] == 4.5
    assert result["B"]["musical"]["mos"] == pytest.approx(2.0)  # (1 + 2 + 3) * 2 / 6
    low, high = result["B"]["musical"]["ci"]
    assert 1.0 <= low < 2.0 < high <= 3.0  # queries differ: an interval around 2, inside the ratings' range


def test_paired_differences_use_the_wilcoxon_signed_rank_test_with_holm():
    frame = _answers()
    (pair,) = statistics.paired_tests(frame, CRITERIA)
    # Per query A's average (4.5) minus B's (1, 2, 3, 1, 2, 3): 3.5, 2.5, 1.5 twice each, all positive.
    # Exact two-sided signed-rank p: all six signs positive is the most extreme of the 2^6 equally likely
    # sign patterns, so p = 2 x 1/64.
    assert pair["a"] == "A" and pair["b"] == "B" and pair["queries"] == 6
    assert pair["difference"] == pytest.approx(2.5)
    assert pair["p"] == pytest.approx(2 / 64)
    assert pair["p_holm"] == pair["p"]  # one pair: nothing to correct
    c = frame[frame["system"] == "A"].assign(system="C", musical=3, overall=3)  # C: 3 everywhere
    pairs = {(p["a"], p["b"]): p for p in statistics.paired_tests(pd.concat([frame, c]), CRITERIA)}
    raw = sorted(p["p"] for p in pairs.values())
    holm = sorted(p["p_holm"] for p in pairs.values())
    # Holm: the smallest p times 3, the next times 2 (never below the one before), the largest times 1.
    assert holm[0] == pytest.approx(min(1, 3 * raw[0]))
    assert holm[1] == pytest.approx(min(1, max(holm[0], 2 * raw[1])))
    assert holm[2] == pytest.approx(min(1, max(holm[1], raw[2])))


def test_krippendorff_alpha_is_one_for_raters_who_agree_and_lower_when_they_do_not():
    frame = _answers()
    assert statistics.alpha(frame, CRITERIA) == pytest.approx(1.0)
    shaken = frame.copy()
    shaken.loc[(shaken["rater"] == "r2") & (shaken["system"] == "B"), ["musical", "overall"]] = 5
    alpha = statistics.alpha(shaken, CRITERIA)
    # Worked by hand for ordinal alpha would be long; the package's own value on the same table:
    import krippendorff

    table = shaken.melt(id_vars=["rater", "item"], value_vars=CRITERIA).pivot_table(
        index="rater", columns=["item", "variable"], values="value"
    )
    expected = krippendorff.alpha(reliability_data=table.to_numpy(float), level_of_measurement="ordinal",
                                  value_domain=[1, 2, 3, 4, 5])  # fmt: skip
    assert alpha == pytest.approx(expected) and alpha < 0.5
    assert statistics.alpha(frame[frame["rater"] == "r1"], CRITERIA) is None  # one rater: no agreement to measure


def test_hidden_checks_screen_raters_who_fail_them():
    checks = pd.DataFrame([
        {"rater": "good", "query": "q0", "item": 1, "kind": "same", "system": None, "musical": 5, "overall": 5},
        {"rater": "good", "query": "q0", "item": 2, "kind": "unrelated", "system": None, "musical": 1, "overall": 2},
        {"rater": "deaf", "query": "q0", "item": 1, "kind": "same", "system": None, "musical": 3, "overall": 3},
        {"rater": "flat", "query": "q0", "item": 1, "kind": "same", "system": None, "musical": 4, "overall": 4},
        {"rater": "flat", "query": "q0", "item": 2, "kind": "unrelated", "system": None, "musical": 5, "overall": 4},
    ])  # fmt: skip
    screened = statistics.screen(checks, CRITERIA)
    assert screened == [
        {"rater": "deaf", "why": "rated the query itself 3.00 (below 4)"},
        {"rater": "flat", "why": "rated a song sharing no tag 4.50, as high as the query itself 4.00"},
    ]
