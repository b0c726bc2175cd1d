"""One crawl shared by many processes on many machines, through a Redis server (scrapy-redis).

Every worker runs `crossmusim crawl --redis-url URL`; Redis holds what they share:

- the request queue and the duplicate filter (scrapy-redis), kept after a stop so a cluster resumes;
- each worker's requests in flight (`queue.py`): a request popped by a worker that dies is put back
  in the queue by the others once its heartbeat lapses, so a killed worker loses nothing;
- one rate limit per site (`rate.SharedRate`), kept where each request is sent, not one per worker;
- the claims on songs (`pipelines.py`), so the union of the workers' songs.jsonl has each song once.

A worker ends when the queue is empty and no worker has a request in flight, for a few seconds
(`extension.ClusterWorker`); scrapy-redis spiders would otherwise idle forever.
"""
