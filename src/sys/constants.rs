//! The `*_constant` calls: one implementation over the tables of
//! `crate::constants` (PROTOCOL.md §5).

use crate::constants::{self, Table};
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};

/// A name's value re-encoded as unsigned 64-bit, or `unknown` (§5.1).
fn lookup(table: &Table, a: &[Term]) -> CallResult {
    let name = args::atom(&a[0])?;
    Ok(table.lookup(name).map_or(Out::Atom("unknown"), |v| Out::int(v as u64)))
}

macro_rules! constant_calls {
    ($($call:ident => $table:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($call), "`: look a name up in the ", stringify!($table), " table.")]
        pub fn $call(_p: &mut Process, a: &[Term]) -> CallResult {
            lookup(&constants::$table, a)
        }
    )*};
}

constant_calls! {
    clone_constant => CLONE,
    fcntl_constant => FCNTL,
    file_constant => FILE,
    ioctl_constant => IOCTL,
    mount_constant => MOUNT,
    prctl_constant => PRCTL,
    ptrace_constant => PTRACE,
    rlimit_constant => RLIMIT,
    seccomp_constant => SECCOMP,
    signal_constant => SIGNAL,
    syscall_constant => SYSCALL,
}
