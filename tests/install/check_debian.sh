#!/usr/bin/env bash
# The Debian packages made the Debian way (debian/), used for real.
#
#   check_debian.sh build SOURCE_DIR OUT_DIR
#     copies the source tree (git's tracked and unignored files) to a temporary
#     folder, runs `dpkg-buildpackage -us -uc -b` there (DEB_BUILD_OPTIONS
#     nocheck parallel=2; the parent folder receives the outputs, so nothing
#     lands next to SOURCE_DIR), runs `lintian -I --pedantic` on the result
#     (fails on any E: or W: tag: justified ones are overridden in debian/) and
#     keeps the .debs and the .changes in OUT_DIR.
#   check_debian.sh install SOURCE_DIR OUT_DIR
#     needs root. Installs every .deb of OUT_DIR with `apt-get install ./...`,
#     then, from a folder outside the tree and with no *PATH variable: builds
#     the README's C program with pkg-config and with find_package(snowplow),
#     runs the README's Python, Ruby and Lua samples with /usr/bin/python3,
#     ruby, lua5.4 and lua5.1, all against snowplow-collector, and
#     snowplow-track when the package has it; then purges every package and
#     checks that no file is left behind.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=live.sh
source "$here/live.sh"  # (and common.sh)

mode=${1:?usage: see the header}
src=$(cd "${2:?}" && pwd)
out=${3:?}
packages=(libsnowplow0 libsnowplow-dev python3-snowplow ruby-snowplow lua-snowplow snowplow-tools libsnowplow-doc)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-debian.XXXXXX")
cleanup() {
    stop_collector
    rm -rf "$tmp"
}
trap cleanup EXIT

# copy_tree SRC DEST: the files a clean checkout has (tracked and unignored
# ones, as they are now), or everything but build folders outside git.
copy_tree() {
    mkdir -p "$2"
    if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$1" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$2"
    else
        (cd "$1" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$2"
    fi
}

do_build() {
    local start end changes log
    for tool in dpkg-buildpackage dh lintian; do
        command -v $tool >/dev/null || fail "$tool is not installed (scripts/setup-deps.sh installs it)"
    done
    echo "== dpkg-buildpackage -us -uc -b (in a copy of the tree)"
    copy_tree "$src" "$tmp/build/src"
    start=$(date +%s)
    log=$tmp/dpkg-buildpackage.log
    if ! (cd "$tmp/build/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
        tail -60 "$log" >&2
        if grep -q 'dpkg-gensymbols: error' "$log"; then
            fail "the library's exports differ from debian/libsnowplow0.symbols: after adding a function, run sh debian/update-symbols.sh BUILD/core/libsnowplow.so.0"
        fi
        fail "dpkg-buildpackage failed (log above)"
    fi
    end=$(date +%s)
    echo "    built in $((end - start)) s:"
    find "$tmp/build" -maxdepth 1 -name "*.deb" -printf "    %f\n" | sort
    for package in "${packages[@]}"; do
        compgen -G "$tmp/build/${package}_*.deb" >/dev/null || fail "no $package package was built"
    done
    for package in libsnowplow0 python3-snowplow ruby-snowplow lua-snowplow; do
        compgen -G "$tmp/build/${package}-dbgsym_*.deb" >/dev/null || fail "no $package-dbgsym package was built"
    done
    # Hardening flags from dpkg-buildflags reached the compiler.
    for flag in -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-z,relro -Wl,-z,now; do
        grep -q -- "$flag" "$log" || fail "the build did not use dpkg-buildflags' hardening flag $flag"
    done

    echo "== lintian -I --pedantic"
    changes=$(compgen -G "$tmp/build/*.changes")
    lintian -I --pedantic "$changes" >"$tmp/lintian.txt" 2>&1 || true
    sed 's/^/    /' "$tmp/lintian.txt"
    if grep -E '^(E|W): ' "$tmp/lintian.txt" >/dev/null; then
        fail "lintian reports errors or warnings (above); fix them or override them with a reason in debian/"
    fi
    echo "    ok: no error or warning"

    rm -rf "$out"
    mkdir -p "$out"
    cp "$tmp/build/"*.deb "$changes" "$out/"
    echo "debian build test passed"
}

# snapshot FILE: every path under the folders packages write to.
snapshot() {
    find /usr /etc /opt /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf \
        -o -path /var/lib/systemd \) -prune -o -print 2>/dev/null | sort >"$1"
}

purge_all() {
    local installed=() package
    for package in "${packages[@]}"; do
        if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'installed\|config-files'; then
            installed+=("$package")
        fi
    done
    ((${#installed[@]} == 0)) && return 0
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${installed[@]}" "${installed[@]/%/-dbgsym}" \
        >"$tmp/purge.log" 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${installed[@]}" \
        >>"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; return 1; }
}

do_install() {
    local debs=() package readme=$src/README.md pc
    ((EUID == 0)) || { echo "not root: cannot install packages, skipping"; exit 77; }
    for package in "${packages[@]}"; do
        if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'installed'; then
            fail "$package is already installed: this test installs and purges it, remove it first"
        fi
    done
    mapfile -t debs < <(find "$out" -maxdepth 1 -name "*.deb" | sort)
    ((${#debs[@]} > 0)) || fail "no .deb in $out (the package_debian_build test makes them)"

    snapshot "$tmp/before.list"
    trap 'stop_collector; purge_all || true; rm -rf "$tmp"' EXIT
    echo "== apt-get install ./*.deb"
    DEBIAN_FRONTEND=noninteractive run_logged "$tmp/apt.log" apt-get install -y -q --no-install-recommends "${debs[@]}"
    for package in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$package" | grep -q 'install ok installed' || fail "$package is not installed"
    done
    echo "    ok: ${#debs[@]} packages installed"

    mkdir -p "$tmp/home" "$tmp/work"
    cd "$tmp/work"
    echo "== snowplow-collector (installed)"
    command -v snowplow-collector >/dev/null || fail "snowplow-tools has no snowplow-collector on PATH"
    start_collector with_clean_env snowplow-collector
    echo "    listening on 127.0.0.1:$COLLECTOR_PORT"
    readme_samples_against_collector "$readme"

    echo "== the README's C program, with pkg-config"
    pc=$(with_clean_env pkg-config --cflags --libs snowplow) || fail "pkg-config finds no snowplow"
    echo "    pkg-config --cflags --libs snowplow: $pc"
    [[ $pc != *..* ]] || fail "pkg-config prints unnormalised paths: $pc"
    # shellcheck disable=SC2086
    with_clean_env cc -std=c11 -Wall -Wextra -Werror "$tmp/quickstart.c" $pc -o "$tmp/quickstart-pc" ||
        fail "the README's program does not build with pkg-config's flags"
    with_clean_env "$tmp/quickstart-pc" | sed 's/^/    /'
    expect_events "C (pkg-config)" 2

    echo "== the README's C program, with find_package(snowplow)"
    mkdir -p "$tmp/cmake-project"
    cp "$tmp/quickstart.c" "$tmp/cmake-project/"
    cat >"$tmp/cmake-project/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(quickstart LANGUAGES C)
find_package(snowplow 0.1 REQUIRED)
add_executable(quickstart quickstart.c)
target_link_libraries(quickstart PRIVATE snowplow::snowplow)
CMAKE
    run_logged "$tmp/cmake.log" with_clean_env cmake -S "$tmp/cmake-project" -B "$tmp/cmake-build"
    run_logged "$tmp/cmake-build.log" with_clean_env cmake --build "$tmp/cmake-build"
    with_clean_env "$tmp/cmake-build/quickstart" | sed 's/^/    /'
    expect_events "C (find_package)" 2

    echo "== the README's binding samples"
    run_logged "$tmp/python.log" with_clean_env /usr/bin/python3 "$tmp/sample.py"
    expect_events "Python (/usr/bin/python3)" 1
    with_clean_env /usr/bin/python3 -c 'import importlib.metadata as m; print("    pip sees snowplow", m.version("snowplow"))'
    run_logged "$tmp/ruby.log" with_clean_env ruby "$tmp/sample.rb"
    expect_events "Ruby (ruby)" 1
    with_clean_env ruby -e 'puts "    rubygems sees libsnowplow #{Gem::Specification.find_by_name("libsnowplow").version}"' ||
        fail "rubygems does not see the libsnowplow gem (rubygems-integration)"
    for lua in lua5.4 lua5.1; do
        run_logged "$tmp/$lua.log" with_clean_env $lua "$tmp/sample.lua"
        expect_events "Lua ($lua)" 1
    done

    if command -v snowplow-track >/dev/null; then
        echo "== snowplow-track"
        track_checks
    else
        echo "== snowplow-track: not in this tree yet, not checked"
    fi
    if command -v snowplow-relay >/dev/null; then
        echo "== snowplow-relay"
        run_logged "$tmp/relay.log" with_clean_env snowplow-relay --help
        grep -q -- '--redis' "$tmp/relay.log" || fail "snowplow-relay --help does not describe --redis"
        [[ -f /usr/share/man/man1/snowplow-relay.1.gz ]] || fail "snowplow-tools lacks snowplow-relay's man page"
        echo "    ok: runs, has its man page"
    fi
    stop_collector

    echo "== purge"
    cd /
    purge_all || fail "apt-get purge failed"
    snapshot "$tmp/after.list"
    if ! diff "$tmp/before.list" "$tmp/after.list" >"$tmp/left.diff"; then
        sed 's/^/    /' "$tmp/left.diff" >&2
        fail "the packages left files behind or removed others (diff of before and after above)"
    fi
    echo "    ok: every package purged, no file left behind"
    echo "debian install test passed"
}

# snowplow-track: its man page and bash completion, one event from flags, then
# a bulk file of NDJSON events.
track_checks() {
    local endpoint=127.0.0.1:$COLLECTOR_PORT
    for file in /usr/share/man/man1/snowplow-track.1.gz /usr/share/bash-completion/completions/snowplow-track; do
        [[ -f $file ]] || fail "snowplow-tools lacks $file"
    done
    run_logged "$tmp/track.log" with_clean_env snowplow-track --collector "$endpoint" --protocol http \
        --appid packages --method POST \
        --schema iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1 \
        --json '{"targetUrl":"https://example.com/packaged"}'
    expect_events "snowplow-track (one event)" 1
    for i in $(seq 1 100); do
        echo '{"e":"se","se_ca":"packages","se_ac":"bulk","se_va":"'"$i"'"}'
    done >"$tmp/events.ndjson"
    run_logged "$tmp/track-bulk.log" with_clean_env snowplow-track --collector "$endpoint" --protocol http \
        --appid packages --bulk "$tmp/events.ndjson"
    expect_events "snowplow-track (bulk, 100 events)" 100
}

case $mode in
    build) do_build ;;
    install) do_install ;;
    *) fail "unknown mode '$mode' (build or install)" ;;
esac
