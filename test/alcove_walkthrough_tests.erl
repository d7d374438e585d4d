%%% The walk-throughs of the alcove manual (API.txt), step by step as
%%% printed, asserting the printed results: the Overview, setting up
%%% privileges with sudo, the chroot sandbox (examples/chrootex.erl), the
%%% namespace container (examples/nsex.erl), sethostname in a uts
%%% namespace, setns into another process's network namespace and
%%% unshare(CLONE_NEWNET). The sandboxes need a statically linked
%%% /bin/busybox (apt-get install busybox-static); without it those tests
%%% say so and skip.
-module(alcove_walkthrough_tests).

-include_lib("eunit/include/eunit.hrl").
-include("../include/alcove.hrl").

-compile([export_all, nowarn_export_all]).

alcove_walkthrough_test_() ->
    alcove_test_lib:tests(?MODULE, 60).

%% "Overview"
t_overview() ->
    {ok, Drv} = alcove_drv:start(),
    try
        {ok, Child1} = alcove:fork(Drv),
        {ok, Child2} = alcove:fork(Drv, [Child1]),
        Child2 = alcove:getpid(Drv, [Child1,Child2]),
        % Same as doing: alcove:fork(Drv).
        {ok, Child3} = alcove:fork(Drv, []),
        ok = alcove:execvp(Drv, [Child1,Child2], "/bin/cat", ["/bin/cat"]),
        alcove:stdin(Drv, [Child1,Child2], "hello process\n"),
        <<"hello process\n">> = alcove:stdout(Drv, [Child1,Child2]),
        %% the fork paths as described
        ?assertEqual(lists:sort([Child1, Child3]), lists:sort(alcove:pid(Drv))),
        ?assertEqual([Child2], alcove:pid(Drv, [Child1])),
        %% "by default, are limited to a length of 16 Unix processes"
        ?assertEqual(16, alcove:getopt(Drv, maxforkdepth))
    after
        alcove_drv:stop(Drv)
    end.

%% "Setting Up Privileges": running the port through sudo.
t_sudo() ->
    case os:find_executable("sudo") of
        false ->
            alcove_test_lib:skip("t_sudo", "sudo is not installed");
        _ ->
            {ok, Drv} = alcove_drv:start([{exec, "sudo -n"}]),
            try
                ?assertEqual(0, alcove:getuid(Drv)),
                ?assertNotEqual(list_to_integer(os:getpid()), alcove:getpid(Drv))
            after
                alcove_drv:stop(Drv)
            end
    end.

%% "Creating a chroot", with examples/chrootex.erl, as printed.
t_chroot_sandbox() ->
    case alcove_test_lib:static_busybox() of
        false ->
            alcove_test_lib:skip("t_chroot_sandbox", "needs a statically linked /bin/busybox "
                                 "(apt-get install busybox-static)");
        true ->
            {ok, Drv} = chrootex:start(),
            try chroot_sandbox(Drv)
            after alcove_drv:stop(Drv)
            end
    end.

chroot_sandbox(Drv) ->
    Cat = chrootex:sandbox(Drv),
    ?assert(is_integer(Cat)),
    alcove:stdin(Drv, [Cat], "test test\n"),
    ?assertEqual(<<"test test\n">>, alcove:stdout(Drv, [Cat])),
    %% the limits set before exec are in place
    Limits = proc_limits(Cat),
    ?assertEqual({"0", "0"}, maps:get("Max open files", Limits)),
    ?assertEqual({"0", "0"}, maps:get("Max file size", Limits)),
    ?assertEqual({"1", "1"}, maps:get("Max processes", Limits)),

    Sh = chrootex:sandbox(Drv, ["/bin/busybox", "sh"]),
    % Test the shell is working
    ?assertEqual(true, alcove:stdin(Drv, [Sh], "echo hello\n")),
    ?assertEqual(<<"hello\n">>, alcove:stdout(Drv, [Sh])),
    % Attempt to create a file
    ?assertEqual(true, alcove:stdin(Drv, [Sh], "> foo\n")),
    ?assertEqual(<<"sh: can't create foo: Too many open files\n">>,
                 alcove_test_lib:stderr_line(Drv, [Sh])),
    % Try to fork a new process
    true = alcove:stdin(Drv, [Sh], "/busybox true\n"),
    %% busybox versions differ in what follows "can't fork" (this one adds
    %% the errno text, ": Resource temporarily unavailable")
    ?assertMatch(<<"sh: can't fork", _/binary>>, alcove_test_lib:stderr_line(Drv, [Sh])),
    % If we check the parent for events, we can see the child has exited
    ?assertEqual({signal,17}, alcove:event(Drv)),
    ?assertEqual('SIGCHLD', alcove:signal_constant(Drv, 17)),
    ?assertNot(lists:member(Sh, alcove:pid(Drv))).

%% /proc/<pid>/limits as #{Name => {Soft, Hard}}.
proc_limits(Pid) ->
    {ok, Text} = file:read_file("/proc/" ++ integer_to_list(Pid) ++ "/limits"),
    [_Header | Lines] = string:split(binary_to_list(Text), "\n", all),
    maps:from_list([{string:trim(string:slice(L, 0, 26)),
                     list_to_tuple(lists:sublist(string:lexemes(string:slice(L, 26), " "), 2))}
                    || L <- Lines, L =/= ""]).

%% "Creating a Container Using Linux Namespaces", with examples/nsex.erl.
t_namespace_container() ->
    Controllers = [C || {_, _, Cs} <- mounts(), C <- Cs],
    Missing = [C || C <- [<<"cpuset">>, <<"memory">>], not lists:member(C, Controllers)],
    case {alcove_test_lib:static_busybox(), Missing} of
        {false, _} ->
            alcove_test_lib:skip("t_namespace_container", "needs a statically linked "
                                 "/bin/busybox (apt-get install busybox-static)");
        {true, [_ | _]} ->
            alcove_test_lib:skip("t_namespace_container",
                                 io_lib:format("no cgroup controller ~s on this machine",
                                               [lists:join(", ", Missing)]));
        {true, []} ->
            Drv = nsex:start(),
            try
                namespace_container(Drv)
            after
                ?assertEqual(ok, nsex:stop(Drv))
            end,
            %% the cgroup is gone, so the example can run again
            {ok, Drv2} = alcove_drv:start(),
            try
                ?assertEqual({error, enoent},
                             alcove_cgroup:get(Drv2, [], <<"cpuset">>, nsex:cgroup(), <<"cpuset.cpus">>))
            after
                alcove_drv:stop(Drv2)
            end
    end.

mounts() ->
    {ok, Drv} = alcove_drv:start(),
    try alcove_cgroup:mounts(Drv)
    after alcove_drv:stop(Drv)
    end.

namespace_container(Drv) ->
    Cat = nsex:sandbox(Drv),
    alcove:stdin(Drv, [Cat], "test test\n"),
    ?assertEqual(<<"test test\n">>, alcove:stdout(Drv, [Cat])),
    Sh = nsex:sandbox(Drv, ["/bin/busybox", "sh"]),
    %% PID 1 in its PID namespace
    ?assertEqual(<<"1\n">>, shell(Drv, Sh, "echo $$\n")),
    %% a hostname of its own
    {ok, Host} = alcove:gethostname(Drv),
    ?assertEqual(<<"alcove\n">>, shell(Drv, Sh, "/busybox hostname\n")),
    ?assertNotEqual(<<"alcove">>, Host),
    %% no network: only a loopback interface
    Links = shell(Drv, Sh, "/busybox ip -o link\n"),
    ?assertMatch([<<"1: lo:", _/binary>>], binary:split(Links, <<"\n">>, [global, trim_all])),
    %% new IPC and mount namespaces too
    [?assertNotEqual(ns(self, Ns), ns(Sh, Ns)) || Ns <- ["ipc", "mnt", "net", "pid", "uts"]],
    %% the cgroup limits are in place
    Name = nsex:cgroup(),
    ?assertEqual({ok, <<"0\n">>}, alcove_cgroup:get(Drv, [], <<"cpuset">>, Name, <<"cpuset.cpus">>)),
    ?assertEqual({ok, <<"16777216\n">>},
                 alcove_cgroup:get(Drv, [], <<"memory">>, Name, <<"memory.limit_in_bytes">>)),
    {ok, Tasks} = alcove_cgroup:get(Drv, [], <<"cpuset">>, Name, <<"tasks">>),
    Members = binary:split(Tasks, <<"\n">>, [global, trim_all]),
    ?assert(lists:member(integer_to_binary(Sh), Members)),
    ?assert(lists:member(integer_to_binary(Cat), Members)),
    %% /proc/<pid>/cgroup of the shell names the cgroup
    {ok, Cgroup} = file:read_file("/proc/" ++ integer_to_list(Sh) ++ "/cgroup"),
    ?assertNotEqual(nomatch, binary:match(Cgroup, <<":cpuset:/alcove\n">>)),
    ?assertNotEqual(nomatch, binary:match(Cgroup, <<":memory:/alcove\n">>)).

ns(self, Ns) ->
    {ok, Link} = file:read_link("/proc/self/ns/" ++ Ns),
    Link;
ns(Pid, Ns) ->
    {ok, Link} = file:read_link("/proc/" ++ integer_to_list(Pid) ++ "/ns/" ++ Ns),
    Link.

%% Send a command line to a shell, return its output.
shell(Drv, Sh, Line) ->
    true = alcove:stdin(Drv, [Sh], Line),
    collect(Drv, Sh, <<>>).

collect(Drv, Sh, Acc) ->
    case alcove:stdout(Drv, [Sh], case Acc of <<>> -> 5000; _ -> 300 end) of
        false -> Acc;
        Out -> collect(Drv, Sh, <<Acc/binary, Out/binary>>)
    end.

%% sethostname/2,3: "This function is probably only useful if running in
%% a uts namespace"
t_sethostname_uts() ->
    {ok, Drv} = alcove_drv:start(),
    try
        Flags = alcove:define(Drv, 'CLONE_NEWUTS'),
        {ok, Child} = alcove:clone(Drv, Flags),
        ok = alcove:sethostname(Drv, [Child], "test"),
        Hostname1 = alcove:gethostname(Drv),
        Hostname2 = alcove:gethostname(Drv, [Child]),
        ?assert(Hostname1 =/= Hostname2),
        ?assertEqual({ok, <<"test">>}, Hostname2),
        ?assertEqual({ok, list_to_binary(hostname())}, Hostname1)
    after
        alcove_drv:stop(Drv)
    end.

%% setns/2,3: "to attach to another process' network namespace"
t_setns_net() ->
    {ok, Drv} = alcove_drv:start(),
    try
        Flags = alcove:define(Drv, 'CLONE_NEWNET'),
        {ok, Child1} = alcove:clone(Drv, Flags),
        {ok, Child2} = alcove:fork(Drv),
        % Move Child2 into the Child1 network namespace
        ?assertNotEqual(ns(Child1, "net"), ns(Child2, "net")),
        ok = alcove:setns(Drv, [Child2],
                          ["/proc/", integer_to_list(Child1), "/ns/net"]),
        ?assertEqual(ns(Child1, "net"), ns(Child2, "net")),
        ?assertNotEqual(ns(self, "net"), ns(Child2, "net"))
    after
        alcove_drv:stop(Drv)
    end.

%% unshare/2,3: "The port is now running in a namespace without network
%% access."
t_unshare_net() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}, {active, false}]),
    {ok, Port} = inet:port(L),
    {ok, Drv} = alcove_drv:start(),
    try
        %% before: the port reaches a listener on the loopback interface
        ?assertEqual(ok, connect_loopback(Drv, Port)),
        Flags = alcove:define(Drv, 'CLONE_NEWNET'),
        ok = alcove:unshare(Drv, Flags),
        % The port is now running in a namespace without network access.
        ?assertEqual({error, enetunreach}, connect_loopback(Drv, Port)),
        ?assertNotEqual(ns(self, "net"), ns(alcove:getpid(Drv), "net"))
    after
        alcove_drv:stop(Drv),
        gen_tcp:close(L)
    end.

connect_loopback(Drv, Port) ->
    {ok, S} = alcove:socket(Drv, af_inet, sock_stream, 0),
    SockAddr = [<<2:16/native, Port:16, 127, 0, 0, 1, 0:64>>],
    try alcove:connect(Drv, S, SockAddr)
    after alcove:close(Drv, S)
    end.

%% This machine's hostname, as gethostname(2) gives it.
hostname() ->
    {ok, Name} = file:read_file("/proc/sys/kernel/hostname"),
    binary_to_list(string:trim(Name)).
