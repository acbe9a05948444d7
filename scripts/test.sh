#!/usr/bin/env bash
# Run every test of libsnowplow: three builds, each followed by its CTest suite.
#   build/       RelWithDebInfo, every test (unit, integration, abi, install, package)
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (no install/package tests)
#   build-tsan/  ThreadSanitizer (no install/package tests)
# Exits non-zero if any configure, build or test failed.
#
# Usage: bash scripts/test.sh        (from any directory; installs missing Debian packages)
# SNOWPLOW_TEST_QUICK=1 skips the two sanitizer builds for local iteration; it is
# ignored in CI (CI=true). SNOWPLOW_BUILD_DIR=NAME builds in NAME, NAME-asan and
# NAME-tsan instead of build, build-asan and build-tsan.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup-deps.sh

python=/usr/bin/python3
build_name=${SNOWPLOW_BUILD_DIR:-build}
jobs=2
ctest_timeout=1800   # per test, for tests that set none themselves
quick=${SNOWPLOW_TEST_QUICK:-0}
if [[ ${CI:-} == true && $quick != 0 ]]; then
    echo "test.sh: SNOWPLOW_TEST_QUICK is ignored in CI: running every build"
    quick=0
fi

summary=()
total_passed=0
total_failed=0
status=0

# run_build NAME CTEST_EXTRA_ARGS CMAKE_ARGS...: configure, build and test one tree.
run_build() {
    local name=$1 ctest_extra=$2
    shift 2
    local dir=$root/$name log=$root/$name/ctest.log line passed failed
    echo
    echo "==================== $name ===================="
    if ! cmake -S "$root" -B "$dir" -DSNOWPLOW_PYTHON="$python" -DSNOWPLOW_BUILD_TESTS=ON \
        -DSNOWPLOW_BUILD_TOOLS=ON "$@"; then
        summary+=("$name: configure FAILED")
        status=1
        return
    fi
    if ! cmake --build "$dir" -j"$jobs"; then
        summary+=("$name: build FAILED")
        status=1
        return
    fi
    local rc=0
    # shellcheck disable=SC2086  # ctest_extra is a word list
    (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout "$ctest_timeout" $ctest_extra) 2>&1 |
        tee "$log" || rc=$?
    # "100% tests passed, 0 tests failed out of 42"
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1 || true)
    if [[ $line =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
        failed=${BASH_REMATCH[1]}
        passed=$((BASH_REMATCH[2] - failed))
    else
        passed=0
        failed=1
        line="ctest ran no test"
    fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    if ((rc != 0 || failed != 0)) || [[ $line == "ctest ran no test" ]]; then
        summary+=("$name: FAILED ($line)")
        status=1
    else
        summary+=("$name: ok ($passed tests)")
    fi
}

# The install and package tests install the whole tree; once is enough.
sanitizer_ctest_args="--label-exclude ^(install|package)$"

run_build "$build_name" "" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSNOWPLOW_SANITIZE=

if [[ $quick != 0 ]]; then
    summary+=("$build_name-asan: skipped (SNOWPLOW_TEST_QUICK=1)"
        "$build_name-tsan: skipped (SNOWPLOW_TEST_QUICK=1)")
else
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    if [[ -f $root/tests/lsan.supp && -z ${LSAN_OPTIONS:-} ]]; then
        export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp
    fi
    run_build "$build_name-asan" "$sanitizer_ctest_args" \
        -DCMAKE_BUILD_TYPE=Debug -DSNOWPLOW_SANITIZE=address,undefined
    unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

    tsan_options="halt_on_error=1 second_deadlock_stack=1"
    if [[ -f $root/tests/tsan.supp ]]; then
        tsan_options+=" suppressions=$root/tests/tsan.supp"
    fi
    export TSAN_OPTIONS=${TSAN_OPTIONS:-$tsan_options}
    run_build "$build_name-tsan" "$sanitizer_ctest_args" \
        -DCMAKE_BUILD_TYPE=Debug -DSNOWPLOW_SANITIZE=thread
    unset TSAN_OPTIONS
fi

echo
echo "==================== summary ===================="
for line in "${summary[@]}"; do
    echo "$line"
done
echo "summary: $total_passed passed, $total_failed failed"
exit $status
