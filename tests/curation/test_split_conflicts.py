"""--splits-from conflicts: a group an earlier build had in two splits goes to test, and is counted."""

from __future__ import annotations

import json

import pytest

from crossmusim.curation.split_rows import follow_reference
from crossmusim.curation.splits import ArtistGroups
from tests.conftest import run_cli
from tests.support.small_dataset import make_inputs


def test_a_group_joined_across_splits_goes_to_test():
    groups = ArtistGroups()
    for artist, audio, song in (("A", "a.wav", "s1"), ("B", "b.wav", "s2"), ("A feat. B", "ab.wav", "s3"),
                                ("C", "c.wav", "s4")):  # fmt: skip
        groups.add(artist, audio, song)
    assignment = {group: "validation" for group in groups.sizes()}
    conflicts = follow_reference(assignment, groups, {"a": {"train"}, "b": {"test"}, "c": {"train"}})
    assert conflicts == 1
    assert assignment[groups.find("a")] == assignment[groups.find("b")] == "test"  # never train
    assert assignment[groups.find("c")] == "train"
    assert follow_reference(assignment, groups, {"a": {"validation", "train"}}) == 1  # one key in two splits


@pytest.mark.slow  # two builds
def test_no_song_of_the_later_training_split_is_in_the_reference_test_split(tmp_path):
    import datasets

    inputs = make_inputs(tmp_path / "inputs", seconds=1.0, artists=10, songs_per_artist=2)

    def build(out, *extra):
        proc = run_cli("build-dataset", "--generated", str(inputs["generated"]), "--audio", str(inputs["audio"]),
                       "--tags", str(inputs["tags"]), "--out", str(out), "--split-shares", "0.5,0.25,0.25",
                       "--dedup", "exact", *extra)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        return datasets.load_from_disk(str(out / "songs"))

    first = build(tmp_path / "a")
    artist_split = {a: split for split in first for a in first[split]["artist"]}
    train_artist = next(a for a, s in artist_split.items() if s == "train")
    test_artist = next(a for a, s in artist_split.items() if s == "test")
    # A later build's inputs join a training artist and a test artist through one "feat." song.
    rows = [json.loads(line) for line in (inputs["generated"] / "descriptions.jsonl").read_text("utf-8").splitlines()]
    joined = dict(rows[0], song_id="song-feat", title="Together", artist=f"{train_artist} feat. {test_artist}")
    (inputs["generated"] / "descriptions.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in [*rows, joined]), encoding="utf-8"
    )
    manifest = inputs["audio"]
    folder = manifest.parent  # a copy of a song with one sample changed: another recording
    (folder / "song-feat.wav").write_bytes((folder / "song000.wav").read_bytes()[:-2] + b"\x01\x00")
    manifest.write_text(manifest.read_text("utf-8") + f"song-feat.wav,Together,{joined['artist']},song-feat\n", "utf-8")
    second = build(tmp_path / "b", "--splits-from", str(tmp_path / "a"))
    report = json.loads((tmp_path / "b" / "report.json").read_text("utf-8"))
    assert report["split_conflicts"] == 1
    assert not set(second["train"]["song_id"]) & set(first["test"]["song_id"])
    assert train_artist in set(second["test"]["artist"]) and "Together" in set(second["test"]["title"])
