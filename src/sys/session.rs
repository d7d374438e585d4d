//! Process groups, sessions and scheduling priority.

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};
use nix::errno::Errno;

/// getpgrp(2): a bare integer.
pub fn getpgrp(_p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::int(unsafe { libc::getpgrp() }))
}

/// setpgid(2)
pub fn setpgid(_p: &mut Process, a: &[Term]) -> CallResult {
    let pid = args::int(&a[0])?;
    let pgid = args::int(&a[1])?;
    Errno::result(unsafe { libc::setpgid(pid, pgid) })?;
    Ok(Out::ok())
}

/// getsid(2)
pub fn getsid(_p: &mut Process, a: &[Term]) -> CallResult {
    let pid = args::int(&a[0])?;
    let sid = Errno::result(unsafe { libc::getsid(pid) })?;
    Ok(Out::ok_with(Out::int(sid)))
}

/// setsid(2): the new session's id.
pub fn setsid(_p: &mut Process, _a: &[Term]) -> CallResult {
    let sid = Errno::result(unsafe { libc::setsid() })?;
    Ok(Out::ok_with(Out::int(sid)))
}

/// getpriority(2). -1 is a valid priority, so errno tells failure apart.
pub fn getpriority(_p: &mut Process, a: &[Term]) -> CallResult {
    let which = args::constant(&a[0], &constants::PRIO)?;
    let who = args::constant(&a[1], &constants::PRIO)?;
    Errno::clear();
    let prio = unsafe { libc::getpriority(which as _, who as libc::id_t) };
    if prio == -1 && Errno::last_raw() != 0 {
        return Err(Errno::last().into());
    }
    Ok(Out::ok_with(Out::int(prio)))
}

/// setpriority(2)
pub fn setpriority(_p: &mut Process, a: &[Term]) -> CallResult {
    let which = args::constant(&a[0], &constants::PRIO)?;
    let who = args::constant(&a[1], &constants::PRIO)?;
    let prio = args::int(&a[2])?;
    Errno::result(unsafe { libc::setpriority(which as _, who as libc::id_t, prio) })?;
    Ok(Out::ok())
}
