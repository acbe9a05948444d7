#!/usr/bin/python3
"""Compare the functions the public headers declare with SNOWPLOW_API against
the functions libsnowplow.so.0 exports (nm -D).

  --check declared  every declared function is exported: catches API that was
                    declared but never implemented (or was hidden by mistake).
  --check exported  every exported function is declared: catches snowplow_*
                    functions that leak out of the library without a header.
"""
import argparse
import pathlib
import re
import subprocess
import sys

DECLARATION = re.compile(r"\bSNOWPLOW_API\b[^;{(]*?\b(\w+)\s*\(")


def declared_functions(include_dir):
    """{name: header} for every SNOWPLOW_API declaration under include_dir."""
    found = {}
    headers = sorted(include_dir.rglob("*.h"))
    if not headers:
        sys.exit(f"FAIL: no headers under {include_dir}")
    for header in headers:
        text = header.read_text(encoding="utf-8")
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)   # block comments
        text = re.sub(r"//[^\n]*", " ", text)                # line comments
        # Drop preprocessor lines (the #define of SNOWPLOW_API itself).
        text = "\n".join(line for line in text.splitlines()
                         if not line.lstrip().startswith("#"))
        for match in DECLARATION.finditer(text):
            found[match.group(1)] = header.relative_to(include_dir)
    return found


def exported_functions(library):
    """Names of the functions (type T) the library defines in its dynamic table."""
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[1] in ("T", "W", "i"):
            names.add(fields[2].split("@", 1)[0])
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--include-dir", required=True, type=pathlib.Path)
    parser.add_argument("--library", required=True, type=pathlib.Path)
    parser.add_argument("--check", required=True, choices=["declared", "exported"])
    args = parser.parse_args()

    declared = declared_functions(args.include_dir)
    exported = exported_functions(args.library)
    failures = []
    for name, header in sorted(declared.items()):
        if not name.startswith("snowplow_"):
            failures.append(f"{header}: {name} is declared SNOWPLOW_API without the snowplow_ prefix")

    if args.check == "declared":
        for name, header in sorted(declared.items()):
            if name not in exported:
                failures.append(f"{header}: {name} is declared but {args.library.name} does not export it")
        summary = f"all {len(declared)} declared functions are exported"
    else:
        for name in sorted(exported - set(declared)):
            failures.append(f"{name} is exported but no public header declares it")
        summary = f"all {len(exported)} exported functions are declared in the headers"

    if failures:
        for failure in failures:
            print("FAIL:", failure)
        print(f"{len(failures)} problem(s); {len(declared)} declared, {len(exported)} exported")
        return 1
    print("ok:", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
