"""Find the tracks of an index most similar to an audio file, a text or an indexed track."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from crossmusim.errors import UserError


def search(
    index_dir: Path = typer.Option(..., "--index", help="An index folder (crossmusim index)."),
    audio: Path = typer.Option(None, "--audio", help="Find tracks like this audio file."),
    text: str = typer.Option(None, "--text", help="Find tracks matching this text."),
    item_id: str = typer.Option(None, "--id", help="Find tracks like this indexed track."),
    k: int = typer.Option(20, "-k", "--top", min=1, help="How many results."),
    max_per_artist: int = typer.Option(None, "--max-per-artist", min=1, help="At most N results by one artist."),
    model: Path = typer.Option(
        None, "--model", help="The run that embeds --audio or --text (default: the one the index was made with)."
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table."),
) -> None:
    from crossmusim.evaluation.retrieval import format_hits, load_pool, query_model
    from crossmusim.evaluation.retrieval import search as run_search

    if sum(x is not None for x in (audio, text, item_id)) != 1:
        raise UserError('give one query: --audio FILE, --text "..." or --id ID')
    pool = load_pool(index_dir)
    exclude = set()
    if item_id is not None:
        query, exclude = pool.vector(item_id), {item_id}
    else:
        from crossmusim.evaluation.run_models import load_run_model

        encoder = load_run_model(query_model(pool.info, model))
        if text is not None:
            query = encoder.embed_text([text])
        else:
            from crossmusim.model.audio.frontend import decode

            try:
                wave = decode(audio.read_bytes(), encoder.sample_rate)  # mono at the model's rate
            except Exception as exc:
                raise UserError(f"--audio {audio}: cannot decode it ({str(exc).splitlines()[0]})") from None
            query = encoder.embed_audio([wave])
        if query.shape[1] != pool.info["dim"]:
            raise UserError(f"--model gives {query.shape[1]}-d vectors, the index holds {pool.info['dim']}-d ones")
    if text is not None and pool.info.get("kind") == "hnsw":
        typer.echo(
            "crossmusim: note: this HNSW index's recall was measured for audio queries; a text query lies "
            "elsewhere in the space and may miss neighbours (a flat index is exact)",
            err=True,
        )
    hits = run_search(pool, query, k, max_per_artist=max_per_artist, exclude=exclude)[0]
    if as_json:
        for hit in hits:
            typer.echo(json.dumps(hit, ensure_ascii=False))
        return
    typer.echo(format_hits(hits))
