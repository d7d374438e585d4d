//! Every control process writes its own frames to Erlang (src/uplink.rs).
//! The frames must come out exactly as a chain of relays would have sent
//! them, whole, whatever the writers do: long replies from deep processes
//! (handed to the root), many writers at once, writers killed in the
//! middle of their output, the root's exec. A port whose stdout is not a
//! pipe relays instead (PROTOCOL.md §1.7).

mod common;
use common::*;
use eetf::Term;
use std::time::{Duration, Instant};

/// The longest binary a `read` reply at `depth` can carry: {ok, Bin} takes
/// 12 bytes of ETF besides the data, within 65535 - 8 (depth + 1).
fn max_read(depth: usize) -> usize {
    65535 - 8 * (depth + 1) - 12
}

fn open_zero(p: &mut Port, path: &[u32]) -> i32 {
    let r = p.call(path, "open", vec![charlist("/dev/zero"), int(libc::O_RDONLY), int(0)]);
    ok_int(&r).unwrap_or_else(|| panic!("open at {path:?}: {r}")) as i32
}

fn read_call(fd: i32, n: usize) -> Vec<u8> {
    encode(&tuple(vec![int(fd), int(n as i32)]))
}

/// The data of an `{ok, Bin}` reply.
fn ok_bin(t: &Term) -> Option<usize> {
    match t {
        Term::Tuple(t) => match (t.elements.first(), t.elements.get(1)) {
            (Some(Term::Atom(a)), Some(Term::Binary(b))) if a.name == "ok" => {
                assert!(b.bytes.iter().all(|&x| x == 0), "bytes of /dev/zero");
                Some(b.bytes.len())
            }
            _ => None,
        },
        _ => None,
    }
}

fn long_replies_at_every_depth(p: &mut Port) {
    let path = p.chain(&[], 3);
    for d in 1..=3 {
        let at = &path[..d];
        let fd = open_zero(p, at);
        for n in [100, 4000, 4096, 5000, 20000, max_read(d)] {
            let r = p.call_etf(at, call_nr("read"), &read_call(fd, n));
            assert_eq!(ok_bin(&r), Some(n), "read of {n} at depth {d}");
        }
        // a longer read is cut to what fits a frame (§11)
        let r = p.call_etf(at, call_nr("read"), &read_call(fd, max_read(d) + 1));
        assert_eq!(ok_bin(&r), Some(max_read(d)), "depth {d}");
    }
}

#[test]
fn long_replies_at_every_depth_arrive_whole() {
    long_replies_at_every_depth(&mut Port::start());
}

#[test]
fn relayed_when_stdout_is_not_a_pipe() {
    let mut p = Port::start_relayed();
    long_replies_at_every_depth(&mut p);
    let path = p.chain(&[], 3);
    for d in 1..=3 {
        assert_eq!(p.call(&path[..d], "getpid", vec![]), int(path[d - 1] as i32));
    }
    p.sh(&path, "seq 1 20000; exit 7");
    let want: String = (1..=20000).map(|i| format!("{i}\n")).collect();
    assert_eq!(p.stdout(&path, want.len()), want.as_bytes());
    assert_eq!(p.exit_event(&path), tuple(vec![atom("exit_status"), int(7)]));
}

/// Programs at depth 2 and 3 stream their output while long replies are
/// asked for, all at once: every stream arrives whole and in order, every
/// reply whole.
#[test]
fn many_writers_at_once() {
    let mut p = Port::start();
    let lines = 100_000;
    let want: Vec<u8> = (1..=lines).map(|i| format!("{i}\n")).collect::<String>().into_bytes();
    let mut streams = Vec::new();
    for depth in [2, 2, 3, 3] {
        let path = p.chain(&[], depth);
        p.sh(&path, &format!("seq 1 {lines}"));
        streams.push(path);
    }
    let askers: Vec<Vec<u32>> = [1, 2, 3].iter().map(|&d| p.chain(&[], d)).collect();
    let fds: Vec<i32> = askers.iter().map(|a| open_zero(&mut p, a)).collect();
    for _ in 0..10 {
        for (a, &fd) in askers.iter().zip(&fds) {
            p.send_call(a, call_nr("read"), &read_call(fd, max_read(a.len())));
        }
    }
    let mut got = vec![Vec::new(); streams.len()];
    let mut replies = vec![0; askers.len()];
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.iter().any(|g| g.len() < want.len()) || replies.iter().any(|&r| r < 10) {
        assert!(Instant::now() < deadline, "{:?} {replies:?}", got.iter().map(Vec::len).collect::<Vec<_>>());
        match p.recv(TIMEOUT).expect("a message") {
            Msg::Stdout(path, d) => got[streams.iter().position(|s| *s == path).expect("a stream")].extend(d),
            Msg::Call(path, t) => {
                let i = askers.iter().position(|a| *a == path).expect("an asker");
                assert_eq!(ok_bin(&t), Some(max_read(path.len())));
                replies[i] += 1;
            }
            _ => {}
        }
    }
    for g in got {
        assert!(g == want, "a stream of {} bytes", g.len());
    }
}

/// A writer killed while it streams a program's output, hands a long reply
/// to the root or waits for room in a full pipe: whatever it sent is whole,
/// and everyone else goes on.
#[test]
fn killed_writers_leave_no_cut_frame() {
    let mut p = Port::start();
    for round in 0..32 {
        let c = p.fork(&[]);
        let fd = open_zero(&mut p, &[c]);
        let g = p.fork(&[c]);
        p.sh(&[c, g], "exec cat /dev/zero");
        p.expect(|m| matches!(m, Msg::Stdout(x, _) if *x == [c, g]));
        for _ in 0..8 {
            p.send_call(&[c], call_nr("read"), &read_call(fd, max_read(1)));
        }
        if round % 2 == 1 {
            // let the pipe to us fill: c waits for room, lock held
            std::thread::sleep(Duration::from_millis(50));
        }
        p.send_call(&[], call_nr("kill"), &encode(&tuple(vec![int(c as i32), atom("sigkill")])));
        // every frame up to c's end decodes (the harness checks lengths)
        let end = p.expect(|m| matches!(m, Msg::Event(x, t) if *x == [c] && is_exit(t)));
        assert_eq!(end, Msg::Event(vec![c], tuple(vec![atom("termsig"), atom("sigkill")])));
        let late = p.drain(Duration::from_millis(20));
        assert!(late.iter().all(|m| match m {
            Msg::Call(x, t) if x.is_empty() => *t == ok(),
            Msg::Call(x, t) if *x == [c] => ok_bin(t) == Some(max_read(1)),
            m => m.path().starts_with(&[c]),
        }), "round {round}: {late:?}");
    }
    // the way up is free: a new process replies, long and short
    let c = p.fork(&[]);
    let fd = open_zero(&mut p, &[c]);
    assert_eq!(ok_bin(&p.call_etf(&[c], call_nr("read"), &read_call(fd, max_read(1)))), Some(max_read(1)));
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
}

/// After the root execs, its stdout is the program's: a descendant still
/// running writes nothing more into it.
#[test]
fn root_exec_leaves_the_stream_to_the_program() {
    for _ in 0..5 {
        root_exec_with_a_writer_below();
    }
}

fn root_exec_with_a_writer_below() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    p.sh(&[c, g], "exec cat /dev/zero");
    p.expect(|m| matches!(m, Msg::Stdout(x, _) if *x == [c, g]));
    let marker = b"the program's own output";
    let script = format!("printf \"{}\"", String::from_utf8_lossy(marker));
    let args = vec![charlist("/bin/sh"), list(vec![charlist("sh"), charlist("-c"), charlist(&script)])];
    p.send_call(&[], call_nr("execvp"), &encode(&tuple(args)));
    // whole frames from c, then the program's bytes and nothing else
    let all = p.read_to_end();
    let mut at = 0;
    while &all[at..] != marker {
        assert!(all.len() - at >= 2, "cut at {at}: {:?}", &all[at..]);
        let len = 2 + u16::from_be_bytes([all[at], all[at + 1]]) as usize;
        assert!(at + len <= all.len(), "frame cut at {at} of {}: {:?}", all.len(), &all[at..all.len().min(at + 64)]);
        let m = decode_frame(&all[at..at + len], Vec::new());
        assert!(matches!(&m, Msg::Stdout(x, _) if *x == [c, g]), "{m:?}");
        at += len;
    }
}

/// Gone, or a zombie waiting for whoever inherited it.
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat[stat.rfind(')').unwrap() + 2..].starts_with('Z'),
    }
}

/// Poll `done` until it holds, failing with `what` after `within`.
fn wait_until(within: Duration, done: impl Fn() -> bool, what: impl Fn() -> String) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{}", what());
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wchan(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default()
}

/// A root call that blocks for a second, as a frame to send.
fn root_select(secs: i32) -> Vec<u8> {
    let tv = tuple(vec![atom("alcove_timeval"), int(secs), int(0)]);
    call_frame(call_nr("select"), &encode(&tuple(vec![nil(), nil(), nil(), tv])))
}

/// While the root is busy in a call, its children go on: a program's output
/// waits in the ring (as it would in pipes between relays), and arrives
/// when the root is back.
#[test]
fn children_go_on_while_the_root_is_busy() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    const N: usize = 600_000;
    p.sh(&[c, g], &format!("sleep 0.3; head -c {N} /dev/zero"));
    p.send(&root_select(2));
    // g writes and exits, c passes it all on and is back in its loop
    wait_until(Duration::from_millis(1800), || gone(g) && wchan(c).contains("epoll"), || format!("c waits: {}", wchan(c)));
    assert_eq!(p.stdout(&[c, g], N).len(), N);
    p.expect(|m| matches!(m, Msg::Call(x, _) if x.is_empty()));
}

/// A child waiting for room in the ring does not outlive the root: when
/// the root is killed outright, it stops waiting and ends.
#[test]
fn no_one_waits_for_a_dead_root() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    p.sh(&[c, g], "sleep 0.2; head -c 3000000 /dev/zero");
    p.send(&root_select(60));
    wait_until(TIMEOUT, || wchan(c).contains("futex"), || format!("c waits for room: {}", wchan(c)));
    p.child.kill().unwrap();
    p.child.wait().unwrap();
    wait_until(Duration::from_secs(5), || gone(c) && gone(g), || "c or g outlived the root".into());
}

/// A process in another pid namespace (the kernel would mistake its thread
/// id for another's in the uplink's lock) and everything below it relay
/// their frames through their parent: all still arrives whole.
#[test]
fn other_pid_namespaces_relay() {
    let mut p = Port::start();
    let r = p.call(&[], "clone", vec![list(vec![atom("clone_newpid")])]);
    let c = ok_int(&r).unwrap_or_else(|| panic!("clone: {r}")) as u32;
    assert_eq!(p.call(&[c], "getpid", vec![]), int(1));
    let path = p.chain(&[c], 2);
    long_replies_at_every_depth(&mut p);
    let fd = open_zero(&mut p, &path);
    for _ in 0..4 {
        assert_eq!(ok_bin(&p.call_etf(&path, call_nr("read"), &read_call(fd, max_read(3)))), Some(max_read(3)));
    }
    let leaf = p.fork(&path);
    let at = [path.clone(), vec![leaf]].concat();
    p.sh(&at, "seq 1 50000");
    let want: String = (1..=50000).map(|i| format!("{i}\n")).collect();
    assert_eq!(p.stdout(&at, want.len()), want.as_bytes());
    // they relay: they let go of the uplink (its eventfd among them), which
    // a sibling in our namespace keeps
    let sibling = p.fork(&[]);
    assert_eq!(p.call(&[sibling], "getpid", vec![]), int(sibling as i32));
    assert!(has_eventfd(sibling));
    assert!(!has_eventfd(c) && !has_eventfd(path[1]));
    // the same below a process that unshared its pid namespace: it keeps
    // the uplink, its children (there) do not
    let u = p.fork(&[]);
    assert_eq!(p.call(&[u], "unshare", vec![list(vec![atom("clone_newpid")])]), ok());
    let v = p.fork(&[u]);
    assert_eq!(p.call(&[u, v], "getpid", vec![]), int(1));
    let fd = open_zero(&mut p, &[u, v]);
    assert_eq!(ok_bin(&p.call_etf(&[u, v], call_nr("read"), &read_call(fd, max_read(2)))), Some(max_read(2)));
    assert!(has_eventfd(u) && !has_eventfd(v));
}

fn has_eventfd(pid: u32) -> bool {
    proc_fds(pid).iter().any(|fd| {
        std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).is_ok_and(|l| l.to_string_lossy().contains("eventfd"))
    })
}

/// What a process sends reaches Erlang in the order it sent it, whether it
/// went through the ring (a program's output) or straight (its exit event).
#[test]
fn output_comes_before_the_exit_event() {
    let mut p = Port::start();
    for depth in [2, 3, 2, 3] {
        let path = p.chain(&[], depth);
        const N: usize = 300_000;
        p.sh(&path, &format!("head -c {N} /dev/zero; exit 3"));
        let mut got = 0;
        loop {
            match p.expect(|m| m.path() == path) {
                Msg::Stdout(_, d) => got += d.len(),
                Msg::Event(_, t) if is_exit(&t) => break,
                _ => {}
            }
        }
        assert_eq!(got, N, "depth {depth}");
    }
}

/// The uplink's descriptors sit high, out of the way of a program that is
/// given descriptors from 3 up with dup2 (one of ours there would send our
/// frames into the program's file).
#[test]
fn uplink_descriptors_are_out_of_the_way() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
    let link = |pid: u32, fd: i32| std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).map(|l| l.to_string_lossy().into_owned());
    let to_erlang = link(p.os_pid(), 1).unwrap();
    let ours: Vec<i32> = proc_fds(c)
        .into_iter()
        .filter(|&fd| link(c, fd).is_ok_and(|l| l == to_erlang || l.contains("eventfd") || l.contains("pidfd")))
        .collect();
    assert_eq!(ours.len(), 3, "{ours:?}");
    let (soft, _) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    let low = soft.min(1024) as i32 - 16;
    assert!(ours.iter().all(|&fd| fd >= low.max(3)), "{ours:?}");
}
