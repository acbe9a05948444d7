#!/usr/bin/env bash
# The dynamic symbol table of libsnowplow.so.0 holds the public API and nothing
# else: every defined symbol is a snowplow_* function bound to the version node
# SNOWPLOW_0 (core/snowplow.map), plus the node itself.
# Usage: check_exports.sh LIBRARY
set -euo pipefail
lib=${1:?usage: check_exports.sh LIBRARY}

fail=0
public=0
# nm prints "ADDRESS TYPE NAME@@VERSION" (binutils >= 2.35 shows the version).
while read -r _addr type name; do
    base=${name%%@*}
    version=${name#"$base"}
    if [[ $base == SNOWPLOW_0 && $type == A ]]; then
        continue  # the version node's own symbol
    fi
    if [[ $base != snowplow_* ]]; then
        echo "FAIL: exported symbol outside the snowplow_ prefix: $name ($type)"
        fail=1
        continue
    fi
    if [[ $type != T ]]; then
        echo "FAIL: $base is exported as type '$type', not a function (data would freeze the ABI)"
        fail=1
    fi
    if [[ $version != "@@SNOWPLOW_0" ]]; then
        echo "FAIL: $base has version '${version:-none}', expected @@SNOWPLOW_0"
        fail=1
    fi
    public=$((public + 1))
done < <(nm -D --defined-only "$lib")

# The version definition itself must be in the file.
# (Output captured first: `| grep -q` under pipefail can fail on SIGPIPE.)
version_info=$(readelf -V -W "$lib")
if ! grep -q 'Name: SNOWPLOW_0$' <<<"$version_info"; then
    echo "FAIL: no version definition SNOWPLOW_0 in $lib"
    fail=1
fi
if ((public == 0)); then
    echo "FAIL: $lib exports no snowplow_ symbol at all"
    fail=1
fi
if ((fail)); then
    exit 1
fi
echo "ok: $public snowplow_ functions exported, all at SNOWPLOW_0, nothing else"
