import json

import pytest

from crossmusim.errors import InputFormatError
from crossmusim.io import (
    JsonlAppender,
    atomic_output,
    atomic_write_json,
    cut_torn_tail,
    detect_encoding,
    dumps_line,
    read_jsonl,
    read_text,
)
from crossmusim.records import Provenance, SongPage


def test_jsonl_keeps_chinese_readable_and_round_trips(tmp_path):
    path = tmp_path / "songs.jsonl"
    song = SongPage(
        title="晴天", canonical_url="u", url="u", artists=["周杰伦"], provenance=Provenance("流行", "genre", "s")
    )
    with JsonlAppender(path) as out:
        out.write(song)
    raw = path.read_text(encoding="utf-8")
    assert "晴天" in raw and "\\u" not in raw
    (record,) = list(read_jsonl(path))
    assert SongPage.from_dict(record) == song


def test_from_dict_ignores_keys_of_newer_versions():
    song = SongPage.from_dict({"title": "a", "canonical_url": "c", "url": "u", "added_later": 1})
    assert song.title == "a"


def test_appender_cuts_a_torn_last_line_and_appends(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text(dumps_line({"a": 1}) + '{"a": 2, "b', encoding="utf-8")  # killed mid-write
    assert [r["a"] for r in read_jsonl(path)] == [1]  # the torn tail is not a record
    with JsonlAppender(path) as out:
        assert out.repaired_bytes == len('{"a": 2, "b')
        out.write({"a": 3})
    assert [r["a"] for r in read_jsonl(path)] == [1, 3]


def test_cut_torn_tail_without_any_newline_empties_the_file(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"half')
    assert cut_torn_tail(path) == 6
    assert path.read_bytes() == b""


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\nnot json\n{"a": 2}\n', encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"bad\.jsonl:2: not valid JSON"):
        list(read_jsonl(path))


def test_non_object_line_is_an_error(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match=r"list\.jsonl:1: expected a JSON object"):
        list(read_jsonl(path))


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "stats.json"
    atomic_write_json(path, {"n": 1, "名": "值"})
    atomic_write_json(path, {"n": 2})
    assert json.loads(path.read_text(encoding="utf-8")) == {"n": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["stats.json"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5"])
def test_user_text_files_are_read_in_their_encoding(tmp_path, encoding):
    text = "title,artist\n月亮代表我的心,鄧麗君\n後來,劉若英\n海闊天空,Beyond\n" * 3
    path = tmp_path / "songs.csv"
    path.write_bytes(text.encode(encoding))
    assert detect_encoding(path) == ("utf-8-sig" if encoding.startswith("utf-8") else encoding)
    assert read_text(path) == text


def test_jsonl_in_gbk_is_read_and_a_torn_utf8_tail_is_still_utf8(tmp_path):
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes('{"title": "晴天"}\n{"title": "后来"}\n'.encode("gb18030"))
    assert [r["title"] for r in read_jsonl(gbk)] == ["晴天", "后来"]
    torn = tmp_path / "torn.jsonl"
    torn.write_bytes('{"title": "晴天"}\n'.encode() + '{"title": "后'.encode()[:-1])  # cut mid-character
    assert [r["title"] for r in read_jsonl(torn)] == ["晴天"]


def test_a_binary_file_is_not_text(tmp_path):
    path = tmp_path / "songs.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputFormatError, match=r"songs\.csv: is not UTF-8, GB18030 or Big5 text"):
        read_text(path)


def test_atomic_output_renames_on_success_and_leaves_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "sub" / "table.bin"
    with atomic_output(target) as tmp:
        assert tmp.parent == target.parent and tmp != target
        tmp.write_bytes(b"new")
        assert not target.exists()  # nothing at the real name until the block ends
    assert target.read_bytes() == b"new"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer died")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.bin"]  # no temporary left behind
