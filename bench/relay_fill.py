#!/usr/bin/python3
"""Fill a Redis list with N tracked-event payloads for the relay benchmark: self-describing
events with one context, every value a string, as the Redis transport writes them.

    relay_fill.py PORT KEY N
"""
import base64
import json
import sys
import time
import uuid

import redis


def b64(obj):
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


def main():
    port, key, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    client = redis.Redis(host="127.0.0.1", port=port)
    now = int(time.time() * 1000)
    ue = b64({"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
              "data": {"schema": "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                       "data": {"targetUrl": "https://example.com/a/rather/long/path?x=1",
                                "elementId": "next", "elementClasses": ["btn", "primary"]}}})
    cx = b64({"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1",
              "data": [{"schema": "iglu:com.snowplowanalytics.snowplow/desktop_context/jsonschema/1-0-0",
                        "data": {"osType": "Linux", "osVersion": "6.1", "osIs64Bit": True}}]})
    pipe = client.pipeline(transaction=False)
    chunk = []
    for i in range(n):
        chunk.append(json.dumps({"e": "ue", "eid": str(uuid.uuid4()), "tv": "c-0.1.0",
                                 "p": "srv", "tna": "bench", "aid": "relay-bench",
                                 "dtm": str(now + i), "ue_px": ue, "cx": cx},
                                separators=(",", ":")))
        if len(chunk) == 5000:
            pipe.rpush(key, *chunk)
            chunk = []
    if chunk:
        pipe.rpush(key, *chunk)
    pipe.execute()


if __name__ == "__main__":
    main()
