#!/usr/bin/env bash
# The RPMs of packaging/rpm/libsnowplow.spec: the release tarball is made
# (packaging/make-dist.sh), `rpmbuild -bb` builds every package from it in a
# temporary top folder (--nodeps: this is Debian, whose rpm database is empty),
# then each package is inspected with rpm -qpl / -qpR / --provides (paths from
# the RPM macros, %{?_isa} requirements, the soname provide, no shared folder
# owned, a -debuginfo) and rpmlint must report no error but the signature and
# packager ones.
#
# Usage: check_rpm.sh SOURCE_DIR VERSION SWIG
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"

src=$(cd "${1:?usage: check_rpm.sh SOURCE_DIR VERSION SWIG}" && pwd)
version=${2:?}
swig=${3:?}
for tool in rpmbuild rpmlint; do
    command -v $tool >/dev/null || { echo "$tool is not installed: skipping"; exit 77; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
release=1
full=$version-$release
arch=$(rpm --eval '%{_arch}')
libdir=$(rpm --eval '%{_libdir}')
pyver=$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

echo "== release tarball and rpmbuild -bb"
run_logged "$tmp/dist.log" bash "$src/packaging/make-dist.sh" "$src" "$tmp/dist" "$version" "$swig"
start=$(date +%s)
run_logged "$tmp/rpmbuild.log" env HOME="$tmp" rpmbuild -bb --nodeps --define "_topdir $tmp/top" \
    --define "_sourcedir $tmp/dist" "$src/packaging/rpm/libsnowplow.spec"
echo "    built in $(($(date +%s) - start)) s:"
find "$tmp/top/RPMS" -name "*.rpm" -printf "    %f\n" | sort
rpmfile() {  # rpmfile NAME: the path of package NAME
    local f
    f=$(compgen -G "$tmp/top/RPMS/*/$1-$full.*.rpm" | head -1) || true
    [[ -n $f ]] || fail "no $1 package was built"
    echo "$f"
}
rpmq() { rpm -qp "$@" 2>/dev/null; }
lib=$(rpmfile libsnowplow0)
devel=$(rpmfile libsnowplow-devel)
rpmfile libsnowplow-debuginfo >/dev/null

# expect PACKAGE_FILE WHAT LISTING LINE...: each LINE is in the listing.
expect_lines() {
    local file=$1 what=$2 listing=$3 line
    shift 3
    for line in "$@"; do
        grep -qxF -- "$line" <<<"$listing" || { echo "$listing" >&2; fail "$(basename "$file") $what lacks '$line'"; }
    done
}

echo "== libsnowplow0"
expect_lines "$lib" "files" "$(rpmq -l "$lib")" "$libdir/libsnowplow.so.0" "$libdir/libsnowplow.so.$version"
expect_lines "$lib" "provides" "$(rpmq --provides "$lib")" "libsnowplow.so.0()(64bit)" "libsnowplow.so.0(SNOWPLOW_0)(64bit)"
requires=$(rpmq -R "$lib")
for dep in "libcurl.so.4()(64bit)" "libcjson.so.1()(64bit)"; do
    expect_lines "$lib" "requires" "$requires" "$dep"
done
grep -q ldconfig <<<"$(rpmq --scripts "$lib")" || fail "libsnowplow0 does not run ldconfig"
echo "    ok: $libdir, the soname provide, automatic requires, ldconfig"

echo "== the other packages"
isa_req="libsnowplow0($arch) = $full"
[[ $arch == x86_64 ]] && isa_req="libsnowplow0(x86-64) = $full"
expect_lines "$devel" "files" "$(rpmq -l "$devel")" /usr/include/snowplow.h "$libdir/libsnowplow.so" \
    "$libdir/pkgconfig/snowplow.pc" "$libdir/cmake/snowplow/snowplowConfig.cmake"
expect_lines "$devel" "requires" "$(rpmq -R "$devel")" "$isa_req" "pkgconfig(libcurl)" "pkgconfig(libcjson)"
expect_lines "$devel" "provides" "$(rpmq --provides "$devel")" "pkgconfig(snowplow) = $version"
grep -q "^prefix=/usr$" <(rpm2cpio "$devel" | (cd "$tmp" && cpio -i --quiet --to-stdout ".$libdir/pkgconfig/snowplow.pc")) ||
    fail "snowplow.pc in libsnowplow-devel does not name the prefix /usr"
python=$(rpmfile python3-snowplow)
expect_lines "$python" "files" "$(rpmq -l "$python")" "$libdir/python$pyver/site-packages/snowplow/__init__.py" \
    "$libdir/python$pyver/site-packages/snowplow-$version.dist-info/METADATA"
expect_lines "$python" "requires" "$(rpmq -R "$python")" "$isa_req" "python(abi) = $pyver"
expect_lines "$python" "provides" "$(rpmq --provides "$python")" "python3dist(snowplow) = ${version%.0}"
ruby=$(rpmfile ruby-snowplow)
expect_lines "$ruby" "files" "$(rpmq -l "$ruby")" /usr/share/ruby/vendor_ruby/snowplow.rb \
    "$libdir/ruby/vendor_ruby/snowplow_native.so"
expect_lines "$ruby" "requires" "$(rpmq -R "$ruby")" "$isa_req" "ruby(release)"
lua=$(rpmfile lua-snowplow)
expect_lines "$lua" "files" "$(rpmq -l "$lua")" "$libdir/lua/5.4/snowplow/core.so" /usr/share/lua/5.4/snowplow.lua
expect_lines "$lua" "requires" "$(rpmq -R "$lua")" "$isa_req" "lua(abi) = 5.4"
tools=$(rpmfile snowplow-tools)
expect_lines "$tools" "files" "$(rpmq -l "$tools")" /usr/bin/snowplow-collector /usr/share/snowplow/collector/snowplow_collector.py
expect_lines "$tools" "requires" "$(rpmq -R "$tools")" "$isa_req" python3-jsonschema
doc=$(rpmfile libsnowplow-doc)
[[ $(rpmq --qf '%{ARCH}' "$doc") == noarch ]] || fail "libsnowplow-doc is not noarch"
echo "    ok: paths from the RPM macros, %{?_isa} requirements, interpreter ABIs, pkgconfig provide"

echo "== no shared folder owned (but -debuginfo, which rpm lays out)"
shared=(/usr /usr/bin /usr/include /usr/share /usr/share/doc /usr/share/licenses /usr/share/man /usr/share/man/man1
    "$libdir" "$libdir/pkgconfig" "$libdir/cmake" "$libdir/python$pyver" "$libdir/python$pyver/site-packages"
    /usr/share/ruby /usr/share/ruby/vendor_ruby "$libdir/ruby" "$libdir/ruby/vendor_ruby"
    "$libdir/lua" "$libdir/lua/5.4" /usr/share/lua /usr/share/lua/5.4 /usr/lib/debug /usr/src/debug)
for package in "$tmp"/top/RPMS/*/*.rpm; do
    # (-debuginfo's folders are listed by rpm's find-debuginfo, not by the spec)
    [[ $package == *-debuginfo-* ]] && continue
    owned=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$package" 2>/dev/null | awk '$1 ~ /^d/ { print $2 }')
    for dir in "${shared[@]}"; do
        ! grep -qxF -- "$dir" <<<"$owned" || fail "$(basename "$package") owns the shared folder $dir"
    done
done
echo "    ok"

echo "== rpmlint"
rpmlint -r "$src/packaging/rpm/libsnowplow.rpmlintrc" "$tmp"/top/RPMS/*/*.rpm >"$tmp/rpmlint.txt" 2>&1 || true
grep -E ': (E|W): ' "$tmp/rpmlint.txt" | sed 's/^/    /'
allowed='no-signature|no-packager-tag'
# snowplow-tools without snowplow-track and snowplow-relay holds no ELF file.
if ! rpmq -l "$tools" | grep -E '^/usr/bin/snowplow-(track|relay)$' >/dev/null; then
    allowed+='|no-binary'
    echo "    (snowplow-tools has only snowplow-collector here: its no-binary is expected)"
fi
if grep -E ': E: ' "$tmp/rpmlint.txt" | grep -vE ": E: ($allowed)\$" >&2; then
    fail "rpmlint reports errors (above) besides the signature and packager ones"
fi
echo "    ok: no error but no-signature and no-packager-tag"
echo "rpm package test passed"
