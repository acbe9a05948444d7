"""snowplow_tracker: a drop-in for snowplow-tracker 0.7.0 and 0.8.x on libsnowplow.

Code written for snowplow-tracker 0.7.0 or 0.8.x runs unchanged: the same modules
(tracker, emitters, subject, self_describing_json, payload, _version, timestamp,
redis_worker) and the same names, with events encoded in C and sent by the C library. See
docs/python.md for the differences that remain and why.

    from snowplow_tracker import Subject, Tracker, AsyncEmitter, SelfDescribingJson
    t = Tracker([AsyncEmitter("collector.example.com", thread_count=4)], Subject())
    t.track_page_view("http://example.com", "Example")
"""

from snowplow_tracker._version import __version__
from snowplow_tracker.subject import Subject
from snowplow_tracker.emitters import logger, Emitter, AsyncEmitter, CeleryEmitter, RedisEmitter
from snowplow_tracker.self_describing_json import SelfDescribingJson
from snowplow_tracker.tracker import Tracker
from snowplow_tracker._contracts import disable_contracts, enable_contracts

__all__ = ["Subject", "logger", "Emitter", "AsyncEmitter", "CeleryEmitter", "RedisEmitter",
           "SelfDescribingJson", "Tracker", "disable_contracts", "enable_contracts",
           "__version__"]
