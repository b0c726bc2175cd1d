"""Arms: a user's arm is a salted hash of their id: stable, reproducible from the salt, following the split."""

from __future__ import annotations

import pytest

from crossmusim.errors import UserError
from crossmusim.serve.arms import assign, parse_arms, parse_split


def test_a_user_always_gets_the_same_arm_and_the_split_is_followed():
    names = ["a", "b"]
    first = {f"user{n}": assign(f"user{n}", names, [0.5, 0.5], "s1") for n in range(20000)}
    again = {u: assign(u, names, [0.5, 0.5], "s1") for u in first}
    assert first == again
    share = sum(arm == "a" for arm in first.values()) / len(first)
    assert abs(share - 0.5) < 0.015  # 20,000 users: sd 0.0035
    uneven = [assign(f"user{n}", ["a", "b", "c"], [0.7, 0.2, 0.1], "s1") for n in range(20000)]
    assert [round(uneven.count(arm) / 20000, 2) for arm in "abc"] == pytest.approx([0.7, 0.2, 0.1], abs=0.015)
    moved = sum(assign(u, names, [0.5, 0.5], "s2") != arm for u, arm in first.items()) / len(first)
    assert 0.45 < moved < 0.55  # another salt: another, independent assignment


def test_arms_and_splits_are_parsed_with_one_line_errors(tmp_path):
    assert parse_arms(tmp_path, []) == [("main", tmp_path)]
    assert parse_arms(None, ["a=x", "b=y"]) == [("a", tmp_path.__class__("x")), ("b", tmp_path.__class__("y"))]
    assert parse_split("70,30", 2) == pytest.approx([0.7, 0.3]) and parse_split(None, 4) == [0.25] * 4
    for index, arms, message in [(None, [], "give --index INDEX"), (tmp_path, ["a=x"], "give --index INDEX"),
                                 (None, ["a=x"], "two or more arms"), (None, ["a=x", "a=y"], "distinct names"),
                                 (None, ["a", "b=y"], "give NAME=INDEX_FOLDER")]:  # fmt: skip
        with pytest.raises(UserError, match=message):
            parse_arms(index, arms)
    for text in ("50", "50,0", "a,b", "50,50,0"):
        with pytest.raises(UserError, match=r"--split .*: give 2 positive shares"):
            parse_split(text, 2)
