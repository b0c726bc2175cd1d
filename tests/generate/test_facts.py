"""The fact check: what the model states against what we hold, fact by fact."""

from __future__ import annotations

import pytest

from crossmusim.generate.facts import compare_names, compare_years, fact_check
from crossmusim.records import SongRef

QINGTIAN = SongRef(id="1", title="晴天", artist="周杰伦", album="叶惠美", year=2003)


@pytest.mark.parametrize(
    ("ours", "theirs", "result"),
    [
        ("叶惠美", "《叶惠美》", "agree"),
        ("葉惠美", "叶惠美", "agree"),  # Traditional and Simplified
        ("Help!", "help", "agree"),
        ("A Night at the Opera", "Night at the Opera", "agree"),
        ("叶惠美", "七里香", "contradict"),
        ("邓丽君", "Dong Liujing", "unknown"),  # two scripts cannot be compared
        ("", "七里香", "unknown"),
        ("叶惠美", "", "unknown"),
    ],
)
def test_names(ours, theirs, result):
    assert compare_names(ours, theirs) == result


def test_years_allow_one_year_either_way():
    assert [compare_years(2003, y) for y in (2003, 2004, 2002, 2005, None)] == [
        "agree", "agree", "agree", "contradict", "unknown"]  # fmt: skip


def test_verdicts():
    assert fact_check(QINGTIAN, {"artist": "周杰伦", "release_year": 2003, "album": "叶惠美"})[0] == "agree"
    # One contradiction outweighs agreements: the model describes some other song.
    verdict, details = fact_check(QINGTIAN, {"artist": "周杰伦", "release_year": 1985, "album": "叶惠美"})
    assert verdict == "contradict" and details["release_year"] == {"ours": 2003, "model": 1985, "result": "contradict"}
    assert fact_check(QINGTIAN, {"artist": "Jay Chou", "release_year": None, "album": ""})[0] == "unknown"
    # The artist was in the prompt: echoing it back is no evidence, garbling it is.
    nothing_held = SongRef(id="2", title="晴天", artist="周杰伦")
    assert fact_check(nothing_held, {"artist": "周杰伦", "release_year": 1985, "album": "X"})[0] == "unknown"
    assert fact_check(nothing_held, {"artist": "周华健", "release_year": 1985, "album": "X"})[0] == "contradict"
    duet = SongRef(id="3", title="t", artist="A、B", year=1999)
    assert fact_check(duet, {"artist": "B", "release_year": 1999, "album": ""})[0] == "agree"
    assert fact_check(duet, {"artist": "C", "release_year": 1999, "album": ""})[0] == "contradict"
