#!/usr/bin/python3
"""Median of each benchmark case: reads the JSON lines that bench/run.sh
collects (one per run, each with a "case" field) and prints a Markdown table,
then one JSON line per case with the medians of every numeric field."""
import json
import statistics
import sys

COLUMNS = [
    ("events_per_s", "events/s"),
    ("track_ns_p50", "track p50 ns"),
    ("track_ns_p99", "track p99 ns"),
    ("track_ns_mean", "track mean ns"),
    ("peak_rss_kb", "peak RSS kB"),
    ("peak_rss_close_kb", "after close kB"),
    ("requests", "requests"),
    ("bytes", "bytes"),
    ("failed", "failed"),
    ("loadavg_1m", "load"),
]


def main(path):
    runs = {}
    order = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            run = json.loads(line)
            name = run["case"]
            if name not in runs:
                runs[name] = []
                order.append(name)
            runs[name].append(run)

    medians = {}
    for name in order:
        numeric = {}
        for run in runs[name]:
            for key, value in run.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    numeric.setdefault(key, []).append(value)
        medians[name] = {key: statistics.median(values) for key, values in numeric.items()}
        medians[name]["runs"] = len(runs[name])

    print("| case | runs | " + " | ".join(title for _, title in COLUMNS) + " |")
    print("|---|---:|" + "---:|" * len(COLUMNS))
    for name in order:
        m = medians[name]
        cells = []
        for key, _ in COLUMNS:
            if key not in m:
                cells.append("-")
            elif key == "loadavg_1m":
                cells.append(f"{m[key]:.1f}")
            else:
                cells.append(f"{m[key]:,.0f}".replace(",", " "))
        print(f"| {name} | {m['runs']} | " + " | ".join(cells) + " |")
    for name in order:
        print(json.dumps({"case": name, **medians[name]}, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: medians.py RUNS.jsonl")
    main(sys.argv[1])
