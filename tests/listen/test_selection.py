"""Which songs a study plays (`listen.selection`) and how they are cut (`listen.stimuli`)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from crossmusim.errors import UserError
from crossmusim.listen import stimuli
from crossmusim.listen.selection import PoolSong, draw_queries, retrieve, unrelated_song


def _pool() -> list[PoolSong]:
    tags = ["rock", "rock", "jazz", "jazz", "pop", "pop", "folk", ""]
    artists = ["a", "a", "b", "c", "d", "e", "f", ""]
    return [PoolSong(f"s{n}", artists[n], frozenset([tags[n]] if tags[n] else [])) for n in range(8)]


def test_queries_are_drawn_across_the_tags_and_never_more_than_the_pool():
    pool = _pool()
    drawn = draw_queries(pool, 4, seed=0)
    assert len(set(drawn)) == 4 and {t for n in drawn for t in pool[n].tags} == {"rock", "jazz", "pop", "folk"}
    assert draw_queries(pool, 4, seed=0) == drawn and len(set(draw_queries(pool, 7, seed=1))) == 7
    with pytest.raises(UserError, match=r"--queries 8: the pool holds 8 songs \(ask for at most 7\)"):
        draw_queries(pool, 8, seed=0)


def test_retrieval_leaves_out_the_query_and_its_artist_and_caps_artists():
    pool = _pool()
    vectors = np.array([[1, 0], [0.99, 0.1], [0.98, 0.2], [0.97, 0.25], [0.5, 0.5], [0.4, 0.6], [0, 1], [0.1, 1]])
    assert retrieve(vectors, pool, 0, 2) == [2, 3]  # s1 is by the query's artist
    assert retrieve(vectors, pool, 0, 2, same_artist=True) == [1, 2]
    vectors[3] = vectors[2]  # a tie: the smaller id first
    assert retrieve(vectors, pool, 0, 2) == [2, 3]
    twins = [PoolSong("q", "x", frozenset()), *[PoolSong(f"b{n}", "b", frozenset()) for n in range(3)],
             PoolSong("c", "c", frozenset())]  # fmt: skip
    close = np.array([[1, 0], [1, 0.01], [1, 0.02], [1, 0.03], [0, 1]])
    assert retrieve(close, twins, 0, 2, max_per_artist=1) == [1, 4]


def test_the_unrelated_check_shares_no_tag_and_no_artist():
    pool = _pool()
    for query in range(7):
        found = unrelated_song(pool, query, seed=3)
        assert (
            found is not None and not (pool[found].tags & pool[query].tags) and pool[found].artist != pool[query].artist
        )
    assert unrelated_song(pool, 7, seed=3) is None  # a query without tags has no "unrelated" song


def test_stimuli_are_cut_at_one_point_to_one_length_and_normalised(tmp_path):
    pyloudnorm = pytest.importorskip("pyloudnorm")
    rate = 16000
    t = np.arange(rate * 6) / rate
    quiet = (0.01 * np.sin(2 * np.pi * 220 * t)).astype("float32")
    loud = (0.5 * np.sign(np.sin(2 * np.pi * 3 * t)) * np.sin(2 * np.pi * 440 * t)).astype("float32")
    short = quiet[: rate * 2]
    for name, wave in (("quiet", quiet), ("loud", loud), ("short", short)):
        sf.write(tmp_path / f"{name}.wav", wave, rate)
    starts, levels = {}, {}
    for name in ("quiet", "loud", "short"):
        out = tmp_path / f"{name}-cut.wav"
        starts[name], gain = stimuli.write_stimulus(tmp_path / f"{name}.wav", out, seconds=3.0, start=1.5)
        data, got_rate = sf.read(out)
        assert got_rate == rate and len(data) == (3 * rate if name != "short" else 2 * rate)
        levels[name] = pyloudnorm.Meter(rate).integrated_loudness(data)
        assert np.abs(data).max() <= stimuli.PEAK + 1e-3
    assert starts == {"quiet": 1.5, "loud": 1.5, "short": 0.0}  # one point; a song too short starts at 0
    assert levels["quiet"] == pytest.approx(stimuli.TARGET_LUFS, abs=0.5)  # 40 dB up, to the target
    assert levels["loud"] <= stimuli.TARGET_LUFS + 0.5
