"""The settings each experiment step was made with, so that a rerun cannot print new settings over old
figures.

Every step (a seed's dataset build, a training run, a seed's evaluation) has a settings dict: its own
fields and the digests of the steps it reads (`inputs`), so a change upstream changes every step after
it. The ledger keeps each step's settings in `OUT/.steps/<step>.json`, written before the step's work
(a killed step resumes only under the settings it started with). A rerun compares: a step whose stored
settings differ stops the experiment in one line naming the step and the fields (exit 2), unless
`redo`, in which case its old output is removed and it is made again, and so is every step after it
(their inputs changed). A step folder with output but no record (an older crossmusim) counts as changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from crossmusim.errors import ConfigMismatchError
from crossmusim.io import atomic_write_json

FOLDER = ".steps"


def plain(settings: Any) -> Any:
    """Settings as JSON has them (paths as text, tuples as lists): what is stored and compared."""
    return json.loads(json.dumps(settings, ensure_ascii=False, default=str))


def settings_digest(settings: dict[str, Any]) -> str:
    """A short digest of a step's settings (what a later step lists among its inputs)."""
    text = json.dumps(plain(settings), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested settings as dotted keys (`overrides.train.epochs`)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The dotted fields whose values differ (missing on one side counts), `inputs` last."""
    a, b = flatten(plain(old)), flatten(plain(new))
    fields = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    return sorted(fields, key=lambda k: k.startswith("inputs"))


class StepLedger:
    def __init__(self, out: Path, redo: bool = False):
        self.folder, self.redo = Path(out) / FOLDER, redo

    def path(self, step: str) -> Path:
        return self.folder / f"{step.replace('/', '__')}.json"

    def stored(self, step: str) -> dict[str, Any] | None:
        path = self.path(step)
        return json.loads(path.read_text("utf-8"))["settings"] if path.is_file() else None

    def mismatch(self, step: str, settings: dict[str, Any], output: Path) -> str | None:
        """Why the step's existing output was not made with `settings`; None when it was (or has none)."""
        old = self.stored(step)
        if old is None:
            return f"{output} has no settings record (made by an older crossmusim)" if _has_output(output) else None
        if settings_digest(old) == settings_digest(plain(settings)):
            return None
        fields = changed_fields(old, settings)
        own = [f for f in fields if not f.startswith("inputs")]
        shown = ", ".join(f"{f} ({_short(flatten(old).get(f))} -> {_short(flatten(plain(settings)).get(f))})"
                          for f in own[:3]) or "the steps it reads"  # fmt: skip
        return f"made with other settings: {shown} changed"

    def check(self, step: str, settings: dict[str, Any], output: Path) -> None:
        """Stop (exit 2) when the step's output was made with other settings; with `redo`, remove it."""
        reason = self.mismatch(step, settings, output)
        if reason is None:
            return
        if not self.redo:
            raise ConfigMismatchError(
                f"experiment step {step}: {reason}: restore the setting, choose another out, or add --redo to "
                "recompute this step and those after it"
            )
        if output.is_dir():
            shutil.rmtree(output)
        self.path(step).unlink(missing_ok=True)

    def record(self, step: str, settings: dict[str, Any]) -> str:
        """Store the settings the step is about to be made with; return their digest."""
        atomic_write_json(self.path(step), {"step": step, "settings": plain(settings)})
        return settings_digest(plain(settings))


def _has_output(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not None else "unset"
    return text if len(text) <= 40 else text[:37] + "..."
