"""libsnowplow for Python: a Snowplow event tracker with the names of
snowplow-tracker 1.x, on top of the C library (events are encoded in C and sent
from C threads: tracking never waits for the network).

    from snowplow import Tracker, Emitter, Subject, SelfDescribingJson, PageView

    emitter = Emitter("collector.example.com")
    tracker = Tracker("my-app", emitter, app_id="shop")
    eid = tracker.track(PageView("https://example.com/", "Home"))
    tracker.flush()

See docs/python.md.
"""

from ._core import VERSION as __version__
from .configuration import EmitterConfiguration, TrackerConfiguration
from .emitters import AsyncEmitter, Emitter
from .redis_emitter import RedisEmitter
from .event_store import EventStore, InMemoryEventStore
from .events import (AddToCart, EcommerceTransaction, Event, FormChange, FormSubmit,
                     LinkClick, PagePing, PageView, RemoveFromCart, ScreenView,
                     SelfDescribing, SiteSearch, StructuredEvent, Timing)
from .self_describing_json import SelfDescribingJson
from .snowplow import Snowplow
from .subject import Subject
from .tracker import Tracker

__all__ = [
    "Tracker", "Emitter", "AsyncEmitter", "RedisEmitter", "Subject", "SelfDescribingJson",
    "Snowplow", "EmitterConfiguration", "TrackerConfiguration", "EventStore",
    "InMemoryEventStore",
    "Event", "PageView", "PagePing", "ScreenView", "StructuredEvent", "SelfDescribing",
    "LinkClick", "AddToCart", "RemoveFromCart", "FormChange", "FormSubmit", "SiteSearch",
    "Timing", "EcommerceTransaction",
]
