"""Trained models on the Hub: `push_to_hub("user/name")` commits the model folder and a model card,
`DualEncoder.from_pretrained("user/name")` reads it back (then from the cache, offline), through the
real `huggingface_hub` client against the loopback Hub stand-in, in a fresh process as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from tests.conftest import REPO_ROOT, run_cli
from tests.support.hub_server import HubStandIn

TOKEN = "hf_test_token"
SCRIPT = """
import json, sys
import numpy as np
from crossmusim.errors import UserError
from crossmusim.model.dual_encoder import DualEncoder
action, where = sys.argv[1], sys.argv[2]
try:
    if action == "push":
        model = DualEncoder.from_pretrained(where)
        print(model.push_to_hub("me/tiny", dataset="me/songs", evaluation=sys.argv[3] if len(sys.argv) > 3 else None))
    else:
        model = DualEncoder.from_pretrained(where)
    np.save(sys.argv[-1] if action == "load" else "/dev/null", model.embed_text(["a deep low bass drone"]))
except UserError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(1)
"""


@pytest.fixture(scope="module")
def tiny_model(small_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("hub-run") / "run"
    proc = run_cli("train", "--dataset", str(small_dataset), "--out", str(out), "--preset", "tiny", "--epochs", "1",
                   env={"CROSSMUSIM_CACHE": str(out.parent / "cache")})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return out / "model"


def python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    full.update({"HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_TELEMETRY": "1", **env})
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=full,
                          cwd=REPO_ROOT, timeout=300)  # fmt: skip


@pytest.mark.slow  # a hub server and two processes; the default suite keeps under 10 minutes
def test_a_model_goes_to_the_hub_and_comes_back(tiny_model, tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    (report / "report.md").write_text("| system | M2M coarse mAP@100 |\n| --- | --- |\n| tiny | 61.0 |\n", "utf-8")
    cache = {"HF_HUB_CACHE": str(tmp_path / "hf-cache")}
    with HubStandIn(token=TOKEN) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, **cache}
        pushed = python(env, "push", str(tiny_model), str(report))
        assert pushed.returncode == 0, pushed.stderr
        assert pushed.stdout.strip().startswith(f"{hub.url}/models/me/tiny/commit/")
        files = hub.repos["me/tiny"]
        assert {"config.json", "model.safetensors", "README.md"} <= set(files)
        assert files["model.safetensors"] == (tiny_model / "model.safetensors").read_bytes()
        card = files["README.md"].decode("utf-8")
        meta = yaml.safe_load(card[4 : card.index("\n---\n", 4)])
        assert meta["library_name"] == "crossmusim" and meta["datasets"] == ["me/songs"]
        assert 'DualEncoder.from_pretrained("me/tiny")' in card and "| tiny | 61.0 |" in card
        assert "https://huggingface.co/datasets/me/songs" in card and "hashed-ngrams" in card

        loaded = python({"HF_ENDPOINT": hub.url, **cache}, "load", "me/tiny", str(tmp_path / "hub.npy"))
        assert loaded.returncode == 0, loaded.stderr
        assert ("GET", "/me/tiny/resolve/" + hub.commits["me/tiny"] + "/model.safetensors") in hub.requests
        missing = python({"HF_ENDPOINT": hub.url, **cache}, "load", "me/nothing", str(tmp_path / "x.npy"))
        assert missing.returncode == 1 and missing.stderr.strip().startswith("error: me/nothing: no such model")
    local = python(cache, "load", str(tiny_model), str(tmp_path / "local.npy"))
    assert local.returncode == 0, local.stderr
    assert np.allclose(np.load(tmp_path / "hub.npy"), np.load(tmp_path / "local.npy"), atol=1e-6)
    # The Hub gone: the cached snapshot serves, offline.
    offline = python({"HF_HUB_OFFLINE": "1", **cache}, "load", "me/tiny", str(tmp_path / "offline.npy"))
    assert offline.returncode == 0, offline.stderr
    assert np.array_equal(np.load(tmp_path / "offline.npy"), np.load(tmp_path / "hub.npy"))
    never = python({"HF_HUB_OFFLINE": "1", **cache}, "load", "me/never", str(tmp_path / "y.npy"))
    assert never.returncode == 1 and "not in the local Hugging Face cache" in never.stderr


def test_a_push_without_a_token_or_with_a_wrong_one_is_one_line(tiny_model, tmp_path):
    with HubStandIn(token=TOKEN) as hub:
        cache = {"HF_HUB_CACHE": str(tmp_path / "c"), "HF_HOME": str(tmp_path / "home")}
        none = python({"HF_ENDPOINT": hub.url, **cache}, "push", str(tiny_model))
        assert none.returncode == 1 and "push_to_hub needs a Hugging Face token: set HF_TOKEN" in none.stderr
        wrong = python({"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_wrong", **cache}, "push", str(tiny_model))
        assert wrong.returncode == 1 and "pushing to the Hub as me/tiny failed (HTTP 401" in wrong.stderr
        assert "me/tiny" not in hub.commits and len(wrong.stderr.strip().splitlines()) == 1
    assert json.loads((tiny_model / "config.json").read_text("utf-8"))["model"]  # the local model untouched
