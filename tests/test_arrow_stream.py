"""A saved split streamed row by row gives exactly what `datasets` gives, and can be left mid-way."""

from __future__ import annotations

import datasets

from crossmusim.arrow_stream import iter_split_rows


def test_streamed_rows_equal_the_datasets_rows_and_a_stopped_stream_closes(tmp_path):
    rows = [{"song_id": f"s{i}", "audio": {"bytes": bytes([i % 256]) * (5000 + i), "path": f"{i}.wav"},
             "tags": [f"t{i % 3}"]} for i in range(600)]  # fmt: skip
    split = datasets.Dataset.from_list(rows)
    datasets.DatasetDict({"train": split}).save_to_disk(str(tmp_path / "songs"), max_shard_size="1MB")
    folder = tmp_path / "songs" / "train"
    assert len(list(folder.glob("*.arrow"))) > 1  # several files, in the state's order
    assert list(iter_split_rows(folder)) == list(datasets.load_from_disk(str(tmp_path / "songs"))["train"])
    stream = iter_split_rows(folder)
    assert next(stream)["song_id"] == "s0"
    stream.close()  # no Arrow buffer left over the map: it closes without an error
