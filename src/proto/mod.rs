//! The wire protocol: frames, terms, argument decoding and call results.

pub mod args;
pub mod etf;
pub mod frame;

pub use etf::{Out, Term};

/// Why a call did not produce its success term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fail {
    /// Malformed request or argument: the bare atom `badarg`.
    Badarg,
    /// Filtered call, or a call of another operating system: `undef`.
    Undef,
    /// A system error: `{error, Posix}`.
    Errno(i32),
}

impl From<nix::errno::Errno> for Fail {
    fn from(e: nix::errno::Errno) -> Self {
        Fail::Errno(e as i32)
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Self {
        Fail::Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// What a call handler returns: the success term, or why not.
pub type CallResult = Result<Out, Fail>;

/// The reply term for a call result.
pub fn reply_term(r: CallResult) -> Out {
    match r {
        Ok(t) => t,
        Err(Fail::Badarg) => Out::Atom("badarg"),
        Err(Fail::Undef) => Out::Atom("undef"),
        Err(Fail::Errno(e)) => error(e),
    }
}

/// `{error, Posix}`
pub fn error(errno: i32) -> Out {
    Out::tuple([Out::Atom("error"), Out::Atom(crate::errno::atom(errno))])
}
