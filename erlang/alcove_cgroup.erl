%%% @doc Control groups through an alcove process.
%%%
%%% Works on the cgroup hierarchies mounted in the process at the fork path,
%%% as listed in its /proc/mounts: every cgroup v1 mount, with its
%%% controllers (mount options such as `cpuset', `memory' or
%%% `name=systemd'), and the cgroup2 (unified, v2) mount, whose controllers
%%% are those listed in its root `cgroup.controllers'. All file system work
%%% is done by the alcove process with the `mkdir', `rmdir', `open', `read',
%%% `write' and `close' calls, so it runs with that process's privileges.
%%%
%%% A cgroup is named by its path below the hierarchy roots (`Namespace',
%%% e.g. `<<"alcove">>' or `<<"alcove/web">>'). `MntOpt' selects
%%% hierarchies by controller:
%%% <ul>
%%% <li>`<<>>': every mounted hierarchy (v1 and v2);</li>
%%% <li>a controller name (`<<"cpuset">>', `<<"memory">>', `<<"pids">>',
%%%     ... or a v1 mount option such as `<<"name=systemd">>'): the v1
%%%     hierarchies mounted with it or, if none is, the unified hierarchy
%%%     if it offers that controller. A controller that neither has gives
%%%     `{error, {no_controller, MntOpt}}'.</li>
%%% </ul>
%%% The choice is automatic: a controller is bound to one hierarchy at a
%%% time, so the same code works on v1, v2 and mixed machines.
%%%
%%% == cgroup v2 ==
%%% On the unified hierarchy the v1 file names are translated:
%%% <table>
%%% <tr><th>v1 key</th><th>v2 file</th></tr>
%%% <tr><td>`tasks'</td><td>`cgroup.procs'</td></tr>
%%% <tr><td>`memory.limit_in_bytes'</td><td>`memory.max'</td></tr>
%%% <tr><td>`memory.soft_limit_in_bytes'</td><td>`memory.low'</td></tr>
%%% <tr><td>`memory.usage_in_bytes'</td><td>`memory.current'</td></tr>
%%% <tr><td>`memory.max_usage_in_bytes'</td><td>`memory.peak'</td></tr>
%%% <tr><td>`cpu.shares'</td><td>`cpu.weight' (the value is converted:
%%%     shares 2..262144 map to weight 1..10000, 1024 to 39)</td></tr>
%%% </table>
%%% The value `-1' (unlimited in v1) is written as `max' to `memory.max' and
%%% `memory.low'. `cpuset.cpus', `cpuset.mems', `pids.max' and every v2
%%% file name are used as they are. `memory.memsw.limit_in_bytes' (memory
%%% plus swap) has no v2 equivalent (v2 limits swap on its own, with
%%% `memory.swap.max') and is not translated: setting it on v2 gives
%%% `{error, enoent}'.
%%%
%%% Before writing a controller's file on v2, {@link set/6} enables the
%%% controller (`+memory', ...) in `cgroup.subtree_control' of every
%%% ancestor of the cgroup, from the hierarchy root down, where it is not
%%% enabled yet; the kernel only creates a controller's files in a cgroup
%%% whose parent enables it. Note the v2 rule that a cgroup other than the
%%% root that enables controllers for its children cannot hold processes:
%%% put processes in leaf cgroups.
%%%
%%% ```
%%% ok = alcove_cgroup:create(Drv, [], <<"alcove">>),
%%% {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, <<"alcove">>,
%%%                             <<"cpuset.cpus">>, <<"0">>),
%%% {ok, 3} = alcove_cgroup:set(Drv, [], <<"memory">>, <<"alcove">>,
%%%                             <<"memory.limit_in_bytes">>, <<"16m">>),
%%% {ok, _} = alcove_cgroup:set(Drv, [], <<>>, <<"alcove">>,
%%%                             <<"tasks">>, integer_to_list(Child)).
%%% '''
%%%
%%% Every function also takes a last `Options' argument; the only option is
%%% `{mounts, [mount()]}', the hierarchies to use instead of those of
%%% /proc/mounts (for a hierarchy mounted where /proc/mounts of that
%%% process does not show it, or for tests).
-module(alcove_cgroup).

-export([supported/1, supported/2, mounts/1, mounts/2, controller/3, controller/4,
         create/2, create/3, create/4, destroy/2, destroy/3, destroy/4,
         set/6, set/7, get/5, get/6]).

-export_type([mount/0, option/0, error/0]).

%% A mounted hierarchy: its mount point, version and controllers.
-type mount() :: {Mountpoint :: binary(), cgroup | cgroup2, Controllers :: [binary()]}.
-type option() :: {mounts, [mount()]}.
-type error() :: {error, alcove:posix() | {no_controller, binary()}}.

-define(READ_SIZE, 1024).

%% @equiv supported(Drv, [])
-spec supported(pid()) -> boolean().
supported(Drv) ->
    supported(Drv, []).

%% @doc Whether any cgroup hierarchy is mounted.
-spec supported(pid(), alcove:fork_path()) -> boolean().
supported(Drv, Pids) ->
    mounts(Drv, Pids) =/= [].

%% @equiv mounts(Drv, [])
-spec mounts(pid()) -> [mount()].
mounts(Drv) ->
    mounts(Drv, []).

%% @doc The cgroup hierarchies mounted in the process at `Pids'.
-spec mounts(pid(), alcove:fork_path()) -> [mount()].
mounts(Drv, Pids) ->
    case read_file(Drv, Pids, <<"/proc/mounts">>) of
        {ok, Text} ->
            [mount(Drv, Pids, unescape(Dir), Type, Opts)
             || Line <- binary:split(Text, <<"\n">>, [global, trim_all]),
                [_Dev, Dir, Type, Opts | _] <- [binary:split(Line, <<" ">>, [global])],
                Type =:= <<"cgroup">> orelse Type =:= <<"cgroup2">>];
        {error, _} ->
            []
    end.

mount(_Drv, _Pids, Dir, <<"cgroup">>, Opts) ->
    {Dir, cgroup, binary:split(Opts, <<",">>, [global, trim_all])};
mount(Drv, Pids, Dir, <<"cgroup2">>, _Opts) ->
    Controllers = case read_file(Drv, Pids, join(Dir, <<"cgroup.controllers">>)) of
                      {ok, Text} -> words(Text);
                      {error, _} -> []
                  end,
    {Dir, cgroup2, Controllers}.

%% /proc/mounts writes a space in a mount point as \040 (also tab,
%% newline, backslash).
unescape(Bin) ->
    unescape(Bin, <<>>).

unescape(<<$\\, A, B, C, Rest/binary>>, Acc)
  when A >= $0, A =< $3, B >= $0, B =< $7, C >= $0, C =< $7 ->
    unescape(Rest, <<Acc/binary, ((A - $0) * 64 + (B - $0) * 8 + (C - $0))>>);
unescape(<<X, Rest/binary>>, Acc) ->
    unescape(Rest, <<Acc/binary, X>>);
unescape(<<>>, Acc) ->
    Acc.

%% @equiv controller(Drv, Pids, MntOpt, [])
-spec controller(pid(), alcove:fork_path(), iodata()) ->
          {ok, [mount()]} | {error, {no_controller, binary()}}.
controller(Drv, Pids, MntOpt) ->
    controller(Drv, Pids, MntOpt, []).

%% @doc The hierarchies that `MntOpt' selects (see the module
%% documentation): `<<>>' gives every hierarchy.
-spec controller(pid(), alcove:fork_path(), iodata(), [option()]) ->
          {ok, [mount()]} | {error, {no_controller, binary()}}.
controller(Drv, Pids, MntOpt, Options) ->
    select(iolist_to_binary(MntOpt), hierarchies(Drv, Pids, Options)).

select(<<>>, Mounts) ->
    {ok, Mounts};
select(Ctl, Mounts) ->
    case [M || {_, cgroup, Cs} = M <- Mounts, lists:member(Ctl, Cs)] of
        [] ->
            case [M || {_, cgroup2, Cs} = M <- Mounts, lists:member(Ctl, Cs)] of
                [] -> {error, {no_controller, Ctl}};
                V2 -> {ok, V2}
            end;
        V1 ->
            {ok, V1}
    end.

%% @equiv create(Drv, [], Namespace)
-spec create(pid(), iodata()) -> ok | {error, alcove:posix()}.
create(Drv, Namespace) ->
    create(Drv, [], Namespace).

%% @equiv create(Drv, Pids, Namespace, [])
-spec create(pid(), alcove:fork_path(), iodata()) -> ok | {error, alcove:posix()}.
create(Drv, Pids, Namespace) ->
    create(Drv, Pids, Namespace, []).

%% @doc Create the cgroup `Namespace' (and any missing parents) in every
%% mounted hierarchy. Existing directories are fine. `{error, enoent}' if
%% no hierarchy is mounted.
-spec create(pid(), alcove:fork_path(), iodata(), [option()]) ->
          ok | {error, alcove:posix()}.
create(Drv, Pids, Namespace, Options) ->
    Parts = components(Namespace),
    case hierarchies(Drv, Pids, Options) of
        [] ->
            {error, enoent};
        Mounts ->
            Dirs = [join(Root, lists:sublist(Parts, N))
                    || {Root, _, _} <- Mounts, N <- lists:seq(1, length(Parts))],
            first_error([case alcove:mkdir(Drv, Pids, Dir, 8#755) of
                             {error, eexist} -> ok;
                             Result -> Result
                         end || Dir <- Dirs])
    end.

%% @equiv destroy(Drv, [], Namespace)
-spec destroy(pid(), iodata()) -> ok | {error, alcove:posix()}.
destroy(Drv, Namespace) ->
    destroy(Drv, [], Namespace).

%% @equiv destroy(Drv, Pids, Namespace, [])
-spec destroy(pid(), alcove:fork_path(), iodata()) -> ok | {error, alcove:posix()}.
destroy(Drv, Pids, Namespace) ->
    destroy(Drv, Pids, Namespace, []).

%% @doc Remove the cgroup `Namespace' from every mounted hierarchy (its
%% parents are left). It must hold no processes (`{error, ebusy}') and no
%% child cgroups. A hierarchy that has no such cgroup is skipped.
-spec destroy(pid(), alcove:fork_path(), iodata(), [option()]) ->
          ok | {error, alcove:posix()}.
destroy(Drv, Pids, Namespace, Options) ->
    Parts = components(Namespace),
    first_error([case alcove:rmdir(Drv, Pids, join(Root, Parts)) of
                     {error, enoent} -> ok;
                     Result -> Result
                 end || {Root, _, _} <- hierarchies(Drv, Pids, Options)]).

%% @equiv set(Drv, Pids, MntOpt, Namespace, Key, Value, [])
-spec set(pid(), alcove:fork_path(), iodata(), iodata(), iodata(), iodata()) ->
          {ok, non_neg_integer()} | error().
set(Drv, Pids, MntOpt, Namespace, Key, Value) ->
    set(Drv, Pids, MntOpt, Namespace, Key, Value, []).

%% @doc Write `Value' to the file `Key' of the cgroup `Namespace' in each
%% hierarchy selected by `MntOpt' that has such a file (`Key' and `Value'
%% translated on v2, see the module documentation). Returns the result of
%% the last write (`{ok, BytesWritten}'), the first error,
%% `{error, {no_controller, MntOpt}}' if no hierarchy has the controller, or
%% `{error, enoent}' if no selected hierarchy has the file.
-spec set(pid(), alcove:fork_path(), iodata(), iodata(), iodata(), iodata(), [option()]) ->
          {ok, non_neg_integer()} | error().
set(Drv, Pids, MntOpt, Namespace, Key, Value, Options) ->
    case controller(Drv, Pids, MntOpt, Options) of
        {ok, Mounts} ->
            Parts = components(Namespace),
            KeyBin = iolist_to_binary(Key),
            Results = [set_in(Drv, Pids, Mount, Parts, KeyBin, Value) || Mount <- Mounts],
            case [R || R <- Results, R =/= {error, enoent}] of
                [] -> {error, enoent};
                Written ->
                    case [E || {error, _} = E <- Written] of
                        [] -> lists:last(Written);
                        [Error | _] -> Error
                    end
            end;
        {error, _} = Error ->
            Error
    end.

set_in(Drv, Pids, {Root, cgroup, _}, Parts, Key, Value) ->
    write_file(Drv, Pids, join(Root, Parts ++ [Key]), Value);
set_in(Drv, Pids, {Root, cgroup2, Controllers}, Parts, Key, Value) ->
    {File, Value2} = v2(Key, Value),
    Ctl = hd(binary:split(File, <<".">>)),
    case lists:member(Ctl, Controllers) of
        true ->
            case enable(Drv, Pids, Root, Parts, Ctl) of
                ok -> write_file(Drv, Pids, join(Root, Parts ++ [File]), Value2);
                {error, _} = Error -> Error
            end;
        false ->
            write_file(Drv, Pids, join(Root, Parts ++ [File]), Value2)
    end.

%% Enable the controller Ctl in cgroup.subtree_control of each ancestor of
%% the cgroup Parts, root first.
enable(Drv, Pids, Root, Parts, Ctl) ->
    Ancestors = [join(Root, lists:sublist(Parts, N)) || N <- lists:seq(0, length(Parts) - 1)],
    lists:foldl(
      fun(Dir, ok) ->
              File = join(Dir, <<"cgroup.subtree_control">>),
              case read_file(Drv, Pids, File) of
                  {ok, Text} ->
                      case lists:member(Ctl, words(Text)) of
                          true -> ok;
                          false ->
                              case write_file(Drv, Pids, File, [$+, Ctl]) of
                                  {ok, _} -> ok;
                                  {error, _} = Error -> Error
                              end
                      end;
                  {error, _} = Error ->
                      Error
              end;
         (_, Error) ->
              Error
      end, ok, Ancestors).

%% @equiv get(Drv, Pids, MntOpt, Namespace, Key, [])
-spec get(pid(), alcove:fork_path(), iodata(), iodata(), iodata()) ->
          {ok, binary()} | error().
get(Drv, Pids, MntOpt, Namespace, Key) ->
    get(Drv, Pids, MntOpt, Namespace, Key, []).

%% @doc Contents of the file `Key' (translated on v2) of the cgroup
%% `Namespace' in the first hierarchy selected by `MntOpt' that has it;
%% `{error, {no_controller, MntOpt}}' if no hierarchy has the controller,
%% `{error, enoent}' if none has the file.
-spec get(pid(), alcove:fork_path(), iodata(), iodata(), iodata(), [option()]) ->
          {ok, binary()} | error().
get(Drv, Pids, MntOpt, Namespace, Key, Options) ->
    case controller(Drv, Pids, MntOpt, Options) of
        {ok, Mounts} ->
            Parts = components(Namespace),
            KeyBin = iolist_to_binary(Key),
            first_found([fun() -> read_file(Drv, Pids, join(Root, Parts ++ [file(Type, KeyBin)])) end
                         || {Root, Type, _} <- Mounts]);
        {error, _} = Error ->
            Error
    end.

first_found([]) -> {error, enoent};
first_found([Read | Rest]) ->
    case Read() of
        {error, enoent} -> first_found(Rest);
        Result -> Result
    end.

hierarchies(Drv, Pids, Options) ->
    case proplists:get_value(mounts, Options) of
        undefined -> mounts(Drv, Pids);
        Mounts when is_list(Mounts) -> Mounts
    end.

%%--------------------------------------------------------------------
%% cgroup v2 names and values
%%--------------------------------------------------------------------

file(cgroup, Key) -> Key;
file(cgroup2, Key) -> element(1, v2(Key, <<>>)).

v2(<<"tasks">>, Value) -> {<<"cgroup.procs">>, Value};
v2(<<"memory.limit_in_bytes">>, Value) -> {<<"memory.max">>, unlimited(Value)};
v2(<<"memory.soft_limit_in_bytes">>, Value) -> {<<"memory.low">>, unlimited(Value)};
v2(<<"memory.usage_in_bytes">>, Value) -> {<<"memory.current">>, Value};
v2(<<"memory.max_usage_in_bytes">>, Value) -> {<<"memory.peak">>, Value};
v2(<<"cpu.shares">>, Value) -> {<<"cpu.weight">>, weight(Value)};
v2(Key, Value) -> {Key, Value}.

unlimited(Value) ->
    case string:trim(iolist_to_binary(Value)) of
        <<"-1">> -> <<"max">>;
        _ -> Value
    end.

%% cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default
%% 100 for a new cgroup), the conversion used by container runtimes.
weight(Value) ->
    try binary_to_integer(string:trim(iolist_to_binary(Value))) of
        Shares when Shares >= 2, Shares =< 262144 ->
            integer_to_binary(1 + ((Shares - 2) * 9999) div 262142);
        _ ->
            Value
    catch
        error:badarg -> Value
    end.

%%--------------------------------------------------------------------
%% Files, through the alcove process
%%--------------------------------------------------------------------

read_file(Drv, Pids, Path) ->
    case alcove:open(Drv, Pids, Path, [o_rdonly, o_cloexec], 0) of
        {ok, Fd} ->
            try read_all(Drv, Pids, Fd, [])
            after alcove:close(Drv, Pids, Fd)
            end;
        {error, _} = Error ->
            Error
    end.

read_all(Drv, Pids, Fd, Acc) ->
    case alcove:read(Drv, Pids, Fd, ?READ_SIZE) of
        {ok, <<>>} -> {ok, iolist_to_binary(lists:reverse(Acc))};
        {ok, Data} -> read_all(Drv, Pids, Fd, [Data | Acc]);
        {error, _} = Error -> Error
    end.

write_file(Drv, Pids, Path, Value) ->
    case alcove:open(Drv, Pids, Path, [o_wronly, o_cloexec], 0) of
        {ok, Fd} ->
            try alcove:write(Drv, Pids, Fd, Value)
            after alcove:close(Drv, Pids, Fd)
            end;
        {error, _} = Error ->
            Error
    end.

%%--------------------------------------------------------------------
%% Paths
%%--------------------------------------------------------------------

%% Path components of a cgroup name; "." and ".." are refused.
components(Namespace) ->
    Parts = binary:split(iolist_to_binary(Namespace), <<"/">>, [global, trim_all]),
    case Parts =/= [] andalso not lists:any(fun(P) -> P =:= <<".">> orelse P =:= <<"..">> end, Parts) of
        true -> Parts;
        false -> erlang:error(badarg)
    end.

join(Root, Parts) when is_list(Parts) ->
    iolist_to_binary(lists:join(<<"/">>, [Root | Parts]));
join(Root, Part) ->
    join(Root, [Part]).

words(Text) ->
    binary:split(Text, [<<" ">>, <<"\n">>], [global, trim_all]).

first_error(Results) ->
    case [E || {error, _} = E <- Results] of
        [] -> ok;
        [Error | _] -> Error
    end.
