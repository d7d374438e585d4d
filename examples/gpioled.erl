%%% Blink an LED on a GPIO pin of a BeagleBone Black or Raspberry Pi,
%%% through the sysfs GPIO interface (/sys/class/gpio), with two system
%%% processes:
%%%
%%% <ul>
%%% <li>the port process asks for the GPIO pin to be exported to user space
%%%     (writes the pin number to class/gpio/export and "out" to
%%%     class/gpio/gpioN/direction), forks a child into new namespaces,
%%%     then drops its privileges;</li>
%%% <li>the child gets a file descriptor for the pin's value file, then
%%%     drops its privileges; the LED is switched by writing "1" or "0"
%%%     to that descriptor.</li>
%%% </ul>
%%%
%%% ```
%%% 1> Led = gpioled:start([{pin, 60}]).
%%% 2> gpioled:blink(Led, 10, 500).
%%% 3> gpioled:stop(Led).
%%% '''
%%%
%%% Options of start/1:
%%% <dl>
%%% <dt>`{pin, N}'</dt><dd>the GPIO number. Default: 60 (GPIO1_28, pin 12
%%%   of the P9 header of a BeagleBone Black).</dd>
%%% <dt>`{sysfs, Dir}'</dt><dd>where sysfs is mounted. Default: "/sys".
%%%   A directory holding class/gpio/export and
%%%   class/gpio/gpioN/{direction,value} files stands in for the hardware
%%%   in tests.</dd>
%%% <dt>`{exec, Exec}'</dt><dd>passed to alcove_drv:start/1. Default:
%%%   "sudo -n" unless running as root.</dd>
%%% </dl>
%%%
%%% As the port has dropped its privileges, stop/1 does not unexport the
%%% pin (write N to class/gpio/unexport as root to do it).
-module(gpioled).

-export([start/0, start/1, led/2, blink/3, stop/1]).

-export_type([led/0]).

-opaque led() :: #{drv := pid(), child := non_neg_integer(), fd := integer(),
                   pin := non_neg_integer(), uid := non_neg_integer()}.

-spec start() -> led().
start() ->
    start([]).

-spec start([{pin, non_neg_integer()} | {sysfs, file:filename()} | {exec, string()}]) -> led().
start(Options) ->
    Pin = proplists:get_value(pin, Options, 60),
    Sysfs = proplists:get_value(sysfs, Options, "/sys"),
    Exec = proplists:get_value(exec, Options, default_exec()),
    Gpio = filename:join([Sysfs, "class", "gpio"]),
    PinDir = filename:join(Gpio, "gpio" ++ integer_to_list(Pin)),
    {ok, Drv} = alcove_drv:start([{exec, Exec}]),
    try
        setup(Drv, Pin, Gpio, PinDir)
    catch
        Class:Reason:Stack ->
            alcove_drv:stop(Drv),
            erlang:raise(Class, Reason, Stack)
    end.

setup(Drv, Pin, Gpio, PinDir) ->
    % The port: export the pin to user space (EBUSY: it already is) and
    % make it an output
    case write_file(Drv, filename:join(Gpio, "export"), integer_to_list(Pin)) of
        ok -> ok;
        {error, ebusy} -> ok
    end,
    ok = write_file(Drv, filename:join(PinDir, "direction"), "out"),

    % A child in new namespaces: no network, its own mounts, PIDs,
    % hostname and IPC
    Flags = alcove:define(Drv, ['CLONE_NEWIPC', 'CLONE_NEWNET', 'CLONE_NEWNS',
                                'CLONE_NEWPID', 'CLONE_NEWUTS']),
    {ok, Child} = alcove:clone(Drv, Flags),

    % The port drops its privileges
    Id = id(),
    drop_privs(Drv, [], Id),

    % The child opens the value file, then drops its privileges
    {ok, FD} = alcove:open(Drv, [Child], filename:join(PinDir, "value"),
                           alcove:file_define(Drv, 'O_WRONLY'), 0),
    drop_privs(Drv, [Child], Id),
    #{drv => Drv, child => Child, fd => FD, pin => Pin, uid => Id}.

%% Switch the LED on or off.
-spec led(led(), on | off) -> ok.
led(#{drv := Drv, child := Child, fd := FD}, State) ->
    Value = case State of on -> "1"; off -> "0" end,
    ok = alcove:lseek(Drv, [Child], FD, 0, 0),
    {ok, 1} = alcove:write(Drv, [Child], FD, Value),
    ok.

%% Blink Count times: on for Interval milliseconds, then off for as long.
-spec blink(led(), non_neg_integer(), non_neg_integer()) -> ok.
blink(_Led, 0, _Interval) ->
    ok;
blink(Led, Count, Interval) ->
    ok = led(Led, on),
    timer:sleep(Interval),
    ok = led(Led, off),
    timer:sleep(Interval),
    blink(Led, Count - 1, Interval).

%% Close the value file and stop the port (the child exits with it).
-spec stop(led()) -> ok.
stop(#{drv := Drv, child := Child, fd := FD}) ->
    ok = alcove:close(Drv, [Child], FD),
    alcove_drv:stop(Drv).

write_file(Drv, Path, Data) ->
    case alcove:open(Drv, Path, alcove:file_define(Drv, 'O_WRONLY'), 0) of
        {ok, FD} ->
            Result = alcove:write(Drv, FD, Data),
            ok = alcove:close(Drv, FD),
            case Result of
                {ok, _} -> ok;
                {error, _} = Error -> Error
            end;
        {error, _} = Error ->
            Error
    end.

drop_privs(Drv, Pids, Id) ->
    ok = alcove:setgroups(Drv, Pids, []),
    ok = alcove:setgid(Drv, Pids, Id),
    ok = alcove:setuid(Drv, Pids, Id).

%% A random, high UID/GID unlikely to belong to an existing user.
id() ->
    16#f0000000 + rand:uniform(16#ffff) - 1.

default_exec() ->
    case os:cmd("id -u") of
        "0\n" -> "";
        _ -> "sudo -n"
    end.
