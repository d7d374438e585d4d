//! File descriptors: close(2), and the write helpers the loop uses.

use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};
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

pending! {
    open, read, write, lseek, fcntl, select,
}
