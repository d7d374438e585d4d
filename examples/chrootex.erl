%%% The chroot walk-through of the alcove documentation ("Creating a
%%% chroot"): a process with resource limits, a chroot and an unprivileged
%%% user runs a program from a statically linked busybox.
%%%
%%% ```
%%% 1> {ok, Drv} = chrootex:start().
%%% 2> Cat = chrootex:sandbox(Drv).
%%% 3> alcove:stdin(Drv, [Cat], "test test\n").
%%% 4> alcove:stdout(Drv, [Cat]).
%%% <<"test test\n">>
%%% 5> Sh = chrootex:sandbox(Drv, ["/bin/busybox", "sh"]).
%%% '''
-module(chrootex).

-include_lib("alcove/include/alcove.hrl").

-export([start/0, sandbox/1, sandbox/2]).
-export([setlimits/2, chroot/3, drop_privs/3, id/0, argv/1]).

%% chroot(2) needs root: run the port through sudo unless we are root.
-spec start() -> {ok, pid()} | {error, term()}.
start() ->
    Exec = case os:cmd("id -u") of
               "0\n" -> "";
               _ -> "sudo -n"
           end,
    alcove_drv:start([{exec, Exec}]).

%% The default is to run the cat command. Because of the chroot, the
%% program must be a statically linked executable.
-spec sandbox(pid()) -> non_neg_integer().
sandbox(Drv) ->
    sandbox(Drv, ["/bin/busybox", "cat"]).

%% Returns the OS pid of the sandboxed process; talk to it with
%% alcove:stdin/3, alcove:stdout/2,3 and alcove:stderr/2,3.
-spec sandbox(pid(), [iodata()]) -> non_neg_integer().
sandbox(Drv, Argv) ->
    {Path, Arg0, Args} = argv(Argv),
    {ok, Child} = alcove:fork(Drv),
    setlimits(Drv, Child),
    chroot(Drv, Child, Path),
    drop_privs(Drv, Child, id()),
    ok = alcove:execvp(Drv, [Child], Arg0, [Arg0, Args]),
    Child.

-spec setlimits(pid(), non_neg_integer()) -> ok.
setlimits(Drv, Child) ->
    % Convert atoms to integers defined on this platform
    RLIMIT_FSIZE = alcove:rlimit_define(Drv, 'RLIMIT_FSIZE'),
    RLIMIT_NOFILE = alcove:rlimit_define(Drv, 'RLIMIT_NOFILE'),
    RLIMIT_NPROC = alcove:rlimit_define(Drv, 'RLIMIT_NPROC'),
    % Disable creation of files
    ok = alcove:setrlimit(Drv, [Child], RLIMIT_FSIZE,
                          #alcove_rlimit{cur = 0, max = 0}),
    ok = alcove:setrlimit(Drv, [Child], RLIMIT_NOFILE,
                          #alcove_rlimit{cur = 0, max = 0}),
    % Limit to one process
    ok = alcove:setrlimit(Drv, [Child], RLIMIT_NPROC,
                          #alcove_rlimit{cur = 1, max = 1}).

-spec chroot(pid(), non_neg_integer(), iodata()) -> ok.
chroot(Drv, Child, Path) ->
    ok = alcove:chroot(Drv, [Child], Path),
    ok = alcove:chdir(Drv, [Child], "/").

%% A random, high UID/GID unlikely to belong to an existing user, and no
%% supplementary groups.
-spec drop_privs(pid(), non_neg_integer(), non_neg_integer()) -> ok.
drop_privs(Drv, Child, Id) ->
    ok = alcove:setgroups(Drv, [Child], []),
    ok = alcove:setgid(Drv, [Child], Id),
    ok = alcove:setuid(Drv, [Child], Id).

-spec id() -> non_neg_integer().
id() ->
    16#f0000000 + rand:uniform(16#ffff) - 1.

% Set the program path for the chroot
-spec argv([iodata()]) -> {file:filename(), file:filename(), iodata()}.
argv([Arg0, Args]) ->
    Path = filename:dirname(Arg0),
    Progname = filename:join(["/", filename:basename(Arg0)]),
    {Path, Progname, Args}.
