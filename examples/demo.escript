#!/usr/bin/env escript
%% -*- erlang -*-
%%! -pa _build/default/lib/alcove/ebin
%%
%% `make demo`: the two walk-throughs of the alcove manual, run with the
%% example modules themselves (examples/chrootex.erl, examples/nsex.erl):
%% a chroot sandbox and a namespace container, each running a busybox
%% shell. Needs root and a statically linked /bin/busybox.
-mode(compile).

main(_) ->
    Root = filename:dirname(filename:dirname(filename:absname(escript:script_name()))),
    [load(filename:join([Root, "examples", M ++ ".erl"])) || M <- ["chrootex", "nsex"]],
    case prerequisite() of
        ok -> ok;
        {missing, Why} -> io:format("the demo needs ~s~n", [Why]), halt(1)
    end,
    %% The sandboxes' whole world: a directory holding a static busybox.
    Dir = filename:join("/tmp", "alcove-demo." ++ os:getpid()),
    Busybox = filename:join(Dir, "busybox"),
    ok = filelib:ensure_dir(Busybox),
    {ok, _} = file:copy("/bin/busybox", Busybox),
    ok = file:change_mode(Busybox, 8#755),
    try
        chroot_sandbox(Busybox),
        namespace_container(Busybox)
    after
        os:cmd("rm -rf " ++ Dir),
        io:format("~nremoved ~s~n", [Dir])
    end,
    io:format("demo complete~n").

load(File) ->
    {ok, Module, Beam} = compile:file(File, [binary, report]),
    {module, Module} = code:load_binary(Module, File, Beam).

prerequisite() ->
    Static = os:cmd("file -L /bin/busybox 2>/dev/null"),
    case {os:cmd("id -u"), string:find(Static, "statically linked")} of
        {"0\n", nomatch} -> {missing, "a statically linked /bin/busybox (apt-get install busybox-static)"};
        {"0\n", _} -> ok;
        _ -> {missing, "root: run it with sudo"}
    end.

%% "Creating a chroot": limits, chroot, an unprivileged user, exec.
chroot_sandbox(Busybox) ->
    io:format("~n== a chroot sandbox (examples/chrootex.erl) ==~n"),
    {ok, Drv} = chrootex:start(),
    try
        Sh = chrootex:sandbox(Drv, [Busybox, "sh"]),
        io:format("  pid ~b: RLIMIT_FSIZE 0, RLIMIT_NOFILE 0, RLIMIT_NPROC 1, "
                  "chroot ~s, uid ~s~n", [Sh, filename:dirname(Busybox),
                                         string:trim(os:cmd("stat -c %u /proc/" ++ integer_to_list(Sh)))]),
        shell(Drv, Sh, "echo hello from the sandbox\n", stdout),
        shell(Drv, Sh, "> foo\n", stderr),
        shell(Drv, Sh, "/busybox true\n", stderr),
        {signal, N} = Event = alcove:event(Drv, [], 5000),
        io:format("  the shell has exited: the port's event is ~p, ~p is ~p~n",
                  [Event, N, alcove:signal_constant(Drv, N)])
    after
        alcove_drv:stop(Drv)
    end.

%% "Creating a Container Using Linux Namespaces": clone into new
%% namespaces, limits by a cgroup.
namespace_container(Busybox) ->
    io:format("~n== a namespace container (examples/nsex.erl) ==~n"),
    case missing_controllers([<<"cpuset">>, <<"memory">>]) of
        [] -> container(Busybox);
        Missing -> io:format("  skipped: no cgroup controller ~s here~n", [lists:join(", ", Missing)])
    end.

missing_controllers(Controllers) ->
    {ok, Drv} = alcove_drv:start(),
    try [C || C <- Controllers, element(1, alcove_cgroup:controller(Drv, [], C)) =/= ok]
    after alcove_drv:stop(Drv)
    end.

container(Busybox) ->
    Drv = nsex:start(),
    try
        Sh = nsex:sandbox(Drv, [Busybox, "sh"]),
        io:format("  pid ~b, in new ipc, net, mount, pid and uts namespaces~n", [Sh]),
        shell(Drv, Sh, "echo my pid is $$\n", stdout),
        {ok, Host} = alcove:gethostname(Drv),
        shell(Drv, Sh, "/busybox hostname\n", stdout),
        io:format("    (this machine's hostname is ~s)~n", [Host]),
        shell(Drv, Sh, "/busybox ip -o link | /busybox cut -d' ' -f1-3\n", stdout),
        Name = nsex:cgroup(),
        Get = fun(Ctl, Key) ->
                      {ok, V} = alcove_cgroup:get(Drv, [], Ctl, Name, Key),
                      string:trim(V)
              end,
        Tasks = string:lexemes(Get(<<"cpuset">>, <<"tasks">>), "\n"),
        io:format("  cgroup ~s: cpuset.cpus ~s, memory.limit_in_bytes ~s, tasks ~s "
                  "(the shell is ~b: ~s)~n",
                  [Name, Get(<<"cpuset">>, <<"cpuset.cpus">>),
                   Get(<<"memory">>, <<"memory.limit_in_bytes">>), lists:join(" ", Tasks), Sh,
                   case lists:member(integer_to_binary(Sh), Tasks) of
                       true -> "in the cgroup";
                       false -> "NOT in the cgroup"
                   end])
    after
        ok = nsex:stop(Drv),
        io:format("  stopped the container and removed its cgroup~n")
    end.

%% Send a command line; print what comes back on stdout or stderr.
shell(Drv, Sh, Line, Stream) ->
    io:format("  $ ~s", [Line]),
    true = alcove:stdin(Drv, [Sh], Line),
    [io:format("    ~s~n", [L]) || L <- string:lexemes(collect(Drv, Sh, Stream, <<>>), "\n")],
    ok.

collect(Drv, Sh, Stream, Acc) ->
    case alcove:Stream(Drv, [Sh], case Acc of <<>> -> 5000; _ -> 200 end) of
        false -> Acc;
        Bin -> collect(Drv, Sh, Stream, <<Acc/binary, Bin/binary>>)
    end.
