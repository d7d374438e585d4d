//! Caught signals (PROTOCOL.md §3.2, §6.3).
//!
//! The handler only records: it writes the 128-byte `siginfo_t` into a
//! non-blocking self-pipe that the event loop polls. Every control process
//! has its own pipe (a forked child makes a new one), and both ends are
//! close-on-exec, so no exec'd program sees them.

use nix::sys::signal::{self, SigSet, SigmaskHow};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

/// Size of one record in the self-pipe.
pub const SIGINFO_SIZE: usize = 128;

/// Write end of the current process's self-pipe, for the handler.
static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn record(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let saved = nix::errno::Errno::last_raw();
    let fd = PIPE_WRITE.load(Ordering::Relaxed);
    if fd >= 0 {
        unsafe { libc::write(fd, info as *const libc::c_void, SIGINFO_SIZE) };
    }
    nix::errno::Errno::set_raw(saved);
}

/// The read end of this process's self-pipe; dropping it closes both ends.
pub struct SelfPipe {
    pub read: OwnedFd,
    _write: OwnedFd,
}

impl SelfPipe {
    /// Create a pipe and make the handler write to it.
    pub fn new() -> nix::Result<SelfPipe> {
        use nix::fcntl::OFlag;
        let (read, write) = nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
        PIPE_WRITE.store(write.as_raw_fd(), Ordering::Relaxed);
        Ok(SelfPipe { read, _write: write })
    }
}

/// Signals the kernel lets us catch: all but SIGKILL, SIGSTOP and the two
/// real-time signals glibc reserves.
fn catchable() -> impl Iterator<Item = libc::c_int> {
    (1..=64).filter(|&s| !matches!(s, libc::SIGKILL | libc::SIGSTOP | 32 | 33))
}

/// Install the recording handler for `sig` (SA_SIGINFO, full mask, no
/// SA_RESTART, so a blocking call made for a request fails with EINTR).
pub fn catch(sig: libc::c_int) -> nix::Result<()> {
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = record as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigfillset(&mut sa.sa_mask);
        nix::errno::Errno::result(libc::sigaction(sig, &sa, std::ptr::null_mut())).map(drop)
    }
}

/// Boot: catch every catchable signal.
pub fn catch_all() {
    for sig in catchable() {
        let _ = catch(sig);
    }
}

/// A handler as the protocol names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Default,
    Ignore,
    Info,
}

impl Disposition {
    pub fn atom(self) -> &'static str {
        match self {
            Disposition::Default => "sig_dfl",
            Disposition::Ignore => "sig_ign",
            Disposition::Info => "sig_info",
        }
    }
}

/// sigaction(2): install `new` (if any) for `sig`, returning the old handler.
pub fn sigaction(sig: libc::c_int, new: Option<Disposition>) -> nix::Result<Disposition> {
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        match new {
            None => nix::errno::Errno::result(libc::sigaction(sig, std::ptr::null(), &mut old))?,
            Some(Disposition::Info) => {
                let mut cur: libc::sigaction = std::mem::zeroed();
                nix::errno::Errno::result(libc::sigaction(sig, std::ptr::null(), &mut cur))?;
                catch(sig)?;
                old = cur;
                0
            }
            Some(d) => {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = if d == Disposition::Ignore { libc::SIG_IGN } else { libc::SIG_DFL };
                libc::sigfillset(&mut sa.sa_mask);
                nix::errno::Errno::result(libc::sigaction(sig, &sa, &mut old))?
            }
        };
        Ok(match old.sa_sigaction {
            libc::SIG_DFL => Disposition::Default,
            libc::SIG_IGN => Disposition::Ignore,
            _ => Disposition::Info,
        })
    }
}

/// Block every signal; the returned mask restores the previous one.
pub fn block_all() -> SigSet {
    let mut old = SigSet::empty();
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::all()), Some(&mut old));
    old
}

pub fn restore(mask: SigSet) {
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&mask), None);
}
