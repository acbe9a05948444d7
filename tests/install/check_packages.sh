#!/usr/bin/env bash
# Build the binary packages with CPack and inspect them as a distribution would:
# names, versions, dependencies and file lists of libsnowplow0 and
# libsnowplow-dev (libsnowplow-devel for RPM). For DEB, also unpack both
# packages and build and run a consumer against what they hold.
#
# Usage: check_packages.sh deb|rpm BUILD_DIR CONSUMER_DIR CC CPACK LIBDIR VERSION [SANITIZE]
# The package release comes from the build's CPackConfig.cmake.
# Exits 77 (skipped) for rpm when rpmbuild is not installed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

kind=${1:?usage: see the header}
build=${2:?}
consumer=${3:?}
# shellcheck disable=SC2034  # CC and SANITIZE_FLAGS are read by common.sh
CC=${4:?}
cpack=${5:?}
libdir_rel=${6:?}
version=${7:?}
# shellcheck disable=SC2034
SANITIZE_FLAGS=${8:+-fsanitize=$8}
[[ -f $build/CPackConfig.cmake ]] || fail "no CPackConfig.cmake in $build"
release=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_RELEASE "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n $release ]] || fail "CPACK_DEBIAN_PACKAGE_RELEASE is not set in $build/CPackConfig.cmake"
major=${version%%.*}
full_version=$version-$release
usrlib=usr/$libdir_rel
headers=()
for header in "$here"/../../core/include/snowplow/*.h; do
    headers+=("usr/include/snowplow/$(basename "$header")")
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-packages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# has_line LISTFILE LINE: the list contains exactly this line.
has_line() { grep -qxF -- "$2" "$1"; }
expect_files() {  # expect_files LISTFILE PACKAGE FILE...
    local list=$1 package=$2 file
    shift 2
    for file in "$@"; do
        has_line "$list" "$file" || { cat "$list" >&2; fail "$package lacks $file"; }
    done
}
expect_no_match() {  # expect_no_match LISTFILE PACKAGE REGEX WHAT
    if grep -E -- "$3" "$1" >&2; then
        fail "$2 must not hold $4 (lines above)"
    fi
}

check_deb() {
    command -v dpkg-deb >/dev/null || fail "dpkg-deb is not installed"
    local arch runtime dev depends list
    arch=$(dpkg --print-architecture)
    echo "== cpack -G DEB"
    run_logged "$tmp/cpack.log" "$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out"
    find "$tmp/out" -maxdepth 1 -name "*.deb" -printf "    %f\n" | sort
    runtime=$tmp/out/libsnowplow0_${full_version}_$arch.deb
    dev=$tmp/out/libsnowplow-dev_${full_version}_$arch.deb
    [[ -f $runtime ]] || fail "no $(basename "$runtime")"
    [[ -f $dev ]] || fail "no $(basename "$dev")"

    echo "== libsnowplow0"
    [[ $(dpkg-deb -f "$runtime" Package) == libsnowplow0 ]] || fail "runtime package name"
    [[ $(dpkg-deb -f "$runtime" Version) == "$full_version" ]] || fail "runtime version"
    [[ $(dpkg-deb -f "$runtime" Section) == libs ]] || fail "runtime section"
    [[ -n $(dpkg-deb -f "$runtime" Maintainer) ]] || fail "runtime maintainer"
    depends=$(dpkg-deb -f "$runtime" Depends)
    echo "    Depends: $depends"
    for dep in libc6 libcurl4 libcjson1; do
        [[ $depends =~ (^|, )$dep( |,|$) ]] || fail "libsnowplow0 does not depend on $dep (shlibdeps): $depends"
    done
    [[ $depends != *libsnowplow* ]] || fail "libsnowplow0 depends on itself: $depends"
    # Outputs are captured before grep: `cmd | grep -q` under pipefail fails
    # whenever cmd is still writing when grep has seen enough (SIGPIPE).
    local control
    control=$(dpkg-deb -I "$runtime" shlibs)
    grep -qxF "libsnowplow $major libsnowplow0 (>= $full_version)" <<<"$control" ||
        fail "libsnowplow0 has no shlibs entry for libsnowplow.so.$major: $control"
    for script in postinst postrm; do
        control=$(dpkg-deb -I "$runtime" "$script")
        grep -q ldconfig <<<"$control" || fail "libsnowplow0's $script does not run ldconfig"
    done
    control=$(dpkg-deb -f "$runtime" Description)
    [[ ${control%%$'\n'*} == *"shared library"* ]] ||
        fail "libsnowplow0's summary line does not say it is the shared library: $control"
    list=$tmp/runtime.list
    dpkg-deb -c "$runtime" | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); sub(/^\.\//, ""); print }' >"$list"
    expect_files "$list" libsnowplow0 "$usrlib/libsnowplow.so.$version" \
        "$usrlib/libsnowplow.so.$major -> libsnowplow.so.$version" \
        "usr/share/doc/libsnowplow0/copyright"
    expect_no_match "$list" libsnowplow0 '^[^ ]*(\.h|\.pc|\.cmake|/libsnowplow\.so)( |$)' \
        "headers, the .so link, .pc or CMake files"
    echo "    ok: name, version, summary, shlibdeps, shlibs, ldconfig, files"

    echo "== libsnowplow-dev"
    [[ $(dpkg-deb -f "$dev" Package) == libsnowplow-dev ]] || fail "dev package name"
    [[ $(dpkg-deb -f "$dev" Version) == "$full_version" ]] || fail "dev version"
    depends=$(dpkg-deb -f "$dev" Depends)
    echo "    Depends: $depends"
    [[ $depends == *"libsnowplow0 (= $full_version)"* ]] || fail "libsnowplow-dev does not depend on libsnowplow0 (= $full_version)"
    [[ $depends == *libcjson-dev* && $depends == *libcurl* ]] || fail "libsnowplow-dev lacks the -dev packages snowplow.pc requires"
    list=$tmp/dev.list
    dpkg-deb -c "$dev" | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); sub(/^\.\//, ""); print }' >"$list"
    expect_files "$list" libsnowplow-dev usr/include/snowplow.h "${headers[@]}" \
        "$usrlib/libsnowplow.so -> libsnowplow.so.$major" \
        "$usrlib/pkgconfig/snowplow.pc" \
        "$usrlib/cmake/snowplow/snowplowConfig.cmake" \
        "$usrlib/cmake/snowplow/snowplowConfigVersion.cmake" \
        "$usrlib/cmake/snowplow/snowplowTargets.cmake" \
        "usr/share/doc/libsnowplow-dev/copyright"
    expect_no_match "$list" libsnowplow-dev '^[^ ]*libsnowplow\.so\.' "the shared library itself"
    echo "    ok: name, version, exact runtime dependency, files"

    echo "== unpack both and build against them"
    dpkg-deb -x "$runtime" "$tmp/root"
    dpkg-deb -x "$dev" "$tmp/root"
    PKGCONFIG_SYSROOT=$tmp/root build_with_pkgconfig "$tmp/root/$usrlib/pkgconfig" "$consumer/consumer.c" "$tmp/consumer-deb"
    run_consumer "$tmp/consumer-deb" "$tmp/root/$usrlib"
    echo "deb package test passed"
}

check_rpm() {
    if ! command -v rpmbuild >/dev/null; then
        echo "rpmbuild is not installed (apt-get install rpm): skipping"
        exit 77
    fi
    local arch runtime devel requires list
    arch=$(uname -m)
    echo "== cpack -G RPM"
    run_logged "$tmp/cpack.log" "$cpack" -G RPM --config "$build/CPackConfig.cmake" -B "$tmp/out"
    find "$tmp/out" -maxdepth 1 -name "*.rpm" -printf "    %f\n" | sort
    runtime=$tmp/out/libsnowplow0-$full_version.$arch.rpm
    devel=$tmp/out/libsnowplow-devel-$full_version.$arch.rpm
    [[ -f $runtime ]] || fail "no $(basename "$runtime")"
    [[ -f $devel ]] || fail "no $(basename "$devel")"
    rpmq() { rpm -qp "$@" 2>/dev/null; }

    echo "== libsnowplow0"
    [[ $(rpmq --qf '%{NAME} %{VERSION}-%{RELEASE} %{LICENSE}' "$runtime") == "libsnowplow0 $full_version Apache-2.0" ]] ||
        fail "runtime name/version/license: $(rpmq --qf '%{NAME} %{VERSION}-%{RELEASE} %{LICENSE}' "$runtime")"
    requires=$(rpmq -R "$runtime" | tr '\n' ' ')
    echo "    Requires: $requires"
    for dep in libcurl.so.4 libcjson.so.1; do
        [[ $requires == *"$dep"* ]] || fail "libsnowplow0 does not require $dep: $requires"
    done
    list=$tmp/runtime.list
    rpmq -l "$runtime" >"$list"
    expect_files "$list" libsnowplow0 "/$usrlib/libsnowplow.so.$version" "/$usrlib/libsnowplow.so.$major"
    expect_no_match "$list" libsnowplow0 '(\.h|\.pc|\.cmake|/libsnowplow\.so)$' \
        "headers, the .so link, .pc or CMake files"
    local scripts
    scripts=$(rpmq --scripts "$runtime")
    grep -q ldconfig <<<"$scripts" || fail "libsnowplow0 does not run ldconfig"
    echo "    ok: name, version, license, requires, files, ldconfig"

    echo "== libsnowplow-devel"
    [[ $(rpmq --qf '%{NAME} %{VERSION}-%{RELEASE}' "$devel") == "libsnowplow-devel $full_version" ]] ||
        fail "devel name/version"
    requires=$(rpmq -R "$devel" | tr '\n' ' ')
    echo "    Requires: $requires"
    [[ $requires == *"libsnowplow0 = $full_version"* ]] || fail "libsnowplow-devel does not require libsnowplow0 = $full_version"
    list=$tmp/devel.list
    rpmq -l "$devel" >"$list"
    expect_files "$list" libsnowplow-devel /usr/include/snowplow.h "${headers[@]/#//}" \
        "/$usrlib/libsnowplow.so" "/$usrlib/pkgconfig/snowplow.pc" \
        "/$usrlib/cmake/snowplow/snowplowConfig.cmake" \
        "/$usrlib/cmake/snowplow/snowplowConfigVersion.cmake" \
        "/$usrlib/cmake/snowplow/snowplowTargets.cmake"
    expect_no_match "$list" libsnowplow-devel 'libsnowplow\.so\.' "the shared library itself"
    echo "    ok: name, version, exact runtime requirement, files"
    echo "rpm package test passed"
}

case $kind in
    deb) check_deb ;;
    rpm) check_rpm ;;
    *) fail "unknown package kind '$kind' (deb or rpm)" ;;
esac
