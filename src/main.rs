//! alcove: the port executable. Erlang starts it and sends it commands; it
//! and every process it forks run the same event loop (PROTOCOL.md).
//! This file holds the command line and the boot sequence (§3.1, §3.2).

use alcove::event_loop::Process;
use alcove::options::Options;
use alcove::proto::etf::Out;
use alcove::proto::frame::{Kind, Outbox};
use alcove::{signals, spawn, VERSION};
use std::ffi::CString;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

/// Command-line switches (§3.1).
struct Switches {
    fdctl: Option<String>,
    depth: Option<u32>,
    maxchild: Option<i32>,
}

fn usage() -> ! {
    eprintln!("alcove {VERSION}\nusage: alcove -c <path> [-d <depth>] [-m <maxchild>] [-h]");
    std::process::exit(libc::ENOTSUP);
}

fn parse_switches() -> Switches {
    let mut s = Switches { fdctl: None, depth: None, maxchild: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "-c" => s.fdctl = Some(value()),
            "-d" => {
                let d: u64 = value().trim().parse().unwrap_or(0);
                if d > 255 {
                    std::process::exit(libc::EAGAIN);
                }
                s.depth = Some(d as u32);
            }
            "-m" => s.maxchild = Some(value().trim().parse::<i64>().unwrap_or(0) as u16 as i32),
            _ => usage(),
        }
    }
    s
}

fn nofile_soft() -> u64 {
    nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).map_or(1024, |(soft, _)| soft)
}

/// Create the fdctl FIFO and hold it open read-write (§3.4).
fn open_fdctl(path: &str) -> Result<OwnedFd, i32> {
    let c = CString::new(path).map_err(|_| libc::EINVAL)?;
    if unsafe { libc::mkfifo(c.as_ptr(), 0o644) } < 0 {
        return Err(nix::errno::Errno::last_raw());
    }
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(nix::errno::Errno::last_raw());
    }
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Descriptors inherited from whoever started us stay ours: mark them
/// close-on-exec so that no program we exec sees them (§11).
fn cloexec_inherited() {
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    let r = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC) };
    if r == 0 {
        return;
    }
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return };
    let fds: Vec<i32> = dir.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect();
    for fd in fds.into_iter().filter(|&fd| fd > 2) {
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
}

fn main() {
    let sw = parse_switches();
    cloexec_inherited();
    let nofile = nofile_soft();
    let maxchild = match sw.maxchild {
        Some(m) if 6 * m as u64 + 6 > nofile => std::process::exit(libc::EAGAIN),
        Some(m) => m,
        None => (nofile.saturating_sub(6) / 6).min(64) as i32,
    };
    let boot = sw.depth.is_none();
    let fdctl = if boot {
        signals::catch_all();
        if let Ok((soft, hard)) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_STACK) {
            if soft == libc::RLIM_INFINITY {
                let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_STACK, 8 << 20, hard);
            }
        }
        let Some(path) = sw.fdctl.as_deref() else { std::process::exit(libc::EINVAL) };
        match open_fdctl(path) {
            Ok(fd) => Some(fd),
            Err(e) => std::process::exit(e),
        }
    } else {
        let _ = signals::catch(libc::SIGCHLD);
        None
    };
    let sigpipe = match signals::SelfPipe::new() {
        Ok(p) => p,
        Err(e) => std::process::exit(e as i32),
    };
    let depth = sw.depth.unwrap_or(0);
    let mut p = match Process::new(depth, Options::new(maxchild), sigpipe, fdctl) {
        Ok(p) => p,
        Err(e) => std::process::exit(e.raw_os_error().unwrap_or(libc::EIO)),
    };
    p.open_uplink();
    spawn::become_subreaper(true);
    spawn::widen_pipe(1);
    // The greeting goes out alone, before anything else (§3.3).
    let mut hello = Outbox::new(depth);
    let _ = hello.term(None, Kind::Call, &Out::ok());
    let stdout = unsafe { std::os::fd::BorrowedFd::borrow_raw(1) };
    if hello.flush(stdout.as_fd()).is_err() {
        std::process::exit(libc::EIO);
    }
    spawn::input_nonblocking(true);
    p.run()
}
