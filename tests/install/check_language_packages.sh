#!/usr/bin/env bash
# The language packages, built and installed offline the way each ecosystem
# does, then used against the local collector:
#   python  sdist (must carry the generated wrapper and every top-level
#           package), a wheel built from that sdist (setup.py bdist_wheel, with
#           Debian's setuptools and wheel), installed into a fresh venv with its
#           own pip (no index); the wheel carries libsnowplow.so.0 (RUNPATH $ORIGIN)
#   ruby    `gem build` from a copy of the sources (must pack the generated
#           wrapper and have a homepage), `gem install --local` into a GEM_HOME
#   lua     the release tarball, rockspec and .src.rock (packaging/make-dist.sh),
#           `luarocks build` of the rock into a local tree for Lua 5.4 and 5.1
#           (each version must get its own core.so)
# Each builds against libsnowplow installed from BUILD_DIR into a temporary
# prefix (as libsnowplow-dev would be), and runs the README's sample for its
# language. HOME is a temporary folder: pip, gem and luarocks caches stay there.
#
# Usage: check_language_packages.sh python|ruby|lua SOURCE_DIR BUILD_DIR VERSION SWIG
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=live.sh
source "$here/live.sh"  # (and common.sh)

lang=${1:?usage: see the header}
src=$(cd "${2:?}" && pwd)
build=$(cd "${3:?}" && pwd)
version=${4:?}
swig=${5:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-lang.XXXXXX")
trap 'stop_collector; rm -rf "$tmp"' EXIT
export HOME=$tmp/home
mkdir -p "$HOME"
unset PYTHONPATH RUBYLIB LUA_PATH LUA_CPATH LD_LIBRARY_PATH GEM_HOME GEM_PATH

echo "== libsnowplow into a temporary prefix"
prefix=$tmp/prefix
for component in runtime development; do
    run_logged "$tmp/install-$component.log" cmake --install "$build" --prefix "$prefix" --component "$component"
done
libdir=$(dirname "$(compgen -G "$prefix/lib*/libsnowplow.so.0" | head -1)")
[[ -f $libdir/libsnowplow.so.0 ]] || fail "no libsnowplow.so.0 under $prefix"

start_collector /usr/bin/python3 "$src/tools/collector/snowplow_collector.py"
readme_samples_against_collector "$src/README.md"

check_python() {
    local sdist wheel venv=$tmp/venv listing
    echo "== sdist"
    mkdir -p "$tmp/py-src"
    (cd "$src/bindings/python" && run_logged "$tmp/sdist.log" env SNOWPLOW_INCLUDE_DIR="$src/core/include" \
        /usr/bin/python3 setup.py -q egg_info --egg-base "$tmp/py-src" sdist -d "$tmp/py-dist")
    sdist=$tmp/py-dist/snowplow-$version.tar.gz
    [[ -f $sdist ]] || fail "no $(basename "$sdist") (distribution name snowplow)"
    listing=$(tar tzf "$sdist")
    for file in swig/snowplow_c_wrap.c setup.py pyproject.toml PKG-INFO $(cd "$src/bindings/python" && ls src/*.c src/*.h); do
        grep -qxF "snowplow-$version/$file" <<<"$listing" || fail "the sdist lacks $file"
    done
    for package in $(cd "$src/bindings/python" && for d in */__init__.py; do dirname "$d"; done | grep -vx tests); do
        grep -qxF "snowplow-$version/$package/__init__.py" <<<"$listing" || fail "the sdist lacks the package $package"
    done
    echo "    ok: $(basename "$sdist") carries the generated wrapper, src/ and every package"

    # (Debian's setuptools and wheel, as setup-deps.sh installs them; pip is not needed
    # to build, only the venv's own pip to install.)
    echo "== wheel from the sdist (setup.py bdist_wheel, offline)"
    tar xzf "$sdist" -C "$tmp"
    (cd "$tmp/snowplow-$version" && run_logged "$tmp/wheel.log" env SNOWPLOW_INCLUDE_DIR="$prefix/include" \
        SNOWPLOW_LIBRARY_DIR="$libdir" PATH=/usr/bin:/bin /usr/bin/python3 setup.py bdist_wheel -d "$tmp/wheels")
    wheel=$(compgen -G "$tmp/wheels/snowplow-$version-*.whl" | head -1) || true
    [[ -n $wheel ]] || fail "pip made no snowplow wheel"
    mkdir -p "$tmp/whl" && (cd "$tmp/whl" && /usr/bin/python3 -m zipfile -e "$wheel" .)
    [[ -f $tmp/whl/snowplow/libsnowplow.so.0 ]] || fail "the wheel does not bundle libsnowplow.so.0"
    readelf -d "$tmp"/whl/snowplow/_snowplow_c*.so | grep -q 'RUNPATH.*\[\$ORIGIN\]' ||
        fail "the wheel's extension has no RUNPATH \$ORIGIN"
    echo "    ok: $(basename "$wheel") bundles libsnowplow.so.0 with RUNPATH \$ORIGIN"

    echo "== into a venv, used against the collector"
    /usr/bin/python3 -m venv "$venv"
    run_logged "$tmp/pip.log" "$venv/bin/python" -m pip install --no-index --no-cache-dir "$wheel"
    (cd "$tmp" && run_logged "$tmp/sample-py.log" "$venv/bin/python" "$tmp/sample.py")
    expect_events "Python (venv, wheel)" 1
    "$venv/bin/python" -c 'import importlib.metadata as m, snowplow, sys
assert snowplow.__file__.startswith(sys.prefix), snowplow.__file__
print("    pip sees snowplow", m.version("snowplow"))'
    echo "python package test passed"
}

check_ruby() {
    local gem=$tmp/libsnowplow.gem gem_home=$tmp/gems listing
    echo "== gem build (in a copy of the sources)"
    mkdir -p "$tmp/rb/bindings" "$tmp/rb/core"
    cp -r "$src/bindings/ruby" "$src/bindings/snowplow.i" "$tmp/rb/bindings/"
    cp -r "$src/core/include" "$tmp/rb/core/"
    rm -f "$tmp/rb/bindings/ruby/ext/snowplow_native/"{snowplow_ruby_wrap.c,Makefile,*.o,*.so}
    (cd "$tmp/rb/bindings/ruby" && run_logged "$tmp/gem-build.log" gem build snowplow.gemspec -o "$gem")
    listing=$(tar -xOf "$gem" data.tar.gz | tar tzf -)
    for file in ext/snowplow_native/snowplow_ruby_wrap.c ext/snowplow_native/extconf.rb lib/snowplow.rb; do
        grep -qxF "$file" <<<"$listing" || fail "the gem lacks $file"
    done
    for file in $(cd "$src/bindings/ruby" && find lib -name '*.rb'); do
        grep -qxF "$file" <<<"$listing" || fail "the gem lacks $file"
    done
    tar -xOf "$gem" metadata.gz | gzip -d | grep -q '^homepage: https\?://' || fail "the gem has no homepage"
    echo "    ok: the gem packs the generated wrapper, every lib/ file and a homepage"

    echo "== gem install --local into a GEM_HOME"
    run_logged "$tmp/gem-install.log" env GEM_HOME="$gem_home" gem install --local --no-document "$gem" -- \
        --with-snowplow-dir="$prefix" --with-snowplow-lib="$libdir"
    (cd "$tmp" && run_logged "$tmp/sample-rb.log" env GEM_HOME="$gem_home" GEM_PATH="$gem_home" ruby "$tmp/sample.rb")
    expect_events "Ruby (gem)" 1
    env GEM_HOME="$gem_home" GEM_PATH="$gem_home" ruby -e 'require "snowplow"
path = $LOADED_FEATURES.grep(/snowplow_native/).first
abort "snowplow_native came from #{path}, not the gem" unless path.start_with?(ENV["GEM_HOME"])
puts "    rubygems sees libsnowplow #{Gem.loaded_specs["libsnowplow"].version}"'
    echo "ruby package test passed"
}

check_lua() {
    local rock tree=$tmp/rocks v sums=() listing
    echo "== release tarball, rockspec and .src.rock"
    run_logged "$tmp/dist.log" bash "$src/packaging/make-dist.sh" "$src" "$tmp/dist" "$version" "$swig"
    rock=$(compgen -G "$tmp/dist/snowplow-$version-*.src.rock" | head -1) || true
    [[ -n $rock ]] || fail "make-dist.sh made no .src.rock"
    grep -q "url = \"file://$tmp/dist/libsnowplow-$version.tar.gz\"" "$tmp"/dist/*.rockspec ||
        fail "the rockspec's source is not the release tarball"
    # (captured before grep: under pipefail, tar | grep -q fails when grep stops early)
    listing=$(tar tzf "$tmp/dist/libsnowplow-$version.tar.gz")
    grep -qx "libsnowplow-$version/bindings/lua/snowplow_lua_wrap.c" <<<"$listing" ||
        fail "the release tarball lacks the generated Lua wrapper"
    echo "    ok: $(basename "$rock")"
    for v in 5.4 5.1; do
        echo "== luarocks --lua-version $v build into a local tree"
        run_logged "$tmp/rock-$v.log" luarocks --lua-version "$v" --tree "$tree" build "$rock" SNOWPLOW_DIR="$prefix" \
            SNOWPLOW_LIBDIR="$libdir"
        [[ -f $tree/lib/lua/$v/snowplow/core.so ]] || fail "no core.so for Lua $v in the tree"
        ! readelf -d "$tree/lib/lua/$v/snowplow/core.so" | grep -q 'liblua' || fail "core.so for Lua $v links liblua"
        sums+=("$(md5sum <"$tree/lib/lua/$v/snowplow/core.so")")
        (cd "$tmp" && run_logged "$tmp/sample-lua$v.log" env \
            LUA_PATH="$tree/share/lua/$v/?.lua;$tree/share/lua/$v/?/init.lua;;" \
            LUA_CPATH="$tree/lib/lua/$v/?.so;;" "lua$v" "$tmp/sample.lua")
        expect_events "Lua $v (rock)" 1
    done
    [[ ${sums[0]} != "${sums[1]}" ]] || fail "Lua 5.1 got the same core.so as Lua 5.4"
    echo "lua package test passed"
}

case $lang in
    python) check_python ;;
    ruby) check_ruby ;;
    lua) check_lua ;;
    *) fail "unknown language '$lang' (python, ruby or lua)" ;;
esac
