//! User and group identity.

use crate::event_loop::Process;
use crate::proto::args;
use super::ok_or_errno;
use crate::proto::{CallResult, Fail, Out, Term};

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

/// A group list: `[]`, a charlist (STRING_EXT) or a proper list of uints.
pub fn gid_list(t: &Term) -> args::Arg<Vec<libc::gid_t>> {
    match t {
        Term::Nil => Ok(Vec::new()),
        Term::String(s) => Ok(s.iter().map(|&b| b as libc::gid_t).collect()),
        Term::List(elems, tail) if matches!(**tail, Term::Nil) => elems.iter().map(args::uint).collect(),
        _ => Err(Fail::Badarg),
    }
}

/// setgroups(2)
pub fn setgroups(_p: &mut Process, a: &[Term]) -> CallResult {
    let groups = gid_list(&a[0])?;
    ok_or_errno(unsafe { libc::setgroups(groups.len(), groups.as_ptr()) })
}

/// getgroups(2): `{ok, [Gid]}` in the kernel's order (§11).
pub fn getgroups(_p: &mut Process, _a: &[Term]) -> CallResult {
    let n = nix::errno::Errno::result(unsafe { libc::getgroups(0, std::ptr::null_mut()) })?;
    let mut groups: Vec<libc::gid_t> = vec![0; n as usize];
    let n = nix::errno::Errno::result(unsafe { libc::getgroups(n, groups.as_mut_ptr()) })?;
    groups.truncate(n as usize);
    Ok(Out::ok_with(Out::List(groups.into_iter().map(Out::int).collect())))
}

/// setresuid(2)
pub fn setresuid(_p: &mut Process, a: &[Term]) -> CallResult {
    let (r, e, s) = (args::uint(&a[0])?, args::uint(&a[1])?, args::uint(&a[2])?);
    ok_or_errno(unsafe { libc::setresuid(r, e, s) })
}

/// setresgid(2)
pub fn setresgid(_p: &mut Process, a: &[Term]) -> CallResult {
    let (r, e, s) = (args::uint(&a[0])?, args::uint(&a[1])?, args::uint(&a[2])?);
    ok_or_errno(unsafe { libc::setresgid(r, e, s) })
}

/// `{ok, Real, Effective, Saved}`
fn res(ids: [u32; 3]) -> Out {
    Out::tuple([Out::Atom("ok"), Out::int(ids[0]), Out::int(ids[1]), Out::int(ids[2])])
}

/// getresuid(2)
pub fn getresuid(_p: &mut Process, _a: &[Term]) -> CallResult {
    let mut ids = [0; 3];
    let [r, e, s] = &mut ids;
    nix::errno::Errno::result(unsafe { libc::getresuid(r, e, s) })?;
    Ok(res(ids))
}

/// getresgid(2)
pub fn getresgid(_p: &mut Process, _a: &[Term]) -> CallResult {
    let mut ids = [0; 3];
    let [r, e, s] = &mut ids;
    nix::errno::Errno::result(unsafe { libc::getresgid(r, e, s) })?;
    Ok(res(ids))
}
