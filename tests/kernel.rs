//! Kernel interfaces over raw frames (PROTOCOL.md §4.6, §7.3): alloc,
//! prctl, ptrace, seccomp, ioctl, socket and connect against the real
//! kernel, each with its failures.

mod common;
use common::*;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

fn ptr(t: Term) -> Term {
    tuple(vec![atom("ptr"), t])
}

type Term = eetf::Term;

/// `{ok, X1, X2, ...}`
fn ok_tuple(items: Vec<Term>) -> Term {
    let mut v = vec![atom("ok")];
    v.extend(items);
    tuple(v)
}

fn empty() -> Term {
    bin(b"")
}

fn items(t: &Term) -> &[Term] {
    match t {
        Term::List(l) => &l.elements,
        _ => panic!("not a list: {t}"),
    }
}

/// A field of /proc/PID/status.
fn proc_status(pid: u32, field: &str) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in status of {pid}"))
        .trim()
        .to_string()
}

/// The state letter of /proc/PID/stat.
fn proc_state(pid: u32) -> String {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    s.rsplit_once(')').map(|(_, rest)| rest.trim().chars().take(1).collect()).unwrap_or_default()
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + TIMEOUT;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The open flags of a descriptor of `pid` (octal in /proc/PID/fdinfo).
fn fd_flags(pid: u32, fd: i64) -> u32 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")).unwrap();
    let f = s.lines().find_map(|l| l.strip_prefix("flags:")).unwrap();
    u32::from_str_radix(f.trim(), 8).unwrap()
}

const O_CLOEXEC: u32 = libc::O_CLOEXEC as u32;

// ---- alloc -------------------------------------------------------------

#[test]
fn alloc_lays_out_a_cstruct() {
    let mut p = Port::start();
    let r = p.call(&[], "alloc", vec![list(vec![
        bin(b"abc"),
        ptr(int(4)),
        ptr(bin(b"xyz")),
        ptr(int(0)),
        ptr(empty()),
        empty(),
    ])]);
    let e = elems(&r);
    assert_eq!(e[0], atom("ok"));
    let raw = bytes(&e[1]);
    assert_eq!(raw.len(), 3 + 4 * 8);
    assert_eq!(&raw[..3], b"abc");
    let p1 = u64::from_ne_bytes(raw[3..11].try_into().unwrap());
    let p2 = u64::from_ne_bytes(raw[11..19].try_into().unwrap());
    assert!(p1 != 0 && p2 != 0 && p1 != p2, "{raw:?}");
    assert_eq!(&raw[19..], &[0; 16]);
    assert_eq!(
        e[2],
        list(vec![bin(b"abc"), ptr(bin(&[0; 4])), ptr(bin(b"xyz")), bin(&[0; 8]), bin(&[0; 8]), empty()])
    );
    assert_eq!(p.call(&[], "alloc", vec![list(vec![empty()])]), ok_tuple(vec![empty(), list(vec![empty()])]));
    // 1023 elements at most
    let r = p.call(&[], "alloc", vec![list(vec![bin(b"x"); 1023])]);
    assert_eq!(bytes(&elems(&r)[1]), vec![b'x'; 1023]);
    assert_eq!(p.call(&[], "alloc", vec![list(vec![bin(b"x"); 1024])]), atom("badarg"));
}

#[test]
fn alloc_refuses_malformed_cstructs() {
    let mut p = Port::start();
    for bad in [
        nil(),
        charlist("abc"),
        list(vec![atom("foo")]),
        list(vec![ptr(int(-1))]),
        list(vec![ptr(big(1 << 40))]),
        list(vec![ptr(atom("foo"))]),
        list(vec![tuple(vec![atom("notptr"), int(1)])]),
        list(vec![tuple(vec![atom("ptr"), int(1), int(2)])]),
        list(vec![ptr(int(65536))]),
        list(vec![ptr(int(30000)), ptr(int(35536))]),
        list(vec![charlist("abc")]),
        atom("foo"),
        bin(b"abc"),
    ] {
        assert_eq!(p.call(&[], "alloc", vec![bad.clone()]), atom("badarg"), "{bad}");
    }
    // an improper list
    let improper = Term::from(eetf::ImproperList::from((vec![bin(b"a")], bin(b"b"))));
    assert_eq!(p.call(&[], "alloc", vec![improper]), atom("badarg"));
    assert_eq!(p.call(&[], "getpid", vec![]), int(p.os_pid() as i32));
}

// ---- prctl -------------------------------------------------------------

#[test]
fn prctl_names_and_dumpable() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let z = |n| int(n);
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_get_dumpable"), z(0), z(0), z(0), z(0)]), ok_tuple(vec![z(1), z(0), z(0), z(0), z(0)]));
    // the kernel writes the name into the binary's private copy
    let r = p.call(&[c], "prctl", vec![atom("pr_get_name"), bin(&[0; 16]), z(0), z(0), z(0)]);
    let e = elems(&r);
    assert_eq!((&e[0], &e[1]), (&atom("ok"), &z(0)), "{r}");
    let name = bytes(&e[2]);
    assert_eq!(name.len(), 16);
    assert!(name.starts_with(b"alcove\0"), "{name:?}");
    // ... or into an inline cstruct buffer
    let r = p.call(&[c], "prctl", vec![atom("pr_get_name"), list(vec![bin(&[0; 16])]), z(0), z(0), z(0)]);
    assert_eq!(elems(&r)[2], list(vec![bin(&name)]), "{r}");
    // a short binary gets only its own length back
    let r = p.call(&[c], "prctl", vec![atom("pr_get_name"), bin(&[0; 4]), z(0), z(0), z(0)]);
    assert_eq!(elems(&r)[2], bin(b"alco"));
    // set, then read back through both forms and /proc
    let r = p.call(&[c], "prctl", vec![atom("pr_set_name"), bin(b"kerneltest\0"), z(0), z(0), z(0)]);
    assert_eq!(r, ok_tuple(vec![z(0), bin(b"kerneltest\0"), z(0), z(0), z(0)]));
    assert_eq!(std::fs::read_to_string(format!("/proc/{c}/comm")).unwrap(), "kerneltest\n");
    let r = p.call(&[c], "prctl", vec![atom("pr_get_name"), bin(&[0; 16]), z(0), z(0), z(0)]);
    assert_eq!(elems(&r)[2], bin(b"kerneltest\0\0\0\0\0\0"));
    // with {ptr, 16} the kernel writes over the pointer slot, not the block
    let r = p.call(&[c], "prctl", vec![atom("pr_get_name"), list(vec![ptr(int(16))]), z(0), z(0), z(0)]);
    assert_eq!(elems(&r)[2], list(vec![ptr(bin(&[0; 16]))]), "{r}");
    // the root keeps its own name
    let r = p.call(&[], "prctl", vec![atom("pr_get_name"), bin(&[0; 16]), z(0), z(0), z(0)]);
    assert!(bytes(&elems(&r)[2]).starts_with(b"alcove\0"));
}

#[test]
fn prctl_argument_forms() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let z = |n| int(n);
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_set_dumpable"), z(0), nil(), z(0), z(0)]), ok_tuple(vec![z(0), z(0), z(0), z(0), z(0)]));
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_get_dumpable"), nil(), nil(), nil(), nil()]), ok_tuple(vec![z(0), z(0), z(0), z(0), z(0)]));
    assert_eq!(proc_status(c, "NoNewPrivs"), "0");
    // an atom argument is passed, and shown, as its value
    assert_eq!(
        p.call(&[c], "prctl", vec![atom("pr_set_no_new_privs"), atom("pr_endian_little"), z(0), z(0), z(0)]),
        ok_tuple(vec![z(0), z(1), z(0), z(0), z(0)])
    );
    assert_eq!(proc_status(c, "NoNewPrivs"), "1");
    assert_eq!(p.call(&[c], "prctl", vec![atom("PR_GET_NO_NEW_PRIVS"), z(0), z(0), z(0), z(0)]), ok_tuple(vec![z(1), z(0), z(0), z(0), z(0)]));
    assert_eq!(p.call(&[c], "prctl", vec![z(39), z(0), z(0), z(0), z(0)]), ok_tuple(vec![z(1), z(0), z(0), z(0), z(0)]));
    // failures
    assert_eq!(p.call(&[c], "prctl", vec![z(12345), z(0), z(0), z(0), z(0)]), error("einval"));
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_set_dumpable"), z(7), z(0), z(0), z(0)]), error("einval"));
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_bogus"), z(0), z(0), z(0), z(0)]), error("enotsup"));
    assert_eq!(p.call(&[c], "prctl", vec![atom("pr_get_dumpable"), atom("pr_bogus"), z(0), z(0), z(0)]), error("enotsup"));
    for bad in [z(-1), charlist("abc"), big(1 << 40), atom("pr_set_ptracer_any"), tuple(vec![]), list(vec![atom("x")])] {
        assert_eq!(p.call(&[c], "prctl", vec![atom("pr_get_dumpable"), z(0), z(0), bad.clone(), z(0)]), atom("badarg"), "{bad}");
    }
}

// ---- seccomp -------------------------------------------------------------

const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;

/// One classic BPF instruction (struct sock_filter).
fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Vec<u8> {
    let mut v = code.to_ne_bytes().to_vec();
    v.extend_from_slice(&[jt, jf]);
    v.extend_from_slice(&k.to_ne_bytes());
    v
}

/// A filter answering `action` for system call `nr` and allowing the rest;
/// any other architecture is killed. As a `struct sock_fprog` cstruct.
fn filter(nr: i64, action: u32) -> Term {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    let prog: Vec<Vec<u8>> = vec![
        insn(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
        insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        insn(RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
        insn(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
        insn(JEQ_K, 0, 1, nr as u32),
        insn(RET_K, 0, 0, action),
        insn(RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ];
    list(vec![bin(&(prog.len() as u16).to_ne_bytes()), bin(&[0; 6]), ptr(bin(&prog.concat()))])
}

/// A child that may install filters: no_new_privs set.
fn sandbox(p: &mut Port) -> u32 {
    let c = p.fork(&[]);
    let r = p.call(&[c], "prctl", vec![atom("pr_set_no_new_privs"), int(1), int(0), int(0), int(0)]);
    assert_eq!(r, ok_tuple(vec![int(0), int(1), int(0), int(0), int(0)]));
    c
}

macro_rules! require_x86_64 {
    () => {
        if !cfg!(target_arch = "x86_64") {
            eprintln!("skipped: the test filters are written for x86_64");
            return;
        }
    };
}

#[test]
fn seccomp_filter_returns_errno() {
    require_x86_64!();
    let mut p = Port::start();
    let c = sandbox(&mut p);
    assert!(matches!(p.call(&[c], "getcwd", vec![]), Term::Tuple(t) if t.elements[0] == atom("ok")));
    let f = filter(libc::SYS_getcwd, SECCOMP_RET_ERRNO | libc::EACCES as u32);
    assert_eq!(p.call(&[c], "seccomp", vec![atom("seccomp_set_mode_filter"), int(0), f]), ok());
    assert_eq!(proc_status(c, "Seccomp"), "2");
    assert_eq!(p.call(&[c], "getcwd", vec![]), error("eacces"));
    // everything else still works
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
    assert_eq!(p.call(&[c], "chdir", vec![charlist("/")]), ok());
    // the root is not filtered
    assert!(matches!(p.call(&[], "getcwd", vec![]), Term::Tuple(t) if t.elements[0] == atom("ok")));
}

#[test]
fn seccomp_filter_kills() {
    require_x86_64!();
    let mut p = Port::start();
    let c = sandbox(&mut p);
    let f = filter(libc::SYS_getcwd, SECCOMP_RET_KILL_PROCESS);
    assert_eq!(p.call(&[c], "seccomp", vec![atom("seccomp_set_mode_filter"), int(0), f]), ok());
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
    p.send_call(&[c], call_nr("getcwd"), &encode(&tuple(vec![])));
    assert_eq!(p.exit_event(&[c]), tuple(vec![atom("termsig"), atom("sigsys")]));
    assert!(!p.drain(Duration::from_millis(100)).iter().any(|m| matches!(m, Msg::Call(path, _) if path == &[c])));
}

#[test]
fn seccomp_strict_mode_kills_at_the_next_call() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    p.send_call(&[c], call_nr("seccomp"), &encode(&tuple(vec![atom("seccomp_set_mode_strict"), int(0), nil()])));
    assert_eq!(p.exit_event(&[c]), tuple(vec![atom("termsig"), atom("sigkill")]));
    assert!(!p.drain(Duration::from_millis(100)).iter().any(|m| matches!(m, Msg::Call(path, _) if path == &[c])));
    assert_eq!(p.call(&[], "getpid", vec![]), int(p.os_pid() as i32));
}

#[test]
fn seccomp_failures() {
    require_x86_64!();
    let mut p = Port::start();
    let c = sandbox(&mut p);
    let mode = || atom("seccomp_set_mode_filter");
    assert_eq!(p.call(&[c], "seccomp", vec![mode(), int(0), nil()]), error("efault"));
    // an empty program, and one that does not end in a return
    let empty_prog = list(vec![bin(&0u16.to_ne_bytes()), bin(&[0; 6]), ptr(int(0))]);
    assert_eq!(p.call(&[c], "seccomp", vec![mode(), int(0), empty_prog]), error("einval"));
    let no_ret = list(vec![bin(&1u16.to_ne_bytes()), bin(&[0; 6]), ptr(bin(&insn(0x20, 0, 0, 0)))]);
    assert_eq!(p.call(&[c], "seccomp", vec![mode(), int(0), no_ret]), error("einval"));
    // strict mode takes no flags or arguments
    assert_eq!(p.call(&[c], "seccomp", vec![atom("seccomp_set_mode_strict"), int(1), nil()]), error("einval"));
    assert_eq!(p.call(&[c], "seccomp", vec![int(12345), int(0), nil()]), error("einval"));
    assert_eq!(p.call(&[c], "seccomp", vec![atom("seccomp_bogus"), int(0), nil()]), error("enotsup"));
    assert_eq!(p.call(&[c], "seccomp", vec![mode(), atom("seccomp_bogus"), nil()]), error("enotsup"));
    for bad in [atom("foo"), bin(b"x"), int(0), list(vec![atom("x")])] {
        assert_eq!(p.call(&[c], "seccomp", vec![mode(), int(0), bad.clone()]), atom("badarg"), "{bad}");
    }
    assert_eq!(proc_status(c, "Seccomp"), "0");
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
}

// ---- ptrace ------------------------------------------------------------

#[test]
fn ptrace_attach_read_registers_and_detach() {
    let mut p = Port::start();
    let root = p.os_pid();
    let c = p.fork(&[]);
    assert_eq!(proc_status(c, "TracerPid"), "0");
    let r = p.call(&[], "ptrace", vec![atom("ptrace_attach"), int(c as i32), int(0), int(0)]);
    assert_eq!(r, ok_tuple(vec![int(0), empty(), empty()]));
    assert_eq!(proc_status(c, "TracerPid"), root.to_string());
    wait_until("the tracee to stop", || proc_state(c) == "t");

    // PTRACE_GETREGSET into an iovec whose base is a {ptr, N} block
    const NT_PRSTATUS: i32 = 1;
    let size = std::mem::size_of::<libc::user_regs_struct>();
    let iov = list(vec![ptr(int(size as i32)), bin(&(size as u64).to_ne_bytes())]);
    let r = p.call(&[], "ptrace", vec![atom("ptrace_getregset"), int(c as i32), int(NT_PRSTATUS), iov]);
    let e = elems(&r);
    assert_eq!((&e[0], &e[1], &e[2]), (&atom("ok"), &int(0), &empty()), "{r}");
    let out = items(&e[3]);
    let regs = bytes(&elems(&out[0])[1]);
    assert_eq!(regs.len(), size);
    assert_eq!(out[1], bin(&(size as u64).to_ne_bytes()));
    // PTRACE_GETREGS into a binary: the same registers
    let r = p.call(&[], "ptrace", vec![int(libc::PTRACE_GETREGS as i32), int(c as i32), int(0), bin(&vec![0; size])]);
    assert_eq!(bytes(&elems(&r)[3]), regs);
    // PTRACE_PEEKUSER returns a word as the result
    if cfg!(target_arch = "x86_64") {
        let rip_at = 16 * 8; // offsetof(struct user_regs_struct, rip)
        let rip = u64::from_ne_bytes(regs[rip_at..rip_at + 8].try_into().unwrap());
        assert_ne!(rip, 0);
        let r = p.call(&[], "ptrace", vec![atom("ptrace_peekusr"), int(c as i32), int(rip_at as i32), int(0)]);
        assert_eq!(as_int(&elems(&r)[1]), Some(rip as i64), "{r}");
    }

    let r = p.call(&[], "ptrace", vec![atom("ptrace_detach"), int(c as i32), int(0), int(0)]);
    assert_eq!(r, ok_tuple(vec![int(0), empty(), empty()]));
    assert_eq!(proc_status(c, "TracerPid"), "0");
    wait_until("the child to run again", || proc_state(c) != "t");
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
    // no longer traced
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_detach"), int(c as i32), int(0), int(0)]), error("esrch"));
}

#[test]
fn ptrace_traceme_and_failures() {
    let mut p = Port::start();
    let root = p.os_pid();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "ptrace", vec![atom("ptrace_traceme"), int(0), int(0), int(0)]), ok_tuple(vec![int(0), empty(), empty()]));
    assert_eq!(proc_status(c, "TracerPid"), root.to_string());
    assert_eq!(p.call(&[c], "ptrace", vec![atom("ptrace_traceme"), int(0), int(0), int(0)]), error("eperm"));
    let bogus = int(999_999_999);
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_attach"), bogus.clone(), int(0), int(0)]), error("esrch"));
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_detach"), bogus.clone(), int(0), int(0)]), error("esrch"));
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_cont"), bogus.clone(), bin(&[0; 8]), list(vec![bin(&[0; 8])])]), error("esrch"));
    // not stopped: the tracee cannot be read
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_peekusr"), int(c as i32), int(0), int(0)]), error("esrch"));
    assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_bogus"), int(0), int(0), int(0)]), error("enotsup"));
    for bad in [atom("foo"), nil(), int(-1), big(1 << 40), charlist("ab")] {
        assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_cont"), bogus.clone(), bad.clone(), int(0)]), atom("badarg"), "{bad}");
        assert_eq!(p.call(&[], "ptrace", vec![atom("ptrace_cont"), bogus.clone(), int(0), bad.clone()]), atom("badarg"), "{bad}");
    }
}

// ---- sockets and ioctl ---------------------------------------------------

/// `struct sockaddr_un` for `path`, as a cstruct.
fn sockaddr_un(path: &std::path::Path) -> Term {
    let mut a = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
    a.extend_from_slice(path.as_os_str().as_encoded_bytes());
    a.push(0);
    list(vec![bin(&a)])
}

/// A socket of the port's root connected to a listener of this test: the
/// fd in the root and the test's end.
fn connected(p: &mut Port) -> (i64, std::os::unix::net::UnixStream) {
    let path = temp_dir("sock").join("listen");
    let l = UnixListener::bind(&path).unwrap();
    let s = ok_int(&p.call(&[], "socket", vec![atom("af_unix"), atom("sock_stream"), int(0)])).unwrap();
    assert_eq!(p.call(&[], "connect", vec![int(s as i32), sockaddr_un(&path)]), ok());
    let (peer, _) = l.accept().unwrap();
    (s, peer)
}

#[test]
fn socket_connects_to_a_unix_listener() {
    let mut p = Port::start();
    let root = p.os_pid();
    let (s, mut peer) = connected(&mut p);
    assert_eq!(fd_flags(root, s) & O_CLOEXEC, 0, "the user's socket is not close-on-exec");
    // the peer is the port's root
    let mut cred = libc::ucred { pid: 0, uid: 0, gid: 0 };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(peer.as_raw_fd(), libc::SOL_SOCKET, libc::SO_PEERCRED, (&mut cred as *mut libc::ucred).cast(), &mut len)
    };
    assert_eq!((rc, cred.pid as u32), (0, root));
    // the port closes it: the test sees EOF
    assert_eq!(p.call(&[], "close", vec![int(s as i32)]), ok());
    let mut buf = [0u8; 1];
    assert_eq!(peer.read(&mut buf).unwrap(), 0);

    let s = ok_int(&p.call(&[], "socket", vec![atom("pf_unix"), int(libc::SOCK_STREAM | libc::SOCK_CLOEXEC), int(0)])).unwrap();
    assert_ne!(fd_flags(root, s) & O_CLOEXEC, 0);
    let s = ok_int(&p.call(&[], "socket", vec![atom("af_inet"), atom("sock_dgram"), int(0)])).unwrap();
    assert!(std::fs::read_link(format!("/proc/{root}/fd/{s}")).unwrap().to_str().unwrap().starts_with("socket:"));
}

#[test]
fn socket_and_connect_failures() {
    let mut p = Port::start();
    assert_eq!(p.call(&[], "socket", vec![atom("af_bogus"), atom("sock_stream"), int(0)]), error("enotsup"));
    assert_eq!(p.call(&[], "socket", vec![int(12345), atom("sock_stream"), int(0)]), error("eafnosupport"));
    assert_eq!(p.call(&[], "socket", vec![atom("af_unix"), atom("sock_stream"), int(99)]), error("eprotonosupport"));
    assert_eq!(p.call(&[], "socket", vec![atom("af_unix"), list(vec![atom("sock_stream")]), int(0)]), atom("badarg"));
    assert_eq!(p.call(&[], "socket", vec![atom("af_unix"), atom("sock_stream"), atom("foo")]), atom("badarg"));

    let dir = temp_dir("sock");
    let s = || int(0);
    let fd = ok_int(&p.call(&[], "socket", vec![atom("af_unix"), atom("sock_stream"), s()])).unwrap() as i32;
    // a socket file nobody listens on
    let gone = dir.join("gone");
    drop(UnixListener::bind(&gone).unwrap());
    assert_eq!(p.call(&[], "connect", vec![int(fd), sockaddr_un(&gone)]), error("econnrefused"));
    assert_eq!(p.call(&[], "connect", vec![int(fd), sockaddr_un(&dir.join("nosuch"))]), error("enoent"));
    // [] is a NULL address of length 0
    assert_eq!(p.call(&[], "connect", vec![int(fd), nil()]), error("einval"));
    assert_eq!(p.call(&[], "connect", vec![int(-1), sockaddr_un(&gone)]), error("ebadf"));
    assert_eq!(p.call(&[], "connect", vec![int(0), sockaddr_un(&gone)]), error("enotsock"));
    // a socket address is at most 128 bytes
    assert_eq!(p.call(&[], "connect", vec![int(fd), list(vec![bin(&[0; 129])])]), atom("badarg"));
    assert_eq!(p.call(&[], "connect", vec![int(fd), list(vec![bin(&[0; 121]), ptr(int(0))])]), atom("badarg"));
    assert_eq!(p.call(&[], "connect", vec![int(fd), bin(&[0; 16])]), atom("badarg"));
    // 128 bytes pass the size check and reach the kernel
    let mut long = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
    long.resize(128, b'a');
    assert_eq!(p.call(&[], "connect", vec![int(fd), list(vec![bin(&long)])]), error("einval"));
}

#[test]
fn ioctl_fionread_and_fioclex() {
    let mut p = Port::start();
    let root = p.os_pid();
    let (s, mut peer) = connected(&mut p);
    let fd = int(s as i32);
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("fionread"), bin(&[0; 4])]), ok_tuple(vec![int(0), bin(&[0; 4])]));
    peer.write_all(b"hello world").unwrap();
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("fionread"), bin(&[0; 4])]), ok_tuple(vec![int(0), bin(&[11, 0, 0, 0])]));
    assert_eq!(
        p.call(&[], "ioctl", vec![fd.clone(), atom("fionread"), list(vec![bin(&[0; 4])])]),
        ok_tuple(vec![int(0), list(vec![bin(&[11, 0, 0, 0])])])
    );
    // a request given as an integer, and a longer binary keeps its length
    assert_eq!(
        p.call(&[], "ioctl", vec![fd.clone(), int(libc::FIONREAD as i32), bin(&[0xff; 8])]),
        ok_tuple(vec![int(0), bin(&[11, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])])
    );
    // an integer argument is passed by value and shown as <<>>
    assert_eq!(fd_flags(root, s) & O_CLOEXEC, 0);
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("fioclex"), int(0)]), ok_tuple(vec![int(0), empty()]));
    assert_ne!(fd_flags(root, s) & O_CLOEXEC, 0);
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), int(0x5450), int(0)]), ok_tuple(vec![int(0), empty()])); // FIONCLEX
    assert_eq!(fd_flags(root, s) & O_CLOEXEC, 0);
}

#[test]
fn ioctl_failures() {
    let mut p = Port::start();
    let (s, _peer) = connected(&mut p);
    let fd = int(s as i32);
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("tcgets"), bin(&[0; 60])]), error("enotty"));
    assert_eq!(p.call(&[], "ioctl", vec![int(-1), atom("fioclex"), int(0)]), error("ebadf"));
    assert_eq!(p.call(&[], "ioctl", vec![int(9999), atom("fionread"), bin(&[0; 4])]), error("ebadf"));
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("bogus_ioctl"), int(0)]), error("enotsup"));
    for bad in [atom("foo"), nil(), charlist("ab"), big(1 << 40), list(vec![atom("x")])] {
        assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), atom("fioclex"), bad.clone()]), atom("badarg"), "{bad}");
    }
    assert_eq!(p.call(&[], "ioctl", vec![fd.clone(), list(vec![]), int(0)]), atom("badarg"));
}
