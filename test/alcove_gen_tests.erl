%%% The generated Erlang call table must match calls.txt: regenerate in
%%% memory (bin/gen_erlang.escript --check) and fail on any difference.
-module(alcove_gen_tests).

-include_lib("eunit/include/eunit.hrl").

generated_files_match_calls_txt_test() ->
    Root = alcove_test_lib:project_root(),
    Script = filename:join([Root, "bin", "gen_erlang.escript"]),
    {Status, Output} = alcove_test_lib:run(["escript", Script, "--check"]),
    ?assertEqual({0, ""}, {Status, Output}).

%% The call list in alcove_proto is the one in calls.txt, in order.
proto_matches_calls_txt_test() ->
    {ok, Bin} = file:read_file(filename:join(alcove_test_lib:project_root(), "calls.txt")),
    Calls = [begin
                 [Name, Arity] = string:split(L, "/"),
                 {list_to_atom(Name), list_to_integer(Arity)}
             end || L0 <- string:split(binary_to_list(Bin), "\n", all),
                    L <- [string:trim(L0)], L =/= "", hd(L) =/= $#],
    ?assertEqual([C || {C, _} <- Calls], alcove_proto:calls()),
    ?assertEqual([A || {_, A} <- Calls], [alcove_proto:args(C) || {C, _} <- Calls]).
