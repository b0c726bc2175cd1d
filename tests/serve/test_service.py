"""`crossmusim serve` through HTTP on loopback: similar songs, playlists, arms, events, metrics, bad
requests (each a 4xx with one-line JSON), and an index reload under load."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time

import pytest

from crossmusim.serve.app import ADMIN_ENV, ServeConfig
from crossmusim.serve.arms import assign
from crossmusim.serve.server import running
from tests.serve.conftest import SONGS, write_index
from tests.support.http import call


def _config(indexes, tmp_path, **extra) -> ServeConfig:
    arms = [("a", str(indexes["a"])), ("b", str(indexes["b"]))]
    return ServeConfig(arms, [0.5, 0.5], "salt", str(tmp_path / "events.sqlite"), **extra)


def test_similar_and_playlist_answer_from_the_users_arm(indexes, tmp_path):
    with running(_config(indexes, tmp_path)) as base:
        status, reply = call(f"{base}/v1/similar?song=song000&k=5&user=u1")
        assert status == 200 and reply["arm"] == assign("u1", ["a", "b"], [0.5, 0.5], "salt")
        assert len(reply["items"]) == 5 and "song000" not in [i["id"] for i in reply["items"]]
        assert set(reply["items"][0]) == {"id", "title", "artist", "score"} and len(reply["request"]) == 32
        scores = [i["score"] for i in reply["items"]]
        assert scores == sorted(scores, reverse=True)
        again = call(f"{base}/v1/similar?song=song000&k=5&user=u1")[1]
        assert again["items"] == reply["items"] and again["request"] != reply["request"]
        status, mix = call(f"{base}/v1/playlist", {"user": "u1", "seeds": ["song000", "song004", "song008"], "k": 12})
        ids = [i["id"] for i in mix["items"]]
        assert status == 200 and len(ids) == 12 and not {"song000", "song004", "song008"} & set(ids)
        artists = [i["artist"] for i in mix["items"]]
        assert max(artists.count(a) for a in artists) <= 2  # same-artist hits capped (2 by default)
        status, anonymous = call(f"{base}/v1/similar?song=song001&k=3")
        assert status == 200 and anonymous["arm"] == "a"  # no user: the first arm, counted apart
        status, health = call(f"{base}/healthz")
        assert health == {"ok": True, "arms": {"a": SONGS, "b": SONGS}}
        metrics = call(f"{base}/metrics")[1]
        assert 'crossmusim_anonymous_requests_total{endpoint="similar"} 1.0' in metrics
        assert "crossmusim_request_seconds_bucket" in metrics and 'endpoint="playlist"' in metrics
        assert call(f"{base}/docs")[0] == 200 and call(f"{base}/openapi.json")[0] == 200
    with sqlite3.connect(tmp_path / "events.sqlite") as conn:
        rows = conn.execute("SELECT user, arm, endpoint, anonymous FROM requests ORDER BY at").fetchall()
    assert [r[2] for r in rows] == ["similar", "similar", "playlist", "similar"] and rows[-1][3] == 1


def test_events_are_stored_with_the_users_arm_before_the_reply(indexes, tmp_path):
    with running(_config(indexes, tmp_path)) as base:
        shown = call(f"{base}/v1/similar?song=song000&k=3&user=u7")[1]
        base_event = {"user": "u7", "request": shown["request"], "device": "phone", "ts": "2026-12-06T10:00:00Z"}
        events = [{**base_event, "song": item["id"], "event": kind}
                  for item in shown["items"] for kind in ("impression", "play")]  # fmt: skip
        assert call(f"{base}/v1/events", events) == (200, {"stored": 6})
        assert call(f"{base}/v1/events", {"user": "u8", "song": "song001", "event": "skip"}) == (200, {"stored": 1})
        metrics = call(f"{base}/metrics")[1]
    with sqlite3.connect(tmp_path / "events.sqlite") as conn:
        stored = conn.execute("SELECT user, arm, request, event, device FROM events").fetchall()
    assert len(stored) == 7 and {r[1] for r in stored if r[0] == "u7"} == {shown["arm"]}
    assert f'crossmusim_events_total{{arm="{shown["arm"]}",event="play"}} 3.0' in metrics


def test_every_bad_request_gets_a_4xx_with_a_one_line_json_error(indexes, tmp_path):
    with running(_config(indexes, tmp_path)) as base:
        cases = [
            (f"{base}/v1/similar?song=nope&k=5", None, 404, "unknown song 'nope'"),
            (f"{base}/v1/similar?song=song000&k=0", None, 422, "k must be an integer from 1 to 59"),
            (f"{base}/v1/similar?song=song000&k=60", None, 422, "the pool holds 60 songs"),
            (f"{base}/v1/similar?song=song000&k=ten", None, 422, "k: "),
            (f"{base}/v1/similar?k=5", None, 422, "song: "),
            (f"{base}/v1/playlist", {"user": "u", "seeds": [], "k": 3}, 422, "seeds must be a non-empty list"),
            (f"{base}/v1/playlist", {"user": "u", "seeds": ["song000", "zz"], "k": 3}, 404, "unknown song 'zz'"),
            (f"{base}/v1/playlist", {"user": "u", "seeds": ["song000"], "k": -1}, 422, "k must be an integer"),
            (f"{base}/v1/playlist", [1], 400, "JSON object"),
            (f"{base}/v1/events", {"user": "u", "song": "song000", "event": "like"}, 422,
             "event 'like' is not one of impression, play, skip, complete"),
            (f"{base}/v1/events", [{"user": "u", "song": "s", "event": "play"}, {"user": "u", "event": "play"}], 422,
             "event 1: song must be a non-empty string"),
            (f"{base}/v1/events", [], 422, "no events"),
            (f"{base}/v1/search?text=calm&k=3", None, 409, "cannot search by text"),
            (f"{base}/admin/reload", {}, 403, f"start the service with {ADMIN_ENV} set"),
            (f"{base}/v1/nothing", None, 404, "not found"),
        ]  # fmt: skip
        for url, body, status, words in cases:
            got, reply = call(url, body)
            assert got == status and isinstance(reply, dict) and set(reply) == {"error"}, (url, body, got, reply)
            assert words in reply["error"] and "\n" not in reply["error"], reply
        got, reply = call(f"{base}/v1/events", raw=b"{not json")
        assert (got, reply) == (400, {"error": "the body is not JSON"})
    with sqlite3.connect(tmp_path / "events.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0  # a bad batch stores nothing


def test_a_reload_under_load_drops_no_request_and_serves_the_new_index(indexes, tmp_path, monkeypatch):
    monkeypatch.setenv(ADMIN_ENV, "secret")
    folder = write_index(tmp_path / "live", 5)
    config = ServeConfig([("a", str(folder)), ("b", str(indexes["b"]))], [0.5, 0.5], "salt",
                         str(tmp_path / "events.sqlite"))  # fmt: skip
    with running(config) as base:
        before = call(f"{base}/v1/similar?song=song000&k=5")[1]["items"]
        statuses: list[int] = []
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                statuses.append(call(f"{base}/v1/similar?song=song001&k=5")[0])

        threads = [threading.Thread(target=load) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        write_index(folder, 6)  # `crossmusim index` replacing the folder while requests flow
        assert call(f"{base}/admin/reload", {}, headers={"Authorization": "Bearer wrong"})[0] == 403
        status, reloaded = call(f"{base}/admin/reload", {}, headers={"Authorization": "Bearer secret"})
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join()
        after = call(f"{base}/v1/similar?song=song000&k=5")[1]["items"]
    assert status == 200 and reloaded == {"reloaded": {"a": SONGS, "b": SONGS}}
    assert len(statuses) > 20 and set(statuses) == {200}  # no 5xx, no request dropped
    assert after != before  # the new vectors answer


@pytest.mark.skipif(os.name != "posix", reason="POSIX rename semantics")
def test_a_worker_follows_an_index_written_after_it_started(indexes, tmp_path):
    folder = write_index(tmp_path / "live", 5)
    config = ServeConfig([("a", str(folder)), ("b", str(indexes["b"]))], [0.5, 0.5], "salt",
                         str(tmp_path / "events.sqlite"))  # fmt: skip
    with running(config) as base:
        before = json.dumps(call(f"{base}/v1/similar?song=song000&k=5")[1]["items"])
        write_index(folder, 6)
        after = json.dumps(call(f"{base}/v1/similar?song=song000&k=5")[1]["items"])
    assert before != after


def test_users_reach_the_arms_by_the_split_through_http(indexes, tmp_path):
    config = ServeConfig([("a", str(indexes["a"])), ("b", str(indexes["b"]))], [0.7, 0.3], "salt",
                         str(tmp_path / "events.sqlite"))  # fmt: skip
    with running(config) as base:
        first = {f"u{n}": call(f"{base}/v1/similar?song=song000&k=1&user=u{n}")[1]["arm"] for n in range(400)}
        again = {user: call(f"{base}/v1/similar?song=song001&k=1&user={user}")[1]["arm"] for user in list(first)[:50]}
    assert all(first[user] == arm for user, arm in again.items())  # one user, one arm
    share = sum(arm == "a" for arm in first.values()) / 400
    assert abs(share - 0.7) < 0.07  # 400 users: sd 0.023


@pytest.mark.slow  # a trained model's vectors indexed, and two worker processes (10-20 s)
def test_text_search_and_two_workers_serve_a_models_index(tiny_run, eval_dataset, eval_cache, tmp_path):
    from tests.support.http import free_port, start_command

    vectors, folder = tmp_path / "train.npz", tmp_path / "idx"
    from tests.conftest import run_cli

    assert run_cli("embed", "--model", str(tiny_run), "--dataset", str(eval_dataset), "--split", "train", "--out",
                   str(vectors), env=eval_cache).returncode == 0  # fmt: skip
    assert run_cli("index", "--embeddings", str(vectors), "--out", str(folder)).returncode == 0
    port = free_port()
    server = start_command(["serve", "--index", str(folder), "--events", str(tmp_path / "e.sqlite"), "--port",
                            str(port), "--workers", "2"], port, tmp_path / "serve.log")  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while call(f"{base}/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        replies = [call(f"{base}/v1/search?text=a%20deep%20low%20bass%20drone&k=3&user=u{n}") for n in range(6)]
    finally:
        server.terminate()
        server.wait()
    assert all(status == 200 and len(reply["items"]) == 3 for status, reply in replies)
    assert len({json.dumps(reply["items"]) for _, reply in replies}) == 1  # every worker, the same answer
