"""Several OpenAI-compatible endpoints as one (`--base-url` repeated, or `base_urls` in a models file),
end to end through `crossmusim generate` against real loopback servers: requests spread by load, a
dead or failing endpoint taken out while the others carry on, one shared cache."""

from __future__ import annotations

import json

import pytest

from crossmusim.io import read_jsonl
from crossmusim.testing.fake_llm_server import FakeLLMServer, FaultRule
from tests.conftest import run_cli

DEAD = "http://127.0.0.1:9/v1"  # nothing listens on the discard port
SONGS = [(f"歌曲{i:03d}", f"歌手{i % 7}", f"id{i:03d}") for i in range(24)]


@pytest.fixture
def servers():
    started = [FakeLLMServer(model="fake-llm", latency=0.05) for _ in range(3)]
    for server in started:
        server.start()
    yield started
    for server in started:
        server.stop()


def _songs(tmp_path):
    path = tmp_path / "songs.csv"
    path.write_text("title,artist,id\n" + "".join(f"{t},{a},{i}\n" for t, a, i in SONGS), encoding="utf-8")
    return path


def _generate(tmp_path, urls, *extra, out="out"):
    args = ["generate", "--llm", "qwen2-7b", "--provider", "openai-compatible", "--songs", str(_songs(tmp_path)),
            "--out", str(tmp_path / out), "--retry-backoff", "0.05", "--concurrency", "6", *extra]  # fmt: skip
    for url in urls:
        args += ["--base-url", url]
    return run_cli(*args)


def _statuses(tmp_path, out="out"):
    return [r["status"] for r in read_jsonl(tmp_path / out / "descriptions.jsonl")]


@pytest.mark.slow  # end to end; the default suite keeps under 10 minutes
def test_requests_spread_over_every_endpoint_and_share_one_cache(tmp_path, servers):
    proc = _generate(tmp_path, [s.base_url for s in servers])
    assert proc.returncode == 0, proc.stderr
    assert _statuses(tmp_path) == ["described"] * len(SONGS)
    counts = [s.stats()["requests"] for s in servers]
    assert sum(counts) == len(SONGS) and min(counts) >= 4  # least-loaded first: nobody is left idle
    again = _generate(tmp_path, [s.base_url for s in servers], out="again")
    assert again.returncode == 0 and sum(s.stats()["requests"] for s in servers) == len(SONGS) * 2
    # a rerun into the same folder is answered by the shared cache: no endpoint is asked again
    before = [s.stats()["requests"] for s in servers]
    cache = str(tmp_path / "out" / "llm-cache.sqlite")
    third = _generate(tmp_path, [s.base_url for s in servers], "--cache", cache, out="third")
    assert third.returncode == 0 and [s.stats()["requests"] for s in servers] == before


def test_a_dead_endpoint_is_taken_out_and_the_others_carry_the_run(tmp_path, servers):
    proc = _generate(tmp_path, [DEAD, servers[0].base_url, servers[1].base_url])
    assert proc.returncode == 0, proc.stderr
    assert _statuses(tmp_path) == ["described"] * len(SONGS)
    assert servers[0].stats()["requests"] + servers[1].stats()["requests"] == len(SONGS)
    summary = json.loads((tmp_path / "out" / "generate-summary.json").read_text("utf-8"))
    assert summary["retries"] <= 6  # the dead one cooled down after its first refusals


def test_a_failing_endpoint_cools_down_instead_of_failing_songs(tmp_path, servers):
    servers[0].rules = [FaultRule("", "500", times=0)]  # every request answered 500
    proc = _generate(tmp_path, [servers[0].base_url, servers[1].base_url])
    assert proc.returncode == 0, proc.stderr
    assert _statuses(tmp_path) == ["described"] * len(SONGS)
    assert servers[0].stats()["requests"] <= 8 and servers[1].stats()["requests"] == len(SONGS)


def test_every_endpoint_dead_is_one_clear_error(tmp_path):
    proc = _generate(tmp_path, [DEAD, "http://127.0.0.1:1/v1"], "--retries", "3")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("crossmusim: error: cannot reach http://127.0.0.1:9/v1, ")


def test_a_models_file_can_name_the_endpoints(tmp_path, servers):
    models = tmp_path / "models.toml"
    urls = ", ".join(f'"{s.base_url}"' for s in servers[:2])
    models.write_text(f'[models.local-qwen]\nprovider = "openai-compatible"\nmodel_id = "Qwen/Qwen2-7B-Instruct"\n'
                      f"base_urls = [{urls}]\n", encoding="utf-8")  # fmt: skip
    proc = run_cli("generate", "--llm", "local-qwen", "--models", str(models), "--songs", str(_songs(tmp_path)),
                   "--out", str(tmp_path / "out"), "--concurrency", "4")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert all(s.stats()["requests"] > 0 for s in servers[:2]) and servers[2].stats()["requests"] == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[models.x]\nprovider = "openai-compatible"\nmodel_id = "m"\nbase_urls = [1]\n', encoding="utf-8")
    proc = run_cli("generate", "--llm", "x", "--models", str(bad), "--songs", str(_songs(tmp_path)), "--out",
                   str(tmp_path / "o2"))  # fmt: skip
    assert proc.returncode == 1 and "base_urls must be a list of URLs" in proc.stderr
