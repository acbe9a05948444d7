#!/usr/bin/env python3
"""Track a few events with `import snowplow` and wait until they are delivered.

    PYTHONPATH=build/bindings/python/package python3 examples/python/track_events.py http://127.0.0.1:9090

A script written for snowplow-tracker 1.x runs with only its import changed
(`from snowplow_tracker import ...` -> `from snowplow import ...`).
"""

import sys

from snowplow import (Emitter, PageView, SelfDescribing, SelfDescribingJson, StructuredEvent,
                      Subject, Tracker)


def main(collector):
    emitter = Emitter(collector, batch_size=5)
    subject = Subject().set_user_id("user-42").set_platform("web").set_lang("en-GB")
    tracker = Tracker("example", emitter, subject=subject, app_id="python-example")

    page = SelfDescribingJson("iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0",
                              {"id": "2f1c4a1e-6d1f-4b8a-9c61-2a4f0c3d5e6f"})
    print("page view", tracker.track(PageView("https://example.com/", "Home", context=[page])))
    print("structured", tracker.track(StructuredEvent("shop", "add-to-basket", "sku-1", value=2)))
    print("self-describing", tracker.track(SelfDescribing(SelfDescribingJson(
        "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
        {"targetUrl": "https://example.com/next"}))))

    # The snowplow-tracker 1.x methods work too; they return the tracker.
    tracker.track_ecommerce_transaction(
        "order-7", 25.5, currency="EUR",
        items=[{"sku": "sku-1", "price": 12.75, "quantity": 2, "name": "Mug"}])

    tracker.flush()  # returns once everything was delivered (or failed for good)
    print("stats", emitter.stats())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9090")
