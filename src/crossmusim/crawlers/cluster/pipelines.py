"""Song claims shared by the workers: each song is written by one worker, once, in the union.

A worker claims a song (`pending:<worker>`) before writing it and marks it `done:<worker>` after.
A pending claim of a dead worker is taken over: its request comes back through the queue, and the
song may never have reached its file. (A worker killed in the instant between writing a song and
marking it done leaves that one song in two files; build-dataset removes duplicates.)
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crossmusim.crawlers.cluster.connection import ClusterComponent
from crossmusim.crawlers.parsing.site_urls import item_key
from crossmusim.records import SongPage

# 1: claimed; 2: taken over from a dead worker; 0: another worker has it (or had it written).
# The dead owner's heartbeat key is read by name: fine on one Redis server (not Redis Cluster).
_CLAIM = """
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then
  redis.call('HSET', KEYS[1], ARGV[1], 'pending:' .. ARGV[2])
  return 1
end
local state, owner = string.match(v, '^(%a+):(.*)$')
if state == 'pending' and owner ~= ARGV[2] and redis.call('EXISTS', ARGV[3] .. owner) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], 'pending:' .. ARGV[2])
  return 2
end
return 0
"""


class ClusterSongClaimPipeline(ClusterComponent):
    """Before the writer: drop a song another worker has claimed."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._claim = self.server.register_script(_CLAIM)

    def open_spider(self) -> None:
        # A resumed worker's own file is the truth for the songs in it.
        state = getattr(self.crawler.spider, "state", None)
        keys = sorted(state.canonical_keys) if state is not None else []
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            self.server.hset(self.keys.songs, mapping={k: f"done:{self.worker}" for k in chunk})

    def process_item(self, item: SongPage) -> SongPage:
        key = item_key(item.canonical_url)
        claimed = int(self._claim(keys=[self.keys.songs], args=[key, self.worker, self.keys.alive_prefix]))
        if claimed == 0:
            self.crawler.stats.inc_value("crossmusim/dropped/duplicate")
            raise DropItem(f"duplicate song {item.canonical_url} (another worker has it)")
        if claimed == 2:
            self.crawler.stats.inc_value("crossmusim/cluster/songs_taken_over")
        return item


class ClusterSongDonePipeline(ClusterComponent):
    """After the writer: the song is in this worker's file."""

    def process_item(self, item: Any) -> Any:
        self.server.hset(self.keys.songs, item_key(item.canonical_url), f"done:{self.worker}")
        return item
