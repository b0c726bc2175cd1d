"""One step of an experiment or the demo, as it reports itself: what it took in, gave out and dropped."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Stage:
    name: str
    records_in: int
    records_out: int
    dropped: dict[str, int]
    seconds: float
    note: str = ""

    def line(self) -> str:
        drops = ", ".join(f"{k} {v}" for k, v in self.dropped.items() if v) or "none"
        note = f"; {self.note}" if self.note else ""
        return (
            f"{self.name:<26} {self.records_in:>6} in  {self.records_out:>6} out  {self.seconds:7.1f} s  "
            f"dropped: {drops}{note}"
        )
