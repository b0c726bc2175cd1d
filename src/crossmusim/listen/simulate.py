"""Simulated raters, for the demo and the tests (labelled *simulated* wherever their numbers appear):
invited like people, they answer every trial through the same HTTP API a browser uses, fetching each
song's audio first (so their answers count as played). A simulated rating grows with the tags query
and song share (Jaccard: coarse tags for `musical`, fine for `acoustic`, both otherwise), plus a
per-rater bias and per-answer noise, rounded into 1-5. It knows the tags, not the systems."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from crossmusim.listen import raters, store
from crossmusim.listen.server import running

BIAS_SD, NOISE_SD = 0.4, 0.6


def _tags(study: Path) -> dict[str, dict[str, set[str]]]:
    with store.opened(study) as conn:
        rows = conn.execute("SELECT stimulus, tags_coarse, tags_fine FROM songs").fetchall()
    found = {}
    for row in rows:
        coarse, fine = set(json.loads(row["tags_coarse"])), set(json.loads(row["tags_fine"]))
        found[row["stimulus"]] = {"coarse": coarse, "fine": fine, "both": coarse | fine}
    return found


def rating(query: dict[str, set[str]], song: dict[str, set[str]], criterion: str, bias: float, noise: float) -> int:
    """1 + 4 x the tags' Jaccard overlap for the criterion, moved by the rater's bias and noise, in 1-5."""
    level = {"musical": "coarse", "acoustic": "fine"}.get(criterion, "both")
    a, b = query[level], song[level]
    if not (a or b):
        a, b = query["both"], song["both"]  # a pool without that level's tags
    overlap = len(a & b) / len(a | b) if a | b else 0.0
    return int(np.clip(round(1 + 4 * overlap + bias + noise), 1, 5))


def answer_noise(seed: int, rater: int, query: str, song: str, criterion: str) -> float:
    """The noise of one answer, a function of who rates what (not of the order the trials come in, which
    is the rater's own random order): the same seed gives the same ratings."""
    key = int.from_bytes(hashlib.sha256(f"{query}:{song}:{criterion}".encode()).digest()[:8], "big")
    return float(np.random.default_rng([seed, rater, key]).normal(0, NOISE_SD))


def _request(url: str, body: dict | None = None, *, fetch_audio: bool = False) -> dict | None:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if fetch_audio:
        headers["Range"] = "bytes=0-4095"  # as a player starts: the first bytes are enough to count as played
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=60) as reply:
        payload = reply.read()
    return None if fetch_audio else json.loads(payload)


def simulate(study: Path, count: int = 10, seed: int = 0, url: str | None = None) -> dict:
    """Invite `count` simulated raters and answer every trial of each through the HTTP API (a server of
    its own on a free loopback port unless `url` names a running one); returns what was answered."""
    study = store.check_study(study)
    tags = _tags(study)
    with nullcontext(url.rstrip("/")) if url else running(study) as base:
        invited = raters.invite(study, count, base, simulated=True)
        answers = 0
        for number, rater in enumerate(invited):
            rng = np.random.default_rng([seed, number])
            bias = float(rng.normal(0, BIAS_SD))
            api = f"{base}/api/r/{rater['token']}"
            while not (trial := _request(f"{api}/next")).get("finished"):
                query = trial["query"].rsplit("/", 1)[1].removesuffix(".wav")
                _request(base + trial["query"], fetch_audio=True)
                for item in trial["items"]:
                    _request(base + item["audio"], fetch_audio=True)
                    song = item["audio"].rsplit("/", 1)[1].removesuffix(".wav")
                    ratings = {c: rating(tags[query], tags[song], c, bias, answer_noise(seed, number, query, song, c))
                               for c in trial["criteria"]}  # fmt: skip
                    _request(f"{api}/answer", {"trial": trial["trial"], "slot": item["slot"], "ratings": ratings})
                    answers += 1
    return {"raters": [r["name"] for r in invited], "answers": answers, "simulated": True}
