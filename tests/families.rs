//! The call families not covered elsewhere, over raw frames, each with a
//! success and a real failure: environment, constants, errno names, signals
//! and their dispositions, namespaces and the host name, resource limits,
//! options, the child table, flow control and call filters.

mod common;
use common::*;
use std::time::Duration;

fn getenv(p: &mut Port, path: &[u32], name: &str) -> eetf::Term {
    p.call(path, "getenv", vec![charlist(name)])
}

#[test]
fn environment() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setenv", vec![charlist("ALCOVE_T"), charlist("one"), int(1)]), ok());
    assert_eq!(getenv(&mut p, &[c], "ALCOVE_T"), bin(b"one"));
    // no overwrite
    assert_eq!(p.call(&[c], "setenv", vec![charlist("ALCOVE_T"), charlist("two"), int(0)]), ok());
    assert_eq!(getenv(&mut p, &[c], "ALCOVE_T"), bin(b"one"));
    // the root is another process
    assert_eq!(getenv(&mut p, &[], "ALCOVE_T"), atom("false"));
    let env = p.call(&[c], "environ", vec![]);
    let Term::List(l) = &env else { panic!("{env}") };
    assert!(l.elements.contains(&bin(b"ALCOVE_T=one")));
    assert_eq!(p.call(&[c], "unsetenv", vec![charlist("ALCOVE_T")]), ok());
    assert_eq!(getenv(&mut p, &[c], "ALCOVE_T"), atom("false"));
    assert_eq!(p.call(&[c], "setenv", vec![charlist("A=B"), charlist("x"), int(1)]), error("einval"));
    assert_eq!(p.call(&[c], "setenv", vec![nil(), charlist("x"), int(1)]), atom("badarg"));
    assert_eq!(p.call(&[c], "clearenv", vec![]), ok());
    assert_eq!(p.call(&[c], "environ", vec![]), nil());
    // an exec'd program sees the environment the process built
    assert_eq!(p.call(&[c], "setenv", vec![charlist("ALCOVE_SEEN"), charlist("yes"), int(1)]), ok());
    p.exec(&[c], &["/bin/sh", "-c", "echo $ALCOVE_SEEN"]);
    assert_eq!(p.stdout(&[c], 4), b"yes\n");
}

use eetf::Term;

#[test]
fn constants_and_errno_names() {
    let mut p = Port::start();
    for (call, name, value) in [
        ("clone_constant", "CLONE_NEWNS", 131072u64),
        ("fcntl_constant", "f_getfd", 1),
        ("file_constant", "O_CREAT", 64),
        ("ioctl_constant", "tiocgptn", 2147767344),
        ("mount_constant", "ms_nouser", 18446744071562067968),
        ("prctl_constant", "pr_set_ptracer_any", 18446744073709551615),
        ("ptrace_constant", "ptrace_attach", 16),
        ("rlimit_constant", "rlimit_nofile", 7),
        ("seccomp_constant", "seccomp_set_mode_filter", 1),
        ("signal_constant", "SigTerm", 15),
        ("syscall_constant", "sys_process_vm_writev", 311),
        ("syscall_constant", "audit_arch_x86_64", 3221225534),
    ] {
        let got = p.call(&[], call, vec![atom(name)]);
        let n = match &got {
            Term::FixInteger(i) => i.value as u64,
            Term::BigInteger(b) => b.value.to_string().parse().unwrap(),
            t => panic!("{call}({name}) = {t}"),
        };
        assert_eq!(n, value, "{call}({name})");
    }
    for (call, name) in [("syscall_constant", "sys_seccomp"), ("mount_constant", "ms_fss"), ("signal_constant", "siglost")] {
        assert_eq!(p.call(&[], call, vec![atom(name)]), atom("unknown"));
    }
    assert_eq!(p.call(&[], "signal_constant", vec![int(15)]), atom("badarg"));
    assert_eq!(p.call(&[], "errno_id", vec![int(2)]), atom("enoent"));
    assert_eq!(p.call(&[], "errno_id", vec![int(120)]), atom("eisnam"));
    assert_eq!(p.call(&[], "errno_id", vec![int(0)]), atom("unknown"));
    assert_eq!(p.call(&[], "errno_id", vec![atom("enoent")]), atom("badarg"));
    assert_eq!(p.call(&[], "version", vec![]), bin(b"1.0.1"));
    assert_eq!(p.call(&[], "iolist_to_bin", vec![list(vec![charlist("foo"), bin(b"1"), charlist("bar")])]), bin(b"foo1bar"));
    assert_eq!(p.call(&[], "iolist_to_bin", vec![atom("foo")]), atom("badarg"));
}

/// `{ok, Old}` of sigaction.
fn old(h: &str) -> Term {
    tuple(vec![atom("ok"), atom(h)])
}

#[test]
fn signal_dispositions() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "sigaction", vec![atom("sigterm"), nil()]), old("sig_info"));
    assert_eq!(p.call(&[c], "sigaction", vec![atom("sigterm"), atom("sig_ign")]), old("sig_info"));
    // ignored: no event, the child lives on
    assert_eq!(p.call(&[], "kill", vec![int(c as i32), atom("sigterm")]), ok());
    assert!(p.expect_within(Duration::from_millis(200), |m| matches!(m, Msg::Event(..))).is_none());
    assert_eq!(p.call(&[c], "sigaction", vec![atom("sigterm"), atom("sig_dfl")]), old("sig_ign"));
    assert_eq!(p.call(&[c], "sigaction", vec![atom("sigusr1"), atom("sig_info")]), old("sig_info"));
    // default: SIGTERM kills it
    assert_eq!(p.call(&[], "kill", vec![int(c as i32), atom("sigterm")]), ok());
    assert_eq!(p.exit_event(&[c]), tuple(vec![atom("termsig"), atom("sigterm")]));
    // failures (§11: not {ok, sig_dfl})
    assert_eq!(p.call(&[], "sigaction", vec![atom("sigkill"), atom("sig_ign")]), error("einval"));
    assert_eq!(p.call(&[], "sigaction", vec![int(100), nil()]), error("einval"));
    assert_eq!(p.call(&[], "sigaction", vec![atom("sigbogus"), nil()]), error("enotsup"));
    assert_eq!(p.call(&[], "sigaction", vec![atom("sigterm"), atom("sig_catch")]), atom("badarg"));
    assert_eq!(p.call(&[], "kill", vec![int(999_999_999), int(0)]), error("esrch"));
}

#[test]
fn sigchld_reporting_and_waitpid() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "sigaction", vec![atom("sigchld"), atom("sig_info")]), old("sig_dfl"));
    let g = p.fork(&[c]);
    p.send_call(&[c, g], call_nr("exit"), &encode(&tuple(vec![int(7)])));
    let m = p.expect(|m| matches!(m, Msg::Event(path, _) if path == &[c]));
    let Msg::Event(_, t) = m else { unreachable!() };
    assert_eq!(elems(&t)[1], atom("sigchld"));
    let r = p.call(&[c], "waitpid", vec![int(-1), int(0)]);
    assert_eq!(elems(&r)[1], int(g as i32));
    assert_eq!(elems(&r)[3], list(vec![tuple(vec![atom("exit_status"), int(7)])]));
    assert_eq!(p.call(&[c], "waitpid", vec![int(-1), list(vec![atom("wnohang")])]), error("echild"));
}

fn ns_link(pid: u32, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).unwrap().to_string_lossy().into_owned()
}

#[test]
fn namespaces_and_host_names() {
    require_root!();
    let mut p = Port::start();
    let root = p.os_pid();
    let r = p.call(&[], "clone", vec![list(vec![atom("clone_newuts"), atom("clone_newpid")])]);
    let Some(c) = ok_int(&r) else {
        eprintln!("skipped: clone with namespaces not permitted here: {r}");
        return;
    };
    let c = c as u32;
    assert_eq!(p.call(&[c], "getpid", vec![]), int(1));
    assert_ne!(ns_link(c, "uts"), ns_link(root, "uts"));
    // 63 bytes is the longest host name, and it works (§11)
    let name = "h".repeat(63);
    assert_eq!(p.call(&[c], "sethostname", vec![bin(name.as_bytes())]), ok());
    assert_eq!(p.call(&[c], "gethostname", vec![]), tuple(vec![atom("ok"), bin(name.as_bytes())]));
    assert_eq!(p.call(&[c], "sethostname", vec![bin("h".repeat(64).as_bytes())]), atom("badarg"));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(p.call(&[], "gethostname", vec![]), tuple(vec![atom("ok"), bin(host.trim_end().as_bytes())]));

    // unshare moves the caller; setns joins another's namespace
    let d = p.fork(&[]);
    assert_eq!(p.call(&[d], "unshare", vec![list(vec![atom("clone_newnet")])]), ok());
    assert_ne!(ns_link(d, "net"), ns_link(root, "net"));
    let e = p.fork(&[]);
    let path = format!("/proc/{d}/ns/net");
    let fd = ok_int(&p.call(&[e], "open", vec![charlist(&path), int(0), int(0)])).unwrap();
    assert_eq!(p.call(&[e], "setns", vec![int(fd as i32), atom("clone_newnet")]), ok());
    assert_eq!(ns_link(e, "net"), ns_link(d, "net"));
    // wrong namespace type for the file, a bad fd, a bogus flag
    assert_eq!(p.call(&[e], "setns", vec![int(fd as i32), atom("clone_newuts")]), error("einval"));
    assert_eq!(p.call(&[e], "setns", vec![int(999), int(0)]), error("ebadf"));
    assert_eq!(p.call(&[e], "unshare", vec![list(vec![atom("clone_bogus")])]), error("enotsup"));
    // an unprivileged process may not
    let u = p.fork(&[]);
    assert_eq!(p.call(&[u], "setuid", vec![int(65534)]), ok());
    assert_eq!(p.call(&[u], "unshare", vec![list(vec![atom("clone_newuts")])]), error("eperm"));
    assert_eq!(p.call(&[u], "sethostname", vec![charlist("x")]), error("eperm"));
}

#[test]
fn resource_limits() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let lim = |cur: i64, max: i64| tuple(vec![atom("alcove_rlimit"), big(cur), big(max)]);
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_core"), lim(4096, 8192)]), ok());
    let got = p.call(&[c], "getrlimit", vec![atom("rlimit_core")]);
    let rl = &elems(&got)[1];
    assert_eq!((as_int(&elems(rl)[1]), as_int(&elems(rl)[2])), (Some(4096), Some(8192)));
    let limits = std::fs::read_to_string(format!("/proc/{c}/limits")).unwrap();
    assert!(limits.lines().any(|l| l.starts_with("Max core file size") && l.contains("4096") && l.contains("8192")));
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_core"), lim(10, 5)]), error("einval"));
    assert_eq!(p.call(&[c], "getrlimit", vec![atom("rlimit_bogus")]), error("enotsup"));
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_core"), tuple(vec![atom("rlimit"), int(1), int(1)])]), atom("badarg"));
    // an unprivileged process cannot raise its hard limit
    assert_eq!(p.call(&[c], "setuid", vec![int(65534)]), ok());
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_core"), lim(4096, 1 << 20)]), error("eperm"));
}

#[test]
fn options_and_the_child_table() {
    let mut p = Port::start();
    for (opt, v) in [("exit_status", 1), ("termsig", 1), ("stdin_closed", 0), ("flowcontrol", -1), ("signaloneof", 15), ("maxforkdepth", 16)] {
        assert_eq!(p.call(&[], "getopt", vec![atom(opt)]), int(v), "{opt}");
    }
    assert_eq!(p.call(&[], "getopt", vec![atom("verbose")]), atom("false"));
    assert_eq!(p.call(&[], "setopt", vec![atom("signaloneof"), int(300)]), atom("true"));
    assert_eq!(p.call(&[], "getopt", vec![atom("signaloneof")]), int(255));
    assert_eq!(p.call(&[], "setopt", vec![atom("exit_status"), int(-1)]), atom("badarg"));
    assert_eq!(p.call(&[], "setopt", vec![atom("bogus"), int(1)]), atom("false"));
    // children copy the options at fork
    assert_eq!(p.call(&[], "setopt", vec![atom("maxforkdepth"), int(3)]), atom("true"));
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "getopt", vec![atom("maxforkdepth")]), int(3));
    let g = p.chain(&[c], 2);
    assert_eq!(p.call(&g, "fork", vec![]), error("eagain"));

    // cpid tells the real parent-side descriptors
    let rec = first_child(&mut p);
    assert_eq!(rec[0], atom("alcove_pid"));
    assert_eq!(rec[1], int(c as i32));
    let fds: Vec<i64> = rec[4..8].iter().map(|t| as_int(t).unwrap()).collect();
    for fd in &fds {
        assert!(std::path::Path::new(&format!("/proc/{}/fd/{fd}", p.os_pid())).exists(), "fd {fd}");
    }
    // setcpid changes one child's options
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("flowcontrol"), int(5)]), atom("true"));
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("bogus"), int(5)]), atom("false"));
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("signaloneof"), int(-1)]), atom("badarg"));
    assert_eq!(first_child(&mut p)[2], int(5));
}

/// The first entry of the port's child table (`cpid`), as its elements.
fn first_child(p: &mut Port) -> Vec<Term> {
    let table = p.call(&[], "cpid", vec![]);
    let Term::List(l) = &table else { panic!("cpid: {table:?}") };
    elems(&l.elements[0]).to_vec()
}

#[test]
fn flow_control_holds_output_until_credit() {
    let mut p = Port::start();
    assert_eq!(p.call(&[], "setopt", vec![atom("flowcontrol"), int(0)]), atom("true"));
    let c = p.fork(&[]);
    p.sh(&[c], "read x; echo one; read x; echo two; sleep 30");
    p.stdin(&[c], b"\n");
    assert!(p.expect_within(Duration::from_millis(300), |m| matches!(m, Msg::Stdout(..))).is_none());
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("flowcontrol"), int(1)]), atom("true"));
    assert_eq!(p.stdout(&[c], 4), b"one\n");
    // the credit is spent: the next line waits
    p.stdin(&[c], b"\n");
    assert!(p.expect_within(Duration::from_millis(300), |m| matches!(m, Msg::Stdout(..))).is_none());
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("flowcontrol"), int(-1)]), atom("true"));
    assert_eq!(p.stdout(&[c], 4), b"two\n");
}

/// A credit counts messages, however much a program has written: a
/// credit of 2 lets exactly two STDOUT messages through, each within the
/// frame budget; the rest waits for more credit.
#[test]
fn flow_control_counts_messages_of_bulk_output() {
    let mut p = Port::start();
    assert_eq!(p.call(&[], "setopt", vec![atom("flowcontrol"), int(2)]), atom("true"));
    let c = p.fork(&[]);
    const N: usize = 300_000;
    p.sh(&[c], &format!("head -c {N} /dev/zero; sleep 30"));
    // (the first may take a while on a busy machine; then none should come
    // after the second)
    let mut sizes = match p.expect(|m| matches!(m, Msg::Stdout(..))) {
        Msg::Stdout(_, d) => vec![d.len()],
        _ => unreachable!(),
    };
    while let Some(Msg::Stdout(_, d)) = p.expect_within(Duration::from_millis(500), |m| matches!(m, Msg::Stdout(..))) {
        sizes.push(d.len());
    }
    assert_eq!(sizes.len(), 2, "messages let through: {sizes:?}");
    assert!(sizes.iter().all(|&n| n <= 65535 - 8), "{sizes:?}");
    // the credit is spent
    assert_eq!(first_child(&mut p)[2], int(0));
    assert_eq!(p.call(&[], "setcpid", vec![int(c as i32), atom("flowcontrol"), int(-1)]), atom("true"));
    let rest = p.stdout(&[c], N - sizes.iter().sum::<usize>());
    assert!(rest.iter().all(|&b| b == 0));
}

/// Output no credit let through is passed on whole once the child is
/// reaped: several frames' worth, every byte, before the exit event.
#[test]
fn held_output_is_drained_whole_after_exit() {
    let mut p = Port::start();
    assert_eq!(p.call(&[], "setopt", vec![atom("flowcontrol"), int(0)]), atom("true"));
    let c = p.fork(&[]);
    const N: usize = 200_000;
    p.sh(&[c], &format!("yes abcdefg | head -c {N}; exit 7"));
    let mut got = Vec::new();
    let exit = loop {
        match p.recv(Duration::from_secs(10)).expect("output and exit") {
            Msg::Stdout(path, d) if path == [c] => got.extend(d),
            Msg::Event(path, t) if path == [c] && is_exit(&t) => break t,
            m => panic!("unexpected {m:?}"),
        }
    };
    assert_eq!(exit, tuple(vec![atom("exit_status"), int(7)]));
    assert_eq!(got.len(), N);
    assert!(got.chunks(8).all(|w| w == &b"abcdefg\n"[..w.len()]), "the bytes differ");
}

#[test]
fn call_filters() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    // refuse getpid (36) in c, and fork (28) in c's future children
    let mut me = vec![0u8; 5];
    me[4] = 1 << (36 % 8);
    let mut sub = vec![0u8; 4];
    sub[3] = 1 << (28 % 8);
    assert_eq!(p.call(&[c], "filter", vec![bin(&me), bin(&sub)]), ok());
    assert_eq!(p.call(&[c], "getpid", vec![]), atom("undef"));
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c, g], "getpid", vec![]), int(g as i32));
    assert_eq!(p.call(&[c, g], "fork", vec![]), atom("undef"));
    // bits are never cleared
    assert_eq!(p.call(&[c], "filter", vec![bin(&[]), bin(&[])]), ok());
    assert_eq!(p.call(&[c], "getpid", vec![]), atom("undef"));
    assert_eq!(p.call(&[c], "filter", vec![bin(&[0; 17]), bin(&[])]), atom("badarg"));
    // the root is untouched
    assert_eq!(p.call(&[], "getpid", vec![]), int(p.os_pid() as i32));
}

#[test]
fn identity_of_a_dropped_process() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setgid", vec![int(65534)]), ok());
    assert_eq!(p.call(&[c], "setuid", vec![int(65534)]), ok());
    assert_eq!(p.call(&[c], "getuid", vec![]), int(65534));
    assert_eq!(p.call(&[c], "getgid", vec![]), int(65534));
    assert_eq!(p.call(&[c], "setuid", vec![int(0)]), error("eperm"));
    assert_eq!(p.call(&[c], "chroot", vec![charlist("/")]), error("eperm"));
    assert_eq!(p.call(&[c], "chdir", vec![charlist("/nonexistent")]), error("enoent"));
    assert_eq!(p.call(&[c], "chdir", vec![charlist("/tmp")]), ok());
    assert_eq!(p.call(&[c], "getcwd", vec![]), tuple(vec![atom("ok"), bin(b"/tmp")]));
}
