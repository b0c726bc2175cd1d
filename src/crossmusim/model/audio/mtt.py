"""The Music Tagging Transformer (Won, Choi & Serra, ISMIR 2021) with named sizes.

A log-mel front end (torchaudio's defaults: 22.05 kHz, 1024-point FFT, hop 512, 128 HTK mel bands,
decibels), a three-block residual CNN (3x3 convolutions, max pooling 2x2, 2x2, 2x1), a linear map of
each frame's flattened channels-by-frequency map into the attention width, a learned [CLS] token and
positional embedding, and a pre-norm transformer encoder. The embedding is the [CLS] output.

`paper` is the released teacher's size (conv 128, attention 256, 4 layers of 8 heads: about 4.3M
parameters), the size the CrossMuSim paper fine-tunes; `small` and `tiny` are for CPUs and tests.
Checkpoints of the original release load through `state_dict_from_original` (names mapped below);
a checkpoint of another size fails with the mismatching tensor named.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from crossmusim.model.audio.mel import MTT_MEL, LogMel


@dataclass(frozen=True)
class MTTSize:
    conv: int
    width: int
    layers: int
    heads: int
    max_len: int = 512


SIZES = {
    "paper": MTTSize(conv=128, width=256, layers=4, heads=8),
    "small": MTTSize(conv=32, width=128, layers=2, heads=4),
    "tiny": MTTSize(conv=8, width=32, layers=1, heads=2),
}


class ResBlock(nn.Module):
    def __init__(self, inputs: int, outputs: int, pooling: tuple[int, int]):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = (
            nn.Sequential(nn.Conv2d(inputs, outputs, 3, padding=1), nn.BatchNorm2d(outputs))
            if inputs != outputs
            else nn.Identity()
        )
        self.pool = nn.MaxPool2d(pooling)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return self.pool(torch.relu(out + self.shortcut(x)))


class EncoderLayer(nn.Module):
    """Pre-norm attention and GELU feed-forward, each residual (the original's ViT-style block)."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width, bias=False)
        self.out = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.ff = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(), nn.Dropout(dropout), nn.Linear(4 * width, width)
        )
        self.heads, self.dropout = heads, nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, w = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        attended = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, w)
        x = x + self.dropout(self.out(attended))
        return x + self.dropout(self.ff(self.norm2(x)))


class MusicTaggingTransformer(nn.Module):
    sample_rate = MTT_MEL.sample_rate

    def __init__(self, size: MTTSize, dropout: float = 0.1, n_tags: int = 0):
        super().__init__()
        self.size = size
        self.mel = LogMel(MTT_MEL)
        self.input_bn = nn.BatchNorm2d(1)
        self.blocks = nn.Sequential(
            ResBlock(1, size.conv, (2, 2)),
            ResBlock(size.conv, size.conv, (2, 2)),
            ResBlock(size.conv, size.conv, (2, 1)),
        )
        self.frame_proj = nn.Linear(MTT_MEL.n_mels // 8 * size.conv, size.width)
        self.pos_embedding = nn.Parameter(torch.randn(1, size.max_len + 1, size.width))
        self.cls_token = nn.Parameter(torch.randn(size.width))
        self.dropout = nn.Dropout(dropout)
        self.layers = nn.ModuleList([EncoderLayer(size.width, size.heads, dropout) for _ in range(size.layers)])
        self.norm = nn.LayerNorm(size.width)
        self.tagger = nn.Linear(size.width, n_tags) if n_tags else None  # only to load a tagging checkpoint
        self.output_dim = size.width

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        """(batch, samples) at 22.05 kHz -> (batch, width): the [CLS] output."""
        spec = self.mel(wave).transpose(1, 2).unsqueeze(1)  # (batch, 1, mel, frames)
        x = self.blocks(self.input_bn(spec))
        b, c, f, t = x.shape
        frames = x.permute(0, 3, 1, 2).reshape(b, t, c * f)
        if t + 1 > self.pos_embedding.shape[1]:
            raise ValueError(
                f"audio too long for this Music Tagging Transformer: {t} frames, at most {self.size.max_len}"
            )
        x = torch.cat([self.cls_token.expand(b, 1, -1), self.frame_proj(frames)], dim=1)
        x = self.dropout(x + self.pos_embedding[:, : t + 1])
        for layer in self.layers:
            x = layer(x)
        return self.norm(x[:, 0])


# Original release name -> this module's (after stripping its "teacher."/"student." prefix).
ORIGINAL_NAMES = [
    ("frontend.input_bn.", "input_bn."),
    ("frontend.layer1.", "blocks.0."),
    ("frontend.layer2.", "blocks.1."),
    ("frontend.layer3.", "blocks.2."),
    (".conv_1.", ".conv1."),
    (".bn_1.", ".bn1."),
    (".conv_2.", ".conv2."),
    (".bn_2.", ".bn2."),
    (".conv_3.", ".shortcut.0."),
    (".bn_3.", ".shortcut.1."),
    ("frontend.fc.", "frame_proj."),
    ("mlp_head.0.", "norm."),
    ("mlp_head.1.", "tagger."),
]
LAYER_NAMES = {
    "0.fn.norm.": "norm1.",
    "0.fn.fn.to_qkv.": "qkv.",
    "0.fn.fn.to_out.0.": "out.",
    "1.fn.norm.": "norm2.",
    "1.fn.fn.net.0.": "ff.0.",
    "1.fn.fn.net.3.": "ff.3.",
}


def state_dict_from_original(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename a checkpoint of the original code (minzwon/semi-supervised-music-tagging-transformer).

    `teacher.`/`student.` prefixes are stripped (the student's own `teacher.` copy is dropped), the
    spectrogram's buffers are skipped (computed here), and `transformer.layers.N.A.fn...` becomes
    `layers.N....`. Unknown names are kept, so that `load_state_dict` reports them.
    """
    out = {}
    prefixes = {k.split(".", 1)[0] for k in state}
    keep = "student" if "student" in prefixes else "teacher" if "teacher" in prefixes else None
    for name, tensor in state.items():
        if keep:
            if not name.startswith(keep + "."):
                continue
            name = name[len(keep) + 1 :]
        if name.startswith("spec.") or name.endswith("num_batches_tracked"):
            continue
        if name.startswith("transformer.layers."):
            index, rest = name[len("transformer.layers.") :].split(".", 1)
            for old, new in LAYER_NAMES.items():
                if rest.startswith(old):
                    name = f"layers.{index}.{new}{rest[len(old) :]}"
                    break
        else:
            for old, new in ORIGINAL_NAMES:
                name = name.replace(old, new)
        out[name] = tensor
    return out
