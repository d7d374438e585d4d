%%% @doc Frame encoding and decoding for the alcove port protocol
%%% (PROTOCOL.md section 2). Pure functions, no process state.
%%%
%%% Every frame starts with a 2-byte big-endian length counting the bytes
%%% after it, then a 2-byte type. Requests to a process at fork path
%%% `[P1, ..., Pn]' are wrapped in one STDIN header per path element,
%%% `P1' outermost. Messages coming up from a child arrive wrapped in one
%%% PROXY header per hop; decoding walks them into the fork path.
-module(alcove_codec).

-export([call/3, stdin/2, decode/1, stream/1, next/1, max_request/0]).

-export_type([frame/0, tag/0]).

-type tag() :: alcove_stdout | alcove_stderr | alcove_call | alcove_event
             | alcove_ctl | alcove_pipe.
%% A decoded frame: the message tag, the fork path of the process it is
%% about, and the payload (binary data for stdout/stderr, a term otherwise).
-type frame() :: {tag(), [non_neg_integer()], term()}.

-define(STDIN, 0).
-define(STDOUT, 1).
-define(STDERR, 2).
-define(PROXY, 3).
-define(CALL, 4).
-define(EVENT, 5).
-define(CTL, 6).
-define(PIPE, 7).

%% Largest request, in bytes including its outermost length field.
-define(MAX_REQUEST, 65535).
%% Size of a STDIN header: length, type, pid.
-define(HOP, 8).

%% @doc The largest request the port accepts, in bytes, counting the
%% outermost 2-byte length field.
-spec max_request() -> pos_integer().
max_request() -> ?MAX_REQUEST.

%% @doc Encode a call to the process at fork path `Pids':
%% `<<Len:16, 4:16, Nr:16, ETF>>' with `ETF = term_to_binary(ArgsTuple)',
%% wrapped in one STDIN header per path element. Raises `badarg' for an
%% unknown call, a wrong number of arguments, a malformed path, or a request
%% larger than 65535 bytes.
-spec call(atom(), [non_neg_integer()], [term()]) -> binary().
call(Call, Pids, Argv) when is_atom(Call), is_list(Argv) ->
    Nr = alcove_proto:call(Call),
    case alcove_proto:args(Call) =:= length(Argv) of
        true -> ok;
        false -> erlang:error(badarg)
    end,
    ETF = term_to_binary(list_to_tuple(Argv)),
    check_size(Pids, 6 + byte_size(ETF)),
    wrap(Pids, <<(4 + byte_size(ETF)):16, ?CALL:16, Nr:16, ETF/binary>>);
call(_, _, _) ->
    erlang:error(badarg).

%% @doc Encode data for the stdin of the process at fork path `Pids'.
%% For the empty path (the port itself, after it has called exec) the data
%% is returned unframed. Raises `badarg' for a malformed path or a request
%% larger than 65535 bytes.
-spec stdin([non_neg_integer()], iodata()) -> binary().
stdin(Pids, Data) ->
    Bin = iolist_to_binary(Data),
    check_size(Pids, byte_size(Bin)),
    wrap(Pids, Bin).

%% The request is Size bytes before wrapping; each hop adds 8.
check_size(Pids, Size) when is_list(Pids) ->
    case valid_path(Pids) andalso Size + ?HOP * length(Pids) =< ?MAX_REQUEST of
        true -> ok;
        false -> erlang:error(badarg)
    end;
check_size(_, _) ->
    erlang:error(badarg).

valid_path([]) -> true;
valid_path([P | Rest]) when is_integer(P), P >= 0, P =< 16#7fffffff -> valid_path(Rest);
valid_path(_) -> false.

%% Innermost (last) pid is wrapped first.
wrap(Pids, Frame) ->
    lists:foldr(fun(Pid, Inner) ->
                        <<(6 + byte_size(Inner)):16, ?STDIN:16, Pid:32, Inner/binary>>
                end, Frame, Pids).

%% @doc Decode exactly one complete frame (nothing before or after it).
%% Used for the handshake frames, which must each arrive alone.
-spec decode(binary()) -> frame().
decode(Bin) ->
    case stream(Bin) of
        {[Frame], <<>>} -> Frame;
        _ -> erlang:error({badframe, Bin})
    end.

%% @doc Split a byte stream into frames. Returns the decoded frames in order
%% and the trailing bytes of an incomplete frame, to be prepended to the next
%% chunk. A malformed frame (inner length not matching, unknown type, bad
%% ETF) raises `{badframe, Frame}'.
-spec stream(binary()) -> {[frame()], binary()}.
stream(Bin) ->
    stream(Bin, []).

stream(Bin, Acc) ->
    case next(Bin) of
        {ok, Frame, Rest} -> stream(Rest, [Frame | Acc]);
        more -> {lists:reverse(Acc), Bin}
    end.

%% @doc Decode the first frame of a byte stream: `{ok, Frame, Rest}', or
%% `more' if `Bin' does not hold a complete frame yet. A malformed frame
%% raises `{badframe, Frame}'.
-spec next(binary()) -> {ok, frame(), binary()} | more.
next(<<Len:16, Frame:Len/binary, Rest/binary>>) ->
    {ok, frame(Frame, []), Rest};
next(_) ->
    more.

%% Walk PROXY headers, collecting pids outermost first.
frame(<<?PROXY:16, Pid:32, Len:16, Inner:Len/binary>>, Pids) ->
    frame(Inner, [Pid | Pids]);
frame(<<?STDOUT:16, Pid:32, Data/binary>>, Pids) ->
    {alcove_stdout, lists:reverse(Pids, [Pid]), Data};
frame(<<?STDERR:16, Pid:32, Data/binary>>, Pids) ->
    {alcove_stderr, lists:reverse(Pids, [Pid]), Data};
frame(<<Type:16, ETF/binary>> = Frame, Pids) when Type >= ?CALL, Type =< ?PIPE ->
    Term = try binary_to_term(ETF)
           catch error:badarg -> erlang:error({badframe, Frame})
           end,
    {tag(Type), lists:reverse(Pids), Term};
frame(Frame, _) ->
    erlang:error({badframe, Frame}).

tag(?CALL) -> alcove_call;
tag(?EVENT) -> alcove_event;
tag(?CTL) -> alcove_ctl;
tag(?PIPE) -> alcove_pipe.
