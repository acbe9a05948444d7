#!/usr/bin/env bash
# `cmake --install` of the python, ruby and lua components for the prefixes
# /usr (packages) and /usr/local (the default), into a DESTDIR: every folder
# that receives a module must be one the interpreter searches by itself
# (/usr/bin/python3's sys.path, ruby's $LOAD_PATH, lua5.X's package.path and
# package.cpath, all without *PATH variables); and for another prefix the
# install must say which variable to set.
#
# Usage: check_binding_paths.sh BUILD_DIR CMAKE
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
source "$here/common.sh"
build=${1:?usage: check_binding_paths.sh BUILD_DIR CMAKE}
cmake=${2:?}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/snowplow-paths.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
clean=(env -i PATH=/usr/bin:/bin HOME="$tmp")

searched() {  # searched LANGUAGE: the folders that interpreter searches, one a line
    case $1 in
        python) "${clean[@]}" /usr/bin/python3 -c 'import sys; print("\n".join(sys.path))' ;;
        ruby) "${clean[@]}" ruby -e 'puts $LOAD_PATH' ;;
        lua5.*) "${clean[@]}" "$1" -e 'print((package.path .. ";" .. package.cpath):gsub("/%?[^;]*", ""):gsub(";", "\n"), nil)' ;;
    esac
}
# check DIR LANGUAGE...: DIR (a folder holding a module) is searched by every LANGUAGE given.
check() {
    local dir=$1 lang
    shift
    for lang in "$@"; do
        grep -qxF -- "$dir" <(searched "$lang") || fail "$dir is not searched by $lang ($(searched "$lang" | tr '\n' ' '))"
    done
}

for prefix in /usr /usr/local; do
    dest=$tmp/dest$prefix
    for component in python ruby lua; do
        run_logged "$tmp/install.log" env DESTDIR="$dest" "$cmake" --install "$build" --prefix "$prefix" --component "$component"
        if grep -q "does not search by itself" "$tmp/install.log"; then
            cat "$tmp/install.log" >&2
            fail "the install for $prefix says a binding needs a *PATH variable"
        fi
    done
    echo "== prefix $prefix"
    found=0
    while IFS= read -r file; do
        found=$((found + 1))
        path=${file#"$dest"}
        dir=$(dirname "$path")
        case $path in
            */snowplow/__init__.py) check "$(dirname "$dir")" python ;;
            */snowplow.rb | */snowplow_native.so) check "$dir" ruby ;;
            */lua/5.4/snowplow.lua | */lua/5.4/snowplow/core.so) check "${dir%/snowplow}" lua5.4 ;;
            */lua/5.1/snowplow.lua | */lua/5.1/snowplow/core.so) check "${dir%/snowplow}" lua5.1 ;;
            *) found=$((found - 1)) ;;
        esac
        echo "    ok: $path"
    done < <(find "$dest" \( -path '*/snowplow/__init__.py' -o -name snowplow.rb -o -name snowplow_native.so \
        -o -name snowplow.lua -o -name core.so \) | sort)
    ((found >= 7)) || fail "prefix $prefix: expected the modules of Python, Ruby and Lua 5.4 and 5.1, found $found"
done

echo "== another prefix"
run_logged "$tmp/other.log" "$cmake" --install "$build" --prefix "$tmp/other" --component python
grep -q "add it to PYTHONPATH" "$tmp/other.log" || { cat "$tmp/other.log" >&2; fail "no PYTHONPATH hint for $tmp/other"; }
echo "    ok: $(grep -o 'Python binding installed in .*' "$tmp/other.log")"
echo "binding paths test passed"
