#!/bin/sh
# Regenerate debian/libsnowplow0.symbols from a built libsnowplow.so.0 (after a
# function was added to the public API; removing one breaks the ABI). Symbols
# already listed keep their version; new ones get the current upstream version.
#   sh debian/update-symbols.sh build/core/libsnowplow.so.0
#   sh debian/update-symbols.sh --check build/core/libsnowplow.so.0   (CTest abi_debian_symbols)
set -eu
check=
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
lib=${1:?usage: update-symbols.sh [--check] PATH/TO/libsnowplow.so.0}
here=$(cd "$(dirname "$0")" && pwd)
file=$here/libsnowplow0.symbols
version=$(sed -n '1s/^[^(]*(\([^)-]*\).*/\1/p' "$here/changelog")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    echo "libsnowplow.so.0 libsnowplow0 #MINVER#"
    echo "* Build-Depends-Package: libsnowplow-dev"
    readelf --dyn-syms -W "$lib" | awk '$7 == "ABS" && $8 ~ /^SNOWPLOW_/ { print $8 "@" $8 }
            $7 != "UND" && $8 ~ /@@?SNOWPLOW_/ { sub(/@@/, "@", $8); print $8 }' |
        sort -u | while read -r symbol; do
            old=$(grep -F " $symbol " "$file" 2>/dev/null | awk '{ print $2 }' || true)
            echo " $symbol ${old:-$version}"
        done
} >"$tmp"
if [ -n "$check" ]; then
    if ! diff -u "$file" "$tmp"; then
        echo "debian/libsnowplow0.symbols differs from the exports of $lib (diff above):" >&2
        echo "run: sh debian/update-symbols.sh $lib" >&2
        exit 1
    fi
    echo "debian/libsnowplow0.symbols lists exactly the $(grep -c '^ ' "$file") exported symbols"
    exit 0
fi
mv "$tmp" "$file"
trap - EXIT
echo "wrote $file ($(grep -c '^ ' "$file") symbols)"
