#!/usr/bin/env bash
# Install the Debian packages that building and testing libsnowplow need, only
# those that are missing. Runs `apt-get update` once, and only when something
# is missing. Needs root (or sudo) only in that case.
#
# Usage: bash scripts/setup-deps.sh          (from any directory)
set -euo pipefail

# Everything the project needs from Debian, in one list.
PACKAGES=(
    build-essential      # gcc, g++, make
    cmake
    pkg-config
    libcurl4-openssl-dev # HTTP transport
    libcjson-dev         # JSON
    libsqlite3-dev       # persistent event store (SNOWPLOW_WITH_SQLITE)
    libcmocka-dev        # C unit tests
    python3              # /usr/bin/python3: local collector, Python tests
    python3-jsonschema   # collector validates events against the Iglu schemas
    python3-pytest
    valgrind
    clang
    rpm                  # rpmbuild for `cpack -G RPM`
    dpkg-dev             # dpkg-shlibdeps for `cpack -G DEB`
    file                 # used by CPack to find ELF files
    # language bindings (SWIG)
    swig
    python3-dev
    ruby
    ruby-dev
    lua5.4
    liblua5.4-dev
    lua5.1
    liblua5.1-0-dev
    lua-busted           # Lua binding tests
    # transports and the servers tests start on loopback
    libhiredis-dev       # Redis transport and snowplow-relay
    redis-server         # Redis tests start their own on a free port
    python3-redis        # official-format Redis producer in tests
    nginx-light          # nginx sink (bench) and Lua-in-nginx tests
    libnginx-mod-http-lua
    wrk                  # HTTP load generator: bench/nginx_bench.py
    openssl              # local TLS server and test certificates
    # packaging and documentation
    debhelper
    dh-python
    lintian
    rpmlint
    doxygen
    luarocks
    python3-venv
    python3-wheel
    python3-setuptools
)

installed() {
    [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "setup-deps: all ${#PACKAGES[@]} Debian packages are installed"
    exit 0
fi

echo "setup-deps: installing ${missing[*]}"
as_root=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null; then
        as_root=(sudo)
    else
        echo "setup-deps: missing packages and not root (and no sudo): run as root" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
