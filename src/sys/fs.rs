//! Files and directories.

use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};

fn ok_or_errno(rc: libc::c_int) -> CallResult {
    nix::errno::Errno::result(rc)?;
    Ok(Out::ok())
}

/// chdir(2)
pub fn chdir(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    ok_or_errno(unsafe { libc::chdir(path.as_ptr()) })
}

/// getcwd(3)
pub fn getcwd(_p: &mut Process, _a: &[Term]) -> CallResult {
    let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
    let r = unsafe { libc::getcwd(buf.as_mut_ptr().cast(), buf.len()) };
    if r.is_null() {
        return Err(nix::errno::Errno::last().into());
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf.truncate(len);
    Ok(Out::ok_with(Out::Bin(buf)))
}

/// chroot(2)
pub fn chroot(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    ok_or_errno(unsafe { libc::chroot(path.as_ptr()) })
}

/// unlink(2)
pub fn unlink(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    ok_or_errno(unsafe { libc::unlink(path.as_ptr()) })
}

pending! {
    chmod, chown, link, symlink, mkdir, rmdir, mkfifo, readdir,
}
