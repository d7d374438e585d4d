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
//! - A child's frame longer than that (a long reply, a chunk of a program's
//!   output) goes into a ring in shared memory, and the root writes it out.
//!   Until the root has, the child's later frames go into the ring behind
//!   it, so that its frames reach Erlang in the order it made them.
//! - The root writes frames of any size, its own and the ring's, with the
//!   lock below held, so that nothing gets in between the parts of a long
//!   write; a child holds the lock for one atomic write or one copy into
//!   the ring, and never while it waits for the root.
//!
//! The lock is a robust futex (see the kernel's robust-futex ABI): if its
//! holder dies, the kernel frees it and wakes a waiter. The kernel knows a
//! holder by its thread id in its own pid namespace, so only processes in
//! the root's pid namespace take part: a process made in another one
//! (cloned with CLONE_NEWPID, or forked after its parent's unshare or
//! setns of a pid namespace) and everything below it relay their frames
//! through their parent (§1.7), as every process does when the root's
//! stdout is not a pipe.
//!
//! Before the root execs, it closes the gate: a descendant still running
//! afterwards writes nothing into the program's output.

use crate::proto::frame::{Kind, MAX_LEN, STREAM_FRAMES};
use std::cell::UnsafeCell;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Largest write the kernel makes atomic on a pipe.
const PIPE_BUF: usize = libc::PIPE_BUF;

/// Most bytes of frames a child puts in the ring at once: as many as one
/// read of a program's output makes (`STREAM_FRAMES`), of the longest size.
const BATCH: usize = STREAM_FRAMES * (MAX_LEN + 2);

/// The ring's size: a few batches, so that children go on while the root
/// is busy, as pipes between them would let them.
const RING: usize = 1 << 20;

const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_TID_MASK: u32 = 0x3FFF_FFFF;

/// How long anyone sleeps on a futex before looking again: a wake-up may
/// be lost to a waiter killed just after it was woken, and a child waiting
/// for room in the ring looks whether the root is still there.
const NAP: libc::timespec = libc::timespec { tv_sec: 0, tv_nsec: 50_000_000 };

/// The shared memory, mapped by the root before the first fork.
#[repr(C)]
struct Shared {
    /// The lock's node in its holder's robust list.
    node: AtomicUsize,
    /// The lock: 0 free, else the holder's tid, with the kernel's
    /// FUTEX_WAITERS and FUTEX_OWNER_DIED bits.
    lock: AtomicU32,
    /// 1 once the root is about to exec.
    gate_closed: AtomicU32,
    /// Counts the root's write-outs of the ring (children waiting for room
    /// sleep on it).
    drained: AtomicU32,
    /// Bytes ever put in the ring, and bytes of it the root has written out.
    appended: AtomicU64,
    written: AtomicU64,
    ring: UnsafeCell<[u8; RING]>,
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
static HEAD: RobustListHead = RobustListHead {
    list: AtomicUsize::new(0),
    futex_offset: std::mem::offset_of!(Shared, lock) as libc::c_long - std::mem::offset_of!(Shared, node) as libc::c_long,
    list_op_pending: AtomicUsize::new(0),
};

/// Tell the kernel where this process's robust list is. A forked child
/// starts without one, so each control process calls this once.
fn register_robust_list() -> bool {
    let me = &HEAD as *const RobustListHead as usize;
    HEAD.list.store(me, Ordering::SeqCst);
    HEAD.list_op_pending.store(0, Ordering::SeqCst);
    unsafe { libc::syscall(libc::SYS_set_robust_list, me, std::mem::size_of::<RobustListHead>()) == 0 }
}

/// Sleep while `word` holds `expected`, for at most `NAP`.
fn futex_wait(word: &AtomicU32, expected: u32) {
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, &NAP as *const libc::timespec);
    }
}

fn futex_wake(word: &AtomicU32, n: i32) {
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n);
    }
}

fn gettid() -> u32 {
    unsafe { libc::syscall(libc::SYS_gettid) as u32 }
}

/// A namespace of ours (`pid`, `pid_for_children`), as (device, inode);
/// `None` without /proc.
fn pid_namespace(which: &str) -> Option<(u64, u64)> {
    let path = std::ffi::CString::new(format!("/proc/self/ns/{which}")).ok()?;
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::stat(path.as_ptr(), &mut st) };
    (r == 0).then_some((st.st_dev, st.st_ino))
}

fn made(fd: libc::c_long) -> Option<OwnedFd> {
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A close-on-exec copy of `fd` numbered high, below 1024 and the fd
/// limit: a program is often given descriptors from 3 up with dup2, and
/// one of ours there would send our frames into the program's file.
fn out_of_the_way(fd: RawFd) -> Option<OwnedFd> {
    let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).map_or(1024, |(soft, _)| soft);
    let high = limit.min(1024).saturating_sub(16).max(3) as libc::c_long;
    made(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, high) } as libc::c_long)
        .or_else(|| made(unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) } as libc::c_long))
}

/// One control process's end of the uplink.
pub struct Uplink {
    /// The pipe to Erlang (a copy of the root's stdout).
    fd: OwnedFd,
    /// An eventfd the root watches: there are frames in the ring.
    kick: OwnedFd,
    /// A pidfd of the root: readable once the root is gone, so that a child
    /// waiting for room in the ring stops waiting.
    root_pidfd: OwnedFd,
    shared: &'static Shared,
    /// Our children will be in another pid namespace than ours.
    children_elsewhere: bool,
    /// Our path: the pids that wrap our frames, outermost first (none in
    /// the root).
    path: Vec<u32>,
    /// Our thread id, as the lock records its holder.
    tid: u32,
    /// Where our last frames in the ring end: until the root has written
    /// that far, what we send goes into the ring too.
    ring_end: u64,
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
        // (A root started by a process that unshared its pid namespace
        // has its children elsewhere from the start.)
        let children_elsewhere = pid_namespace("pid")? != pid_namespace("pid_for_children")?;
        let fd = out_of_the_way(1)?;
        let kick = made(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) } as libc::c_long)?;
        let kick = out_of_the_way(kick.as_raw_fd())?;
        // (close-on-exec, as pidfds always are)
        let root_pidfd = made(unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) })?;
        let root_pidfd = out_of_the_way(root_pidfd.as_raw_fd())?;
        let mem = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                std::mem::size_of::<Shared>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mem == libc::MAP_FAILED || !register_robust_list() {
            return None;
        }
        // Zeroed by mmap: unlocked, gate open, the ring empty.
        let shared = unsafe { &*(mem as *const Shared) };
        Some(Uplink {
            fd,
            kick,
            root_pidfd,
            shared,
            children_elsewhere,
            path: Vec::new(),
            tid: gettid(),
            ring_end: 0,
            scratch: Vec::new(),
        })
    }

    /// In a new child, made in a new pid namespace if `new_pidns`: false if
    /// we cannot take part (see above), and then our frames go to our
    /// parent. Else our path is our parent's and our pid, which is the one
    /// our parent knows us by since both of us are in the root's pid
    /// namespace.
    pub fn enter_child(&mut self, new_pidns: bool) -> bool {
        if new_pidns || self.children_elsewhere || !register_robust_list() {
            return false;
        }
        self.children_elsewhere = false;
        self.path.push(std::process::id());
        self.tid = gettid();
        self.ring_end = 0;
        true
    }

    /// This process has moved its future children to another pid namespace
    /// (unshare or setns).
    pub fn children_elsewhere(&mut self) {
        self.children_elsewhere = true;
    }

    fn is_root(&self) -> bool {
        self.path.is_empty()
    }

    /// The eventfd the root watches for frames in the ring.
    pub fn kick_fd(&self) -> BorrowedFd<'_> {
        self.kick.as_fd()
    }

    // ---- the lock ----------------------------------------------------------

    fn lock(&self) {
        let s = self.shared;
        let node = &s.node as *const AtomicUsize as usize;
        let tid = self.tid & FUTEX_TID_MASK;
        let mut waited = false;
        HEAD.list_op_pending.store(node, Ordering::SeqCst);
        loop {
            let cur = s.lock.load(Ordering::SeqCst);
            if cur & FUTEX_TID_MASK == 0 {
                // Free, or freed by the kernel for a holder that died.
                let want = tid | if waited { FUTEX_WAITERS } else { cur & FUTEX_WAITERS };
                if s.lock.compare_exchange(cur, want, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                    break;
                }
                continue;
            }
            if cur & FUTEX_WAITERS == 0
                && s.lock.compare_exchange(cur, cur | FUTEX_WAITERS, Ordering::SeqCst, Ordering::SeqCst).is_err()
            {
                continue;
            }
            futex_wait(&s.lock, cur | FUTEX_WAITERS);
            waited = true;
        }
        s.node.store(&HEAD as *const RobustListHead as usize, Ordering::SeqCst);
        HEAD.list.store(node, Ordering::SeqCst);
        HEAD.list_op_pending.store(0, Ordering::SeqCst);
    }

    fn unlock(&self) {
        let s = self.shared;
        let node = &s.node as *const AtomicUsize as usize;
        HEAD.list_op_pending.store(node, Ordering::SeqCst);
        HEAD.list.store(&HEAD as *const RobustListHead as usize, Ordering::SeqCst);
        let prev = s.lock.swap(0, Ordering::SeqCst);
        if prev & FUTEX_WAITERS != 0 {
            futex_wake(&s.lock, 1);
        }
        HEAD.list_op_pending.store(0, Ordering::SeqCst);
    }

    fn gate_closed(&self) -> bool {
        self.shared.gate_closed.load(Ordering::SeqCst) != 0
    }

    fn root_gone(&self) -> bool {
        let mut p = libc::pollfd { fd: self.root_pidfd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        unsafe { libc::poll(&mut p, 1, 0) > 0 && p.revents & libc::POLLIN != 0 }
    }

    // ---- the ring -----------------------------------------------------------

    /// (lock held) Copy `frames` into the ring if there is room.
    fn put_in_ring(&mut self, frames: &[u8]) -> bool {
        let s = self.shared;
        let (appended, written) = (s.appended.load(Ordering::SeqCst), s.written.load(Ordering::SeqCst));
        if (appended - written) as usize + frames.len() > RING {
            return false;
        }
        let ring = s.ring.get() as *mut u8;
        let at = (appended % RING as u64) as usize;
        let first = frames.len().min(RING - at);
        // Only the lock holder writes here, beyond what the root may read.
        unsafe {
            std::ptr::copy_nonoverlapping(frames.as_ptr(), ring.add(at), first);
            std::ptr::copy_nonoverlapping(frames.as_ptr().add(first), ring, frames.len() - first);
        }
        // (only now are they the root's to write)
        s.appended.store(appended + frames.len() as u64, Ordering::SeqCst);
        self.ring_end = appended + frames.len() as u64;
        true
    }

    /// (lock held, in the root) Write out what the ring holds.
    fn drain_ring(&self) -> io::Result<()> {
        let s = self.shared;
        let (appended, written) = (s.appended.load(Ordering::SeqCst), s.written.load(Ordering::SeqCst));
        if appended == written {
            return Ok(());
        }
        let ring = s.ring.get() as *const u8;
        let at = (written % RING as u64) as usize;
        let len = (appended - written) as usize;
        let first = len.min(RING - at);
        // Children add to the ring only beyond `appended`, and never reuse
        // what is not yet `written`.
        let parts = unsafe { [std::slice::from_raw_parts(ring.add(at), first), std::slice::from_raw_parts(ring, len - first)] };
        let r = parts.iter().try_for_each(|part| crate::sys::fd::write_all(self.fd.as_fd(), part));
        s.written.store(appended, Ordering::SeqCst);
        s.drained.fetch_add(1, Ordering::SeqCst);
        futex_wake(&s.drained, i32::MAX);
        r
    }

    /// Each time round the loop (a no-op but in the root): write out the
    /// frames children put in the ring (one that died before it could
    /// wake us included).
    pub fn tend(&self) {
        let s = self.shared;
        if self.is_root() && s.appended.load(Ordering::SeqCst) != s.written.load(Ordering::SeqCst) {
            self.lock();
            // A lost Erlang ends the root soon enough.
            let _ = self.drain_ring();
            self.unlock();
        }
    }

    /// In the root: a child has put frames in the ring.
    pub fn kicked(&self) {
        let mut n = 0u64;
        unsafe { libc::read(self.kick.as_raw_fd(), (&mut n as *mut u64).cast(), 8) };
        self.tend();
    }

    // ---- writing -------------------------------------------------------------

    /// Send whole frames (as an Outbox holds them), wrapped in our path.
    /// Blocks until all is in the pipe or the ring. Fails only if Erlang
    /// is gone.
    pub fn send(&mut self, frames: &[u8]) -> io::Result<()> {
        if !self.is_root() {
            return self.send_wrapped(frames);
        }
        self.lock();
        let r = if self.gate_closed() {
            Ok(()) // the root has exec'd: this output has nowhere to go
        } else {
            self.drain_ring().and_then(|_| crate::sys::fd::write_all(self.fd.as_fd(), frames))
        };
        self.unlock();
        r
    }

    /// Frames wrapped in our path, in batches: of at most PIPE_BUF bytes,
    /// or, from a frame longer than that on, of at most `BATCH`.
    fn send_wrapped(&mut self, mut frames: &[u8]) -> io::Result<()> {
        let mut batch = std::mem::take(&mut self.scratch);
        batch.clear();
        let mut r = Ok(());
        while frames.len() >= 2 && r.is_ok() {
            let len = (2 + u16::from_be_bytes([frames[0], frames[1]]) as usize).min(frames.len());
            let (frame, rest) = frames.split_at(len);
            frames = rest;
            let wrapped = len + 8 * self.path.len();
            let room = if batch.len() > PIPE_BUF || wrapped > PIPE_BUF { BATCH } else { PIPE_BUF };
            if !batch.is_empty() && batch.len() + wrapped > room {
                r = self.send_batch(&batch);
                batch.clear();
            }
            wrap(&mut batch, &self.path, frame);
        }
        if !batch.is_empty() && r.is_ok() {
            r = self.send_batch(&batch);
        }
        batch.clear();
        if batch.capacity() > 4 * PIPE_BUF {
            batch.shrink_to(PIPE_BUF);
        }
        self.scratch = batch;
        r
    }

    /// One batch of wrapped frames: one atomic write if it is short enough
    /// and nothing of ours waits in the ring; else into the ring, waiting
    /// for room (without the lock) if need be.
    fn send_batch(&mut self, batch: &[u8]) -> io::Result<()> {
        let s = self.shared;
        loop {
            self.lock();
            if self.gate_closed() {
                self.unlock();
                return Ok(()); // the root has exec'd
            }
            if batch.len() <= PIPE_BUF && s.written.load(Ordering::SeqCst) >= self.ring_end {
                let r = crate::sys::fd::write_all(self.fd.as_fd(), batch);
                self.unlock();
                return r;
            }
            let seen = s.drained.load(Ordering::SeqCst);
            let put = self.put_in_ring(batch);
            self.unlock();
            let one = 1u64;
            unsafe { libc::write(self.kick.as_raw_fd(), (&one as *const u64).cast(), 8) };
            if put {
                return Ok(());
            }
            if self.root_gone() {
                return Ok(()); // nobody to write it: we end soon too
            }
            futex_wait(&s.drained, seen);
        }
    }

    // ---- exec of the root ----------------------------------------------------

    /// We are about to exec. If we are the root, what the ring holds goes
    /// out, and from then on the pipe is the program's. The lock stays held
    /// (children wait rather than lose output if the exec fails); the
    /// kernel frees it at the exec.
    pub fn close_gate(&self) {
        if !self.is_root() {
            return;
        }
        self.lock();
        let _ = self.drain_ring();
        self.shared.gate_closed.store(1, Ordering::SeqCst);
    }

    /// The exec failed: frames go on.
    pub fn reopen_gate(&self) {
        if !self.is_root() {
            return;
        }
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
        out.extend_from_slice(&(Kind::Proxy as u16).to_be_bytes());
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
