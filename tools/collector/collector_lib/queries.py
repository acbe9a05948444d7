"""The /micro/good and /micro/bad query options, applied to a list of stored records."""


def filter_records(records, params):
    """?event_type=se, ?schema=URI (self-describing event), ?contexts=URI (has that entity),
    ?limit=N (the first N, in arrival order), ?fields=eid,e (each record cut down to
    request_id, errors and those event fields: 80 000 full records are ~70 MB of JSON)."""
    def first(name):
        values = params.get(name)
        return values[0] if values else None

    event_type, schema, context = first("event_type"), first("schema"), first("contexts")
    if event_type:
        records = [r for r in records if (r.get("event") or r.get("raw") or {}).get("e") == event_type]
    if schema:
        records = [r for r in records if _unstruct_schema(r) == schema]
    if context:
        records = [r for r in records if context in _context_schemas(r)]
    limit = first("limit")
    if limit is not None:
        try:
            records = records[:max(0, int(limit))]
        except ValueError:
            pass
    fields = first("fields")
    if fields:
        keep = [f for f in fields.split(",") if f]
        records = [_project(r, keep) for r in records]
    return records


def _project(record, keep):
    event = record.get("event", {})
    out = {"request_id": record["request_id"], "event": {k: event[k] for k in keep if k in event}}
    if "errors" in record:
        out["errors"] = record["errors"]
    return out


def _unstruct_schema(record):
    ue = record.get("event", {}).get("unstruct_event")
    inner = ue.get("data") if isinstance(ue, dict) else None
    return inner.get("schema") if isinstance(inner, dict) else None


def _context_schemas(record):
    entities = record.get("event", {}).get("contexts")
    if not isinstance(entities, list):
        return ()
    return [e.get("schema") for e in entities if isinstance(e, dict)]
