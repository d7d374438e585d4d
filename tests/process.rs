//! Process groups, sessions, priorities, waitpid and setproctitle over raw
//! frames (PROTOCOL.md §4.4, §4.6, §11).

mod common;
use common::*;
use std::time::Duration;

/// Field `n` (1-based, as in proc_pid_stat(5)) of /proc/PID/stat.
fn proc_stat(pid: u32, n: usize) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(n - 3).unwrap().to_string()
}

fn cmdline(pid: u32) -> Vec<u8> {
    std::fs::read(format!("/proc/{pid}/cmdline")).unwrap()
}

/// `{ok, Pid, RawStatus, List}`
fn waited(pid: u32, status: i32, list: Vec<Term>) -> Term {
    tuple(vec![atom("ok"), int(pid as i32), int(status), list_or_nil(list)])
}

fn list_or_nil(items: Vec<Term>) -> Term {
    if items.is_empty() {
        nil()
    } else {
        list(items)
    }
}

fn pair(name: &str, v: Term) -> Term {
    tuple(vec![atom(name), v])
}

/// The `#alcove_pid{}` records `cpid` returns at `path`, as integer fields.
fn cpid(p: &mut Port, path: &[u32]) -> Vec<Vec<i64>> {
    let t = p.call(path, "cpid", vec![]);
    let items = match &t {
        Term::List(l) => l.elements.clone(),
        _ => panic!("cpid: {t}"),
    };
    items.iter().map(|r| elems(r)[1..].iter().map(|f| as_int(f).unwrap()).collect()).collect()
}

use eetf::Term;

/// Turn on SIGCHLD reporting at `path`: children are then reaped by waitpid.
fn report_sigchld(p: &mut Port, path: &[u32]) {
    assert_eq!(p.call(path, "sigaction", vec![atom("sigchld"), atom("sig_info")]), tuple(vec![atom("ok"), atom("sig_dfl")]));
}

fn expect_sigchld(p: &mut Port, path: &[u32]) {
    p.expect(|m| match m {
        Msg::Event(x, Term::Tuple(t)) => x == path && t.elements.get(1) == Some(&atom("sigchld")),
        _ => false,
    });
}

// ---- sessions and groups ---------------------------------------------------

#[test]
fn setsid_in_child() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let sid = tuple(vec![atom("ok"), int(c as i32)]);
    assert_eq!(p.call(&[c], "setsid", vec![]), sid);
    assert_eq!(p.call(&[c], "getsid", vec![int(0)]), sid);
    assert_eq!(p.call(&[], "getsid", vec![int(c as i32)]), sid);
    assert_eq!(proc_stat(c, 6), c.to_string());
    assert_eq!(p.call(&[c], "getpgrp", vec![]), int(c as i32));
    // already a group leader
    assert_eq!(p.call(&[c], "setsid", vec![]), error("eperm"));
}

#[test]
fn getsid_errors() {
    let mut p = Port::start();
    let root = p.os_pid();
    let sid: i32 = proc_stat(root, 6).parse().unwrap();
    assert_eq!(p.call(&[], "getsid", vec![int(root as i32)]), tuple(vec![atom("ok"), int(sid)]));
    assert_eq!(p.call(&[], "getsid", vec![int(-1)]), error("esrch"));
    assert_eq!(p.call(&[], "getsid", vec![atom("foo")]), atom("badarg"));
    assert_eq!(p.call(&[], "getsid", vec![big(1 << 40)]), atom("badarg"));
}

#[test]
fn setpgid_getpgrp_round_trip() {
    let mut p = Port::start();
    let root = p.os_pid();
    assert_eq!(p.call(&[], "getpgrp", vec![]), int(proc_stat(root, 5).parse().unwrap()));
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setpgid", vec![int(0), int(0)]), ok());
    assert_eq!(p.call(&[c], "getpgrp", vec![]), int(c as i32));
    assert_eq!(proc_stat(c, 5), c.to_string());
    // a grandchild joins its parent's new group
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c, g], "getpgrp", vec![]), int(c as i32));
    assert_eq!(p.call(&[c, g], "setpgid", vec![int(0), int(0)]), ok());
    assert_eq!(p.call(&[c, g], "getpgrp", vec![]), int(g as i32));
    assert_eq!(p.call(&[c], "setpgid", vec![int(g as i32), int(c as i32)]), ok());
    assert_eq!(p.call(&[c, g], "getpgrp", vec![]), int(c as i32));
    // failures
    assert_eq!(p.call(&[c], "setpgid", vec![int(999999999), int(0)]), error("esrch"));
    assert_eq!(p.call(&[c], "setpgid", vec![int(0), int(-1)]), error("einval"));
    assert_eq!(p.call(&[c], "setpgid", vec![int(0), atom("x")]), atom("badarg"));
}

// ---- priorities ------------------------------------------------------------

#[test]
fn priority_round_trip() {
    let mut p = Port::start();
    let root = p.os_pid();
    let nice: i32 = proc_stat(root, 19).parse().unwrap();
    assert_eq!(p.call(&[], "getpriority", vec![atom("prio_process"), int(0)]), tuple(vec![atom("ok"), int(nice)]));
    assert_eq!(p.call(&[], "getpriority", vec![int(0), int(root as i32)]), tuple(vec![atom("ok"), int(nice)]));

    let c = p.fork(&[]);
    let raised = (nice + 5).min(19);
    assert_eq!(p.call(&[c], "setpriority", vec![atom("prio_process"), int(0), int(raised)]), ok());
    assert_eq!(p.call(&[c], "getpriority", vec![atom("prio_process"), int(0)]), tuple(vec![atom("ok"), int(raised)]));
    assert_eq!(proc_stat(c, 19), raised.to_string());
    // the root is untouched
    assert_eq!(proc_stat(root, 19), nice.to_string());

    // unprivileged, with no RLIMIT_NICE allowance: lowering is refused
    let limit = tuple(vec![atom("alcove_rlimit"), int(0), int(0)]);
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_nice"), limit]), ok());
    if unsafe { libc::geteuid() } == 0 {
        assert_eq!(p.call(&[c], "setuid", vec![int(65534)]), ok());
    }
    let r = p.call(&[c], "setpriority", vec![atom("prio_process"), int(0), int(raised - 1)]);
    assert!(r == error("eacces") || r == error("eperm"), "{r}");
    assert_eq!(proc_stat(c, 19), raised.to_string());

    // failures
    assert_eq!(p.call(&[], "getpriority", vec![atom("prio_bogus"), int(0)]), error("enotsup"));
    assert_eq!(p.call(&[], "getpriority", vec![atom("prio_process"), int(999999999)]), error("esrch"));
    assert_eq!(p.call(&[], "getpriority", vec![list(vec![atom("prio_process")]), int(0)]), atom("badarg"));
    assert_eq!(p.call(&[], "setpriority", vec![atom("prio_bogus"), int(0), int(1)]), error("enotsup"));
    assert_eq!(p.call(&[], "setpriority", vec![atom("prio_process"), int(999999999), int(1)]), error("esrch"));
    assert_eq!(p.call(&[], "setpriority", vec![atom("prio_process"), int(0), atom("x")]), atom("badarg"));
}

#[test]
fn priority_minus_one_is_not_an_error() {
    require_root!();
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setpriority", vec![atom("prio_process"), int(0), int(-1)]), ok());
    assert_eq!(p.call(&[c], "getpriority", vec![atom("prio_process"), int(0)]), tuple(vec![atom("ok"), int(-1)]));
    assert_eq!(p.call(&[], "getpriority", vec![atom("prio_process"), int(c as i32)]), tuple(vec![atom("ok"), int(-1)]));
}

// ---- waitpid ---------------------------------------------------------------

#[test]
fn waitpid_exit_frees_slot_and_fds() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), list(vec![atom("wnohang")])]), error("echild"));
    report_sigchld(&mut p, &[c]);
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), list(vec![atom("wnohang")])]), waited(0, 0, vec![]));

    let table = cpid(&mut p, &[c]);
    assert_eq!(table.len(), 1);
    let fds: Vec<i32> = table[0][3..7].iter().map(|&f| f as i32).collect();
    let open = proc_fds(c);
    assert!(fds.iter().all(|f| open.contains(f)), "{fds:?} in {open:?}");

    p.send_call(&[c, g], call_nr("exit"), &encode(&tuple(vec![int(3)])));
    expect_sigchld(&mut p, &[c]);
    // nothing reaped it meanwhile: the slot is still there
    assert_eq!(cpid(&mut p, &[c]).len(), 1);
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), int(0)]), waited(g, 768, vec![pair("exit_status", int(3))]));
    assert_eq!(cpid(&mut p, &[c]), Vec::<Vec<i64>>::new());
    let open = proc_fds(c);
    assert!(fds.iter().all(|f| !open.contains(f)), "{fds:?} still in {open:?}");
    // the caller has the status: no exit event for it
    let late = p.drain(Duration::from_millis(200));
    assert!(!late.iter().any(|m| matches!(m, Msg::Event(x, _) if x == &[c, g])), "{late:?}");
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), int(1)]), error("echild"));
    // the freed slot is reused
    let g2 = p.fork(&[c]);
    assert_eq!(p.call(&[c, g2], "getpid", vec![]), int(g2 as i32));
}

#[test]
fn waitpid_stop_continue_kill() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    report_sigchld(&mut p, &[c]);
    let g = p.fork(&[c]);
    let gi = int(g as i32);
    assert_eq!(p.call(&[c], "kill", vec![gi.clone(), atom("sigstop")]), ok());
    assert_eq!(
        p.call(&[c], "waitpid", vec![gi.clone(), list(vec![atom("wuntraced")])]),
        waited(g, 4991, vec![pair("stopsig", atom("sigstop"))])
    );
    // a stopped child stays in the table
    assert_eq!(cpid(&mut p, &[c]).len(), 1);
    assert_eq!(p.call(&[c], "kill", vec![gi.clone(), atom("sigcont")]), ok());
    assert_eq!(p.call(&[c], "waitpid", vec![gi.clone(), list(vec![atom("wcontinued")])]), waited(g, 65535, vec![atom("continued")]));
    assert_eq!(p.call(&[c, g], "getpid", vec![]), gi);
    assert_eq!(p.call(&[c], "kill", vec![gi.clone(), atom("sigkill")]), ok());
    assert_eq!(p.call(&[c], "waitpid", vec![gi.clone(), int(0)]), waited(g, 9, vec![pair("termsig", atom("sigkill"))]));
    assert_eq!(cpid(&mut p, &[c]), Vec::<Vec<i64>>::new());
    assert_eq!(p.call(&[c], "waitpid", vec![gi, list(vec![atom("wnohang")])]), error("echild"));
}

#[test]
fn waitpid_relays_buffered_output() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    report_sigchld(&mut p, &[c]);
    // no output credit: only reaping makes the parent read the pipe
    assert_eq!(p.call(&[c], "setopt", vec![atom("flowcontrol"), int(0)]), atom("true"));
    let g = p.fork(&[c]);
    p.sh(&[c, g], "echo buffered; exit 5");
    expect_sigchld(&mut p, &[c]);
    assert_eq!(p.call(&[c], "waitpid", vec![int(g as i32), int(0)]), waited(g, 5 << 8, vec![pair("exit_status", int(5))]));
    let msgs = p.drain(Duration::from_millis(200));
    assert!(msgs.contains(&Msg::Stdout(vec![c, g], b"buffered\n".to_vec())), "{msgs:?}");
    assert!(!msgs.iter().any(|m| matches!(m, Msg::Event(x, _) if x == &[c, g])), "{msgs:?}");
    assert_eq!(cpid(&mut p, &[c]), Vec::<Vec<i64>>::new());
}

#[test]
fn waitpid_bad_arguments() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), list(vec![atom("wbogus")])]), error("enotsup"));
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), atom("wnohang")]), atom("badarg"));
    assert_eq!(p.call(&[c], "waitpid", vec![atom("x"), nil()]), atom("badarg"));
    // automatic reaping is on: a running child is simply not ready
    let _g = p.fork(&[c]);
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), list(vec![atom("wnohang")])]), waited(0, 0, vec![]));
}

// ---- setproctitle ----------------------------------------------------------

#[test]
fn setproctitle_shows_in_cmdline() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let before = cmdline(c);
    assert_eq!(p.call(&[c], "setproctitle", vec![charlist("alcove-title")]), ok());
    let after = cmdline(c);
    assert!(after.starts_with(b"alcove-title\0"), "{after:?}");
    assert_eq!(after.len(), before.len());
    assert!(after[12..].iter().all(|&b| b == 0));
    // the parent's title is its own
    assert_eq!(cmdline(p.os_pid()), before);

    assert_eq!(p.call(&[c], "setproctitle", vec![list(vec![bin(b"io"), charlist("list"), int(b'!' as i32)])]), ok());
    assert!(cmdline(c).starts_with(b"iolist!\0"));
    // too long: truncated to the area, which stays NUL-terminated
    let long = "x".repeat(before.len() + 100);
    assert_eq!(p.call(&[c], "setproctitle", vec![bin(long.as_bytes())]), ok());
    let t = cmdline(c);
    assert!(t[..t.len() - 1].iter().all(|&b| b == b'x') && t.ends_with(b"\0"), "{t:?}");
    // empty
    assert_eq!(p.call(&[c], "setproctitle", vec![bin(b"")]), ok());
    assert!(cmdline(c).iter().all(|&b| b == 0));
    assert_eq!(p.call(&[c], "setproctitle", vec![atom("foo")]), atom("badarg"));

    // a grandchild and the root
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c, g], "setproctitle", vec![charlist("grandchild")]), ok());
    assert!(cmdline(g).starts_with(b"grandchild\0"));
    assert_eq!(p.call(&[], "setproctitle", vec![charlist("root")]), ok());
    assert!(cmdline(p.os_pid()).starts_with(b"root\0"));
}
