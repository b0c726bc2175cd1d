"""Publish a built dataset folder on the Hugging Face Hub in one commit.

What goes up is what a reader of the dataset needs: the card (with a `configs:` block so the Hub
and `datasets.load_dataset(repo, "pairs" | "songs")` find each split's Parquet file), every split of
both configs as Parquet,
`stats.json`, `report.json` and `dropped.jsonl`. A `--link-audio` build is refused before anything
is built: its audio column holds paths on this machine, which must not be published. The token
comes only from the environment (`HF_TOKEN`, or `huggingface-cli login`); `HF_ENDPOINT` points to
another Hub.
"""

from __future__ import annotations

from pathlib import Path

from crossmusim.curation.dataset_card import with_configs
from crossmusim.errors import UserError
from crossmusim.hub import commit

SIDE_FILES = ("stats.json", "report.json", "dropped.jsonl")


def hub_card(card: str, files: dict[str, list[str]]) -> str:
    """The local card with its `configs:` block naming the Parquet files that go up: `pairs` first (the
    default), then `songs`."""
    return with_configs(card, {c: {s: f"parquet/{c}/{s}.parquet" for s in splits} for c, splits in files.items()})


def push_dataset_folder(out: Path, repo_id: str) -> str:
    """Create the dataset repo if needed and commit the dataset's files to it; returns the commit URL."""
    import huggingface_hub as hub

    files = {config: sorted((out / "parquet" / config).glob("*.parquet")) for config in ("pairs", "songs")}
    if not all(files.values()):
        raise UserError(f"{out}: no parquet/ export to push (build with --parquet)")
    card = hub_card((out / "README.md").read_text(encoding="utf-8"), {c: [p.stem for p in f] for c, f in files.items()})
    operations = [hub.CommitOperationAdd("README.md", card.encode("utf-8"))]
    operations += [
        hub.CommitOperationAdd(f"parquet/{config}/{p.name}", str(p)) for config, paths in files.items() for p in paths
    ]
    operations += [hub.CommitOperationAdd(name, str(out / name)) for name in SIDE_FILES if (out / name).exists()]
    return commit(
        repo_id, "dataset", operations, "crossmusim build-dataset", f"the dataset is built in {out}", "--push-to-hub"
    )
