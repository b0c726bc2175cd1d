"""Trained models on the Hugging Face Hub: `DualEncoder.from_pretrained("user/name")` and
`model.push_to_hub("user/name")`, as open_clip and transformers do it.

A pushed repo is the model folder (`config.json`, `model.safetensors`, a fine-tuned text tower's
`text/`, a fine-tuned transformers audio tower's `audio/`) and a model card (`README.md`): how to
load it, the towers and head, the training settings, a link to the training dataset's card, and an
evaluation table when one is given. A model whose audio tower is a frozen transformers folder on
this machine is refused: its weights are not in the folder, so nobody else could load it.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from crossmusim.errors import UserError

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def is_hub_id(name: str | Path) -> bool:
    """`user/name` that is not a path on this machine."""
    return isinstance(name, str) and not Path(name).exists() and bool(HUB_ID.match(name))


HUB_PREFIX = "hf://"


def hub_argument(value: str | Path) -> tuple[str, str | None] | None:
    """`hf://user/name[@revision]` as (user/name, revision); None for anything else (a local path). A
    command's model argument names the Hub only this way, so a mistyped local path is never a download.
    (A Path collapses `//`: `hf:/user/name` is the same argument.)"""
    text = str(value)
    for prefix in (HUB_PREFIX, "hf:/"):
        if text.startswith(prefix):
            repo, _, revision = text[len(prefix) :].partition("@")
            if not HUB_ID.match(repo):
                raise UserError(f"{text}: a Hub model is hf://user/name or hf://user/name@revision")
            return repo, revision or None
    return None


def model_folder(name: str | Path, revision: str | None = None) -> Path:
    """A local model folder, or a Hub id's files in the local Hugging Face cache."""
    if is_hub_id(name):
        from crossmusim.hub import download

        return download(str(name), "model", revision)
    return Path(name)


def _dataset_link(dataset: str | None) -> str:
    if not dataset:
        return "Not given when the model was pushed."
    if hub_argument(dataset) is not None:
        dataset = hub_argument(dataset)[0]
    if is_hub_id(dataset):
        return f"[{dataset}](https://huggingface.co/datasets/{dataset}) (its dataset card)"
    return f"<{dataset}>" if dataset.startswith("http") else "a local build, not published (a card names no local path)"


def model_card(repo_id: str, config: dict[str, Any], dataset: str | None, evaluation: str | None) -> str:
    """The README.md of a pushed model: front matter for the Hub, then what a user needs to use it."""
    model, train = config["model"], config["train"]
    trained = config.get("trained", {})
    front = ["---", "library_name: crossmusim", "tags:", "- music", "- audio", "- text-to-music-retrieval",
             "- music-similarity", "- crossmusim"]  # fmt: skip
    if dataset and is_hub_id(dataset):
        front += ["datasets:", f"- {dataset}"]
    lines = [*front, "---", "", f"# {repo_id}", "",
        "A CrossMuSim text-audio dual encoder: trained contrastively on songs paired with text, it ranks "
        "songs for a text query and, with its audio side alone, songs for a song.", "",
        "```python", "from crossmusim.model.dual_encoder import DualEncoder", "",
        f'model = DualEncoder.from_pretrained("{repo_id}")',
        "songs = model.embed_audio([wave], sample_rate=44100)  # (1, dim), L2-normalised",
        'texts = model.embed_text(["a quiet piano piece"])', "```", "",
        "## Model", "",
        f"- audio tower: `{model['audio']['name']}` ({model['audio']['kind']}, "
        f"{'frozen' if model['audio']['freeze'] else 'fine-tuned'})",
        f"- text tower: `{model['text']['name']}` ({model['text']['kind']}, "
        f"{'frozen' if model['text']['freeze'] else 'fine-tuned'})",
        f"- heads: {model['head']['hidden']} hidden, {model['head']['dim']}-d shared space", "",
        "## Training", "",
        f"- preset `{config.get('name')}`, {train['epochs']} epochs, batch {train['batch_size']}, learning rate "
        f"{train['learning_rate']}, text types {', '.join(train['text_types'])}, seed {train['seed']}",
        f"- kept epoch: {trained.get('epoch', '-')} (selected on validation)",
        f"- training data: {_dataset_link(dataset)}", "",
        "## Evaluation", "",
        evaluation.strip() if evaluation else _validation_table(trained.get("metrics", {})), "",
    ]  # fmt: skip
    return "\n".join(lines)


def _validation_table(metrics: dict[str, Any]) -> str:
    shown = {k: v for k, v in metrics.items() if k.startswith("val_") and isinstance(v, int | float)}
    if not shown:
        return "No evaluation was given."
    rows = "\n".join(f"| {k} | {100 * v:.1f} |" for k, v in sorted(shown.items()))
    head = "On the training dataset's validation split (percent), at the kept epoch:"
    return f"{head}\n\n| metric | value |\n| --- | --- |\n{rows}"


def evaluation_text(report: Path | None) -> str | None:
    """The tables of an `evaluate` report folder (its report.md), for the card: from its results on,
    without the notes above them (they name local files) or its pictures (not pushed)."""
    if report is None:
        return None
    path = Path(report) / "report.md" if Path(report).is_dir() else Path(report)
    if not path.is_file():
        raise UserError(f"{report}: no evaluate report there (a folder with report.md)")
    text = path.read_text(encoding="utf-8")
    start = text.find("## Results")
    kept = text[start:] if start >= 0 else text
    return "\n".join(line for line in kept.splitlines() if not line.startswith("![")).strip()


def push_model(model, repo_id: str, *, dataset: str | None = None, evaluation: Path | None = None,
               extra: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Commit the model folder and its card to the model repo `repo_id`; returns the commit URL."""
    import huggingface_hub as hub

    from crossmusim.hub import check_token, commit

    if not HUB_ID.match(repo_id):
        raise UserError(f"{repo_id!r}: a Hub model id is user/name")
    if model.audio_tower.external_weights:
        raise UserError(
            f"push_to_hub: the audio tower is the frozen transformers folder {model.config.model.audio.name} on this "
            "machine and is not saved with the model: push that model to the Hub and name it, or fine-tune the tower"
        )
    check_token("push_to_hub")
    card_text = evaluation_text(evaluation)
    with tempfile.TemporaryDirectory(prefix="crossmusim-push-") as tmp:
        folder = model.save_pretrained(Path(tmp) / "model", extra)
        config = json.loads((folder / "config.json").read_text("utf-8"))
        (folder / "README.md").write_text(model_card(repo_id, config, dataset, card_text), encoding="utf-8")
        operations = [hub.CommitOperationAdd(p.relative_to(folder).as_posix(), str(p))
                      for p in sorted(folder.rglob("*")) if p.is_file()]  # fmt: skip
        return commit(repo_id, "model", operations, "crossmusim push_to_hub", "the model is unchanged here",
                      "push_to_hub")  # fmt: skip
