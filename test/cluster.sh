#!/bin/sh
# The README's "Several nodes" example, for real: a second node on this
# machine runs the owner of a driver, and the first gets the answer.
# Prints "skipped: <reason>" when distribution cannot start here.
set -u
cd "$(dirname "$0")/.." || exit 1
ebin=$PWD/_build/default/lib/alcove/ebin
[ -f "$ebin/alcove_drv.beam" ] || { echo "cluster: build first (rebar3 compile)"; exit 1; }
cookie=alcove_cluster_$$
other=alcove_other_$$
erl -sname "$other" -setcookie "$cookie" -pa "$ebin" -noshell -detached || {
    echo "skipped: cannot start a distributed node"; exit 0; }
trap 'erl -sname "stop_$$" -setcookie "$cookie" -noshell -eval "
    [_, H] = string:split(atom_to_list(node()), \"@\"),
    rpc:call(list_to_atom(\"$other@\" ++ H), init, stop, []), halt()." >/dev/null 2>&1' EXIT
timeout 60 erl -sname "main_$$" -setcookie "$cookie" -pa "$ebin" -noshell -eval "
    [_, Host] = string:split(atom_to_list(node()), \"@\"),
    Node = list_to_atom(\"$other@\" ++ Host),
    Wait = fun W(0) -> pang; W(N) -> case net_adm:ping(Node) of pong -> pong; pang -> timer:sleep(100), W(N - 1) end end,
    pong = Wait(50),
    Caller = self(),
    spawn(Node, fun() ->
                    {ok, Drv} = alcove_drv:start(),
                    {ok, Child} = alcove:fork(Drv),
                    ok = alcove:execvp(Drv, [Child], \"/bin/hostname\", [\"hostname\"]),
                    Caller ! {hostname, node(), alcove:stdout(Drv, [Child])}
                end),
    receive
        {hostname, Node, Name} when is_binary(Name) ->
            io:format(\"cluster: ~s ran hostname: ~s\", [Node, Name]),
            io:format(\"cluster: 1 passed, 0 failed~n\"), halt(0)
    after 20000 -> io:format(\"cluster: 0 passed, 1 failed~n\"), halt(1)
    end."
