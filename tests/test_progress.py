"""Slow steps are never silent when piped: a line at least every CROSSMUSIM_PROGRESS_SECONDS."""

from __future__ import annotations

import logging

from crossmusim.progress import progress


def test_piped_progress_logs_a_line_per_interval_and_nothing_when_quick(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="crossmusim.progress")
    monkeypatch.setenv("CROSSMUSIM_PROGRESS_SECONDS", "0")
    assert list(progress(range(3), "decoding", unit="song")) == [0, 1, 2]
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("decoding: 1 of 3 songs") and lines[-1].startswith("decoding: 3 of 3 songs")
    caplog.clear()
    monkeypatch.setenv("CROSSMUSIM_PROGRESS_SECONDS", "10")
    assert list(progress(iter(range(3)), "quick")) == [0, 1, 2] and caplog.records == []
