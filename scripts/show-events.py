#!/usr/bin/python3
"""Show what a local collector (tools/collector) received, and judge it.

Prints the counts from /micro/all, then one line per good event with its type and
key fields, then every bad event with its errors. Exits non-zero when an event is
bad, when nothing good arrived, or when an expected event is missing.

Expectations come from the demo program's output (--demo-output FILE): every UUID
on a line that starts with "tracked" or mentions "eid" is an event id that must
have arrived, and "tracked N" (or "N events tracked") asks for at least N good
events.
"""
import argparse
import json
import re
import sys
import time
import urllib.request

UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TRACKED = re.compile(r"\btracked (\d+)\b|\b(\d+) events? tracked\b", re.I)
TYPE_NAMES = {
    "pv": "page view", "pp": "page ping", "se": "structured", "ue": "self-describing",
    "tr": "transaction", "ti": "transaction item",
}
KEY_FIELDS = {
    "pv": ["url", "page", "refr"],
    "pp": ["url", "pp_mix", "pp_max", "pp_miy", "pp_may"],
    "se": ["se_ca", "se_ac", "se_la", "se_pr", "se_va"],
    "tr": ["tr_id", "tr_tt", "tr_cu", "tr_af"],
    "ti": ["ti_id", "ti_sk", "ti_nm", "ti_pr", "ti_qu"],
}
COMMON_FIELDS = ["tv", "tna", "aid", "p", "uid"]


def get_json(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


def expectations(path):
    """(set of event ids, minimum count) announced by the demo program's output."""
    eids, minimum = set(), 0
    if not path:
        return eids, minimum
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if re.match(r"\s*tracked\b", line, re.I) or re.search(r"\beid\b", line, re.I):
                eids.update(UUID.findall(line.lower()))
            match = TRACKED.search(line)
            if match:
                minimum = max(minimum, int(match.group(1) or match.group(2)))
    return eids, max(minimum, len(eids))


def short(value, limit=70):
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def schema_name(uri):
    """iglu:com.acme/button/jsonschema/1-0-0 -> com.acme/button/1-0-0"""
    parts = uri[len("iglu:"):].split("/") if isinstance(uri, str) and uri.startswith("iglu:") else []
    return "%s/%s/%s" % (parts[0], parts[1], parts[3]) if len(parts) == 4 else str(uri)


def describe(event, shared):
    """One line: the type and the fields that say what the event was (the tracker
    fields only where they differ from `shared`, printed once above)."""
    kind = event.get("e", "?")
    words = ["%-2s %-16s" % (kind, TYPE_NAMES.get(kind, "unknown"))]
    if kind == "ue":
        inner = (event.get("unstruct_event") or {}).get("data") or {}
        words.append(schema_name(inner.get("schema")))
        words.append(short(inner.get("data")))
    for field in KEY_FIELDS.get(kind, []) + COMMON_FIELDS:
        if field in event and not (field in COMMON_FIELDS and shared.get(field) == event[field]):
            words.append("%s=%s" % (field, short(event[field], 40)))
    contexts = event.get("contexts")
    if isinstance(contexts, list) and contexts:
        words.append("contexts=[%s]" % ", ".join(schema_name(c.get("schema")) for c in contexts
                                                  if isinstance(c, dict)))
    return "  ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("collector", help="base URL, e.g. http://127.0.0.1:9090")
    parser.add_argument("--demo-output", help="file holding the demo program's output")
    parser.add_argument("--wait", type=float, default=10.0,
                        help="seconds to wait for expected events still on their way")
    args = parser.parse_args()
    base = args.collector.rstrip("/")
    want_eids, want_count = expectations(args.demo_output)

    # Requests answered just before the demo exited are stored by then, but give
    # stragglers a short, bounded while.
    deadline = time.monotonic() + args.wait
    while True:
        counts = get_json(base, "/micro/all")
        good = get_json(base, "/micro/good")
        arrived = {(r.get("event") or {}).get("eid") for r in good}
        done = want_eids <= arrived and len(good) >= max(want_count, 1)
        if done or counts.get("bad", 0) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    bad = get_json(base, "/micro/bad")

    print("collector %s received %d events: %d good, %d bad"
          % (base, counts.get("total", 0), counts.get("good", 0), counts.get("bad", 0)))
    shared = {}
    if good:
        first = good[0].get("event") or {}
        shared = {f: first[f] for f in COMMON_FIELDS if f in first}
        print("  tracker: " + "  ".join("%s=%s" % item for item in shared.items()))
    for i, record in enumerate(good, 1):
        event = record.get("event") or {}
        print("  %2d. %s" % (i, describe(event, shared)))
        print("      eid=%s" % event.get("eid"))
    for i, record in enumerate(bad, 1):
        print("  BAD %d: %s" % (i, short(record.get("raw") or {}, 200)))
        for error in record.get("errors", []):
            print("        - %s" % error)

    problems = []
    if bad:
        problems.append("%d bad event(s)" % len(bad))
    if not good:
        problems.append("no good event arrived")
    missing = sorted(want_eids - arrived)
    if missing:
        problems.append("%d tracked event(s) never arrived: %s" % (len(missing), ", ".join(missing)))
    if len(good) < want_count:
        problems.append("the demo tracked %d events but %d arrived good" % (want_count, len(good)))
    if problems:
        print("PROBLEM: " + "; ".join(problems))
        return 1
    print("every tracked event arrived and passed schema validation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
