"""RedisEmitter: events go to a Redis list instead of a collector, through the
C library's Redis transport (a sending thread pushes each event as one JSON
object of its payload fields, every value a string, by a pipelined RPUSH per
batch). A relay (snowplow-relay, or snowplow_tracker.redis_worker) moves them
on to a collector.
"""

from . import _core
from .emitters import Emitter

DEFAULT_KEY = "snowplow"


def redis_url(rdb):
    """The transport's URL for a redis-py client (its host, port, db, username
    and password, or its unix socket); None: redis-py's default client
    (localhost:6379, db 0)."""
    if rdb is None:
        return "redis://localhost:6379/0"
    pool = getattr(rdb, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", None)
    if not isinstance(kwargs, dict):
        raise TypeError("rdb must be a redis-py client (redis.Redis / StrictRedis) or None, "
                        "not %s" % _core.type_name(rdb))
    db = int(kwargs.get("db") or 0)
    password = kwargs.get("password")
    username = kwargs.get("username")
    if kwargs.get("path"):
        url = "unix://%s?db=%d" % (kwargs["path"], db)
        return url + ("&password=%s" % password if password else "")
    auth = ""
    if password:
        auth = "%s:%s@" % (username or "", password)
    return "redis://%s%s:%d/%d" % (auth, kwargs.get("host") or "localhost",
                                   int(kwargs.get("port") or 6379), db)


class RedisEmitter(Emitter):
    """`RedisEmitter(rdb=None, key="snowplow", on_success=None, on_failure=None,
    ...)`: an emitter whose events go to the Redis list `key` of the redis-py
    client `rdb` (or of a URL: `redis_url="redis://host:port/db"`). The other
    keyword arguments are Emitter's (batch_size, thread_count, buffer_capacity,
    max_retry_delay_seconds, request_timeout, store_path, ...)."""

    def __init__(self, rdb=None, key=DEFAULT_KEY, on_success=None, on_failure=None, *,
                 redis_url=None, **kwargs):
        _core.check_str("key", key, True)
        url = redis_url if redis_url is not None else globals()["redis_url"](rdb)
        self.rdb = rdb
        self.key = key
        super().__init__(None, on_success=on_success, on_failure=on_failure, redis_url=url,
                         redis_key=key, **kwargs)
        self.redis_url = url

    def __repr__(self):
        return "RedisEmitter(key=%r)" % (self.key,)
