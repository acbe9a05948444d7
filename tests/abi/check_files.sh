#!/usr/bin/env bash
# File names and SONAME of the built library: libsnowplow.so.0.1.0 is the real
# file, libsnowplow.so.0 -> it, libsnowplow.so -> libsnowplow.so.0, and the
# SONAME is exactly libsnowplow.so.0.
# Usage: check_files.sh REAL_FILE SONAME_FILE LINKER_FILE VERSION
set -euo pipefail
real=${1:?usage: check_files.sh REAL SONAME LINKER VERSION}
soname_file=${2:?}
linker_file=${3:?}
version=${4:?}
major=${version%%.*}
dir=$(dirname "$real")

fail=0
expect() {  # expect WHAT ACTUAL WANTED
    if [[ $2 != "$3" ]]; then
        echo "FAIL: $1 is '$2', expected '$3'"
        fail=1
    fi
}

expect "real file name" "$(basename "$real")" "libsnowplow.so.$version"
expect "soname file name" "$(basename "$soname_file")" "libsnowplow.so.$major"
expect "linker file name" "$(basename "$linker_file")" "libsnowplow.so"
[[ -f $real && ! -L $real ]] || { echo "FAIL: $real is not a regular file"; fail=1; }
[[ -L $soname_file ]] || { echo "FAIL: $soname_file is not a symlink"; fail=1; }
[[ -L $linker_file ]] || { echo "FAIL: $linker_file is not a symlink"; fail=1; }
expect "target of $soname_file" "$(readlink "$soname_file")" "libsnowplow.so.$version"
expect "target of $linker_file" "$(readlink "$linker_file")" "libsnowplow.so.$major"
expect "directory of the symlinks" "$(dirname "$soname_file")" "$dir"

sonames=$(readelf -d -W "$real" | sed -n 's/.*(SONAME).*Library soname: \[\(.*\)\]/\1/p')
expect "SONAME" "$sonames" "libsnowplow.so.$major"

if ((fail)); then
    exit 1
fi
echo "ok: $(basename "$real"), SONAME $sonames, symlinks in place"
