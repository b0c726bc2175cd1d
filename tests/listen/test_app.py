"""The listening test's web app through its HTTP API, on a real server on loopback: blinding, bad answers,
paths outside the stimuli, replacing an answer, resuming, two raters at once, the admin page."""

from __future__ import annotations

import re
import sqlite3
import threading

import pytest

from crossmusim.listen import store
from crossmusim.listen.raters import invite
from crossmusim.listen.server import running
from tests.support.http import call

RATINGS = {"musical": 4, "acoustic": 3, "overall": 5}


def _systems(study) -> list[str]:
    with store.opened(study) as conn:
        return [row["name"] for row in conn.execute("SELECT name FROM systems")]


def test_no_page_url_or_reply_names_a_system_and_every_trial_can_be_answered(study):
    systems = _systems(study)
    assert systems == ["crossmusim:run", "random", "dsp"]
    with running(study) as base:
        (rater,) = invite(study, 1, base)
        seen = []
        status, page = call(rater["link"])
        assert status == 200 and "<audio" not in page and "Save and continue" in page
        seen.append(page)
        while True:
            status, trial = call(f"{base}/api/r/{rater['token']}/next")
            assert status == 200
            seen.append(repr(trial))
            if trial.get("finished"):
                break
            assert trial["criteria"] == ["musical", "acoustic", "overall"] and trial["done"] < trial["total"]
            for item in trial["items"]:
                status, audio = call(base + item["audio"])
                assert status == 200 and audio[:4] == b"RIFF"
                status, reply = call(f"{base}/api/r/{rater['token']}/answer",
                                     {"trial": trial["trial"], "slot": item["slot"], "ratings": RATINGS})  # fmt: skip
                assert status == 200, reply
        assert trial["done"] == trial["total"] == 8  # six queries and two hidden checks
    text = "\n".join(seen).lower()
    for name in [*systems, "run", "random", "dsp", "crossmusim"]:
        assert name not in text, name
    audio_ids = set(re.findall(r"/a/[^/]+/([0-9a-f]+)\.wav", text))
    with store.opened(study) as conn:
        songs = {row["song_id"] for row in conn.execute("SELECT song_id FROM songs")}
        assert conn.execute("SELECT COUNT(*) FROM answers WHERE played = 1").fetchone()[0] == conn.execute(
            "SELECT COUNT(*) FROM answers").fetchone()[0]  # fmt: skip
    assert audio_ids and not (audio_ids & songs)  # opaque ids, never the songs' own


def _first_trial(study, base: str) -> tuple[str, dict, int]:
    """A new rater's API root, first trial and its first slot."""
    (rater,) = invite(study, 1, base)
    api = f"{base}/api/r/{rater['token']}"
    trial = call(f"{api}/next")[1]
    return api, trial, trial["items"][0]["slot"]


def test_bad_answers_get_a_4xx_with_a_one_line_json_error_never_a_500(study):
    with running(study) as base:
        api, trial, slot = _first_trial(study, base)
        cases = [
            ({"trial": trial["trial"], "slot": slot, "ratings": {**RATINGS, "overall": 6}}, 422, "ratings.overall"),
            ({"trial": trial["trial"], "slot": slot, "ratings": {**RATINGS, "overall": True}}, 422, "ratings.overall"),
            ({"trial": trial["trial"], "slot": slot, "ratings": {"musical": 3, "acoustic": 3}}, 422, "overall missing"),
            ({"trial": trial["trial"], "slot": slot, "ratings": {**RATINGS, "mood": 3}}, 422, "mood unknown"),
            ({"trial": trial["trial"], "slot": 99, "ratings": RATINGS}, 404, "slot 99 was not given"),
            ({"trial": 9999, "slot": 0, "ratings": RATINGS}, 404, "trial 9999, slot 0 was not given to this rater"),
            ({"trial": "1", "slot": slot, "ratings": RATINGS}, 422, "trial must be an integer"),
            ([1, 2], 400, "JSON object"),
        ]
        for body, status, words in cases:
            got, reply = call(f"{api}/answer", body)
            assert got == status and isinstance(reply, dict) and set(reply) == {"error"}, (body, got, reply)
            assert words in reply["error"] and "\n" not in reply["error"]
        got, reply = call(f"{api}/answer", raw=b"{not json")
        assert (got, reply) == (400, {"error": "the body is not JSON"})
        got, reply = call(f"{base}/api/r/nobody/answer", {"trial": trial["trial"], "slot": slot, "ratings": RATINGS})
        assert (got, reply) == (404, {"error": "unknown rater link"})
        assert call(f"{base}/api/r/nobody/next")[0] == 404 and call(f"{base}/r/nobody")[0] == 404
        with store.opened(study) as conn:
            assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 0  # none of them recorded


def test_audio_comes_only_from_the_stimuli_folder_by_opaque_id(study):
    with running(study) as base:
        (rater,) = invite(study, 1, base)
        _, trial = call(f"{base}/api/r/{rater['token']}/next")
        assert call(base + trial["query"])[0] == 200
        token = rater["token"]
        for path in [f"/a/{token}/../study.sqlite", f"/a/{token}/..%2Fstudy.sqlite", f"/a/{token}/%2e%2e/study.sqlite",
                     f"/a/{token}/0123456789abcdef.wav", f"/a/{token}/study.sqlite", "/stimuli/", "/study.sqlite",
                     "/a/nobody/" + trial["query"].rsplit("/", 1)[1], "/docs", "/openapi.json"]:  # fmt: skip
            status, reply = call(base + path)
            assert status == 404, (path, status)
            assert "SQLite" not in str(reply)


def test_answering_a_slot_again_replaces_it_and_a_rater_resumes_where_they_stopped(study):
    with running(study) as base:
        api, trial, slot = _first_trial(study, base)
        call(f"{api}/answer", {"trial": trial["trial"], "slot": slot, "ratings": RATINGS})
        status, reply = call(
            f"{api}/answer", {"trial": trial["trial"], "slot": slot, "ratings": {**RATINGS, "overall": 1}}
        )
        assert status == 200 and reply["done"] == 0
    with running(study) as base:  # another server process would see the same: the state is the database
        api = f"{base}/api/r/{api.rsplit('/', 1)[1]}"
        _, again = call(f"{api}/next")
        assert again["trial"] == trial["trial"] and again["done"] == 0
        answered = next(i for i in again["items"] if i["slot"] == slot)
        assert answered["ratings"] == {**RATINGS, "overall": 1}  # replaced, and shown back to the rater
        for item in again["items"]:
            call(f"{api}/answer", {"trial": again["trial"], "slot": item["slot"], "ratings": RATINGS})
        _, after = call(f"{api}/next")
        assert after["done"] == 1 and after["trial"] != trial["trial"]
    with sqlite3.connect(store.db_path(study)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == len(again["items"])


def test_two_raters_answering_at_once_keep_their_own_answers(study):
    with running(study) as base:
        raters = invite(study, 2, base)
        errors: list[str] = []

        def answer_all(rater: dict, value: int) -> None:
            api = f"{base}/api/r/{rater['token']}"
            while not (trial := call(f"{api}/next")[1]).get("finished"):
                for item in trial["items"]:
                    ratings = {"musical": value, "acoustic": value, "overall": value}
                    status, reply = call(
                        f"{api}/answer", {"trial": trial["trial"], "slot": item["slot"], "ratings": ratings}
                    )
                    if status != 200:
                        errors.append(str(reply))

        threads = [threading.Thread(target=answer_all, args=(r, v)) for r, v in zip(raters, (2, 5), strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    with store.opened(study) as conn:
        rows = conn.execute("SELECT r.name, a.ratings FROM answers a JOIN raters r ON r.id = a.rater").fetchall()
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    by_rater = {name: {r["ratings"] for r in rows if r["name"] == name} for name in ("rater-01", "rater-02")}
    assert len(rows) == 2 * items
    assert by_rater == {"rater-01": {'{"acoustic": 2, "musical": 2, "overall": 2}'},
                        "rater-02": {'{"acoustic": 5, "musical": 5, "overall": 5}'}}  # fmt: skip


def test_the_admin_page_shows_progress_only_with_the_admin_token(study, made_study):
    admin = made_study[1]["admin_token"]
    with running(study) as base:
        (rater,) = invite(study, 1, base)
        _, trial = call(f"{base}/api/r/{rater['token']}/next")
        for item in trial["items"]:
            call(
                f"{base}/api/r/{rater['token']}/answer",
                {"trial": trial["trial"], "slot": item["slot"], "ratings": RATINGS},
            )
        assert call(f"{base}/admin")[0] == 403 and call(f"{base}/admin?token=wrong")[0] == 403
        status, page = call(f"{base}/admin?token={admin}")
    assert status == 200 and "rater-01" in page and "1 of 8" in page
    assert not any(name in page for name in ("random", "dsp", "crossmusim:"))


@pytest.mark.slow  # two simulated raters through every trial (5-10 s)
def test_simulated_raters_answer_through_a_server_already_running(study):
    from crossmusim.listen.simulate import simulate

    with running(study) as base:
        done = simulate(study, 2, seed=4, url=base)
        status, page = call(f"{base}/r/nobody")
    assert done["raters"] == ["simulated-01", "simulated-02"] and status == 404
    with store.opened(study) as conn:
        items = conn.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        rows = conn.execute("SELECT COUNT(*), SUM(played) FROM answers").fetchone()
        simulated = conn.execute("SELECT COUNT(*) FROM raters WHERE simulated = 1").fetchone()[0]
    assert tuple(rows) == (2 * items, 2 * items) == (done["answers"], done["answers"]) and simulated == 2


@pytest.mark.slow  # four simulated raters through every trial (5-10 s)
def test_the_same_seed_gives_the_same_simulated_ratings_whatever_the_raters_orders(study, made_study, tmp_path):
    import shutil

    from crossmusim.listen.simulate import simulate

    other = shutil.copytree(made_study[0], tmp_path / "other")
    answers = []
    for folder in (study, other):
        simulate(folder, 2, seed=9)
        with store.opened(folder) as conn:
            answers.append(sorted(tuple(row) for row in conn.execute(
                "SELECT r.name, i.stimulus, t.query, a.ratings FROM answers a JOIN raters r ON r.id = a.rater "
                "JOIN items i ON i.id = a.item JOIN trials t ON t.id = i.trial").fetchall()))  # fmt: skip
    assert answers[0] == answers[1] and len(answers[0]) > 10  # each rater's trial order was drawn anew
