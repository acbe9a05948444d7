"""SelfDescribingJson(schema, data): the same class as snowplow's, so events
of either package accept it."""

from snowplow.self_describing_json import SelfDescribingJson

__all__ = ["SelfDescribingJson"]
