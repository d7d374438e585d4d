//! Calls of the table whose implementation has not landed yet: they answer
//! `undef`, like a filtered call, until their family module takes them.

use crate::event_loop::Process;
use crate::proto::{CallResult, Fail, Term};

macro_rules! pending_calls {
    ($($call:ident),* $(,)?) => {$(
        pub fn $call(_p: &mut Process, _a: &[Term]) -> CallResult {
            Err(Fail::Undef)
        }
    )*};
}

pending_calls! {
    alloc, chmod, chown, connect, fcntl, getgroups, getpgrp, getpriority, getresgid,
    getresuid, getsid, ioctl, link, lseek, mkdir, mkfifo, mount, open, pivot_root,
    prctl, ptrace, read, readdir, rmdir, seccomp, select, setgroups, setpgid,
    setpriority, setproctitle, setresgid, setresuid, setsid, socket, symlink,
    umount, umount2, waitpid, write,
}
