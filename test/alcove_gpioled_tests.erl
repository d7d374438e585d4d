%%% examples/gpioled.erl against a fake sysfs GPIO tree in a temporary
%%% directory: the pin is exported and made an output by the port, the
%%% child writes the LED's values, both processes give up root.
-module(alcove_gpioled_tests).

-include_lib("eunit/include/eunit.hrl").

gpioled_test_() ->
    {timeout, 60, fun gpioled/0}.

gpioled() ->
    Sysfs = alcove_test_lib:tmpdir("alcove_sysfs"),
    Gpio = filename:join([Sysfs, "class", "gpio"]),
    Pin = filename:join(Gpio, "gpio60"),
    ok = filelib:ensure_dir(filename:join(Pin, "x")),
    [ok = file:write_file(F, <<>>) || F <- [filename:join(Gpio, "export"),
                                            filename:join(Pin, "direction"),
                                            filename:join(Pin, "value")]],
    Read = fun(F) -> {ok, Bin} = file:read_file(F), Bin end,
    try
        Led = gpioled:start([{sysfs, Sysfs}, {pin, 60}]),
        try
            #{drv := Drv, child := Child} = Led,
            %% the port exported the pin and made it an output
            ?assertEqual(<<"60">>, Read(filename:join(Gpio, "export"))),
            ?assertEqual(<<"out">>, Read(filename:join(Pin, "direction"))),
            %% both processes dropped their privileges
            ?assertNotEqual(0, alcove:getuid(Drv)),
            ?assertNotEqual(0, alcove:getuid(Drv, [Child])),
            ?assertEqual({error, eperm}, alcove:setuid(Drv, [Child], 0)),
            %% the child is in new namespaces
            ?assertEqual(1, alcove:getpid(Drv, [Child])),
            %% and writes the value
            Value = filename:join(Pin, "value"),
            ?assertEqual(ok, gpioled:led(Led, on)),
            ?assertEqual(<<"1">>, Read(Value)),
            ?assertEqual(ok, gpioled:led(Led, off)),
            ?assertEqual(<<"0">>, Read(Value)),
            Self = self(),
            Watcher = spawn_link(fun() -> watch(Value, Self, <<>>, []) end),
            ?assertEqual(ok, gpioled:blink(Led, 3, 50)),
            Watcher ! stop,
            Seen = receive {seen, S} -> S after 5000 -> erlang:error(no_watcher) end,
            %% on and off, as often as the watcher could see
            ?assert(lists:member(<<"1">>, Seen)),
            ?assert(lists:member(<<"0">>, Seen)),
            ?assertEqual(<<"0">>, Read(Value))
        after
            ?assertEqual(ok, gpioled:stop(Led))
        end,
        %% a sysfs without the pin
        ?assertError({badmatch, _}, gpioled:start([{sysfs, Sysfs}, {pin, 61}]))
    after
        file:del_dir_r(Sysfs)
    end.

%% The distinct values of the file, in order, until told to stop.
watch(File, Parent, Last, Acc) ->
    receive
        stop -> Parent ! {seen, lists:reverse(Acc)}
    after 5 ->
            case file:read_file(File) of
                {ok, Last} -> watch(File, Parent, Last, Acc);
                {ok, New} -> watch(File, Parent, New, [New | Acc])
            end
    end.
