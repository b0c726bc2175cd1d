"""The experiment's step ledger: a step made with other settings stops the rerun (exit 2) naming the
field, unless redo, which removes its output so that it is made again."""

from __future__ import annotations

import pytest

from crossmusim.errors import ConfigMismatchError
from crossmusim.experiment.ledger import StepLedger, changed_fields, settings_digest


def test_changed_fields_are_dotted_and_inputs_come_last():
    old = {"overrides": {"train": {"epochs": 1}}, "seed": 0, "inputs": ["a"]}
    new = {"overrides": {"train": {"epochs": 2}}, "seed": 0, "inputs": ["b"]}
    assert changed_fields(old, new) == ["overrides.train.epochs", "inputs"]
    assert settings_digest({"p": (1, 2)}) == settings_digest({"p": [1, 2]})  # stored as JSON has it


def test_an_output_without_a_record_counts_as_changed(tmp_path):
    run = tmp_path / "exp" / "seed0" / "both"
    run.mkdir(parents=True)
    (run / "summary.json").write_text("{}")
    with pytest.raises(ConfigMismatchError, match="has no settings record"):
        StepLedger(tmp_path / "exp").check("seed0/both", {"seed": 0}, run)


def test_the_ledger_names_the_field_and_redo_removes_the_output(tmp_path):
    out = tmp_path / "exp"
    run = out / "seed0" / "both"
    ledger = StepLedger(out)
    first = {"overrides": {"train": {"epochs": 1}}, "inputs": []}
    ledger.check("seed0/both", first, run)  # nothing there yet
    ledger.record("seed0/both", first)
    run.mkdir(parents=True)
    (run / "summary.json").write_text("{}")
    ledger.check("seed0/both", first, run)  # the same settings: it goes on
    changed = {"overrides": {"train": {"epochs": 2}}, "inputs": []}
    with pytest.raises(ConfigMismatchError) as info:
        ledger.check("seed0/both", changed, run)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    assert "experiment step seed0/both: made with other settings: overrides.train.epochs (1 -> 2) changed" in str(
        info.value
    )
    assert (run / "summary.json").is_file()  # nothing removed without redo
    StepLedger(out, redo=True).check("seed0/both", changed, run)
    assert not run.exists() and ledger.stored("seed0/both") is None
