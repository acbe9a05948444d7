#!/usr/bin/env bash
# The release tarball and what is made from it (the `dist` build target):
#   OUT/libsnowplow-VERSION.tar.gz       the source tree (git's tracked and
#                                        unignored files), plus the generated
#                                        Lua SWIG wrapper, so that the rock
#                                        builds without swig
#   OUT/snowplow-VERSION-1.rockspec      bindings/lua's rockspec, its source.url
#                                        pointing at that tarball (file://)
#   OUT/snowplow-VERSION-1.src.rock      `luarocks pack` of it: a rock that
#                                        builds anywhere, offline
# Usage: make-dist.sh SOURCE_DIR OUT_DIR VERSION SWIG
set -euo pipefail
src=$(cd "${1:?usage: make-dist.sh SOURCE_DIR OUT_DIR VERSION SWIG}" && pwd)
out=${2:?}
version=${3:?}
swig=${4:?}
name=libsnowplow-$version
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-dist.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/$name"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$src" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) | tar -xf - -C "$tmp/$name"
else
    (cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$tmp/$name"
fi
"$swig" -lua -module snowplow_core -nomoduleglobal -I"$src/bindings" -I"$src/core/include" \
    -o "$tmp/$name/bindings/lua/snowplow_lua_wrap.c" "$src/bindings/snowplow.i"
# Reproducible: fixed owner and order; times from the last commit when there is one.
mtime=$(git -C "$src" log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -C "$tmp" -cf - "$name" |
    gzip -n -9 >"$out/$name.tar.gz"
echo "wrote $out/$name.tar.gz"

rockspec_in=$(compgen -G "$src/bindings/lua/snowplow-$version-*.rockspec" | head -1)
[[ -n $rockspec_in ]] || { echo "make-dist.sh: no bindings/lua/snowplow-$version-*.rockspec" >&2; exit 1; }
rockspec=$out/$(basename "$rockspec_in")
md5=$(md5sum "$out/$name.tar.gz" | cut -d' ' -f1)
sed -e "s|^  url = .*|  url = \"file://$out/$name.tar.gz\",\n  md5 = \"$md5\",|" "$rockspec_in" >"$rockspec"
echo "wrote $rockspec"
if command -v luarocks >/dev/null; then
    (cd "$tmp" && luarocks pack "$rockspec" >/dev/null)
    mv "$tmp"/*.src.rock "$out/"
    echo "wrote $out/$(basename "${rockspec%.rockspec}").src.rock"
else
    echo "luarocks is not installed: no .src.rock"
fi
