//! Files and directories.

use crate::event_loop::Process;
use crate::proto::args;
use super::ok_or_errno;
use crate::proto::{CallResult, Fail, Out, Term};
use nix::dir::Dir;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;

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

/// chmod(2)
pub fn chmod(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let mode = args::uint(&a[1])?;
    ok_or_errno(unsafe { libc::chmod(path.as_ptr(), mode) })
}

/// chown(2)
pub fn chown(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let (uid, gid) = (args::uint(&a[1])?, args::uint(&a[2])?);
    ok_or_errno(unsafe { libc::chown(path.as_ptr(), uid, gid) })
}

/// link(2)
pub fn link(_p: &mut Process, a: &[Term]) -> CallResult {
    let (old, new) = (args::path(&a[0])?, args::path(&a[1])?);
    ok_or_errno(unsafe { libc::link(old.as_ptr(), new.as_ptr()) })
}

/// symlink(2)
pub fn symlink(_p: &mut Process, a: &[Term]) -> CallResult {
    let (target, linkpath) = (args::path(&a[0])?, args::path(&a[1])?);
    ok_or_errno(unsafe { libc::symlink(target.as_ptr(), linkpath.as_ptr()) })
}

/// mkdir(2)
pub fn mkdir(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let mode = args::uint(&a[1])?;
    ok_or_errno(unsafe { libc::mkdir(path.as_ptr(), mode) })
}

/// rmdir(2)
pub fn rmdir(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    ok_or_errno(unsafe { libc::rmdir(path.as_ptr()) })
}

/// mkfifo(3)
pub fn mkfifo(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let mode = args::uint(&a[1])?;
    ok_or_errno(unsafe { libc::mkfifo(path.as_ptr(), mode) })
}

/// readdir(3): `{ok, [Name]}` in directory order, `.` and `..` included.
/// A listing too large for this depth's frame answers `{error, e2big}`
/// (§11); the reply path makes the exact check, the running total here only
/// stops a huge directory from being collected for nothing.
pub fn readdir(p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let mut dir = Dir::open(path.as_c_str(), flags, Mode::empty())?;
    let mut names = Vec::new();
    let mut size = 0;
    for entry in dir.iter() {
        let name = entry?.file_name().to_bytes().to_vec();
        // Each name costs a BINARY_EXT header (5 bytes) and its bytes.
        size += 5 + name.len();
        if size > p.out.limit {
            return Err(Fail::Errno(libc::E2BIG));
        }
        names.push(Out::Bin(name));
    }
    Ok(Out::ok_with(Out::List(names)))
}
