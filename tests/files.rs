//! Files, directories and file descriptors over raw frames (PROTOCOL.md
//! §4.4, §4.6, §11): each call's success and a real failure, select waking
//! on a pipe, read clamped to the frame budget of its depth.

mod common;
use common::*;
use eetf::Term;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

fn s(path: &Path) -> Term {
    charlist(path.to_str().unwrap())
}

/// A STRING_EXT term: how Erlang encodes a list of integers 0..255.
fn bytelist(b: &[u8]) -> Term {
    Term::from(eetf::ByteList::from(b.to_vec()))
}

fn list_elems(t: &Term) -> Vec<Term> {
    match t {
        Term::List(l) => l.elements.clone(),
        Term::ByteList(b) => b.bytes.iter().map(|&x| int(x as i32)).collect(),
        _ => panic!("not a list: {t}"),
    }
}

fn ok_with(t: Term) -> Term {
    tuple(vec![atom("ok"), t])
}

fn timeval(sec: i32, usec: i32) -> Term {
    tuple(vec![atom("alcove_timeval"), int(sec), int(usec)])
}

/// `{ok, R, W, E}` with each set given as a list of fds.
fn ready(r: &[i32], w: &[i32], e: &[i32]) -> Term {
    let l = |v: &[i32]| list(v.iter().map(|&fd| int(fd)).collect());
    tuple(vec![atom("ok"), l(r), l(w), l(e)])
}

fn open_fd(p: &mut Port, path: &[u32], file: &Path, flags: Term, mode: i32) -> i32 {
    let r = p.call(path, "open", vec![s(file), flags, int(mode)]);
    ok_int(&r).unwrap_or_else(|| panic!("open {file:?}: {r}")) as i32
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn chmod_and_chown() {
    let mut p = Port::start();
    let f = temp_dir("chmod").join("f");
    std::fs::write(&f, b"x").unwrap();
    assert_eq!(p.call(&[], "chmod", vec![s(&f), int(0o600)]), ok());
    assert_eq!(mode_of(&f), 0o600);
    assert_eq!(p.call(&[], "chmod", vec![bin(f.to_str().unwrap().as_bytes()), int(0o4751)]), ok());
    assert_eq!(mode_of(&f), 0o4751);
    let missing = f.with_file_name("missing");
    assert_eq!(p.call(&[], "chmod", vec![s(&missing), int(0o600)]), error("enoent"));
    assert_eq!(p.call(&[], "chmod", vec![s(&f), int(-1)]), atom("badarg"));

    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!(p.call(&[], "chown", vec![s(&f), big(uid as i64), big(gid as i64)]), ok());
    // 4294967295 is (uid_t)-1: leave the owner as it is
    assert_eq!(p.call(&[], "chown", vec![s(&f), big(u32::MAX as i64), big(u32::MAX as i64)]), ok());
    assert_eq!(p.call(&[], "chown", vec![s(&missing), int(0), int(0)]), error("enoent"));
    assert_eq!(p.call(&[], "chown", vec![s(&f), int(-1), int(0)]), atom("badarg"));
    if uid == 0 {
        assert_eq!(p.call(&[], "chown", vec![s(&f), int(1234), int(5678)]), ok());
        let m = std::fs::metadata(&f).unwrap();
        assert_eq!((m.uid(), m.gid()), (1234, 5678));
    } else {
        eprintln!("chown to another owner skipped: needs root");
    }
}

#[test]
fn link_and_symlink() {
    let mut p = Port::start();
    let d = temp_dir("link");
    let (f, l) = (d.join("f"), d.join("l"));
    std::fs::write(&f, b"data").unwrap();
    assert_eq!(p.call(&[], "link", vec![s(&f), s(&l)]), ok());
    assert_eq!(std::fs::read(&l).unwrap(), b"data");
    assert_eq!(std::fs::metadata(&f).unwrap().nlink(), 2);
    assert_eq!(p.call(&[], "link", vec![s(&f), s(&l)]), error("eexist"));
    assert_eq!(p.call(&[], "link", vec![s(&d.join("missing")), s(&d.join("l2"))]), error("enoent"));
    assert_eq!(p.call(&[], "link", vec![s(&f), charlist("")]), atom("badarg"));

    let sl = d.join("s");
    assert_eq!(p.call(&[], "symlink", vec![charlist("some/target"), s(&sl)]), ok());
    assert_eq!(std::fs::read_link(&sl).unwrap(), Path::new("some/target"));
    assert_eq!(p.call(&[], "symlink", vec![charlist("x"), s(&sl)]), error("eexist"));
    assert_eq!(p.call(&[], "symlink", vec![charlist("x"), s(&d.join("no/such/dir"))]), error("enoent"));
    // a regular file where a directory is expected
    assert_eq!(p.call(&[], "symlink", vec![charlist("x"), s(&f.join("s"))]), error("enotdir"));
}

#[test]
fn mkdir_rmdir_mkfifo() {
    let mut p = Port::start();
    let d = temp_dir("mkdir");
    let sub = d.join("sub");
    assert_eq!(p.call(&[], "mkdir", vec![s(&sub), int(0o750)]), ok());
    assert!(sub.is_dir());
    assert_eq!(mode_of(&sub), 0o750);
    assert_eq!(p.call(&[], "mkdir", vec![s(&sub), int(0o755)]), error("eexist"));
    assert_eq!(p.call(&[], "mkdir", vec![s(&d.join("no/such")), int(0o755)]), error("enoent"));
    assert_eq!(p.call(&[], "mkdir", vec![s(&sub), int(-1)]), atom("badarg"));

    std::fs::write(sub.join("f"), b"").unwrap();
    assert_eq!(p.call(&[], "rmdir", vec![s(&sub)]), error("enotempty"));
    assert_eq!(p.call(&[], "rmdir", vec![s(&sub.join("f"))]), error("enotdir"));
    std::fs::remove_file(sub.join("f")).unwrap();
    assert_eq!(p.call(&[], "rmdir", vec![s(&sub)]), ok());
    assert!(!sub.exists());
    assert_eq!(p.call(&[], "rmdir", vec![s(&sub)]), error("enoent"));

    let fifo = d.join("fifo");
    assert_eq!(p.call(&[], "mkfifo", vec![s(&fifo), int(0o640)]), ok());
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(mode_of(&fifo), 0o640);
    assert_eq!(p.call(&[], "mkfifo", vec![s(&fifo), int(0o640)]), error("eexist"));
    assert_eq!(p.call(&[], "mkfifo", vec![charlist(""), int(0o640)]), atom("badarg"));
}

#[test]
fn readdir_names() {
    let mut p = Port::start();
    let d = temp_dir("readdir");
    for n in ["a", "bb", "ccc"] {
        std::fs::write(d.join(n), b"").unwrap();
    }
    let r = p.call(&[], "readdir", vec![s(&d)]);
    let e = elems(&r);
    assert_eq!(e[0], atom("ok"), "{r}");
    let mut names: Vec<Vec<u8>> = list_elems(&e[1]).iter().map(bytes).collect();
    names.sort();
    assert_eq!(names, [&b"."[..], b"..", b"a", b"bb", b"ccc"]);
    assert_eq!(p.call(&[], "readdir", vec![s(&d.join("missing"))]), error("enoent"));
    assert_eq!(p.call(&[], "readdir", vec![s(&d.join("a"))]), error("enotdir"));
    assert_eq!(p.call(&[], "readdir", vec![charlist("")]), atom("badarg"));
}

#[test]
fn readdir_too_large_is_e2big() {
    let mut p = Port::start();
    let d = temp_dir("bigdir");
    // 300 names of 250 bytes: about 76 KB of reply
    for i in 0..300 {
        std::fs::write(d.join(format!("{i:0>250}")), b"").unwrap();
    }
    assert_eq!(p.call(&[], "readdir", vec![s(&d)]), error("e2big"));
    assert_eq!(as_int(&p.call(&[], "getpid", vec![])), Some(p.os_pid() as i64));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn open_flags() {
    let mut p = Port::start();
    let d = temp_dir("open");
    let f = d.join("hello");
    std::fs::write(&f, b"hello world").unwrap();
    let fd = open_fd(&mut p, &[], &f, list(vec![atom("o_rdonly")]), 0);
    assert!(fd > 2);
    let fd2 = open_fd(&mut p, &[], &f, list(vec![atom("O_RDWR"), atom("o_cloexec")]), 0);
    assert_ne!(fd, fd2);
    assert_eq!(p.call(&[], "fcntl", vec![int(fd2), atom("f_getfd"), int(0)]), ok_with(int(1)));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_getfd"), int(0)]), ok_with(int(0)));
    open_fd(&mut p, &[], &f, int(0), 0);
    open_fd(&mut p, &[], &f, nil(), 0);

    let n = d.join("new");
    let excl = || list(vec![atom("o_wronly"), atom("o_creat"), atom("o_excl")]);
    open_fd(&mut p, &[], &n, excl(), 0o640);
    assert_eq!(mode_of(&n), 0o640);
    assert_eq!(p.call(&[], "open", vec![s(&n), excl(), int(0o640)]), error("eexist"));
    assert_eq!(p.call(&[], "open", vec![s(&d.join("missing")), list(vec![atom("o_rdonly")]), int(0)]), error("enoent"));
    assert_eq!(p.call(&[], "open", vec![s(&f.join("x")), list(vec![atom("o_rdonly")]), int(0)]), error("enotdir"));
    assert_eq!(p.call(&[], "open", vec![s(&f), list(vec![atom("o_bogus")]), int(0)]), error("enotsup"));
    assert_eq!(p.call(&[], "open", vec![s(&f), atom("o_rdonly"), int(0)]), atom("badarg"));
    assert_eq!(p.call(&[], "open", vec![s(&f), nil(), int(-1)]), atom("badarg"));

    // [1, 0, 64] travels as STRING_EXT: O_WRONLY | 0 | O_CREAT (§11)
    let created = d.join("created");
    open_fd(&mut p, &[], &created, bytelist(&[1, 0, 64]), 0o644);
    assert!(created.is_file());
}

#[test]
fn eacces_after_dropping_privileges() {
    require_root!();
    let mut p = Port::start();
    let d = temp_dir("eacces");
    set_mode(&d, 0o755);
    let secret = d.join("secret");
    std::fs::write(&secret, b"s").unwrap();
    set_mode(&secret, 0o600);
    let private = d.join("private");
    std::fs::create_dir(&private).unwrap();
    set_mode(&private, 0o700);

    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setgid", vec![int(65534)]), ok());
    assert_eq!(p.call(&[c], "setuid", vec![int(65534)]), ok());
    assert_eq!(as_int(&p.call(&[c], "getuid", vec![])), Some(65534));

    let rd = || list(vec![atom("o_rdonly")]);
    assert_eq!(p.call(&[c], "open", vec![s(&secret), rd(), int(0)]), error("eacces"));
    assert_eq!(p.call(&[c], "mkdir", vec![s(&d.join("sub")), int(0o755)]), error("eacces"));
    assert_eq!(p.call(&[c], "mkfifo", vec![s(&d.join("fifo")), int(0o644)]), error("eacces"));
    assert_eq!(p.call(&[c], "symlink", vec![charlist("x"), s(&d.join("sl"))]), error("eacces"));
    assert_eq!(p.call(&[c], "readdir", vec![s(&private)]), error("eacces"));
    assert_eq!(p.call(&[c], "rmdir", vec![s(&private)]), error("eacces"));
    assert_eq!(p.call(&[c], "chmod", vec![s(&secret), int(0o644)]), error("eperm"));
    assert_eq!(p.call(&[c], "chown", vec![s(&secret), int(65534), int(65534)]), error("eperm"));
    assert_eq!(mode_of(&secret), 0o600);
}

#[test]
fn read_write_lseek_close() {
    let mut p = Port::start();
    let d = temp_dir("rw");
    let f = d.join("w");
    let fd = open_fd(&mut p, &[], &f, list(vec![atom("o_rdwr"), atom("o_creat"), atom("o_trunc")]), 0o644);
    assert_eq!(p.call(&[], "write", vec![int(fd), list(vec![charlist("ab"), bin(b"cd"), int(b'e' as i32)])]), ok_with(int(5)));
    assert_eq!(p.call(&[], "write", vec![int(fd), bin(b"")]), ok_with(int(0)));
    assert_eq!(p.call(&[], "write", vec![int(fd), bin(b" world")]), ok_with(int(6)));
    assert_eq!(std::fs::read(&f).unwrap(), b"abcde world");
    assert_eq!(p.call(&[], "write", vec![int(fd), list(vec![int(256)])]), atom("badarg"));
    assert_eq!(p.call(&[], "write", vec![int(-1), bin(b"x")]), error("ebadf"));

    assert_eq!(p.call(&[], "read", vec![int(fd), int(5)]), ok_with(bin(b"")), "at end of file");
    assert_eq!(p.call(&[], "lseek", vec![int(fd), int(0), int(libc::SEEK_SET)]), ok());
    assert_eq!(p.call(&[], "read", vec![int(fd), int(5)]), ok_with(bin(b"abcde")));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), int(-5), int(libc::SEEK_END)]), ok());
    assert_eq!(p.call(&[], "read", vec![int(fd), int(2)]), ok_with(bin(b"wo")));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), int(-4), int(libc::SEEK_CUR)]), ok());
    assert_eq!(p.call(&[], "read", vec![int(fd), int(100)]), ok_with(bin(b"e world")));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), big(1 << 33), int(libc::SEEK_SET)]), ok());
    assert_eq!(p.call(&[], "read", vec![int(fd), int(3)]), ok_with(bin(b"")));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), int(-1), int(libc::SEEK_SET)]), error("einval"));
    assert_eq!(p.call(&[], "lseek", vec![int(-1), int(0), int(libc::SEEK_SET)]), error("ebadf"));
    // 2^63 does not fit an int64
    let two63 = Term::from(eetf::BigInteger::from(1u64 << 63));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), two63, int(0)]), atom("badarg"));
    assert_eq!(p.call(&[], "lseek", vec![int(fd), int(0), atom("seek_set")]), atom("badarg"));

    let wfd = open_fd(&mut p, &[], &f, list(vec![atom("o_wronly")]), 0);
    assert_eq!(p.call(&[], "read", vec![int(wfd), int(1)]), error("ebadf"));
    let rfd = open_fd(&mut p, &[], &f, list(vec![atom("o_rdonly")]), 0);
    assert_eq!(p.call(&[], "write", vec![int(rfd), bin(b"x")]), error("ebadf"));
    let dfd = open_fd(&mut p, &[], &d, list(vec![atom("o_rdonly")]), 0);
    assert_eq!(p.call(&[], "read", vec![int(dfd), int(1)]), error("eisdir"));
    assert_eq!(p.call(&[], "read", vec![int(fd), int(-1)]), atom("badarg"));

    assert_eq!(p.call(&[], "close", vec![int(wfd)]), ok());
    assert_eq!(p.call(&[], "close", vec![int(wfd)]), error("ebadf"));
    assert_eq!(p.call(&[], "read", vec![int(wfd), int(1)]), error("ebadf"));
}

/// Read a 70000-byte file at `path` with counts larger than any frame.
fn read_large(p: &mut Port, path: &[u32], file: &Path, data: &[u8]) {
    let depth = path.len();
    // the whole reply, {ok, <<...>>}, must fit the depth's ETF budget (§2.3)
    let budget = 65535 - 8 * (depth + 1);
    let fd = open_fd(p, path, file, list(vec![atom("o_rdonly")]), 0);
    let mut got = Vec::new();
    let mut first = true;
    loop {
        let r = p.call(path, "read", vec![int(fd), big(1 << 40)]);
        let e = elems(&r);
        assert_eq!(e[0], atom("ok"), "depth {depth}: {r}");
        let chunk = bytes(&e[1]);
        if first {
            assert!(chunk.len() > 65000 && chunk.len() + 12 <= budget, "depth {depth}: chunk of {}", chunk.len());
            first = false;
        }
        if chunk.is_empty() {
            break;
        }
        got.extend(chunk);
    }
    assert!(got == data, "depth {depth}: read back {} bytes", got.len());
    let want = path.last().map_or(p.os_pid(), |&pid| pid) as i64;
    assert_eq!(as_int(&p.call(path, "getpid", vec![])), Some(want));
}

#[test]
fn read_is_clamped_to_the_frame() {
    let mut p = Port::start();
    let d = temp_dir("bigread");
    let f = d.join("big");
    let data: Vec<u8> = (0..70000u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&f, &data).unwrap();
    read_large(&mut p, &[], &f, &data);
    let path = p.chain(&[], 2);
    read_large(&mut p, &path, &f, &data);
    let exits: Vec<Msg> = p.drain(Duration::from_millis(100)).into_iter().filter(|m| matches!(m, Msg::Event(..))).collect();
    assert!(exits.is_empty(), "{exits:?}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn fcntl_calls() {
    let mut p = Port::start();
    let f = temp_dir("fcntl").join("f");
    std::fs::write(&f, b"x").unwrap();
    let fd = open_fd(&mut p, &[], &f, list(vec![atom("o_rdonly")]), 0);
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_getfd"), int(0)]), ok_with(int(0)));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_setfd"), int(1)]), ok_with(int(0)));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("F_GETFD"), int(0)]), ok_with(int(1)));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_setfl"), int(libc::O_NONBLOCK)]), ok_with(int(0)));
    let fl = ok_int(&p.call(&[], "fcntl", vec![int(fd), int(libc::F_GETFL), int(0)])).unwrap();
    assert_eq!(fl as i32 & libc::O_NONBLOCK, libc::O_NONBLOCK);
    assert_eq!(p.call(&[], "fcntl", vec![int(-1), atom("f_getfd"), int(0)]), error("ebadf"));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), int(-12345), int(0)]), error("einval"));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_bogus"), int(0)]), error("enotsup"));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), atom("f_getfd"), nil()]), atom("badarg"));
    assert_eq!(p.call(&[], "fcntl", vec![int(fd), list(vec![atom("f_getfd")]), int(0)]), atom("badarg"));
}

/// A FIFO the root holds open for reading and writing, and a writer of our own.
fn fifo(p: &mut Port) -> (i32, std::fs::File) {
    let path = temp_dir("select").join("fifo");
    assert_eq!(p.call(&[], "mkfifo", vec![s(&path), int(0o600)]), ok());
    let fd = open_fd(p, &[], &path, list(vec![atom("o_rdwr")]), 0);
    let writer = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&path).unwrap();
    (fd, writer)
}

#[test]
fn select_times_out_then_wakes_on_a_readable_pipe() {
    use std::io::Write;
    let mut p = Port::start();
    let (fd, mut writer) = fifo(&mut p);

    let t0 = Instant::now();
    assert_eq!(p.call(&[], "select", vec![list(vec![int(fd)]), nil(), nil(), timeval(0, 200_000)]), ready(&[], &[], &[]));
    assert!(t0.elapsed() >= Duration::from_millis(190), "returned after {:?}", t0.elapsed());
    // an open FIFO is always writable
    assert_eq!(p.call(&[], "select", vec![nil(), list(vec![int(fd)]), nil(), timeval(0, 0)]), ready(&[], &[fd], &[]));

    // a select waiting 5 s returns as soon as a byte arrives
    p.send_call(&[], call_nr("select"), &encode(&tuple(vec![list(vec![int(fd)]), nil(), nil(), timeval(5, 0)])));
    assert!(p.expect_within(Duration::from_millis(200), |m| matches!(m, Msg::Call(..))).is_none(), "select returned early");
    let t1 = Instant::now();
    writer.write_all(b"x").unwrap();
    match p.expect(|m| matches!(m, Msg::Call(..))) {
        Msg::Call(_, t) => assert_eq!(t, ready(&[fd], &[], &[])),
        _ => unreachable!(),
    }
    assert!(t1.elapsed() < Duration::from_secs(2));
    // the fd as STRING_EXT (how Erlang encodes [Fd]), and in two sets
    assert_eq!(
        p.call(&[], "select", vec![bytelist(&[fd as u8]), bytelist(&[fd as u8]), nil(), timeval(0, 0)]),
        ready(&[fd], &[fd], &[])
    );
    assert_eq!(p.call(&[], "read", vec![int(fd), int(10)]), ok_with(bin(b"x")));

    // `[]` blocks until the byte arrives
    p.send_call(&[], call_nr("select"), &encode(&tuple(vec![list(vec![int(fd)]), nil(), nil(), nil()])));
    assert!(p.expect_within(Duration::from_millis(200), |m| matches!(m, Msg::Call(..))).is_none(), "select returned early");
    writer.write_all(b"y").unwrap();
    match p.expect(|m| matches!(m, Msg::Call(..))) {
        Msg::Call(_, t) => assert_eq!(t, ready(&[fd], &[], &[])),
        _ => unreachable!(),
    }
    assert_eq!(as_int(&p.call(&[], "getpid", vec![])), Some(p.os_pid() as i64));
}

#[test]
fn select_failures() {
    let mut p = Port::start();
    let (fd, _writer) = fifo(&mut p);
    let sel = |p: &mut Port, r: Term, t: Term| p.call(&[], "select", vec![r, nil(), nil(), t]);
    // not open, out of range, negative
    assert_eq!(sel(&mut p, list(vec![int(1000)]), timeval(0, 0)), error("ebadf"));
    assert_eq!(sel(&mut p, list(vec![int(5000)]), timeval(0, 0)), error("ebadf"));
    assert_eq!(sel(&mut p, list(vec![int(fd), int(-1)]), timeval(0, 0)), error("ebadf"));
    // 1024 entries, all open
    assert_eq!(sel(&mut p, list(vec![int(fd); 1024]), timeval(0, 0)), error("ebadf"));
    // not a list
    assert_eq!(sel(&mut p, atom("foo"), timeval(0, 0)), error("ebadf"));
    assert_eq!(sel(&mut p, bin(&[fd as u8]), timeval(0, 0)), error("ebadf"));
    // select(2) itself failing is {error, E} (§11)
    assert_eq!(sel(&mut p, nil(), timeval(-1, 0)), error("einval"));
    // malformed timeouts
    assert_eq!(sel(&mut p, list(vec![int(fd)]), tuple(vec![atom("timeval"), int(0), int(0)])), atom("badarg"));
    assert_eq!(sel(&mut p, list(vec![int(fd)]), int(0)), atom("badarg"));

    // a caught signal interrupts a waiting select: {error, eintr}
    p.send_call(&[], call_nr("select"), &encode(&tuple(vec![list(vec![int(fd)]), nil(), nil(), timeval(8, 0)])));
    let deadline = Instant::now() + Duration::from_secs(5);
    let reply = loop {
        unsafe { libc::kill(p.os_pid() as i32, libc::SIGUSR1) };
        if let Some(Msg::Call(_, t)) = p.expect_within(Duration::from_millis(100), |m| matches!(m, Msg::Call(..))) {
            break t;
        }
        assert!(Instant::now() < deadline, "select was not interrupted");
    };
    assert_eq!(reply, error("eintr"));
    assert_eq!(as_int(&p.call(&[], "getpid", vec![])), Some(p.os_pid() as i64));
}
