//! Sockets: socket(2), connect(2).

use super::cstruct::{Cstruct, SOCKADDR_MAX};
use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};
use nix::errno::Errno;

/// socket(2): `{ok, Fd}`. The descriptor belongs to the caller: it is
/// close-on-exec only if the type asks for it (SOCK_CLOEXEC).
pub fn socket(_p: &mut Process, a: &[Term]) -> CallResult {
    let domain = args::constant(&a[0], &constants::SOCKET)?;
    let kind = args::constant(&a[1], &constants::SOCKET)?;
    let protocol = args::int(&a[2])?;
    let fd = Errno::result(unsafe { libc::socket(domain, kind, protocol) })?;
    Ok(Out::ok_with(Out::int(fd)))
}

/// connect(2): the address is a cstruct of at most 128 bytes, or `[]` for
/// a NULL address of length 0.
pub fn connect(_p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let mut addr = match &a[1] {
        Term::Nil => None,
        t => Some(Cstruct::decode(t, SOCKADDR_MAX)?),
    };
    let (ptr, len) = match addr.as_mut() {
        Some(c) => (c.as_mut_ptr() as *const libc::sockaddr, c.len() as libc::socklen_t),
        None => (std::ptr::null(), 0),
    };
    Errno::result(unsafe { libc::connect(fd, ptr, len) })?;
    Ok(Out::ok())
}
