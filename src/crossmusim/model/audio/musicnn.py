"""musicnn (Pons & Serra, 2019) in PyTorch, reading the pretrained TensorFlow checkpoints that ship
in the `musicnn==0.1.0` wheel (MSD and MagnaTagATune taggers, 50 tags each) without TensorFlow.

The network, as the original builds it on a (batch, 187 frames, 96 mel) log-mel patch: an input
batch norm; a musically motivated front end (two timbral convolutions spanning 7 frames by 38 and 67
mel bands, three temporal ones spanning 128, 64 and 32 frames, each max-pooled over frequency:
561 channels per frame); a mid end of three 7-frame convolutions (64 channels, the last two
residual), densely connected (753 channels); a back end of max and mean pooling over time, batch
norm, a 200-unit dense layer (the "penultimate" features) and 50 sigmoid tags.

Checked against the stock package's outputs (`../shared/reference/musicnn`): fed the same patches,
the tags agree to about 1e-6. Unlike the stock extractor, features are computed for every patch
(the stock one repeats a stale penultimate row after the first), and the log-mel stays float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

PATCH_FRAMES = 187  # 3 s at 16 kHz, hop 256: what the checkpoints were trained on
TF_BN_EPS = 1e-3  # tf.compat.v1.layers.batch_normalization's default
MSD_TAGS = (
    "rock,pop,alternative,indie,electronic,female vocalists,dance,00s,alternative rock,jazz,beautiful,metal,"
    "chillout,male vocalists,classic rock,soul,indie rock,Mellow,electronica,80s,folk,90s,chill,instrumental,punk,"
    "oldies,blues,hard rock,ambient,acoustic,experimental,female vocalist,guitar,Hip-Hop,70s,party,country,"
    "easy listening,sexy,catchy,funk,electro,heavy metal,Progressive rock,60s,rnb,indie pop,sad,House,happy"
).split(",")
MTT_TAGS = (
    "guitar,classical,slow,techno,strings,drums,electronic,rock,fast,piano,ambient,beat,violin,vocal,synth,female,"
    "indian,opera,male,singing,vocals,no vocals,harpsichord,loud,quiet,flute,woman,male vocal,no vocal,pop,soft,"
    "sitar,solo,man,classic,choir,voice,new age,dance,male voice,female vocal,beats,harp,cello,no voice,weird,"
    "country,metal,female voice,choral"
).split(",")
CHECKPOINTS = {"musicnn-msd": ("MSD_musicnn", MSD_TAGS), "musicnn-mtt": ("MTT_musicnn", MTT_TAGS)}


def _bn(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=TF_BN_EPS, momentum=0.01)


class _FreqPooledConv(nn.Module):
    """Conv over (time, mel), ReLU, batch norm, then max over what is left of the mel axis."""

    def __init__(self, filters: int, kernel: tuple[int, int], time_pad: tuple[int, int]):
        super().__init__()
        self.time_pad = time_pad
        self.conv = nn.Conv2d(1, filters, kernel)
        self.bn = nn.BatchNorm2d(filters, eps=TF_BN_EPS, momentum=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (batch, 1, time, mel)
        x = nn.functional.pad(x, (0, 0, *self.time_pad))
        # Normalise before pooling, as the original: with a negative scale the order matters.
        return self.bn(torch.relu(self.conv(x))).amax(dim=3)


class _MidConv(nn.Module):
    """7-frame convolution across all channels (a 2-D conv spanning the whole channel axis in the original)."""

    def __init__(self, in_channels: int, filters: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, filters, 7)
        self.bn = _bn(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, channels, time)
        return self.bn(torch.relu(self.conv(nn.functional.pad(x, (3, 3)))))


class Musicnn(nn.Module):
    """The musicnn tagger; `features(patches)` returns every intermediate the original exposes."""

    def __init__(self, n_mels: int = 96, n_tags: int = 50, midend: int = 64, backend: int = 200):
        super().__init__()
        self.input_bn = nn.BatchNorm2d(1, eps=TF_BN_EPS, momentum=0.01)
        timbral, temporal = int(1.6 * 128), int(1.6 * 32)
        self.timbral = nn.ModuleList(
            [_FreqPooledConv(timbral, (7, int(share * n_mels)), (3, 3)) for share in (0.4, 0.7)]
        )
        # TensorFlow's "same" padding puts the odd extra frame after.
        self.temporal = nn.ModuleList(
            [_FreqPooledConv(temporal, (k, 1), ((k - 1) // 2, k - 1 - (k - 1) // 2)) for k in (128, 64, 32)]
        )
        front = 2 * timbral + 3 * temporal
        self.mid = nn.ModuleList([_MidConv(front, midend), _MidConv(midend, midend), _MidConv(midend, midend)])
        self.feature_dim = front + 3 * midend
        self.pool_bn = _bn(2 * self.feature_dim)
        self.dense = nn.Linear(2 * self.feature_dim, backend)
        self.dense_bn = _bn(backend)
        self.dropout = nn.Dropout(0.5)
        self.classifier = nn.Linear(backend, n_tags)

    def features(self, patches: torch.Tensor) -> dict[str, torch.Tensor]:
        """patches: (batch, frames, mel) log-mel -> logits, taggram, penultimate, mean_pool, max_pool."""
        x = self.input_bn(patches.unsqueeze(1))
        front = torch.cat([block(x) for block in (*self.timbral, *self.temporal)], dim=1)  # (batch, 561, time)
        m1 = self.mid[0](front)
        m2 = self.mid[1](m1) + m1
        m3 = self.mid[2](m2) + m2
        stacked = torch.cat([front, m1, m2, m3], dim=1)  # (batch, 753, time)
        max_pool, mean_pool = stacked.amax(dim=2), stacked.mean(dim=2)
        # The original flattens a (753, 2) [max, mean] pair per channel: interleave to match its weights.
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(1)
        penultimate = self.dense_bn(torch.relu(self.dense(self.dropout(self.pool_bn(pooled)))))
        logits = self.classifier(self.dropout(penultimate))
        return {
            "logits": logits,
            "taggram": torch.sigmoid(logits),
            "penultimate": penultimate,
            "mean_pool": mean_pool,
            "max_pool": max_pool,
        }

    def forward(self, patches: torch.Tensor) -> torch.Tensor:
        return self.features(patches)["taggram"]


def _bn_weights(prefix: str, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {
        "weight": tensors[f"{prefix}/gamma"],
        "bias": tensors[f"{prefix}/beta"],
        "running_mean": tensors[f"{prefix}/moving_mean"],
        "running_var": tensors[f"{prefix}/moving_variance"],
    }


def state_dict_from_tf(tensors: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Map the original TensorFlow variable names (in creation order) onto this module's.

    conv2d, conv2d_1: timbral 7x38, 7x67; conv2d_2..4: temporal 128, 64, 32; conv2d_5..7: mid end;
    batch_normalization: input, _1.._8 after each conv, _9 after pooling, _10 after the dense layer;
    dense: penultimate, dense_1: tags. TF kernels are (height, width, in, out).
    """
    out: dict[str, np.ndarray] = {}

    def put(prefix: str, values: dict[str, np.ndarray]) -> None:
        out.update({f"{prefix}.{k}": v for k, v in values.items()})

    put("input_bn", _bn_weights("batch_normalization", tensors))
    blocks = [f"timbral.{i}" for i in range(2)] + [f"temporal.{i}" for i in range(3)]
    for i, block in enumerate(blocks):
        out[f"{block}.conv.weight"] = tensors[f"conv2d{'' if i == 0 else f'_{i}'}/kernel"].transpose(3, 2, 0, 1)
        out[f"{block}.conv.bias"] = tensors[f"conv2d{'' if i == 0 else f'_{i}'}/bias"]
        put(f"{block}.bn", _bn_weights(f"batch_normalization_{i + 1}", tensors))
    for j in range(3):
        kernel = tensors[f"conv2d_{5 + j}/kernel"]  # (7, channels, 1, filters)
        out[f"mid.{j}.conv.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0)
        out[f"mid.{j}.conv.bias"] = tensors[f"conv2d_{5 + j}/bias"]
        put(f"mid.{j}.bn", _bn_weights(f"batch_normalization_{6 + j}", tensors))
    put("pool_bn", _bn_weights("batch_normalization_9", tensors))
    out["dense.weight"], out["dense.bias"] = tensors["dense/kernel"].T, tensors["dense/bias"]
    put("dense_bn", _bn_weights("batch_normalization_10", tensors))
    out["classifier.weight"], out["classifier.bias"] = tensors["dense_1/kernel"].T, tensors["dense_1/bias"]
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in out.items()}


def checkpoint_folder(name: str) -> Path:
    """Where the `musicnn` wheel keeps a checkpoint (`musicnn-msd` or `musicnn-mtt`)."""
    from crossmusim.extras import require

    folder, _ = CHECKPOINTS[name]
    package = require("musicnn", "train", 'pip install --no-deps "musicnn==0.1.0"')
    return Path(package.__file__).parent / folder


def load_musicnn(name: str = "musicnn-msd", checkpoint: Path | None = None) -> Musicnn:
    """A Musicnn with pretrained weights, from the wheel or a checkpoint folder/prefix of the same shape."""
    from crossmusim.errors import UserError
    from crossmusim.model.audio.tf_checkpoint import read_checkpoint

    model = Musicnn()
    source = checkpoint or checkpoint_folder(name)
    try:
        weights = state_dict_from_tf(read_checkpoint(source))
    except KeyError as exc:
        raise UserError(f"{source}: not a musicnn checkpoint (no variable {exc.args[0]})") from None
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise UserError(f"{source}: does not match musicnn's layers ({str(exc).splitlines()[-1].strip()})") from None
    return model.eval()


def patches_from_logmel(logmel: torch.Tensor, frames: int = PATCH_FRAMES) -> torch.Tensor:
    """(batch, T, mel) -> (batch, n, frames, mel): consecutive non-overlapping patches, as musicnn cuts them."""
    count = logmel.shape[1] // frames
    if count == 0:
        raise ValueError(f"audio too short for musicnn: {logmel.shape[1]} frames, at least {frames} needed")
    return logmel[:, : count * frames].reshape(logmel.shape[0], count, frames, logmel.shape[2])
