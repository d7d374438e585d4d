//! The alcove port: a small event loop that Erlang drives over a pipe to
//! fork, confine and exec Unix processes (see PROTOCOL.md). The binary
//! (`src/main.rs`) boots it; the library form exists for tests and fuzzing.

pub mod calls;
pub mod children;
pub mod constants;
pub mod errno;
pub mod event_loop;
pub mod options;
pub mod poller;
pub mod proto;
pub mod signals;
pub mod spawn;
pub mod sys;
pub mod uplink;

/// The protocol version this port speaks (the `version` call).
pub const VERSION: &str = "1.0.1";
