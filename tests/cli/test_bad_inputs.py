"""Every command against every bad input of the catalogue (`bad_inputs.py`), through the real CLI:
the exit code, exactly one line on stderr that says what is wrong and how to fix it, no traceback,
and whatever was in an output folder before still there, byte for byte."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import pytest

from tests.cli.bad_inputs import CASES, DESCRIPTION, Case, Ctx, jsonl, manifest, tone
from tests.conftest import run_cli


def _digest(ctx: Ctx, names: list[str]) -> dict[str, str]:
    return {name: hashlib.sha256((ctx.root / name).read_bytes()).hexdigest() for name in names}


def _immutable(path, on: bool) -> bool:
    """Make a folder read-only even for root (chattr +i); False where that is not possible."""
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_one_clear_line(case: Case, tmp_path, site, llm):
    ctx = Ctx(root=tmp_path, site=site.url, llm=llm.base_url)
    args = case.setup(ctx)
    before = _digest(ctx, case.keep)
    if case.readonly is not None:
        ctx.folder(case.readonly)
        if not _immutable(tmp_path / case.readonly, True):
            pytest.skip("cannot make a folder read-only here (no chattr)")
    try:
        proc = run_cli(*args, timeout=60)
    finally:
        if case.readonly is not None:
            _immutable(tmp_path / case.readonly, False)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == case.exit_code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    assert re.fullmatch(r"crossmusim: error: " + case.message, lines[0]), lines[0]
    assert _digest(ctx, case.keep) == before


def test_csv_from_excel_on_chinese_windows_is_read_and_said(tmp_path, llm):
    songs = tmp_path / "songs.csv"
    songs.write_bytes("title,artist\n晴天,周杰伦\n後來,劉若英\n".encode("gb18030"))  # Excel's "CSV" on zh-CN
    proc = run_cli("generate", "--llm", "qwen2-7b", "--base-url", llm.base_url, "--songs", str(songs),
                   "--out", str(tmp_path / "gen"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"{songs} is not UTF-8: read as GB18030" in proc.stderr
    assert "2 described" in proc.stdout


def test_build_dataset_skips_and_counts_a_malformed_line_unless_strict(tmp_path):
    ctx = Ctx(root=tmp_path, site="", llm="")
    generated = ctx.write("gen/descriptions.jsonl", jsonl(DESCRIPTION) + "{oops\n")
    args = ["--generated", str(generated), "--audio", str(manifest(ctx))]
    proc = run_cli("build-dataset", "--out", str(tmp_path / "ds"), *args)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads((tmp_path / "ds" / "stats.json").read_text(encoding="utf-8"))
    assert stats["stats"]["by_step"]["read"] == {"dropped_malformed": 1, "kept": 1}
    # Every drop is said on stderr with its first example, not only counted in stats.json.
    first = (f"{generated}:2: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
             "(char 1)) (fix or delete that line)")  # fmt: skip
    said = [line for line in proc.stderr.splitlines() if line.startswith("dropped ")]
    assert said == [f"dropped 1 at read: malformed (first: {first})"]
    assert stats["drops"] == [{"step": "read", "reason": "malformed", "count": 1, "first": first}]
    strict = run_cli("build-dataset", "--out", str(tmp_path / "ds2"), *args, "--strict")
    assert strict.returncode == 1 and not (tmp_path / "ds2").exists()
    assert strict.stderr.strip().splitlines()[-1] == (
        f"crossmusim: error: {generated}:2: not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)) (fix or delete that line)"
    )


def test_a_malformed_manifest_line_is_listed_not_fatal(tmp_path):
    ctx = Ctx(root=tmp_path, site="", llm="")
    generated = ctx.write("gen/descriptions.jsonl", jsonl(DESCRIPTION))
    tone(ctx, "audio/a.wav")
    rows = jsonl({"path": "a.wav", "title": "晴天", "artist": "周杰伦"}) + "{oops\n"
    manifest_path = ctx.write("audio/manifest.jsonl", rows)
    proc = run_cli("build-dataset", "--out", str(tmp_path / "ds"), "--generated", str(generated), "--audio",
                   str(manifest_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "ds" / "report.json").read_text(encoding="utf-8"))
    assert [p["reason"] for p in report["audio_problems"]] == [
        f"{manifest_path}:2: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1)) (fix or delete that line)"
    ]
