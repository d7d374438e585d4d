%%% Pure tests: frame encoding/decoding (PROTOCOL.md section 2), the
%%% generated call table, and the filter/1 helper. No port is started.
-module(alcove_codec_tests).

-include_lib("eunit/include/eunit.hrl").

%% Worked examples of PROTOCOL.md section 2.4.
-define(GETPID_ROOT, <<16#00, 16#07, 16#00, 16#04, 16#00, 16#24, 16#83, 16#68, 16#00>>).
-define(GETPID_DEPTH2,
        <<16#00, 16#17, 16#00, 16#00, 16#00, 16#00, 16#03, 16#E8,
          16#00, 16#0F, 16#00, 16#00, 16#00, 16#00, 16#03, 16#E9,
          16#00, 16#07, 16#00, 16#04, 16#00, 16#24, 16#83, 16#68, 16#00>>).
-define(REPLY_DEPTH2,
        <<16#00, 16#18, 16#00, 16#03, 16#00, 16#00, 16#03, 16#E8,
          16#00, 16#10, 16#00, 16#03, 16#00, 16#00, 16#03, 16#E9,
          16#00, 16#08, 16#00, 16#04, 16#83, 16#62, 16#00, 16#00, 16#03, 16#E9>>).

%%--------------------------------------------------------------------
%% Encoding requests
%%--------------------------------------------------------------------

call_at_root_test() ->
    ?assertEqual(?GETPID_ROOT, alcove_codec:call(getpid, [], [])).

call_at_depth_2_test() ->
    ?assertEqual(?GETPID_DEPTH2, alcove_codec:call(getpid, [1000, 1001], [])).

call_with_arguments_test() ->
    ETF = term_to_binary({1001, sigterm}),
    Inner = <<(4 + byte_size(ETF)):16, 4:16, 49:16, ETF/binary>>,
    ?assertEqual(<<(6 + byte_size(Inner)):16, 0:16, 1000:32, Inner/binary>>,
                 alcove_codec:call(kill, [1000], [1001, sigterm])).

call_greeting_shape_test() ->
    %% the unlink request of the handshake, section 3.3 step 2
    Path = "/tmp/fdctl.1",
    ?assertEqual(<<(4 + 6 + length(Path)):16, 4:16, 93:16,
                   131, 104, 1, 107, (length(Path)):16, (list_to_binary(Path))/binary>>,
                 alcove_codec:call(unlink, [], [Path])).

call_wrong_arity_test() ->
    ?assertError(badarg, alcove_codec:call(getpid, [], [1])),
    ?assertError(badarg, alcove_codec:call(kill, [], [1])).

call_unknown_test() ->
    ?assertError(badarg, alcove_codec:call(no_such_call, [], [])).

bad_fork_path_test() ->
    ?assertError(badarg, alcove_codec:call(getpid, [-1], [])),
    ?assertError(badarg, alcove_codec:call(getpid, [a], [])),
    ?assertError(badarg, alcove_codec:call(getpid, [1 | 2], [])),
    ?assertError(badarg, alcove_codec:stdin(not_a_list, <<"x">>)).

stdin_test() ->
    ?assertEqual(<<16#00, 16#11, 16#00, 16#00, 16#00, 16#00, 16#03, 16#E8,
                   16#00, 16#09, 16#00, 16#00, 16#00, 16#00, 16#03, 16#E9,
                   16#68, 16#69, 16#0A>>,
                 alcove_codec:stdin([1000, 1001], "hi\n")),
    %% the port itself after exec: unframed
    ?assertEqual(<<"hi\n">>, alcove_codec:stdin([], [<<"h">>, "i", $\n])).

request_size_limit_test() ->
    %% 65535 bytes in all, counting the outermost length field, is the most
    Max = alcove_codec:max_request(),
    ?assertEqual(65535, Max),
    Fits = binary:copy(<<"x">>, Max - 8),
    ?assertEqual(Max, byte_size(alcove_codec:stdin([1], Fits))),
    ?assertError(badarg, alcove_codec:stdin([1], <<Fits/binary, "x">>)),
    %% every hop costs 8 bytes
    ?assertError(badarg, alcove_codec:stdin([1, 2], Fits)),
    ?assertEqual(Max, byte_size(alcove_codec:stdin([1, 2], binary:part(Fits, 0, Max - 16)))),
    %% a call: 6 bytes of header, then the ETF of the argument tuple
    Overhead = 6 + byte_size(term_to_binary({<<>>})),
    Arg = binary:copy(<<"y">>, Max - Overhead - 1),
    Call = alcove_codec:call(iolist_to_bin, [], [Arg]),
    ?assertEqual(Max, byte_size(Call) + 1),
    ?assertError(badarg, alcove_codec:call(iolist_to_bin, [7], [Arg])),
    ?assertError(badarg, alcove_codec:call(iolist_to_bin, [], [<<Arg/binary, "yy">>])).

%%--------------------------------------------------------------------
%% Decoding what the port sends
%%--------------------------------------------------------------------

decode_examples_test_() ->
    Examples =
        [{<<0, 7, 0, 4, 131, 119, 2, $o, $k>>, {alcove_call, [], ok}},
         {<<0, 8, 0, 4, 131, 98, 0, 0, 3, 231>>, {alcove_call, [], 999}},
         {?REPLY_DEPTH2, {alcove_call, [1000, 1001], 1001}},
         {<<0, 16#11, 0, 3, 0, 0, 3, 16#E8, 0, 9, 0, 1, 0, 0, 3, 16#E9, "hi\n">>,
          {alcove_stdout, [1000, 1001], <<"hi\n">>}},
         {<<0, 16#0C, 0, 2, 0, 0, 3, 16#E8, "error\n">>,
          {alcove_stderr, [1000], <<"error\n">>}},
         {<<0, 16#24, 0, 3, 0, 0, 3, 16#E8, 0, 16#1C, 0, 3, 0, 0, 3, 16#E9,
            0, 16#14, 0, 5, 131, 104, 2, 119, 11, "exit_status", 97, 3>>,
          {alcove_event, [1000, 1001], {exit_status, 3}}},
         {<<0, 16#19, 0, 3, 0, 0, 3, 16#E8, 0, 16#11, 0, 6, 131, 119, 12, "fdctl_closed">>,
          {alcove_ctl, [1000], fdctl_closed}},
         {<<0, 16#13, 0, 3, 0, 0, 0, 1, 0, 16#0B, 0, 6, 131, 119, 6, "badpid">>,
          {alcove_ctl, [1], badpid}},
         {<<0, 16#10, 0, 3, 0, 0, 3, 16#E8, 0, 8, 0, 7, 131, 98, 0, 0, 16#10, 0>>,
          {alcove_pipe, [1000], 4096}},
         {<<0, 16#0B, 0, 4, 131, 119, 6, "badarg">>, {alcove_call, [], badarg}},
         {<<0, 16#0A, 0, 4, 131, 119, 5, "undef">>, {alcove_call, [], undef}}],
    [?_assertEqual(Frame, alcove_codec:decode(Bin)) || {Bin, Frame} <- Examples].

decode_rejects_test_() ->
    Bad = [<<0, 7, 0, 4, 131, 119, 2, $o>>,                    % truncated
           <<0, 7, 0, 4, 131, 119, 2, $o, $k, 0>>,             % trailing byte
           <<0, 2, 0, 9>>,                                     % unknown type
           <<0, 3, 0, 0, 1>>,                                  % STDIN never comes up
           <<0, 6, 0, 4, 1, 2, 3, 4>>,                         % not ETF
           %% PROXY whose inner length does not match
           <<0, 16#13, 0, 3, 0, 0, 0, 1, 0, 16#0C, 0, 6, 131, 119, 6, "badpid">>],
    [?_assertError({badframe, _}, alcove_codec:decode(B)) || B <- Bad].

stream_reassembly_test() ->
    Frames = [{alcove_call, [], ok},
              {alcove_stdout, [1000, 1001], <<"hi\n">>},
              {alcove_call, [1000, 1001], 1001},
              {alcove_event, [7], {signal, sigterm, <<15:32/native, 0:(124 * 8)>>}},
              {alcove_stderr, [1000], <<>>}],
    Stream = iolist_to_binary([up(F) || F <- Frames]),
    %% split at every position: frames come out whole and in order
    lists:foreach(
      fun(N) ->
              <<A:N/binary, B/binary>> = Stream,
              {F1, Rest} = alcove_codec:stream(A),
              {F2, <<>>} = alcove_codec:stream(<<Rest/binary, B/binary>>),
              ?assertEqual(Frames, F1 ++ F2)
      end, lists:seq(0, byte_size(Stream))),
    %% one byte at a time
    {Out, <<>>} = lists:foldl(fun(Byte, {Acc, Buf}) ->
                                      {New, Rest} = alcove_codec:stream(<<Buf/binary, Byte>>),
                                      {Acc ++ New, Rest}
                              end, {[], <<>>}, binary_to_list(Stream)),
    ?assertEqual(Frames, Out).

next_test() ->
    Bin = up({alcove_call, [3], ok}),
    ?assertEqual(more, alcove_codec:next(<<>>)),
    ?assertEqual(more, alcove_codec:next(binary:part(Bin, 0, byte_size(Bin) - 1))),
    ?assertEqual({ok, {alcove_call, [3], ok}, <<1>>}, alcove_codec:next(<<Bin/binary, 1>>)).

%% Encode a request, deliver it hop by hop as the port processes would
%% (strip one STDIN header per hop), and decode the CALL at the end.
request_round_trip_test_() ->
    Cases = [{getpid, [], []},
             {kill, [1000], [1001, sigterm]},
             {execve, [1, 2, 3], ["/bin/sh", ["/bin/sh", "-c", "echo"], ["A=b"]]},
             {setrlimit, lists:seq(1, 16), [rlimit_nofile, {alcove_rlimit, 10, 20}]},
             {write, [4294967, 2147483647], [3, binary:copy(<<255>>, 60000)]}],
    [?_test(begin
                Bin = alcove_codec:call(Call, Pids, Argv),
                {Path, <<Len:16, 4:16, Nr:16, ETF/binary>>} = hops(Bin, []),
                ?assertEqual(Pids, Path),
                ?assertEqual(Len, 4 + byte_size(ETF)),
                ?assertEqual(alcove_proto:call(Call), Nr),
                ?assertEqual(list_to_tuple(Argv), binary_to_term(ETF))
            end) || {Call, Pids, Argv} <- Cases].

hops(<<Len:16, 0:16, Pid:32, Inner/binary>>, Path) when Len =:= 6 + byte_size(Inner) ->
    hops(Inner, [Pid | Path]);
hops(Frame, Path) ->
    {lists:reverse(Path), Frame}.

%% Frames going up, built the way the port builds them (section 1.7).
up({Tag, Pids, Term}) ->
    {Inner, Proxies} =
        case Tag of
            alcove_stdout -> {stream_frame(1, lists:last(Pids), Term), lists:droplast(Pids)};
            alcove_stderr -> {stream_frame(2, lists:last(Pids), Term), lists:droplast(Pids)};
            _ -> {term_frame(type(Tag), Term), Pids}
        end,
    lists:foldr(fun(Pid, F) -> <<(6 + byte_size(F)):16, 3:16, Pid:32, F/binary>> end,
                Inner, Proxies).

stream_frame(Type, Pid, Data) -> <<(6 + byte_size(Data)):16, Type:16, Pid:32, Data/binary>>.
term_frame(Type, Term) ->
    ETF = term_to_binary(Term),
    <<(2 + byte_size(ETF)):16, Type:16, ETF/binary>>.

type(alcove_call) -> 4;
type(alcove_event) -> 5;
type(alcove_ctl) -> 6;
type(alcove_pipe) -> 7.

decode_round_trip_test_() ->
    Frames = [{alcove_call, [], {ok, <<"bin">>, [1, 2, 3]}},
              {alcove_call, lists:seq(100, 115), {error, enoent}},
              {alcove_event, [1], {termsig, sigkill}},
              {alcove_ctl, [2, 3], stdout_closed},
              {alcove_pipe, [9], 0},
              {alcove_stdout, [5], binary:copy(<<"z">>, 65000)},
              {alcove_stderr, [5, 6, 7], <<0, 1, 2>>}],
    [?_assertEqual(F, alcove_codec:decode(up(F))) || F <- Frames].

%%--------------------------------------------------------------------
%% Call table and helpers
%%--------------------------------------------------------------------

call_table_test() ->
    Calls = alcove_proto:calls(),
    ?assertEqual(100, length(Calls)),
    ?assertEqual(lists:seq(0, 99), [alcove_proto:call(C) || C <- Calls]),
    ?assertEqual(36, alcove_proto:call(getpid)),
    ?assertEqual(93, alcove_proto:call(unlink)),
    ?assertEqual(6, alcove_proto:args(mount)),
    ?assertError(badarg, alcove_proto:call(nope)),
    ?assertError(badarg, alcove_proto:args(nope)).

%% Every call has both API arities: without and with the fork path.
api_arities_test() ->
    Exports = alcove:module_info(exports),
    Missing = [{C, A} || C <- alcove_proto:calls(),
                         A <- [alcove_proto:args(C) + 1, alcove_proto:args(C) + 2],
                         not lists:member({C, A}, Exports)],
    ?assertEqual([], Missing).

filter_test() ->
    ?assertEqual(<<0, 32, 0, 16, 16>>, alcove:filter([fork, clone, getpid])),
    ?assertEqual(<<0, 32, 0, 16, 16>>, alcove:filter({deny, [getpid, clone, fork]})),
    ?assertEqual(<<255, 223, 255, 239, 239, 255, 255, 255, 255, 255, 255, 255, 15>>,
                 alcove:filter({allow, [fork, clone, getpid]})),
    ?assertEqual(<<>>, alcove:filter([])),
    ?assertEqual(<<1>>, alcove:filter([alloc])),
    ?assertError(badarg, alcove:filter([no_such_call])).

audit_arch_test() ->
    Expected = case erlang:system_info(system_architecture) of
                   "x86_64-" ++ _ -> audit_arch_x86_64;
                   "aarch64-" ++ _ -> audit_arch_aarch64;
                   _ -> alcove:audit_arch()
               end,
    ?assertEqual(Expected, alcove:audit_arch()).
