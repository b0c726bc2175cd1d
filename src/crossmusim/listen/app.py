"""The listening test's web app (FastAPI on uvicorn, Jinja2 pages, plain HTML and a little JavaScript).

- `GET /r/TOKEN`: the rater's page; it talks to the JSON API below.
- `GET /api/r/TOKEN/next`: the rater's next trial (`{"trial", "done", "total", "query", "items": [{"slot",
  "audio"}], "criteria"}`), or `{"finished": true}`.
- `POST /api/r/TOKEN/answer`: `{"trial", "slot", "ratings": {criterion: 1-5}}`; answering a slot again
  replaces its answer. Bad answers get a 4xx with one-line JSON `{"error": ...}`, never a 500.
- `GET /a/TOKEN/STIMULUS.wav`: a stimulus, by its opaque id, only from `STUDY/stimuli/`; the first fetch
  by a rater is recorded as played. Any other path is 404.
- `GET /admin?token=ADMIN`: each rater's progress.
No page, URL or reply names a system: the systems stay blinded.
"""

# No `from __future__ import annotations`: FastAPI reads the route annotations (fastapi.Request, imported
# lazily inside create_app) as objects.

import re
from pathlib import Path
from typing import Any

from crossmusim.asgi import ApiError, json_errors
from crossmusim.extras import require
from crossmusim.listen import raters, store

TEMPLATES = Path(__file__).with_name("templates")
SCALE = ["Not similar at all", "Slightly similar", "Moderately similar", "Very similar", "Extremely similar"]
DESCRIPTIONS = {
    "musical": "melody, harmony, rhythm and style",
    "acoustic": "timbre, instruments, recording and production",
    "overall": "as a whole: would it fit as a similar song?",
}
_STIMULUS = re.compile(r"^[0-9a-f]{16}$")


def check_answer(body: Any, criteria: list[str]) -> tuple[int, int, dict[str, int]]:
    """(trial, slot, ratings) of an answer body, or an `ApiError` naming what is wrong."""
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object with trial, slot and ratings")
    trial, slot, ratings = body.get("trial"), body.get("slot"), body.get("ratings")
    for name, value in (("trial", trial), ("slot", slot)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError(422, f"{name} must be an integer")
    if not isinstance(ratings, dict):
        raise ApiError(422, f"ratings must be an object of {', '.join(criteria)}")
    missing = [c for c in criteria if c not in ratings]
    unknown = [c for c in ratings if c not in criteria]
    if missing or unknown:
        said = ([f"{', '.join(missing)} missing"] if missing else []) + (
            [f"{', '.join(unknown)} unknown"] if unknown else []
        )
        raise ApiError(422, "ratings: " + "; ".join(said))
    for name, value in ratings.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ApiError(422, f"ratings.{name} must be an integer from 1 to 5, not {value!r}")
    return trial, slot, ratings


def create_app(study: Path):
    """The app serving `study` (a folder made by `listen create`)."""
    fastapi = require("fastapi", "listen")
    responses = require("fastapi.responses", "listen")
    jinja2 = require("jinja2", "listen")
    study = store.check_study(study)
    stimuli = (study / "stimuli").resolve()
    pages = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    with store.opened(study) as conn:
        criteria = store.meta(conn, "criteria")
        admin_token = store.meta(conn, "admin_token")
    app = fastapi.FastAPI(title="crossmusim listening test", docs_url=None, redoc_url=None, openapi_url=None)

    json_errors(app, "listen")

    def rater(conn, token: str):
        found = raters.rater_of(conn, token)
        if found is None:
            raise ApiError(404, "unknown rater link")
        return found

    def audio_url(token: str, stimulus: str) -> str:
        return f"/a/{token}/{stimulus}.wav"

    @app.get("/r/{token}", response_class=responses.HTMLResponse)
    def page(token: str):
        with store.opened(study) as conn:
            rater(conn, token)
        html = pages.get_template("trial.html").render(token=token, criteria=criteria, scale=SCALE,
                                                       descriptions=DESCRIPTIONS)  # fmt: skip
        return responses.HTMLResponse(html)

    @app.get("/api/r/{token}/next")
    def next_trial(token: str):
        with store.opened(study) as conn:
            who = rater(conn, token)
            found = raters.next_trial(conn, who["id"])
            done, total = raters.progress(conn, who["id"])
        if found is None:
            return {"finished": True, "done": done, "total": total}
        items = [{"slot": i["slot"], "audio": audio_url(token, i["stimulus"]), "ratings": i["ratings"]}
                 for i in found["items"]]  # fmt: skip
        return {"trial": found["trial"], "done": done, "total": total, "query": audio_url(token, found["query"]),
                "items": items, "criteria": criteria}  # fmt: skip

    @app.post("/api/r/{token}/answer")
    async def answer(token: str, request: fastapi.Request):
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
        trial, slot, ratings = check_answer(body, criteria)
        with store.opened(study) as conn:
            who = rater(conn, token)
            if not raters.answer(conn, who["id"], trial, slot, ratings):
                raise ApiError(404, f"trial {trial}, slot {slot} was not given to this rater")
            done, total = raters.progress(conn, who["id"])
        return {"ok": True, "done": done, "total": total}

    @app.get("/a/{token}/{name}")
    def audio(token: str, name: str):
        stem = name.removesuffix(".wav")
        if not name.endswith(".wav") or not _STIMULUS.match(stem):
            raise ApiError(404, "not found")
        with store.opened(study) as conn:
            who = rater(conn, token)
            if conn.execute("SELECT 1 FROM songs WHERE stimulus = ?", (stem,)).fetchone() is None:
                raise ApiError(404, "not found")
            with store.transaction(conn):
                raters.record_play(conn, who["id"], stem)
        path = stimuli / f"{stem}.wav"
        if not path.is_file():
            raise ApiError(404, "not found")
        return responses.FileResponse(path, media_type="audio/wav")

    @app.get("/admin", response_class=responses.HTMLResponse)
    def admin(token: str = ""):
        if not token or token != admin_token:
            raise ApiError(403, "give the study's admin token: /admin?token=...")
        with store.opened(study) as conn:
            rows = []
            for who in conn.execute("SELECT * FROM raters ORDER BY id").fetchall():
                done, total = raters.progress(conn, who["id"])
                last = conn.execute("SELECT MAX(answered_at) FROM answers WHERE rater = ?", (who["id"],)).fetchone()[0]
                answers = conn.execute("SELECT COUNT(*) FROM answers WHERE rater = ?", (who["id"],)).fetchone()[0]
                rows.append({"name": who["name"], "simulated": bool(who["simulated"]), "done": done, "total": total,
                             "answers": answers, "last": last or "-"})  # fmt: skip
        return responses.HTMLResponse(pages.get_template("admin.html").render(raters=rows, study=study.name))

    return app
