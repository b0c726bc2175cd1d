"""NT-Xent (InfoNCE) over in-batch negatives, the loss CrossMuSim trains with.

For L2-normalised text embeddings t_i and audio embeddings a_i of a batch of N pairs and a
temperature tau, the text-to-audio loss is

    L_t2a = -1/N * sum_i log( exp(t_i . a_i / tau) / sum_j exp(t_i . a_j / tau) )

(every other song in the batch is a negative for text i). Two texts of one song can share a batch
(each text is its own sample): with `songs` (each row's song index) the columns of text i's own song
other than a_i are left out of its denominator (logit -inf), so a song is never pushed away from its
own audio. The paper trains this direction only;
`symmetric=True` averages it with the audio-to-text loss L_a2t (the same with t and a swapped), as
CLIP does. Under DDP the embeddings of every process are gathered with gradients, so each process
computes the loss of the global batch and the averaged gradients equal one process's on that batch.
"""

from __future__ import annotations

import torch
from torch import nn


def gather_with_grad(features: torch.Tensor) -> torch.Tensor:
    """All processes' rows, in rank order; gradients flow back to each process's own rows."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return features
    from torch.distributed.nn.functional import all_gather

    return torch.cat(all_gather(features), dim=0)


def gather(values: torch.Tensor) -> torch.Tensor:
    """All processes' rows of a tensor that needs no gradient (song indices), in rank order."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return values
    parts = [torch.empty_like(values) for _ in range(dist.get_world_size())]
    dist.all_gather(parts, values)
    return torch.cat(parts, dim=0)


def nt_xent(
    text: torch.Tensor,
    audio: torch.Tensor,
    temperature: float = 0.07,
    symmetric: bool = False,
    songs: torch.Tensor | None = None,
) -> torch.Tensor:
    """The loss of one batch of matching rows (text[i] describes audio[i]), both L2-normalised;
    `songs[i]`: row i's song, whose other rows are no negatives of it."""
    logits = text.float() @ audio.float().T / temperature
    labels = torch.arange(len(text), device=text.device)
    if songs is not None:
        songs = songs.to(logits.device)
        same_song = (songs[:, None] == songs[None, :]) & (labels[:, None] != labels[None, :])
        logits = logits.masked_fill(same_song, float("-inf"))
    loss = nn.functional.cross_entropy(logits, labels)
    if symmetric:
        loss = (loss + nn.functional.cross_entropy(logits.T, labels)) / 2
    return loss


class NTXentLoss(nn.Module):
    def __init__(self, temperature: float = 0.07, symmetric: bool = False):
        super().__init__()
        self.temperature, self.symmetric = temperature, symmetric

    def forward(self, text: torch.Tensor, audio: torch.Tensor, songs: torch.Tensor | None = None) -> torch.Tensor:
        songs = gather(songs) if songs is not None else None
        return nt_xent(gather_with_grad(text), gather_with_grad(audio), self.temperature, self.symmetric, songs)
