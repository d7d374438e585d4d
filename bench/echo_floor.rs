//! The round-trip floor of the benchmark (bench/bench.escript): a port that
//! reads frames (a 2-byte big-endian length, then that many bytes) on stdin
//! and writes each complete frame back unchanged on stdout, nothing else.
//! It exits at end of input. Whatever one read brings in is answered with
//! one write, as an event loop that batches its replies would.
//!
//! `echo_floor N` puts a chain of N bare relays in front of the echo: each
//! is a process that waits in epoll on its parent's pipe and its child's,
//! and copies what one brings to the other with one read and one write,
//! nothing else. The time a relay adds to a round trip is the floor of a
//! hop along a fork path: alcove's control processes do the same, and
//! besides unwrap and wrap the frames.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::FromRawFd;

fn main() {
    let relays: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    for _ in 0..relays {
        if !relay_to_child() {
            return;
        }
    }
    echo();
}

fn echo() {
    // Unbuffered handles on fds 0 and 1: no copy through std's buffers.
    let mut input = unsafe { File::from_raw_fd(0) };
    let mut output = unsafe { File::from_raw_fd(1) };
    let mut buf = vec![0u8; 1 << 17];
    let mut have = 0;
    loop {
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[have..]) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        have += n;
        // Complete frames at the front of the buffer go back as they are.
        let mut end = 0;
        while have - end >= 2 {
            let len = u16::from_be_bytes([buf[end], buf[end + 1]]) as usize;
            if have - end < 2 + len {
                break;
            }
            end += 2 + len;
        }
        if end > 0 {
            if output.write_all(&buf[..end]).is_err() {
                return;
            }
            buf.copy_within(end..have, 0);
            have -= end;
        }
    }
}

/// Fork a child whose fds 0 and 1 are pipes to us. In the child, return
/// true (it goes on down the chain); in the parent, relay until end of
/// input, then return false.
fn relay_to_child() -> bool {
    let (mut down, mut up) = ([0; 2], [0; 2]);
    unsafe {
        if libc::pipe(down.as_mut_ptr()) < 0 || libc::pipe(up.as_mut_ptr()) < 0 {
            return false;
        }
        match libc::fork() {
            0 => {
                libc::dup2(down[0], 0);
                libc::dup2(up[1], 1);
                for fd in [down[0], down[1], up[0], up[1]] {
                    libc::close(fd);
                }
                true
            }
            pid if pid > 0 => {
                libc::close(down[0]);
                libc::close(up[1]);
                relay(down[1], up[0]);
                libc::close(down[1]);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
                false
            }
            _ => false,
        }
    }
}

/// stdin -> `to_child`, `from_child` -> stdout, until either side ends.
fn relay(to_child: i32, from_child: i32) {
    unsafe {
        let ep = libc::epoll_create1(libc::EPOLL_CLOEXEC);
        for (fd, token) in [(0, 0u64), (from_child, 1u64)] {
            let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: token };
            libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, fd, &mut ev);
        }
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 2];
        let mut buf = vec![0u8; 1 << 17];
        loop {
            let n = libc::epoll_wait(ep, events.as_mut_ptr(), 2, -1);
            if n < 0 && *libc::__errno_location() == libc::EINTR {
                continue;
            }
            for e in &events[..n.max(0) as usize] {
                let (from, to) = if e.u64 == 0 { (0, to_child) } else { (from_child, 1) };
                let got = libc::read(from, buf.as_mut_ptr().cast(), buf.len());
                if got <= 0 || !write_all(to, &buf[..got as usize]) {
                    return;
                }
            }
        }
    }
}

fn write_all(fd: i32, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n <= 0 {
            return false;
        }
        data = &data[n as usize..];
    }
    true
}
