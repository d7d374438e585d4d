#!/bin/sh
# alcove as a rebar3 dependency (`make test-dep`): a tiny application in a
# temporary directory uses this checkout through _checkouts/alcove (a
# symlink to the project, rebar3's standard way to depend on a local
# source tree), is compiled with rebar3 -- which runs alcove's pre_hooks in
# alcove's own directory, building and installing priv/alcove -- and then
# starts the port and calls getpid.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
name=dep_app

fail() {
    echo "$name: $*" >&2
    echo "$name: 0 passed, 1 failed"
    exit 1
}

# rebar3 (3.19) discovers an application in _checkouts/ through the
# consuming project's source directories (src/), not alcove's own erlang/.
[ -f "$root/src/alcove.app.src" ] ||
    fail "src/alcove.app.src is missing: rebar3 finds a _checkouts application only through src/*.app.src (ln -s ../erlang/alcove.app.src src/alcove.app.src)"

tmp=$(mktemp -d /tmp/alcove_dep.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/src" "$tmp/_checkouts"
ln -s "$root" "$tmp/_checkouts/alcove"

# The checkout is used instead of this source, which is never fetched.
cat > "$tmp/rebar.config" <<'CONFIG'
{deps, [{alcove, {git, "https://invalid.invalid/alcove.git", {branch, "main"}}}]}.
CONFIG

cat > "$tmp/src/alcove_user.app.src" <<'APP'
{application, alcove_user, [{vsn, "0.1.0"}, {applications, [kernel, stdlib, alcove]}]}.
APP

cat > "$tmp/src/alcove_user.erl" <<'ERL'
-module(alcove_user).
-export([run/0]).
-include_lib("alcove/include/alcove.hrl").
run() ->
    {ok, Drv} = alcove_drv:start(),
    Pid = alcove:getpid(Drv),
    {ok, #alcove_rlimit{}} = alcove:getrlimit(Drv, rlimit_nofile),
    ok = alcove_drv:stop(Drv),
    io:format("alcove_user: getpid ~b~n", [Pid]).
ERL

(cd "$tmp" && env -u ERL_LIBS rebar3 compile) > "$tmp/compile.log" 2>&1 ||
    { cat "$tmp/compile.log" >&2; fail "rebar3 compile failed"; }

[ -x "$root/priv/alcove" ] || fail "priv/alcove was not installed by the dependency build"

out=$(cd "$tmp" && env -u ERL_LIBS erl -noshell -pa _build/default/*/*/ebin \
    -eval 'alcove_user:run(), halt(0).' 2>&1) ||
    { echo "$out" >&2; fail "starting the port from the dependent application failed"; }

echo "$out" | grep -q '^alcove_user: getpid [0-9][0-9]*$' ||
    { echo "$out" >&2; fail "unexpected output"; }

echo "$out"
echo "$name: 1 passed, 0 failed"
