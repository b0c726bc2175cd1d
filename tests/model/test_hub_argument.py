"""A command's model argument names the Hub only as hf://user/name[@revision]; a card names no local path."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossmusim.errors import UserError
from crossmusim.evaluation.run_models import model_config_folder
from crossmusim.model.hub import _dataset_link, evaluation_text, hub_argument


def test_only_the_hf_scheme_names_the_hub():
    assert hub_argument("hf://me/tiny") == ("me/tiny", None)
    assert hub_argument("hf://me/tiny@v1.0") == ("me/tiny", "v1.0")
    assert hub_argument(Path("hf://me/tiny")) == ("me/tiny", None)  # a Path collapses the //
    assert hub_argument("me/tiny") is None and hub_argument("runs/both") is None
    with pytest.raises(UserError, match="hf://nope: a Hub model is hf://user/name"):
        hub_argument("hf://nope")


def test_a_missing_two_part_path_is_an_error_not_a_download(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # a download would fail differently
    with pytest.raises(UserError, match=r"^no such model folder: runs/nope \(a Hub model is hf://user/name\)$"):
        model_config_folder("runs/nope")


def test_a_model_card_carries_no_local_path(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.md").write_text(
        f"# crossmusim evaluation\n\n40 tracks ({tmp_path}/ds, split test)\n\nRun-based baselines built from "
        f"{tmp_path}/run.\n\n## Results (percent)\n\n| system | M2M |\n| --- | --- |\n| a | 1.0 |\n\n"
        "![gain_coarse.png](gain_coarse.png)\n",
        "utf-8",
    )
    text = evaluation_text(report)
    assert text.startswith("## Results") and "| a | 1.0 |" in text
    assert str(tmp_path) not in text and "gain_coarse.png" not in text
    assert str(tmp_path) not in _dataset_link(str(tmp_path / "ds")) and "me/songs" in _dataset_link("hf://me/songs")
