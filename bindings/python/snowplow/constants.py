"""Constants with snowplow-tracker 1.x's names."""

from ._core import TRACKER_VERSION as VERSION

DEFAULT_ENCODE_BASE64 = True
BASE_SCHEMA_PATH = "iglu:com.snowplowanalytics.snowplow"
MOBILE_SCHEMA_PATH = "iglu:com.snowplowanalytics.mobile"
SCHEMA_TAG = "jsonschema"
CONTEXT_SCHEMA = "%s/contexts/%s/1-0-1" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
UNSTRUCT_EVENT_SCHEMA = "%s/unstruct_event/%s/1-0-0" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
PAYLOAD_DATA_SCHEMA = "%s/payload_data/%s/1-0-4" % (BASE_SCHEMA_PATH, SCHEMA_TAG)
