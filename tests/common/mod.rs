//! Test harness: spawns the port binary and speaks raw frames to it, as
//! `alcove_drv` would (PROTOCOL.md §2, §3.3). Terms go through the `eetf`
//! crate, an ETF codec independent of the port's own.
#![allow(dead_code)]

use eetf::{Atom, Binary, FixInteger, List, Term, Tuple};
use std::collections::VecDeque;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::os::fd::OwnedFd;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A message from the port, with the fork path it concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Call(Vec<u32>, Term),
    Event(Vec<u32>, Term),
    Ctl(Vec<u32>, Term),
    Pipe(Vec<u32>, Term),
    Stdout(Vec<u32>, Vec<u8>),
    Stderr(Vec<u32>, Vec<u8>),
}

impl Msg {
    pub fn path(&self) -> &[u32] {
        match self {
            Msg::Call(p, _) | Msg::Event(p, _) | Msg::Ctl(p, _) | Msg::Pipe(p, _) | Msg::Stdout(p, _) | Msg::Stderr(p, _) => p,
        }
    }
}

pub struct Port {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: OwnedFd,
    buf: Vec<u8>,
    queue: VecDeque<Msg>,
    pub fifo: PathBuf,
    _fifo_reader: Option<std::fs::File>,
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

pub fn bin_path() -> &'static str {
    env!("CARGO_BIN_EXE_alcove")
}

/// The call number of `name`, from calls.txt.
pub fn call_nr(name: &str) -> u16 {
    include_str!("../../calls.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .position(|l| l.split('/').next() == Some(name))
        .unwrap_or_else(|| panic!("no call {name}")) as u16
}

/// The fds `pid` has open, from /proc.
pub fn proc_fds(pid: u32) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
        .collect()
}

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "alcove-test.{}.{}.{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        tag
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

impl Port {
    /// Start the port and complete the handshake.
    pub fn start() -> Port {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Port {
        Self::launch(extra, None)
    }

    /// With a socket for the port's stdout instead of a pipe: then every
    /// process relays its children's frames up the fork path (no uplink).
    pub fn start_relayed() -> Port {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().expect("socketpair");
        Self::launch(&[], Some((OwnedFd::from(ours), OwnedFd::from(theirs))))
    }

    fn launch(extra: &[&str], socket: Option<(OwnedFd, OwnedFd)>) -> Port {
        let fifo = temp_dir("fdctl").join("fdctl");
        let (ours, theirs) = match socket {
            Some((ours, theirs)) => (Some(ours), Stdio::from(theirs)),
            None => (None, Stdio::piped()),
        };
        let mut child = Command::new(bin_path())
            .arg("-c")
            .arg(&fifo)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(theirs)
            .spawn()
            .expect("spawn alcove");
        let stdin = child.stdin.take().unwrap();
        let stdout = ours.unwrap_or_else(|| OwnedFd::from(child.stdout.take().unwrap()));
        let mut port = Port { child, stdin: Some(stdin), stdout, buf: Vec::new(), queue: VecDeque::new(), fifo, _fifo_reader: None };
        let greeting = port.read_raw(9);
        assert_eq!(greeting, [0, 7, 0, 4, 131, 119, 2, b'o', b'k'], "greeting");
        port._fifo_reader = Some(
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&port.fifo)
                .expect("open fifo"),
        );
        let fifo = port.fifo.to_str().unwrap().to_string();
        assert_eq!(port.call(&[], "unlink", vec![charlist(&fifo)]), atom("ok"));
        assert!(!port.fifo.exists());
        port
    }

    /// Exactly `n` bytes from the port, as they come.
    pub fn read_raw(&mut self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + TIMEOUT;
        while self.buf.len() < n {
            assert!(self.fill(deadline), "timed out waiting for {n} bytes");
        }
        self.buf.drain(..n).collect()
    }

    /// Everything the port writes until its stdout ends (all writers gone),
    /// from what is buffered on.
    pub fn read_to_end(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match self.read_chunk(deadline) {
                Some(0) => return std::mem::take(&mut self.buf),
                Some(_) => {}
                None => panic!("timed out waiting for the end"),
            }
        }
    }

    /// Read more from the port; false on timeout.
    fn fill(&mut self, deadline: Instant) -> bool {
        match self.read_chunk(deadline) {
            Some(0) => panic!("port closed its stdout"),
            Some(_) => true,
            None => false,
        }
    }

    /// One read into the buffer: the bytes read (0 at the end), or `None`
    /// if nothing came before `deadline`.
    fn read_chunk(&mut self, deadline: Instant) -> Option<usize> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut p = libc::pollfd { fd: self.stdout.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        if unsafe { libc::poll(&mut p, 1, left.as_millis() as i32) } <= 0 {
            return None;
        }
        let mut chunk = vec![0u8; 1 << 17];
        let n = unsafe { libc::read(self.stdout.as_raw_fd(), chunk.as_mut_ptr().cast(), chunk.len()) };
        let n = n.max(0) as usize;
        self.buf.extend_from_slice(&chunk[..n]);
        Some(n)
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to port");
        stdin.flush().unwrap();
    }

    /// Close the port's stdin (as Erlang does when the port is closed).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait for the port to exit; its exit status.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait for port")
    }

    pub fn send_call(&mut self, path: &[u32], nr: u16, etf: &[u8]) {
        let frame = wrap(path, &call_frame(nr, etf));
        self.send(&frame);
    }

    /// Call `name` at `path` and wait for its reply.
    pub fn call(&mut self, path: &[u32], name: &str, args: Vec<Term>) -> Term {
        self.call_etf(path, call_nr(name), &encode(&Term::from(Tuple::from(args))))
    }

    pub fn call_etf(&mut self, path: &[u32], nr: u16, etf: &[u8]) -> Term {
        self.send_call(path, nr, etf);
        match self.expect(|m| matches!(m, Msg::Call(p, _) if p == path)) {
            Msg::Call(_, t) => t,
            _ => unreachable!(),
        }
    }

    /// The next message, if one comes within `timeout`.
    pub fn recv(&mut self, timeout: Duration) -> Option<Msg> {
        if let Some(m) = self.queue.pop_front() {
            return Some(m);
        }
        self.recv_wire(Instant::now() + timeout)
    }

    fn recv_wire(&mut self, deadline: Instant) -> Option<Msg> {
        loop {
            if self.buf.len() >= 2 {
                let len = u16::from_be_bytes([self.buf[0], self.buf[1]]) as usize;
                if self.buf.len() >= 2 + len {
                    let frame: Vec<u8> = self.buf.drain(..2 + len).collect();
                    return Some(decode_frame(&frame, Vec::new()));
                }
            }
            if !self.fill(deadline) {
                return None;
            }
        }
    }

    /// Wait for the first message `want` accepts; others stay queued.
    pub fn expect(&mut self, want: impl Fn(&Msg) -> bool) -> Msg {
        self.expect_within(TIMEOUT, want).expect("timed out waiting for a message")
    }

    pub fn expect_within(&mut self, timeout: Duration, want: impl Fn(&Msg) -> bool) -> Option<Msg> {
        if let Some(i) = self.queue.iter().position(&want) {
            return self.queue.remove(i);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let m = self.recv_wire(deadline)?;
            if want(&m) {
                return Some(m);
            }
            self.queue.push_back(m);
        }
    }

    /// Everything that arrives within `timeout`, queued messages first.
    pub fn drain(&mut self, timeout: Duration) -> Vec<Msg> {
        let mut v: Vec<Msg> = self.queue.drain(..).collect();
        let deadline = Instant::now() + timeout;
        while let Some(m) = self.recv_wire(deadline) {
            v.push(m);
        }
        v
    }

    /// fork at `path`; the new child's pid.
    pub fn fork(&mut self, path: &[u32]) -> u32 {
        let r = self.call(path, "fork", vec![]);
        ok_int(&r).unwrap_or_else(|| panic!("fork at {path:?}: {r}")) as u32
    }

    /// A chain of `n` forks below `path`: the path of the deepest.
    pub fn chain(&mut self, path: &[u32], n: usize) -> Vec<u32> {
        let mut p = path.to_vec();
        for _ in 0..n {
            let c = self.fork(&p);
            p.push(c);
        }
        p
    }

    /// execvp at `path`; waits for the fdctl_closed that means success.
    pub fn exec(&mut self, path: &[u32], argv: &[&str]) {
        let args = vec![charlist(argv[0]), Term::from(List::from(argv.iter().map(|a| charlist(a)).collect::<Vec<_>>()))];
        self.send_call(path, call_nr("execvp"), &encode(&Term::from(Tuple::from(args))));
        let m = self.expect(|m| match m {
            Msg::Ctl(p, t) => p == path && *t == atom("fdctl_closed"),
            Msg::Call(p, _) => p == path,
            _ => false,
        });
        assert!(matches!(m, Msg::Ctl(..)), "execvp {argv:?} at {path:?}: {m:?}");
    }

    /// `sh -c Script` at `path`.
    pub fn sh(&mut self, path: &[u32], script: &str) {
        self.exec(path, &["/bin/sh", "-c", script]);
    }

    /// Data for an exec'd program's stdin.
    pub fn stdin(&mut self, path: &[u32], data: &[u8]) {
        let f = wrap(path, data);
        self.send(&f);
    }

    /// Collect `n` bytes of stdout from `path`.
    pub fn stdout(&mut self, path: &[u32], n: usize) -> Vec<u8> {
        let mut acc = Vec::new();
        while acc.len() < n {
            match self.expect(|m| matches!(m, Msg::Stdout(p, _) | Msg::Pipe(p, _) if p == path)) {
                Msg::Stdout(_, d) => acc.extend(d),
                m => panic!("unexpected {m:?}"),
            }
        }
        acc
    }

    /// The exit event of `path`.
    pub fn exit_event(&mut self, path: &[u32]) -> Term {
        match self.expect(|m| matches!(m, Msg::Event(p, t) if p == path && is_exit(t))) {
            Msg::Event(_, t) => t,
            _ => unreachable!(),
        }
    }

    pub fn os_pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.fifo.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn is_exit(t: &Term) -> bool {
    match t {
        Term::Tuple(t) => matches!(t.elements.first(), Some(Term::Atom(a)) if a.name == "exit_status" || a.name == "termsig"),
        _ => false,
    }
}

use std::os::unix::fs::OpenOptionsExt;

/// A CALL frame: length, type 4, call number, ETF.
pub fn call_frame(nr: u16, etf: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(6 + etf.len());
    f.extend_from_slice(&((4 + etf.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 4]);
    f.extend_from_slice(&nr.to_be_bytes());
    f.extend_from_slice(etf);
    f
}

/// Wrap `inner` in one STDIN header per path element, innermost last.
pub fn wrap(path: &[u32], inner: &[u8]) -> Vec<u8> {
    let mut f = inner.to_vec();
    for &pid in path.iter().rev() {
        let mut g = Vec::with_capacity(8 + f.len());
        g.extend_from_slice(&((6 + f.len()) as u16).to_be_bytes());
        g.extend_from_slice(&[0, 0]);
        g.extend_from_slice(&pid.to_be_bytes());
        g.extend_from_slice(&f);
        f = g;
    }
    f
}

/// Decode one frame, walking PROXY headers into the path.
pub fn decode_frame(frame: &[u8], mut path: Vec<u32>) -> Msg {
    let len = u16::from_be_bytes([frame[0], frame[1]]) as usize;
    assert_eq!(len + 2, frame.len(), "frame length");
    let kind = u16::from_be_bytes([frame[2], frame[3]]);
    let pid = || u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let term = || Term::decode(&frame[4..]).expect("reply ETF");
    match kind {
        1..=3 => {
            path.push(pid());
            match kind {
                1 => Msg::Stdout(path, frame[8..].to_vec()),
                2 => Msg::Stderr(path, frame[8..].to_vec()),
                _ => decode_frame(&frame[8..], path),
            }
        }
        4 => Msg::Call(path, term()),
        5 => Msg::Event(path, term()),
        6 => Msg::Ctl(path, term()),
        7 => Msg::Pipe(path, term()),
        k => panic!("unknown frame type {k}"),
    }
}

pub fn encode(t: &Term) -> Vec<u8> {
    let mut v = Vec::new();
    t.encode(&mut v).unwrap();
    v
}

// ---- building and reading terms ------------------------------------------

pub fn atom(s: &str) -> Term {
    Term::from(Atom::from(s))
}

pub fn int(i: i32) -> Term {
    Term::from(FixInteger::from(i))
}

pub fn big(i: i64) -> Term {
    Term::from(eetf::BigInteger::from(i))
}

pub fn bin(b: &[u8]) -> Term {
    Term::from(Binary::from(b.to_vec()))
}

/// A string as Erlang writes "..." (STRING_EXT).
pub fn charlist(s: &str) -> Term {
    if s.is_empty() {
        nil()
    } else {
        Term::from(eetf::ByteList::from(s.as_bytes().to_vec()))
    }
}

pub fn nil() -> Term {
    Term::from(List::nil())
}

/// A list. Like term_to_binary, eetf writes a list of integers 0..255 as
/// STRING_EXT, and silently wraps integers outside that range when every
/// element is an integer: build such lists by hand.
pub fn list(items: Vec<Term>) -> Term {
    Term::from(List::from(items))
}

pub fn tuple(items: Vec<Term>) -> Term {
    Term::from(Tuple::from(items))
}

/// `{ok, N}` → N
pub fn ok_int(t: &Term) -> Option<i64> {
    match t {
        Term::Tuple(t) if t.elements.len() == 2 && t.elements[0] == atom("ok") => as_int(&t.elements[1]),
        _ => None,
    }
}

pub fn as_int(t: &Term) -> Option<i64> {
    match t {
        Term::FixInteger(i) => Some(i.value as i64),
        Term::BigInteger(b) => b.value.to_string().parse().ok(),
        _ => None,
    }
}

/// `{error, Posix}`
pub fn error(posix: &str) -> Term {
    tuple(vec![atom("error"), atom(posix)])
}

pub fn ok() -> Term {
    atom("ok")
}

/// The elements of a tuple term.
pub fn elems(t: &Term) -> &[Term] {
    match t {
        Term::Tuple(t) => &t.elements,
        _ => panic!("not a tuple: {t}"),
    }
}

pub fn bytes(t: &Term) -> Vec<u8> {
    match t {
        Term::Binary(b) => b.bytes.clone(),
        _ => panic!("not a binary: {t}"),
    }
}

/// Skip a test that needs root, saying why.
#[macro_export]
macro_rules! require_root {
    () => {
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: needs root");
            return;
        }
    };
}
