%%% Helpers shared by the alcove test modules.
-module(alcove_test_lib).

-export([project_root/0, run/1, run/2, tmpdir/1, with_drv/2, with_drv/1,
         static_busybox/0, skip/2, tests/2, read_stdout/3, stderr_line/2, flush/0]).

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

%% Whether /bin/busybox is a statically linked executable (the chroot
%% examples run it from a directory holding nothing else).
static_busybox() ->
    case filelib:is_regular("/bin/busybox") of
        false -> false;
        true ->
            case run(["file", "-L", "/bin/busybox"]) of
                {0, Out} -> string:find(Out, "statically linked") =/= nomatch;
                _ -> false
            end
    end.

%% Say why a test does not run.
skip(Test, Reason) ->
    io:format(user, "~n~s skipped: ~s~n", [Test, Reason]).

%% One EUnit test per exported t_* function of Module, each with Timeout
%% seconds.
tests(Module, Timeout) ->
    [{atom_to_list(F), {timeout, Timeout, fun Module:F/0}}
     || {F, 0} <- Module:module_info(exports), lists:prefix("t_", atom_to_list(F))].

%% Exactly Size bytes of stdout of the process at Pids.
read_stdout(Drv, Pids, Size) ->
    read_stdout(Drv, Pids, Size, []).

read_stdout(_Drv, _Pids, Left, Acc) when Left =< 0 ->
    iolist_to_binary(lists:reverse(Acc));
read_stdout(Drv, Pids, Left, Acc) ->
    case alcove:stdout(Drv, Pids, 10000) of
        false -> erlang:error({stdout_timeout, Left});
        Bin -> read_stdout(Drv, Pids, Left - byte_size(Bin), [Bin | Acc])
    end.

%% A line of stderr, which a program may write in pieces.
stderr_line(Drv, Pids) ->
    stderr_line(Drv, Pids, <<>>).

stderr_line(Drv, Pids, Acc) ->
    case alcove:stderr(Drv, Pids, 5000) of
        false -> Acc;
        Data ->
            Line = <<Acc/binary, Data/binary>>,
            case binary:last(Line) of
                $\n -> Line;
                _ -> stderr_line(Drv, Pids, Line)
            end
    end.

%% Drop the messages left in the mailbox.
flush() ->
    receive _ -> flush()
    after 0 -> ok
    end.
