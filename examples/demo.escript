#!/usr/bin/env escript
%% -*- erlang -*-
%%! -pa _build/default/lib/alcove/ebin
%%
%% `make demo`: a chroot sandbox and a namespace container, with busybox.
%% Needs root (the port chroots, sets limits and switches users).
-mode(compile).
-include_lib("alcove/include/alcove.hrl").

main(_) ->
    case os:cmd("id -u") of
        "0\n" -> ok;
        _ -> io:format("the demo needs root: run it with sudo~n"), halt(1)
    end,
    Busybox = "/bin/busybox",
    case filelib:is_regular(Busybox) of
        true -> ok;
        false -> io:format("needs a static busybox at ~s (apt-get install busybox-static)~n", [Busybox]), halt(1)
    end,
    Root = make_root(Busybox),
    {ok, Drv} = alcove_drv:start(),
    try
        chroot_sandbox(Drv, Root),
        namespace_container(Drv, Root),
        io:format("~ndemo complete~n")
    after
        alcove_drv:stop(Drv),
        os:cmd("rm -rf " ++ Root)
    end.

%% A directory holding only a static busybox: the sandbox's whole world.
make_root(Busybox) ->
    Root = filename:join("/tmp", "alcove-demo." ++ os:getpid()),
    ok = filelib:ensure_dir(filename:join(Root, "x")),
    {ok, _} = file:copy(Busybox, filename:join(Root, "busybox")),
    ok = file:change_mode(filename:join(Root, "busybox"), 8#755),
    Root.

step(Fmt, Args) -> io:format("  " ++ Fmt ++ "~n", Args).

%% The chroot walk-through: limits, chroot, an unprivileged user, exec.
chroot_sandbox(Drv, Root) ->
    io:format("~n== a chroot sandbox ==~n"),
    {ok, Child} = alcove:fork(Drv, []),
    step("forked ~p", [Child]),
    Limit = fun(Name, N) ->
                    ok = alcove:setrlimit(Drv, [Child], alcove:rlimit_define(Drv, Name),
                                          #alcove_rlimit{cur = N, max = N})
            end,
    Limit('RLIMIT_FSIZE', 0),
    Limit('RLIMIT_NOFILE', 0),
    Limit('RLIMIT_NPROC', 1),
    step("limits: no file writes, no new files, one process", []),
    ok = alcove:chroot(Drv, [Child], Root),
    ok = alcove:chdir(Drv, [Child], "/"),
    Id = 16#f0000000 + rand:uniform(16#ffff),
    ok = alcove:setgid(Drv, [Child], Id),
    ok = alcove:setuid(Drv, [Child], Id),
    step("chroot ~s, uid/gid ~p", [Root, Id]),
    ok = alcove:execvp(Drv, [Child], "/busybox", ["/busybox", "sh"]),
    Sh = [Child],
    shell(Drv, Sh, "echo hello from the sandbox\n", stdout),
    shell(Drv, Sh, "id -u\n", stdout),
    shell(Drv, Sh, "> foo\n", stderr),
    shell(Drv, Sh, "/busybox true\n", stderr),
    alcove:stdin(Drv, Sh, "exit\n"),
    ok.

%% The namespace walk-through: clone into new namespaces.
namespace_container(Drv, Root) ->
    io:format("~n== a namespace container ==~n"),
    Flags = alcove:define(Drv, ['CLONE_NEWIPC', 'CLONE_NEWNET', 'CLONE_NEWNS',
                                'CLONE_NEWPID', 'CLONE_NEWUTS']),
    case alcove:clone(Drv, Flags) of
        {ok, Child} ->
            step("cloned ~p into new ipc, net, mount, pid and uts namespaces", [Child]),
            ok = alcove:sethostname(Drv, [Child], "alcove-demo"),
            ok = alcove:chroot(Drv, [Child], Root),
            ok = alcove:chdir(Drv, [Child], "/"),
            ok = alcove:execvp(Drv, [Child], "/busybox", ["/busybox", "sh"]),
            shell(Drv, [Child], "echo my pid is $$\n", stdout),
            shell(Drv, [Child], "/busybox hostname\n", stdout),
            shell(Drv, [Child], "/busybox ip link 2>&1 | /busybox cut -c1-40\n", stdout),
            alcove:stdin(Drv, [Child], "exit\n"),
            ok;
        {error, E} ->
            step("namespaces are not available here: ~p", [E])
    end.

%% Send a command line, print what comes back on stdout or stderr.
shell(Drv, Path, Line, Stream) ->
    io:format("  $ ~s", [Line]),
    true = alcove:stdin(Drv, Path, Line),
    Out = collect(Drv, Path, Stream, <<>>),
    io:format("    ~s~n", [string:trim(Out)]).

collect(Drv, Path, Stream, Acc) ->
    case alcove:Stream(Drv, Path, 2000) of
        false -> Acc;
        Bin ->
            Acc1 = <<Acc/binary, Bin/binary>>,
            case binary:last(Acc1) of
                $\n -> Acc1;
                _ -> collect(Drv, Path, Stream, Acc1)
            end
    end.
