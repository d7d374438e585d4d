//! Readiness of the event loop's descriptors, with epoll(7).
//!
//! epoll rather than poll(2): a wake-up costs work in proportion to the
//! descriptors that are ready, not to the number of children, and epoll_wait
//! has no limit tied to RLIMIT_NOFILE (poll refuses to watch more fds than
//! the limit, and a sandboxed process may well set it to 0).
//!
//! Each control process has its own epoll instance. A [`Watched`] descriptor
//! leaves it when dropped: a forked child briefly holds copies of its
//! parent's descriptors, so closing our copy alone would not.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// This process's epoll instance, for [`Watched`]'s drop.
static EPOLL: AtomicI32 = AtomicI32::new(-1);

pub const IN: u32 = libc::EPOLLIN as u32;
pub const OUT: u32 = libc::EPOLLOUT as u32;

pub struct Poller {
    fd: OwnedFd,
}

fn ctl(op: libc::c_int, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
    let mut ev = libc::epoll_event { events, u64: token };
    let rc = unsafe { libc::epoll_ctl(EPOLL.load(Ordering::Relaxed), op, fd, &mut ev) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Poller {
    /// A new epoll instance, which becomes this process's.
    pub fn new() -> io::Result<Poller> {
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        EPOLL.store(fd, Ordering::Relaxed);
        Ok(Poller { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Watch a descriptor we do not own (stdin, the signal pipe) for input.
    pub fn add(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        ctl(libc::EPOLL_CTL_ADD, fd.as_raw_fd(), IN, token)
    }

    /// Wait for readiness; fills `events`, returns how many are set.
    pub fn wait(&self, events: &mut [libc::epoll_event]) -> io::Result<usize> {
        let n = unsafe { libc::epoll_wait(self.fd.as_raw_fd(), events.as_mut_ptr(), events.len() as i32, -1) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }
}

/// A descriptor of a child's channel, watched for the events it wants.
pub struct Watched {
    fd: OwnedFd,
    token: u64,
    /// The events registered; 0 when not registered.
    events: u32,
}

impl Watched {
    pub fn new(fd: OwnedFd, token: u64) -> Watched {
        Watched { fd, token, events: 0 }
    }

    /// Watch for `events` from now on (0: not at all).
    pub fn want(&mut self, events: u32) {
        if events == self.events {
            return;
        }
        let fd = self.fd.as_raw_fd();
        let r = match (self.events, events) {
            (0, _) => ctl(libc::EPOLL_CTL_ADD, fd, events, self.token),
            (_, 0) => ctl(libc::EPOLL_CTL_DEL, fd, 0, 0),
            _ => ctl(libc::EPOLL_CTL_MOD, fd, events, self.token),
        };
        if r.is_ok() {
            self.events = events;
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if self.events != 0 {
            let _ = ctl(libc::EPOLL_CTL_DEL, self.fd.as_raw_fd(), 0, 0);
        }
    }
}

impl AsFd for Watched {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Watched {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
