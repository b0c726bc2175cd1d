"""`crossmusim serve`: similar songs over HTTP (FastAPI on uvicorn; OpenAPI docs at `/docs`).

- `GET /v1/similar?song=ID&k=20&user=U[&max_per_artist=N]`: the k songs most like one song.
- `POST /v1/playlist` `{"user", "seeds": [ID, ...], "k", "max_per_artist"=2}`: the k songs most like the
  seeds together (their vectors' normalised mean), seeds left out, at most 2 per artist: the paper's
  feature. Both reply `{"arm", "request", "items": [{"id", "title", "artist", "score"}]}`.
- `GET /v1/search?text=...&k=...&user=U`: when the arm's index was made by a model with a text side.
- `POST /v1/events`: one event or a list (`user`, `request`, `song`, `event`, `device`, `ts`); 200 only
  once they are stored.
- `GET /healthz`; `GET /metrics` (Prometheus: requests, latency, events, per arm);
  `POST /admin/reload` (header `Authorization: Bearer $CROSSMUSIM_ADMIN_TOKEN`).
A user's arm is a salted hash of their id (`arms.assign`); requests without a user go to the first arm
and are counted apart. Bad requests get a 4xx with one-line JSON `{"error": ...}`, never a 500.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations (fastapi.Request, imported
# lazily inside create_app) as objects.

import contextlib
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crossmusim.asgi import ApiError, json_errors
from crossmusim.extras import require
from crossmusim.io import utc_now
from crossmusim.serve.arms import Arm, assign, text_encoder, vectors
from crossmusim.serve.events import EVENTS, events_store

ADMIN_ENV = "CROSSMUSIM_ADMIN_TOKEN"


@dataclass
class ServeConfig:
    arms: list[tuple[str, str]]  # (name, index folder)
    split: list[float]
    salt: str = "crossmusim"
    events: str = "events.sqlite"
    extra: dict[str, Any] = field(default_factory=dict)


def check_k(k: Any, pool: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k < pool:
        raise ApiError(422, f"k must be an integer from 1 to {pool - 1} (the pool holds {pool} songs), not {k!r}")
    return k


def check_event(raw: Any, n: int) -> dict[str, Any]:
    where = f"event {n}: " if n else ""
    if not isinstance(raw, dict):
        raise ApiError(400, f"{where}an event is a JSON object")
    for name in ("user", "song", "event"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise ApiError(422, f"{where}{name} must be a non-empty string")
    if raw["event"] not in EVENTS:
        raise ApiError(422, f"{where}event {raw['event']!r} is not one of {', '.join(EVENTS)}")
    for name in ("request", "device"):
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise ApiError(422, f"{where}{name} must be a string")
    if raw.get("ts") is not None and not isinstance(raw["ts"], str | int | float):
        raise ApiError(422, f"{where}ts must be an ISO time or a number")
    return raw


def create_app(config: ServeConfig):
    fastapi = require("fastapi", "serve")
    responses = require("fastapi.responses", "serve")
    prometheus = require("prometheus_client", "serve")
    arms = {name: Arm(name, folder) for name, folder in config.arms}
    names = list(arms)
    store = events_store(config.events)
    store.set_meta({"arms": names, "split": config.split, "salt": config.salt, **config.extra})
    registry = prometheus.CollectorRegistry()
    requests_total = prometheus.Counter("crossmusim_requests", "Replies by arm, endpoint and status",
                                        ["arm", "endpoint", "status"], registry=registry)  # fmt: skip
    anonymous_total = prometheus.Counter("crossmusim_anonymous_requests", "Replies to requests without a user",
                                         ["endpoint"], registry=registry)  # fmt: skip
    latency = prometheus.Histogram("crossmusim_request_seconds", "Reply latency by arm and endpoint",
                                   ["arm", "endpoint"], registry=registry)  # fmt: skip
    events_total = prometheus.Counter("crossmusim_events", "Stored events by arm and type", ["arm", "event"],
                                      registry=registry)  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        store.close()  # the connections of every worker thread

    app = fastapi.FastAPI(title="crossmusim: similar songs", version="1", lifespan=lifespan)

    json_errors(app, "serve")

    def arm_of(user: str | None) -> tuple[Arm, bool]:
        if not user:
            return arms[names[0]], True
        return arms[assign(user, names, config.split, config.salt)], False

    def reply(endpoint: str, user: str | None, k: int, arm: Arm, anonymous: bool, hits, start: float) -> dict:
        request = uuid.uuid4().hex
        store.add_request((request, user, arm.name, endpoint, k, int(anonymous), utc_now()))
        requests_total.labels(arm.name, endpoint, "200").inc()
        if anonymous:
            anonymous_total.labels(endpoint).inc()
        latency.labels(arm.name, endpoint).observe(time.perf_counter() - start)
        items = [{"id": h["id"], "title": h.get("title"), "artist": h.get("artist"), "score": h["score"]}
                 for h in hits]  # fmt: skip
        return {"arm": arm.name, "request": request, "items": items}

    def known(snapshot, songs: list[str]) -> None:
        missing = [s for s in songs if s not in snapshot.position]
        if missing:
            raise ApiError(
                404, f"unknown song {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if missing[1:] else "")
            )

    @app.get("/v1/similar")
    def similar(song: str, k: int = 20, user: str | None = None, max_per_artist: int | None = None):
        from crossmusim.evaluation.retrieval import search

        start = time.perf_counter()
        arm, anonymous = arm_of(user)
        snapshot = arm.current()
        known(snapshot, [song])
        check_k(k, len(snapshot.pool.items))
        if max_per_artist is not None and max_per_artist < 1:
            raise ApiError(422, "max_per_artist must be at least 1")
        hits = search(snapshot.pool, vectors(snapshot, [song]), k, max_per_artist=max_per_artist, exclude={song})[0]
        return reply("similar", user, k, arm, anonymous, hits, start)

    @app.post("/v1/playlist")
    async def playlist(request: fastapi.Request):
        from crossmusim.evaluation.retrieval import search

        start = time.perf_counter()
        body = await _json(request)
        if not isinstance(body, dict):
            raise ApiError(400, "the body must be a JSON object with user, seeds and k")
        seeds, k, user = body.get("seeds"), body.get("k", 20), body.get("user")
        if not isinstance(seeds, list) or not seeds or not all(isinstance(s, str) for s in seeds):
            raise ApiError(422, "seeds must be a non-empty list of song ids")
        if user is not None and not isinstance(user, str):
            raise ApiError(422, "user must be a string")
        cap = body.get("max_per_artist", 2)
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            raise ApiError(422, "max_per_artist must be an integer of at least 1")
        arm, anonymous = arm_of(user)
        snapshot = arm.current()
        known(snapshot, seeds)
        check_k(k, len(snapshot.pool.items) - len(set(seeds)) + 1)
        query = vectors(snapshot, seeds).mean(axis=0, keepdims=True)
        hits = search(snapshot.pool, query, k, max_per_artist=cap, exclude=set(seeds))[0]
        return reply("playlist", user, k, arm, anonymous, hits, start)

    @app.get("/v1/search")
    def text_search(text: str, k: int = 20, user: str | None = None):
        from crossmusim.errors import UserError
        from crossmusim.evaluation.retrieval import search

        start = time.perf_counter()
        arm, anonymous = arm_of(user)
        snapshot = arm.current()
        check_k(k, len(snapshot.pool.items) + 1)
        try:
            encoder = text_encoder(snapshot)
        except UserError as exc:
            raise ApiError(409, f"arm {arm.name} cannot search by text: {exc}") from None
        query = np.asarray(encoder.embed_text([text]), dtype=np.float32)
        return reply("search", user, k, arm, anonymous, search(snapshot.pool, query, k)[0], start)

    @app.post("/v1/events")
    async def events(request: fastapi.Request):
        body = await _json(request)
        raws = body if isinstance(body, list) else [body]
        if not raws:
            raise ApiError(422, "no events in the list")
        checked = [check_event(raw, n if isinstance(body, list) else 0) for n, raw in enumerate(raws)]
        received = utc_now()
        rows = [(e["user"], arm_of(e["user"])[0].name, e.get("request"), e["song"], e["event"], e.get("device"),
                 None if e.get("ts") is None else str(e["ts"]), received) for e in checked]  # fmt: skip
        store.add_events(rows)  # committed before the reply
        for row in rows:
            events_total.labels(row[1], row[4]).inc()
        return {"stored": len(rows)}

    @app.get("/healthz")
    def healthz():
        return {"ok": True, "arms": {name: len(arm.snapshot.pool.items) for name, arm in arms.items()}}

    @app.get("/metrics")
    def metrics():
        return responses.Response(prometheus.generate_latest(registry), media_type=prometheus.CONTENT_TYPE_LATEST)

    @app.post("/admin/reload")
    def reload(request: fastapi.Request):
        token = os.environ.get(ADMIN_ENV)
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not token:
            raise ApiError(403, f"reloading is off: start the service with {ADMIN_ENV} set")
        if not secrets.compare_digest(given, token):
            raise ApiError(403, "give the admin token: Authorization: Bearer TOKEN")
        return {"reloaded": {name: len(arm.reload().pool.items) for name, arm in arms.items()}}

    async def _json(request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None

    return app
