"""The CI rule for shared data: with ../shared present and CROSSMUSIM_REQUIRE_SHARED=1, a test on
shared data that skips fails; without ../shared (a clone elsewhere) it skips as before."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT, skip_is_failure


def test_a_shared_data_skip_fails_only_where_shared_is_present_and_required():
    assert skip_is_failure(["realdata", "tmp_path"], "whatever", shared_present=True, required=True)
    assert skip_is_failure([], "../shared/realdata/muchin is absent", shared_present=True, required=True)
    assert not skip_is_failure(["realdata"], "x", shared_present=False, required=True)  # a clone without it
    assert not skip_is_failure(["realdata"], "x", shared_present=True, required=False)  # a developer's run
    assert not skip_is_failure(["tmp_path"], "no system Chromium", shared_present=True, required=True)


def test_the_hook_turns_the_skip_into_a_failure(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import pytest\n\ndef test_reads_shared():\n    pytest.skip('../shared/realdata/none is absent')\n",
        "utf-8",
    )

    def run(required: bool) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                   "--rootdir", str(tmp_path), "-c", str(tmp_path / "none.ini"), str(probe)]  # fmt: skip
        env = dict(os.environ, CROSSMUSIM_REQUIRE_SHARED="1" if required else "0")
        return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env=env)

    (tmp_path / "none.ini").write_text("[pytest]\n", "utf-8")
    strict, lenient = run(True), run(False)
    if (REPO_ROOT.parent / "shared").is_dir():
        assert strict.returncode == 1 and "1 failed" in strict.stdout, strict.stdout
    else:
        assert strict.returncode == 0 and "1 skipped" in strict.stdout
    assert lenient.returncode == 0 and "1 skipped" in lenient.stdout, lenient.stdout
