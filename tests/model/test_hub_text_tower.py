"""A sentence-transformers text tower by name: not in the local cache, it is fetched from the Hub (the
loopback stand-in, through the real clients), then loads from the cache with the Hub gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.support.hub_server import HubStandIn

SCRIPT = """
import sys
from crossmusim.errors import UserError
from crossmusim.model.text import SentenceTransformerTower
try:
    tower = SentenceTransformerTower(sys.argv[1], freeze=True)
except UserError as exc:
    sys.exit(f"error: {exc}")
print(tower.dim, tuple(tower(["a quiet piano"]).shape))
"""


def tiny_sentence_transformer(folder: Path) -> Path:
    """A randomly initialised 16-d BERT with mean pooling, saved as a sentence-transformers folder."""
    transformers = pytest.importorskip("transformers")
    st = pytest.importorskip("sentence_transformers")
    bert = folder / "bert"
    bert.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "quiet", "piano", "loud", "song"]
    (bert / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    transformers.BertTokenizer(str(bert / "vocab.txt")).save_pretrained(str(bert))
    sizes = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
    config = transformers.BertConfig(vocab_size=len(vocab), max_position_embeddings=64, **sizes)
    transformers.BertModel(config).save_pretrained(str(bert))
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    model = st.SentenceTransformer(modules=[Transformer(str(bert)), Pooling(16)], device="cpu")
    model.save(str(folder / "st"))
    return folder / "st"


def run(env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    full.update({"HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_TELEMETRY": "1", **env})
    return subprocess.run([sys.executable, "-c", SCRIPT, name], capture_output=True, text=True, env=full,
                          cwd=REPO_ROOT, timeout=300)  # fmt: skip


@pytest.mark.slow  # three fresh processes loading sentence-transformers (about a minute)
def test_a_text_tower_name_comes_from_the_hub_then_from_the_cache(tmp_path):
    folder = tiny_sentence_transformer(tmp_path / "model")
    cache = {"HF_HUB_CACHE": str(tmp_path / "hf-cache"), "HF_HOME": str(tmp_path / "hf-home")}
    with HubStandIn() as hub:
        hub.repos["me/tiny-st"] = {p.relative_to(folder).as_posix(): p.read_bytes()
                                   for p in folder.rglob("*") if p.is_file()}  # fmt: skip
        hub.commits["me/tiny-st"] = "c" * 40
        fetched = run({"HF_ENDPOINT": hub.url, **cache}, "me/tiny-st")
        assert fetched.returncode == 0, fetched.stderr
        assert fetched.stdout.split() == ["16", "(1,", "16)"]
        assert any(path.startswith("/me/tiny-st/resolve/") for _, path in hub.requests)
        missing = run({"HF_ENDPOINT": hub.url, **cache}, "me/no-such-model")
        assert missing.returncode != 0 and "could not be fetched from the Hub" in missing.stderr
    cached = run({"HF_HUB_OFFLINE": "1", **cache}, "me/tiny-st")  # the Hub gone
    assert cached.returncode == 0, cached.stderr
    assert cached.stdout.split()[0] == "16"
