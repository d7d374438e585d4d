%%% alcove_cgroup on the hierarchies this machine mounts (cgroup v1
%%% controllers, the unified v2 hierarchy), and on fake cgroup2 trees in a
%%% temporary directory for what the machine cannot offer (v2 controllers
%%% bound to v1 hierarchies here): the v1 to v2 key translations,
%%% enabling controllers in cgroup.subtree_control, and the automatic
%%% choice between v1 and v2.
-module(alcove_cgroup_tests).

-include_lib("eunit/include/eunit.hrl").

-import(alcove_test_lib, [with_drv/1]).

-compile([export_all, nowarn_export_all]).

alcove_cgroup_test_() ->
    alcove_test_lib:tests(?MODULE, 60).

name() ->
    iolist_to_binary(["alcove_test_", os:getpid(), "_",
                      integer_to_list(erlang:unique_integer([positive]))]).

controllers(Mounts, Type) ->
    lists:append([Cs || {_, T, Cs} <- Mounts, T =:= Type]).

lines(Bin) ->
    binary:split(Bin, <<"\n">>, [global, trim_all]).

%%--------------------------------------------------------------------
%% cgroup v1, for real
%%--------------------------------------------------------------------

t_v1() ->
    with_drv(fun(Drv) ->
                     V1 = controllers(alcove_cgroup:mounts(Drv), cgroup),
                     case [C || C <- [<<"cpuset">>, <<"memory">>], not lists:member(C, V1)] of
                         [] -> v1(Drv, V1);
                         Missing ->
                             alcove_test_lib:skip("t_v1", ["no cgroup v1 hierarchy for ",
                                                           lists:join(", ", Missing)])
                     end
             end).

v1(Drv, Controllers) ->
    Name = name(),
    ?assert(alcove_cgroup:supported(Drv)),
    ?assert(alcove_cgroup:supported(Drv, [])),
    ?assertEqual(ok, alcove_cgroup:create(Drv, Name)),
    %% again: existing directories are fine
    ?assertEqual(ok, alcove_cgroup:create(Drv, [], Name)),
    {ok, C} = alcove:fork(Drv),
    try
        ?assertEqual({ok, 1}, alcove_cgroup:set(Drv, [], <<"cpuset">>, Name, <<"cpuset.cpus">>, <<"0">>)),
        ?assertEqual({ok, 1}, alcove_cgroup:set(Drv, [], <<"cpuset">>, Name, <<"cpuset.mems">>, "0")),
        ?assertEqual({ok, <<"0\n">>}, alcove_cgroup:get(Drv, [], <<"cpuset">>, Name, <<"cpuset.cpus">>)),
        ?assertEqual({ok, 3}, alcove_cgroup:set(Drv, [], <<"memory">>, Name,
                                                <<"memory.limit_in_bytes">>, <<"16m">>)),
        ?assertEqual({ok, <<"16777216\n">>},
                     alcove_cgroup:get(Drv, [], "memory", Name, "memory.limit_in_bytes")),
        case lists:member(<<"pids">>, Controllers) of
            true ->
                ?assertEqual({ok, 2}, alcove_cgroup:set(Drv, [], <<"pids">>, Name, <<"pids.max">>, "10")),
                ?assertEqual({ok, <<"10\n">>}, alcove_cgroup:get(Drv, [], <<"pids">>, Name, <<"pids.max">>));
            false ->
                alcove_test_lib:skip("t_v1 pids", "no cgroup v1 pids hierarchy")
        end,
        %% a process into the cgroup of every hierarchy
        ?assertMatch({ok, _}, alcove_cgroup:set(Drv, [], <<>>, Name, <<"tasks">>, integer_to_list(C))),
        [?assertEqual({ok, [integer_to_binary(C)]},
                      case alcove_cgroup:get(Drv, [], Ctl, Name, <<"tasks">>) of
                          {ok, T} -> {ok, lines(T)};
                          E -> E
                      end) || Ctl <- [<<"cpuset">>, <<"memory">>]],
        ?assertNotEqual(nomatch, binary:match(file_text("/proc/" ++ integer_to_list(C) ++ "/cgroup"),
                                              <<":cpuset:/", Name/binary, "\n">>)),
        %% failures
        ?assertEqual({error, {no_controller, <<"nonesuch">>}},
                     alcove_cgroup:set(Drv, [], <<"nonesuch">>, Name, <<"x">>, <<"1">>)),
        ?assertEqual({error, {no_controller, <<"nonesuch">>}},
                     alcove_cgroup:get(Drv, [], <<"nonesuch">>, Name, <<"x">>)),
        ?assertEqual({error, enoent}, alcove_cgroup:get(Drv, [], <<>>, Name, <<"no_such_file">>)),
        ?assertEqual({error, enoent}, alcove_cgroup:set(Drv, [], <<"memory">>, Name, <<"no_such_file">>, "1")),
        ?assertEqual({error, einval}, alcove_cgroup:set(Drv, [], <<"memory">>, Name,
                                                        <<"memory.limit_in_bytes">>, <<"lots">>)),
        ?assertError(badarg, alcove_cgroup:create(Drv, [], <<"../escape">>)),
        %% a cgroup holding a process cannot be removed
        ?assertEqual({error, ebusy}, alcove_cgroup:destroy(Drv, [], Name))
    after
        ok = alcove:kill(Drv, C, 9),
        wait_empty(Drv, 50)
    end,
    %% run by a child of the port: destroy/3
    {ok, C2} = alcove:fork(Drv),
    ?assertEqual(ok, alcove_cgroup:destroy(Drv, [C2], Name)),
    ?assertEqual({error, enoent}, alcove_cgroup:get(Drv, [C2], <<"cpuset">>, Name, <<"cpuset.cpus">>)),
    ?assertEqual(ok, alcove_cgroup:destroy(Drv, Name)),
    ?assertEqual(ok, alcove_cgroup:create(Drv, [C2], Name)),
    ?assertEqual(ok, alcove_cgroup:destroy(Drv, Name)),
    [?assertNot(filelib:is_dir(filename:join(Root, Name))) || {Root, _, _} <- alcove_cgroup:mounts(Drv)].

wait_empty(Drv, 0) ->
    erlang:error({children_left, alcove:pid(Drv)});
wait_empty(Drv, N) ->
    case alcove:pid(Drv) of
        [] -> ok;
        _ -> timer:sleep(100), wait_empty(Drv, N - 1)
    end.

file_text(Path) ->
    {ok, Bin} = file:read_file(Path),
    Bin.

%%--------------------------------------------------------------------
%% The unified (v2) hierarchy this machine mounts
%%--------------------------------------------------------------------

t_v2_unified() ->
    with_drv(fun(Drv) ->
                     case [M || {_, cgroup2, _} = M <- alcove_cgroup:mounts(Drv)] of
                         [] -> alcove_test_lib:skip("t_v2_unified", "no cgroup2 hierarchy mounted");
                         [V2 | _] -> v2_unified(Drv, V2)
                     end
             end).

v2_unified(Drv, {Root, cgroup2, Controllers} = V2) ->
    Name = name(),
    Opts = [{mounts, [V2]}],
    ?assertEqual(ok, alcove_cgroup:create(Drv, [], Name, Opts)),
    ?assert(filelib:is_dir(filename:join(Root, Name))),
    {ok, C} = alcove:fork(Drv),
    try
        %% tasks is cgroup.procs on v2
        ?assertMatch({ok, _}, alcove_cgroup:set(Drv, [], <<>>, Name, <<"tasks">>,
                                                integer_to_list(C), Opts)),
        ?assertEqual([integer_to_binary(C)],
                     lines(file_text(filename:join([Root, Name, "cgroup.procs"])))),
        ?assertEqual({ok, integer_to_binary(C)},
                     case alcove_cgroup:get(Drv, [], <<>>, Name, <<"cgroup.procs">>, Opts) of
                         {ok, P} -> {ok, hd(lines(P))};
                         E -> E
                     end),
        ?assertEqual({ok, [integer_to_binary(C)]},
                     case alcove_cgroup:get(Drv, [], <<>>, Name, <<"tasks">>, Opts) of
                         {ok, P2} -> {ok, lines(P2)};
                         E2 -> E2
                     end),
        ?assertEqual({error, ebusy}, alcove_cgroup:destroy(Drv, [], Name, Opts)),
        %% the controllers v2 offers here, for real
        [case lists:member(Ctl, Controllers) of
             true -> v2_controller(Drv, Name, Opts, Ctl, File, Value);
             false ->
                 alcove_test_lib:skip("t_v2_unified " ++ binary_to_list(Ctl),
                                      ["the unified hierarchy at ", Root, " has no ", Ctl,
                                       " controller (controllers: ", lists:join(" ", Controllers),
                                       "); tested on a fake cgroup2 tree (t_v2_fake)"]),
                 ?assertEqual({error, {no_controller, Ctl}},
                              alcove_cgroup:set(Drv, [], Ctl, Name, File, Value, Opts))
         end || {Ctl, File, Value} <- [{<<"cpuset">>, <<"cpuset.cpus">>, <<"0">>},
                                       {<<"memory">>, <<"memory.limit_in_bytes">>, <<"16777216">>},
                                       {<<"pids">>, <<"pids.max">>, <<"10">>}]]
    after
        ok = alcove:kill(Drv, C, 9),
        wait_empty(Drv, 50)
    end,
    ?assertEqual(ok, alcove_cgroup:destroy(Drv, [], Name, Opts)),
    ?assertNot(filelib:is_dir(filename:join(Root, Name))).

v2_controller(Drv, Name, Opts, Ctl, File, Value) ->
    ?assertMatch({ok, _}, alcove_cgroup:set(Drv, [], Ctl, Name, File, Value, Opts)),
    {ok, Read} = alcove_cgroup:get(Drv, [], Ctl, Name, File, Opts),
    ?assertEqual(Value, string:trim(Read)).

%%--------------------------------------------------------------------
%% Fake cgroup trees: v2 translations, controller enabling, v1/v2 choice
%%--------------------------------------------------------------------

%% A directory standing for a cgroup hierarchy: Files in the root and
%% in each of Cgroups, empty.
fake_tree(Dir, Cgroups, RootFiles, Files) ->
    ok = filelib:ensure_dir(filename:join(Dir, "x")),
    [ok = file:write_file(filename:join(Dir, F), <<>>) || F <- RootFiles],
    [begin
         ok = filelib:ensure_dir(filename:join([Dir, Cg, "x"])),
         [ok = file:write_file(filename:join([Dir, Cg, F]), <<>>) || F <- Files]
     end || Cg <- Cgroups],
    ok.

t_v2_fake() ->
    Tmp = alcove_test_lib:tmpdir("alcove_cgroup2"),
    try
        with_drv(fun(Drv) -> v2_fake(Drv, Tmp) end)
    after
        file:del_dir_r(Tmp)
    end.

v2_fake(Drv, Tmp) ->
    Root = list_to_binary(filename:join(Tmp, "unified")),
    V2 = {Root, cgroup2, [<<"cpuset">>, <<"cpu">>, <<"memory">>, <<"pids">>]},
    Opts = [{mounts, [V2]}],
    Files = ["cgroup.procs", "cgroup.subtree_control", "cpuset.cpus", "cpu.weight",
             "memory.max", "memory.low", "memory.current", "pids.max"],
    ok = fake_tree(Root, [], ["cgroup.subtree_control"], []),
    %% create: directories only, parents included
    ?assertEqual(ok, alcove_cgroup:create(Drv, [], <<"box/inner">>, Opts)),
    ?assert(filelib:is_dir(filename:join([Root, "box", "inner"]))),
    %% the kernel would make the interface files
    ok = fake_tree(Root, ["box", "box/inner"], [], Files),
    Read = fun(Path) -> file_text(filename:join([Root | Path])) end,
    %% memory.limit_in_bytes is memory.max, after enabling memory
    ?assertEqual({ok, 3}, alcove_cgroup:set(Drv, [], <<"memory">>, <<"box/inner">>,
                                            <<"memory.limit_in_bytes">>, <<"16m">>, Opts)),
    ?assertEqual(<<"16m">>, Read(["box", "inner", "memory.max"])),
    ?assertEqual(<<"+memory">>, Read(["cgroup.subtree_control"])),
    ?assertEqual(<<"+memory">>, Read(["box", "cgroup.subtree_control"])),
    ?assertEqual(<<>>, Read(["box", "inner", "cgroup.subtree_control"])),
    ?assertEqual({ok, <<"16m">>}, alcove_cgroup:get(Drv, [], <<"memory">>, <<"box/inner">>,
                                                    <<"memory.limit_in_bytes">>, Opts)),
    %% -1 (unlimited) is max
    ?assertEqual({ok, 3}, alcove_cgroup:set(Drv, [], <<"memory">>, <<"box/inner">>,
                                            <<"memory.limit_in_bytes">>, <<"-1">>, Opts)),
    ?assertEqual(<<"max">>, Read(["box", "inner", "memory.max"])),
    ?assertEqual({ok, 2}, alcove_cgroup:set(Drv, [], <<"memory">>, <<"box/inner">>,
                                            <<"memory.soft_limit_in_bytes">>, <<"8m">>, Opts)),
    ?assertEqual(<<"8m">>, Read(["box", "inner", "memory.low"])),
    ok = file:write_file(filename:join([Root, "box", "inner", "memory.current"]), <<"4096\n">>),
    ?assertEqual({ok, <<"4096\n">>}, alcove_cgroup:get(Drv, [], <<"memory">>, <<"box/inner">>,
                                                       <<"memory.usage_in_bytes">>, Opts)),
    %% names v2 shares with v1
    ?assertEqual({ok, 1}, alcove_cgroup:set(Drv, [], <<"cpuset">>, <<"box/inner">>,
                                            <<"cpuset.cpus">>, <<"0">>, Opts)),
    ?assertEqual(<<"0">>, Read(["box", "inner", "cpuset.cpus"])),
    ?assertEqual({ok, 2}, alcove_cgroup:set(Drv, [], <<"pids">>, <<"box/inner">>,
                                            <<"pids.max">>, <<"10">>, Opts)),
    ?assertEqual(<<"10">>, Read(["box", "inner", "pids.max"])),
    %% cpu.shares is cpu.weight, converted
    ?assertEqual({ok, 2}, alcove_cgroup:set(Drv, [], <<"cpu">>, <<"box/inner">>,
                                            <<"cpu.shares">>, <<"1024">>, Opts)),
    ?assertEqual(<<"39">>, Read(["box", "inner", "cpu.weight"])),
    %% tasks is cgroup.procs
    ?assertEqual({ok, 4}, alcove_cgroup:set(Drv, [], <<>>, <<"box/inner">>, <<"tasks">>, "4321", Opts)),
    ?assertEqual(<<"4321">>, Read(["box", "inner", "cgroup.procs"])),
    ?assertEqual({ok, <<"4321">>}, alcove_cgroup:get(Drv, [], <<>>, <<"box/inner">>, <<"tasks">>, Opts)),
    %% what v2 does not have
    ?assertEqual({error, {no_controller, <<"blkio">>}},
                 alcove_cgroup:set(Drv, [], <<"blkio">>, <<"box/inner">>, <<"blkio.weight">>, "1", Opts)),
    ?assertEqual({error, {no_controller, <<"blkio">>}},
                 alcove_cgroup:get(Drv, [], <<"blkio">>, <<"box/inner">>, <<"blkio.weight">>, Opts)),
    ?assertEqual({error, enoent},
                 alcove_cgroup:set(Drv, [], <<"memory">>, <<"box/inner">>,
                                   <<"memory.memsw.limit_in_bytes">>, <<"16m">>, Opts)),
    ?assertEqual({ok, [V2]}, alcove_cgroup:controller(Drv, [], <<"memory">>, Opts)),
    ?assertEqual({error, {no_controller, <<"cpuacct">>}},
                 alcove_cgroup:controller(Drv, [], <<"cpuacct">>, Opts)),
    %% destroy: the innermost cgroup only
    [ok = file:delete(filename:join([Root, "box", "inner", F])) || F <- Files],
    ?assertEqual(ok, alcove_cgroup:destroy(Drv, [], <<"box/inner">>, Opts)),
    ?assertNot(filelib:is_dir(filename:join([Root, "box", "inner"]))),
    ?assert(filelib:is_dir(filename:join([Root, "box"]))).

%% A controller is used where it is mounted: memory on v1, pids on v2.
t_mixed_fake() ->
    Tmp = alcove_test_lib:tmpdir("alcove_cgroup_mixed"),
    try
        with_drv(fun(Drv) -> mixed_fake(Drv, Tmp) end)
    after
        file:del_dir_r(Tmp)
    end.

mixed_fake(Drv, Tmp) ->
    Memory = list_to_binary(filename:join(Tmp, "memory")),
    Unified = list_to_binary(filename:join(Tmp, "unified")),
    Mounts = [{Memory, cgroup, [<<"rw">>, <<"memory">>]},
              {Unified, cgroup2, [<<"pids">>]}],
    Opts = [{mounts, Mounts}],
    ok = fake_tree(Memory, [], [], []),
    ok = fake_tree(Unified, [], ["cgroup.subtree_control"], []),
    ?assertEqual(ok, alcove_cgroup:create(Drv, [], "box", Opts)),
    ok = fake_tree(Memory, ["box"], [], ["tasks", "memory.limit_in_bytes"]),
    ok = fake_tree(Unified, ["box"], [], ["cgroup.procs", "pids.max"]),
    ?assertEqual({ok, [hd(Mounts)]}, alcove_cgroup:controller(Drv, [], <<"memory">>, Opts)),
    ?assertEqual({ok, tl(Mounts)}, alcove_cgroup:controller(Drv, [], <<"pids">>, Opts)),
    ?assertEqual({ok, Mounts}, alcove_cgroup:controller(Drv, [], <<>>, Opts)),
    ?assertEqual({ok, 3}, alcove_cgroup:set(Drv, [], <<"memory">>, "box",
                                            <<"memory.limit_in_bytes">>, "16m", Opts)),
    ?assertEqual(<<"16m">>, file_text(filename:join([Memory, "box", "memory.limit_in_bytes"]))),
    ?assertEqual({ok, 2}, alcove_cgroup:set(Drv, [], <<"pids">>, "box", <<"pids.max">>, "10", Opts)),
    ?assertEqual(<<"10">>, file_text(filename:join([Unified, "box", "pids.max"]))),
    ?assertEqual(<<"+pids">>, file_text(filename:join(Unified, "cgroup.subtree_control"))),
    %% every hierarchy: tasks in v1, cgroup.procs in v2
    ?assertEqual({ok, 3}, alcove_cgroup:set(Drv, [], <<>>, "box", <<"tasks">>, "123", Opts)),
    ?assertEqual(<<"123">>, file_text(filename:join([Memory, "box", "tasks"]))),
    ?assertEqual(<<"123">>, file_text(filename:join([Unified, "box", "cgroup.procs"]))),
    %% no hierarchy mounted
    ?assertEqual({error, enoent}, alcove_cgroup:create(Drv, [], "box", [{mounts, []}])),
    ?assertEqual({error, {no_controller, <<"memory">>}},
                 alcove_cgroup:set(Drv, [], <<"memory">>, "box", <<"tasks">>, "1", [{mounts, []}])).
