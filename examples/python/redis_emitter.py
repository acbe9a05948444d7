#!/usr/bin/env python3
"""A user-defined emitter, as in snowplow-tracker 1.1's Redis example: any
object with input(payload) (and flush()) is an emitter. This one pushes each
event's payload dict, as one JSON object, onto a Redis list, where a worker
(snowplow-relay, or your own) takes it to the collector.

    PYTHONPATH=build/bindings/python/package python3 examples/python/redis_emitter.py redis://127.0.0.1:6379/0 [KEY]

Needs redis-py (Debian: python3-redis) and a Redis server.
"""

import json
import logging
import sys

import redis

from snowplow import (PagePing, PageView, ScreenView, SelfDescribing, SelfDescribingJson,
                      StructuredEvent, Tracker)

logging.basicConfig()
logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


class RedisEmitter:
    """Sends Snowplow events to a Redis list."""

    def __init__(self, rdb=None, key="redis_key"):
        self.rdb = redis.StrictRedis() if rdb is None else rdb
        self.key = key

    def input(self, payload):
        """Called on the tracking thread with the event's payload dict."""
        self.rdb.rpush(self.key, json.dumps(payload))

    def flush(self):
        logger.info("The RedisEmitter class does not need to be flushed")


def main(redis_url, key):
    emitter = RedisEmitter(redis.StrictRedis.from_url(redis_url), key)
    t = Tracker(namespace="snowplow_tracker", emitters=emitter)

    t.track(PageView(page_url="https://www.snowplow.io", page_title="Homepage"))
    t.track(PagePing(page_url="https://www.snowplow.io", page_title="Homepage"))
    t.track(SelfDescribing(SelfDescribingJson(
        "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
        {"targetUrl": "https://www.snowplow.io"})))
    t.track(ScreenView(id_=t.get_uuid(), name="name"))
    t.track(StructuredEvent(category="shop", action="add-to-basket", property_="pcs", value=2))
    print("pushed %d events onto %s" % (emitter.rdb.llen(key), key))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: redis_emitter.py REDIS_URL [KEY]")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "redis_key")
