%%% @doc The gen_server owning the alcove port.
%%%
%%% `alcove_drv' starts the port executable (priv/alcove), performs the
%%% startup handshake (PROTOCOL.md section 3.3), sends requests encoded by
%%% {@link alcove_codec} and turns everything the port writes into messages
%%% for the <em>owner</em>, the process that started the driver:
%%%
%%% ```
%%% {alcove_call | alcove_event | alcove_stdout | alcove_stderr
%%%  | alcove_ctl | alcove_pipe, Drv, Pids, Term}
%%% '''
%%%
%%% where `Drv' is the driver's pid and `Pids' the fork path of the process
%%% the message is about. Only the owner may send requests; any other process
%%% gets `{error, not_owner}'. The driver stops when its owner exits.
%%%
%%% == Options emulated on the Erlang side ==
%%%
%%% The documented options `exit_status', `termsig', `sigchld' and `verbose'
%%% (see {@link alcove:getopt/3}) are kept here, per fork path, rather than
%%% in the port: the port itself always reports how its children end
%%% (`{exit_status, N}' or `{termsig, Signal}' for the child's path), because
%%% a call addressed to a process that dies while handling it must fail
%%% instead of waiting forever. Each option value is recorded for the process
%%% it was set on and copied to every child forked (or cloned) by that
%%% process afterwards, like the port's own options. The root's initial
%%% values come from {@link start/1}; the defaults are `exit_status' 0,
%%% `termsig' 0, `sigchld' 1, `verbose' 0.
%%%
%%% When the child `C' of the process at path `P' ends:
%%% <ul>
%%% <li>`{alcove_event, Drv, P ++ [C], {exit_status, N}}' (or
%%%     `{termsig, Signal}') reaches the owner if the option `exit_status'
%%%     (or `termsig') of `P' is 1, or if a call to `P ++ [C]' is waiting for
%%%     its reply (the call then fails with that term);</li>
%%% <li>if the option `sigchld' of `P' is 1, the owner also gets
%%%     `{alcove_event, Drv, P, {signal, sigchld, Info}}', the event the
%%%     process `P' would report for a caught SIGCHLD: `Info' is a 128-byte
%%%     native `siginfo_t' with si_signo SIGCHLD, si_code CLD_EXITED (1) or
%%%     CLD_KILLED (2), si_pid `C' and, for an exit, si_status `N'.
%%%     {@link alcove:event/2} returns it as `{signal, 17}'.</li>
%%% </ul>
%%% `verbose' is only recorded (the port has no debug output).
-module(alcove_drv).
-behaviour(gen_server).

-export([start/0, start/1, start_link/0, start_link/1, stop/1]).
-export([call/5, stdin/3, get_option/3, set_option/4, emulated_options/0]).
-export([progname/0, argv/1]).
-export([init_it/2, init/1, handle_call/3, handle_cast/2, handle_info/2,
         terminate/2, code_change/3]).

-export_type([option/0, pids/0]).

-type pids() :: [non_neg_integer()].
-type option() :: stderr_to_stdout
                | {env, [{string(), string() | false}]}
                | {exec, string()}
                | {progname, file:filename()}
                | {ctldir, file:filename()}
                | {exit_status, boolean() | 0 | 1}
                | {sigchld, boolean() | 0 | 1}
                | {termsig, boolean() | 0 | 1}
                | verbose | {verbose, non_neg_integer()}
                | {maxchild, non_neg_integer()}
                | {maxforkdepth, non_neg_integer()}.

%% How long the port may take to greet and confirm the handshake.
-define(HANDSHAKE_TIMEOUT, 30000).

%% Calls that do not reply when they succeed: the process execs or exits
%% and its parent reports fdctl_closed for it (PROTOCOL.md section 1.5).
-define(NO_RETURN(Call), (Call =:= execve orelse Call =:= execvp orelse
                          Call =:= exit orelse Call =:= fexecve)).

-record(state, {
          owner :: pid(),
          port :: port() | undefined,
          %% process blocked reading the fdctl FIFO (section 3.4)
          fdctl :: pid() | undefined,
          %% true once the port has called exec: output is passed on unparsed
          raw = false :: boolean(),
          %% bytes of an incomplete frame
          buf = <<>> :: binary(),
          %% true while output that is not a frame is held back, waiting for
          %% the fdctl FIFO to confirm that the port called exec
          hold = false :: boolean(),
          %% the port's SIGCHLD number, for synthesised sigchld events
          sigchld :: non_neg_integer(),
          %% emulated options of every known process, by fork path
          opts = #{} :: #{pids() => #{atom() => non_neg_integer()}},
          %% call awaiting its reply, by fork path
          pending = #{} :: #{pids() => atom()}
         }).

%%====================================================================
%% API
%%====================================================================

%% @equiv start([])
-spec start() -> {ok, pid()} | {error, term()}.
start() ->
    start([]).

%% @doc Start the port, owned by the calling process. Options:
%% <dl>
%% <dt>`{exec, Exec}'</dt><dd>words run in front of the executable, e.g.
%%   `"sudo -n"'. Default: none.</dd>
%% <dt>`{progname, Path}'</dt><dd>the port executable. Default:
%%   `priv/alcove' of the alcove application (found with
%%   `code:priv_dir(alcove)', or next to this module's beam file).</dd>
%% <dt>`{ctldir, Dir}'</dt><dd>directory for the port's control FIFO,
%%   `Dir/fdctl.N', which exists only during the handshake.
%%   Default: the priv directory.</dd>
%% <dt>`{env, Env}', `stderr_to_stdout'</dt><dd>passed to `open_port/2'.</dd>
%% <dt>`{maxchild, N}'</dt><dd>the port's `maxchild' (its `-m' switch).</dd>
%% <dt>`{maxforkdepth, N}'</dt><dd>set with `setopt' once started.</dd>
%% <dt>`{exit_status, B}', `{termsig, B}', `{sigchld, B}',
%%   `{verbose, N}' (`verbose' = `{verbose, 1}')</dt><dd>the root's initial
%%   values of the options emulated on the Erlang side (see the module
%%   documentation). `B' is a boolean or 0/1.</dd>
%% </dl>
%% Unknown options are ignored. Returns `{error, port_init_failed}' if the
%% port exits or stays silent instead of completing the handshake.
-spec start([option()]) -> {ok, pid()} | {error, term()}.
start(Options) ->
    proc_lib:start(?MODULE, init_it, [self(), Options]).

%% @equiv start_link([])
-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    start_link([]).

%% @doc Like {@link start/1}, and links the driver to the caller.
-spec start_link([option()]) -> {ok, pid()} | {error, term()}.
start_link(Options) ->
    proc_lib:start_link(?MODULE, init_it, [self(), Options]).

%% @doc Stop the driver: closes the port, which ends the port process and
%% signals its exec'd children (their `signaloneof' signal). A driver that
%% has already stopped (e.g. its port called exec and the program exited)
%% is fine.
-spec stop(pid()) -> ok.
stop(Drv) ->
    try gen_server:stop(Drv)
    catch
        exit:noproc -> ok;
        exit:normal -> ok
    end.

%% @doc Send the call `Call' with the wire arguments `Argv' to the process at
%% fork path `Pids' and wait for its result (PROTOCOL.md section 9.2).
%% Returns the reply term, or `{alcove_error, Error}' when the call failed
%% on the port side: `badarg' or `undef' replies, a control message other
%% than `fdctl_closed' for that path (e.g. `badpid'), `{exit_status, N}' or
%% `{termsig, Signal}' (the process ended), `{eagain, N}' (its stdin pipe was
%% full). For `execve', `execvp', `exit' and `fexecve', `fdctl_closed' means
%% success and returns `ok'. Returns `{error, not_owner}' if the caller does
%% not own the driver. If `Timeout' (milliseconds) expires, the caller exits
%% with `{timeout, {alcove_drv, call, [Drv, Pids, Call, Argv, Timeout]}}';
%% a reply arriving later stays in its mailbox. Requests over 65535 bytes
%% raise `badarg' without reaching the port.
-spec call(pid(), pids(), atom(), [term()], timeout()) -> term().
call(Drv, Pids, Call, Argv, Timeout) ->
    Data = alcove_codec:call(Call, Pids, Argv),
    MRef = erlang:monitor(process, Drv),
    %% One message and no acknowledgement: the driver passes the request on
    %% to the port at once, or tells the caller why not (not the owner, or
    %% the port has called exec). The reply comes to the owner, the caller.
    Drv ! {'$alcove_call', self(), MRef, Pids, Call, Data},
    try
        reply(Drv, Pids, ?NO_RETURN(Call), MRef, deadline(Timeout))
    of
        timeout ->
            erlang:exit({timeout, {?MODULE, call, [Drv, Pids, Call, Argv, Timeout]}});
        {down, Reason} ->
            erlang:exit({Reason, {?MODULE, call, [Drv, Pids, Call, Argv, Timeout]}});
        Reply ->
            Reply
    after
        erlang:demonitor(MRef, [flush])
    end.

%% @doc Write `Data' to the stdin of the process at fork path `Pids' (an
%% exec'd program). Path `[]' is the port itself and is accepted only after
%% the port has called exec. Returns `ok', `{error, not_owner}' or
%% `{alcove_error, badarg}'; data over 65535 bytes raises `badarg'.
-spec stdin(pid(), pids(), iodata()) -> ok | {error, not_owner} | {alcove_error, badarg}.
stdin(Drv, Pids, Data) ->
    gen_server:call(Drv, {stdin, Pids, alcove_codec:stdin(Pids, Data)}, infinity).

%% @doc The options kept by the driver rather than the port.
-spec emulated_options() -> [atom()].
emulated_options() ->
    [exit_status, termsig, sigchld, verbose].

%% @doc Read an emulated option of the process at `Pids'. Returns
%% `{alcove_error, badpid}' if the driver knows no such process.
-spec get_option(pid(), pids(), atom()) -> non_neg_integer() | {alcove_error, badpid}
                                           | {error, not_owner}.
get_option(Drv, Pids, Option) ->
    gen_server:call(Drv, {get_option, Pids, Option}, infinity).

%% @doc Set an emulated option of the process at `Pids'; children it forks
%% afterwards inherit the value. `exit_status', `termsig' and `sigchld'
%% store 1 for any non-zero value.
-spec set_option(pid(), pids(), atom(), non_neg_integer()) ->
          true | {alcove_error, badpid} | {error, not_owner}.
set_option(Drv, Pids, Option, Value) when is_integer(Value), Value >= 0 ->
    gen_server:call(Drv, {set_option, Pids, Option, Value}, infinity).

%% @doc The default port executable: `priv/alcove' of the alcove
%% application, or the priv directory next to this module's ebin directory.
-spec progname() -> file:filename().
progname() ->
    filename:join(priv_dir(), "alcove").

%% @doc The executable and arguments the port is started with, for the given
%% options: the `exec' words, the executable, then `-c FifoPath' and the
%% switches derived from the options.
-spec argv([option()]) -> {Executable :: string(), Args :: [string()],
                              FifoPath :: string()}.
argv(Options) ->
    Ctldir = proplists:get_value(ctldir, Options, priv_dir()),
    Fifo = filename:join(Ctldir, "fdctl." ++ integer_to_list(fifo_id())),
    Progname = proplists:get_value(progname, Options, progname()),
    Switches = ["-c", Fifo] ++
        lists:append([["-m", integer_to_list(N)]
                      || {maxchild, N} <- Options, is_integer(N), N >= 0]),
    Argv = string:lexemes(proplists:get_value(exec, Options, ""), " ") ++ [Progname | Switches],
    [Exe | Args] = Argv,
    {executable(Exe), Args, Fifo}.

%%====================================================================
%% gen_server callbacks
%%====================================================================

%% @private
%% Started with proc_lib rather than gen_server:start so that a failed
%% handshake returns {error, Reason} from start/1 while the driver exits
%% normally: no crash report, and no exit signal for the caller of
%% start_link/1.
-spec init_it(pid(), [option()]) -> ok.
init_it(Owner, Options) ->
    case init({Owner, Options}) of
        {ok, State} ->
            proc_lib:init_ack({ok, self()}),
            gen_server:enter_loop(?MODULE, [], State);
        {stop, Reason} ->
            proc_lib:init_ack({error, Reason})
    end.

%% @private
-spec init({pid(), [option()]}) -> {ok, #state{}} | {stop, term()}.
init({Owner, Options}) ->
    process_flag(trap_exit, true),
    erlang:monitor(process, Owner),
    {Exe, Args, Fifo} = argv(Options),
    PortOpts = [{args, Args}, stream, binary, exit_status, use_stdio]
        ++ [stderr_to_stdout || proplists:get_bool(stderr_to_stdout, Options)]
        ++ [{env, Env} || {env, Env} <- Options],
    try open_port({spawn_executable, Exe}, PortOpts) of
        Port ->
            case handshake(Port, Fifo, Options) of
                {ok, Helper, SigChld} ->
                    {ok, #state{owner = Owner, port = Port, fdctl = Helper,
                                sigchld = SigChld,
                                opts = #{[] => root_options(Options)}}};
                {error, Reason} ->
                    catch port_close(Port),
                    _ = file:delete(Fifo),
                    {stop, Reason}
            end
    catch
        error:Reason ->
            {stop, {Reason, Exe}}
    end.

%% @private
-spec handle_call(term(), {pid(), term()}, #state{}) -> {reply, term(), #state{}}.
handle_call(_, {From, _}, #state{owner = Owner} = State) when From =/= Owner ->
    {reply, {error, not_owner}, State};
handle_call({stdin, [], _}, _, #state{raw = false} = State) ->
    %% unframed bytes would be read as requests by the port's event loop
    {reply, {alcove_error, badarg}, State};
handle_call({stdin, _, Data}, _, #state{port = Port} = State) ->
    true = port_command(Port, Data),
    {reply, ok, State};
handle_call({get_option, Pids, Option}, _, #state{opts = Opts} = State) ->
    case Opts of
        #{Pids := #{Option := Value}} -> {reply, Value, State};
        #{Pids := _} -> {reply, {alcove_error, badarg}, State};
        _ -> {reply, {alcove_error, badpid}, State}
    end;
handle_call({set_option, Pids, Option, Value}, _, #state{opts = Opts} = State) ->
    case Opts of
        #{Pids := #{Option := _} = PathOpts} ->
            {reply, true,
             State#state{opts = Opts#{Pids := PathOpts#{Option := normalise(Option, Value)}}}};
        #{Pids := _} -> {reply, {alcove_error, badarg}, State};
        _ -> {reply, {alcove_error, badpid}, State}
    end;
handle_call(_, _, State) ->
    {reply, {error, badarg}, State}.

%% @private
-spec handle_cast(term(), #state{}) -> {noreply, #state{}}.
handle_cast(_, State) ->
    {noreply, State}.

%% @private
-spec handle_info(term(), #state{}) -> {noreply, #state{}} | {stop, normal, #state{}}.
handle_info({'$alcove_call', From, MRef, _, _, _}, #state{owner = Owner} = State) when From =/= Owner ->
    From ! {'$alcove_refused', MRef, {error, not_owner}},
    {noreply, State};
handle_info({'$alcove_call', From, MRef, _, _, _}, #state{raw = true} = State) ->
    %% the port called exec: there is no event loop left to answer
    From ! {'$alcove_refused', MRef, {alcove_error, fdctl_closed}},
    {noreply, State};
handle_info({'$alcove_call', _, _, Pids, Call, Data}, #state{port = Port, pending = Pending} = State) ->
    true = port_command(Port, Data),
    {noreply, State#state{pending = Pending#{Pids => Call}}};
handle_info({Port, {data, Data}}, #state{port = Port, raw = true, owner = Owner} = State) ->
    Owner ! {alcove_stdout, self(), [], Data},
    {noreply, State};
handle_info({Port, {data, Data}}, #state{port = Port, hold = true, buf = Buf} = State) ->
    {noreply, State#state{buf = <<Buf/binary, Data/binary>>}};
handle_info({Port, {data, Data}}, #state{port = Port, buf = <<>>} = State) ->
    {noreply, frames(Data, State)};
handle_info({Port, {data, Data}}, #state{port = Port, buf = <<Len:16, _/binary>> = Buf} = State)
  when byte_size(Buf) + byte_size(Data) > Len + 2 ->
    %% Complete the pending frame with just the bytes it lacks, then go on
    %% with the rest of the chunk as it is: bulk output is not copied again.
    Need = Len + 2 - byte_size(Buf),
    <<Head:Need/binary, Rest/binary>> = Data,
    {noreply, State1} = handle_info({Port, {data, <<Buf/binary, Head/binary>>}},
                                    State#state{buf = <<>>}),
    handle_info({Port, {data, Rest}}, State1);
handle_info({Port, {data, Data}}, #state{port = Port, buf = Buf} = State) ->
    {noreply, frames(<<Buf/binary, Data/binary>>, State)};
handle_info({fdctl, Helper, closed}, #state{fdctl = Helper, raw = false} = State) ->
    {noreply, fdctl_closed(State)};
handle_info({Port, {exit_status, Status}}, #state{port = Port} = State) ->
    %% The port is gone, so its fdctl FIFO is closed too, whether or not the
    %% helper has noticed yet; report that first, as a no-return call to the
    %% port waits for it.
    State1 = case State#state.raw of
                 true -> State;
                 false -> fdctl_closed(State)
             end,
    State2 = deliver({alcove_event, [], {exit_status, Status}}, State1),
    {stop, normal, State2#state{port = undefined}};
handle_info({'EXIT', Port, _}, #state{port = Port} = State) ->
    {stop, normal, State#state{port = undefined}};
handle_info({'DOWN', _, process, Owner, _}, #state{owner = Owner} = State) ->
    {stop, normal, State};
handle_info(_, State) ->
    {noreply, State}.

%% @private
-spec terminate(term(), #state{}) -> ok.
terminate(_, #state{port = Port}) when is_port(Port) ->
    catch port_close(Port),
    ok;
terminate(_, _) ->
    ok.

%% @private
-spec code_change(term(), #state{}, term()) -> {ok, #state{}}.
code_change(_, State, _) ->
    {ok, State}.

%%====================================================================
%% Handshake (PROTOCOL.md section 3.3)
%%====================================================================

handshake(Port, Fifo, Options) ->
    case chunk_ok(Port, bad_greeting) of
        ok -> handshake_fifo(Port, Fifo, Options);
        Error -> Error
    end.

%% The next chunk from the port must be exactly the frame `ok' from the root.
chunk_ok(Port, Why) ->
    case port_chunk(Port) of
        {ok, Chunk} ->
            case catch alcove_codec:decode(Chunk) of
                {alcove_call, [], ok} -> ok;
                _ -> {error, {Why, Chunk}}
            end;
        Error ->
            Error
    end.

handshake_fifo(Port, Fifo, Options) ->
    Drv = self(),
    Helper = spawn(fun() -> fdctl_reader(Drv, Fifo) end),
    receive
        {fdctl, Helper, opened} ->
            true = port_command(Port, alcove_codec:call(unlink, [], [Fifo])),
            case chunk_ok(Port, bad_unlink_reply) of
                ok -> configure(Port, Helper, Options);
                Error -> Error
            end;
        {fdctl, Helper, {error, Reason}} ->
            {error, {fdctl, Reason}}
    after ?HANDSHAKE_TIMEOUT ->
            exit(Helper, kill),
            {error, port_init_failed}
    end.

%% After the handshake: apply maxforkdepth and learn the SIGCHLD number.
configure(Port, Helper, Options) ->
    Result = lists:foldl(
               fun({maxforkdepth, N}, ok) when is_integer(N), N >= 0 ->
                       case init_call(Port, setopt, [maxforkdepth, N]) of
                           {ok, true} -> ok;
                           {ok, Other} -> {error, {maxforkdepth, Other}};
                           Error -> Error
                       end;
                  (_, Acc) -> Acc
               end, ok, Options),
    case Result of
        ok ->
            case init_call(Port, signal_constant, [sigchld]) of
                {ok, N} when is_integer(N) -> {ok, Helper, N};
                {ok, Other} -> {error, {signal_constant, Other}};
                Error -> Error
            end;
        Error ->
            Error
    end.

%% A call made before the driver is running: nothing else is outstanding,
%% so the next frame from the port is the reply.
init_call(Port, Call, Argv) ->
    true = port_command(Port, alcove_codec:call(Call, [], Argv)),
    init_reply(Port, <<>>).

init_reply(Port, Buf) ->
    case port_chunk(Port) of
        {ok, Data} ->
            case alcove_codec:stream(<<Buf/binary, Data/binary>>) of
                {[], Rest} -> init_reply(Port, Rest);
                {[{alcove_call, [], Reply}], <<>>} -> {ok, Reply};
                _ -> {error, {unexpected, Data}}
            end;
        Error ->
            Error
    end.

port_chunk(Port) ->
    receive
        {Port, {data, Data}} -> {ok, Data};
        {Port, {exit_status, _}} -> {error, port_init_failed}
    after ?HANDSHAKE_TIMEOUT ->
            {error, port_init_failed}
    end.

%% Holds the FIFO open for reading; the port holds it open for writing until
%% it calls exec or exits, and only then does the read return (EOF).
fdctl_reader(Drv, Fifo) ->
    case file:open(Fifo, [read, raw, binary]) of
        {ok, Fd} ->
            Drv ! {fdctl, self(), opened},
            read_until_eof(Fd),
            _ = file:close(Fd),
            Drv ! {fdctl, self(), closed};
        {error, Reason} ->
            Drv ! {fdctl, self(), {error, Reason}}
    end.

read_until_eof(Fd) ->
    case file:read(Fd, 1) of
        {ok, _} -> read_until_eof(Fd);
        _ -> ok
    end.

%%====================================================================
%% Messages from the port
%%====================================================================

frames(Bin, State) ->
    case next_frame(Bin) of
        {ok, Frame, Rest} ->
            frames(Rest, frame(Frame, State));
        more ->
            State#state{buf = Bin};
        {error, Reason} ->
            case State#state.pending of
                #{[] := Call} when ?NO_RETURN(Call) ->
                    %% Most likely the port has just called exec and this is
                    %% the new program's output; hold it until the fdctl FIFO
                    %% confirms (it is then delivered as stdout).
                    State#state{buf = Bin, hold = true};
                _ ->
                    erlang:error(Reason)
            end
    end.

next_frame(Bin) ->
    try alcove_codec:next(Bin)
    catch error:{badframe, _} = Reason -> {error, Reason}
    end.

frame({alcove_call, Pids, Reply} = Frame, #state{pending = Pending} = State) ->
    State1 = State#state{pending = maps:remove(Pids, Pending)},
    State2 = case {maps:get(Pids, Pending, undefined), Reply} of
                 {Fork, {ok, Child}} when Fork =:= fork; Fork =:= clone ->
                     child_forked(Pids, Child, State1);
                 _ ->
                     State1
             end,
    deliver(Frame, State2);
frame({alcove_ctl, Pids, fdctl_closed} = Frame, #state{pending = Pending} = State) ->
    State1 = case Pending of
                 #{Pids := Call} when ?NO_RETURN(Call) ->
                     State#state{pending = maps:remove(Pids, Pending)};
                 _ ->
                     State
             end,
    deliver(Frame, State1);
frame({Tag, Pids, _} = Frame, #state{pending = Pending} = State)
  when Tag =:= alcove_ctl; Tag =:= alcove_pipe ->
    %% a call waiting on this path fails with it
    deliver(Frame, State#state{pending = maps:remove(Pids, Pending)});
frame({alcove_event, [_ | _] = Pids, {Exit, _} = Event} = Frame, State)
  when Exit =:= exit_status; Exit =:= termsig ->
    child_exited(Pids, Event, Frame, State);
frame(Frame, State) ->
    deliver(Frame, State).

deliver({Tag, Pids, Term}, #state{owner = Owner} = State) ->
    Owner ! {Tag, self(), Pids, Term},
    State.

%% The port called exec (or exited). Bytes still waiting to complete a
%% frame are the new program's first output: every frame the port wrote
%% before exec has been decoded, as its last one is the reply the exec
%% caller's previous call waited for.
fdctl_closed(#state{buf = Buf} = State) ->
    State1 = State#state{raw = true, buf = <<>>, hold = false,
                         pending = maps:remove([], State#state.pending)},
    State2 = deliver({alcove_ctl, [], fdctl_closed}, State1),
    case Buf of
        <<>> -> State2;
        _ -> deliver({alcove_stdout, [], Buf}, State2)
    end.

%%====================================================================
%% Emulated options
%%====================================================================

root_options(Options) ->
    Defaults = #{exit_status => 0, termsig => 0, sigchld => 1, verbose => 0},
    lists:foldl(
      fun(verbose, Acc) -> Acc#{verbose := 1};
         ({Opt, Val}, Acc) when is_map_key(Opt, Defaults) ->
              Acc#{Opt := normalise(Opt, Val)};
         (_, Acc) -> Acc
      end, Defaults, Options).

normalise(_, true) -> 1;
normalise(_, false) -> 0;
normalise(verbose, N) when is_integer(N), N >= 0 -> N;
normalise(_, N) when is_integer(N), N > 0 -> 1;
normalise(_, _) -> 0.

%% A new child starts with a copy of its parent's options.
child_forked(Parent, Child, #state{opts = Opts} = State) ->
    Path = Parent ++ [Child],
    State1 = forget(Path, State),
    ParentOpts = maps:get(Parent, Opts, root_options([])),
    State1#state{opts = (State1#state.opts)#{Path => ParentOpts}}.

child_exited(Pids, {Exit, _} = Event, Frame, #state{opts = Opts, pending = Pending} = State) ->
    {Parent, [Child]} = lists:split(length(Pids) - 1, Pids),
    ParentOpts = maps:get(Parent, Opts, root_options([])),
    State1 = forget(Pids, State),
    State2 = case maps:is_key(Pids, Pending) orelse maps:get(Exit, ParentOpts) =/= 0 of
                 true -> deliver(Frame, State1);
                 false -> State1
             end,
    case maps:get(sigchld, ParentOpts) of
        0 ->
            State2;
        _ ->
            deliver({alcove_event, Parent,
                     {signal, sigchld, siginfo(State#state.sigchld, Child, Event)}}, State2)
    end.

%% The process at Pids and everything below it are gone.
forget(Pids, #state{opts = Opts, pending = Pending} = State) ->
    Keep = fun(Path, _) -> not lists:prefix(Pids, Path) end,
    State#state{opts = maps:filter(Keep, Opts), pending = maps:filter(Keep, Pending)}.

%% struct siginfo_t for SIGCHLD (Linux layout): si_signo, si_errno,
%% si_code, padding, si_pid, si_uid, si_status, zero fill to 128 bytes.
siginfo(SigChld, Child, {exit_status, Status}) ->
    siginfo(SigChld, 1, Child, Status);
siginfo(SigChld, Child, {termsig, _}) ->
    siginfo(SigChld, 2, Child, 0).

siginfo(SigChld, Code, Child, Status) ->
    <<SigChld:32/native-signed, 0:32, Code:32/native-signed, 0:32,
      Child:32/native-signed, 0:32/native, Status:32/native-signed, 0:(100 * 8)>>.

%%====================================================================
%% Internal
%%====================================================================

%% Receive the reply of the call just sent to Pids (PROTOCOL.md 9.2).
reply(Drv, Pids, NoReturn, MRef, Deadline) ->
    receive
        {alcove_call, Drv, Pids, badarg} -> {alcove_error, badarg};
        {alcove_call, Drv, Pids, undef} -> {alcove_error, undef};
        {alcove_call, Drv, Pids, Reply} -> Reply;
        {alcove_ctl, Drv, Pids, fdctl_closed} when NoReturn -> ok;
        {alcove_ctl, Drv, Pids, fdctl_closed} -> reply(Drv, Pids, NoReturn, MRef, Deadline);
        {alcove_ctl, Drv, Pids, Ctl} -> {alcove_error, Ctl};
        {alcove_pipe, Drv, Pids, Written} -> {alcove_error, {eagain, Written}};
        {alcove_event, Drv, Pids, {exit_status, _} = Exit} when not NoReturn ->
            {alcove_error, Exit};
        {alcove_event, Drv, Pids, {termsig, _} = Exit} when not NoReturn ->
            {alcove_error, Exit};
        {'$alcove_refused', MRef, Error} -> Error;
        {'DOWN', MRef, process, _, Reason} -> {down, Reason}
    after remaining(Deadline) ->
            timeout
    end.

deadline(infinity) -> infinity;
deadline(Timeout) when is_integer(Timeout), Timeout >= 0 ->
    erlang:monotonic_time(millisecond) + Timeout.

remaining(infinity) -> infinity;
remaining(Deadline) -> max(0, Deadline - erlang:monotonic_time(millisecond)).

priv_dir() ->
    case code:priv_dir(alcove) of
        {error, bad_name} ->
            filename:join(filename:dirname(filename:dirname(code:which(?MODULE))), "priv");
        Dir ->
            Dir
    end.

%% Unique among drivers of this VM, and unlikely to collide with another
%% VM's drivers using the same directory.
fifo_id() ->
    (list_to_integer(os:getpid()) bsl 32) bor
        (erlang:unique_integer([positive]) band 16#ffffffff).

executable(Name) ->
    case {filename:pathtype(Name), lists:member($/, Name)} of
        {relative, false} ->
            case os:find_executable(Name) of
                false -> Name;
                Path -> Path
            end;
        _ ->
            filename:absname(Name)
    end.
