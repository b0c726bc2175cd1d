"""NT-Xent against a naive per-row reference computed with plain Python math."""

from __future__ import annotations

import math

import pytest
import torch

from crossmusim.model.loss import NTXentLoss, nt_xent


def naive_nt_xent(text, audio, tau, symmetric=False):
    def direction(queries, keys):
        total = 0.0
        for i, q in enumerate(queries):
            sims = [sum(a * b for a, b in zip(q, k, strict=True)) / tau for k in keys]
            total += -math.log(math.exp(sims[i]) / sum(math.exp(s) for s in sims))
        return total / len(queries)

    t, a = text.tolist(), audio.tolist()
    return (direction(t, a) + direction(a, t)) / 2 if symmetric else direction(t, a)


def unit(rows):
    return torch.nn.functional.normalize(torch.tensor(rows, dtype=torch.float64), dim=1)


def test_hand_computed_two_pair_case():
    # Orthogonal pairs: t_i . a_i = 1, t_i . a_j = 0, so each row's loss is log(1 + e^(-1/tau)).
    text = audio = unit([[1.0, 0.0], [0.0, 1.0]])
    assert float(nt_xent(text, audio, 0.5)) == pytest.approx(math.log(1 + math.exp(-2)), rel=1e-6)
    # At 0.07 the negatives barely count: the loss is about e^(-1/0.07), 6.2e-7.
    assert float(nt_xent(text, audio, 0.07)) == pytest.approx(math.exp(-1 / 0.07), rel=0.1)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("tau", [0.07, 0.5])
def test_matches_the_naive_reference(symmetric, tau):
    gen = torch.Generator().manual_seed(3)
    text, audio = unit(torch.randn(6, 5, generator=gen).tolist()), unit(torch.randn(6, 5, generator=gen).tolist())
    got = float(nt_xent(text, audio, tau, symmetric))
    assert got == pytest.approx(naive_nt_xent(text, audio, tau, symmetric), rel=1e-5)


def test_text_to_audio_is_the_default_direction_and_differs_from_the_reverse():
    gen = torch.Generator().manual_seed(5)
    text, audio = unit(torch.randn(4, 3, generator=gen).tolist()), unit(torch.randn(4, 3, generator=gen).tolist())
    forward, reverse = float(nt_xent(text, audio)), float(nt_xent(audio, text))
    assert forward != pytest.approx(reverse)
    assert float(NTXentLoss(0.07, symmetric=True)(text, audio)) == pytest.approx((forward + reverse) / 2)


def test_matching_pairs_give_a_lower_loss_than_shuffled_ones():
    gen = torch.Generator().manual_seed(1)
    audio = unit(torch.randn(8, 16, generator=gen).tolist())
    assert float(nt_xent(audio, audio)) < float(nt_xent(audio, audio.roll(1, dims=0)))


def naive_masked(text, audio, songs, tau):
    """Text-to-audio NT-Xent where text i's denominator leaves out the other rows of its own song."""
    total = 0.0
    for i, q in enumerate(text.tolist()):
        keys = [(j, k) for j, k in enumerate(audio.tolist()) if j == i or songs[j] != songs[i]]
        sims = {j: sum(a * b for a, b in zip(q, k, strict=True)) / tau for j, k in keys}
        total += -math.log(math.exp(sims[i]) / sum(math.exp(s) for s in sims.values()))
    return total / len(text)


@pytest.mark.parametrize("symmetric", [False, True])
def test_a_songs_other_texts_in_the_batch_are_no_negatives(symmetric):
    gen = torch.Generator().manual_seed(7)
    text, audio = unit(torch.randn(6, 5, generator=gen).tolist()), unit(torch.randn(6, 5, generator=gen).tolist())
    songs = [0, 1, 0, 2, 1, 3]  # rows 0 and 2, 1 and 4: two texts of one song each
    audio[2] = text[0]  # another crop of text 0's song, which text 0 describes as well as its own
    got = float(nt_xent(text, audio, 0.1, symmetric, torch.tensor(songs)))
    want = naive_masked(text, audio, songs, 0.1)
    if symmetric:
        want = (want + naive_masked(audio, text, songs, 0.1)) / 2
    assert got == pytest.approx(want, rel=1e-5)
    # Without the song ids the same batch pushes text 0 away from its own song's other crop.
    assert float(nt_xent(text, audio, 0.1, symmetric)) > got + 0.1
    # All songs distinct: the plain loss.
    assert float(nt_xent(text, audio, 0.1, symmetric, torch.arange(6))) == pytest.approx(
        float(nt_xent(text, audio, 0.1, symmetric)), rel=1e-6
    )
