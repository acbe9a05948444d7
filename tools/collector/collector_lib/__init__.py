"""The local Snowplow collector's parts (see ../README.md).

iglu      schema files on disk and one cached validator per schema URI
fastcheck a sound fast path for the simple schemas (valid instances skip jsonschema)
codec     the tracker protocol's encodings: query strings, base64, strict JSON
events    checking one event
intake    splitting a request into events and building their records
store     good/bad events and the request log, behind one lock
faults    the fault-injection state (/micro/fault)
handler   the HTTP request handler and server class
queries   filters and projections for /micro/good and /micro/bad
"""
