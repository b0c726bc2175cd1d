"""`crossmusim ab-simulate`: the real service on loopback, driven over HTTP by simulated listeners (labelled
*simulated* wherever their numbers appear). Each listener likes a few songs of the dataset's split; their
taste is those songs' tags. They visit once a day (`VISIT`: 1; a lower chance adds visit-count noise
that is the same in every arm and only widens the intervals), from one of their devices, and ask
`/v1/playlist` for songs like the liked ones. Each song shown is an impression; it is played
with a probability that grows with the share of its tags in the taste (`play_probability`), else
skipped; a played song is completed more often the closer it is. Every event goes through `/v1/events`.
`ab-report` then runs on what the service stored."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from crossmusim.errors import UserError
from crossmusim.serve.ab_report import write_ab_report
from crossmusim.serve.app import ServeConfig
from crossmusim.serve.server import running

VISIT, LIKED, K = 1.0, 3, 10
BASE_PLAY, TASTE_PLAY = 0.05, 0.6  # play probability: 0.05 for a song sharing no tag, up to 0.65
COMPLETE, TASTE_COMPLETE = 0.4, 0.4


@dataclass
class SimulationConfig:
    out: Path
    arms: list[tuple[str, str]]
    dataset: Path
    split: str = "test"
    users: int = 2000
    days: int = 7
    seed: int = 0
    split_shares: list[float] | None = None
    salt: str = "crossmusim"
    threads: int = 4
    liked: int = LIKED
    k: int = K  # songs per playlist (fewer when the split is small)


def play_probability(song: set[str], taste: set[str]) -> float:
    """BASE_PLAY + TASTE_PLAY x the share of the song's tags in the taste (0 for a song without tags)."""
    share = len(song & taste) / len(song) if song else 0.0
    return BASE_PLAY + TASTE_PLAY * share


def _post(url: str, body: Any) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def _listener(base: str, user: int, tags: dict[str, set[str]], songs: list[str], config: SimulationConfig) -> int:
    rng = np.random.default_rng([config.seed, user])
    liked = list(rng.choice(songs, size=config.liked, replace=False))
    taste = set().union(*(tags[s] for s in liked))
    devices = [f"u{user}-d{n}" for n in range(int(rng.integers(1, 4)))]
    name, stored = f"user{user:05d}", 0
    for day in range(config.days):
        if rng.random() >= VISIT:
            continue
        shown = _post(f"{base}/v1/playlist", {"user": name, "seeds": liked, "k": config.k})
        device = devices[int(rng.integers(len(devices)))]
        events = []
        for item in shown["items"]:
            event = {"user": name, "request": shown["request"], "song": item["id"], "device": device, "ts": f"day{day}"}
            events.append({**event, "event": "impression"})
            closeness = play_probability(tags.get(item["id"], set()), taste)
            if rng.random() < closeness:
                events.append({**event, "event": "play"})
                if rng.random() < COMPLETE + TASTE_COMPLETE * (closeness - BASE_PLAY) / TASTE_PLAY:
                    events.append({**event, "event": "complete"})
            else:
                events.append({**event, "event": "skip"})
        stored += _post(f"{base}/v1/events", events)["stored"]
    return stored


def simulate_ab(config: SimulationConfig) -> dict[str, Any]:
    """Run the service, let `config.users` simulated listeners use it for `config.days` days, report."""
    from crossmusim.evaluation.whole_tracks import tracks_from_dataset
    from crossmusim.serve.arms import parse_split

    tracks = tracks_from_dataset(config.dataset, config.split)
    tags = {t.id: set(t.tags_coarse) | set(t.tags_fine) for t in tracks}
    songs = sorted(tags)
    config.k = min(config.k, len(songs) - config.liked)  # a small split: shorter playlists
    if config.k < 2:
        raise UserError(f"--dataset {config.dataset} --split {config.split}: {len(songs)} songs; a simulation needs "
                        f"at least {config.liked + 2}")  # fmt: skip
    config.out.mkdir(parents=True, exist_ok=True)
    events = config.out / "events.sqlite"
    if events.exists():
        raise UserError(f"--out {config.out} holds a simulation already (events.sqlite): choose another --out")
    split = config.split_shares or parse_split(None, len(config.arms))
    service = ServeConfig(config.arms, split, config.salt, str(events), {"simulated": True})
    with running(service) as base, ThreadPoolExecutor(config.threads) as pool:
        stored = sum(pool.map(lambda user: _listener(base, user, tags, songs, config), range(config.users)))
    summary = write_ab_report(events, config.out / "report")
    return {**summary, "events_stored": stored, "events": str(events)}
