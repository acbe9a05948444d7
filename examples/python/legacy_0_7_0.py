#!/usr/bin/env python3
"""Code written for snowplow-tracker 0.7.0 runs unchanged on libsnowplow: the
`snowplow_tracker` package is a drop-in with 0.7.0's names, arguments,
callbacks and wire output.

    PYTHONPATH=build/bindings/python/package python3 examples/python/legacy_0_7_0.py 127.0.0.1 9090
"""

import sys

from snowplow_tracker import AsyncEmitter, Emitter, SelfDescribingJson, Subject, Tracker


def main(host, port):
    def on_success(count):
        print("sent", count)

    def on_failure(count, unsent):
        print("failed", len(unsent), "after", count)

    # Synchronous GET emitter: each track_* call returns once its event was sent.
    e = Emitter(host, port=port, on_success=on_success, on_failure=on_failure)
    s = Subject().set_platform("mob").set_user_id("user12345").set_screen_resolution(100, 200)
    t = Tracker([e], s, "cf", app_id="angry-birds-android")
    t.track_page_view("http://savethearctic.org", "Save The Arctic", "http://referrer.com")
    t.track_struct_event("Ecomm", "add-to-basket", "dog-skateboarding-video", "hd", 13.99)
    t.track_ecommerce_transaction("6a8078be", 35, city="London", currency="GBP", items=[
        {"sku": "pbz0026", "price": 20, "quantity": 1},
        {"sku": "pbz0038", "price": 15, "quantity": 1}])
    t.track_screen_view("Game HUD 2", id_="534")

    # Asynchronous POST emitter with a thread pool; flush() waits for it.
    a = AsyncEmitter(host, port=port, method="post", thread_count=4, on_success=on_success)
    t2 = Tracker(a, namespace="async")
    t2.track_unstruct_event(
        SelfDescribingJson("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
                           {"targetUrl": "http://savethearctic.org"}),
        [SelfDescribingJson("iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
                            {"id": "2f1c4a1e-6d1f-4b8a-9c61-2a4f0c3d5e6f"})])
    t2.flush()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: legacy_0_7_0.py HOST PORT")
    main(sys.argv[1], int(sys.argv[2]))
