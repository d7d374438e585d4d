%%% The namespace walk-through of the alcove documentation ("Creating a
%%% Container Using Linux Namespaces"): the chroot sandbox of chrootex,
%%% cloned into new IPC, network, mount, PID and UTS namespaces, with its
%%% resources limited by a control group.
%%%
%%% ```
%%% 1> Drv = nsex:start().
%%% 2> Sh = nsex:sandbox(Drv, ["/bin/busybox", "sh"]).
%%% 3> alcove:stdin(Drv, [Sh], "echo $$\n").
%%% 4> alcove:stdout(Drv, [Sh]).
%%% <<"1\n">>
%%% 5> nsex:stop(Drv).
%%% '''
%%%
%%% The sandboxed process is PID 1 of its PID namespace, has the hostname
%%% "alcove" in its own UTS namespace, no network but a loopback interface,
%%% and is in the cgroup "alcove" (CPU 0, 16 MiB of memory). stop/1 ends
%%% the sandboxes and removes the cgroup, so the example can run again.
-module(nsex).

-export([start/0, sandbox/1, sandbox/2, stop/1, cgroup/0]).

%% The cgroup of the sandboxes.
-spec cgroup() -> binary().
cgroup() ->
    <<"alcove">>.

-spec start() -> pid().
start() ->
    {ok, Drv} = chrootex:start(),
    % Create a new cgroup for our processes
    ok = alcove_cgroup:create(Drv, [], cgroup()),
    % Set the CPUs these processes are allowed to run on. For example,
    % if there are 4 available CPUs, any process in this cgroup will only
    % be able to run on CPU 0
    {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, cgroup(),
                                <<"cpuset.cpus">>, <<"0">>),
    {ok, 1} = alcove_cgroup:set(Drv, [], <<"cpuset">>, cgroup(),
                                <<"cpuset.mems">>, <<"0">>),
    % Set the amount of memory available to the process
    % Total memory, including swap. We allow this to fail, because some
    % systems may not have swap set up
    alcove_cgroup:set(Drv, [], <<"memory">>, cgroup(),
                      <<"memory.memsw.limit_in_bytes">>, <<"16m">>),
    % Total memory
    {ok, 3} = alcove_cgroup:set(Drv, [], <<"memory">>, cgroup(),
                                <<"memory.limit_in_bytes">>, <<"16m">>),
    Drv.

-spec sandbox(pid()) -> non_neg_integer().
sandbox(Drv) ->
    sandbox(Drv, ["/bin/busybox", "cat"]).

-spec sandbox(pid(), [iodata()]) -> non_neg_integer().
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
    % A hostname of its own, in its own UTS namespace
    ok = alcove:sethostname(Drv, [Child], "alcove"),
    chrootex:chroot(Drv, Child, Path),
    chrootex:drop_privs(Drv, Child, chrootex:id()),
    ok = alcove:execvp(Drv, [Child], Arg0, [Arg0, Args]),
    Child.

setlimits(Drv, Child) ->
    % Add our process to the "alcove" cgroup
    {ok, _} = alcove_cgroup:set(Drv, [], <<>>, cgroup(),
                                <<"tasks">>, integer_to_list(Child)).

%% End the sandboxes, remove the cgroup, stop the port.
-spec stop(pid()) -> ok | {error, term()}.
stop(Drv) ->
    _ = [alcove:kill(Drv, [], Child, 9) || Child <- alcove:pid(Drv)],
    Result = case wait_reaped(Drv, 50) of
                 ok -> alcove_cgroup:destroy(Drv, [], cgroup());
                 Error -> Error
             end,
    ok = alcove_drv:stop(Drv),
    Result.

wait_reaped(Drv, N) ->
    case alcove:pid(Drv) of
        [] -> ok;
        _ when N > 0 -> timer:sleep(100), wait_reaped(Drv, N - 1);
        Children -> {error, {still_running, Children}}
    end.
