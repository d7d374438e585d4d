%%% Tests of the driver and of behaviour shared by the calls, against the
%%% real port executable (priv/alcove), run as root: fork paths, options
%%% and exit reporting, standard I/O, errors common to all calls, the
%%% driver's start and stop. Every test starts its own driver and stops it.
%%% (alcove_api_tests covers each function of API.txt, alcove_calls_tests
%%% the other calls, alcove_walkthrough_tests the walk-throughs.)
-module(alcove_tests).

-include_lib("eunit/include/eunit.hrl").
-include("../include/alcove.hrl").

-import(alcove_test_lib, [with_drv/1, with_drv/2, read_stdout/3]).

%% Every exported t_* function is one test, with this timeout (seconds).
-define(TIMEOUT, 60).

-export([t_fork_depth/0, t_maxforkdepth_option/0,
         t_exit_status_events/0, t_termsig_events/0, t_sigchld_event/0,
         t_options_inherited/0, t_start_options/0, t_call_to_dying_process/0,
         t_stdout_8mib_in_order/0, t_stdin_stream/0, t_stderr/0,
         t_badpid/0, t_badpid_through_vanished_pid/0, t_not_owner/0,
         t_call_timeout/0, t_request_too_large/0, t_badarg_undef/0,
         t_version/0, t_getpid/0, t_pid_cpid_getcpid/0, t_eof/0, t_kill/0,
         t_cwd/0, t_env/0, t_ids/0, t_hostname/0, t_chroot/0, t_setuid_setgid/0,
         t_rlimit/0, t_unshare/0, t_clone/0, t_setns/0, t_close/0,
         t_exit/0, t_execve/0, t_execvp_error/0, t_root_exec/0,
         t_signal_constant/0, t_constants/0, t_define/0, t_getopt_defaults/0,
         t_setopt/0, t_sigaction/0, t_event/0, t_filter/0, t_select/0,
         t_prctl/0, t_files/0, t_session/0, t_mount/0,
         t_call_forms/0, t_start_errors/0, t_stop/0]).

alcove_test_() ->
    alcove_test_lib:tests(?MODULE, ?TIMEOUT).

%%--------------------------------------------------------------------
%% Fork paths
%%--------------------------------------------------------------------

%% Paths of length 1..16 work; the 17th fork is refused.
t_fork_depth() ->
    with_drv(fun(Drv) ->
                     Path = lists:foldl(
                              fun(_, Pids) ->
                                      {ok, Child} = alcove:fork(Drv, Pids),
                                      Path = Pids ++ [Child],
                                      ?assertEqual(Child, alcove:getpid(Drv, Path)),
                                      Path
                              end, [], lists:seq(1, 16)),
                     ?assertEqual(16, length(Path)),
                     ?assertEqual({error, eagain}, alcove:fork(Drv, Path)),
                     ?assertEqual({error, eagain}, alcove:clone(Drv, Path, 0)),
                     %% the deepest process still works
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv, Path))
             end).

t_maxforkdepth_option() ->
    with_drv([{maxforkdepth, 2}],
             fun(Drv) ->
                     ?assertEqual(2, alcove:getopt(Drv, maxforkdepth)),
                     {ok, C1} = alcove:fork(Drv),
                     {ok, C2} = alcove:fork(Drv, [C1]),
                     ?assertEqual({error, eagain}, alcove:fork(Drv, [C1, C2])),
                     ?assertEqual(true, alcove:setopt(Drv, [C1, C2], maxforkdepth, 3)),
                     ?assertMatch({ok, _}, alcove:fork(Drv, [C1, C2]))
             end).

%%--------------------------------------------------------------------
%% Exit reporting: the emulated options exit_status, termsig, sigchld
%%--------------------------------------------------------------------

t_exit_status_events() ->
    with_drv(fun(Drv) ->
                     %% default exit_status 0: no exit event
                     {ok, C1} = alcove:fork(Drv),
                     ok = alcove:exit(Drv, [C1], 3),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000)),
                     ?assertEqual(false, alcove:event(Drv, [C1], 200)),
                     %% exit_status 1
                     true = alcove:setopt(Drv, exit_status, 1),
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:exit(Drv, [C2], 5),
                     ?assertEqual({exit_status, 5}, alcove:event(Drv, [C2], 5000)),
                     %% an exec'd program
                     {ok, C3} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C3], "/bin/sh", ["/bin/sh", "-c", "exit 7"]),
                     ?assertEqual({exit_status, 7}, alcove:event(Drv, [C3], 5000)),
                     %% exit status is 8 bits
                     {ok, C4} = alcove:fork(Drv),
                     ok = alcove:exit(Drv, [C4], 261),
                     ?assertEqual({exit_status, 5}, alcove:event(Drv, [C4], 5000))
             end).

t_termsig_events() ->
    with_drv(fun(Drv) ->
                     {ok, C1} = alcove:fork(Drv),
                     ok = alcove:kill(Drv, C1, 9),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000)),
                     ?assertEqual(false, alcove:event(Drv, [C1], 200)),
                     true = alcove:setopt(Drv, termsig, 1),
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C2], "/bin/sleep", ["sleep", "100"]),
                     ok = alcove:kill(Drv, C2, 15),
                     ?assertEqual({termsig, sigterm}, alcove:event(Drv, [C2], 5000))
             end).

%% The chroot walk-through: a child exits, the parent has the event
%% {signal, 17}, and 17 is 'SIGCHLD'.
t_sigchld_event() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/true", ["true"]),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000)),
                     ?assertEqual('SIGCHLD', alcove:signal_constant(Drv, 17)),
                     %% sigchld 0: nothing
                     true = alcove:setopt(Drv, sigchld, 0),
                     ?assertEqual(0, alcove:getopt(Drv, sigchld)),
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:exit(Drv, [C2], 0),
                     ?assertEqual(false, alcove:event(Drv, [], 300)),
                     %% a grandchild's exit is an event of its own parent
                     true = alcove:setopt(Drv, sigchld, 1),
                     {ok, P} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [P]),
                     ok = alcove:exit(Drv, [P, G], 0),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [P], 5000)),
                     ?assertEqual(false, alcove:event(Drv, [], 200))
             end).

%% Options are per process; a child copies its parent's at fork time.
t_options_inherited() ->
    with_drv(fun(Drv) ->
                     {ok, P} = alcove:fork(Drv),
                     true = alcove:setopt(Drv, [P], exit_status, 1),
                     true = alcove:setopt(Drv, [P], verbose, 2),
                     ?assertEqual(0, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(1, alcove:getopt(Drv, [P], exit_status)),
                     {ok, G} = alcove:fork(Drv, [P]),
                     ?assertEqual(1, alcove:getopt(Drv, [P, G], exit_status)),
                     ?assertEqual(2, alcove:getopt(Drv, [P, G], verbose)),
                     {ok, G2} = alcove:fork(Drv, [P, G]),
                     ok = alcove:exit(Drv, [P, G, G2], 4),
                     ?assertEqual({exit_status, 4}, alcove:event(Drv, [P, G, G2], 5000)),
                     %% setting the parent later does not change existing children
                     true = alcove:setopt(Drv, [P], exit_status, 0),
                     ?assertEqual(1, alcove:getopt(Drv, [P, G], exit_status)),
                     %% the root's child P exits: exit_status of the root is 0
                     ok = alcove:exit(Drv, [P], 0),
                     ?assertEqual(false, alcove:event(Drv, [P], 300)),
                     ?assertError(badpid, alcove:getopt(Drv, [P], exit_status))
             end).

t_start_options() ->
    with_drv([{exit_status, true}, {termsig, true}, {sigchld, false}, verbose],
             fun(Drv) ->
                     ?assertEqual(1, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(1, alcove:getopt(Drv, termsig)),
                     ?assertEqual(0, alcove:getopt(Drv, sigchld)),
                     ?assertEqual(1, alcove:getopt(Drv, verbose)),
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:exit(Drv, [C], 2),
                     ?assertEqual({exit_status, 2}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual(false, alcove:event(Drv, [], 200))
             end),
    with_drv([{maxchild, 3}],
             fun(Drv) ->
                     ?assertEqual(3, alcove:getopt(Drv, maxchild)),
                     [{ok, _} = alcove:fork(Drv) || _ <- [1, 2, 3]],
                     ?assertEqual({error, eagain}, alcove:fork(Drv))
             end),
    %% exec words, environment, progname, ctldir
    Ctldir = alcove_test_lib:tmpdir("alcove_ctldir"),
    try
        with_drv([{exec, "/usr/bin/env ALCOVE_EXEC_TEST=exec"},
                  {env, [{"ALCOVE_ENV_TEST", "env"}]},
                  {progname, alcove_drv:progname()},
                  {ctldir, Ctldir}],
                 fun(Drv) ->
                         ?assertEqual(<<"exec">>, alcove:getenv(Drv, "ALCOVE_EXEC_TEST")),
                         ?assertEqual(<<"env">>, alcove:getenv(Drv, "ALCOVE_ENV_TEST")),
                         %% the fdctl FIFO is unlinked once the handshake is done
                         ?assertEqual({ok, []}, file:list_dir(Ctldir))
                 end)
    after
        file:del_dir_r(Ctldir)
    end.

%% A process that dies while handling a call makes the call fail, whatever
%% the exit_status/termsig options say.
t_call_to_dying_process() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertError({termsig, sigkill}, alcove:kill(Drv, [C], C, 9)),
                     ?assertEqual(false, alcove:event(Drv, [C], 200))
             end).

%%--------------------------------------------------------------------
%% Standard I/O
%%--------------------------------------------------------------------

t_stdout_8mib_in_order() ->
    Size = 8 * 1024 * 1024,
    Dir = alcove_test_lib:tmpdir("alcove_stdout"),
    File = filename:join(Dir, "data"),
    Data = rand:bytes(Size),
    ok = file:write_file(File, Data),
    try
        with_drv(fun(Drv) ->
                         %% at depth 1 and 3: most frames straddle the
                         %% chunks the port's output is read in
                         {ok, C} = alcove:fork(Drv),
                         {ok, D} = alcove:fork(Drv),
                         {ok, D1} = alcove:fork(Drv, [D]),
                         {ok, D2} = alcove:fork(Drv, [D, D1]),
                         [begin
                              ok = alcove:execvp(Drv, Path, "/bin/cat", ["cat", File]),
                              Out = read_stdout(Drv, Path, Size),
                              ?assertEqual(Size, byte_size(Out)),
                              ?assert(Out =:= Data)
                          end || Path <- [[C], [D, D1, D2]]]
                 end)
    after
        file:del_dir_r(Dir)
    end.

%% Data written with stdin/3 in chunks comes back from cat complete and in
%% order.
t_stdin_stream() ->
    Chunk = 32 * 1024,
    Data = rand:bytes(64 * Chunk),
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/cat", ["cat"]),
                     [true = alcove:stdin(Drv, [C], binary:part(Data, Off, Chunk))
                      || Off <- lists:seq(0, byte_size(Data) - 1, Chunk)],
                     ?assert(read_stdout(Drv, [C], byte_size(Data)) =:= Data),
                     %% at depth 2
                     {ok, P} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [P]),
                     ok = alcove:execvp(Drv, [P, G], "/bin/cat", ["cat"]),
                     Small = binary:part(Data, 0, 8 * Chunk),
                     [true = alcove:stdin(Drv, [P, G], binary:part(Small, Off, Chunk))
                      || Off <- lists:seq(0, byte_size(Small) - 1, Chunk)],
                     ?assert(read_stdout(Drv, [P, G], byte_size(Small)) =:= Small)
             end).

t_stderr() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/sh",
                                        ["/bin/sh", "-c", "echo err >&2; echo out"]),
                     ?assertEqual(<<"err\n">>, alcove:stderr(Drv, [C], 5000)),
                     ?assertEqual(<<"out\n">>, alcove:stdout(Drv, [C], 5000)),
                     ?assertEqual(false, alcove:stdout(Drv, [C], 0))
             end).

t_eof() ->
    with_drv([{exit_status, true}],
             fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/cat", ["cat"]),
                     true = alcove:stdin(Drv, [C], "last words\n"),
                     ?assertEqual(<<"last words\n">>, alcove:stdout(Drv, [C], 5000)),
                     ?assertEqual(ok, alcove:eof(Drv, [C])),
                     %% cat sees EOF and exits
                     ?assertEqual({exit_status, 0}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual({error, esrch}, alcove:eof(Drv, [C])),
                     ?assertEqual({error, esrch}, alcove:eof(Drv, [])),
                     %% the parent's table shows the closed stdin as -1
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C2], "/bin/sleep", ["sleep", "100"]),
                     ?assert(alcove:getcpid(Drv, [], C2, stdin) > 2),
                     ?assertEqual(ok, alcove:eof(Drv, [C2])),
                     ?assertEqual(-1, alcove:getcpid(Drv, [], C2, stdin))
             end).

%%--------------------------------------------------------------------
%% Errors common to all calls
%%--------------------------------------------------------------------

t_badpid() ->
    with_drv(fun(Drv) ->
                     ?assertError(badpid, alcove:getpid(Drv, [999999999])),
                     ?assertError(badpid, alcove:getpid(Drv, [0])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertError(badpid, alcove:getpid(Drv, [C, 1]))
             end).

%% PROTOCOL.md section 11: a call through a pid that no longer exists fails
%% with badpid for the full path instead of waiting forever.
t_badpid_through_vanished_pid() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [C]),
                     ok = alcove:exit(Drv, [C], 0),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000)),
                     ?assertError(badpid, alcove:call(Drv, [C, G], getpid, [], 5000))
             end).

t_not_owner() ->
    with_drv(fun(Drv) ->
                     Self = self(),
                     spawn(fun() ->
                                   Self ! {other, alcove:getpid(Drv),
                                           alcove:stdin(Drv, [1], <<"x">>)}
                           end),
                     receive
                         {other, R1, R2} ->
                             ?assertEqual({error, not_owner}, R1),
                             ?assertEqual({error, not_owner}, R2)
                     after 5000 -> erlang:error(no_answer)
                     end,
                     ?assert(is_integer(alcove:getpid(Drv)))
             end).

t_call_timeout() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% a program that never answers: the request goes to its stdin
                     ok = alcove:execvp(Drv, [C], "/bin/sleep", ["sleep", "100"]),
                     ?assertExit({timeout, _}, alcove:call(Drv, [C], getpid, [], 100)),
                     ok = alcove:kill(Drv, C, 9),
                     %% the driver is still usable
                     ?assert(is_integer(alcove:getpid(Drv)))
             end).

t_request_too_large() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/cat", ["cat"]),
                     ?assertError(badarg, alcove:stdin(Drv, [C], binary:copy(<<"x">>, 65528))),
                     true = alcove:stdin(Drv, [C], binary:copy(<<"x">>, 65527)),
                     ?assertEqual(65527, byte_size(read_stdout(Drv, [C], 65527))),
                     ?assertError(badarg, alcove:setenv(Drv, "X", binary:copy(<<"v">>, 70000), 1)),
                     ?assertError(badarg, alcove:stdin(Drv, [], <<"x">>))
             end).

t_badarg_undef() ->
    with_drv(fun(Drv) ->
                     ?assertError(badarg, alcove:chdir(Drv, "")),
                     ?assertError(badarg, alcove:getenv(Drv, 1)),
                     ?assertError(undef, alcove:jail_attach(Drv, 1)),
                     ?assertError(badarg, alcove:call(Drv, no_such_call, []))
             end).

%%--------------------------------------------------------------------
%% Calls
%%--------------------------------------------------------------------

t_version() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv, [C]))
             end).

t_getpid() ->
    with_drv(fun(Drv) ->
                     Pid = alcove:getpid(Drv),
                     ?assertEqual(Pid, alcove:getpid(Drv, [])),
                     ?assert(is_integer(Pid) andalso Pid > 1),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(C, alcove:getpid(Drv, [C]))
             end).

t_pid_cpid_getcpid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual([], alcove:pid(Drv)),
                     {ok, C1} = alcove:fork(Drv),
                     {ok, C2} = alcove:fork(Drv),
                     ?assertEqual([C1, C2], lists:sort(alcove:pid(Drv))),
                     ?assertEqual([C1, C2], lists:sort(alcove:pid(Drv, []))),
                     ?assertEqual([], alcove:pid(Drv, [C1])),
                     Cpid = alcove:cpid(Drv),
                     ?assertEqual(2, length(Cpid)),
                     [#alcove_pid{pid = C1, flowcontrol = -1, signaloneof = 15,
                                  fdctl = Ctl, stdin = In, stdout = Out, stderr = Err}] =
                         [P || #alcove_pid{pid = Pid} = P <- Cpid, Pid =:= C1],
                     ?assert(lists:all(fun(Fd) -> Fd > 2 end, [Ctl, In, Out, Err])),
                     ?assertEqual(In, alcove:getcpid(Drv, [], C1, stdin)),
                     ?assertEqual(15, alcove:getcpid(Drv, [], C1, signaloneof)),
                     ?assertEqual(false, alcove:getcpid(Drv, [], 1, stdin)),
                     ok = alcove:execvp(Drv, [C1], "/bin/cat", ["cat"]),
                     ?assertEqual(-2, alcove:getcpid(Drv, [], C1, fdctl))
             end).

t_kill() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% a control process catches SIGTERM and reports it
                     ?assertEqual(ok, alcove:kill(Drv, C, 15)),
                     ?assertEqual({signal, 15}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual(ok, alcove:kill(Drv, [], C, sigusr1)),
                     ?assertEqual({signal, 10}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual({error, esrch}, alcove:kill(Drv, 999999999, 0)),
                     ?assertEqual({error, enotsup}, alcove:kill(Drv, C, sig_no_such))
             end).

t_cwd() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:chdir(Drv, [C], "/tmp")),
                     ?assertEqual({ok, <<"/tmp">>}, alcove:getcwd(Drv, [C])),
                     ?assertEqual(ok, alcove:chdir(Drv, [C], <<"/">>)),
                     ?assertEqual({ok, <<"/">>}, alcove:getcwd(Drv, [C])),
                     ?assertEqual({error, enoent}, alcove:chdir(Drv, [C], "/nonexistent/dir")),
                     ?assertMatch({ok, <<"/", _/binary>>}, alcove:getcwd(Drv))
             end).

t_env() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setenv(Drv, [C], "ALCOVE_TEST", "one", 1)),
                     ?assertEqual(<<"one">>, alcove:getenv(Drv, [C], "ALCOVE_TEST")),
                     ?assertEqual(ok, alcove:setenv(Drv, [C], "ALCOVE_TEST", "two", 0)),
                     ?assertEqual(<<"one">>, alcove:getenv(Drv, [C], "ALCOVE_TEST")),
                     ?assertEqual(ok, alcove:setenv(Drv, [C], <<"ALCOVE_TEST">>, [<<"th">>, "ree"], 1)),
                     ?assertEqual(<<"three">>, alcove:getenv(Drv, [C], "ALCOVE_TEST")),
                     ?assert(lists:member(<<"ALCOVE_TEST=three">>, alcove:environ(Drv, [C]))),
                     ?assertEqual(false, alcove:getenv(Drv, "ALCOVE_TEST")),
                     ?assertEqual(ok, alcove:unsetenv(Drv, [C], "ALCOVE_TEST")),
                     ?assertEqual(false, alcove:getenv(Drv, [C], "ALCOVE_TEST")),
                     ?assertEqual({error, einval}, alcove:setenv(Drv, [C], "A=B", "x", 1)),
                     ?assertEqual(ok, alcove:clearenv(Drv, [C])),
                     ?assertEqual([], alcove:environ(Drv, [C])),
                     ?assertNotEqual([], alcove:environ(Drv))
             end).

t_ids() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(0, alcove:getuid(Drv)),
                     ?assertEqual(0, alcove:getgid(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(0, alcove:getuid(Drv, [C])),
                     ?assertEqual(0, alcove:getgid(Drv, [C]))
             end).

t_hostname() ->
    with_drv(fun(Drv) ->
                     {ok, Host} = alcove:gethostname(Drv),
                     ?assert(is_binary(Host) andalso Host =/= <<>>),
                     %% (API.txt's uts namespace example is a walk-through test)
                     {ok, Child} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWUTS')),
                     %% 63 bytes is the limit
                     Long = lists:duplicate(63, $h),
                     ?assertEqual(ok, alcove:sethostname(Drv, [Child], list_to_binary(Long))),
                     ?assertEqual({ok, list_to_binary(Long)}, alcove:gethostname(Drv, [Child])),
                     ?assertError(badarg, alcove:sethostname(Drv, [Child], list_to_binary([$h | Long])))
             end).

%% The chroot walk-through's steps: limits, chroot, chdir, drop privileges.
t_chroot() ->
    Dir = alcove_test_lib:tmpdir("alcove_chroot"),
    ok = file:make_dir(filename:join(Dir, "inside")),
    try
        with_drv(fun(Drv) ->
                         {ok, C} = alcove:fork(Drv),
                         ?assertEqual(ok, alcove:chroot(Drv, [C], Dir)),
                         ?assertEqual(ok, alcove:chdir(Drv, [C], "/")),
                         ?assertEqual({ok, <<"/">>}, alcove:getcwd(Drv, [C])),
                         ?assertEqual(ok, alcove:chdir(Drv, [C], "/inside")),
                         ?assertEqual({ok, <<"/inside">>}, alcove:getcwd(Drv, [C])),
                         ?assertEqual({error, enoent}, alcove:chroot(Drv, [C], "/nonexistent")),
                         ?assertEqual({error, enoent}, alcove:execvp(Drv, [C], "/bin/sh", ["sh"]))
                 end)
    after
        file:del_dir_r(Dir)
    end.

t_setuid_setgid() ->
    with_drv(fun(Drv) ->
                     Id = 16#f0000000 + rand:uniform(16#ffff),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setgid(Drv, [C], Id)),
                     ?assertEqual(ok, alcove:setuid(Drv, [C], Id)),
                     ?assertEqual(Id, alcove:getuid(Drv, [C])),
                     ?assertEqual(Id, alcove:getgid(Drv, [C])),
                     %% privileges are gone
                     ?assertEqual({error, eperm}, alcove:setuid(Drv, [C], 0)),
                     ?assertEqual(0, alcove:getuid(Drv))
             end).

t_rlimit() ->
    with_drv(fun(Drv) ->
                     RLIMIT_FSIZE = alcove:rlimit_define(Drv, 'RLIMIT_FSIZE'),
                     RLIMIT_NOFILE = alcove:rlimit_define(Drv, 'RLIMIT_NOFILE'),
                     RLIMIT_NPROC = alcove:rlimit_define(Drv, 'RLIMIT_NPROC'),
                     ?assertEqual({1, 7, 6}, {RLIMIT_FSIZE, RLIMIT_NOFILE, RLIMIT_NPROC}),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setrlimit(Drv, [C], RLIMIT_FSIZE,
                                                       #alcove_rlimit{cur = 0, max = 0})),
                     ?assertEqual(ok, alcove:setrlimit(Drv, [C], RLIMIT_NPROC,
                                                       #alcove_rlimit{cur = 1, max = 1})),
                     ?assertEqual({ok, #alcove_rlimit{cur = 0, max = 0}},
                                  alcove:getrlimit(Drv, [C], RLIMIT_FSIZE)),
                     ?assertEqual({ok, #alcove_rlimit{cur = 1, max = 1}},
                                  alcove:getrlimit(Drv, [C], rlimit_nproc)),
                     {ok, #alcove_rlimit{cur = Cur, max = Max}} =
                         alcove:getrlimit(Drv, [C], RLIMIT_NOFILE),
                     ?assert(Cur =< Max),
                     ?assertEqual(ok, alcove:setrlimit(Drv, [C], RLIMIT_NOFILE,
                                                       #alcove_rlimit{cur = 64, max = Max})),
                     ?assertEqual({ok, #alcove_rlimit{cur = 64, max = Max}},
                                  alcove:getrlimit(Drv, [C], RLIMIT_NOFILE)),
                     ?assertEqual(64 div 4 - 4, alcove:getopt(Drv, [C], childlimit)),
                     ?assertEqual({error, enotsup}, alcove:getrlimit(Drv, [C], rlimit_nonesuch))
             end).

t_unshare() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     Flags = alcove:define(Drv, 'CLONE_NEWUTS'),
                     ?assertEqual(ok, alcove:unshare(Drv, [C], Flags)),
                     ok = alcove:sethostname(Drv, [C], "unshared"),
                     ?assertEqual({ok, <<"unshared">>}, alcove:gethostname(Drv, [C])),
                     ?assertNotEqual({ok, <<"unshared">>}, alcove:gethostname(Drv)),
                     %% the wire forms: a list of flags
                     ?assertEqual(ok, alcove:unshare(Drv, [C], [clone_newipc]))
             end).

t_clone() ->
    with_drv(fun(Drv) ->
                     %% the nsex example's flags
                     Flags = alcove:define(Drv, ['CLONE_NEWIPC', 'CLONE_NEWNET', 'CLONE_NEWNS',
                                                 'CLONE_NEWPID', 'CLONE_NEWUTS']),
                     ?assertEqual(16#08000000 bor 16#40000000 bor 16#00020000
                                  bor 16#20000000 bor 16#04000000, Flags),
                     {ok, Child} = alcove:clone(Drv, Flags),
                     %% PID 1 in its namespace
                     ?assertEqual(1, alcove:getpid(Drv, [Child])),
                     ?assertEqual([Child], alcove:pid(Drv)),
                     {ok, G} = alcove:clone(Drv, [Child], [clone_newuts]),
                     ?assertEqual(G, alcove:getpid(Drv, [Child, G])),
                     ?assertEqual({error, enotsup}, alcove:clone(Drv, [clone_no_such]))
             end).

t_setns() ->
    with_drv(fun(Drv) ->
                     %% the API.txt example, with the uts namespace (visible
                     %% through the hostname)
                     Flags = alcove:define(Drv, 'CLONE_NEWUTS'),
                     {ok, Child1} = alcove:clone(Drv, Flags),
                     ok = alcove:sethostname(Drv, [Child1], "alcove-setns"),
                     {ok, Child2} = alcove:fork(Drv),
                     ok = alcove:setns(Drv, [Child2],
                                       ["/proc/", integer_to_list(Child1), "/ns/uts"]),
                     ?assertEqual({ok, <<"alcove-setns">>}, alcove:gethostname(Drv, [Child2])),
                     ?assertEqual({error, enoent}, alcove:setns(Drv, [Child2], "/proc/0/ns/uts")),
                     %% the wire form: setns(Fd, NsType)
                     {ok, Child3} = alcove:fork(Drv),
                     {ok, Fd} = alcove:open(Drv, [Child3],
                                            "/proc/" ++ integer_to_list(Child1) ++ "/ns/uts", 0, 0),
                     ?assertEqual(ok, alcove:setns(Drv, [Child3], Fd, clone_newuts)),
                     ?assertEqual({ok, <<"alcove-setns">>}, alcove:gethostname(Drv, [Child3]))
             end).

t_close() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd} = alcove:open(Drv, [C], "/dev/null", 0, 0),
                     ?assertEqual(ok, alcove:close(Drv, [C], Fd)),
                     ?assertEqual({error, ebadf}, alcove:close(Drv, [C], Fd)),
                     ?assertEqual({error, ebadf}, alcove:close(Drv, 1000000))
             end).

t_exit() ->
    with_drv([{exit_status, true}],
             fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:exit(Drv, [C], 0)),
                     ?assertEqual({exit_status, 0}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual([], alcove:pid(Drv)),
                     ?assertError(badpid, alcove:getpid(Drv, [C]))
             end).

t_execve() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:execve(Drv, [C], "/bin/sh",
                                                    ["/bin/sh", "-c", "echo $FOO; echo $HOME"],
                                                    ["FOO=bar"])),
                     ?assertEqual(<<"bar\n\n">>, read_stdout(Drv, [C], 5)),
                     %% the call/4 example of API.txt
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:call(Drv, [C2], execve,
                                      ["/bin/ls", ["/bin/ls", "-d", "/"], ["HOME=/home/foo"]]),
                     ?assertEqual(<<"/\n">>, alcove:stdout(Drv, [C2], 5000))
             end).

t_execvp_error() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({error, enoent}, alcove:execvp(Drv, [C], "/nonexistent", ["x"])),
                     ?assertEqual(C, alcove:getpid(Drv, [C])),
                     %% PATH search
                     ok = alcove:execvp(Drv, [C], "echo", ["echo", "found"]),
                     ?assertEqual(<<"found\n">>, alcove:stdout(Drv, [C], 5000))
             end).

%% The port itself can exec: its output then arrives raw.
t_root_exec() ->
    {ok, Drv} = alcove_drv:start(),
    MRef = erlang:monitor(process, Drv),
    ?assertEqual(ok, alcove:execvp(Drv, "/bin/cat", ["/bin/cat"])),
    ?assertEqual(true, alcove:stdin(Drv, [], "raw bytes\n")),
    ?assertEqual(<<"raw bytes\n">>, alcove:stdout(Drv, [], 5000)),
    ?assertError(fdctl_closed, alcove:getpid(Drv)),
    alcove_drv:stop(Drv),
    receive {'DOWN', MRef, process, Drv, _} -> ok end,
    %% exit: the port ends, the driver reports its status and stops
    {ok, Drv2} = alcove_drv:start(),
    MRef2 = erlang:monitor(process, Drv2),
    ?assertEqual(ok, alcove:exit(Drv2, 3)),
    ?assertEqual({exit_status, 3}, alcove:event(Drv2, [], 5000)),
    receive {'DOWN', MRef2, process, Drv2, normal} -> ok
    after 5000 -> erlang:error(driver_still_running)
    end.

%%--------------------------------------------------------------------
%% Constants
%%--------------------------------------------------------------------

t_signal_constant() ->
    with_drv(fun(Drv) ->
                     ?assertEqual('SIGCHLD', alcove:signal_constant(Drv, 17)),
                     ?assertEqual('SIGHUP', alcove:signal_constant(Drv, 1)),
                     ?assertEqual('SIGABRT', alcove:signal_constant(Drv, 6)),
                     ?assertEqual('SIGIO', alcove:signal_constant(Drv, 29)),
                     ?assertEqual(false, alcove:signal_constant(Drv, 0)),
                     ?assertEqual(false, alcove:signal_constant(Drv, 40)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual('SIGTERM', alcove:signal_constant(Drv, [C], 15)),
                     %% an atom: the port's call, name to number
                     ?assertEqual(17, alcove:signal_constant(Drv, sigchld)),
                     ?assertEqual(15, alcove:signal_constant(Drv, 'SIGTERM')),
                     ?assertEqual(unknown, alcove:signal_constant(Drv, sig_no_such))
             end).

t_constants() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(131072, alcove:clone_constant(Drv, clone_newns)),
                     ?assertEqual(536870912, alcove:clone_constant(Drv, 'CLONE_NEWPID')),
                     ?assertEqual(unknown, alcove:clone_constant(Drv, clone_vm)),
                     ?assertEqual(7, alcove:rlimit_constant(Drv, rlimit_nofile)),
                     ?assertEqual(unknown, alcove:rlimit_constant(Drv, rlimit_nonesuch)),
                     ?assertEqual(enoent, alcove:errno_id(Drv, 2)),
                     ?assertEqual(eagain, alcove:errno_id(Drv, 11)),
                     ?assertEqual(unknown, alcove:errno_id(Drv, 0)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(eperm, alcove:errno_id(Drv, [C], 1)),
                     ?assertError(badarg, alcove:clone_constant(Drv, 1))
             end).

t_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(131072, alcove:clone_define(Drv, 'CLONE_NEWNS')),
                     ?assertEqual(131072, alcove:clone_define(Drv, [], clone_newns)),
                     ?assertEqual(false, alcove:clone_define(Drv, 'CLONE_NONESUCH')),
                     ?assertEqual(0, alcove:file_define(Drv, 'O_RDONLY')),
                     ?assertEqual(64, alcove:file_define(Drv, 'O_CREAT')),
                     ?assertEqual(1, alcove:fcntl_define(Drv, 'F_GETFD')),
                     ?assertEqual(21523, alcove:ioctl_define(Drv, 'TIOCGWINSZ')),
                     ?assertEqual(1, alcove:mount_define(Drv, 'MS_RDONLY')),
                     ?assertEqual([1, 2, 8, 1024],
                                  [alcove:mount_define(Drv, F) || F <- [rdonly, nosuid, noexec, noatime]]),
                     ?assertEqual(38, alcove:prctl_define(Drv, 'PR_SET_NO_NEW_PRIVS')),
                     ?assertEqual(0, alcove:ptrace_define(Drv, 'PTRACE_TRACEME')),
                     ?assertEqual(7, alcove:rlimit_define(Drv, 'RLIMIT_NOFILE')),
                     ?assertEqual(1, alcove:seccomp_define(Drv, 'SECCOMP_SET_MODE_FILTER')),
                     ?assertEqual(15, alcove:signal_define(Drv, 'SIGTERM')),
                     ?assertEqual(false, alcove:signal_define(Drv, 'SIGNONESUCH')),
                     ?assertEqual(0, alcove:syscall_define(Drv, 'SYS_read')),
                     ?assertEqual(0, alcove:syscall_define(Drv, '__NR_read')),
                     ?assertEqual(39, alcove:syscall_define(Drv, sys_getpid)),
                     case alcove:audit_arch() of
                         audit_arch_x86_64 ->
                             ?assertEqual(3221225534, alcove:syscall_define(Drv, 'AUDIT_ARCH_X86_64')),
                             ?assertEqual(3221225534, alcove:define(Drv, alcove:audit_arch()));
                         _ ->
                             ok
                     end,
                     %% define/2,3: any table, flags combined
                     ?assertEqual(131072, alcove:define(Drv, 'CLONE_NEWNS')),
                     ?assertEqual(15, alcove:define(Drv, sigterm)),
                     ?assertEqual(2, alcove:define(Drv, 'O_RDWR')),
                     ?assertEqual(16#04000000 bor 16#08000000,
                                  alcove:define(Drv, ['CLONE_NEWUTS', 'CLONE_NEWIPC'])),
                     ?assertEqual(16#04000000, alcove:define(Drv, ['CLONE_NEWUTS', clone_newuts])),
                     ?assertEqual(0, alcove:define(Drv, [])),
                     ?assertEqual(false, alcove:define(Drv, no_such_constant)),
                     ?assertEqual(false, alcove:define(Drv, ['CLONE_NEWUTS', no_such_constant])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(1024, alcove:define(Drv, [C], noatime))
             end).

%%--------------------------------------------------------------------
%% Options
%%--------------------------------------------------------------------

t_getopt_defaults() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(0, alcove:getopt(Drv, verbose)),
                     ?assertEqual(0, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(16, alcove:getopt(Drv, maxforkdepth)),
                     ?assertEqual(1, alcove:getopt(Drv, sigchld)),
                     ?assertEqual(0, alcove:getopt(Drv, termsig)),
                     ?assert(is_integer(alcove:getopt(Drv, maxchild))),
                     {ok, #alcove_rlimit{cur = NoFile}} = alcove:getrlimit(Drv, rlimit_nofile),
                     ?assertEqual(NoFile div 4 - 4, alcove:getopt(Drv, childlimit)),
                     ?assertEqual(false, alcove:getopt(Drv, no_such_option)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(16, alcove:getopt(Drv, [C], maxforkdepth)),
                     ?assertEqual(1, alcove:getopt(Drv, [C], sigchld))
             end).

t_setopt() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(false, alcove:setopt(Drv, childlimit, 10)),
                     ?assertEqual(true, alcove:setopt(Drv, verbose, 3)),
                     ?assertEqual(3, alcove:getopt(Drv, verbose)),
                     ?assertEqual(true, alcove:setopt(Drv, exit_status, 5)),
                     ?assertEqual(1, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(true, alcove:setopt(Drv, maxchild, 5)),
                     ?assertEqual(5, alcove:getopt(Drv, maxchild)),
                     ?assertEqual(true, alcove:setopt(Drv, maxforkdepth, 4)),
                     ?assertEqual(4, alcove:getopt(Drv, maxforkdepth)),
                     ?assertEqual(false, alcove:setopt(Drv, no_such_option, 1)),
                     ?assertError(badarg, alcove:setopt(Drv, verbose, -1)),
                     ?assertError(badpid, alcove:setopt(Drv, [999999999], exit_status, 1)),
                     %% options of the port itself, passed through
                     ?assertEqual(true, alcove:setopt(Drv, signaloneof, 9)),
                     ?assertEqual(9, alcove:getopt(Drv, signaloneof))
             end).

%%--------------------------------------------------------------------
%% Signals and events
%%--------------------------------------------------------------------

t_sigaction() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:sigaction(Drv, [C], 15, ign)),
                     ok = alcove:kill(Drv, C, 15),
                     ?assertEqual(false, alcove:event(Drv, [C], 300)),
                     ?assertEqual(C, alcove:getpid(Drv, [C])),
                     ?assertEqual(ok, alcove:sigaction(Drv, [C], 15, trap)),
                     ok = alcove:kill(Drv, C, 15),
                     ?assertEqual({signal, 15}, alcove:event(Drv, [C], 5000)),
                     %% the port's own forms
                     ?assertEqual({ok, sig_info}, alcove:sigaction(Drv, [C], sigterm, [])),
                     ?assertEqual({ok, sig_info}, alcove:sigaction(Drv, [C], 15, sig_dfl)),
                     ?assertEqual({ok, sig_dfl}, alcove:sigaction(Drv, [C], 15, <<>>)),
                     %% SIGCHLD is controlled by the sigchld option
                     ?assertEqual({error, einval}, alcove:sigaction(Drv, [C], 17, trap)),
                     ?assertEqual({error, einval}, alcove:sigaction(Drv, [C], 'SIGCHLD', dfl)),
                     ?assertEqual(ok, alcove:sigaction(Drv, [C], 15, dfl)),
                     ok = alcove:kill(Drv, C, 15),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000)),
                     ?assertError(badpid, alcove:getpid(Drv, [C]))
             end).

t_event() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(false, alcove:event(Drv, [], 0)),
                     Pid = alcove:getpid(Drv),
                     ok = alcove:kill(Drv, Pid, 12),
                     ?assertEqual({signal, 12}, alcove:event(Drv)),
                     ok = alcove:kill(Drv, Pid, 10),
                     ?assertEqual({signal, 10}, alcove:event(Drv, [])),
                     ?assertEqual(false, alcove:event(Drv, [], 0))
             end).

t_filter() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:filter(Drv, [C], alcove:filter([getpid]), <<>>)),
                     ?assertError(undef, alcove:getpid(Drv, [C])),
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv, [C])),
                     %% children of C start with C's subprocess filter
                     ?assertEqual(ok, alcove:filter(Drv, [C], <<>>,
                                                    alcove:filter({allow, [version, fork]}))),
                     {ok, G} = alcove:fork(Drv, [C]),
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv, [C, G])),
                     ?assertError(undef, alcove:getcwd(Drv, [C, G])),
                     ?assertMatch({ok, _}, alcove:getcwd(Drv, [C]))
             end).

t_select() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, [], [], []},
                                  alcove:select(Drv, [C], [], [], [],
                                                #alcove_timeval{sec = 0, usec = 1000})),
                     %% <<>> blocks until an fd is ready: fd 1 is writable
                     ?assertEqual({ok, [], [1], []}, alcove:select(Drv, [C], [], [1], [], <<>>))
             end).

t_prctl() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, 1, 0, 0, 0, 0},
                                  alcove:prctl(Drv, [C], alcove:prctl_define(Drv, 'PR_GET_DUMPABLE'),
                                               0, 0, 0, 0)),
                     ?assertMatch({ok, 0, 1, 0, 0, 0},
                                  alcove:prctl(Drv, [C], pr_set_no_new_privs, 1, 0, 0, 0)),
                     ?assertEqual({ok, 1, 0, 0, 0, 0},
                                  alcove:prctl(Drv, [C], pr_get_no_new_privs, 0, 0, 0, 0))
             end).

t_files() ->
    Dir = alcove_test_lib:tmpdir("alcove_files"),
    try
        with_drv(fun(Drv) -> files(Drv, Dir) end)
    after
        file:del_dir_r(Dir)
    end.

files(Drv, Dir) ->
    {ok, C} = alcove:fork(Drv),
    Sub = filename:join(Dir, "sub"),
    ?assertEqual(ok, alcove:mkdir(Drv, [C], Sub, 8#750)),
    ?assertEqual({error, eexist}, alcove:mkdir(Drv, [C], Sub, 8#750)),
    File = filename:join(Sub, "file"),
    Flags = alcove:define(Drv, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']),
    ?assertEqual(1 bor 64 bor 512, Flags),
    {ok, Fd} = alcove:open(Drv, [C], File, Flags, 8#640),
    ?assertEqual({ok, 11}, alcove:write(Drv, [C], Fd, ["hello", <<" world">>])),
    ?assertEqual(ok, alcove:close(Drv, [C], Fd)),
    ?assertEqual({ok, <<"hello world">>}, file:read_file(File)),
    {ok, Fd2} = alcove:open(Drv, [C], File, alcove:file_define(Drv, 'O_RDONLY'), 0),
    ?assertEqual({ok, <<"hello">>}, alcove:read(Drv, [C], Fd2, 5)),
    ?assertEqual(ok, alcove:lseek(Drv, [C], Fd2, 0, 0)),
    ?assertEqual({ok, <<"hello world">>}, alcove:read(Drv, [C], Fd2, 100)),
    ?assertEqual({ok, <<>>}, alcove:read(Drv, [C], Fd2, 100)),
    ?assertEqual(ok, alcove:close(Drv, [C], Fd2)),
    ?assertEqual(ok, alcove:chmod(Drv, [C], File, 8#600)),
    ?assertEqual(ok, alcove:chown(Drv, [C], File, 65534, 65533)),
    {ok, Info} = file:read_file_info(File),
    ?assertEqual({8#600, 65534, 65533},
                 {element(8, Info) band 8#777, element(13, Info), element(14, Info)}),
    ?assertEqual({ok, [<<".">>, <<"..">>, <<"file">>]},
                 case alcove:readdir(Drv, [C], Sub) of
                     {ok, Names} -> {ok, lists:sort(Names)};
                     Error -> Error
                 end),
    ?assertEqual({error, enotempty}, alcove:rmdir(Drv, [C], Sub)),
    ?assertEqual(ok, alcove:unlink(Drv, [C], File)),
    ?assertEqual(ok, alcove:rmdir(Drv, [C], Sub)),
    ?assertEqual({error, enoent}, alcove:open(Drv, [C], File, 0, 0)),
    ?assertEqual({error, enoent}, alcove:readdir(Drv, [C], Sub)).

t_session() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% a child stays in its parent's process group and session
                     ?assertEqual(alcove:getpgrp(Drv), alcove:getpgrp(Drv, [C])),
                     {ok, Sid} = alcove:getsid(Drv, 0),
                     ?assertEqual({ok, Sid}, alcove:getsid(Drv, [C], 0)),
                     ?assertEqual({ok, C}, alcove:setsid(Drv, [C])),
                     ?assertEqual(C, alcove:getpgrp(Drv, [C])),
                     ?assertEqual({ok, C}, alcove:getsid(Drv, [], C)),
                     ?assertEqual({error, eperm}, alcove:setsid(Drv, [C]))
             end).

%% mount/umount in a new mount namespace.
t_mount() ->
    Dir = alcove_test_lib:tmpdir("alcove_mount"),
    try
        with_drv(fun(Drv) ->
                         {ok, C} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWNS')),
                         %% keep the namespace's mounts to itself
                         ok = alcove:mount(Drv, [C], "none", "/", "",
                                           alcove:define(Drv, [ms_rec, ms_private]), ""),
                         ?assertEqual(ok, alcove:mount(Drv, [C], "tmpfs", Dir, "tmpfs",
                                                       alcove:mount_define(Drv, noexec),
                                                       "size=1m")),
                         ?assertEqual(ok, alcove:mkdir(Drv, [C], filename:join(Dir, "in_tmpfs"),
                                                       8#700)),
                         ?assertMatch({ok, [_, _, _]}, alcove:readdir(Drv, [C], Dir)),
                         %% not visible outside the namespace
                         ?assertEqual({ok, []}, file:list_dir(Dir)),
                         ?assertEqual(ok, alcove:umount(Drv, [C], Dir)),
                         ?assertMatch({ok, [_, _]}, alcove:readdir(Drv, [C], Dir)),
                         ?assertEqual({error, einval}, alcove:umount(Drv, [C], Dir)),
                         %% the port's form, with the (unused on Linux) options
                         ?assertEqual(ok, alcove:mount(Drv, [C], "tmpfs", Dir, "tmpfs", 0, "", "")),
                         ?assertEqual(ok, alcove:umount(Drv, [C], Dir))
                 end)
    after
        file:del_dir_r(Dir)
    end.

%%--------------------------------------------------------------------
%% The driver
%%--------------------------------------------------------------------

t_call_forms() ->
    with_drv(fun(Drv) ->
                     Pid = alcove:getpid(Drv),
                     ?assertEqual(Pid, alcove:call(Drv, getpid)),
                     ?assertEqual(Pid, alcove:call(Drv, getpid, [])),
                     ?assertEqual(Pid, alcove:call(Drv, [], getpid, [])),
                     ?assertEqual(Pid, alcove:call(Drv, [], getpid, [], 5000)),
                     ?assertEqual(0, alcove:call(Drv, [], getopt, [exit_status])),
                     ?assertEqual(Pid, alcove_drv:call(Drv, [], getpid, [], infinity)),
                     ?assertEqual({alcove_error, badarg},
                                  alcove_drv:call(Drv, [], chdir, [""], infinity)),
                     %% the messages the owner receives
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/echo", ["echo", "msg"]),
                     receive
                         {alcove_stdout, Drv, [C], <<"msg\n">>} -> ok
                     after 5000 -> erlang:error(no_stdout_message)
                     end
             end).

t_start_errors() ->
    flush(),
    ?assertMatch({error, _}, alcove_drv:start([{progname, "/nonexistent/alcove"}])),
    ?assertEqual({error, port_init_failed}, alcove_drv:start([{progname, "/bin/true"}])),
    ?assertEqual({error, port_init_failed}, alcove_drv:start([{ctldir, "/nonexistent/dir"}])),
    %% a failed start_link neither kills the caller nor leaves messages
    ?assertEqual({error, port_init_failed}, alcove_drv:start_link([{progname, "/bin/false"}])),
    receive Stray -> erlang:error({stray_message, Stray})
    after 200 -> ok
    end.

t_stop() ->
    {ok, Drv} = alcove_drv:start_link(),
    {ok, C} = alcove:fork(Drv),
    ok = alcove:execvp(Drv, [C], "/bin/sleep", ["sleep", "1000"]),
    ?assertEqual(ok, alcove_drv:stop(Drv)),
    ?assertNot(is_process_alive(Drv)),
    %% the exec'd child got its signaloneof signal (SIGTERM) with the port
    wait_gone(C, 50),
    %% the owner exiting stops the driver
    Self = self(),
    Owner = spawn(fun() -> {ok, D} = alcove_drv:start(), Self ! {drv, D},
                           receive stop -> ok end
                  end),
    Drv2 = receive {drv, D} -> D after 10000 -> erlang:error(no_driver) end,
    MRef = erlang:monitor(process, Drv2),
    Owner ! stop,
    receive {'DOWN', MRef, process, Drv2, _} -> ok
    after 5000 -> erlang:error(driver_outlived_owner)
    end.

%% Messages left by earlier tests' drivers.
flush() ->
    receive _ -> flush()
    after 0 -> ok
    end.

wait_gone(Pid, 0) ->
    erlang:error({still_running, Pid});
wait_gone(Pid, N) ->
    %% gone, or a zombie waiting for whoever inherited it
    case file:read_file("/proc/" ++ integer_to_list(Pid) ++ "/stat") of
        {error, enoent} -> ok;
        {ok, Stat} ->
            [_, AfterComm] = string:split(Stat, ") ", trailing),
            case AfterComm of
                <<"Z", _/binary>> -> ok;
                _ -> timer:sleep(100), wait_gone(Pid, N - 1)
            end
    end.
