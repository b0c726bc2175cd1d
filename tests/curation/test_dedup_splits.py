import random

import numpy as np
import pytest

from crossmusim.curation.dedup import MinHasher, near_duplicate_of, normalise_for_dedup, shingle_hashes
from crossmusim.curation.splits import assign_splits, parse_shares


def jaccard(a: str, b: str, n: int = 5) -> float:
    grams = [{s[i : i + n] for i in range(len(s) - n + 1)} for s in (normalise_for_dedup(a), normalise_for_dedup(b))]
    return len(grams[0] & grams[1]) / len(grams[0] | grams[1])


def test_minhash_estimates_jaccard():
    rng = random.Random(0)
    hasher = MinHasher(256, seed=3)
    base = "".join(rng.choice("abcdefghij ") for _ in range(400))
    for cut in (20, 100, 200):
        other = base[:-cut] + "".join(rng.choice("xyz") for _ in range(cut))
        sa, sb = (hasher.signature(shingle_hashes(normalise_for_dedup(t), 5)) for t in (base, other))
        assert abs(float(np.mean(sa == sb)) - jaccard(base, other)) < 0.1


def test_near_duplicates_zh_and_en_keep_the_first():
    texts = [
        "A slow ballad with soft piano, lush strings and a gentle female vocal about lost love.",
        "Energetic rock with distorted electric guitar, pounding drums and a shouted chorus.",
        "A slow ballad with soft piano, lush strings and a gentle female vocal about lost love!",
        "这首歌以钢琴和弦乐伴奏开场，节奏舒缓，女声温柔地唱出对逝去爱情的怀念与不舍之情。",
        "这首歌以钢琴和弦乐伴奏开场，节奏舒缓，女声温柔地唱出对逝去爱情的怀念与不舍之情！！",
        "這首歌以鋼琴和弦樂伴奏開場，節奏舒緩，女聲溫柔地唱出對逝去愛情的懷念與不捨之情。",
    ]
    assert near_duplicate_of(texts) == [None, None, 0, None, 3, 3]


def test_splits_are_artist_disjoint_deterministic_and_seeded():
    groups = [f"artist{i % 37}" for i in range(1000)]
    first = assign_splits(groups, seed=0)
    assert first == assign_splits(list(groups), seed=0)
    assert set(first.values()) == {"train", "validation", "test"}
    sizes = {s: sum(1 for g in groups if first[g] == s) for s in ("train", "validation", "test")}
    assert 700 <= sizes["train"] <= 880 and sizes["validation"] >= 60 and sizes["test"] >= 60
    assert assign_splits(groups, seed=1) != first


@pytest.mark.parametrize("seed", range(20))
def test_small_data_leaves_no_split_empty(seed):
    # Six artists with about six songs each (38 rows): train used to take all but one artist.
    groups = [f"artist{i}" for i in range(6) for _ in range(6)] + ["artist0", "artist1"]
    assignment = assign_splits(groups, seed=seed)
    artists = {s: sum(1 for a in set(groups) if assignment[a] == s) for s in ("train", "validation", "test")}
    assert min(artists.values()) >= 1 and artists["train"] == 4


def test_two_artists_cannot_fill_three_splits_and_shares_are_the_users():
    assert set(assign_splits(["a", "a", "b"], seed=0).values()) <= {"train", "validation", "test"}
    groups = [f"artist{i % 50}" for i in range(1000)]
    assignment = assign_splits(groups, seed=0, shares=(0.5, 0.0, 0.5))
    rows = {s: sum(1 for g in groups if assignment[g] == s) for s in ("train", "validation", "test")}
    assert rows["validation"] == 0 and 400 <= rows["train"] <= 600


@pytest.mark.parametrize("text", ["0.8,0.2", "0.8,0.1,0.2", "a,b,c", "0,0.5,0.5", "-0.1,0.6,0.5"])
def test_bad_split_shares_are_refused(text):
    with pytest.raises(ValueError, match="give three shares of train,validation,test that sum to 1"):
        parse_shares(text)
    assert parse_shares("0.7,0.15,0.15") == (0.7, 0.15, 0.15)


def test_credited_names_are_every_artist_in_every_script():
    from crossmusim.curation.splits import credited_artists

    assert credited_artists("周杰倫 (Jay Chou) feat. 费玉清") == ["jaychou", "周杰伦", "费玉清"]
    assert credited_artists("A-Ha、Morten Harket") == ["aha", "mortenharket"]
    assert credited_artists("") == []


def test_songs_that_share_any_artist_or_a_recording_share_a_split():
    from crossmusim.curation.splits import ArtistGroups

    groups = ArtistGroups()
    rows = [
        ("周杰伦", "a.wav", "s1"),  # a crawled page
        ("Jay Chou", "a.wav", "s2"),  # a catalogue row naming the same recording in another script
        ("Jay Chou", "b.wav", "s3"),
        ("费玉清 feat. 周杰伦", "c.wav", "s4"),  # a featured artist
        ("Someone Else", "d.wav", "s5"),
        ("", "e.wav", "s6"),  # no artist: its song
        ("", "e.wav", "s7"),  # another text of the same recording
    ]
    keys = [groups.add(*row) for row in rows]
    roots = [groups.find(k) for k in keys]
    assert len(set(roots[:4])) == 1 and roots[0] == "jaychou"  # an artist name leads, never a file
    assert roots[4] == "someoneelse" and roots[5] == roots[6] == "s6"
    assert groups.sizes() == {"jaychou": 4, "someoneelse": 1, "s6": 2}
    for seed in range(10):
        assignment = assign_splits(groups.sizes(), seed=seed, shares=(0.5, 0.25, 0.25))
        by_file: dict[str, set[str]] = {}
        for (_, audio, _), root in zip(rows, roots, strict=True):
            by_file.setdefault(audio, set()).add(assignment[root])
        assert all(len(splits) == 1 for splits in by_file.values())  # no recording in two splits
