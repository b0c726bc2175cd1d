"""The Redis keys of one shared crawl, all under one prefix (`--redis-key`)."""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass

DEFAULT_PREFIX = "crossmusim:baike"


@dataclass(frozen=True)
class ClusterKeys:
    prefix: str = DEFAULT_PREFIX

    @property
    def queue(self) -> str:  # sorted set of serialised requests (scrapy-redis PriorityQueue)
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:  # set of request fingerprints (scrapy-redis RFPDupeFilter)
        return f"{self.prefix}:dupefilter"

    @property
    def workers(self) -> str:  # set of the worker ids that ever joined
        return f"{self.prefix}:workers"

    @property
    def tokens(self) -> str:  # counter that makes in-flight tokens unique
        return f"{self.prefix}:tokens"

    @property
    def songs(self) -> str:  # hash: canonical song key -> "pending:<worker>" or "done:<worker>"
        return f"{self.prefix}:songs"

    def inflight(self, worker: str) -> str:  # hash: token -> serialised request
        return f"{self.prefix}:inflight:{worker}"

    def alive(self, worker: str) -> str:  # expires unless the worker's heartbeat renews it
        return f"{self.prefix}:alive:{worker}"

    @property
    def alive_prefix(self) -> str:
        return f"{self.prefix}:alive:"

    def rate(self, host: str) -> str:  # the time (ms, Redis clock) the next request to host may go
        return f"{self.prefix}:rate:{host}"


def new_worker_id(name: str | None = None) -> str:
    """A name for this run of a worker: the given name (or host-pid) and a random suffix.

    The suffix keeps a restarted worker from inheriting the claims of its previous, dead run.
    """
    base = name or f"{socket.gethostname()}-{os.getpid()}"
    return f"{base}-{secrets.token_hex(3)}"
