"""`--open 4q=FOLDER`: the 4Q clips' AllMusic tag text as pairs, the same build as the pairs file
benchmarks/real_audio.py writes, and the shipped experiment config that uses it."""

from __future__ import annotations

import csv
from pathlib import Path

import datasets
import pytest

from crossmusim.curation import BuildConfig, build_dataset
from crossmusim.curation.four_q import sentence, tag_text_pairs
from crossmusim.errors import UserError
from crossmusim.experiment import read_experiment
from tests.conftest import REPO_ROOT


def test_the_tag_sentence_lists_moods_then_genres():
    assert sentence(["Circular", "Greasy", "Messy"], ["Country"]) == "A circular, greasy and messy country track."
    assert sentence([], ["Jazz", "Blues"]) == "A jazz and blues track."
    assert sentence(["Calm"], []) == "A calm music track."


def test_a_folder_without_metadata_is_one_line(tmp_path):
    with pytest.raises(UserError, match="no metadata.csv"):
        build_dataset(BuildConfig(out=tmp_path / "ds", open=[f"4q={tmp_path}"]))


def _split_of_songs(out: Path) -> dict[tuple[str, str], list[str]]:
    pairs = datasets.load_from_disk(str(out / "pairs"))
    return {(split, row["song_id"]): row["text"] for split in pairs for row in pairs[split]}


def test_4q_input_builds_what_the_pairs_file_builds(realdata, tmp_path):
    folder = realdata / "real-audio-4q"
    rows = tag_text_pairs(folder)
    assert len(rows) == 1200 and all(Path(r["audio"]).is_file() for r in rows[:10])
    pairs = tmp_path / "pairs.csv"
    with pairs.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    common = {"tags": folder / "metadata.csv", "seed": 3, "split_shares": (0.7, 0.1, 0.2)}
    by_folder = build_dataset(BuildConfig(out=tmp_path / "a", open=[f"4q={folder}"], **common))
    by_file = build_dataset(BuildConfig(out=tmp_path / "b", open=[f"pairs={pairs}"], **common))
    assert by_folder["rows"] == by_file["rows"] and sum(by_folder["rows"].values()) == 1200
    assert _split_of_songs(tmp_path / "a") == _split_of_songs(tmp_path / "b")
    songs = datasets.load_from_disk(str(tmp_path / "a" / "songs"))["test"]
    assert all(isinstance(s["audio"], str) and s["audio"].startswith(str(folder.resolve())) for s in songs)  # linked
    assert all(s["tags_fine"] for s in songs) and all(any(t.startswith("Q") for t in s["tags_coarse"]) for s in songs)


def test_the_shipped_real_table_config_reads(realdata):
    config = read_experiment(REPO_ROOT / "configs" / "real-4q.toml")
    assert config.seeds == [0, 1, 2, 3, 4] and config.reference == "musicnn-std"
    assert Path(config.dataset["open"][0].partition("=")[2]).resolve() == (realdata / "real-audio-4q").resolve()
    assert Path(config.dataset["tags"]).is_file()
