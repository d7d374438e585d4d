%%% Records shared by the alcove API and the port protocol.
%%% Each record is sent or received as the plain tuple it compiles to
%%% (PROTOCOL.md section 7.1), so its field order is part of the wire format.

%% Resource limit, as taken by setrlimit and returned by getrlimit.
%% Infinity is 18446744073709551615 (RLIM_INFINITY).
-record(alcove_rlimit, {cur, max}).

%% Timeout for select: seconds and microseconds.
-record(alcove_timeval, {sec, usec}).

%% One entry of a process's child table, as returned by cpid: the child's
%% OS pid and the parent-side state (fd numbers are those held by the parent;
%% fdctl is -2 once the child has called exec or exited).
-record(alcove_pid, {
    pid,
    flowcontrol = -1,
    signaloneof = 15,
    fdctl = -1,
    stdin = -1,
    stdout = -1,
    stderr = -1
}).
