#!/usr/bin/env escript
%% -*- erlang -*-
%%
%% Benchmark of the alcove port, driven through alcove_drv and alcove as a
%% user drives it, each figure beside a floor measured in the same run:
%%
%%   escript bench/bench.escript quick|full [RESULTS.json]
%%
%% quick takes under a minute, full under ten. Every figure is the median
%% over rounds in which the measured thing and its floor alternate (ABBA
%% order), so that machine noise hits both. The floors:
%%   echo   bench/echo_floor.rs (a cargo example): echoes 2-byte-length
%%          frames; driven with open_port and alcove_codec, as alcove_drv does;
%%          with a chain of bare epoll relays in front (echo_floor N), the
%%          cost of a hop that does nothing but copy is shown too (info);
%%   raw    an Erlang port running the same program directly (head, cat);
%%          for stdout, head -c | cat (a minimal relay) is shown beside it;
%%   spawn  open_port of /bin/true until its exit_status.
%% Targets are reported PASS/MISS; a miss does not fail the run. A broken
%% build does: every wait has a timeout (and the whole run a bound: 120 s
%% quick, 600 s full), and any failure prints what was being measured and
%% exits non-zero.
%%
%% On a small VM, round trips depend on whether the processes that wake
%% each other share a CPU, which differs from one process to the next: for
%% figures that compare two builds, run it pinned to one CPU
%% (taskset -c 0 escript ..., or make bench BENCH_CPUS=0).
%%
%% Environment: ALCOVE_BENCH_PORT=PATH benchmarks another port executable
%% (default: priv/alcove); ALCOVE_BENCH_FLOOR=PATH uses a prebuilt echo
%% floor instead of building it with cargo; ALCOVE_BENCH_ONLY=rt,stdout
%% runs only some sections (rt fork spawn stdout stdin echo memory startup
%% size), with the targets that depend on them.
-mode(compile).

-define(CALL_TIMEOUT, 10000).
-define(IO_TIMEOUT, 20000).
-define(MiB, 1048576).
%% Largest stdin chunk at depth 1: the frame limit less one STDIN header.
-define(STDIN_CHUNK, (65535 - 8)).
-define(ECHO_LINE, <<"0123456789abcdef0123456789abcde\n">>).

%%====================================================================
%% Entry point
%%====================================================================

main([Mode]) ->
    main([Mode, "bench/results.json"]);
main([Mode, Out]) when Mode =:= "quick"; Mode =:= "full" ->
    Root = root_dir(),
    code:add_patha(filename:join(Root, "_build/default/lib/alcove/ebin")),
    Cfg = config(list_to_atom(Mode)),
    Self = self(),
    %% The whole run is bounded too: a hang anywhere ends it.
    Watchdog = spawn(fun() -> watchdog(Self, maps:get(limit, Cfg)) end),
    T0 = erlang:monotonic_time(millisecond),
    try
        run(Root, Cfg, Out)
    of
        ok ->
            Watchdog ! stop,
            io:format("~nbench: ~s mode done in ~.1f s, results in ~s~n",
                      [Mode, (erlang:monotonic_time(millisecond) - T0) / 1000, Out]),
            halt(0)
    catch
        throw:{bench_failed, What, Why} ->
            io:format(standard_error, "~nbench: FAILED while measuring ~s: ~p~n", [What, Why]),
            halt(1);
        Class:Reason:Stack ->
            io:format(standard_error, "~nbench: FAILED (~p): ~p~n~p~n",
                      [Class, Reason, Stack]),
            halt(1)
    end;
main(_) ->
    io:format(standard_error, "usage: escript bench/bench.escript quick|full [RESULTS.json]~n", []),
    halt(2).

watchdog(Main, Limit) ->
    receive stop -> ok
    after Limit * 1000 ->
            io:format(standard_error, "~nbench: FAILED: the run exceeded ~p s~n", [Limit]),
            exit(Main, kill),
            halt(1)
    end.

config(quick) ->
    #{mode => quick, limit => 120,
      rt_rounds => 9, rt_calls => #{0 => 2000, 1 => 1500, 8 => 500},
      fork_rounds => 3, fork_children => 1000, fork_floor => 100,
      spawn_samples => 200,
      stream_rounds => 3, stream_bytes => 64 * ?MiB,
      echo_rounds => 3, echo_lines => 200,
      startup_rounds => 7, rss_rounds => 3};
config(full) ->
    #{mode => full, limit => 600,
      rt_rounds => 31, rt_calls => #{0 => 10000, 1 => 6000, 8 => 2000},
      fork_rounds => 9, fork_children => 1000, fork_floor => 200,
      spawn_samples => 2000,
      stream_rounds => 9, stream_bytes => 256 * ?MiB,
      echo_rounds => 11, echo_lines => 1000,
      startup_rounds => 31, rss_rounds => 7}.

%%====================================================================
%% The run
%%====================================================================

run(Root, Cfg, Out) ->
    Port = port_path(Root),
    Floor = echo_floor(Root),
    Env = environment(),
    io:format("alcove benchmark, ~s mode~n", [maps:get(mode, Cfg)]),
    io:format("machine: ~s; ~p cpus (running on cpus ~s); kernel ~s; OTP ~s~n",
              [maps:get(cpu, Env), maps:get(nproc, Env), maps:get(cpus_allowed, Env),
               maps:get(kernel, Env), maps:get(otp, Env)]),
    io:format("port: ~s~nfloor: ~s~n~n", [Port, Floor]),
    _ = start_s(),
    Ctx = #{port => Port, floor => Floor, cfg => Cfg},
    All = [{rt, fun round_trips/1}, {fork, fun fork_exit/1}, {spawn, fun spawn_latency/1},
           {stdout, fun stdout_throughput/1}, {stdin, fun stdin_throughput/1},
           {echo, fun echo_children/1}, {memory, fun memory/1}, {startup, fun startup/1},
           {size, fun binary_size/1}],
    Only = case os:getenv("ALCOVE_BENCH_ONLY") of
               false -> [N || {N, _} <- All];
               O -> [list_to_atom(W) || W <- string:lexemes(O, ", ")]
           end,
    Rows = lists:append([begin
                             R = S(Ctx),
                             flush_mailbox(),
                             R
                         end || {N, S} <- All, lists:member(N, Only)]),
    Targets = [T || T <- targets(maps:from_list([{maps:get(key, R), R} || R <- Rows])), T =/= skip],
    print_table(Rows),
    print_targets(Targets),
    write_json(Out, Env, Cfg, Port, Floor, Rows, Targets),
    ok.

%%====================================================================
%% Call round trips (sequential getpid) at depth 0, 1 and 8
%%====================================================================

round_trips(#{cfg := Cfg} = Ctx) ->
    section("call round trips"),
    Counts = maps:get(rt_calls, Cfg),
    Rounds = maps:get(rt_rounds, Cfg),
    %% A fresh driver, echo port and relay each round: where the VM happens
    %% to schedule a driver against its owner shifts its round trips for
    %% as long as it lives, so one instance would stand for all rounds.
    Samples = [rt_round(Ctx, Counts, R) || R <- lists:seq(1, Rounds)],
    M = maps:map(fun(_, Vs) -> median(Vs) end,
                 lists:foldl(fun({K, V}, Acc) -> maps:update_with(K, fun(L) -> [V | L] end, [V], Acc) end,
                             #{}, lists:append(Samples))),
    Floor = maps:get(echo, M),
    [row(rt_floor, "echo floor round trip (open_port + alcove_codec)", Floor, "calls/s", Floor),
     row(rt_relay, "echo floor behind a driver-like process (info)", maps:get(relay, M), "calls/s", Floor)]
        ++ [row(list_to_atom("rt_depth" ++ integer_to_list(D)),
                io_lib:format("getpid round trip, depth ~p", [D]),
                maps:get({alcove, D}, M), "calls/s", Floor)
            || D <- [0, 1, 8]]
        ++ [row(list_to_atom("rt_hop" ++ integer_to_list(D)),
                io_lib:format("  latency added per hop, depth ~p (paired per round)", [D]),
                maps:get({hop, D}, M), "us", maps:get(echo_lat, M))
            || D <- [1, 8]]
        ++ [row(list_to_atom("rt_bare_hop" ++ integer_to_list(D)),
                io_lib:format("  (info) the same for a bare epoll relay (echo_floor ~p)", [D]),
                maps:get({bare_hop, D}, M), "us", maps:get(echo_lat, M))
            || D <- [1, 8]].

rt_round(Ctx, Counts, Round) ->
    Drv = start_drv(Ctx),
    Chain = chain(Drv, [], 8),
    Paths = #{0 => [], 1 => lists:sublist(Chain, 1), 8 => Chain},
    Echo = echo_open(Ctx),
    Bare = maps:from_list([{D, echo_open(Ctx, D)} || D <- [1, 8]]),
    Relay = relay_open(Ctx),
    N0 = maps:get(0, Counts),
    Funs = [{{alcove, D}, fun() -> getpid_rate(Drv, maps:get(D, Paths), maps:get(D, Counts)) end}
            || D <- [0, 1, 8]]
        ++ [{echo, fun() -> echo_rate(Echo, N0) end},
            {relay, fun() -> relay_rate(Relay, N0) end}]
        ++ [{{bare, D}, fun() -> echo_rate(maps:get(D, Bare), maps:get(D, Counts)) end}
            || D <- [1, 8]],
    %% warm up every path, then measure in this round's order (ABBA)
    [_ = getpid_rate(Drv, P, 50) || P <- maps:values(Paths)],
    [_ = echo_rate(P, 50) || P <- [Echo | maps:values(Bare)]],
    _ = relay_rate(Relay, 50),
    Order = case Round rem 2 of 0 -> Funs; 1 -> lists:reverse(Funs) end,
    Result = [{K, F()} || {K, F} <- Order],
    stop_drv(Drv),
    [port_close(P) || P <- [Echo | maps:values(Bare)]],
    relay_close(Relay),
    %% The cost of a hop, paired within the round (the same driver for
    %% every depth), in microseconds; and that of a bare relay.
    Lat = fun(K) -> 1.0e6 / proplists:get_value(K, Result) end,
    Result ++ [{{hop, D}, (Lat({alcove, D}) - Lat({alcove, 0})) / D} || D <- [1, 8]]
        ++ [{{bare_hop, D}, (Lat({bare, D}) - Lat(echo)) / D} || D <- [1, 8]]
        ++ [{echo_lat, Lat(echo)}].

getpid_rate(Drv, Path, N) ->
    timed_rate(N, fun() -> getpid_loop(Drv, Path, N) end).

getpid_loop(_, _, 0) -> ok;
getpid_loop(Drv, Path, N) ->
    case call(Drv, Path, getpid, []) of
        Pid when is_integer(Pid) -> getpid_loop(Drv, Path, N - 1);
        Other -> fail("getpid round trip", {unexpected_reply, Path, Other})
    end.

%% The echo floor: a reply-sized frame (a CALL frame holding an integer,
%% the size of a getpid reply), sent and decoded with alcove_codec.
echo_open(Ctx) ->
    echo_open(Ctx, 0).

%% With Relays bare relay processes in front of the echo (echo_floor.rs).
echo_open(#{floor := Floor}, Relays) ->
    open_port({spawn_executable, Floor},
              [{args, [integer_to_list(Relays)]}, stream, binary, exit_status, use_stdio]).

echo_frame() ->
    ETF = term_to_binary(123456789),
    <<(2 + byte_size(ETF)):16, 4:16, ETF/binary>>.

echo_rate(Port, N) ->
    Frame = echo_frame(),
    timed_rate(N, fun() -> echo_loop(Port, Frame, N) end).

echo_loop(_, _, 0) -> ok;
echo_loop(Port, Frame, N) ->
    true = port_command(Port, Frame),
    {alcove_call, [], 123456789} = echo_reply(Port, <<>>),
    echo_loop(Port, Frame, N - 1).

echo_reply(Port, Buf) ->
    receive
        {Port, {data, Data}} ->
            case alcove_codec:stream(<<Buf/binary, Data/binary>>) of
                {[], Rest} -> echo_reply(Port, Rest);
                {[Frame], <<>>} -> Frame;
                Other -> fail("echo floor", {unexpected, Other})
            end;
        {Port, {exit_status, S}} ->
            fail("echo floor", {exit_status, S})
    after ?CALL_TIMEOUT ->
            fail("echo floor", timeout)
    end.

%% Informational: the echo floor behind a process doing what alcove_drv
%% does per call (a message to send, decode, a message to the owner), to
%% split the Erlang side's share from the port's.
relay_open(Ctx) ->
    Owner = self(),
    Pid = spawn_link(fun() ->
                             Port = echo_open(Ctx),
                             relay_loop(Owner, Port, <<>>)
                     end),
    Pid.

relay_close(Relay) ->
    unlink(Relay),
    exit(Relay, kill).

relay_loop(Owner, Port, Buf) ->
    receive
        {call, Data} ->
            true = port_command(Port, Data),
            relay_loop(Owner, Port, Buf);
        {Port, {data, Data}} ->
            {Frames, Rest} = alcove_codec:stream(<<Buf/binary, Data/binary>>),
            [Owner ! {Tag, self(), Pids, Term} || {Tag, Pids, Term} <- Frames],
            relay_loop(Owner, Port, Rest)
    after 4 * ?IO_TIMEOUT ->
            exit(idle)
    end.

relay_rate(Relay, N) ->
    Frame = echo_frame(),
    timed_rate(N, fun() -> relay_loop_calls(Relay, Frame, N) end).

relay_loop_calls(_, _, 0) -> ok;
relay_loop_calls(Relay, Frame, N) ->
    MRef = erlang:monitor(process, Relay),
    Relay ! {call, Frame},
    receive
        {alcove_call, Relay, [], 123456789} -> ok;
        {'DOWN', MRef, process, _, Reason} -> fail("relay floor", Reason)
    after ?CALL_TIMEOUT ->
            fail("relay floor", timeout)
    end,
    erlang:demonitor(MRef, [flush]),
    relay_loop_calls(Relay, Frame, N - 1).

%%====================================================================
%% fork + exit cycles
%%====================================================================

fork_exit(#{cfg := Cfg} = Ctx) ->
    section("fork + exit cycles"),
    Drv = start_drv(Ctx),
    N = maps:get(fork_children, Cfg),
    NF = maps:get(fork_floor, Cfg),
    Fun = fun() -> fork_cycles(Drv, N) end,
    Floor = fun() -> {timed_rate(NF, fun() -> [spawn_true() || _ <- lists:seq(1, NF)] end), []} end,
    Rounds = interleave_raw(maps:get(fork_rounds, Cfg), [{alcove, Fun}, {floor, Floor}]),
    stop_drv(Drv),
    Rates = [R || {R, _} <- maps:get(alcove, Rounds)],
    First = [F || {_, {F, _}} <- maps:get(alcove, Rounds)],
    Last = [L || {_, {_, L}} <- maps:get(alcove, Rounds)],
    FloorRate = median([R || {R, _} <- maps:get(floor, Rounds)]),
    [row(fork_floor, "floor: open_port(/bin/true) until exit_status", FloorRate, "/s", FloorRate),
     row(fork_exit, io_lib:format("fork + exit + exit event, ~p children", [N]),
         median(Rates), "cycles/s", FloorRate),
     row(fork_first100, "  children 1..100 (from the median cycle)", median(First), "cycles/s", FloorRate),
     row(fork_last100, io_lib:format("  children ~p..~p (from the median cycle)", [N - 99, N]), median(Last),
         "cycles/s", FloorRate)].

%% Returns {Rate, {RateOfFirst100, RateOfLast100}}. A window's rate is
%% taken from the median cycle in it, so that a burst of load elsewhere on
%% the machine does not pass for a trend.
fork_cycles(Drv, N) ->
    T0 = now_us(),
    Stamps = list_to_tuple(lists:reverse(fork_cycles(Drv, N, 1, [T0]))),  % element(I+1): end of cycle I
    Cycle = fun(I) -> element(I + 1, Stamps) - element(I, Stamps) end,
    Window = fun(From, To) -> 1.0e6 / median([Cycle(I) || I <- lists:seq(From, To)]) end,
    {N / ((element(N + 1, Stamps) - T0) / 1.0e6), {Window(1, 100), Window(N - 99, N)}}.

fork_cycles(_, N, I, Acc) when I > N -> Acc;
fork_cycles(Drv, N, I, Acc) ->
    Child = fork(Drv, []),
    ok = call(Drv, [Child], exit, [0]),
    await_exit(Drv, [Child], "fork + exit"),
    fork_cycles(Drv, N, I + 1, [now_us() | Acc]).

%%====================================================================
%% Spawn latency: fork + execvp /bin/true until the exit event
%%====================================================================

spawn_latency(#{cfg := Cfg} = Ctx) ->
    section("spawn latency"),
    Drv = start_drv(Ctx),
    N = maps:get(spawn_samples, Cfg),
    spawn_alcove(Drv), spawn_true(),
    Pairs = [case I rem 2 of
                 0 -> A = spawn_alcove(Drv), F = spawn_true(), {A, F};
                 1 -> F = spawn_true(), A = spawn_alcove(Drv), {A, F}
             end || I <- lists:seq(1, N)],
    stop_drv(Drv),
    {As, Fs} = lists:unzip(Pairs),
    FMed = median(Fs),
    [row(spawn_floor, "floor: open_port(/bin/true) to exit_status, median", FMed, "us", FMed),
     row(spawn_floor_p99, "floor: open_port(/bin/true), p99", pct(Fs, 99), "us", pct(Fs, 99)),
     row(spawn_median, "fork + execvp /bin/true to exit event, median", median(As), "us", FMed),
     row(spawn_p99, "fork + execvp /bin/true to exit event, p99", pct(As, 99), "us", pct(Fs, 99))].

spawn_alcove(Drv) ->
    T0 = now_us(),
    Child = fork(Drv, []),
    ok = call(Drv, [Child], execvp, ["/bin/true", ["/bin/true"]]),
    await_exit(Drv, [Child], "spawn latency"),
    now_us() - T0.

spawn_true() ->
    T0 = now_us(),
    Port = open_port({spawn_executable, "/bin/true"}, [exit_status, binary, stream]),
    receive
        {Port, {exit_status, 0}} -> now_us() - T0
    after ?CALL_TIMEOUT ->
            fail("spawn floor", timeout)
    end.

%%====================================================================
%% stdout throughput: head -c N /dev/zero at depth 1 and 3
%%====================================================================

stdout_throughput(#{cfg := Cfg} = Ctx) ->
    section("stdout throughput"),
    N = maps:get(stream_bytes, Cfg),
    Drv = start_drv(Ctx),
    Argv = ["head", "-c", integer_to_list(N), "/dev/zero"],
    Head = os:find_executable("head"),
    Alcove = fun(Depth) ->
                     fun() ->
                             Path = chain(Drv, [], Depth),
                             T0 = now_us(),
                             ok = call(Drv, Path, execvp, [Head, Argv]),
                             N = read_stdout(Drv, Path, N, 0),
                             T = now_us() - T0,
                             await_exit(Drv, Path, "stdout throughput"),
                             reap_chain(Drv, lists:droplast(Path)),
                             mibs(N, T)
                     end
             end,
    Raw = fun(Exe, Args) ->
                  fun() ->
                          T0 = now_us(),
                          Port = open_port({spawn_executable, Exe},
                                           [{args, Args}, stream, binary, exit_status]),
                          N = read_port(Port, N, 0),
                          T = now_us() - T0,
                          receive {Port, {exit_status, 0}} -> ok
                          after ?IO_TIMEOUT -> fail("stdout floor", no_exit)
                          end,
                          mibs(N, T)
                  end
          end,
    %% (info) the same bytes through the simplest relay there is
    Cat = Raw("/bin/sh", ["-c", "exec \"$0\" -c \"$1\" /dev/zero | cat", Head, integer_to_list(N)]),
    M = interleave(maps:get(stream_rounds, Cfg),
                   [{raw, Raw(Head, tl(Argv))}, {cat, Cat}, {1, Alcove(1)}, {3, Alcove(3)}]),
    stop_drv(Drv),
    Floor = maps:get(raw, M),
    Label = io_lib:format("~p MiB", [N div ?MiB]),
    [row(stdout_floor, ["floor: open_port(head -c) ", Label], Floor, "MiB/s", Floor),
     row(stdout_cat, ["  (info) open_port(head -c | cat), a minimal relay, ", Label],
         maps:get(cat, M), "MiB/s", Floor),
     row(stdout_depth1, ["head -c at depth 1, ", Label], maps:get(1, M), "MiB/s", Floor),
     row(stdout_depth3, ["head -c at depth 3, ", Label], maps:get(3, M), "MiB/s", Floor)].

read_stdout(_, _, N, Got) when Got >= N -> Got;
read_stdout(Drv, Path, N, Got) ->
    receive
        {alcove_stdout, Drv, Path, Data} -> read_stdout(Drv, Path, N, Got + byte_size(Data));
        {alcove_event, Drv, Path, Ev} -> fail("stdout", {early_event, Ev, Got})
    after ?IO_TIMEOUT ->
            fail("stdout", {timeout, Got, N})
    end.

read_port(_, N, Got) when Got >= N -> Got;
read_port(Port, N, Got) ->
    receive
        {Port, {data, Data}} -> read_port(Port, N, Got + byte_size(Data));
        {Port, {exit_status, S}} -> fail("raw port", {exit_status, S, Got})
    after ?IO_TIMEOUT ->
            fail("raw port", {timeout, Got, N})
    end.

%%====================================================================
%% stdin throughput: chunks just under the frame limit into a depth-1
%% `head -c N | wc -c`; the bytes counted are those wc acknowledges
%%====================================================================

stdin_throughput(#{cfg := Cfg} = Ctx) ->
    section("stdin throughput"),
    N0 = maps:get(stream_bytes, Cfg),
    Chunks = N0 div ?STDIN_CHUNK,
    N = Chunks * ?STDIN_CHUNK,
    Chunk = binary:copy(<<"x">>, ?STDIN_CHUNK),
    Sh = "/bin/sh",
    Argv = ["sh", "-c", "head -c " ++ integer_to_list(N) ++ " | wc -c"],
    Drv = start_drv(Ctx),
    %% Nothing paces the sender but the port's queue for the child's stdin
    %% (maxqueue, PROTOCOL.md section 11): let it hold the whole transfer,
    %% so that no input is dropped, and report how much memory that took.
    true = call(Drv, [], setopt, [maxqueue, N]),
    Root = call(Drv, [], getpid, []),
    Alcove = fun() ->
                     Child = fork(Drv, []),
                     ok = call(Drv, [Child], execvp, [Sh, Argv]),
                     T0 = now_us(),
                     send_chunks(fun(D) -> alcove:stdin(Drv, [Child], D) end, Chunk, Chunks),
                     Count = read_count(fun() -> receive_stdout(Drv, [Child]) end, <<>>),
                     T = now_us() - T0,
                     await_exit(Drv, [Child], "stdin throughput"),
                     check_count(Count, N),
                     mibs(Count, T)
             end,
    Raw = fun() ->
                  Port = open_port({spawn_executable, Sh},
                                   [{args, tl(Argv)}, stream, binary, exit_status]),
                  T0 = now_us(),
                  send_chunks(fun(D) -> port_command(Port, D) end, Chunk, Chunks),
                  Count = read_count(fun() -> receive_port(Port) end, <<>>),
                  T = now_us() - T0,
                  receive {Port, {exit_status, 0}} -> ok
                  after ?IO_TIMEOUT -> fail("stdin floor", no_exit)
                  end,
                  check_count(Count, N),
                  mibs(Count, T)
          end,
    M = interleave(maps:get(stream_rounds, Cfg), [{raw, Raw}, {alcove, Alcove}]),
    Peak = proc_kib(Root, "/status", "VmHWM:"),
    stop_drv(Drv),
    Floor = maps:get(raw, M),
    Label = io_lib:format("~p MiB in ~p-byte chunks", [N div ?MiB, ?STDIN_CHUNK]),
    [row(stdin_floor, ["floor: open_port(head -c | wc -c) ", Label], Floor, "MiB/s", Floor),
     row(stdin_depth1, ["stdin frames at depth 1 into head -c | wc -c, ", Label],
         maps:get(alcove, M), "MiB/s", Floor),
     row(stdin_peak_rss, "  port's peak VmRSS (VmHWM) after the stdin runs (info)", float(Peak), "KiB",
         float(Peak))].

send_chunks(_, _, 0) -> ok;
send_chunks(Send, Chunk, K) ->
    true = Send(Chunk),
    send_chunks(Send, Chunk, K - 1).

read_count(Next, Acc) ->
    Bin = <<Acc/binary, (Next())/binary>>,
    case binary:last(Bin) of
        $\n -> binary_to_integer(string:trim(Bin));
        _ -> read_count(Next, Bin)
    end.

check_count(N, N) -> ok;
check_count(Count, N) -> fail("stdin throughput", {bytes_acknowledged, Count, sent, N}).

receive_stdout(Drv, Path) ->
    receive
        {alcove_stdout, Drv, Path, Data} -> Data;
        {alcove_pipe, Drv, Path, Written} -> fail("stdin", {stdin_dropped, Written});
        {alcove_event, Drv, Path, Ev} -> fail("stdin", {early_event, Ev})
    after ?IO_TIMEOUT ->
            fail("stdin", timeout)
    end.

receive_port(Port) ->
    receive
        {Port, {data, Data}} -> Data;
        {Port, {exit_status, S}} -> fail("stdin floor", {exit_status, S})
    after ?IO_TIMEOUT ->
            fail("stdin floor", timeout)
    end.

%%====================================================================
%% 64 children running cat, echoing lines concurrently
%%====================================================================

echo_children(#{cfg := Cfg} = Ctx) ->
    section("64 concurrent cat children"),
    Drv = start_drv(Ctx),
    L = maps:get(echo_lines, Cfg),
    Cat = os:find_executable("cat"),
    Alcove = fun() ->
                     Kids = [fork(Drv, []) || _ <- lists:seq(1, 64)],
                     [ok = call(Drv, [K], execvp, [Cat, ["cat"]]) || K <- Kids],
                     Send = fun(K, D) -> alcove:stdin(Drv, [K], D) end,
                     Recv = fun() ->
                                    receive
                                        {alcove_stdout, Drv, [K], D} -> {K, D};
                                        {alcove_pipe, Drv, P, W} -> fail("echo", {stdin_dropped, P, W})
                                    after ?IO_TIMEOUT -> fail("echo", timeout)
                                    end
                            end,
                     R = echo_run(Kids, Send, Recv, L),
                     [alcove:call(Drv, [], kill, [K, sigkill], ?CALL_TIMEOUT) || K <- Kids],
                     [await_exit(Drv, [K], "echo children") || K <- Kids],
                     R
             end,
    Raw = fun() ->
                  Ports = [open_port({spawn_executable, Cat}, [stream, binary, exit_status])
                           || _ <- lists:seq(1, 64)],
                  Send = fun(P, D) -> port_command(P, D) end,
                  Recv = fun() ->
                                 receive {P, {data, D}} when is_port(P) -> {P, D}
                                 after ?IO_TIMEOUT -> fail("echo floor", timeout)
                                 end
                         end,
                  R = echo_run(Ports, Send, Recv, L),
                  [port_close(P) || P <- Ports],
                  R
          end,
    M = interleave(maps:get(echo_rounds, Cfg), [{raw, Raw}, {alcove, Alcove}]),
    stop_drv(Drv),
    Floor = maps:get(raw, M),
    [row(echo64_floor, "floor: 64 open_port(cat), lines echoed", Floor, "msgs/s", Floor),
     row(echo64, io_lib:format("64 forked cat children, ~p lines each", [L]),
         maps:get(alcove, M), "msgs/s", Floor)].

%% Each child gets L lines, at most Window outstanding; returns lines/s.
echo_run(Kids, Send, Recv, L) ->
    Window = 4,
    Line = ?ECHO_LINE,
    Size = byte_size(Line),
    T0 = now_us(),
    State = maps:from_list([{K, {min(Window, L), 0}} || K <- Kids]),   % {sent, received bytes}
    [true = Send(K, binary:copy(Line, min(Window, L))) || K <- Kids],
    echo_wait(State, length(Kids), Send, Recv, L, Line, Size),
    length(Kids) * L / ((now_us() - T0) / 1.0e6).

echo_wait(_, 0, _, _, _, _, _) -> ok;
echo_wait(State, Left, Send, Recv, L, Line, Size) ->
    {K, D} = Recv(),
    {Sent, Got0} = maps:get(K, State),
    Got = Got0 + byte_size(D),
    Lines = Got div Size,
    More = min(L - Sent, (Lines + 4) - Sent),
    Sent1 = case More > 0 of
                true -> true = Send(K, binary:copy(Line, More)), Sent + More;
                false -> Sent
            end,
    Left1 = case Lines >= L of true -> Left - 1; false -> Left end,
    echo_wait(State#{K := {Sent1, Got}}, Left1, Send, Recv, L, Line, Size).

%%====================================================================
%% Resident memory
%%====================================================================

memory(#{cfg := Cfg} = Ctx) ->
    section("resident memory"),
    Samples = [memory_once(Ctx) || _ <- lists:seq(1, maps:get(rss_rounds, Cfg))],
    Med = fun(K) -> median([maps:get(K, S) || S <- Samples]) end,
    Floor = Med(floor_rss),
    [row(rss_floor, "floor: echo floor port, VmRSS", Floor, "KiB", Floor),
     row(rss_idle, "idle port, VmRSS", Med(idle_rss), "KiB", Floor),
     row(rss_idle_pss, "idle port, Pss (info)", Med(idle_pss), "KiB", Med(floor_pss)),
     row(rss_64, "port + 64 idle children, VmRSS summed", Med(all_rss), "KiB", 65 * Floor),
     row(rss_per_child, "  per idle child, VmRSS", Med(child_rss), "KiB", Floor),
     row(pss_per_child, "  per idle child, Pss (info)", Med(child_pss), "KiB", Med(floor_pss))].

memory_once(Ctx) ->
    Echo = echo_open(Ctx),
    true = port_command(Echo, echo_frame()),
    _ = echo_reply(Echo, <<>>),
    {os_pid, EchoPid} = erlang:port_info(Echo, os_pid),
    FloorRss = proc_kib(EchoPid, "/status", "VmRSS:"),
    FloorPss = proc_kib(EchoPid, "/smaps_rollup", "Pss:"),
    port_close(Echo),
    Drv = start_drv(Ctx),
    Root = call(Drv, [], getpid, []),
    %% let the port settle after the handshake
    timer:sleep(50),
    IdleRss = proc_kib(Root, "/status", "VmRSS:"),
    IdlePss = proc_kib(Root, "/smaps_rollup", "Pss:"),
    Kids = [fork(Drv, []) || _ <- lists:seq(1, 64)],
    [_ = call(Drv, [K], getpid, []) || K <- Kids],
    timer:sleep(50),
    Rss = [proc_kib(P, "/status", "VmRSS:") || P <- [Root | Kids]],
    Pss = [proc_kib(P, "/smaps_rollup", "Pss:") || P <- [Root | Kids]],
    stop_drv(Drv),
    All = lists:sum(Rss),
    #{floor_rss => FloorRss, floor_pss => FloorPss,
      idle_rss => IdleRss, idle_pss => IdlePss, all_rss => All,
      child_rss => (All - hd(Rss)) / 64,
      child_pss => (lists:sum(Pss) - hd(Pss)) / 64}.

proc_kib(Pid, File, Key) ->
    Path = "/proc/" ++ integer_to_list(Pid) ++ File,
    case file:read_file(Path) of
        {ok, Bin} ->
            [Line | _] = [L || L <- binary:split(Bin, <<"\n">>, [global]),
                               binary:match(L, list_to_binary(Key)) =:= {0, length(Key)}],
            [_, V | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
            binary_to_integer(V);
        Error ->
            fail("memory", {Path, Error})
    end.

%%====================================================================
%% Startup: alcove_drv:start to the first reply
%%====================================================================

startup(#{cfg := Cfg} = Ctx) ->
    section("startup"),
    Alcove = fun() ->
                     T0 = now_us(),
                     Drv = start_drv(Ctx),
                     _ = call(Drv, [], getpid, []),
                     T = now_us() - T0,
                     stop_drv(Drv),
                     T
             end,
    Floor = fun() ->
                    T0 = now_us(),
                    Echo = echo_open(Ctx),
                    true = port_command(Echo, echo_frame()),
                    _ = echo_reply(Echo, <<>>),
                    T = now_us() - T0,
                    port_close(Echo),
                    T
            end,
    M = interleave(maps:get(startup_rounds, Cfg), [{floor, Floor}, {alcove, Alcove}]),
    F = maps:get(floor, M),
    [row(startup_floor, "floor: open_port(echo floor) to first echo", F, "us", F),
     row(startup, "alcove_drv:start to first getpid reply", maps:get(alcove, M), "us", F)].

%%====================================================================
%% Binary size
%%====================================================================

binary_size(#{port := Port, floor := Floor}) ->
    section("binary size"),
    F = filelib:file_size(Floor) / 1024,
    [row(binary_floor, "floor: echo floor executable", F, "KiB", F),
     row(binary_size, ["port executable ", filename:basename(Port)], filelib:file_size(Port) / 1024, "KiB", F)].

%%====================================================================
%% Targets
%%====================================================================

targets(R) ->
    V = fun(K) -> maps:get(value, maps:get(K, R)) end,
    Hop = fun(D) -> V(list_to_atom("rt_hop" ++ integer_to_list(D))) end,
    EchoLat = fun() -> maps:get(floor, maps:get(rt_hop1, R)) end,
    %% per-byte cost in ns beyond the raw floor
    Cost = fun(K) -> 1.0e3 / V(K) end,
    StdoutExtra = fun(D) -> Cost(list_to_atom("stdout_depth" ++ integer_to_list(D))) - Cost(stdout_floor) end,
    [target("depth-0 round trip >= echo floor / 1.5",
            fun() -> {io_lib:format("~s vs ~s calls/s", [num(V(rt_depth0)), num(V(rt_floor) / 1.5)]),
                      V(rt_depth0) >= V(rt_floor) / 1.5}
            end),
     target("  (info) the same against the driver-like relay floor",
            fun() -> {io_lib:format("~s vs ~s calls/s", [num(V(rt_depth0)), num(V(rt_relay) / 1.5)]),
                      V(rt_depth0) >= V(rt_relay) / 1.5}
            end)]
    ++ [target(io_lib:format("each hop costs <= one echo floor (depth ~p)", [D]),
               fun() -> {io_lib:format("~s us/hop vs ~s us", [num(Hop(D)), num(EchoLat())]),
                         Hop(D) =< EchoLat()}
               end) || D <- [1, 8]]
    ++ [target(io_lib:format("  (info) a hop against a bare epoll relay's (depth ~p)", [D]),
               fun() -> {io_lib:format("~s vs ~s us/hop", [num(Hop(D)), num(V(list_to_atom("rt_bare_hop" ++ integer_to_list(D))))]),
                         Hop(D) =< V(list_to_atom("rt_bare_hop" ++ integer_to_list(D)))}
               end) || D <- [1, 8]]
    ++ [target("round trip grows at most linearly with depth (per hop at 8 <= 1.2 x per hop at 1)",
               fun() -> {io_lib:format("~s vs ~s us/hop", [num(Hop(8)), num(Hop(1))]),
                         Hop(8) =< 1.2 * Hop(1)}
               end),
        target("stdout at depth 1 >= 70% of the raw floor",
               fun() -> {io_lib:format("~s vs ~s MiB/s", [num(V(stdout_depth1)), num(0.7 * V(stdout_floor))]),
                         V(stdout_depth1) >= 0.7 * V(stdout_floor)}
               end),
        target("  (info) stdout at depth 1 against head -c | cat",
               fun() -> {io_lib:format("~s vs ~s MiB/s", [num(V(stdout_depth1)), num(V(stdout_cat))]),
                         V(stdout_depth1) >= V(stdout_cat)}
               end),
        target("stdout cost grows at most linearly with depth (over the floor, depth 3 <= 1.2 x 3 x depth 1)",
               fun() -> {io_lib:format("~s vs ~s ns/byte", [num(StdoutExtra(3)), num(3.6 * StdoutExtra(1))]),
                         StdoutExtra(3) =< 3.6 * StdoutExtra(1)}
               end),
        target("spawn latency p99 < 3x median",
               fun() -> {io_lib:format("~s vs ~s us", [num(V(spawn_p99)), num(3 * V(spawn_median))]),
                         V(spawn_p99) < 3 * V(spawn_median)}
               end),
        target("fork + exit rate flat from child 1 to 1000 (last 100 >= 80% of first 100)",
               fun() -> {io_lib:format("~s vs ~s cycles/s", [num(V(fork_last100)), num(V(fork_first100))]),
                         V(fork_last100) >= 0.8 * V(fork_first100)}
               end),
        target("idle port RSS <= 2 MiB",
               fun() -> {io_lib:format("~s KiB", [num(V(rss_idle))]), V(rss_idle) =< 2048} end),
        target("each idle child <= 1 MiB more",
               fun() -> {io_lib:format("~s KiB", [num(V(rss_per_child))]), V(rss_per_child) =< 1024} end)].

%% A target whose figures were not all measured (ALCOVE_BENCH_ONLY) is skipped.
target(Name, Check) ->
    try Check() of
        {Detail, Pass} ->
            #{name => iolist_to_binary(Name), detail => iolist_to_binary(Detail), pass => Pass}
    catch
        error:{badkey, _} -> skip
    end.

%%====================================================================
%% Output
%%====================================================================

row(Key, Label, Value, Unit, Floor) ->
    %% the ratio is always "how many times the floor's cost": > 1 is worse
    Ratio = case Unit of
                U when U =:= "us"; U =:= "KiB" -> Value / Floor;
                _ -> Floor / Value
            end,
    #{key => Key, label => iolist_to_binary(Label), value => Value,
      unit => list_to_binary(Unit), floor => Floor, ratio => Ratio}.

section(Name) ->
    io:format("measuring ~s... (~.1f s)~n", [Name, erlang:monotonic_time(millisecond) / 1000 - start_s()]).

start_s() ->
    case get(bench_start) of
        undefined -> put(bench_start, erlang:monotonic_time(millisecond) / 1000), start_s();
        S -> S
    end.

print_table(Rows) ->
    io:format("~n~-66s ~14s ~9s ~14s ~7s~n", ["figure", "value", "unit", "floor", "x floor"]),
    io:format("~s~n", [lists:duplicate(114, $-)]),
    [io:format("~-66s ~14s ~9s ~14s ~7s~n",
               [Label, num(V), U, num(F), io_lib:format("~.2f", [Ra])])
     || #{label := Label, value := V, unit := U, floor := F, ratio := Ra} <- Rows],
    io:format("(x floor: the figure's cost in units of the floor's cost; 1.00 = as fast as the floor)~n"),
    ok.

%% Comparisons marked "(info)" are no targets: they say which side is ahead.
print_targets(Targets) ->
    io:format("~ntargets:~n"),
    [case binary:match(N, <<"(info)">>) of
         nomatch ->
             io:format("  ~s  ~s (~s)~n", [case P of true -> "PASS"; false -> "MISS" end, N, D]);
         _ ->
             io:format("  info  ~s (~s: ~s)~n", [N, D, case P of true -> "ahead"; false -> "behind" end])
     end
     || #{name := N, detail := D, pass := P} <- Targets],
    ok.

num(V) when is_float(V), V >= 100 -> integer_to_list(round(V));
num(V) when is_float(V) -> io_lib:format("~.2f", [V]);
num(V) -> integer_to_list(V).

write_json(Path, Env, Cfg, Port, Floor, Rows, Targets) ->
    Doc = #{mode => maps:get(mode, Cfg), machine => Env,
            port => list_to_binary(Port), floor => list_to_binary(Floor),
            figures => Rows, targets => Targets},
    ok = filelib:ensure_dir(Path),
    ok = file:write_file(Path, [json(Doc), "\n"]).

json(M) when is_map(M) ->
    ["{", lists:join(",", [[json(key(K)), ":", json(V)] || {K, V} <- lists:sort(maps:to_list(M))]), "}"];
json(L) when is_list(L) -> ["[", lists:join(",", [json(E) || E <- L]), "]"];
json(true) -> "true";
json(false) -> "false";
json(A) when is_atom(A) -> json(atom_to_binary(A));
json(I) when is_integer(I) -> integer_to_list(I);
json(F) when is_float(F) -> float_to_list(F, [{decimals, 3}, compact]);
json(B) when is_binary(B) ->
    [$", [esc(C) || <<C>> <= B], $"].

key(K) when is_atom(K) -> atom_to_binary(K);
key(K) -> K.

esc($") -> "\\\"";
esc($\\) -> "\\\\";
esc(C) when C < 32 -> io_lib:format("\\u~4.16.0b", [C]);
esc(C) -> C.

environment() ->
    Cpu = case file:read_file("/proc/cpuinfo") of
              {ok, B} ->
                  case re:run(B, "model name\\s*:\\s*([^\n]*)", [{capture, [1], binary}]) of
                      {match, [M]} -> M;
                      _ -> <<"unknown">>
                  end;
              _ -> <<"unknown">>
          end,
    Allowed = case file:read_file("/proc/self/status") of
                  {ok, S} ->
                      case re:run(S, "Cpus_allowed_list:\\s*([^\n]*)", [{capture, [1], binary}]) of
                          {match, [A]} -> A;
                          _ -> <<"?">>
                      end;
                  _ -> <<"?">>
              end,
    #{cpu => Cpu, nproc => erlang:system_info(logical_processors_available),
      cpus_allowed => Allowed,
      kernel => list_to_binary(string:trim(os:cmd("uname -r"))),
      otp => list_to_binary(erlang:system_info(otp_release))}.

%%====================================================================
%% Measurement helpers
%%====================================================================

%% Run each {Name, Fun} once per round, alternating the order round by
%% round (ABBA); returns the median of each Fun's results.
interleave(Rounds, Funs) ->
    maps:map(fun(_, Vs) -> median(Vs) end, interleave_raw(Rounds, Funs)).

interleave_raw(Rounds, Funs) ->
    Results = lists:append(
                [[{Name, F()} || {Name, F} <- case R rem 2 of
                                                  0 -> Funs;
                                                  1 -> lists:reverse(Funs)
                                              end]
                 || R <- lists:seq(1, Rounds)]),
    lists:foldl(fun({Name, V}, Acc) -> maps:update_with(Name, fun(L) -> [V | L] end, [V], Acc) end,
                #{}, Results).

timed_rate(N, Fun) ->
    T0 = now_us(),
    Fun(),
    N / ((now_us() - T0) / 1.0e6).

mibs(Bytes, Us) -> Bytes / ?MiB / (Us / 1.0e6).

now_us() -> erlang:monotonic_time(microsecond).

median(L) -> pct(L, 50).

pct(L, P) ->
    S = lists:sort(L),
    N = length(S),
    case P of
        50 when N rem 2 =:= 0 -> (lists:nth(N div 2, S) + lists:nth(N div 2 + 1, S)) / 2;
        _ -> float(lists:nth(max(1, min(N, ceil(P * N / 100))), S))
    end.

fail(What, Why) ->
    throw({bench_failed, What, Why}).

flush_mailbox() ->
    receive _ -> flush_mailbox() after 0 -> ok end.

%%====================================================================
%% alcove helpers (the user's API, with timeouts)
%%====================================================================

start_drv(#{port := Port}) ->
    case alcove_drv:start([{progname, Port}, {exit_status, true}, {termsig, true},
                           {sigchld, false}]) of
        {ok, Drv} -> Drv;
        Error -> fail("alcove_drv:start", Error)
    end.

stop_drv(Drv) ->
    try gen_server:stop(Drv, normal, ?CALL_TIMEOUT)
    catch exit:Reason -> fail("alcove_drv:stop", Reason)
    end,
    flush_mailbox().

%% A call through alcove:call/5; a timeout or a crash of the driver becomes
%% a failure of the benchmark.
call(Drv, Path, Call, Argv) ->
    try
        alcove:call(Drv, Path, Call, Argv, ?CALL_TIMEOUT)
    catch
        exit:{timeout, _} -> fail(atom_to_list(Call), {timeout, Path});
        Class:Reason -> fail(atom_to_list(Call), {Class, Reason, Path})
    end.

fork(Drv, Path) ->
    case call(Drv, Path, fork, []) of
        {ok, Child} -> Child;
        Other -> fail("fork", {Path, Other})
    end.

%% A chain of Depth forks below Path; returns the full path.
chain(_, Path, 0) -> Path;
chain(Drv, Path, Depth) ->
    chain(Drv, Path ++ [fork(Drv, Path)], Depth - 1).

%% End the control processes of a chain, innermost first.
reap_chain(_, []) -> ok;
reap_chain(Drv, Path) ->
    ok = call(Drv, Path, exit, [0]),
    await_exit(Drv, Path, "exit of a fork chain"),
    reap_chain(Drv, lists:droplast(Path)).

await_exit(Drv, Path, What) ->
    receive
        {alcove_event, Drv, Path, {exit_status, _}} -> ok;
        {alcove_event, Drv, Path, {termsig, _}} -> ok
    after ?IO_TIMEOUT ->
            fail(What, {no_exit_event, Path})
    end.

%%====================================================================
%% Paths and the echo floor build
%%====================================================================

root_dir() ->
    filename:dirname(filename:dirname(filename:absname(escript:script_name()))).

port_path(Root) ->
    Path = case os:getenv("ALCOVE_BENCH_PORT") of
               false -> filename:join(Root, "priv/alcove");
               P -> filename:absname(P)
           end,
    case filelib:is_regular(Path) of
        true -> Path;
        false -> fail("setup", {no_port_executable, Path, "run rebar3 compile first"})
    end.

echo_floor(Root) ->
    case os:getenv("ALCOVE_BENCH_FLOOR") of
        false -> build_floor(Root);
        P -> filename:absname(P)
    end.

build_floor(Root) ->
    Cargo = case os:find_executable("cargo") of
                false -> filename:join(os:getenv("HOME", "/root"), ".cargo/bin/cargo");
                C -> C
            end,
    Target = case os:getenv("CARGO_TARGET_DIR") of
                 false -> filename:join(Root, "target");
                 T -> filename:absname(T)
             end,
    Cmd = lists:flatten(io_lib:format("cd '~s' && '~s' build --release --quiet --example echo_floor 2>&1; echo \"rc=$?\"",
                                      [Root, Cargo])),
    Out = os:cmd(Cmd),
    Bin = filename:join(Target, "release/examples/echo_floor"),
    case string:find(Out, "rc=0") =/= nomatch andalso filelib:is_regular(Bin) of
        true -> Bin;
        false -> fail("building the echo floor", Out)
    end.
