//! Namespaces and the host name: unshare(2), setns(2), sethostname(2),
//! gethostname(2).

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use super::ok_or_errno;
use crate::proto::{CallResult, Out, Term};

/// unshare(2)
pub fn unshare(p: &mut Process, a: &[Term]) -> CallResult {
    let flags = args::flags(&a[0], &constants::CLONE)?;
    let r = ok_or_errno(unsafe { libc::unshare(flags) });
    if r.is_ok() && flags & libc::CLONE_NEWPID != 0 {
        pid_namespace_changed(p);
    }
    r
}

/// setns(2)
pub fn setns(p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let nstype = args::constant(&a[1], &constants::CLONE)?;
    let r = ok_or_errno(unsafe { libc::setns(fd, nstype) });
    // (nstype 0 takes whatever namespace fd is)
    if r.is_ok() && (nstype == 0 || nstype & libc::CLONE_NEWPID != 0) {
        pid_namespace_changed(p);
    }
    r
}

/// Children forked from now on go into another pid namespace: they relay
/// their frames through us (see `uplink`).
fn pid_namespace_changed(p: &mut Process) {
    if let Some(u) = p.uplink.as_mut() {
        u.children_elsewhere();
    }
}

/// sethostname(2): at most 63 bytes.
pub fn sethostname(_p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::iodata(&a[0], 63)?;
    if name.is_empty() {
        return Err(crate::proto::Fail::Badarg);
    }
    ok_or_errno(unsafe { libc::sethostname(name.as_ptr().cast(), name.len()) })
}

/// gethostname(2); a 63-byte name works (§11).
pub fn gethostname(_p: &mut Process, _a: &[Term]) -> CallResult {
    let mut buf = [0u8; 65];
    nix::errno::Errno::result(unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) })?;
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Ok(Out::ok_with(Out::Bin(buf[..len].to_vec())))
}
