%%% @doc Control groups through an alcove process.
%%%
%%% Works on the cgroup hierarchies mounted on the host, as listed in
%%% /proc/mounts of the process at the fork path: every cgroup (v1) mount,
%%% each with its controllers (mount options such as `cpuset' or
%%% `name=systemd'), and the cgroup2 (unified) mount, whose controllers are
%%% those listed in its root `cgroup.controllers'. All file system work is
%%% done by the alcove process with the `mkdir', `rmdir', `open', `read',
%%% `write' and `close' calls, so it runs with that process's privileges.
%%%
%%% A cgroup is named by its path below the hierarchy roots (`Namespace',
%%% e.g. `<<"alcove">>' or `<<"alcove/web">>'). `MntOpt' selects
%%% hierarchies by controller: `<<"cpuset">>', `<<"memory">>', ..., or
%%% `<<>>' for all of them. On a cgroup2 hierarchy the v1 file `tasks' is
%%% written as `cgroup.procs'.
%%%
%%% ```
%%% ok = alcove_cgroup:create(Drv, [], <<"alcove">>),
%%% {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, <<"alcove">>,
%%%                             <<"cpuset.cpus">>, <<"0">>),
%%% {ok, _} = alcove_cgroup:set(Drv, [], <<>>, <<"alcove">>,
%%%                             <<"tasks">>, integer_to_list(Child)).
%%% '''
-module(alcove_cgroup).

-export([supported/1, supported/2, mounts/1, mounts/2,
         create/2, create/3, destroy/2, destroy/3,
         set/6, get/5]).

-export_type([mount/0]).

%% A mounted hierarchy: its mount point, version and controllers.
-type mount() :: {Mountpoint :: binary(), cgroup | cgroup2, Controllers :: [binary()]}.

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
            [mount(Drv, Pids, Dir, Type, Opts)
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
                      {ok, Text} -> binary:split(Text, [<<" ">>, <<"\n">>], [global, trim_all]);
                      {error, _} -> []
                  end,
    {Dir, cgroup2, Controllers}.

%% @equiv create(Drv, [], Namespace)
-spec create(pid(), iodata()) -> ok | {error, alcove:posix()}.
create(Drv, Namespace) ->
    create(Drv, [], Namespace).

%% @doc Create the cgroup `Namespace' (and any missing parents) in every
%% mounted hierarchy. Existing directories are fine.
-spec create(pid(), alcove:fork_path(), iodata()) -> ok | {error, alcove:posix()}.
create(Drv, Pids, Namespace) ->
    Parts = components(Namespace),
    Dirs = [join(Root, lists:sublist(Parts, N))
            || {Root, _, _} <- mounts(Drv, Pids), N <- lists:seq(1, length(Parts))],
    first_error([case alcove:mkdir(Drv, Pids, Dir, 8#755) of
                     {error, eexist} -> ok;
                     Result -> Result
                 end || Dir <- Dirs]).

%% @equiv destroy(Drv, [], Namespace)
-spec destroy(pid(), iodata()) -> ok | {error, alcove:posix()}.
destroy(Drv, Namespace) ->
    destroy(Drv, [], Namespace).

%% @doc Remove the cgroup `Namespace' from every mounted hierarchy (its
%% parents are left). It must hold no processes and no child cgroups.
-spec destroy(pid(), alcove:fork_path(), iodata()) -> ok | {error, alcove:posix()}.
destroy(Drv, Pids, Namespace) ->
    Parts = components(Namespace),
    first_error([case alcove:rmdir(Drv, Pids, join(Root, Parts)) of
                     {error, enoent} -> ok;
                     Result -> Result
                 end || {Root, _, _} <- mounts(Drv, Pids)]).

%% @doc Write `Value' to the file `Key' of the cgroup `Namespace' in each
%% hierarchy selected by `MntOpt' that has such a file. Returns the result
%% of the last write (`{ok, BytesWritten}'), the first error, or
%% `{error, enoent}' if no selected hierarchy has the file.
-spec set(pid(), alcove:fork_path(), binary(), iodata(), iodata(), iodata()) ->
          {ok, non_neg_integer()} | {error, alcove:posix()}.
set(Drv, Pids, MntOpt, Namespace, Key, Value) ->
    Results = [write_file(Drv, Pids, File, Value)
               || File <- files(Drv, Pids, MntOpt, Namespace, Key)],
    case [R || R <- Results, R =/= {error, enoent}] of
        [] -> {error, enoent};
        Written ->
            case [E || {error, _} = E <- Written] of
                [] -> lists:last(Written);
                [Error | _] -> Error
            end
    end.

%% @doc Contents of the file `Key' of the cgroup `Namespace' in the first
%% hierarchy selected by `MntOpt' that has it, or `{error, enoent}'.
-spec get(pid(), alcove:fork_path(), binary(), iodata(), iodata()) ->
          {ok, binary()} | {error, alcove:posix()}.
get(Drv, Pids, MntOpt, Namespace, Key) ->
    first_found([fun() -> read_file(Drv, Pids, File) end
                 || File <- files(Drv, Pids, MntOpt, Namespace, Key)]).

first_found([]) -> {error, enoent};
first_found([Read | Rest]) ->
    case Read() of
        {error, enoent} -> first_found(Rest);
        Result -> Result
    end.

%% The file Key of Namespace in each hierarchy selected by MntOpt.
files(Drv, Pids, MntOpt, Namespace, Key) ->
    Opt = iolist_to_binary(MntOpt),
    [join(Root, components(Namespace) ++ [key(Type, iolist_to_binary(Key))])
     || {Root, Type, Controllers} <- mounts(Drv, Pids),
        Opt =:= <<>> orelse lists:member(Opt, Controllers)].

key(cgroup2, <<"tasks">>) -> <<"cgroup.procs">>;
key(_, Key) -> Key.

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

first_error(Results) ->
    case [E || {error, _} = E <- Results] of
        [] -> ok;
        [Error | _] -> Error
    end.
