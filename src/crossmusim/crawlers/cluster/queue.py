"""A scrapy-redis priority queue that remembers what each worker popped until it is done.

scrapy-redis pops a request by deleting it from the queue: a worker killed with requests on its
hands loses them. Here a pop moves the request into the worker's in-flight hash in the same Lua
script; the worker acknowledges it once the request's outcome is final (`ack`), and the requests
of a worker whose heartbeat key has expired go back to the queue (`reclaim_dead_workers`).
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy_redis.queue import PriorityQueue

from crossmusim.crawlers.cluster.keys import ClusterKeys

# The token of the in-flight entry a request came from (set at pop, handed over at re-enqueue).
TOKEN_META = "crossmusim_cluster_token"

# Pop the best request and record it as this worker's, atomically. The token starts with the queue
# score, so a reclaimed request goes back with its priority.
_POP = """
local hit = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #hit == 0 then return false end
redis.call('ZREM', KEYS[1], hit[1])
local token = hit[2] .. ':' .. redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], token, hit[1])
return {token, hit[1]}
"""

# Put a worker's in-flight requests back in the queue, unless it is alive (`force` skips that check).
_REQUEUE = """
if ARGV[1] ~= 'force' and redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local score = string.match(entries[i], '^(.*):%d+$')
  redis.call('ZADD', KEYS[3], score, entries[i + 1])
end
redis.call('DEL', KEYS[1])
return #entries / 2
"""


class ReliablePriorityQueue(PriorityQueue):
    """scrapy-redis's PriorityQueue whose pops are recorded in flight until acknowledged."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = ClusterKeys(spider.settings["CROSSMUSIM_CLUSTER_PREFIX"])
        self.worker = spider.settings["CROSSMUSIM_CLUSTER_WORKER"]
        self._pop = server.register_script(_POP)

    def pop(self, timeout: int = 0) -> Request | None:
        found = self._pop(keys=[self.key, self.keys.inflight(self.worker), self.keys.tokens])
        if not found:
            return None
        token, data = found
        request = self._decode_request(data)
        request.meta[TOKEN_META] = token.decode() if isinstance(token, bytes) else token
        return request

    def _encode_request(self, request: Request) -> bytes:
        # The token names one pop; a copy that goes back in the queue gets a new one when popped.
        if TOKEN_META in request.meta:
            request = request.replace(meta={k: v for k, v in request.meta.items() if k != TOKEN_META})
        return super()._encode_request(request)


def ack(server: Any, keys: ClusterKeys, worker: str, request: Request) -> bool:
    """The request's outcome is final (or handed over to a new request): forget it. True if it was ours."""
    token = request.meta.get(TOKEN_META)
    return bool(token) and bool(server.hdel(keys.inflight(worker), token))


def requeue(server: Any, keys: ClusterKeys, worker: str, *, force: bool = False) -> int:
    """Put `worker`'s in-flight requests back in the queue; -1 if it is alive (and not `force`)."""
    script = server.register_script(_REQUEUE)
    args = ["force" if force else "check"]
    return int(script(keys=[keys.inflight(worker), keys.alive(worker), keys.queue], args=args))


def _workers(server: Any, keys: ClusterKeys) -> list[str]:
    """The ids of the workers that joined and were not yet forgotten."""
    return [raw.decode() if isinstance(raw, bytes) else raw for raw in server.smembers(keys.workers)]


def reclaim_dead_workers(server: Any, keys: ClusterKeys) -> int:
    """Requeue the requests of every worker whose heartbeat lapsed; how many went back."""
    total = 0
    for worker in _workers(server, keys):
        moved = requeue(server, keys, worker)
        if moved >= 0:
            total += moved
            if not server.exists(keys.inflight(worker)):
                server.srem(keys.workers, worker)  # dead and empty: no need to look at it again
    return total


def pending_work(server: Any, keys: ClusterKeys) -> tuple[int, int]:
    """(requests queued, requests in flight on any worker)."""
    queued = int(server.zcard(keys.queue))
    in_flight = sum(int(server.hlen(keys.inflight(worker))) for worker in _workers(server, keys))
    return queued, in_flight
