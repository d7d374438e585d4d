%%% The calls of the alcove module beyond the manual (API.txt): kernel
%%% interfaces (ioctl, ptrace, seccomp, prctl, alloc), sockets, waitpid,
%%% fexecve, priorities, groups and credentials, mounts in a new mount
%%% namespace, links and fifos, fcntl, the call filter and the child table.
%%% Each with a success and a failure case, both arities where the call
%%% runs as well in the port as in a child.
-module(alcove_calls_tests).

-include_lib("eunit/include/eunit.hrl").
-include_lib("kernel/include/file.hrl").
-include("../include/alcove.hrl").

-import(alcove_test_lib, [with_drv/1, with_drv/2]).

-compile([export_all, nowarn_export_all]).

-define(NOPID, 999999999).

alcove_calls_test_() ->
    alcove_test_lib:tests(?MODULE, 60).

with_dir(Fun) ->
    Dir = alcove_test_lib:tmpdir("alcove_calls"),
    try Fun(Dir)
    after file:del_dir_r(Dir)
    end.

unprivileged(Drv) ->
    {ok, C} = alcove:fork(Drv),
    ok = alcove:setgid(Drv, [C], 65534),
    ok = alcove:setuid(Drv, [C], 65534),
    C.

%%--------------------------------------------------------------------
%% Kernel interfaces
%%--------------------------------------------------------------------

t_ioctl() ->
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/etc/hostname", [o_rdonly], 0),
                     Size = filelib:file_size("/etc/hostname"),
                     %% a buffer: the int the kernel wrote
                     ?assertEqual({ok, 0, <<Size:32/native>>},
                                  alcove:ioctl(Drv, Fd, fionread, <<0:32>>)),
                     %% a cstruct
                     ?assertEqual({ok, 0, [<<Size:32/native>>]},
                                  alcove:ioctl(Drv, Fd, alcove:ioctl_define(Drv, 'FIONREAD'), [<<0:32>>])),
                     %% an integer, passed by value
                     ?assertEqual({ok, 0, <<>>}, alcove:ioctl(Drv, Fd, fioclex, 0)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({error, ebadf}, alcove:ioctl(Drv, [C], 9999, fionread, <<0:32>>)),
                     %% a regular file is not a terminal
                     {ok, Fd2} = alcove:open(Drv, [C], "/etc/hostname", 0, 0),
                     ?assertEqual({error, enotty},
                                  alcove:ioctl(Drv, [C], Fd2, tiocgwinsz, <<0:64>>)),
                     ?assertEqual({error, enotsup}, alcove:ioctl(Drv, [C], Fd2, no_such_request, 0))
             end).

t_alloc() ->
    with_drv(fun(Drv) ->
                     {ok, Buf, Out} = alcove:alloc(Drv, [<<"abc">>, {ptr, 4}, {ptr, <<"xyz">>}, {ptr, 0}]),
                     ?assertEqual(3 + 8 + 8 + 8, byte_size(Buf)),
                     ?assertMatch(<<"abc", _:16/bytes, 0:64>>, Buf),
                     ?assertEqual([<<"abc">>, {ptr, <<0:32>>}, {ptr, <<"xyz">>}, <<0:64>>], Out),
                     ?assertError(badarg, alcove:alloc(Drv, [])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, <<"x">>, [<<"x">>]}, alcove:alloc(Drv, [C], [<<"x">>])),
                     ?assertError(badarg, alcove:alloc(Drv, [C], [not_a_cstruct_element]))
             end).

t_prctl_forms() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% atoms for the option and the arguments
                     ?assertEqual({ok, 0, 1, 0, 0, 0},
                                  alcove:prctl(Drv, [C], pr_set_no_new_privs, 1, 0, 0, 0)),
                     ?assertEqual({ok, 1, 0, 0, 0, 0},
                                  alcove:prctl(Drv, [C], 'PR_GET_NO_NEW_PRIVS', 0, 0, 0, 0)),
                     %% a cstruct with an inline buffer receives the name
                     {ok, 0, [Name], 0, 0, 0} = alcove:prctl(Drv, [C], pr_get_name, [<<0:128>>], 0, 0, 0),
                     ?assertMatch(<<"alcove", 0, _/binary>>, Name),
                     ?assertEqual({error, enotsup},
                                  alcove:prctl(Drv, [C], pr_no_such_option, 0, 0, 0, 0)),
                     ?assertError(badarg, alcove:prctl(Drv, [C], pr_get_dumpable, -1, 0, 0, 0)),
                     ?assertEqual({ok, 1, 0, 0, 0, 0}, alcove:prctl(Drv, pr_get_dumpable, 0, 0, 0, 0))
             end).

%% A BPF program refusing getcwd(2) with EPERM and allowing everything
%% else, as a struct sock_fprog cstruct.
getcwd_filter(Drv, Pids) ->
    Arch = alcove:define(Drv, Pids, alcove:audit_arch()),
    NR = alcove:syscall_define(Drv, Pids, '__NR_getcwd'),
    RET_ALLOW = 16#7fff0000,
    RET_ERRNO = 16#00050000,
    EPERM = 1,
    Insns = [bpf_stmt(16#20, 4),                  % A = seccomp_data.arch
             bpf_jump(16#15, Arch, 1, 0),         % arch matches?
             bpf_stmt(16#06, RET_ALLOW),          % another ABI: allow
             bpf_stmt(16#20, 0),                  % A = seccomp_data.nr
             bpf_jump(16#15, NR, 0, 1),           % getcwd?
             bpf_stmt(16#06, RET_ERRNO bor EPERM),
             bpf_stmt(16#06, RET_ALLOW)],
    Prog = iolist_to_binary(Insns),
    [<<(length(Insns)):16/native>>, <<0:48>>, {ptr, Prog}].

bpf_stmt(Code, K) -> bpf_jump(Code, K, 0, 0).
bpf_jump(Code, K, JT, JF) -> <<Code:16/native, JT:8, JF:8, K:32/native>>.

t_seccomp() ->
    with_drv(fun(Drv) ->
                     %% seccomp(2)
                     {ok, C} = alcove:fork(Drv),
                     ?assertMatch({ok, <<"/", _/binary>>}, alcove:getcwd(Drv, [C])),
                     ?assertEqual(ok, alcove:seccomp(Drv, [C], seccomp_set_mode_filter, 0,
                                                     getcwd_filter(Drv, [C]))),
                     ?assertEqual({error, eperm}, alcove:getcwd(Drv, [C])),
                     ?assertEqual(C, alcove:getpid(Drv, [C])),
                     ?assertEqual({error, einval}, alcove:seccomp(Drv, [C], 99, 0, [])),
                     ?assertEqual({error, enotsup},
                                  alcove:seccomp(Drv, [C], seccomp_no_such_operation, 0, [])),
                     %% prctl(2), as API.txt says it can be used
                     {ok, C2} = alcove:fork(Drv),
                     {ok, 0, _, _, _, _} = alcove:prctl(Drv, [C2], 'PR_SET_NO_NEW_PRIVS', 1, 0, 0, 0),
                     {ok, 0, _, _, _, _} = alcove:prctl(Drv, [C2], 'PR_SET_SECCOMP',
                                                        alcove:prctl_define(Drv, 'SECCOMP_MODE_FILTER'),
                                                        getcwd_filter(Drv, [C2]), 0, 0),
                     ?assertEqual({error, eperm}, alcove:getcwd(Drv, [C2])),
                     ?assertEqual({error, efault},
                                  alcove:prctl(Drv, [C2], 'PR_SET_SECCOMP',
                                               alcove:prctl_define(Drv, 'SECCOMP_MODE_FILTER'),
                                               0, 0, 0)),
                     %% the port itself
                     ?assertEqual({error, einval}, alcove:seccomp(Drv, 99, 0, [])),
                     %% strict mode: the process dies at its next system call
                     {ok, C3} = alcove:fork(Drv),
                     Strict = alcove:seccomp_define(Drv, 'SECCOMP_SET_MODE_STRICT'),
                     try alcove:seccomp(Drv, [C3], Strict, 0, []) of
                         ok -> ok
                     catch
                         error:{termsig, sigkill} -> ok
                     end,
                     ?assertError(badpid, alcove:call(Drv, [C3], getpid, [], 5000))
             end).

t_ptrace() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, 0, <<>>, <<>>}, alcove:ptrace(Drv, [C], ptrace_traceme, 0, 0, 0)),
                     ?assertEqual({error, esrch}, alcove:ptrace(Drv, [C], ptrace_peekdata, ?NOPID, 0, 0)),
                     %% attach to a program run by a child of the port
                     {ok, T} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [T], "/bin/sleep", ["sleep", "60"]),
                     ?assertEqual({ok, 0, <<>>, <<>>}, alcove:ptrace(Drv, ptrace_attach, T, 0, 0)),
                     %% once stopped, its siginfo says SIGSTOP
                     SigInfo = stopped_siginfo(Drv, T, 50),
                     ?assertMatch(<<19:32/native, _/binary>>, SigInfo),
                     ?assertEqual({ok, 0, <<>>, <<>>}, alcove:ptrace(Drv, ptrace_detach, T, 0, 0)),
                     ?assertEqual({error, esrch}, alcove:ptrace(Drv, ptrace_detach, T, 0, 0)),
                     ?assertEqual({error, enotsup}, alcove:ptrace(Drv, ptrace_no_such, T, 0, 0)),
                     %% the tracee stayed in the child table
                     ?assert(lists:member(T, alcove:pid(Drv))),
                     ok = alcove:kill(Drv, T, 9)
             end).

stopped_siginfo(_Drv, T, 0) ->
    erlang:error({not_stopped, T});
stopped_siginfo(Drv, T, N) ->
    case alcove:ptrace(Drv, ptrace_getsiginfo, T, 0, <<0:(128 * 8)>>) of
        {ok, 0, <<>>, Info} -> Info;
        {error, esrch} -> timer:sleep(20), stopped_siginfo(Drv, T, N - 1)
    end.

%%--------------------------------------------------------------------
%% Sockets
%%--------------------------------------------------------------------

t_socket_connect() ->
    with_dir(fun(Dir) ->
                     Path = filename:join(Dir, "sock"),
                     {ok, L} = gen_tcp:listen(0, [{ifaddr, {local, Path}}, binary, {active, false}]),
                     try
                         with_drv(fun(Drv) -> socket_connect(Drv, L, Path) end)
                     after
                         gen_tcp:close(L)
                     end
             end).

sockaddr_un(Path) ->
    Bin = iolist_to_binary(Path),
    [<<1:16/native, Bin/binary, 0:((108 - byte_size(Bin)) * 8)>>].

socket_connect(Drv, L, Path) ->
    {ok, S} = alcove:socket(Drv, af_unix, sock_stream, 0),
    ?assertEqual(ok, alcove:connect(Drv, S, sockaddr_un(Path))),
    {ok, A} = gen_tcp:accept(L, 5000),
    ?assertEqual({ok, 5}, alcove:write(Drv, S, "hello")),
    ?assertEqual({ok, <<"hello">>}, gen_tcp:recv(A, 5, 5000)),
    ok = gen_tcp:send(A, <<"back">>),
    ?assertEqual({ok, <<"back">>}, alcove:read(Drv, S, 4)),
    gen_tcp:close(A),
    ?assertEqual({error, eafnosupport}, alcove:socket(Drv, 9999, sock_stream, 0)),
    %% in a child
    {ok, C} = alcove:fork(Drv),
    %% integers: AF_UNIX, SOCK_STREAM bor SOCK_CLOEXEC
    {ok, S2} = alcove:socket(Drv, [C], 1, 1 bor 524288, 0),
    ?assertEqual({error, enoent}, alcove:connect(Drv, [C], S2, sockaddr_un(Path ++ ".no"))),
    ?assertEqual({error, einval}, alcove:connect(Drv, [C], S2, [])),
    ?assertEqual({error, enotsup}, alcove:socket(Drv, [C], af_no_such, sock_stream, 0)),
    ?assertEqual({error, ebadf}, alcove:connect(Drv, [C], 9999, sockaddr_un(Path))).

%%--------------------------------------------------------------------
%% Processes
%%--------------------------------------------------------------------

t_waitpid() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     %% let C reap its children itself
                     ?assertEqual({ok, sig_dfl}, alcove:sigaction(Drv, [C], sigchld, sig_info)),
                     {ok, G} = alcove:fork(Drv, [C]),
                     ?assertEqual({ok, 0, 0, []}, alcove:waitpid(Drv, [C], G, [wnohang])),
                     ok = alcove:exit(Drv, [C, G], 3),
                     ?assertEqual({ok, G, 3 bsl 8, [{exit_status, 3}]}, alcove:waitpid(Drv, [C], G, 0)),
                     %% the waited child has left the child table
                     ?assertEqual([], alcove:cpid(Drv, [C])),
                     ?assertEqual({error, echild}, alcove:waitpid(Drv, [C], -1, [wnohang])),
                     {ok, G2} = alcove:fork(Drv, [C]),
                     ok = alcove:kill(Drv, [C], G2, 9),
                     ?assertEqual({ok, G2, 9, [{termsig, sigkill}]}, alcove:waitpid(Drv, [C], -1, 0)),
                     %% the port reaps its own children: C is still running
                     ?assertEqual({ok, 0, 0, []}, alcove:waitpid(Drv, -1, [wnohang])),
                     ?assertEqual({error, echild}, alcove:waitpid(Drv, ?NOPID, [wnohang])),
                     ?assertEqual({error, enotsup}, alcove:waitpid(Drv, -1, [wno_such]))
             end).

t_fexecve() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd} = alcove:open(Drv, [C], "/bin/sh", [o_rdonly, o_cloexec], 0),
                     %% an empty environment is refused
                     ?assertEqual({error, einval}, alcove:fexecve(Drv, [C], Fd, ["sh"], [])),
                     ?assertEqual({error, ebadf}, alcove:fexecve(Drv, [C], 9999, ["sh"], ["A=1"])),
                     ?assertEqual(ok, alcove:fexecve(Drv, [C], Fd, ["sh", "-c", "echo $A"], ["A=fexecve"])),
                     ?assertEqual(<<"fexecve\n">>, alcove:stdout(Drv, [C], 5000))
             end),
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/bin/echo", [o_rdonly], 0),
                     ?assertEqual({error, ebadf}, alcove:fexecve(Drv, 9999, ["echo"], ["A=1"])),
                     ?assertEqual(ok, alcove:fexecve(Drv, Fd, ["echo", "port"], ["A=1"])),
                     ?assertEqual(<<"port\n">>, alcove:stdout(Drv, [], 5000))
             end).

t_priority() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual({ok, 0}, alcove:getpriority(Drv, [C], prio_process, 0)),
                     ?assertEqual(ok, alcove:setpriority(Drv, [C], prio_process, 0, 10)),
                     ?assertEqual({ok, 10}, alcove:getpriority(Drv, [C], prio_process, 0)),
                     ?assertEqual({ok, 10}, alcove:getpriority(Drv, prio_process, C)),
                     ?assertEqual({error, esrch}, alcove:getpriority(Drv, prio_process, ?NOPID)),
                     ?assertEqual({error, esrch}, alcove:setpriority(Drv, prio_process, ?NOPID, 1)),
                     ?assertEqual({error, enotsup}, alcove:getpriority(Drv, [C], prio_no_such, 0)),
                     %% only root may raise a priority
                     U = unprivileged(Drv),
                     ok = alcove:setpriority(Drv, [U], prio_process, 0, 5),
                     ?assertEqual({error, eacces}, alcove:setpriority(Drv, [U], prio_process, 0, 0)),
                     ?assertEqual(ok, alcove:setpriority(Drv, prio_process, 0, 0))
             end).

t_groups() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setgroups(Drv, [C], [10, 3, 700])),
                     %% in the kernel's order
                     ?assertEqual({ok, [3, 10, 700]}, alcove:getgroups(Drv, [C])),
                     ?assertEqual(ok, alcove:setgroups(Drv, [C], [])),
                     ?assertEqual({ok, []}, alcove:getgroups(Drv, [C])),
                     ?assertMatch({ok, L} when is_list(L), alcove:getgroups(Drv)),
                     ok = alcove:setuid(Drv, [C], 65534),
                     ?assertEqual({error, eperm}, alcove:setgroups(Drv, [C], [1])),
                     ?assertEqual(ok, alcove:setgroups(Drv, [0])),
                     ?assertEqual({ok, [0]}, alcove:getgroups(Drv))
             end).

t_resuid_resgid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual({ok, 0, 0, 0}, alcove:getresuid(Drv)),
                     ?assertEqual({ok, 0, 0, 0}, alcove:getresgid(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setresgid(Drv, [C], 1001, 1002, 1003)),
                     ?assertEqual({ok, 1001, 1002, 1003}, alcove:getresgid(Drv, [C])),
                     ?assertEqual(ok, alcove:setresuid(Drv, [C], 2001, 2002, 2003)),
                     ?assertEqual({ok, 2001, 2002, 2003}, alcove:getresuid(Drv, [C])),
                     ?assertEqual({error, eperm}, alcove:setresuid(Drv, [C], 0, 0, 0)),
                     ?assertEqual({error, eperm}, alcove:setresgid(Drv, [C], 0, 0, 0)),
                     ?assertEqual(ok, alcove:setresuid(Drv, 0, 0, 0)),
                     ?assertEqual(ok, alcove:setresgid(Drv, 0, 0, 0))
             end).

t_setpgid() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setpgid(Drv, [C], 0, 0)),
                     ?assertEqual(C, alcove:getpgrp(Drv, [C])),
                     ?assertEqual({error, esrch}, alcove:setpgid(Drv, ?NOPID, 0)),
                     ?assertEqual({error, esrch}, alcove:setpgid(Drv, [C], ?NOPID, 0))
             end).

t_setproctitle() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:setproctitle(Drv, [C], "alcove-title")),
                     {ok, Cmdline} = file:read_file("/proc/" ++ integer_to_list(C) ++ "/cmdline"),
                     ?assertMatch(<<"alcove-title", _/binary>>, Cmdline),
                     ?assertEqual(ok, alcove:setproctitle(Drv, "alcove-port")),
                     ?assertError(badpid, alcove:setproctitle(Drv, [?NOPID], "x"))
             end).

t_cpid_setcpid() ->
    with_drv(fun(Drv) ->
                     ?assertEqual([], alcove:cpid(Drv)),
                     {ok, C} = alcove:fork(Drv),
                     [#alcove_pid{pid = C, flowcontrol = -1, signaloneof = 15}] = alcove:cpid(Drv),
                     ?assertEqual(true, alcove:setcpid(Drv, C, flowcontrol, 5)),
                     ?assertEqual(true, alcove:setcpid(Drv, [], C, signaloneof, 9)),
                     ?assertEqual(5, alcove:getcpid(Drv, [], C, flowcontrol)),
                     ?assertEqual(9, alcove:getcpid(Drv, [], C, signaloneof)),
                     ?assertEqual(false, alcove:setcpid(Drv, C, no_such_option, 1)),
                     ?assertError(badarg, alcove:setcpid(Drv, C, signaloneof, -1)),
                     ?assertEqual([], alcove:cpid(Drv, [C]))
             end).

%% A flowcontrol credit counts messages, however much the program writes:
%% a credit of 2 lets two through; more credit releases the rest.
t_flowcontrol_bulk() ->
    with_drv(fun(Drv) ->
                     N = 300000,
                     ?assertEqual(true, alcove:setopt(Drv, flowcontrol, 2)),
                     {ok, C} = alcove:fork(Drv),
                     ok = alcove:execvp(Drv, [C], "/bin/sh",
                                        ["sh", "-c", "head -c " ++ integer_to_list(N) ++ " /dev/zero; sleep 30"]),
                     Let = drain_stdout(Drv, [C], 500),
                     ?assertEqual(2, length(Let)),
                     ?assertEqual(0, alcove:getcpid(Drv, [], C, flowcontrol)),
                     ?assertEqual(true, alcove:setcpid(Drv, C, flowcontrol, -1)),
                     Rest = alcove_test_lib:read_stdout(Drv, [C], N - iolist_size(Let)),
                     ?assertEqual(N, iolist_size(Let) + byte_size(Rest))
             end).

%% Every process writes its own replies to Erlang, and a program's output
%% below depth 1 goes out through the root: at depth 3, long replies and a
%% program's output, asked for at once, arrive whole and in order.
t_deep_replies_and_output() ->
    with_drv(fun(Drv) ->
                     {ok, A} = alcove:fork(Drv),
                     {ok, B} = alcove:fork(Drv, [A]),
                     {ok, C} = alcove:fork(Drv, [A, B]),
                     {ok, D} = alcove:fork(Drv, [A, B]),
                     {ok, Fd} = alcove:open(Drv, [A, B, C], "/dev/zero", 0, 0),
                     ok = alcove:execvp(Drv, [A, B, D], "seq", ["seq", "1", "100000"]),
                     Zeros = binary:copy(<<0>>, 60000),
                     [?assertEqual({ok, Zeros}, alcove:read(Drv, [A, B, C], Fd, 60000))
                      || _ <- lists:seq(1, 20)],
                     Want = iolist_to_binary([[integer_to_list(I), $\n] || I <- lists:seq(1, 100000)]),
                     ?assertEqual(Want, alcove_test_lib:read_stdout(Drv, [A, B, D], byte_size(Want)))
             end).

drain_stdout(Drv, Pids, Timeout) ->
    case alcove:stdout(Drv, Pids, Timeout) of
        false -> [];
        Data -> [Data | drain_stdout(Drv, Pids, Timeout)]
    end.

%% The call filter: refused calls raise undef.
t_filter() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(ok, alcove:filter(Drv, [C], alcove:filter([getcwd]), <<>>)),
                     ?assertError(undef, alcove:getcwd(Drv, [C])),
                     ?assertError(badarg, alcove:filter(Drv, [C], binary:copy(<<255>>, 17), <<>>)),
                     ?assertEqual(ok, alcove:filter(Drv, alcove:filter({deny, [unveil]}), <<>>)),
                     ?assertMatch({ok, _}, alcove:getcwd(Drv))
             end).

t_helpers() ->
    with_drv(fun(Drv) ->
                     ?assertEqual(<<"foo123bar">>,
                                  alcove:iolist_to_bin(Drv, ["foo", [<<"1">>, 50, [<<"3">>], []], "bar"])),
                     ?assertError(badarg, alcove:iolist_to_bin(Drv, [256])),
                     ?assertEqual(enoent, alcove:errno_id(Drv, 2)),
                     ?assertEqual(unknown, alcove:errno_id(Drv, 0)),
                     {ok, C} = alcove:fork(Drv),
                     ?assertEqual(<<"ab">>, alcove:iolist_to_bin(Drv, [C], [$a, <<"b">>])),
                     ?assertEqual(eisnam, alcove:errno_id(Drv, [C], 120))
             end).

%% Calls of other systems raise undef on Linux.
t_other_systems() ->
    with_drv(fun(Drv) ->
                     ?assertError(undef, alcove:jail_attach(Drv, 1)),
                     ?assertError(undef, alcove:pledge(Drv, "stdio", "")),
                     ?assertError(undef, alcove:unveil(Drv, "/", "r")),
                     ?assertError(undef, alcove:cap_enter(Drv)),
                     ?assertError(undef, alcove:procctl(Drv, 0, 0, 0, [])),
                     {ok, C} = alcove:fork(Drv),
                     ?assertError(undef, alcove:cap_getmode(Drv, [C])),
                     ?assertError(undef, alcove:jail_remove(Drv, [C], 1))
             end).

%%--------------------------------------------------------------------
%% Files
%%--------------------------------------------------------------------

t_links_fifos() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) -> links_fifos(Drv, Dir) end)
             end).

links_fifos(Drv, Dir) ->
    F = filename:join(Dir, "f"),
    ok = file:write_file(F, <<"data">>),
    ?assertEqual(ok, alcove:link(Drv, F, filename:join(Dir, "hard"))),
    ?assertEqual({ok, <<"data">>}, file:read_file(filename:join(Dir, "hard"))),
    ?assertEqual({error, eexist}, alcove:link(Drv, F, filename:join(Dir, "hard"))),
    ?assertEqual(ok, alcove:symlink(Drv, "f", filename:join(Dir, "soft"))),
    ?assertEqual({ok, "f"}, file:read_link(filename:join(Dir, "soft"))),
    ?assertEqual({error, eexist}, alcove:symlink(Drv, "f", filename:join(Dir, "soft"))),
    ?assertEqual(ok, alcove:mkfifo(Drv, filename:join(Dir, "fifo"), 8#600)),
    {ok, #file_info{type = Type}} = file:read_file_info(filename:join(Dir, "fifo")),
    ?assertEqual(other, Type),
    ?assertEqual({error, eexist}, alcove:mkfifo(Drv, filename:join(Dir, "fifo"), 8#600)),
    {ok, C} = alcove:fork(Drv),
    ?assertEqual(ok, alcove:link(Drv, [C], F, filename:join(Dir, "hard2"))),
    ?assertEqual({error, enoent}, alcove:link(Drv, [C], F ++ ".no", filename:join(Dir, "hard3"))),
    ?assertEqual(ok, alcove:symlink(Drv, [C], F, filename:join(Dir, "soft2"))),
    ?assertEqual({error, enoent}, alcove:symlink(Drv, [C], F, filename:join([Dir, "no", "soft"]))),
    ?assertEqual(ok, alcove:mkfifo(Drv, [C], filename:join(Dir, "fifo2"), 8#600)),
    ?assertEqual({error, enoent}, alcove:mkfifo(Drv, [C], filename:join([Dir, "no", "fifo"]), 8#600)),
    ?assertEqual(ok, alcove:unlink(Drv, [C], filename:join(Dir, "fifo2"))),
    ?assertEqual({error, enoent}, alcove:unlink(Drv, filename:join(Dir, "fifo2"))).

t_fcntl() ->
    with_drv(fun(Drv) ->
                     {ok, Fd} = alcove:open(Drv, "/etc/passwd", [o_rdonly], 0),
                     ?assertEqual({ok, 0}, alcove:fcntl(Drv, Fd, f_getfd, 0)),
                     ?assertEqual({ok, 0}, alcove:fcntl(Drv, Fd, 'F_SETFD',
                                                        alcove:fcntl_define(Drv, 'FD_CLOEXEC'))),
                     ?assertEqual({ok, 1}, alcove:fcntl(Drv, Fd, alcove:fcntl_define(Drv, 'F_GETFD'), 0)),
                     ?assertEqual({error, ebadf}, alcove:fcntl(Drv, 9999, f_getfd, 0)),
                     {ok, C} = alcove:fork(Drv),
                     {ok, Fd2} = alcove:open(Drv, [C], "/etc/passwd", [o_rdonly, o_nonblock], 0),
                     {ok, Fl} = alcove:fcntl(Drv, [C], Fd2, f_getfl, 0),
                     ?assertEqual(2048, Fl band 2048),
                     ?assertEqual({error, enotsup}, alcove:fcntl(Drv, [C], Fd2, f_no_such, 0)),
                     ?assertEqual(ok, alcove:lseek(Drv, [C], Fd2, 4, 0)),
                     {ok, Data} = file:read_file("/etc/passwd"),
                     ?assertEqual({ok, binary:part(Data, 4, 3)}, alcove:read(Drv, [C], Fd2, 3))
             end).

%% pivot_root, umount2 and mount flags in a new mount namespace.
t_pivot_root() ->
    with_dir(fun(Dir) ->
                     with_drv(fun(Drv) -> pivot_root(Drv, Dir) end)
             end).

pivot_root(Drv, Dir) ->
    {ok, C} = alcove:clone(Drv, [clone_newns]),
    ok = alcove:mount(Drv, [C], "none", "/", "", [ms_rec, ms_private], ""),
    %% no such directory
    ?assertEqual({error, enoent}, alcove:pivot_root(Drv, [C], Dir, filename:join(Dir, "no"))),
    ok = alcove:mount(Drv, [C], "tmpfs", Dir, "tmpfs", [ms_nosuid, ms_nodev], "size=64k"),
    Old = filename:join(Dir, "old"),
    ok = alcove:mkdir(Drv, [C], Old, 8#700),
    ?assertEqual(ok, alcove:pivot_root(Drv, [C], Dir, Old)),
    ok = alcove:chdir(Drv, [C], "/"),
    ?assertEqual({ok, [<<".">>, <<"..">>, <<"old">>]}, sorted(alcove:readdir(Drv, [C], "/"))),
    ?assertMatch({ok, [_, _, _ | _]}, alcove:readdir(Drv, [C], "/old/etc")),
    ?assertEqual({error, einval}, alcove:umount2(Drv, [C], "/", [mnt_expire, mnt_detach])),
    ?assertEqual(ok, alcove:umount2(Drv, [C], "/old", alcove:define(Drv, 'MNT_DETACH'))),
    ?assertEqual({ok, [<<".">>, <<"..">>]}, sorted(alcove:readdir(Drv, [C], "/old"))),
    ?assertEqual({error, enotsup}, alcove:umount2(Drv, [C], "/old", [mnt_no_such])),
    %% the rest of the system is untouched
    ?assertEqual({ok, []}, file:list_dir(Dir)).

sorted({ok, L}) -> {ok, lists:sort(L)};
sorted(Other) -> Other.

%%--------------------------------------------------------------------
%% Constants
%%--------------------------------------------------------------------

%% The *_define functions with the spellings of the documentation.
t_define_spellings() ->
    with_drv(fun(Drv) ->
                     {ok, C} = alcove:fork(Drv),
                     [begin
                          ?assertEqual(Value, alcove:Fun(Drv, Name)),
                          ?assertEqual(Value, alcove:Fun(Drv, [C], Name)),
                          ?assertEqual(Value, alcove:define(Drv, Name)),
                          ?assertEqual(Value, alcove:define(Drv, [C], Name))
                      end || {Fun, Name, Value} <-
                                 [{mount_define, 'MS_RDONLY', 1},
                                  {mount_define, rdonly, 1},
                                  {mount_define, nosuid, 2},
                                  {mount_define, noexec, 8},
                                  {mount_define, noatime, 1024},
                                  {file_define, 'O_RDONLY', 0},
                                  {file_define, 'O_WRONLY', 1},
                                  {prctl_define, 'PR_SET_NO_NEW_PRIVS', 38},
                                  {syscall_define, '__NR_read', 0},
                                  {syscall_define, 'SYS_read', 0},
                                  {syscall_define, 'SYS_getpid', 39},
                                  {clone_define, 'CLONE_NEWNET', 16#40000000},
                                  {rlimit_define, 'RLIMIT_NOFILE', 7},
                                  {signal_define, 'SIGCHLD', 17},
                                  {fcntl_define, 'F_SETFD', 2},
                                  {ioctl_define, 'TIOCGWINSZ', 21523},
                                  {ptrace_define, 'PTRACE_ATTACH', 16},
                                  {seccomp_define, 'SECCOMP_SET_MODE_FILTER', 1}]],
                     case alcove:audit_arch() of
                         audit_arch_x86_64 ->
                             ?assertEqual(16#C000003E, alcove:syscall_define(Drv, 'AUDIT_ARCH_X86_64')),
                             ?assertEqual(16#C000003E, alcove:define(Drv, [C], 'AUDIT_ARCH_X86_64'));
                         Arch ->
                             alcove_test_lib:skip("AUDIT_ARCH_X86_64 check",
                                                  io_lib:format("this machine is ~p", [Arch]))
                     end,
                     %% unknown names
                     [?assertEqual(false, alcove:Fun(Drv, 'NO_SUCH_NAME'))
                      || Fun <- [clone_define, fcntl_define, file_define, ioctl_define,
                                 mount_define, prctl_define, ptrace_define, rlimit_define,
                                 seccomp_define, signal_define, syscall_define]],
                     %% define/2,3 combine a list of flags
                     ?assertEqual(1 bor 2 bor 8, alcove:define(Drv, [rdonly, nosuid, noexec])),
                     ?assertEqual(1 bor 64 bor 512,
                                  alcove:define(Drv, [C], ['O_WRONLY', 'O_CREAT', 'O_TRUNC'])),
                     ?assertEqual(false, alcove:define(Drv, [C], ['O_WRONLY', 'O_NO_SUCH']))
             end).
