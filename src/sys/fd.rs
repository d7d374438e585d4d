//! File descriptors: open(2), read(2), write(2), lseek(2), fcntl(2),
//! select(2), close(2), and the write helpers the loop uses.

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};
use nix::errno::Errno;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// One write(2); the errno on failure.
pub fn write_some(fd: BorrowedFd<'_>, buf: &[u8]) -> Result<usize, i32> {
    let n = unsafe { libc::write(fd.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(nix::errno::Errno::last_raw())
    } else {
        Ok(n as usize)
    }
}

/// Write all of `buf`, waiting for a non-blocking fd to drain if need be.
pub fn write_all(fd: BorrowedFd<'_>, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match write_some(fd, buf) {
            Ok(n) => buf = &buf[n..],
            Err(libc::EINTR) => {}
            Err(libc::EAGAIN) => {
                let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
                unsafe { libc::poll(&mut p, 1, -1) };
            }
            Err(e) => return Err(io::Error::from_raw_os_error(e)),
        }
    }
    Ok(())
}

/// close(2). Closing a fd the child table holds (`alcove:eof/2`) also
/// marks it closed there (§11).
pub fn close(p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    if let Some(owned) = p.children.take_fd(fd) {
        drop(owned);
        return Ok(Out::ok());
    }
    nix::errno::Errno::result(unsafe { libc::close(fd) })?;
    Ok(Out::ok())
}

/// open(2): `{ok, Fd}`. The fd is not close-on-exec unless `o_cloexec` is given.
pub fn open(_p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let flags = args::flags(&a[1], &constants::FILE)?;
    let mode = args::uint(&a[2])?;
    let fd = Errno::result(unsafe { libc::open(path.as_ptr(), flags, mode) })?;
    Ok(Out::ok_with(Out::int(fd)))
}

/// The most data a `{ok, Binary}` reply can carry within `limit` bytes of ETF.
fn read_budget(limit: usize) -> usize {
    let mut empty = Vec::new();
    Out::ok_with(Out::Bin(Vec::new())).encode(&mut empty);
    limit.saturating_sub(empty.len())
}

/// read(2): `{ok, Binary}`, `<<>>` at end of file. The count is clamped so
/// that the reply always fits this depth's frame (§11); the caller reads again
/// for the rest.
pub fn read(p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let count = args::uint64(&a[1])?;
    let n = count.min(read_budget(p.out.limit) as u64) as usize;
    let mut buf = vec![0u8; n];
    let got = Errno::result(unsafe { libc::read(fd, buf.as_mut_ptr().cast(), n) })?;
    buf.truncate(got as usize);
    Ok(Out::ok_with(Out::Bin(buf)))
}

/// write(2): `{ok, BytesWritten}`.
pub fn write(_p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let buf = args::iodata(&a[1], 65535)?;
    let n = Errno::result(unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) })?;
    Ok(Out::ok_with(Out::int(n as i64)))
}

/// lseek(2): `ok`; the new offset is not returned (§4.4).
pub fn lseek(_p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let offset = args::int64(&a[1])?;
    let whence = args::int(&a[2])?;
    Errno::result(unsafe { libc::lseek(fd, offset as libc::off_t, whence) })?;
    Ok(Out::ok())
}

/// fcntl(2) with an integer argument: `{ok, Result}`. The argument is
/// passed sign-extended to a long, the width the kernel reads, so no upper
/// bits are left undefined.
pub fn fcntl(_p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let cmd = args::constant(&a[1], &constants::FCNTL)?;
    let arg = args::int(&a[2])?;
    let rc = Errno::result(unsafe { libc::fcntl(fd, cmd, arg as libc::c_long) })?;
    Ok(Out::ok_with(Out::int(rc)))
}

/// An fd set for select(2) and its highest fd (-1 when empty).
pub struct FdSet {
    set: libc::fd_set,
    max: i32,
}

impl FdSet {
    /// `[]`, a list of fds, or a STRING_EXT (how a list of fds below 256
    /// is encoded). Anything else, FD_SETSIZE (1024) entries or more, or an fd
    /// that is out of range or not open: `{error, ebadf}` (§4.4, §11).
    pub fn decode(t: &Term) -> Result<FdSet, Fail> {
        let ebadf = Fail::Errno(libc::EBADF);
        let fds: Vec<i32> = match t {
            Term::Nil => Vec::new(),
            Term::String(s) => s.iter().map(|&b| b as i32).collect(),
            Term::List(elems, tail) if matches!(**tail, Term::Nil) => {
                elems.iter().map(args::int).collect::<Result<_, _>>().map_err(|_| ebadf)?
            }
            _ => return Err(ebadf),
        };
        if fds.len() >= libc::FD_SETSIZE {
            return Err(ebadf);
        }
        let mut set = unsafe { std::mem::zeroed::<libc::fd_set>() };
        unsafe { libc::FD_ZERO(&mut set) };
        let mut max = -1;
        for fd in fds {
            if fd < 0 || fd as usize >= libc::FD_SETSIZE || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
                return Err(ebadf);
            }
            unsafe { libc::FD_SET(fd, &mut set) };
            max = max.max(fd);
        }
        Ok(FdSet { set, max })
    }

    /// The fds below `nfds` still in the set, ascending.
    fn ready(&self, nfds: i32) -> Out {
        Out::List((0..nfds).filter(|&fd| unsafe { libc::FD_ISSET(fd, &self.set) }).map(Out::int).collect())
    }
}

/// A select(2) timeout: `[]` (wait forever) or `{alcove_timeval, Sec, Usec}`.
pub fn timeout(t: &Term) -> Result<Option<libc::timeval>, Fail> {
    match t {
        Term::Nil => Ok(None),
        Term::Tuple(t) if t.len() == 3 && t[0] == Term::Atom(b"alcove_timeval".to_vec()) => Ok(Some(libc::timeval {
            tv_sec: args::int64(&t[1])? as libc::time_t,
            tv_usec: args::int64(&t[2])? as libc::suseconds_t,
        })),
        _ => Err(Fail::Badarg),
    }
}

/// select(2): `{ok, ReadyRead, ReadyWrite, ReadyExcept}`. With a `[]`
/// timeout it blocks the whole control process until an fd is ready or a
/// signal arrives (`{error, eintr}`, §11).
pub fn select(_p: &mut Process, a: &[Term]) -> CallResult {
    let mut r = FdSet::decode(&a[0])?;
    let mut w = FdSet::decode(&a[1])?;
    let mut e = FdSet::decode(&a[2])?;
    let mut tv = timeout(&a[3])?;
    let nfds = r.max.max(w.max).max(e.max) + 1;
    let tvp = tv.as_mut().map_or(std::ptr::null_mut(), |t| t as *mut libc::timeval);
    Errno::result(unsafe { libc::select(nfds, &mut r.set, &mut w.set, &mut e.set, tvp) })?;
    Ok(Out::tuple([Out::Atom("ok"), r.ready(nfds), w.ready(nfds), e.ready(nfds)]))
}
