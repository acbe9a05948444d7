"""Snowplow: snowplow-tracker 1.1.0's registry of trackers by namespace.

    Snowplow.create_tracker("ns", "collector.example.com", app_id="shop",
                            emitter_config=EmitterConfiguration(batch_size=5))
    Snowplow.get_tracker("ns").track(PageView("https://example.com/"))
"""

import threading

from . import _core
from .configuration import EmitterConfiguration, TrackerConfiguration
from .emitters import Emitter, METHODS
from .subject import Subject
from .tracker import Tracker


class Snowplow:
    _trackers = {}
    _lock = threading.Lock()

    @staticmethod
    def create_tracker(namespace, endpoint, method="post", app_id=None, subject=None,
                       tracker_config=None, emitter_config=None):
        """A Tracker with one Emitter to `endpoint` (https unless the URL says
        otherwise), registered under `namespace`; TypeError when one is
        registered already."""
        if endpoint is None:
            raise TypeError("Emitter or Collector URL must be provided")
        _core.check_str("namespace", namespace, True)
        if method not in METHODS:
            raise ValueError("method must be one of %s, not %r" % (sorted(METHODS), method))
        if subject is not None and not isinstance(subject, Subject):
            raise TypeError("subject must be Subject or None, not %s" % _core.type_name(subject))
        tracker_config = TrackerConfiguration() if tracker_config is None else tracker_config
        emitter_config = EmitterConfiguration() if emitter_config is None else emitter_config
        if not isinstance(tracker_config, TrackerConfiguration):
            raise TypeError("tracker_config must be TrackerConfiguration, not %s"
                            % _core.type_name(tracker_config))
        if not isinstance(emitter_config, EmitterConfiguration):
            raise TypeError("emitter_config must be EmitterConfiguration, not %s"
                            % _core.type_name(emitter_config))
        with Snowplow._lock:
            if namespace in Snowplow._trackers:
                raise TypeError("Tracker with this namespace already exists")
            emitter = Emitter(endpoint, method=method, **emitter_config.emitter_kwargs())
            tracker = Tracker(namespace, emitter, subject=subject, app_id=app_id,
                              encode_base64=tracker_config.encode_base64,
                              json_encoder=tracker_config.json_encoder)
            Snowplow._trackers[namespace] = tracker
        return tracker

    @classmethod
    def add_tracker(cls, tracker):
        """Register `tracker` under its namespace (None when it is not a Tracker)."""
        if not isinstance(tracker, Tracker):
            return None
        namespace = tracker.get_namespace()
        with cls._lock:
            if namespace in cls._trackers:
                raise TypeError("Tracker with this namespace already exists")
            cls._trackers[namespace] = tracker
        return tracker

    @classmethod
    def get_tracker(cls, namespace):
        """The tracker registered under `namespace`, or None."""
        with cls._lock:
            return cls._trackers.get(namespace)

    @classmethod
    def remove_tracker(cls, tracker):
        """Unregister `tracker` (nothing happens when it is not registered)."""
        cls.remove_tracker_by_namespace(tracker.get_namespace())

    @classmethod
    def remove_tracker_by_namespace(cls, namespace):
        with cls._lock:
            cls._trackers.pop(namespace, None)

    @classmethod
    def reset(cls):
        """Unregister every tracker. Their emitters stay open until garbage
        collected or closed (and are flushed at exit)."""
        with cls._lock:
            cls._trackers = {}
