#!/usr/bin/env python3
"""The Snowplow API of snowplow-tracker 1.1 (Snowplow.create_tracker with
EmitterConfiguration and TrackerConfiguration), on libsnowplow.

    PYTHONPATH=build/bindings/python/package python3 examples/python/snowplow_api.py http://127.0.0.1:9090

Code written for snowplow-tracker 1.x changes only its import:
`from snowplow_tracker import ...` becomes `from snowplow import ...`.
"""

import sys

from snowplow import (EmitterConfiguration, PagePing, PageView, ScreenView, SelfDescribing,
                      SelfDescribingJson, Snowplow, StructuredEvent, Subject,
                      TrackerConfiguration)


def main(collector_url):
    emitter_config = EmitterConfiguration(
        batch_size=5, custom_retry_codes={500: False, 401: True},
        on_success=lambda events: print("delivered", len(events)))
    tracker_config = TrackerConfiguration(encode_base64=True)
    subject = Subject().set_user_id("uid")

    Snowplow.create_tracker(namespace="ns", endpoint=collector_url, app_id="app1",
                            subject=subject, tracker_config=tracker_config,
                            emitter_config=emitter_config)
    tracker = Snowplow.get_tracker("ns")

    tracker.track(PageView(page_url="https://www.snowplow.io", page_title="Homepage"))
    tracker.track(PagePing(page_url="https://www.snowplow.io", page_title="Homepage"))
    tracker.track(SelfDescribing(SelfDescribingJson(
        "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
        {"targetUrl": "https://www.snowplow.io"})))
    tracker.track(ScreenView(id_=tracker.get_uuid(), name="name"))
    tracker.track(StructuredEvent(category="shop", action="add-to-basket", property_="pcs",
                                  value=2))
    tracker.flush()  # blocks until all five were delivered and the callback ran


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: snowplow_api.py COLLECTOR_URL")
    main(sys.argv[1])
