//! The calls, one module per family. Each handler decodes its arguments,
//! makes the system call and builds the reply; the call table (generated
//! from calls.txt) names them as `crate::sys::<call>`.

pub mod constants;
pub mod env;
pub mod fd;
pub mod fs;
pub mod ids;
pub mod limits;
pub mod ns;
pub mod other_os;
pub mod pending;
pub mod port;
pub mod process;
pub mod signal;

pub use self::constants::*;
pub use self::env::*;
pub use self::fd::close;
pub use self::fs::*;
pub use self::ids::*;
pub use self::limits::*;
pub use self::ns::*;
pub use self::other_os::*;
pub use self::pending::*;
pub use self::port::*;
pub use self::process::*;
pub use self::signal::*;
