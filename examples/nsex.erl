%%% The namespace walk-through of the alcove documentation ("Creating a
%%% Container Using Linux Namespaces"): the chroot sandbox of chrootex,
%%% cloned into new IPC, network, mount, PID and UTS namespaces, with its
%%% resources limited by a control group.
%%%
%%% ```
%%% 1> Drv = nsex:start().
%%% 2> Cat = nsex:sandbox(Drv).
%%% 3> alcove:stdin(Drv, [Cat], "test test\n").
%%% 4> alcove:stdout(Drv, [Cat]).
%%% <<"test test\n">>
%%% '''
-module(nsex).

-export([start/0, sandbox/1, sandbox/2]).

start() ->
    {ok, Drv} = chrootex:start(),
    % Create a new cgroup for our processes
    ok = alcove_cgroup:create(Drv, [], <<"alcove">>),
    % Set the CPUs these processes are allowed to run on. For example,
    % if there are 4 available CPUs, any process in this cgroup will only
    % be able to run on CPU 0
    {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, <<"alcove">>,
                                <<"cpuset.cpus">>, <<"0">>),
    {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, <<"alcove">>,
                                <<"cpuset.mems">>, <<"0">>),
    % Set the amount of memory available to the process
    % Total memory, including swap. We allow this to fail, because some
    % systems may not have swap set up
    alcove_cgroup:set(Drv, [], <<"memory">>, <<"alcove">>,
                      <<"memory.memsw.limit_in_bytes">>, <<"16m">>),
    % Total memory
    {ok, 3} = alcove_cgroup:set(Drv, [], <<"memory">>, <<"alcove">>,
                                <<"memory.limit_in_bytes">>, <<"16m">>),
    Drv.

sandbox(Drv) ->
    sandbox(Drv, ["/bin/busybox", "cat"]).

sandbox(Drv, Argv) ->
    {Path, Arg0, Args} = chrootex:argv(Argv),
    Flags = alcove:define(Drv, [
                                'CLONE_NEWIPC', % IPC
                                'CLONE_NEWNET', % network
                                'CLONE_NEWNS',  % mounts
                                'CLONE_NEWPID', % PID, Child is PID 1 in the namespace
                                'CLONE_NEWUTS'  % hostname
                               ]),
    {ok, Child} = alcove:clone(Drv, Flags),
    setlimits(Drv, Child),
    chrootex:chroot(Drv, Child, Path),
    chrootex:drop_privs(Drv, Child, chrootex:id()),
    ok = alcove:execvp(Drv, [Child], Arg0, [Arg0, Args]),
    Child.

setlimits(Drv, Child) ->
    % Add our process to the "alcove" cgroup
    {ok, _} = alcove_cgroup:set(Drv, [], <<>>, <<"alcove">>,
                                <<"tasks">>, integer_to_list(Child)).
