%%% Helpers shared by the alcove test modules.
-module(alcove_test_lib).

-export([project_root/0, run/1, run/2, tmpdir/1, with_drv/2, with_drv/1]).

%% The directory holding calls.txt: the current directory (rebar3 runs
%% tests from the project root) or an ancestor of this module's beam file.
project_root() ->
    Candidates = [element(2, file:get_cwd()),
                  filename:dirname(code:which(?MODULE))],
    find_root(Candidates).

find_root([Dir | Rest]) ->
    case filelib:is_regular(filename:join(Dir, "calls.txt")) of
        true -> Dir;
        false ->
            case filename:dirname(Dir) of
                Dir -> find_root(Rest);
                Parent -> find_root([Parent | Rest])
            end
    end;
find_root([]) ->
    erlang:error(project_root_not_found).

%% Run a command (argv list, no shell); returns {ExitStatus, Output}
%% with stdout and stderr merged.
run(Argv) ->
    run(Argv, []).

run([Cmd | Args], Opts) ->
    Exe = case os:find_executable(Cmd) of
              false -> Cmd;
              Path -> Path
          end,
    Port = open_port({spawn_executable, Exe},
                     [{args, Args}, exit_status, stderr_to_stdout, binary, stream,
                      hide | Opts]),
    collect(Port, []).

collect(Port, Acc) ->
    receive
        {Port, {data, Data}} -> collect(Port, [Data | Acc]);
        {Port, {exit_status, Status}} ->
            {Status, binary_to_list(iolist_to_binary(lists:reverse(Acc)))}
    end.

%% A fresh directory under /tmp.
tmpdir(Prefix) ->
    Dir = filename:join("/tmp", Prefix ++ "." ++ os:getpid() ++ "."
                        ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    Dir.

%% Start a driver owned by the calling process, run Fun(Drv), stop it.
with_drv(Fun) ->
    with_drv([], Fun).

with_drv(Opts, Fun) ->
    {ok, Drv} = alcove_drv:start(Opts),
    try
        Fun(Drv)
    after
        catch alcove_drv:stop(Drv)
    end.
