"""Which songs a listening study plays: the query songs (drawn with a seed, spread over the pool's
tags), each system's top songs for each query from the same pool (the query and, by default, the
query's own artist left out: same-artist hits flatter a system), and the hidden checks (the query
itself, and a song sharing none of its tags). Pure functions of the pool and the vectors."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crossmusim.errors import UserError


@dataclass(frozen=True)
class PoolSong:
    id: str
    artist: str  # "" when unknown: the song is its own artist
    tags: frozenset[str]  # coarse and fine together


def artist_key(song: PoolSong) -> str:
    return song.artist.strip().casefold() or f"\0{song.id}"


def draw_queries(pool: Sequence[PoolSong], count: int, seed: int) -> list[int]:
    """`count` distinct query positions: tag by tag in a seeded order (each time a song carrying the next
    tag that is not drawn yet), so the queries cover the pool's tags; at random where there are none."""
    if count >= len(pool):  # at least one other song to retrieve
        raise UserError(f"--queries {count}: the pool holds {len(pool)} songs (ask for at most {len(pool) - 1})")
    rng = random.Random(seed)
    tags = sorted({tag for song in pool for tag in song.tags})
    rng.shuffle(tags)
    chosen: list[int] = []
    taken: set[int] = set()
    while len(chosen) < count:
        before = len(chosen)
        for tag in tags:
            free = [n for n, song in enumerate(pool) if tag in song.tags and n not in taken]
            if free and len(chosen) < count:
                pick = rng.choice(free)
                chosen.append(pick)
                taken.add(pick)
        if len(chosen) == before:  # every tag is used up (or there are none): the rest at random
            rest = [n for n in range(len(pool)) if n not in taken]
            chosen += rng.sample(rest, count - len(chosen))
    return chosen


def retrieve(
    vectors: np.ndarray, pool: Sequence[PoolSong], query: int, top: int, *, same_artist: bool = False,
    max_per_artist: int | None = None,
) -> list[int]:  # fmt: skip
    """The `top` positions a system ranks first for `query` (inner product; ties by ascending id), the
    query left out and, unless `same_artist`, the query's artist; at most `max_per_artist` per artist."""
    scores = vectors @ vectors[query]
    order = sorted(range(len(pool)), key=lambda n: (-float(scores[n]), pool[n].id))
    own = artist_key(pool[query])
    found: list[int] = []
    per_artist: dict[str, int] = {}
    for n in order:
        key = artist_key(pool[n])
        if n == query or (not same_artist and key == own):
            continue
        if max_per_artist is not None and per_artist.get(key, 0) >= max_per_artist:
            continue
        per_artist[key] = per_artist.get(key, 0) + 1
        found.append(n)
        if len(found) == top:
            break
    return found


def unrelated_song(pool: Sequence[PoolSong], query: int, seed: int) -> int | None:
    """A song sharing none of the query's tags and not by its artist (a hidden check), drawn with the seed;
    None when the query has no tags or every song shares one."""
    if not pool[query].tags:
        return None
    own = artist_key(pool[query])
    candidates = [n for n, song in enumerate(pool)
                  if n != query and not (song.tags & pool[query].tags) and artist_key(song) != own]  # fmt: skip
    return random.Random(f"{seed}:unrelated:{pool[query].id}").choice(candidates) if candidates else None
