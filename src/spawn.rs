//! Creating control processes (PROTOCOL.md §1.4) and ending them (§6.8, §11).

use crate::children::{Child, Status, Table};
use crate::event_loop::Process;
use crate::proto::frame::{FrameReader, Outbox};
use crate::proto::Fail;
use crate::signals;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::unistd::pipe2;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};

/// clone(2) flags that would make the child share memory, file table,
/// signal handlers or thread identity with its parent: refused (§11).
pub const SHARED_FLAGS: i32 = libc::CLONE_VM
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SETTLS
    | libc::CLONE_VFORK
    | libc::CLONE_PARENT_SETTID
    | libc::CLONE_CHILD_SETTID
    | libc::CLONE_CHILD_CLEARTID;

fn set_nonblock(fd: RawFd, on: bool) {
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    if let Ok(fl) = fcntl(fd.as_raw_fd(), FcntlArg::F_GETFL) {
        let mut fl = OFlag::from_bits_truncate(fl);
        fl.set(OFlag::O_NONBLOCK, on);
        let _ = fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(fl));
    }
}

/// Room for several frames' worth of output in a pipe, so that a writer
/// and its reader wake each other less often. Best effort: the kernel may
/// refuse (pipe-max-size, or the user's pipe buffer quota).
pub fn widen_pipe(fd: RawFd) {
    unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_SIZE) };
}

const PIPE_SIZE: libc::c_int = 1 << 18;

/// Whether this process's stdin (frames from the parent) is non-blocking.
/// It is while the loop runs; a program we exec gets it back blocking.
pub fn input_nonblocking(on: bool) {
    set_nonblock(0, on);
}

/// Mark this process as the reaper of orphaned descendants (§11), so that
/// nothing it started lingers as a zombie or escapes the shutdown cascade.
pub fn become_subreaper(on: bool) {
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, on as libc::c_ulong, 0, 0, 0) };
}

/// fork(2) or clone(2) a new control process. Returns its pid in the
/// parent; in the child, `p` becomes the child's state and `p.forked` is set.
pub fn spawn(p: &mut Process, flags: i32) -> Result<libc::pid_t, Fail> {
    if flags & SHARED_FLAGS != 0 {
        return Err(Fail::Errno(libc::EINVAL));
    }
    if p.depth as i32 >= p.opts.maxforkdepth || p.children.len() as i32 >= p.opts.maxchild {
        return Err(Fail::Errno(libc::EAGAIN));
    }
    let (ctl_parent, ctl_child) =
        socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)?;
    let (in_r, in_w) = pipe2(OFlag::O_CLOEXEC)?;
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC)?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC)?;
    // Anything already queued for our parent is the parent's to send.
    p.flush();
    let parent = std::process::id() as libc::pid_t;
    let mask = signals::block_all();
    let pid = unsafe {
        if flags == 0 {
            libc::fork()
        } else {
            // No CLONE_VM: the child runs on a copy of this stack, like fork.
            libc::syscall(libc::SYS_clone, (flags | libc::SIGCHLD) as libc::c_ulong, 0usize, 0usize, 0usize, 0usize)
                as libc::pid_t
        }
    };
    if pid < 0 {
        let e = nix::errno::Errno::last_raw();
        signals::restore(mask);
        return Err(Fail::Errno(e));
    }
    if pid == 0 {
        drop((ctl_parent, in_w, out_r, err_r));
        become_child(p, parent, flags, ctl_child, in_r, out_w, err_w);
        signals::restore(mask);
        return Ok(0);
    }
    signals::restore(mask);
    drop((ctl_child, in_r, out_w, err_w));
    for fd in [&ctl_parent, &in_w, &out_r, &err_r] {
        set_nonblock(fd.as_raw_fd(), true);
    }
    widen_pipe(out_r.as_raw_fd());
    let (fc, soe) = (p.opts.flowcontrol, p.opts.signaloneof);
    let slot = p.children.free_slot();
    p.children.insert(slot, Child::new(slot, pid, ctl_parent, in_w, out_r, err_r, fc, soe));
    Ok(pid)
}

/// In the new child: take the channels as fds 0, 1, 2, let go of everything
/// that belongs to the parent, and start with a fresh state (§1.4 step 6).
fn become_child(p: &mut Process, parent: libc::pid_t, flags: i32, ctl: OwnedFd, stdin: OwnedFd, stdout: OwnedFd, stderr: OwnedFd) {
    for (fd, target) in [(&stdin, 0), (&stdout, 1), (&stderr, 2)] {
        unsafe { libc::dup2(fd.as_raw_fd(), target) };
    }
    drop((stdin, stdout, stderr));
    // Else our frames go to our parent, and our children's to us.
    let new_pidns = flags & libc::CLONE_NEWPID != 0;
    p.uplink = p.uplink.take().and_then(|mut u| u.enter_child(new_pidns).then_some(u));
    // Our own epoll instance first: only then may the parent's channels go.
    if let Err(e) = p.rewatch() {
        unsafe { libc::_exit(e.raw_os_error().unwrap_or(libc::EIO)) };
    }
    p.children = Table::default();
    p.fdctl = Some(ctl);
    p.depth += 1;
    p.out = Outbox::new(p.depth);
    p.input = FrameReader::new();
    p.filter_self = p.filter_sub;
    p.forked = true;
    input_nonblocking(true);
    become_subreaper(true);
    // If the parent is killed outright, its shutdown signal comes anyway.
    set_death_signal(p.opts.signaloneof);
    let ppid = unsafe { libc::getppid() };
    // (In a new pid namespace the parent is outside it and reads as 0.)
    if ppid != parent && ppid != 0 {
        unsafe { libc::_exit(0) };
    }
}

/// The signal this process gets when its parent dies (0: none).
pub fn set_death_signal(sig: i32) {
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig.clamp(0, 255) as libc::c_ulong, 0, 0, 0) };
}

/// The parent keeps a child's death signal in step with `setcpid(Pid,
/// signaloneof, N)`: it writes N on the control channel, which the child
/// otherwise never reads; the child takes the latest value before it execs.
pub fn tell_death_signal(ctl: &impl AsFd, sig: i32) {
    let b = [sig.clamp(0, 255) as u8];
    let _ = crate::sys::fd::write_some(ctl.as_fd(), &b);
}

/// In a child about to exec: adopt the last death signal the parent sent.
pub fn take_death_signal(ctl: &OwnedFd) {
    let mut buf = [0u8; 256];
    let mut last = None;
    loop {
        let n = unsafe { libc::recv(ctl.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
        if n <= 0 {
            break;
        }
        last = Some(buf[n as usize - 1]);
    }
    if let Some(sig) = last {
        set_death_signal(sig as i32);
    }
}

/// Signal every exec'd child and everything it started (§6.8, §11): each
/// gets the child's `signaloneof` signal (none if 0), followed by SIGCONT.
/// Children still in the event loop see their input end and do the same.
pub fn shutdown_children(children: &Table) {
    let targets: Vec<(libc::pid_t, i32)> = children
        .iter()
        .filter(|c| c.status == Status::Running && c.execd() && c.signaloneof > 0)
        .map(|c| (c.pid, c.signaloneof))
        .collect();
    if targets.is_empty() {
        return;
    }
    let tree = process_tree();
    for (pid, sig) in targets {
        let mut family = vec![pid];
        let mut i = 0;
        while i < family.len() {
            let parent = family[i];
            family.extend(tree.iter().filter(|&&(_, pp)| pp == parent).map(|&(p, _)| p));
            i += 1;
        }
        for &member in family.iter().rev() {
            unsafe {
                if libc::kill(member, sig) == 0 {
                    libc::kill(member, libc::SIGCONT);
                }
            }
        }
    }
}

/// `(pid, parent pid)` of every process visible in /proc.
fn process_tree() -> Vec<(libc::pid_t, libc::pid_t)> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<libc::pid_t>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid ...": comm may hold spaces and parens.
            let after = stat.get(stat.rfind(')')? + 2..)?;
            let ppid = after.split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect()
}
