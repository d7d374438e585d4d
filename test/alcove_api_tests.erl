%%% Every function of the alcove manual (API.txt), in both arities: the
%%% short form runs in the port process, the long form (with a fork path)
%%% in a child. Each test has a success and a failure case, with the
%%% documented argument and return shapes. Runs as root against the real
%%% port executable; every test starts its own driver.
-module(alcove_api_tests).

-include_lib("eunit/include/eunit.hrl").
-include("../include/alcove.hrl").

-import(alcove_test_lib, [with_drv/1, with_drv/2]).

-compile([export_all, nowarn_export_all]).

-define(NOPID, 999999999).

alcove_api_test_() ->
    alcove_test_lib:tests(?MODULE, 60).

%% A scratch directory removed after Fun(Dir).
with_dir(Fun) ->
    Dir = alcove_test_lib:tmpdir("alcove_api"),
    try Fun(Dir)
    after file:del_dir_r(Dir)
    end.

%% A child process that has given up root.
unprivileged(Drv) ->
    {ok, C} = alcove:fork(Drv),
    ok = alcove:setgid(Drv, [C], 65534),
    ok = alcove:setuid(Drv, [C], 65534),
    C.

%%--------------------------------------------------------------------
%% alcove_drv
%%--------------------------------------------------------------------

t_drv_start() ->
    {ok, Drv} = alcove_drv:start(),
    ?assert(is_pid(Drv)),
    ok = alcove_drv:stop(Drv),
    {ok, Drv2} = alcove_drv:start([{exec, ""}, {progname, alcove_drv:progname()},
                                   {env, [{"ALCOVE_API", "1"}]},
                                   {exit_status, true}, {sigchld, true}, {termsig, false},
                                   {verbose, 0}, {maxchild, 8}, {maxforkdepth, 4}]),
    try
        ?assertEqual(<<"1">>, alcove:getenv(Drv2, "ALCOVE_API")),
        ?assertEqual(8, alcove:getopt(Drv2, maxchild)),
        ?assertEqual(4, alcove:getopt(Drv2, maxforkdepth)),
        ?assertEqual(1, alcove:getopt(Drv2, exit_status))
    after
        alcove_drv:stop(Drv2)
    end,
    %% stderr_to_stdout: only for a port that calls exec
    {ok, Drv3} = alcove_drv:start([stderr_to_stdout]),
    ok = alcove:execvp(Drv3, "/bin/sh", ["/bin/sh", "-c", "echo to-stderr >&2"]),
    ?assertEqual(<<"to-stderr\n">>, alcove:stdout(Drv3, [], 5000)),
    alcove_drv:stop(Drv3),
    %% failures
    ?assertEqual({error, port_init_failed}, alcove_drv:start([{progname, "/bin/true"}])),
    ?assertMatch({error, _}, alcove_drv:start([{progname, "/nonexistent"}])).

%%--------------------------------------------------------------------
%% alcove: the event loop
%%--------------------------------------------------------------------

t_chdir() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(ok, alcove:chdir(Drv, "/")),
                     ?assertEqual({ok, <<"/">>}, alcove:getcwd(Drv)),
                     ?assertEqual({error, enoent}, alcove:chdir(Drv, "/nonexistent")),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:chdir(Drv, [C], <<"/tmp">>)),
                     ?assertEqual({error, enotdir}, alcove:chdir(Drv, [C], "/etc/passwd"))
             end).

t_chmod() ->
    with_dir(fun(Dir) ->
                     File = filename:join(Dir, "f"),
                     ok = file:write_file(File, <<>>),
                     with_drv(fun(Drv) ->
                                      ?assertEqual(ok, alcove:chmod(Drv, File, 8#600)),
                                      ?assertEqual(8#600, mode(File)),
                                      ?assertEqual({error, enoent},
                                                   alcove:chmod(Drv, File ++ ".no", 8#600)),
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual(ok, alcove:chmod(Drv, [C], File, 8#640)),
                                      ?assertEqual(8#640, mode(File)),
                                      U = unprivileged(Drv),
                                      ?assertEqual({error, eperm},
                                                   alcove:chmod(Drv, [U], File, 8#777))
                              end)
             end).

mode(File) ->
    {ok, Info} = file:read_file_info(File),
    element(8, Info) band 8#7777.

t_chown() ->
    with_dir(fun(Dir) ->
                     File = filename:join(Dir, "f"),
                     ok = file:write_file(File, <<>>),
                     with_drv(fun(Drv) ->
                                      ?assertEqual(ok, alcove:chown(Drv, File, 1, 2)),
                                      ?assertEqual({1, 2}, owner(File)),
                                      ?assertEqual({error, enoent},
                                                   alcove:chown(Drv, File ++ ".no", 1, 2)),
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual(ok, alcove:chown(Drv, [C], File, 3, 4)),
                                      ?assertEqual({3, 4}, owner(File)),
                                      U = unprivileged(Drv),
                                      ?assertEqual({error, eperm},
                                                   alcove:chown(Drv, [U], File, 0, 0))
                              end)
             end).

owner(File) ->
    {ok, Info} = file:read_file_info(File),
    {element(13, Info), element(14, Info)}.

t_chroot() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual(ok, alcove:chroot(Drv, [C], Dir)),
                                      ?assertEqual({error, enoent},
                                                   alcove:chroot(Drv, [C], "/nonexistent")),
                                      %% the port itself
                                      ?assertEqual(ok, alcove:chroot(Drv, Dir)),
                                      ok = alcove:chdir(Drv, "/"),
                                      ?assertEqual({ok, [<<".">>, <<"..">>]},
                                                   sorted(alcove:readdir(Drv, "/"))),
                                      ?assertEqual({error, enoent}, alcove:chroot(Drv, "/etc"))
                              end)
             end).

sorted({ok, L}) -> {ok, lists:sort(L)};
sorted(Other) -> Other.

t_clearenv() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:clearenv(Drv, [C])),
                     ?assertEqual([], alcove:environ(Drv, [C])),
                     ?assertEqual(ok, alcove:clearenv(Drv)),
                     ?assertEqual([], alcove:environ(Drv)),
                     %% clearenv cannot fail; a fork path naming no process does
                     ?assertError(badpid, alcove:clearenv(Drv, [?NOPID]))
             end).

t_clone() ->
    with_drv(fun(Drv) ->
                     Flags = alcove:define(Drv, 'CLONE_NEWPID'),
                     {ok, C} = alcove:clone(Drv, Flags),
                     ?assert(is_integer(C)),
                     ?assertEqual(1, alcove:getpid(Drv, [C])),
                     {ok, G} = alcove:clone(Drv, [C], alcove:define(Drv, 'CLONE_NEWUTS')),
                     ?assertEqual(2, alcove:getpid(Drv, [C, G])),
                     %% flags sharing the parent's memory are refused
                     ?assertEqual({error, einval}, alcove:clone(Drv, 16#100)),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm}, alcove:clone(Drv, [U], Flags))
             end).

t_clone_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(16#20000, alcove:clone_define(Drv, 'CLONE_NEWNS')),
                     ?assertEqual(false, alcove:clone_define(Drv, 'CLONE_NONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(16#4000000, alcove:clone_define(Drv, [C], 'CLONE_NEWUTS')),
                     ?assertEqual(false, alcove:clone_define(Drv, [C], 'O_RDONLY'))
             end).

t_close() ->
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/dev/null", 0, 0),
                     ?assertEqual(ok, alcove:close(Drv, Fd)),
                     ?assertEqual({error, ebadf}, alcove:close(Drv, Fd)),
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd2} = alcove:open(Drv, [C], "/dev/null", 0, 0),
                     ?assertEqual(ok, alcove:close(Drv, [C], Fd2)),
                     ?assertEqual({error, ebadf}, alcove:close(Drv, [C], Fd2))
             end).

t_environ() ->
    with_drv(fun(Drv) ->
                     Env = alcove:environ(Drv),
                     ?assert(lists:all(fun is_binary/1, Env)),
                     ?assert(lists:any(fun(<<"PATH=", _/binary>>) -> true; (_) -> false end, Env)),
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:setenv(Drv, [C], "ALCOVE_ENVIRON", "x", 1),
                     ?assert(lists:member(<<"ALCOVE_ENVIRON=x">>, alcove:environ(Drv, [C]))),
                     ?assertError(badpid, alcove:environ(Drv, [?NOPID]))
             end).

t_event() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(false, alcove:event(Drv)),
                     ok = alcove:kill(Drv, alcove:getpid(Drv), alcove:signal_define(Drv, 'SIGUSR1')),
                     ?assertEqual({signal, 10}, alcove:event(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(false, alcove:event(Drv, [C])),
                     ok = alcove:kill(Drv, C, 12),
                     ?assertEqual({signal, 12}, alcove:event(Drv, [C])),
                     ?assertEqual(false, alcove:event(Drv, [C]))
             end).

t_execve() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({error, enoent},
                                  alcove:execve(Drv, [C], "/nonexistent", ["x"], [])),
                     ?assertEqual(ok, alcove:execve(Drv, [C], "/bin/sh",
                                                    ["/bin/sh", "-c", "echo $X"], ["X=1"])),
                     ?assertEqual(<<"1\n">>, alcove:stdout(Drv, [C], 5000))
             end),
    %% the port itself
    with_drv(fun(Drv) ->
                     ?assertEqual({error, enoent}, alcove:execve(Drv, "/nonexistent", ["x"], [])),
                     ?assertEqual(ok, alcove:execve(Drv, "/bin/sh", ["/bin/sh", "-c", "echo $Y"],
                                                    ["Y=2"])),
                     ?assertEqual(<<"2\n">>, alcove:stdout(Drv, [], 5000))
             end).

t_execvp() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({error, enoent}, alcove:execvp(Drv, [C], "no-such-program", ["x"])),
                     ?assertEqual(ok, alcove:execvp(Drv, [C], "/bin/cat", ["/bin/cat"])),
                     true = alcove:stdin(Drv, [C], "hello process\n"),
                     ?assertEqual(<<"hello process\n">>, alcove:stdout(Drv, [C], 5000))
             end),
    with_drv(fun(Drv) ->
                     ?assertEqual({error, enoent}, alcove:execvp(Drv, "/nonexistent", ["x"])),
                     ?assertEqual(ok, alcove:execvp(Drv, "cat", ["cat"])),
                     true = alcove:stdin(Drv, [], "raw\n"),
                     ?assertEqual(<<"raw\n">>, alcove:stdout(Drv, [], 5000))
             end).

t_exit() ->
    with_drv([{exit_status, true}],
             fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:exit(Drv, [C], 7)),
                     ?assertEqual({exit_status, 7}, alcove:event(Drv, [C], 5000)),
                     ?assertError(badpid, alcove:exit(Drv, [C], 0))
             end),
    %% the port itself: the driver reports its exit status, then stops
    with_drv(fun(Drv) ->
                     MRef = erlang:monitor(process, Drv),
                     ?assertEqual(ok, alcove:exit(Drv, 3)),
                     ?assertEqual({exit_status, 3}, alcove:event(Drv, [], 5000)),
                     %% the driver is gone with its port
                     receive {'DOWN', MRef, process, Drv, _} -> ok end,
                     ?assertExit({noproc, _}, alcove:getpid(Drv))
             end).

t_file_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(0, alcove:file_define(Drv, 'O_RDONLY')),
                     ?assertEqual(false, alcove:file_define(Drv, 'O_NONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(64, alcove:file_define(Drv, [C], 'O_CREAT')),
                     ?assertEqual(false, alcove:file_define(Drv, [C], 'CLONE_NEWNS'))
             end).

t_fork() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [C]),
                     ?assertEqual(G, alcove:getpid(Drv, [C, G])),
                     true = alcove:setopt(Drv, [C, G], maxforkdepth, 0),
                     ?assertEqual({error, eagain}, alcove:fork(Drv, [C, G])),
                     true = alcove:setopt(Drv, maxforkdepth, 0),
                     ?assertEqual({error, eagain}, alcove:fork(Drv))
             end).

t_getcwd() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      ok = alcove:chdir(Drv, "/tmp"),
                                      ?assertEqual({ok, <<"/tmp">>}, alcove:getcwd(Drv)),
                                      {ok, C} = alcove:fork(Drv),
                                      Gone = filename:join(Dir, "gone"),
                                      ok = file:make_dir(Gone),
                                      ok = alcove:chdir(Drv, [C], Gone),
                                      ?assertEqual({ok, list_to_binary(Gone)},
                                                   alcove:getcwd(Drv, [C])),
                                      ok = file:del_dir(Gone),
                                      ?assertEqual({error, enoent}, alcove:getcwd(Drv, [C])),
                                      ok = alcove:chdir(Drv, Dir),
                                      ok = file:del_dir(Dir),
                                      ok = file:make_dir(Dir),
                                      ?assertEqual({error, enoent}, alcove:getcwd(Drv))
                              end)
             end).

t_getenv() ->
    with_drv(fun(Drv) ->
                     ?assertMatch(<<_/binary>>, alcove:getenv(Drv, "PATH")),
                     ?assertEqual(false, alcove:getenv(Drv, "ALCOVE_NO_SUCH_VARIABLE")),
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:setenv(Drv, [C], "ALCOVE_GETENV", "v", 1),
                     ?assertEqual(<<"v">>, alcove:getenv(Drv, [C], <<"ALCOVE_GETENV">>)),
                     ?assertEqual(false, alcove:getenv(Drv, [C], "ALCOVE_NO_SUCH_VARIABLE"))
             end).

t_getgid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(0, alcove:getgid(Drv)),
                     U = unprivileged(Drv),
                     ?assertEqual(65534, alcove:getgid(Drv, [U])),
                     ?assertError(badpid, alcove:getgid(Drv, [?NOPID]))
             end).

t_gethostname() ->
    with_drv(fun(Drv) ->
                     {ok, Host} = alcove:gethostname(Drv),
                     ?assertEqual(hostname(), binary_to_list(Host)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, Host}, alcove:gethostname(Drv, [C])),
                     ?assertError(badpid, alcove:gethostname(Drv, [?NOPID]))
             end).

t_getopt() ->
    with_drv(fun(Drv) ->
                     {ok, #alcove_rlimit{cur = NoFile}} = alcove:getrlimit(Drv, 'RLIMIT_NOFILE'),
                     %% the documented defaults
                     ?assertEqual(0, alcove:getopt(Drv, verbose)),
                     ?assertEqual(NoFile div 4 - 4, alcove:getopt(Drv, childlimit)),
                     ?assertEqual(0, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(16, alcove:getopt(Drv, maxforkdepth)),
                     ?assertEqual(1, alcove:getopt(Drv, sigchld)),
                     ?assertEqual(0, alcove:getopt(Drv, termsig)),
                     ?assert(alcove:getopt(Drv, maxchild) > 0),
                     ?assertEqual(false, alcove:getopt(Drv, no_such_option)),
                     %% inherited by children
                     {ok, C} = alcove:fork(Drv),
                     [?assertEqual(alcove:getopt(Drv, Opt), alcove:getopt(Drv, [C], Opt))
                      || Opt <- [verbose, childlimit, exit_status, maxchild, maxforkdepth,
                                 sigchld, termsig]],
                     ?assertEqual(false, alcove:getopt(Drv, [C], no_such_option)),
                     %% the child limit follows the child's RLIMIT_NOFILE
                     ok = alcove:setrlimit(Drv, [C], 'RLIMIT_NOFILE', #alcove_rlimit{cur = 64, max = 64}),
                     ?assertEqual(64 div 4 - 4, alcove:getopt(Drv, [C], childlimit)),
                     ok = alcove:setrlimit(Drv, [C], 'RLIMIT_NOFILE', #alcove_rlimit{cur = 0, max = 0}),
                     ?assertEqual(0, alcove:getopt(Drv, [C], childlimit))
             end).

t_getpgrp() ->
    with_drv(fun(Drv) ->
                     Pgrp = alcove:getpgrp(Drv),
                     ?assert(is_integer(Pgrp)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(Pgrp, alcove:getpgrp(Drv, [C])),
                     ?assertError(badpid, alcove:getpgrp(Drv, [?NOPID]))
             end).

t_getpid() ->
    with_drv(fun(Drv) ->
                     %% "The following functions are equivalent"
                     ?assertEqual(alcove:getpid(Drv), alcove:getpid(Drv, [])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(C, alcove:getpid(Drv, [C])),
                     ?assertError(badpid, alcove:getpid(Drv, [?NOPID]))
             end).

t_getrlimit() ->
    with_drv(fun(Drv) ->
                     RLIMIT_NOFILE = alcove:rlimit_define(Drv, 'RLIMIT_NOFILE'),
                     ?assertMatch({ok, #alcove_rlimit{cur = Cur, max = Max}}
                                    when is_integer(Cur) andalso is_integer(Max),
                                  alcove:getrlimit(Drv, RLIMIT_NOFILE)),
                     ?assertEqual({error, einval}, alcove:getrlimit(Drv, 9999)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(alcove:getrlimit(Drv, RLIMIT_NOFILE),
                                  alcove:getrlimit(Drv, [C], RLIMIT_NOFILE)),
                     ?assertEqual({error, enotsup}, alcove:getrlimit(Drv, [C], 'RLIMIT_NONESUCH'))
             end).

t_getsid() ->
    with_drv(fun(Drv) ->
                     {ok, Sid} = alcove:getsid(Drv, 0),
                     ?assert(is_integer(Sid)),
                     ?assertEqual({error, esrch}, alcove:getsid(Drv, ?NOPID)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, Sid}, alcove:getsid(Drv, [C], 0)),
                     ?assertEqual({error, esrch}, alcove:getsid(Drv, [C], ?NOPID))
             end).

t_getuid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(0, alcove:getuid(Drv)),
                     U = unprivileged(Drv),
                     ?assertEqual(65534, alcove:getuid(Drv, [U])),
                     ?assertError(badpid, alcove:getuid(Drv, [?NOPID]))
             end).

t_kill() ->
    with_drv([{termsig, true}],
             fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/sleep", ["sleep", "60"]),
                     ?assertEqual(ok, alcove:kill(Drv, C, 15)),
                     ?assertEqual({termsig, sigterm}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual({error, esrch}, alcove:kill(Drv, ?NOPID, 0)),
                     {ok, P} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [P]),
                     ?assertEqual(ok, alcove:kill(Drv, [P], G, 0)),
                     ?assertEqual({error, esrch}, alcove:kill(Drv, [P], ?NOPID, 0)),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm}, alcove:kill(Drv, [U], 1, 0))
             end).

t_lseek() ->
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/etc/passwd", 0, 0),
                     ?assertEqual(ok, alcove:lseek(Drv, Fd, 2, 0)),
                     {ok, <<_:8>>} = alcove:read(Drv, Fd, 1),
                     ?assertEqual({error, einval}, alcove:lseek(Drv, Fd, -10, 0)),
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd2} = alcove:open(Drv, [C], "/etc/passwd", 0, 0),
                     ?assertEqual(ok, alcove:lseek(Drv, [C], Fd2, 0, 2)),
                     ?assertEqual({ok, <<>>}, alcove:read(Drv, [C], Fd2, 10)),
                     ?assertEqual({error, ebadf}, alcove:lseek(Drv, [C], 9999, 0, 0))
             end).

t_mkdir() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      A = filename:join(Dir, "a"),
                                      ?assertEqual(ok, alcove:mkdir(Drv, A, 8#700)),
                                      ?assertEqual(8#700, mode(A)),
                                      ?assertEqual({error, eexist}, alcove:mkdir(Drv, A, 8#700)),
                                      {ok, C} = alcove:fork(Drv),
                                      B = filename:join(Dir, "b"),
                                      ?assertEqual(ok, alcove:mkdir(Drv, [C], B, 8#755)),
                                      ?assertEqual({error, enoent},
                                                   alcove:mkdir(Drv, [C], filename:join([Dir, "x", "y"]), 8#755))
                              end)
             end).

%% mount/6,7 and umount/2,3, each in a new mount namespace.
t_mount() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) -> mount(Drv, Dir) end)
             end).

mount(Drv, Dir) ->
    %% the port, after unshare(CLONE_NEWNS)
    ok = alcove:unshare(Drv, alcove:define(Drv, 'CLONE_NEWNS')),
    ok = alcove:mount(Drv, "none", "/", "", alcove:define(Drv, ['MS_REC', 'MS_PRIVATE']), ""),
    ?assertEqual(ok, alcove:mount(Drv, "tmpfs", Dir, "tmpfs",
                                  alcove:mount_define(Drv, rdonly), "size=16k")),
    ?assertEqual({error, erofs}, alcove:mkdir(Drv, filename:join(Dir, "x"), 8#700)),
    ?assertEqual({ok, []}, file:list_dir(Dir)),
    ?assertEqual({error, enoent}, alcove:mount(Drv, "tmpfs", Dir ++ "/nonexistent", "tmpfs",
                                               0, "")),
    ?assertEqual(ok, alcove:umount(Drv, Dir)),
    ?assertEqual({error, einval}, alcove:umount(Drv, Dir)),
    %% a child cloned into a new mount namespace
    {ok, C} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWNS')),
    ?assertEqual(ok, alcove:mount(Drv, [C], "tmpfs", Dir, "tmpfs",
                                  alcove:mount_define(Drv, [C], noexec), <<"size=16k">>)),
    ok = alcove:mkdir(Drv, [C], filename:join(Dir, "in_tmpfs"), 8#700),
    ?assertEqual({ok, [<<".">>, <<"..">>, <<"in_tmpfs">>]}, sorted(alcove:readdir(Drv, [C], Dir))),
    ?assertEqual({ok, [<<".">>, <<"..">>]}, sorted(alcove:readdir(Drv, Dir))),
    ?assertEqual({error, enodev}, alcove:mount(Drv, [C], "x", Dir, "no-such-fs", 0, "")),
    ?assertEqual(ok, alcove:umount(Drv, [C], Dir)),
    ?assertEqual({error, einval}, alcove:umount(Drv, [C], Dir)).

t_mount_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(1, alcove:mount_define(Drv, rdonly)),
                     ?assertEqual(1, alcove:mount_define(Drv, 'MS_RDONLY')),
                     ?assertEqual(false, alcove:mount_define(Drv, 'MS_NONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual([1, 2, 8, 1024],
                                  [alcove:mount_define(Drv, [C], F) || F <- [rdonly, nosuid, noexec, noatime]]),
                     ?assertEqual(false, alcove:mount_define(Drv, [C], mnt_rdonly))
             end).

t_open() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      File = filename:join(Dir, "f"),
                                      Flags = alcove:define(Drv, ['O_WRONLY', 'O_CREAT', 'O_EXCL']),
                                      {ok, Fd} = alcove:open(Drv, File, Flags, 8#640),
                                      ?assert(is_integer(Fd)),
                                      ?assertEqual({error, eexist}, alcove:open(Drv, File, Flags, 8#640)),
                                      {ok, C} = alcove:fork(Drv),
                                      {ok, Fd2} = alcove:open(Drv, [C], File,
                                                              alcove:file_define(Drv, 'O_RDONLY'), 0),
                                      ?assert(is_integer(Fd2)),
                                      ?assertEqual({error, enoent},
                                                   alcove:open(Drv, [C], File ++ ".no", 0, 0))
                              end)
             end).

t_pid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual([], alcove:pid(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     {ok, G} = alcove:fork(Drv, [C]),
                     ?assertEqual([C], alcove:pid(Drv)),
                     ?assertEqual([G], alcove:pid(Drv, [C])),
                     ?assertEqual([], alcove:pid(Drv, [C, G])),
                     ?assertError(badpid, alcove:pid(Drv, [?NOPID]))
             end).

t_prctl() ->
    with_drv(fun(Drv) ->
                     PR_GET_DUMPABLE = alcove:prctl_define(Drv, 'PR_GET_DUMPABLE'),
                     ?assertMatch({ok, 1, 0, 0, 0, 0}, alcove:prctl(Drv, PR_GET_DUMPABLE, 0, 0, 0, 0)),
                     ?assertEqual({error, einval}, alcove:prctl(Drv, 99999, 0, 0, 0, 0)),
                     {ok, C} = alcove:fork(Drv),
                     PR_SET_NAME = alcove:prctl_define(Drv, 'PR_SET_NAME'),
                     PR_GET_NAME = alcove:prctl_define(Drv, 'PR_GET_NAME'),
                     ?assertMatch({ok, 0, <<"sandbox", 0>>, 0, 0, 0},
                                  alcove:prctl(Drv, [C], PR_SET_NAME, <<"sandbox", 0>>, 0, 0, 0)),
                     {ok, 0, Name, 0, 0, 0} = alcove:prctl(Drv, [C], PR_GET_NAME, <<0:128>>, 0, 0, 0),
                     ?assertEqual(<<"sandbox">>, hd(binary:split(Name, <<0>>))),
                     ?assertEqual({error, einval}, alcove:prctl(Drv, [C], 99999, 0, 0, 0, 0))
             end).

t_prctl_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(38, alcove:prctl_define(Drv, 'PR_SET_NO_NEW_PRIVS')),
                     ?assertEqual(false, alcove:prctl_define(Drv, 'PR_NONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(22, alcove:prctl_define(Drv, [C], 'PR_SET_SECCOMP')),
                     ?assertEqual(false, alcove:prctl_define(Drv, [C], 'PR_SET'))
             end).

t_read() ->
    with_drv(fun(Drv) ->
                     {ok, Expected} = file:read_file("/etc/passwd"),
                     {ok, Fd} = alcove:open(Drv, "/etc/passwd", 0, 0),
                     ?assertEqual({ok, binary:part(Expected, 0, 4)}, alcove:read(Drv, Fd, 4)),
                     ?assertEqual({error, ebadf}, alcove:read(Drv, 9999, 4)),
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd2} = alcove:open(Drv, [C], "/etc/passwd", 0, 0),
                     ?assertEqual({ok, binary:part(Expected, 0, 10)}, alcove:read(Drv, [C], Fd2, 10)),
                     {ok, Dir} = alcove:open(Drv, [C], "/", alcove:define(Drv, ['O_RDONLY', 'O_DIRECTORY']), 0),
                     ?assertEqual({error, eisdir}, alcove:read(Drv, [C], Dir, 10))
             end).

t_readdir() ->
    with_dir(fun(Dir) ->
                     ok = file:write_file(filename:join(Dir, "f"), <<>>),
                     with_drv(fun(Drv) ->
                                      ?assertEqual({ok, [<<".">>, <<"..">>, <<"f">>]},
                                                   sorted(alcove:readdir(Drv, Dir))),
                                      ?assertEqual({error, enoent}, alcove:readdir(Drv, Dir ++ "/no")),
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual({ok, [<<".">>, <<"..">>, <<"f">>]},
                                                   sorted(alcove:readdir(Drv, [C], list_to_binary(Dir)))),
                                      ?assertEqual({error, enotdir},
                                                   alcove:readdir(Drv, [C], filename:join(Dir, "f")))
                              end)
             end).

t_rlimit_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(7, alcove:rlimit_define(Drv, 'RLIMIT_NOFILE')),
                     ?assertEqual(false, alcove:rlimit_define(Drv, 'RLIMIT_NONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({1, 6}, {alcove:rlimit_define(Drv, [C], 'RLIMIT_FSIZE'),
                                           alcove:rlimit_define(Drv, [C], 'RLIMIT_NPROC')}),
                     ?assertEqual(false, alcove:rlimit_define(Drv, [C], 'SIGTERM'))
             end).

t_rmdir() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      A = filename:join(Dir, "a"),
                                      ok = file:make_dir(A),
                                      ?assertEqual(ok, alcove:rmdir(Drv, A)),
                                      ?assertEqual({error, enoent}, alcove:rmdir(Drv, A)),
                                      ok = file:make_dir(A),
                                      ok = file:write_file(filename:join(A, "f"), <<>>),
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual({error, enotempty}, alcove:rmdir(Drv, [C], A)),
                                      ok = file:delete(filename:join(A, "f")),
                                      ?assertEqual(ok, alcove:rmdir(Drv, [C], A))
                              end)
             end).

t_select() ->
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/etc/passwd", 0, 0),
                     ?assertEqual({ok, [Fd], [], []},
                                  alcove:select(Drv, [Fd], [], [], #alcove_timeval{sec = 1, usec = 0})),
                     ?assertEqual({ok, [Fd], [], []}, alcove:select(Drv, [Fd], [], [], <<>>)),
                     ?assertEqual({error, ebadf},
                                  alcove:select(Drv, [9999], [], [], #alcove_timeval{sec = 0, usec = 0})),
                     {ok, C} = alcove:fork(Drv),
                     %% the child's stdin is a pipe with nothing to read
                     ?assertEqual({ok, [], [], []},
                                  alcove:select(Drv, [C], [0], [], [], #alcove_timeval{sec = 0, usec = 10000})),
                     ?assertEqual({ok, [], [1], []}, alcove:select(Drv, [C], [], [1], [], <<>>)),
                     ?assertEqual({error, einval},
                                  alcove:select(Drv, [C], [0], [], [], #alcove_timeval{sec = -1, usec = 0}))
             end).

t_setenv() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(ok, alcove:setenv(Drv, "ALCOVE_SETENV", "1", 0)),
                     ?assertEqual(ok, alcove:setenv(Drv, "ALCOVE_SETENV", "2", 0)),
                     ?assertEqual(<<"1">>, alcove:getenv(Drv, "ALCOVE_SETENV")),
                     ?assertEqual(ok, alcove:setenv(Drv, "ALCOVE_SETENV", "2", 1)),
                     ?assertEqual(<<"2">>, alcove:getenv(Drv, "ALCOVE_SETENV")),
                     ?assertEqual({error, einval}, alcove:setenv(Drv, "A=B", "1", 1)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(<<"2">>, alcove:getenv(Drv, [C], "ALCOVE_SETENV")),
                     ?assertEqual(ok, alcove:setenv(Drv, [C], "ALCOVE_SETENV", <<"3">>, 1)),
                     ?assertEqual(<<"3">>, alcove:getenv(Drv, [C], "ALCOVE_SETENV")),
                     ?assertEqual({error, einval}, alcove:setenv(Drv, [C], "=", "1", 1))
             end).

t_setgid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(ok, alcove:setgid(Drv, 0)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setgid(Drv, [C], 1234)),
                     ?assertEqual(1234, alcove:getgid(Drv, [C])),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm}, alcove:setgid(Drv, [U], 0)),
                     %% the port, once unprivileged
                     ok = alcove:setuid(Drv, 65534),
                     ?assertEqual({error, eperm}, alcove:setgid(Drv, 1))
             end).

t_setsid() ->
    with_drv(fun(Drv) ->
                     %% the port leads its own process group
                     ?assertEqual(alcove:getpid(Drv), alcove:getpgrp(Drv)),
                     ?assertEqual({error, eperm}, alcove:setsid(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, C}, alcove:setsid(Drv, [C])),
                     ?assertEqual({error, eperm}, alcove:setsid(Drv, [C]))
             end).

t_sethostname() ->
    with_drv(fun(Drv) ->
                     %% the port, in a uts namespace of its own
                     ok = alcove:unshare(Drv, alcove:define(Drv, 'CLONE_NEWUTS')),
                     ?assertEqual(ok, alcove:sethostname(Drv, "alcove-api")),
                     ?assertEqual({ok, <<"alcove-api">>}, alcove:gethostname(Drv)),
                     ?assertError(badarg, alcove:sethostname(Drv, binary:copy(<<"h">>, 64))),
                     {ok, C} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWUTS')),
                     ?assertEqual(ok, alcove:sethostname(Drv, [C], ["child", $-, <<"host">>])),
                     ?assertEqual({ok, <<"child-host">>}, alcove:gethostname(Drv, [C])),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm}, alcove:sethostname(Drv, [U], "nope"))
             end).

t_setns() ->
    with_drv(fun(Drv) ->
                     {ok, Ns} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWUTS')),
                     ok = alcove:sethostname(Drv, [Ns], "alcove-ns"),
                     UTS = ["/proc/", integer_to_list(Ns), "/ns/uts"],
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setns(Drv, [C], UTS)),
                     ?assertEqual({ok, <<"alcove-ns">>}, alcove:gethostname(Drv, [C])),
                     ?assertEqual({error, enoent}, alcove:setns(Drv, [C], "/proc/0/ns/uts")),
                     %% the port itself
                     ?assertEqual(ok, alcove:setns(Drv, UTS)),
                     ?assertEqual({ok, <<"alcove-ns">>}, alcove:gethostname(Drv)),
                     ?assertEqual({error, enoent}, alcove:setns(Drv, "/proc/0/ns/uts"))
             end).

t_setopt() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(true, alcove:setopt(Drv, exit_status, 1)),
                     ?assertEqual(1, alcove:getopt(Drv, exit_status)),
                     ?assertEqual(true, alcove:setopt(Drv, termsig, 1)),
                     ?assertEqual(true, alcove:setopt(Drv, sigchld, 0)),
                     ?assertEqual(true, alcove:setopt(Drv, verbose, 2)),
                     ?assertEqual(true, alcove:setopt(Drv, maxchild, 10)),
                     ?assertEqual(true, alcove:setopt(Drv, maxforkdepth, 3)),
                     ?assertEqual({1, 0, 2, 10, 3},
                                  {alcove:getopt(Drv, termsig), alcove:getopt(Drv, sigchld),
                                   alcove:getopt(Drv, verbose), alcove:getopt(Drv, maxchild),
                                   alcove:getopt(Drv, maxforkdepth)}),
                     %% childlimit cannot be changed
                     ?assertEqual(false, alcove:setopt(Drv, childlimit, 1)),
                     ?assertEqual(false, alcove:setopt(Drv, no_such_option, 1)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(true, alcove:setopt(Drv, [C], maxforkdepth, 1)),
                     ?assertEqual(1, alcove:getopt(Drv, [C], maxforkdepth)),
                     ?assertEqual(3, alcove:getopt(Drv, maxforkdepth)),
                     ?assertEqual(false, alcove:setopt(Drv, [C], no_such_option, 1))
             end).

t_setrlimit() ->
    with_drv(fun(Drv) ->
                     RLIMIT_CORE = alcove:rlimit_define(Drv, 'RLIMIT_CORE'),
                     ?assertEqual(ok, alcove:setrlimit(Drv, RLIMIT_CORE, #alcove_rlimit{cur = 0, max = 1024})),
                     ?assertEqual({ok, #alcove_rlimit{cur = 0, max = 1024}}, alcove:getrlimit(Drv, RLIMIT_CORE)),
                     ?assertEqual({error, einval},
                                  alcove:setrlimit(Drv, RLIMIT_CORE, #alcove_rlimit{cur = 10, max = 5})),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm},
                                  alcove:setrlimit(Drv, [U], RLIMIT_CORE, #alcove_rlimit{cur = 0, max = 4096})),
                     ?assertEqual(ok, alcove:setrlimit(Drv, [U], RLIMIT_CORE, #alcove_rlimit{cur = 0, max = 0}))
             end).

t_setuid() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setuid(Drv, [C], 4321)),
                     ?assertEqual(4321, alcove:getuid(Drv, [C])),
                     ?assertEqual({error, eperm}, alcove:setuid(Drv, [C], 0)),
                     ?assertEqual(ok, alcove:setuid(Drv, 4322)),
                     ?assertEqual(4322, alcove:getuid(Drv)),
                     ?assertEqual({error, eperm}, alcove:setuid(Drv, 0))
             end).

t_sigaction() ->
    with_drv(fun(Drv) ->
                     SIGUSR1 = alcove:signal_define(Drv, 'SIGUSR1'),
                     Port = alcove:getpid(Drv),
                     ?assertEqual(ok, alcove:sigaction(Drv, SIGUSR1, ign)),
                     ok = alcove:kill(Drv, Port, SIGUSR1),
                     ?assertEqual(false, alcove:event(Drv, [], 300)),
                     ?assertEqual(ok, alcove:sigaction(Drv, SIGUSR1, trap)),
                     ok = alcove:kill(Drv, Port, SIGUSR1),
                     ?assertEqual({signal, SIGUSR1}, alcove:event(Drv)),
                     ?assertEqual({error, einval}, alcove:sigaction(Drv, 9, trap)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:sigaction(Drv, [C], 'SIGTERM', trap)),
                     ok = alcove:kill(Drv, C, 15),
                     ?assertEqual({signal, 15}, alcove:event(Drv, [C], 5000)),
                     %% SIGCHLD belongs to the sigchld option
                     ?assertEqual({error, einval}, alcove:sigaction(Drv, [C], 17, trap)),
                     ?assertEqual({error, einval}, alcove:sigaction(Drv, [C], 19, ign)),
                     ?assertEqual(ok, alcove:sigaction(Drv, [C], 15, dfl)),
                     ok = alcove:kill(Drv, C, 15),
                     ?assertEqual({signal, 17}, alcove:event(Drv, [], 5000))
             end).

t_signal_constant() ->
    with_drv(fun(Drv) ->
                     ?assertEqual('SIGCHLD', alcove:signal_constant(Drv, 17)),
                     ?assertEqual(false, alcove:signal_constant(Drv, 1000)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual('SIGKILL', alcove:signal_constant(Drv, [C], 9)),
                     ?assertEqual(false, alcove:signal_constant(Drv, [C], -1))
             end).

t_signal_define() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(17, alcove:signal_define(Drv, 'SIGCHLD')),
                     ?assertEqual(false, alcove:signal_define(Drv, 'SIGNONESUCH')),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(15, alcove:signal_define(Drv, [C], sigterm)),
                     ?assertEqual(false, alcove:signal_define(Drv, [C], 'SIGLOST'))
             end).

t_umount() ->
    %% also covered by t_mount: here the failure of an unprivileged process
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) ->
                                      {ok, C} = alcove:clone(Drv, alcove:define(Drv, 'CLONE_NEWNS')),
                                      ok = alcove:mount(Drv, [C], "none", "/", "",
                                                        alcove:define(Drv, ['MS_REC', 'MS_PRIVATE']), ""),
                                      ok = alcove:mount(Drv, [C], "tmpfs", Dir, "tmpfs", 0, ""),
                                      {ok, G} = alcove:fork(Drv, [C]),
                                      ok = alcove:setuid(Drv, [C, G], 65534),
                                      ?assertEqual({error, eperm}, alcove:umount(Drv, [C, G], Dir)),
                                      ?assertEqual(ok, alcove:umount(Drv, [C], Dir)),
                                      ?assertEqual({error, einval}, alcove:umount(Drv, Dir))
                              end)
             end).

t_unsetenv() ->
    with_drv(fun(Drv) ->
                     ok = alcove:setenv(Drv, "ALCOVE_UNSET", "1", 1),
                     ?assertEqual(ok, alcove:unsetenv(Drv, "ALCOVE_UNSET")),
                     ?assertEqual(false, alcove:getenv(Drv, "ALCOVE_UNSET")),
                     ?assertEqual({error, einval}, alcove:unsetenv(Drv, "A=B")),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:unsetenv(Drv, [C], "PATH")),
                     ?assertEqual(false, alcove:getenv(Drv, [C], "PATH")),
                     ?assertEqual({error, einval}, alcove:unsetenv(Drv, [C], "="))
             end).

t_unshare() ->
    with_drv(fun(Drv) ->
                     Flags = alcove:define(Drv, 'CLONE_NEWNET'),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:unshare(Drv, [C], Flags)),
                     ?assertNotEqual(ns(Drv, [], "net"), ns(Drv, [C], "net")),
                     U = unprivileged(Drv),
                     ?assertEqual({error, eperm}, alcove:unshare(Drv, [U], Flags)),
                     Before = ns(Drv, [], "net"),
                     ?assertEqual(ok, alcove:unshare(Drv, Flags)),
                     ?assertNotEqual(Before, ns(Drv, [], "net")),
                     ?assertEqual({error, einval}, alcove:unshare(Drv, -1))
             end).

%% The namespace a process is in, as the link /proc/self/ns/<Ns> shows it.
ns(Drv, Pids, Ns) ->
    Pid = alcove:getpid(Drv, Pids),
    Outer = case Pids of
                [] -> Pid;
                _ -> lists:last(Pids)
            end,
    {ok, Link} = file:read_link("/proc/" ++ integer_to_list(Outer) ++ "/ns/" ++ Ns),
    Link.

t_version() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(<<"1.0.1">>, alcove:version(Drv, [C])),
                     ?assertError(badpid, alcove:version(Drv, [?NOPID]))
             end).

t_write() ->
    with_dir(fun(Dir) ->
                     File = filename:join(Dir, "f"),
                     with_drv(fun(Drv) ->
                                      {ok, Fd} = alcove:open(Drv, File, [o_wronly, o_creat], 8#600),
                                      ?assertEqual({ok, 3}, alcove:write(Drv, Fd, "abc")),
                                      ?assertEqual({error, ebadf}, alcove:write(Drv, 9999, "x")),
                                      {ok, C} = alcove:fork(Drv),
                                      ?assertEqual({ok, 4}, alcove:write(Drv, [C], Fd, [<<"d">>, "ef", $g])),
                                      {ok, RO} = alcove:open(Drv, [C], File, 0, 0),
                                      ?assertEqual({error, ebadf}, alcove:write(Drv, [C], RO, "x")),
                                      ?assertEqual({ok, <<"abcdefg">>}, file:read_file(File))
                              end)
             end).

%%--------------------------------------------------------------------
%% call/2,3,4,5
%%--------------------------------------------------------------------

t_call() ->
    with_drv(fun(Drv) ->
                     Pid = alcove:getpid(Drv),
                     ?assertEqual(Pid, alcove:call(Drv, getpid)),
                     ?assertEqual(ok, alcove:call(Drv, chdir, ["/"])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, <<"/">>}, alcove:call(Drv, [C], getcwd, [])),
                     ?assertEqual(C, alcove:call(Drv, [C], getpid, [], 5000)),
                     %% failures: unknown call, wrong arguments, bad fork path
                     ?assertError(badarg, alcove:call(Drv, no_such_call)),
                     ?assertError(badarg, alcove:call(Drv, chdir, [])),
                     ?assertError(badpid, alcove:call(Drv, [?NOPID], getpid, [])),
                     ?assertError(badpid, alcove:call(Drv, [?NOPID], getpid, [], 5000)),
                     %% the API.txt example
                     ok = alcove:call(Drv, [C], execve,
                                      ["/bin/ls", ["/bin/ls", "-d", "/"], ["HOME=/home/foo"]]),
                     ?assertEqual(<<"/\n">>, alcove:stdout(Drv, [C], 5000))
             end).

%% An integer timeout that expires crashes the caller; the reply arrives
%% later as an alcove_call message for that fork path.
t_call_timeout() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     Select = [[], [], [], #alcove_timeval{sec = 0, usec = 300000}],
                     ?assertExit({timeout, _}, alcove:call(Drv, [C], select, Select, 50)),
                     receive
                         {alcove_call, Drv, [C], Late} -> ?assertEqual({ok, [], [], []}, Late)
                     after 5000 -> erlang:error(no_late_reply)
                     end,
                     %% the same call with enough time, and with infinity
                     ?assertEqual({ok, [], [], []}, alcove:call(Drv, [C], select, Select, 5000)),
                     ?assertEqual({ok, [], [], []}, alcove:call(Drv, [C], select, Select, infinity)),
                     %% only the owner may call
                     Self = self(),
                     Pid = spawn(fun() -> Self ! {caught, catch alcove:call(Drv, getpid, [])} end),
                     receive {caught, R} -> ?assertEqual({error, not_owner}, R) end,
                     ?assertNot(is_process_alive(Pid))
             end).

%%--------------------------------------------------------------------
%% Standard I/O and the message format
%%--------------------------------------------------------------------

t_stdin() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/cat", ["/bin/cat"]),
                     ?assertEqual(true, alcove:stdin(Drv, [C], [<<"a">>, "b\n"])),
                     ?assertEqual(<<"ab\n">>, alcove:stdout(Drv, [C], 5000)),
                     ?assertError(badarg, alcove:stdin(Drv, [C], binary:copy(<<"x">>, 70000)))
             end).

t_stdout() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/echo", ["echo", "out"]),
                     ?assertEqual(<<"out\n">>, alcove:stdout(Drv, [C])),
                     ?assertEqual(false, alcove:stdout(Drv, [C]))
             end).

t_stderr() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/sh", ["sh", "-c", "echo err >&2"]),
                     ?assertEqual(<<"err\n">>, alcove:stderr(Drv, [C])),
                     ?assertEqual(false, alcove:stderr(Drv, [C]))
             end).

t_eof() ->
    with_drv([{exit_status, true}],
             fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/cat", ["/bin/cat"]),
                     ?assertEqual(ok, alcove:eof(Drv, [C])),
                     ?assertEqual({exit_status, 0}, alcove:event(Drv, [C], 5000)),
                     ?assertEqual({error, esrch}, alcove:eof(Drv, [C]))
             end).

%% "Message Format": the messages the controlling process receives.
t_message_format() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% alcove_call: the reply of a call whose caller gave up waiting
                     {'EXIT', {timeout, _}} =
                         (catch alcove:call(Drv, [C], select,
                                            [[], [], [], #alcove_timeval{sec = 0, usec = 200000}], 0)),
                     receive
                         {alcove_call, Drv, [C], Reply} -> ?assertEqual({ok, [], [], []}, Reply)
                     after 5000 -> erlang:error(no_alcove_call)
                     end,
                     %% alcove_event: a signal caught by a process in its event loop
                     ok = alcove:kill(Drv, C, 10),
                     receive
                         {alcove_event, Drv, [C], Event} ->
                             ?assertMatch({signal, sigusr1, <<10:32/native, _/binary>>}, Event)
                     after 5000 -> erlang:error(no_alcove_event)
                     end,
                     %% alcove_stderr from an event loop process and from an exec'd one
                     {ok, C2} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C2], "/bin/sh", ["sh", "-c", "echo e >&2; echo o"]),
                     [receive
                          {Tag, Drv, Pids, Data} when is_list(Pids) ->
                              ?assertEqual({[C2], Expected}, {Pids, Data})
                      after 5000 -> erlang:error({no_message, Tag})
                      end || {Tag, Expected} <- [{alcove_stderr, <<"e\n">>},
                                                 {alcove_stdout, <<"o\n">>}]]
             end).

%% This machine's hostname, as gethostname(2) gives it.
hostname() ->
    {ok, Name} = file:read_file("/proc/sys/kernel/hostname"),
    binary_to_list(string:trim(Name)).
