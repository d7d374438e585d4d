#!/bin/sh
# An Erlang shell with alcove and its examples loaded (run `make eg` first):
#   1> {ok, Drv} = chrootex:start().
cd "$(dirname "$0")" || exit 1
exec erl -pa _build/default/lib/alcove/ebin _build/examples/ebin "$@"
