#!/bin/sh
# alcove from Elixir: a tiny mix project (this directory) depends on the
# alcove checkout two levels up by path, built by rebar3
# ({:alcove, path: "../..", manager: :rebar3}), and its ExUnit test starts
# the port, forks, execs cat in the child and talks to it over stdin and
# stdout.
#
# Works offline: MIX_REBAR3 points mix at the system's rebar3 (so mix does
# not download one) and a path dependency needs nothing from hex. The build
# goes to a temporary directory (MIX_BUILD_ROOT), removed at the end.
#
# Installs Elixir with apt-get when it is missing and we are root; prints
# "skipped: <reason>" and exits 0 when Elixir cannot be had. The port
# executable is built by `make build`: when priv/alcove exists, rebar3's
# compile hook is told not to run cargo (ALCOVE_SKIP_CARGO=1, unless set).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

skip() {
    echo "skipped: $*"
    exit 0
}

if ! command -v mix >/dev/null 2>&1 || ! command -v elixir >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "elixir: installing it (apt-get install elixir)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq elixir >/dev/null 2>&1 ||
            { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq elixir >/dev/null 2>&1; } ||
            skip "elixir is not installed and apt-get install elixir failed"
    else
        skip "elixir is not installed (apt-get install elixir)"
    fi
fi
command -v mix >/dev/null 2>&1 || skip "mix is not installed (apt-get install elixir)"
rebar3=$(command -v rebar3) || skip "rebar3 is not installed (apt-get install rebar3)"

if [ -x "$root/priv/alcove" ] && [ -z "${ALCOVE_SKIP_CARGO+set}" ]; then
    export ALCOVE_SKIP_CARGO=1
fi

build=$(mktemp -d /tmp/alcove_elixir.XXXXXX)
trap 'rm -rf "$build"' EXIT INT TERM

export MIX_ENV=test MIX_REBAR3="$rebar3" MIX_BUILD_ROOT="$build" HEX_OFFLINE=1

cd "$here" || exit 1
elixir --version | tail -n 1
mix deps.compile > "$build/deps.log" 2>&1 || { cat "$build/deps.log"; echo "elixir: rebar3 build of alcove failed"; exit 1; }
mix test 2>&1 | tee "$build/test.log"
status=$?
grep -q '^1 test, 0 failures' "$build/test.log" || { echo "elixir: the ExUnit test did not pass"; exit 1; }
exit $status
