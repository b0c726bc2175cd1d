"""The shared crawl's parts against a real redis-server: the reliable queue, the shared rate, the
song claims. (test_cluster.py runs whole workers.)"""

from __future__ import annotations

import asyncio
import time

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from crossmusim.crawlers.cluster.keys import ClusterKeys

pytest.importorskip("scrapy_redis", reason='the shared crawl needs pip install "crossmusim[cluster]"')
redis = pytest.importorskip("redis")

from crossmusim.crawlers.cluster.pipelines import ClusterSongClaimPipeline, ClusterSongDonePipeline  # noqa: E402
from crossmusim.crawlers.cluster.queue import (  # noqa: E402
    TOKEN_META,
    ReliablePriorityQueue,
    ack,
    pending_work,
    reclaim_dead_workers,
)
from crossmusim.crawlers.cluster.rate import SharedRate  # noqa: E402


class PagesSpider(scrapy.Spider):
    name = "pages"

    def parse(self, response):  # pragma: no cover - requests are only queued here
        yield from ()


@pytest.fixture
def server(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


def worker_crawler(redis_url: str, worker: str, **settings):
    crawler = get_crawler(
        PagesSpider,
        {"REDIS_URL": redis_url, "CROSSMUSIM_CLUSTER_PREFIX": "t", "CROSSMUSIM_CLUSTER_WORKER": worker, **settings},
    )
    crawler.spider = PagesSpider.from_crawler(crawler)
    return crawler


def queue_of(crawler, server) -> ReliablePriorityQueue:
    return ReliablePriorityQueue(server, crawler.spider, ClusterKeys("t").queue)


def test_a_popped_request_stays_in_flight_until_acknowledged(redis_url, server):
    crawler = worker_crawler(redis_url, "w1")
    queue, keys = queue_of(crawler, server), ClusterKeys("t")
    for i, priority in enumerate((0, 5, 1)):
        queue.push(scrapy.Request(f"http://site/{i}", callback=crawler.spider.parse, priority=priority))
    first = queue.pop()
    assert first.url == "http://site/1" and first.meta[TOKEN_META]  # the highest priority first
    assert pending_work(server, keys) == (2, 0)  # w1 never joined the workers set: its own count
    assert server.hlen(keys.inflight("w1")) == 1
    assert ack(server, keys, "w1", first) and server.hlen(keys.inflight("w1")) == 0
    assert not ack(server, keys, "w1", first)  # a second ack is a no-op


def test_the_requests_of_a_dead_worker_go_back_with_their_priority(redis_url, server):
    keys = ClusterKeys("t")
    dead, alive = worker_crawler(redis_url, "dead"), worker_crawler(redis_url, "alive")
    server.sadd(keys.workers, "dead", "alive")
    server.set(keys.alive("alive"), "1", px=60_000)
    q_dead, q_alive = queue_of(dead, server), queue_of(alive, server)
    q_dead.push(scrapy.Request("http://site/urgent", callback=dead.spider.parse, priority=9))
    q_dead.push(scrapy.Request("http://site/later", callback=dead.spider.parse, priority=0))
    held_by_dead = q_dead.pop()
    held_by_alive = q_alive.pop()
    assert (held_by_dead.url, held_by_alive.url) == ("http://site/urgent", "http://site/later")
    assert pending_work(server, keys) == (0, 2)
    assert reclaim_dead_workers(server, keys) == 1  # the dead one's only: the other is alive
    again = q_alive.pop()
    assert again.url == "http://site/urgent" and again.priority == 9
    assert TOKEN_META in again.meta and again.meta[TOKEN_META] != held_by_dead.meta[TOKEN_META]
    assert server.sismember(keys.workers, "dead") == 0  # dead and empty: forgotten


def test_a_request_that_goes_back_in_the_queue_leaves_its_old_token_behind(redis_url, server):
    crawler = worker_crawler(redis_url, "w1")
    queue = queue_of(crawler, server)
    queue.push(scrapy.Request("http://site/a", callback=crawler.spider.parse))
    popped = queue.pop()
    queue.push(popped.replace(url="http://site/a?retry=1"))  # a retry or a redirect
    again = queue.pop()
    assert again.meta[TOKEN_META] != popped.meta[TOKEN_META]


def test_the_rate_is_shared_one_request_per_delay_across_workers(redis_url, server):
    delay = 0.2
    a = SharedRate(worker_crawler(redis_url, "a", DOWNLOAD_DELAY=delay))
    b = SharedRate(worker_crawler(redis_url, "b", DOWNLOAD_DELAY=delay))
    started = time.monotonic()
    waits = [rate.reserve("site") for rate in (a, b, a, b, b)]
    elapsed_ms = (time.monotonic() - started) * 1000
    # Each reservation is one delay after the one before, whichever worker asked.
    for k, wait in enumerate(waits):
        assert k * 200 - elapsed_ms - 5 <= wait <= k * 200
    assert a.reserve("elsewhere") == 0  # per site


def test_a_request_that_wakes_too_late_takes_a_new_turn_instead_of_crowding_the_next(redis_url, server):
    delay = 0.3  # the test's sleeps may overrun by a few tens of ms on a busy machine
    crawler = worker_crawler(redis_url, "a", DOWNLOAD_DELAY=delay)
    overslept = []

    async def busy_then_punctual(seconds: float) -> None:
        if not overslept:  # the process was busy: it wakes most of a turn late
            overslept.append(seconds)
            seconds += 0.8 * delay
        time.sleep(seconds)

    rate = SharedRate(crawler, sleep=busy_then_punctual)
    assert asyncio.run(rate.wait_for_turn("site")) == 1  # the host's first turn is now
    started = time.monotonic()
    assert asyncio.run(rate.wait_for_turn("site")) == 2  # its turn went by while it slept: a new one
    waited = time.monotonic() - started
    assert 1.95 * delay <= waited < 2.5 * delay  # the next free turn, two delays after the first
    assert crawler.stats.get_value("crossmusim/cluster/rate_turns_missed") == 1
    assert crawler.stats.get_value("crossmusim/cluster/rate_turns") == 3
    on_time = SharedRate(crawler, sleep=busy_then_punctual)
    assert asyncio.run(on_time.wait_for_turn("site")) == 1  # punctual: its first turn is kept
    no_delay = SharedRate(worker_crawler(redis_url, "b", DOWNLOAD_DELAY=0))
    assert asyncio.run(no_delay.wait_for_turn("site")) == 0  # no delay asked: never waits


class Song:
    def __init__(self, url: str) -> None:
        self.canonical_url = url


def test_each_song_is_claimed_by_one_worker_and_a_dead_workers_claim_is_taken_over(redis_url, server):
    from scrapy.exceptions import DropItem

    keys = ClusterKeys("t")
    claims = {w: ClusterSongClaimPipeline(worker_crawler(redis_url, w)) for w in ("a", "b", "c")}
    done_a = ClusterSongDonePipeline(worker_crawler(redis_url, "a"))
    for w in ("a", "b"):
        server.set(keys.alive(w), "1", px=60_000)
    song = Song("https://baike.baidu.com/item/x/1")
    claims["a"].process_item(song)
    with pytest.raises(DropItem):
        claims["b"].process_item(song)  # a has it (pending, a alive)
    done_a.process_item(song)
    with pytest.raises(DropItem):
        claims["c"].process_item(song)  # written by a
    other = Song("https://baike.baidu.com/item/y/2")
    claims["c"].process_item(other)  # c claims it, then dies before writing it (no heartbeat key)
    claims["b"].process_item(other)  # taken over
    assert claims["b"].crawler.stats.get_value("crossmusim/cluster/songs_taken_over") == 1
