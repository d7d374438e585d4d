//! User and group identity.

use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};

fn ok_or_errno(rc: libc::c_int) -> CallResult {
    nix::errno::Errno::result(rc)?;
    Ok(Out::ok())
}

/// getuid(2)
pub fn getuid(_p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::int(unsafe { libc::getuid() }))
}

/// getgid(2)
pub fn getgid(_p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::int(unsafe { libc::getgid() }))
}

/// setuid(2)
pub fn setuid(_p: &mut Process, a: &[Term]) -> CallResult {
    let uid = args::uint(&a[0])?;
    ok_or_errno(unsafe { libc::setuid(uid) })
}

/// setgid(2)
pub fn setgid(_p: &mut Process, a: &[Term]) -> CallResult {
    let gid = args::uint(&a[0])?;
    ok_or_errno(unsafe { libc::setgid(gid) })
}

pending! {
    setgroups, getgroups, setresuid, getresuid, setresgid, getresgid,
}
