#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then build a consumer program
# against it with pkg-config and with find_package(snowplow), run both, move the
# whole prefix elsewhere and build and run again (the install is relocatable).
#
# Usage: check_install.sh BUILD_DIR CONSUMER_DIR CC CMAKE LIBDIR INCLUDEDIR VERSION [SANITIZE]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

build=${1:?usage: see the header}
consumer=${2:?}
CC=${3:?}
cmake=${4:?}
libdir_rel=${5:?}
includedir_rel=${6:?}
version=${7:?}
SANITIZE_FLAGS=${8:+-fsanitize=$8}
major=${version%%.*}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

echo "== cmake --install $build --prefix $prefix"
run_logged "$tmp/install.log" "$cmake" --install "$build" --prefix "$prefix"

echo "== installed files"
lib=$prefix/$libdir_rel
inc=$prefix/$includedir_rel
[[ -f $lib/libsnowplow.so.$version && ! -L $lib/libsnowplow.so.$version ]] || fail "missing $lib/libsnowplow.so.$version"
[[ $(readlink "$lib/libsnowplow.so.$major") == "libsnowplow.so.$version" ]] || fail "bad symlink libsnowplow.so.$major"
[[ $(readlink "$lib/libsnowplow.so") == "libsnowplow.so.$major" ]] || fail "bad symlink libsnowplow.so"
[[ -f $inc/snowplow.h ]] || fail "missing $inc/snowplow.h"
for header in "$here"/../../core/include/snowplow/*.h; do
    [[ -f $inc/snowplow/$(basename "$header") ]] || fail "missing $inc/snowplow/$(basename "$header")"
done
for file in pkgconfig/snowplow.pc cmake/snowplow/snowplowConfig.cmake \
    cmake/snowplow/snowplowConfigVersion.cmake cmake/snowplow/snowplowTargets.cmake; do
    [[ -f $lib/$file ]] || fail "missing $lib/$file"
done
# Nothing installed may point back into the build tree.
if grep -rl --binary-files=without-match -F "$(realpath "$build")" "$prefix"; then
    fail "installed files above name the build directory"
fi
dynamic=$(readelf -d "$lib/libsnowplow.so.$version")
if grep -Eq 'RPATH|RUNPATH' <<<"$dynamic"; then
    fail "installed library keeps an RPATH/RUNPATH"
fi
echo "  ok: library, symlinks, headers, snowplow.pc and the CMake package are in place"

# needed_link_flags LIB: -lNAME for each DT_NEEDED library of LIB, less libc,
# the dynamic loader, libpthread (-pthread) and sanitizer runtimes.
needed_link_flags() {
    local dynamic name
    dynamic=$(readelf -d "$1")
    sed -n 's/.*(NEEDED).*\[lib\([^.]*\)\.so.*\]/\1/p' <<<"$dynamic" | while read -r name; do
        case $name in
            c | pthread | dl | rt | ld-linux* | asan | ubsan | tsan | lsan | gcc_s | stdc++) ;;
            *) echo "-l$name" ;;
        esac
    done
}

check_pkgconfig() {  # check_pkgconfig PREFIX TAG
    local where=$1 tag=$2 pcdir=$1/$libdir_rel/pkgconfig got static
    echo "== pkg-config build ($tag)"
    got=$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion snowplow)
    [[ $got == "$version" ]] || fail "pkg-config --modversion is '$got', expected $version"
    got=$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=prefix snowplow)
    [[ $(realpath -m "$got") == $(realpath "$where") ]] || fail "pkg-config prefix '$got' is not $where"
    # A static link needs every library the shared one was linked with.
    static=$(PKG_CONFIG_PATH=$pcdir pkg-config --static --libs snowplow)
    for flag in -lsnowplow -pthread $(needed_link_flags "$where/$libdir_rel/libsnowplow.so.$version"); do
        [[ " $static " == *" $flag "* ]] || fail "pkg-config --static --libs lacks $flag: $static"
    done
    build_with_pkgconfig "$pcdir" "$consumer/consumer.c" "$tmp/consumer-pc-$tag"
    run_consumer "$tmp/consumer-pc-$tag" "$where/$libdir_rel"
}

check_cmake() {  # check_cmake PREFIX TAG
    local where=$1 tag=$2 dir=$tmp/cmake-$2 found
    echo "== find_package(snowplow) build ($tag)"
    run_logged "$tmp/cmake-$tag.log" "$cmake" -S "$consumer" -B "$dir" \
        -DCMAKE_PREFIX_PATH="$where" -DCMAKE_C_COMPILER="$CC" \
        -DCMAKE_C_FLAGS="$SANITIZE_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$SANITIZE_FLAGS"
    found=$(sed -n 's/^snowplow_DIR:PATH=//p' "$dir/CMakeCache.txt")
    [[ $(realpath "$found") == $(realpath "$where/$libdir_rel/cmake/snowplow") ]] ||
        fail "find_package found snowplow in '$found', not in $where"
    run_logged "$tmp/cmake-build-$tag.log" "$cmake" --build "$dir"
    run_consumer "$dir/consumer" "$where/$libdir_rel"
}

check_pkgconfig "$prefix" installed
check_cmake "$prefix" installed

echo "== find_package(snowplow 1.0) must refuse $version (SameMajorVersion)"
if "$cmake" -S "$consumer" -B "$tmp/cmake-wrong-major" -DCMAKE_PREFIX_PATH="$prefix" \
    -DSNOWPLOW_WANT_VERSION=1.0 >"$tmp/wrong-major.log" 2>&1; then
    fail "find_package(snowplow 1.0) accepted version $version"
fi
echo "  ok: refused"

moved=$tmp/somewhere/else/moved-prefix
echo "== move $prefix -> $moved"
mkdir -p "$(dirname "$moved")"
mv "$prefix" "$moved"
[[ ! -e $prefix ]] || fail "$prefix still exists after the move"
check_pkgconfig "$moved" moved
check_cmake "$moved" moved

echo "install test passed: installed, built with pkg-config and CMake, relocated"
