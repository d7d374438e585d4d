//! Load and endurance of the port core over raw frames: fork/exit cycles
//! without leaks, many concurrent output streams, and calls answered at every
//! level of a deep chain while its leaf streams (PROTOCOL.md §1, §2.3, §6.2).
//! Every outcome is read back from /proc or checked byte for byte.
//!
//! The tests take a shared lock so that they run one at a time: the timing
//! comparison of the first one must not depend on what else is running.

mod common;
use common::*;
use eetf::Term;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long to wait for the next message of a stream before giving up.
const STALL: Duration = Duration::from_secs(30);

// ---- /proc -----------------------------------------------------------------

/// VmRSS of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// `(pid, state)` of every process whose parent is `ppid`, zombies included.
fn children_in_proc(ppid: u32) -> Vec<(u32, char)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid ...": comm may hold spaces and parens.
        let Some(close) = stat.rfind(')') else { continue };
        let mut f = stat[close + 2..].split(' ');
        let state = f.next().and_then(|s| s.chars().next()).unwrap_or('?');
        if f.next().and_then(|s| s.parse::<u32>().ok()) == Some(ppid) {
            v.push((pid, state));
        }
    }
    v
}

// ---- messages --------------------------------------------------------------

fn exit_status(code: i32) -> Term {
    tuple(vec![atom("exit_status"), int(code)])
}

fn execvp_etf(argv: &[&str]) -> Vec<u8> {
    let args = vec![charlist(argv[0]), list(argv.iter().map(|a| charlist(a)).collect())];
    encode(&tuple(args))
}

/// The next message from the port, failing the test if the stream stalls.
fn next(p: &mut Port, what: &str) -> Msg {
    p.recv(STALL).unwrap_or_else(|| panic!("no message within {STALL:?} while {what}"))
}

/// Checks a stream against a byte pattern repeated to `total` bytes,
/// incrementally, chunk by chunk.
struct Stream {
    unit: usize,
    /// The pattern repeated to cover one unit plus the largest chunk.
    rep: Vec<u8>,
    total: usize,
    got: usize,
}

impl Stream {
    fn new(pattern: &[u8], total: usize) -> Stream {
        let rep = pattern.iter().copied().cycle().take(pattern.len() + (1 << 17)).collect();
        Stream { unit: pattern.len(), rep, total, got: 0 }
    }

    fn feed(&mut self, data: &[u8], who: &str) {
        assert!(self.got + data.len() <= self.total, "{who}: more than {} bytes", self.total);
        for chunk in data.chunks(1 << 16) {
            let at = self.got % self.unit;
            if chunk != &self.rep[at..at + chunk.len()] {
                let i = chunk.iter().zip(&self.rep[at..]).position(|(a, b)| a != b).unwrap();
                let show = &chunk[i..chunk.len().min(i + 16)];
                panic!("{who}: byte {} is wrong: {:?}...", self.got + i, String::from_utf8_lossy(show));
            }
            self.got += chunk.len();
        }
    }

    fn done(&self) -> bool {
        self.got == self.total
    }
}

/// Raise this process's soft RLIMIT_NOFILE to at least `want` (the port
/// inherits it and sizes its default `maxchild` from it); the limit reached.
fn raise_nofile(want: u64) -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
    if r.rlim_cur < want {
        let target = libc::rlimit { rlim_cur: want.min(r.rlim_max), rlim_max: r.rlim_max };
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &target) } == 0 {
            r.rlim_cur = target.rlim_cur;
        }
    }
    r.rlim_cur
}

/// Time `pid` has spent on a CPU, in ns (/proc/PID/schedstat), if known.
fn cpu_ns(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?.split_whitespace().next()?.parse().ok()
}

fn median(times: &[Duration]) -> Duration {
    let mut v = times.to_vec();
    v.sort();
    v[v.len() / 2]
}

// ---- 1. fork/exit cycles ---------------------------------------------------

const CYCLES: usize = 1000;
const WARMUP: usize = 50;
const WINDOW: usize = 100;
const RSS_SLACK_KIB: u64 = 1024;
/// Below this a cycle's wall time says more about the host's scheduler
/// (other processes on the same cores) than about the port.
const WALL_FLOOR: Duration = Duration::from_millis(5);

/// fork a child at the root, make it call exit(code), and consume its
/// fdctl_closed and exit_status.
fn fork_exit(p: &mut Port, code: i32) {
    let c = p.fork(&[]);
    p.send_call(&[c], call_nr("exit"), &encode(&tuple(vec![int(code)])));
    match next(p, "waiting for fdctl_closed") {
        Msg::Ctl(path, t) if path == [c] && t == atom("fdctl_closed") => {}
        m => panic!("child {c} exit({code}): expected fdctl_closed, got {m:?}"),
    }
    match next(p, "waiting for exit_status") {
        Msg::Event(path, t) if path == [c] && t == exit_status(code) => {}
        m => panic!("child {c} exit({code}): expected exit_status, got {m:?}"),
    }
}

#[test]
fn fork_exit_cycles_leak_nothing_and_keep_their_rate() {
    let _g = serial();
    let mut p = Port::start();
    let port = p.os_pid();
    let started = Instant::now();
    let mut times = Vec::with_capacity(CYCLES);
    let (mut fds0, mut rss0) = (0, 0);
    let mut cpu = [None; 4];
    for i in 0..CYCLES {
        if i == 0 || i == CYCLES - WINDOW {
            cpu[if i == 0 { 0 } else { 2 }] = cpu_ns(port);
        }
        let t = Instant::now();
        fork_exit(&mut p, (i % 200) as i32);
        times.push(t.elapsed());
        if i + 1 == WINDOW || i + 1 == CYCLES {
            cpu[if i + 1 == WINDOW { 1 } else { 3 }] = cpu_ns(port);
        }
        if i + 1 == WARMUP {
            fds0 = proc_fds(port).len();
            rss0 = rss_kib(port);
        }
        if i + 1 > WARMUP {
            // the exit event is sent after the child is reaped and its
            // channels closed: nothing of it may be left at this point
            assert_eq!(proc_fds(port).len(), fds0, "open fds of the port after cycle {i}");
        }
        if (i + 1) % 100 == 0 {
            assert_eq!(children_in_proc(port), vec![], "children of the port after cycle {i}");
            assert_eq!(p.call(&[], "cpid", vec![]), nil(), "cpid after cycle {i}");
        }
    }
    let fds = proc_fds(port).len();
    let rss = rss_kib(port);
    let (first, last) = (&times[..WINDOW], &times[CYCLES - WINDOW..]);
    let (first_med, last_med) = (median(first), median(last));
    let port_cpu = match cpu {
        [Some(a), Some(b), Some(c), Some(d)] => Some((Duration::from_nanos(b - a), Duration::from_nanos(d - c))),
        _ => None,
    };
    eprintln!(
        "fork/exit x{CYCLES} in {:?}: first {WINDOW} {:?} (median {first_med:?}, port on CPU {:?}), \
         last {WINDOW} {:?} (median {last_med:?}, port on CPU {:?}); fds {fds0} -> {fds}; VmRSS {rss0} KiB -> {rss} KiB",
        started.elapsed(),
        first.iter().sum::<Duration>(),
        port_cpu.map(|c| c.0),
        last.iter().sum::<Duration>(),
        port_cpu.map(|c| c.1),
    );
    assert_eq!(fds, fds0, "open fds of the port");
    assert!(rss <= rss0 + RSS_SLACK_KIB, "VmRSS grew from {rss0} KiB to {rss} KiB");
    assert_eq!(children_in_proc(port), vec![], "children of the port");
    assert_eq!(p.call(&[], "cpid", vec![]), nil());
    // The port's own CPU time per window: a cost that grows with the
    // cycles shows there whatever else the host runs.
    match port_cpu {
        Some((a, b)) => assert!(b <= a * 3, "the port's work per cycle grew: {a:?} for the first {WINDOW}, {b:?} for the last {WINDOW}"),
        None => eprintln!("(no /proc/PID/schedstat: the port's CPU time is not compared)"),
    }
    // Wall time, by medians: a moment of load on the host does not move them.
    assert!(
        last_med <= (first_med * 3).max(WALL_FLOOR),
        "fork+exit slowed down: median cycle {first_med:?} in the first {WINDOW}, {last_med:?} in the last {WINDOW}"
    );
    let left = p.drain(Duration::from_millis(100));
    assert!(left.is_empty(), "unexpected messages: {left:?}");
}

// ---- 2. concurrent streams -------------------------------------------------

const STREAMS: usize = 64;
const STREAM_BYTES: usize = 16 << 20;

#[test]
fn concurrent_streams_arrive_whole_in_order_and_unmixed() {
    let _g = serial();
    // 6 fds per child, 6 for the port; room for this process's own
    let need = 6 * STREAMS as u64 + 6 + 64;
    let nofile = raise_nofile(1024);
    if nofile < need {
        eprintln!("skipped: RLIMIT_NOFILE is {nofile} and cannot be raised to {need}");
        return;
    }
    let mut p = Port::start();
    let maxchild = as_int(&p.call(&[], "getopt", vec![atom("maxchild")])).unwrap();
    if maxchild < STREAMS as i64 && p.call(&[], "setopt", vec![atom("maxchild"), int(STREAMS as i32)]) != atom("true") {
        eprintln!("skipped: maxchild is {maxchild} and cannot be set to {STREAMS}");
        return;
    }
    let started = Instant::now();
    let kids: Vec<u32> = (0..STREAMS).map(|_| p.fork(&[])).collect();
    // Each child writes its own 4-byte unit, "sNN\n": a chunk delivered on
    // the wrong path, out of order, or twice fails the comparison.
    let mut streams: HashMap<u32, Stream> = HashMap::new();
    for (i, &c) in kids.iter().enumerate() {
        let unit = format!("s{i:02}");
        let script = format!("yes {unit} | head -c {STREAM_BYTES}");
        streams.insert(c, Stream::new(format!("{unit}\n").as_bytes(), STREAM_BYTES));
        p.send_call(&[c], call_nr("execvp"), &execvp_etf(&["/bin/sh", "-c", &script]));
    }
    let mut execd = 0;
    let mut exited: HashMap<u32, Term> = HashMap::new();
    let mut messages = 0usize;
    while exited.len() < STREAMS || streams.values().any(|s| !s.done()) {
        let m = next(&mut p, "streaming");
        messages += 1;
        let c = match m.path() {
            [c] if streams.contains_key(c) => *c,
            _ => panic!("unexpected {m:?}"),
        };
        match m {
            Msg::Stdout(_, d) => streams.get_mut(&c).unwrap().feed(&d, &format!("child {c}")),
            Msg::Ctl(_, t) if t == atom("fdctl_closed") => execd += 1,
            Msg::Event(_, t) => assert!(exited.insert(c, t).is_none(), "child {c}: two exit events"),
            m => panic!("unexpected {m:?}"),
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(execd, STREAMS);
    for (c, t) in &exited {
        assert_eq!(*t, exit_status(0), "child {c}");
    }
    let total = STREAMS * STREAM_BYTES;
    eprintln!(
        "{STREAMS} streams x {} MiB in {elapsed:?} ({:.0} MiB/s, {messages} messages)",
        STREAM_BYTES >> 20,
        total as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
    );
    let left = p.drain(Duration::from_millis(100));
    assert!(left.is_empty(), "unexpected messages: {left:?}");
    assert_eq!(p.call(&[], "cpid", vec![]), nil());
    assert_eq!(children_in_proc(p.os_pid()), vec![], "children of the port");
}

// ---- 3. calls along a deep chain while its leaf streams --------------------

const CHAIN: usize = 16;
const LEAF_BYTES: usize = 32 << 20;

#[derive(Debug)]
enum Asked {
    Getpid,
    Getcwd,
    Environ,
}

#[test]
fn calls_at_every_level_while_the_leaf_streams() {
    let _g = serial();
    let mut p = Port::start();
    let path = p.chain(&[], CHAIN);
    let cwd = p.call(&[], "getcwd", vec![]);
    let environ = p.call(&[], "environ", vec![]);
    let here = std::env::current_dir().unwrap();
    assert_eq!(cwd, tuple(vec![atom("ok"), bin(here.to_str().unwrap().as_bytes())]));
    assert!(matches!(&environ, Term::List(l) if !l.elements.is_empty()), "environ: {environ}");

    let started = Instant::now();
    p.send_call(&path, call_nr("execvp"), &execvp_etf(&["/bin/sh", "-c", &format!("yes | head -c {LEAF_BYTES}")]));
    let mut stream = Stream::new(b"y\n", LEAF_BYTES);
    let (mut execd, mut exit) = (false, None);
    let mut pending: HashMap<Vec<u32>, VecDeque<Asked>> = HashMap::new();
    let (mut rounds, mut overlapped, mut answered) = (0, 0, 0);
    // Rounds of pipelined calls at levels 1..15 until the leaf is done, and
    // one more after that.
    let mut last_round = false;
    while !last_round {
        last_round = exit.is_some() && stream.done();
        let before = stream.got;
        for d in 1..CHAIN {
            let sub = &path[..d];
            for (name, asked) in [("getpid", Asked::Getpid), ("getcwd", Asked::Getcwd), ("environ", Asked::Environ)] {
                p.send_call(sub, call_nr(name), &encode(&tuple(vec![])));
                pending.entry(sub.to_vec()).or_default().push_back(asked);
            }
        }
        rounds += 1;
        let mut waiting = 3 * (CHAIN - 1);
        while waiting > 0 {
            match next(&mut p, "waiting for replies along the chain") {
                Msg::Stdout(q, d) if q == path => stream.feed(&d, "leaf"),
                Msg::Ctl(q, t) if q == path && t == atom("fdctl_closed") && !execd => execd = true,
                Msg::Event(q, t) if q == path && exit.is_none() => exit = Some(t),
                Msg::Call(q, t) => {
                    let asked = pending.get_mut(&q).and_then(|v| v.pop_front());
                    let d = q.len();
                    match asked {
                        Some(Asked::Getpid) => assert_eq!(t, int(q[d - 1] as i32), "getpid at depth {d}"),
                        Some(Asked::Getcwd) => assert_eq!(t, cwd, "getcwd at depth {d}"),
                        Some(Asked::Environ) => assert_eq!(t, environ, "environ at depth {d}"),
                        None => panic!("reply nobody asked for at {q:?}: {t}"),
                    }
                    waiting -= 1;
                    answered += 1;
                }
                m => panic!("unexpected {m:?}"),
            }
        }
        if stream.got > before && !stream.done() {
            overlapped += 1;
        }
    }
    let elapsed = started.elapsed();
    assert!(execd, "no fdctl_closed for the leaf");
    assert_eq!(exit, Some(exit_status(0)), "leaf exit");
    assert!(pending.values().all(VecDeque::is_empty), "unanswered: {pending:?}");
    eprintln!(
        "depth {CHAIN}: {} MiB streamed in {elapsed:?}; {rounds} rounds, {answered} calls answered, {overlapped} rounds during the stream",
        LEAF_BYTES >> 20
    );
    // calls must not wait for the stream to end
    assert!(overlapped >= 2, "only {overlapped} rounds of calls were answered while the leaf streamed");
    // the chain above the leaf is intact
    for d in 1..CHAIN {
        assert_eq!(p.call(&path[..d], "getpid", vec![]), int(path[d - 1] as i32));
    }
    let left = p.drain(Duration::from_millis(100));
    assert!(left.is_empty(), "unexpected messages: {left:?}");
}
