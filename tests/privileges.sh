#!/bin/sh
# Privileges: an unprivileged user drives a root port through the Erlang
# library, the port being started (a) as a setuid-root copy of the binary and
# (b) with `sudo -n` as the exec prefix. The privileged calls succeed in the
# port (uids from getresuid and /proc, setuid, chroot, sethostname in a
# clone_newuts child) while the driving VM keeps the user's uids and no
# capabilities. A plain copy started by the same user is the control: there
# the same calls fail with eperm.
#
# Usage: sh tests/privileges.sh [PATH_TO_ALCOVE]   (default: priv/alcove)
# Runs as root; prints `skipped: <reason>` and exits 0 when it cannot run.
#
# About getuid: the setuid copy started by the user runs with real uid = the
# user's, effective and saved uid = 0, so getuid returns the USER's uid and
# getresuid {ok, Uid, 0, 0}; a child that calls setuid(0) then has 0 for all
# three. Under sudo all three are 0 from the start.
set -eu

name=privileges
root=$(cd "$(dirname "$0")/.." && pwd)
user=alcovetest
bin=${1:-$root/priv/alcove}
sudoers=/etc/sudoers.d/99_alcove_test

skip() {
    echo "skipped: $*"
    exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root"
command -v useradd >/dev/null 2>&1 || skip "no useradd"
if command -v runuser >/dev/null 2>&1; then
    as_user_with=runuser
elif command -v setpriv >/dev/null 2>&1; then
    as_user_with=setpriv
else
    skip "neither runuser nor setpriv"
fi
command -v escript >/dev/null 2>&1 || skip "no escript (Erlang)"
command -v erlc >/dev/null 2>&1 || skip "no erlc (Erlang)"
if [ ! -x "$bin" ]; then
    echo "$name: no port binary at $bin (build it, or pass its path)" >&2
    exit 1
fi
grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status &&
    skip "no_new_privs is set: setuid and sudo cannot raise privileges here"

id -u "$user" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$user"
uid=$(id -u "$user")
gid=$(id -g "$user")

work=$(mktemp -d /tmp/alcove-priv.XXXXXX)
cleanup() {
    rm -f "$sudoers"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
chmod 755 "$work"

# setuid needs a file system mounted without nosuid
if command -v findmnt >/dev/null 2>&1 &&
    findmnt -n -o OPTIONS --target "$work" | tr ',' '\n' | grep -qx nosuid; then
    skip "$work is on a nosuid file system"
fi

mkdir "$work/bin" "$work/ctl" "$work/ctl-user" "$work/jail" "$work/ebin" "$work/home"
touch "$work/jail/marker"
chown "$uid:$gid" "$work/home" "$work/ctl-user"
# the setuid copy, a root-owned copy for sudo, and a plain one
cp "$bin" "$work/bin/alcove-setuid"
cp "$bin" "$work/bin/alcove"
cp "$bin" "$work/bin/alcove-plain"
chown root:root "$work/bin/alcove-setuid" "$work/bin/alcove"
chmod 4755 "$work/bin/alcove-setuid"
chmod 755 "$work/bin/alcove" "$work/bin/alcove-plain"
# the FIFO is created there by the port (as root) and opened by the user;
# the plain port, running as the user, makes its own in ctl-user
chmod 755 "$work/ctl"

# The Erlang library: the rebar3 build when present, else compiled here.
ebin=$root/_build/default/lib/alcove/ebin
if [ -f "$ebin/alcove_drv.beam" ]; then
    cp "$ebin"/*.beam "$work/ebin/"
else
    erlc -I "$root/include" -o "$work/ebin" "$root"/erlang/*.erl
fi
chmod -R a+rX "$work/ebin"

cat > "$work/drive.escript" <<'ESCRIPT'
%% Drive a port through the alcove library and check its privileges.
%% Args: Mode (setuid | sudo | plain) Ebin Progname Ctldir Jail Uid
-mode(compile).

main([Mode, Ebin, Progname, Ctldir, Jail, UidS]) ->
    true = code:add_patha(Ebin),
    Uid = list_to_integer(UidS),
    spawn(fun() -> timer:sleep(60000), io:format("FAIL ~s: timeout~n", [Mode]), halt(1) end),
    try run(list_to_atom(Mode), Progname, Ctldir, Jail, Uid) of
        _ -> ok
    catch
        C:R:St -> check(crash, {C, R, St}, no_crash)
    end,
    halt(case get(failed) of undefined -> 0; _ -> 1 end).

check(Name, Got, Want) ->
    case Got =:= Want of
        true -> io:format("PASS ~s ~s~n", [get(mode), Name]);
        false ->
            put(failed, true),
            io:format("FAIL ~s ~s: got ~0tp, want ~0tp~n", [get(mode), Name, Got, Want])
    end.

%% {Real, Effective, Saved, Filesystem} uids of an OS process
uids(Pid) -> status_field(Pid, "Uid:").

status_field(Pid, Field) ->
    {ok, B} = file:read_file("/proc/" ++ Pid ++ "/status"),
    [Line] = [L || L <- string:split(binary_to_list(B), "\n", all), lists:prefix(Field, L)],
    list_to_tuple([list_to_integer(W, case Field of "CapEff:" -> 16; _ -> 10 end)
                   || W <- tl(string:lexemes(Line, " \t"))]).

unprivileged(Uid, When) ->
    check("driver uids " ++ When, uids(os:getpid()), {Uid, Uid, Uid, Uid}),
    check("driver capabilities " ++ When, status_field(os:getpid(), "CapEff:"), {0}).

run(Mode, Progname, Ctldir, Jail, Uid) ->
    put(mode, Mode),
    unprivileged(Uid, "before"),
    {ok, Host} = inet:gethostname(),
    Exec = case Mode of sudo -> [{exec, "sudo -n"}]; _ -> [] end,
    {ok, Drv} = alcove_drv:start_link([{progname, Progname}, {ctldir, Ctldir} | Exec]),
    Port = alcove:getpid(Drv),
    PortS = integer_to_list(Port),
    {R, E} = case Mode of setuid -> {Uid, 0}; sudo -> {0, 0}; plain -> {Uid, Uid} end,
    Priv = E =:= 0,
    check("getuid", alcove:getuid(Drv), R),
    check("getresuid", alcove:getresuid(Drv), {ok, R, E, E}),
    check("port uids in /proc", uids(PortS), {R, E, E, E}),
    %% setuid(0): all three uids become 0 in a privileged port
    {ok, C1} = alcove:fork(Drv, []),
    case Priv of
        true ->
            check("setuid(0)", alcove:setuid(Drv, [C1], 0), ok),
            check("getresuid after setuid(0)", alcove:getresuid(Drv, [C1]), {ok, 0, 0, 0}),
            check("getuid after setuid(0)", alcove:getuid(Drv, [C1]), 0);
        false ->
            check("setuid(0)", alcove:setuid(Drv, [C1], 0), {error, eperm})
    end,
    %% dropping to nobody is for good
    {ok, C2} = alcove:fork(Drv, []),
    case Priv of
        true ->
            check("setuid(65534)", alcove:setuid(Drv, [C2], 65534), ok),
            check("getresuid as nobody", alcove:getresuid(Drv, [C2]), {ok, 65534, 65534, 65534}),
            check("setuid(0) as nobody", alcove:setuid(Drv, [C2], 0), {error, eperm});
        false ->
            check("setuid(65534)", alcove:setuid(Drv, [C2], 65534), {error, eperm})
    end,
    %% sethostname in a new UTS namespace leaves the host's name alone
    case alcove:clone(Drv, [], [clone_newuts]) of
        {ok, C3} when Priv ->
            check("sethostname in clone_newuts", alcove:sethostname(Drv, [C3], "alcove-priv"), ok),
            check("gethostname in clone_newuts", alcove:gethostname(Drv, [C3]), {ok, <<"alcove-priv">>}),
            check("gethostname of the port", alcove:gethostname(Drv, []), {ok, list_to_binary(Host)});
        Other ->
            check("clone(clone_newuts)", Other, case Priv of true -> ok_pid; false -> {error, eperm} end)
    end,
    %% chroot into a directory holding one file
    {ok, C4} = alcove:fork(Drv, []),
    case Priv of
        true ->
            check("chroot", alcove:chroot(Drv, [C4], Jail), ok),
            check("chdir / in the jail", alcove:chdir(Drv, [C4], "/"), ok),
            {ok, Names} = alcove:readdir(Drv, [C4], "/"),
            check("readdir / in the jail", lists:sort(Names), [<<".">>, <<"..">>, <<"marker">>]);
        false ->
            check("chroot", alcove:chroot(Drv, [C4], Jail), {error, eperm})
    end,
    check("host name unchanged", inet:gethostname(), {ok, Host}),
    unprivileged(Uid, "after"),
    ok = alcove_drv:stop(Drv),
    check("port gone after stop", gone(PortS, 50), true).

gone(_, 0) -> false;
gone(Pid, N) ->
    case file:read_file("/proc/" ++ Pid ++ "/stat") of
        {error, E} when E =:= enoent; E =:= esrch -> true;
        {ok, B} ->
            %% a zombie is gone too, waiting for its parent
            case string:split(binary_to_list(B), ") ", trailing) of
                [_, "Z" ++ _] -> true;
                _ -> timer:sleep(100), gone(Pid, N - 1)
            end
    end.
ESCRIPT
chmod 644 "$work/drive.escript"

as_user() {
    case $as_user_with in
        runuser) runuser -u "$user" -- env HOME="$work/home" "$@" ;;
        setpriv) setpriv --reuid="$uid" --regid="$gid" --init-groups -- env HOME="$work/home" "$@" ;;
    esac
}

passed=0
failed=0
drive() { # MODE PROGNAME CTLDIR
    out=$(cd "$work/home" && as_user escript "$work/drive.escript" "$1" "$work/ebin" "$2" \
        "$3" "$work/jail" "$uid" 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out"
    p=$(printf '%s\n' "$out" | grep -c '^PASS' || true)
    f=$(printf '%s\n' "$out" | grep -c '^FAIL' || true)
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "FAIL $1: driver exited with status $rc"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

drive plain "$work/bin/alcove-plain" "$work/ctl-user"
drive setuid "$work/bin/alcove-setuid" "$work/ctl"

# sudo -n, allowed for exactly the root-owned copy
sudo_ok=true
if ! command -v sudo >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >/dev/null 2>&1; } ||
            { echo "skipped (sudo): apt-get install sudo failed"; sudo_ok=false; }
    else
        echo "skipped (sudo): sudo is not installed and there is no apt-get"
        sudo_ok=false
    fi
fi
if $sudo_ok; then
    printf '%s ALL=(root) NOPASSWD: %s\n' "$user" "$work/bin/alcove" > "$sudoers"
    chmod 440 "$sudoers"
    if ! visudo -c -q -f "$sudoers" >/dev/null 2>&1; then
        echo "FAIL sudo: $sudoers does not parse"
        failed=$((failed + 1))
    else
        drive sudo "$work/bin/alcove" "$work/ctl"
        # the rule names that binary and nothing else
        if as_user sudo -n -l "$work/bin/alcove-plain" >/dev/null 2>&1; then
            echo "FAIL sudo: another binary is allowed"
            failed=$((failed + 1))
        else
            echo "PASS sudo other binaries refused"
            passed=$((passed + 1))
        fi
    fi
fi

echo "$name: $passed passed, $failed failed"
[ "$failed" = 0 ]
