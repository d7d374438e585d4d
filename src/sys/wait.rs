//! waitpid(2) for callers that reap their children themselves (PROTOCOL.md §4.6).

pending! {
    waitpid,
}
