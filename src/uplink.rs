//! The way up to Erlang, shared by every control process (PROTOCOL.md §11).
//!
//! The root's stdout is a pipe that the Erlang VM reads. Every control
//! process below it keeps a copy of that pipe and writes its frames there
//! itself, each wrapped in the PROXY headers of its path, exactly as the
//! chain of parents would have wrapped and relayed them. Erlang receives
//! the same bytes; a reply from depth N no longer wakes N processes on its
//! way up.
//!
//! Frames from many processes share one pipe, so a frame must reach it
//! whole, never cut by another's:
//! - A write of at most `PIPE_BUF` bytes to a pipe is atomic: the kernel
//!   puts all of it in, with nothing in between, or none of it. A child
//!   writes only such writes, made of whole frames, so even a child killed
//!   at any moment leaves the stream at a frame boundary.
//! - The root writes frames of any size, with the lock below held, so that
//!   nothing gets in between the parts of a long write.
//! - A child's frame longer than `PIPE_BUF` (a long reply, a chunk of a
//!   program's output) is handed to the root, which writes it on the
//!   child's behalf: the child copies it (with the frames that follow, up to
//!   a read's worth of output) into shared memory, wakes the root, and
//!   waits, holding the lock, until the root has written it. What the child
//!   sends next therefore follows it.
//!
//! The lock is a robust futex (see the kernel's robust-futex-ABI): if its
//! holder dies, the kernel frees it and wakes a waiter. A frame handed over
//! but not yet written when its sender died is still written by the root.
//!
//! Before the root execs, it closes the gate: a descendant still running
//! afterwards writes nothing into the program's output.
//!
//! When the root's stdout is not a pipe (no atomic writes), there is no
//! uplink, and every process relays its children's frames (§1.7).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Largest write the kernel makes atomic on a pipe.
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// Room for frames handed over at once: as many as one read of a
/// program's output makes (`STREAM_FRAMES`), of the longest size.
const HANDOVER_ROOM: usize = crate::proto::frame::STREAM_FRAMES * (crate::proto::frame::MAX_LEN + 2);

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_TID_MASK: u32 = 0x3FFF_FFFF;

/// Handover states.
const IDLE: u32 = 0;
const PENDING: u32 = 1;
const DONE: u32 = 2;

/// The shared page(s), mapped before the first fork.
#[repr(C)]
struct Shared {
    /// The lock's node in its holder's robust list.
    node: AtomicUsize,
    /// The lock: 0 free, else the holder's tid, with the kernel's
    /// FUTEX_WAITERS and FUTEX_OWNER_DIED bits.
    lock: AtomicU32,
    /// 1 once the root is about to exec.
    gate_closed: AtomicU32,
    /// A frame handed to the root: IDLE, PENDING, DONE.
    handover: AtomicU32,
    handover_len: AtomicU32,
    frames: [u8; HANDOVER_ROOM],
}

/// struct robust_list_head of <linux/futex.h>.
#[repr(C)]
struct RobustListHead {
    list: AtomicUsize,
    futex_offset: libc::c_long,
    list_op_pending: AtomicUsize,
}

/// This process's robust list (each process has its own copy after fork):
/// it holds the lock's node while this process holds the lock.
static mut HEAD: RobustListHead =
    RobustListHead { list: AtomicUsize::new(0), futex_offset: 0, list_op_pending: AtomicUsize::new(0) };

fn head() -> &'static RobustListHead {
    unsafe { &*std::ptr::addr_of!(HEAD) }
}

/// Tell the kernel where this process's robust list is. A forked child
/// starts without one, so each control process calls this once.
fn register_robust_list() {
    let h = head();
    let me = h as *const RobustListHead as usize;
    h.list.store(me, Ordering::Relaxed);
    h.list_op_pending.store(0, Ordering::Relaxed);
    unsafe {
        (*std::ptr::addr_of_mut!(HEAD)).futex_offset =
            std::mem::offset_of!(Shared, lock) as libc::c_long - std::mem::offset_of!(Shared, node) as libc::c_long;
        libc::syscall(libc::SYS_set_robust_list, me, std::mem::size_of::<RobustListHead>());
    }
}

/// Sleep while `word` holds `expected` (for at most `timeout`, if given).
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<libc::timespec>) {
    let t = timeout.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, t);
    }
}

/// How long the root sleeps on the lock before it looks again for a frame
/// handed over (the child's wake-up may come between its look and its sleep).
const ROOT_NAP: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 2_000_000 };

/// How often a child waiting for the root to write its frame looks whether
/// the root is still there.
const HANDOVER_STEP: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 50_000_000 };

fn futex_wake(word: &AtomicU32, n: i32) {
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n);
    }
}

fn gettid() -> u32 {
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// One control process's end of the uplink.
pub struct Uplink {
    /// The pipe to Erlang (a copy of the root's stdout).
    fd: OwnedFd,
    /// An eventfd the root watches: a frame has been handed over.
    kick: OwnedFd,
    /// A pidfd of the root: readable once the root is gone, so that a child
    /// waiting for it to write a frame stops waiting.
    root_pidfd: OwnedFd,
    shared: &'static Shared,
    /// Our path: the pids that wrap our frames, outermost first.
    path: Vec<u32>,
    root: bool,
    /// Our thread id, as the lock records its holder.
    tid: u32,
    /// The frames of one write, wrapped.
    scratch: Vec<u8>,
}

impl Uplink {
    /// In the root: an uplink over our stdout, if it is a pipe.
    pub fn open() -> Option<Uplink> {
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(1, &mut st) } < 0 || st.st_mode & libc::S_IFMT != libc::S_IFIFO {
            return None;
        }
        let dup = |fd: RawFd| {
            let n = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
            (n >= 0).then(|| unsafe { OwnedFd::from_raw_fd(n) })
        };
        let fd = dup(1)?;
        let kick = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if kick < 0 {
            return None;
        }
        let kick = unsafe { OwnedFd::from_raw_fd(kick) };
        // (close-on-exec, as pidfds always are)
        let root_pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) } as RawFd;
        if root_pidfd < 0 {
            return None;
        }
        let root_pidfd = unsafe { OwnedFd::from_raw_fd(root_pidfd) };
        let size = std::mem::size_of::<Shared>();
        let mem = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mem == libc::MAP_FAILED {
            return None;
        }
        // Zeroed by mmap: unlocked, gate open, nothing handed over.
        let shared = unsafe { &*(mem as *const Shared) };
        register_robust_list();
        Some(Uplink { fd, kick, root_pidfd, shared, path: Vec::new(), root: true, tid: gettid(), scratch: Vec::new() })
    }

    /// In a new child: our path is our parent's and the pid our parent
    /// knows us by.
    pub fn enter_child(&mut self, pid: u32) {
        self.path.push(pid);
        self.root = false;
        self.tid = gettid();
        register_robust_list();
    }

    pub fn is_root(&self) -> bool {
        self.root
    }

    /// The eventfd the root watches for handed-over frames.
    pub fn kick_fd(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.kick.as_fd()
    }

    // ---- the lock ----------------------------------------------------------

    /// Take the lock. The root, while it waits, writes any frame a child
    /// has handed over (the child holds the lock for it).
    fn lock(&self) {
        let s = self.shared;
        let h = head();
        let node = &s.node as *const AtomicUsize as usize;
        let tid = self.tid & FUTEX_TID_MASK;
        let mut waited = false;
        h.list_op_pending.store(node, Ordering::SeqCst);
        loop {
            let cur = s.lock.load(Ordering::SeqCst);
            if cur & FUTEX_TID_MASK == 0 {
                let want = tid | if waited { FUTEX_WAITERS } else { cur & FUTEX_WAITERS };
                if s.lock.compare_exchange(cur, want, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    break;
                }
                continue;
            }
            if self.root && s.handover.load(Ordering::SeqCst) == PENDING {
                self.write_handed_over();
                continue;
            }
            if cur & FUTEX_WAITERS == 0
                && s.lock.compare_exchange(cur, cur | FUTEX_WAITERS, Ordering::SeqCst, Ordering::SeqCst).is_err()
            {
                continue;
            }
            futex_wait(&s.lock, cur | FUTEX_WAITERS, self.root.then_some(ROOT_NAP));
            waited = true;
        }
        s.node.store(h as *const RobustListHead as usize, Ordering::SeqCst);
        h.list.store(node, Ordering::SeqCst);
        h.list_op_pending.store(0, Ordering::SeqCst);
        // A holder that died may have left a frame handed over: it goes
        // out before anything of ours.
        match s.handover.load(Ordering::SeqCst) {
            PENDING if self.root => self.write_handed_over(),
            PENDING => self.await_handover(),
            _ => {}
        }
        s.handover.store(IDLE, Ordering::SeqCst);
    }

    fn unlock(&self) {
        let s = self.shared;
        let h = head();
        let node = &s.node as *const AtomicUsize as usize;
        h.list_op_pending.store(node, Ordering::SeqCst);
        h.list.store(h as *const RobustListHead as usize, Ordering::SeqCst);
        let prev = s.lock.swap(0, Ordering::SeqCst);
        if prev & FUTEX_WAITERS != 0 {
            futex_wake(&s.lock, 1);
        }
        h.list_op_pending.store(0, Ordering::SeqCst);
    }

    // ---- handing a long frame to the root ----------------------------------

    /// In the root: write the frame a child handed over, then let it go on.
    pub fn write_handed_over(&self) {
        let s = self.shared;
        let mut n = 0u64;
        unsafe { libc::read(self.kick.as_raw_fd(), (&mut n as *mut u64).cast(), 8) };
        if s.handover.load(Ordering::SeqCst) != PENDING {
            return;
        }
        let len = (s.handover_len.load(Ordering::SeqCst) as usize).min(HANDOVER_ROOM);
        // A lost Erlang ends the root soon enough; the child must go on.
        let _ = crate::sys::fd::write_all(self.fd_ref(), &s.frames[..len]);
        s.handover.store(DONE, Ordering::SeqCst);
        futex_wake(&s.handover, i32::MAX);
    }

    /// In the root, each time round the loop: a frame handed over by a
    /// child that died before it could wake us goes out now.
    pub fn tend(&self) {
        if self.shared.handover.load(Ordering::SeqCst) == PENDING {
            self.write_handed_over();
        }
    }

    /// Wake the root and wait until it has written the frame handed over
    /// (or is gone). Whoever takes the lock meanwhile waits too: while a
    /// frame is handed over, only the root writes.
    fn await_handover(&self) {
        let s = self.shared;
        let one = 1u64;
        unsafe { libc::write(self.kick.as_raw_fd(), (&one as *const u64).cast(), 8) };
        // A root waiting for the lock must look at the handover.
        futex_wake(&s.lock, i32::MAX);
        while s.handover.load(Ordering::SeqCst) == PENDING && !self.root_gone() {
            futex_wait(&s.handover, PENDING, Some(HANDOVER_STEP));
        }
    }

    fn root_gone(&self) -> bool {
        let mut p = libc::pollfd { fd: self.root_pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        unsafe { libc::poll(&mut p, 1, 0) > 0 }
    }

    /// Hand wrapped frames to the root (lock held).
    fn hand_over(&self, frames: &[u8]) {
        let s = self.shared;
        // Only the lock holder writes here.
        let dst = s.frames.as_ptr() as *mut u8;
        let len = frames.len().min(HANDOVER_ROOM);
        unsafe { std::ptr::copy_nonoverlapping(frames.as_ptr(), dst, len) };
        s.handover_len.store(len as u32, Ordering::SeqCst);
        s.handover.store(PENDING, Ordering::SeqCst);
        self.await_handover();
        s.handover.store(IDLE, Ordering::SeqCst);
    }

    fn fd_ref(&self) -> BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.fd.as_fd()
    }

    // ---- writing -------------------------------------------------------------

    /// Send whole frames (as an Outbox holds them), wrapped in our path.
    /// Blocks until all is in the pipe. Fails only if Erlang is gone.
    pub fn send(&mut self, frames: &[u8]) -> io::Result<()> {
        self.lock();
        let r = if self.shared.gate_closed.load(Ordering::SeqCst) != 0 {
            Ok(()) // the root has exec'd: this output has nowhere to go
        } else if self.root {
            crate::sys::fd::write_all(self.fd_ref(), frames)
        } else {
            self.send_wrapped(frames)
        };
        self.unlock();
        r
    }

    /// (lock held) Frames wrapped in our path, in batches: atomic writes of
    /// at most PIPE_BUF bytes, or, from a frame longer than that on, what
    /// the root writes for us.
    fn send_wrapped(&mut self, mut frames: &[u8]) -> io::Result<()> {
        let mut batch = std::mem::take(&mut self.scratch);
        batch.clear();
        let mut handed = false;
        let mut r = Ok(());
        while frames.len() >= 2 && r.is_ok() {
            let len = (2 + u16::from_be_bytes([frames[0], frames[1]]) as usize).min(frames.len());
            let (frame, rest) = frames.split_at(len);
            frames = rest;
            let wrapped = len + 8 * self.path.len();
            let room = if handed { HANDOVER_ROOM } else { PIPE_BUF };
            if !batch.is_empty() && batch.len() + wrapped > room {
                r = self.send_batch(&batch, handed);
                batch.clear();
            }
            if batch.is_empty() {
                handed = wrapped > PIPE_BUF;
            }
            wrap(&mut batch, &self.path, frame);
        }
        if !batch.is_empty() && r.is_ok() {
            r = self.send_batch(&batch, handed);
        }
        batch.clear();
        if batch.capacity() > 4 * PIPE_BUF {
            batch.shrink_to(PIPE_BUF);
        }
        self.scratch = batch;
        r
    }

    fn send_batch(&self, batch: &[u8], handed: bool) -> io::Result<()> {
        if handed {
            self.hand_over(batch);
            Ok(())
        } else {
            crate::sys::fd::write_all(self.fd_ref(), batch)
        }
    }

    // ---- exec of the root ----------------------------------------------------

    /// The root is about to exec: from now on the pipe is the program's.
    /// The lock stays held; the kernel frees it at the exec.
    pub fn close_gate(&self) {
        self.lock();
        self.shared.gate_closed.store(1, Ordering::SeqCst);
    }

    /// The exec failed: frames go on.
    pub fn reopen_gate(&self) {
        self.shared.gate_closed.store(0, Ordering::SeqCst);
        self.unlock();
    }
}

/// Append `frame` wrapped in one PROXY header per pid of `path`.
fn wrap(out: &mut Vec<u8>, path: &[u32], frame: &[u8]) {
    let mut inner = frame.len() + 8 * path.len();
    for &pid in path {
        inner -= 8;
        out.extend_from_slice(&((6 + inner) as u16).to_be_bytes());
        out.extend_from_slice(&3u16.to_be_bytes());
        out.extend_from_slice(&pid.to_be_bytes());
    }
    out.extend_from_slice(frame);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_matches_relay() {
        // The PROTOCOL.md §2.4 example: exit_status 3 of 1001 below 1000.
        let inner = [0x00, 0x14, 0x00, 0x05, 0x83, 0x68, 0x02, 0x77, 0x0B, b'e', b'x', b'i', b't', b'_', b's', b't',
                     b'a', b't', b'u', b's', 0x61, 0x03];
        let mut out = Vec::new();
        wrap(&mut out, &[1000, 1001], &inner);
        let mut want = vec![0x00, 0x24, 0x00, 0x03, 0x00, 0x00, 0x03, 0xE8, 0x00, 0x1C, 0x00, 0x03, 0x00, 0x00, 0x03, 0xE9];
        want.extend_from_slice(&inner);
        assert_eq!(out, want);
    }
}
