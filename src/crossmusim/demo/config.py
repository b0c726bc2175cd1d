"""`DemoConfig`: what `crossmusim demo` is asked for (the world's size, seeds, audio length, the site's
and the LLM stand-in's rates), apart from the runner so that the report can name it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crossmusim.demo.llm_standin import StandInRates
from crossmusim.demo.world.pages import PageRates


@dataclass
class DemoConfig:
    out: Path
    songs: int = 480
    seed: int = 0
    seeds: int = 3  # split seeds: seed, seed+1, ...; gains are paired by seed
    seconds: float = 10.0
    workers: int = 2
    keep_servers: bool = False
    page_rates: PageRates = field(default_factory=PageRates)
    llm_rates: StandInRates = field(default_factory=StandInRates)
