# shellcheck shell=bash
# Helpers shared by check_install.sh and check_packages.sh (sourced, not run).

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run_logged LOG COMMAND...: run quietly, show the log when the command fails.
run_logged() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        fail "command failed: $*"
    fi
}

# run_consumer EXE LIBDIR: run a consumer against the libsnowplow in LIBDIR and
# check both that it passed and that it loaded that very library.
run_consumer() {
    local exe=$1 libdir=$2 out loaded
    loaded=$(LD_LIBRARY_PATH=$libdir ldd "$exe" | awk '/libsnowplow\.so/ {print $3}')
    [[ $(realpath "$loaded") == $(realpath "$libdir")/* ]] ||
        fail "$exe loads libsnowplow from '$loaded', not from $libdir"
    out=$(LD_LIBRARY_PATH=$libdir "$exe") || { echo "$out" >&2; fail "$exe exited non-zero"; }
    echo "$out" | sed 's/^/    /'
    grep -qx 'consumer ok' <<<"$out" || fail "$exe did not print 'consumer ok'"
}

# build_with_pkgconfig PCDIR SOURCE EXE: compile a consumer with the flags that
# pkg-config gives for the snowplow.pc found in PCDIR.
build_with_pkgconfig() {
    local pcdir=$1 source=$2 exe=$3 cflags libs
    [[ -f $pcdir/snowplow.pc ]] || fail "no snowplow.pc in $pcdir"
    # PKGCONFIG_SYSROOT: the root a package was unpacked into (its snowplow.pc
    # names /usr, as installed packages do).
    cflags=$(env PKG_CONFIG_PATH="$pcdir" ${PKGCONFIG_SYSROOT:+PKG_CONFIG_SYSROOT_DIR="$PKGCONFIG_SYSROOT"} \
        pkg-config --cflags snowplow) || fail "pkg-config --cflags snowplow"
    libs=$(env PKG_CONFIG_PATH="$pcdir" ${PKGCONFIG_SYSROOT:+PKG_CONFIG_SYSROOT_DIR="$PKGCONFIG_SYSROOT"} \
        pkg-config --libs snowplow) || fail "pkg-config --libs snowplow"
    echo "  pkg-config: $cflags $libs"
    # shellcheck disable=SC2086  # the flags are word lists
    "$CC" -std=c99 -Wall -Wextra -Werror $SANITIZE_FLAGS $cflags "$source" -o "$exe" $libs ||
        fail "compiling $source with pkg-config flags"
}
