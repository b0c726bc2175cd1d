"""`crossmusim listen create`: a listening study made from the systems' own retrievals.

Every system (trained models, baselines) embeds the same pool (a built dataset's split, or labelled or
unlabelled audio) as `evaluate` does; the query songs are drawn with the seed across the pool's tags;
each system's top songs for each query become the items of that query's trial, a song retrieved by
several systems being one item (rated once, counted for each). A few hidden check trials hold the
query itself and a song sharing none of its tags. Stimuli are written once under `STUDY/stimuli/`;
everything else goes in `STUDY/study.sqlite`."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from crossmusim.errors import UserError
from crossmusim.listen import selection, stimuli, store

CRITERIA = ("musical", "acoustic", "overall")  # the paper's Table II
_CRITERION = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass
class StudyConfig:
    out: Path
    models: list[Path] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)
    dataset: Path | None = None
    split: str = "test"
    audio: Path | None = None
    tags: Path | None = None
    queries: int = 20
    top: int = 3
    max_per_artist: int | None = None
    same_artist: bool = False  # let a query's own artist be retrieved (left out by default)
    checks: int = 2  # hidden check trials
    excerpt_seconds: float = 15.0
    excerpt_start: float = 0.0  # seconds into every song (earlier when a song ends sooner)
    criteria: tuple[str, ...] = CRITERIA
    seed: int = 0
    cache_dir: Path | None = None


def parse_criteria(text: str) -> tuple[str, ...]:
    """`musical,acoustic,overall` -> a tuple; names are lower-case words, distinct, one to five of them."""
    names = tuple(part.strip() for part in text.split(","))
    bad = [n for n in names if not _CRITERION.match(n)]
    if bad or not names or len(set(names)) != len(names) or len(names) > 5:
        raise UserError(
            f"--criteria {text!r}: give one to five distinct lower-case names, e.g. musical,acoustic,overall"
        )
    return names


def check_config(config: StudyConfig) -> None:
    if not (config.models or config.baselines):
        raise UserError("give the systems to compare: --model RUN_DIR and/or --baseline NAME")
    if (config.dataset is None) == (config.audio is None):
        raise UserError("give the pool: --dataset DIR (with --split) or --audio MANIFEST|FOLDER")
    if config.queries < 1 or config.top < 1 or config.checks < 0:
        raise UserError("--queries and --top must be at least 1, --checks at least 0")
    if config.excerpt_seconds <= 0:
        raise UserError(f"--excerpt-seconds {config.excerpt_seconds}: give a positive length")
    parse_criteria(",".join(config.criteria))


def load_pool(config: StudyConfig):
    """The tracks every system embedded, and the systems (`evaluation.run.build_systems`)."""
    from crossmusim.evaluation.run import EvaluateConfig, build_systems, load_tracks
    from crossmusim.evaluation.scoring import common_tracks
    from crossmusim.evaluation.whole_tracks import tracks_from_audio

    evaluate_config = EvaluateConfig(models=config.models, baselines=config.baselines, dataset=config.dataset,
                                     split=config.split, audio=config.audio, tags=config.tags, seed=config.seed,
                                     cache_dir=config.cache_dir)  # fmt: skip
    if config.audio is not None and config.tags is None:
        tracks = tracks_from_audio(config.audio)[0]
    else:
        tracks = load_tracks(evaluate_config)[0]
    warnings: list[str] = []
    systems = build_systems(evaluate_config, tracks, [], warnings)
    kept, _ = common_tracks(tracks, systems)
    return kept, systems, warnings


def create_study(config: StudyConfig) -> dict:
    """Make the study folder; returns its summary (with the admin token, said once)."""
    from crossmusim.outputs import check_output_folder

    check_config(config)
    check_output_folder(config.out, "listen")
    if store.db_path(config.out).exists():
        raise UserError(f"--out {config.out} holds a study already: choose another --out")
    tracks, systems, warnings = load_pool(config)
    pool = [selection.PoolSong(t.id, t.artist, frozenset(t.tags_coarse + t.tags_fine)) for t in tracks]
    queries = selection.draw_queries(pool, config.queries, config.seed)
    vectors = {s.name: s.aligned(tracks) for s in systems}
    trials: list[tuple[int, str, list[tuple[int, str, dict[str, int]]]]] = []  # query, kind, items
    for query in queries:
        items: dict[int, dict[str, int]] = {}
        for name, matrix in vectors.items():
            found = selection.retrieve(matrix, pool, query, config.top, same_artist=config.same_artist,
                                       max_per_artist=config.max_per_artist)  # fmt: skip
            for rank, n in enumerate(found, 1):
                items.setdefault(n, {})[name] = rank
        trials.append((query, "main", [(n, "retrieved", ranks) for n, ranks in items.items()]))
    for query in queries[: config.checks]:
        unrelated = selection.unrelated_song(pool, query, config.seed)
        check = [(query, "same", {})] + ([(unrelated, "unrelated", {})] if unrelated is not None else [])
        trials.append((query, "check", check))
    staging = config.out.with_name(f".{config.out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "stimuli").mkdir(parents=True)
    try:
        admin = _write(staging, config, tracks, pool, systems, trials)
        config.out.parent.mkdir(parents=True, exist_ok=True)
        if config.out.exists():
            config.out.rmdir()  # an empty folder (check_output_folder let it through)
        os.replace(staging, config.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    songs = {n for _, _, items in trials for n, _, _ in items} | set(queries)
    return {"study": str(config.out), "admin_token": admin, "systems": [s.name for s in systems],
            "queries": len(queries), "trials": len(trials), "stimuli": len(songs), "warnings": warnings}  # fmt: skip


def _write(staging: Path, config: StudyConfig, tracks, pool, systems, trials) -> str:
    used = sorted({n for _, _, items in trials for n, _, _ in items} | {q for q, _, _ in trials})
    stimulus = {n: secrets.token_hex(8) for n in used}  # opaque: no song id or system in any URL
    conn = store.create_db(staging / store.DB_NAME)
    admin = secrets.token_urlsafe(16)
    with store.transaction(conn):
        for key, value in {"admin_token": admin, "criteria": list(config.criteria), "top": config.top,
                           "excerpt_seconds": config.excerpt_seconds, "excerpt_start": config.excerpt_start,
                           "seed": config.seed, "pool": len(pool), "same_artist": config.same_artist,
                           "created": datetime.now(UTC).isoformat(timespec="seconds")}.items():  # fmt: skip
            store.set_meta(conn, key, value)
        ids = {}
        for system in systems:
            ids[system.name] = conn.execute("INSERT INTO systems (name) VALUES (?)", (system.name,)).lastrowid
        for n in used:
            track = tracks[n]
            source = track.audio if track.audio is not None else Path(track.file)
            start, gain = stimuli.write_stimulus(source, staging / "stimuli" / f"{stimulus[n]}.wav",
                                                 config.excerpt_seconds, config.excerpt_start)  # fmt: skip
            conn.execute("INSERT INTO songs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (stimulus[n], track.id, track.title, track.artist, _json(track.tags_coarse),
                          _json(track.tags_fine), start, gain))  # fmt: skip
        for query, kind, items in trials:
            trial = conn.execute("INSERT INTO trials (query, kind) VALUES (?, ?)", (stimulus[query], kind)).lastrowid
            for n, item_kind, ranks in items:
                item = conn.execute("INSERT INTO items (trial, stimulus, kind) VALUES (?, ?, ?)",
                                    (trial, stimulus[n], item_kind)).lastrowid  # fmt: skip
                for name, rank in ranks.items():
                    conn.execute("INSERT INTO retrievals VALUES (?, ?, ?)", (item, ids[name], rank))
    conn.close()
    return admin


def _json(values: list[str]) -> str:
    import json

    return json.dumps(list(values), ensure_ascii=False)
