//! The calls, one module per family. Each handler decodes its arguments,
//! makes the system call and builds the reply; the call table (generated
//! from calls.txt) names them as `crate::sys::<call>`.

use crate::proto::{CallResult, Out};

/// `ok`, or `{error, Posix}` when a system call returned its error sentinel.
pub(crate) fn ok_or_errno<T: nix::errno::ErrnoSentinel + PartialEq<T>>(rc: T) -> CallResult {
    nix::errno::Errno::result(rc)?;
    Ok(Out::ok())
}

pub mod constants;
pub mod cstruct;
pub mod env;
pub mod fd;
pub mod fs;
pub mod ids;
pub mod kernel;
pub mod limits;
pub mod mount;
pub mod net;
pub mod ns;
pub mod other_os;
pub mod port;
pub mod process;
pub mod session;
pub mod title;
pub mod wait;
pub mod signal;

pub use self::constants::*;
pub use self::env::*;
pub use self::fd::{close, fcntl, lseek, open, read, select, write};
pub use self::fs::*;
pub use self::ids::*;
pub use self::kernel::*;
pub use self::limits::*;
pub use self::mount::*;
pub use self::net::*;
pub use self::ns::*;
pub use self::other_os::*;
pub use self::port::*;
pub use self::process::*;
pub use self::session::*;
pub use self::title::*;
pub use self::wait::*;
pub use self::signal::*;
