#!/usr/bin/env python3
"""The Tracker API of snowplow-tracker 1.1 with per-event subjects, on
libsnowplow: an event's own Subject overrides the tracker's field by field.

    PYTHONPATH=build/bindings/python/package python3 examples/python/tracker_api.py http://127.0.0.1:9090
"""

import sys

from snowplow import (Emitter, PagePing, PageView, ScreenView, SelfDescribing,
                      SelfDescribingJson, StructuredEvent, Subject, Tracker)


def main(collector_url):
    e = Emitter(collector_url)
    s = Subject().set_platform("pc")
    s.set_lang("en").set_user_id("test_user")
    t = Tracker(namespace="snowplow_tracker", emitters=e, subject=s)
    print("Sending events to " + e.endpoint)

    event_subject = Subject().set_color_depth(10)  # only this event has cd=10
    t.track(PageView(page_url="https://www.snowplow.io", page_title="Homepage",
                     event_subject=event_subject))
    t.track(PagePing(page_url="https://www.snowplow.io", page_title="Homepage",
                     event_subject=t.subject))
    t.track(SelfDescribing(SelfDescribingJson(
        "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1",
        {"targetUrl": "https://www.snowplow.io"}), event_subject=t.subject))
    t.track(ScreenView(id_=t.get_uuid(), name="name", event_subject=t.subject))
    t.track(StructuredEvent(category="shop", action="add-to-basket", property_="pcs", value=2,
                            event_subject=Subject().set_user_id("another_user")))
    t.flush()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: tracker_api.py COLLECTOR_URL")
    main(sys.argv[1])
