//! Mounts, roots and identities over raw frames: mount(2), umount(2),
//! umount2(2), pivot_root(2) in a child with its own mount namespace, and
//! setgroups/getgroups, setresuid/getresuid, setresgid/getresgid in forked
//! children (PROTOCOL.md §4.4, §5, §11).

mod common;
use common::*;
use eetf::Term;
use std::path::{Path, PathBuf};

/// A forked child with a private mount namespace, or `None` (with the reason
/// printed) when namespaces are not permitted on this host.
fn mount_child(p: &mut Port) -> Option<u32> {
    let c = p.fork(&[]);
    let r = p.call(&[c], "unshare", vec![list(vec![atom("clone_newns")])]);
    if r != ok() {
        eprintln!("skipped: unshare([clone_newns]) not permitted here: {r}");
        return None;
    }
    let private = list(vec![atom("ms_rec"), atom("ms_private")]);
    assert_eq!(p.call(&[c], "mount", vec![charlist("none"), charlist("/"), nil(), private, nil(), nil()]), ok());
    Some(c)
}

/// Is `dir` a mount point in the mount namespace of `pid`?
fn is_mounted(pid: u32, dir: &Path) -> bool {
    let info = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    let dir = dir.to_str().unwrap();
    info.lines().any(|l| l.split(' ').nth(4) == Some(dir))
}

/// `path` as the process `pid` sees it (through its root and mount namespace).
fn seen_by(pid: u32, path: &Path) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/root{}", path.display()))
}

fn s(p: &Path) -> Term {
    charlist(p.to_str().unwrap())
}

fn mount(p: &mut Port, path: &[u32], src: &str, target: &Path, fstype: &str, flags: Term, data: &str) -> Term {
    p.call(path, "mount", vec![charlist(src), s(target), charlist(fstype), flags, charlist(data), nil()])
}

/// The exit status of `sh -c script` run in a new child of `path`.
fn sh_status(p: &mut Port, path: &[u32], script: &str) -> Term {
    let g = p.fork(path);
    let gp = [path, &[g]].concat();
    p.sh(&gp, script);
    p.exit_event(&gp)
}

fn exit_status(n: i32) -> Term {
    tuple(vec![atom("exit_status"), int(n)])
}

/// The integers of a `Key:` line of /proc/PID/status.
fn status_ints(pid: u32, key: &str) -> Vec<u32> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = st.lines().find(|l| l.starts_with(&format!("{key}:"))).unwrap();
    line[key.len() + 1..].split_whitespace().map(|n| n.parse().unwrap()).collect()
}

/// An integer as the port encodes it: a fixed integer when it fits 32 bits.
fn num(i: i64) -> Term {
    i32::try_from(i).map_or_else(|_| big(i), int)
}

fn ints(v: &[u32]) -> Term {
    list(v.iter().map(|&i| num(i as i64)).collect())
}

fn res(r: i64, e: i64, s: i64) -> Term {
    tuple(vec![atom("ok"), num(r), num(e), num(s)])
}

#[test]
fn mount_tmpfs_is_private_to_the_namespace() {
    require_root!();
    let mut p = Port::start();
    let Some(c) = mount_child(&mut p) else { return };
    let d = temp_dir("mnt");
    let flags = list(vec![atom("ms_noexec"), atom("ms_nosuid")]);
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", flags, "size=1m,mode=700"), ok());
    assert!(is_mounted(c, &d));
    assert!(!is_mounted(p.os_pid(), &d));

    // A file written inside the mount (by a program the child runs) is seen
    // by the child but not outside its namespace.
    let inside = d.join("inside");
    assert_eq!(sh_status(&mut p, &[c], &format!("echo hi > {}", inside.display())), exit_status(0));
    assert_eq!(std::fs::read(seen_by(c, &inside)).unwrap(), b"hi\n");
    assert!(!inside.exists());
    // The mount was made with MS_NOEXEC: a script there cannot be run.
    std::fs::write(seen_by(c, &d.join("x.sh")), "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(seen_by(c, &d.join("x.sh")), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    assert_eq!(sh_status(&mut p, &[c], &format!("{}/x.sh", d.display())), exit_status(126));

    // Remount read-only, flags as an integer (MS_REMOUNT|MS_RDONLY).
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", int(0x21), ""), ok());
    let e = std::fs::File::create(seen_by(c, &d.join("x"))).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EROFS));
    std::fs::remove_dir(&d).unwrap();
}

#[test]
fn mount_read_only_tmpfs_refuses_writes() {
    require_root!();
    let mut p = Port::start();
    let Some(c) = mount_child(&mut p) else { return };
    let d = temp_dir("ro");
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", list(vec![atom("ms_rdonly")]), ""), ok());
    let x = d.join("x");
    assert_eq!(sh_status(&mut p, &[c], &format!("touch {} 2>/dev/null", x.display())), exit_status(1));
    let e = std::fs::File::create(seen_by(c, &x)).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EROFS));
    // The short alias `rdonly` is the same flag; empty source and data are NULL.
    let d2 = temp_dir("ro2");
    assert_eq!(mount(&mut p, &[c], "", &d2, "tmpfs", list(vec![atom("rdonly")]), ""), ok());
    assert!(is_mounted(c, &d2));
    let e = std::fs::create_dir(seen_by(c, &d2.join("sub"))).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EROFS));
    std::fs::remove_dir(&d).unwrap();
    std::fs::remove_dir(&d2).unwrap();
}

#[test]
fn mount_failures() {
    require_root!();
    let mut p = Port::start();
    let Some(c) = mount_child(&mut p) else { return };
    let d = temp_dir("mntbad");
    let gone = d.join("nonexistent");
    let bind = list(vec![atom("ms_bind")]);
    assert_eq!(mount(&mut p, &[c], gone.to_str().unwrap(), &gone, "", bind, ""), error("enoent"));
    assert_eq!(mount(&mut p, &[c], "none", &d, "no_such_fs", nil(), ""), error("enodev"));
    // An unknown flag name: enotsup; a known one outside int32 or a negative
    // OR: badarg; a bare atom (not in a list): badarg.
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", list(vec![atom("ms_bogus")]), ""), error("enotsup"));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", list(vec![atom("ms_nouser")]), ""), atom("badarg"));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", list(vec![atom("ms_mgc_val")]), ""), atom("badarg"));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", list(vec![atom("ms_mgc_msk")]), ""), atom("badarg"));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", int(-1), ""), atom("badarg"));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", atom("ms_rdonly"), ""), atom("badarg"));
    // An empty target, and an options argument that is not iodata.
    let r = p.call(&[c], "mount", vec![charlist("tmpfs"), nil(), charlist("tmpfs"), nil(), nil(), nil()]);
    assert_eq!(r, atom("badarg"));
    let r = p.call(&[c], "mount", vec![charlist("tmpfs"), s(&d), charlist("tmpfs"), nil(), nil(), atom("x")]);
    assert_eq!(r, atom("badarg"));
    assert!(!is_mounted(c, &d));
    std::fs::remove_dir(&d).unwrap();
}

#[test]
fn umount_and_umount2() {
    require_root!();
    let mut p = Port::start();
    let Some(c) = mount_child(&mut p) else { return };
    let d = temp_dir("umnt");
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", nil(), ""), ok());
    assert!(is_mounted(c, &d));
    assert_eq!(p.call(&[c], "umount", vec![s(&d)]), ok());
    assert!(!is_mounted(c, &d));
    assert_eq!(p.call(&[c], "umount", vec![s(&d)]), error("einval"));
    assert_eq!(p.call(&[c], "umount", vec![s(&d.join("nonexistent"))]), error("enoent"));
    assert_eq!(p.call(&[c], "umount", vec![nil()]), atom("badarg"));

    // umount2 with MNT_DETACH while a process keeps its cwd in the mount.
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", nil(), ""), ok());
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c, g], "chdir", vec![s(&d)]), ok());
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), int(0)]), error("ebusy"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), list(vec![atom("mnt_detach")])]), ok());
    assert!(!is_mounted(c, &d));
    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", nil(), ""), ok());
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), int(0)]), ok());
    assert!(!is_mounted(c, &d));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), nil()]), error("einval"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d.join("nonexistent")), nil()]), error("enoent"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), list(vec![atom("mnt_bogus")])]), error("enotsup"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), int(-1)]), atom("badarg"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), atom("mnt_detach")]), atom("badarg"));
    assert_eq!(p.call(&[c], "umount2", vec![s(&d), list(vec![atom("ms_nouser")])]), atom("badarg"));
    std::fs::remove_dir(&d).unwrap();
}

#[test]
fn pivot_root_into_a_tmpfs() {
    require_root!();
    let mut p = Port::start();
    let Some(c) = mount_child(&mut p) else { return };
    let d = temp_dir("newroot");
    let old = d.join("old");
    let gone = d.join("nonexistent");
    assert_eq!(p.call(&[c], "pivot_root", vec![s(&gone), s(&gone)]), error("enoent"));
    // A new root on the file system of the current root: ebusy.
    std::fs::create_dir(&old).unwrap();
    assert_eq!(p.call(&[c], "pivot_root", vec![s(&d), s(&old)]), error("ebusy"));
    std::fs::remove_dir(&old).unwrap();

    assert_eq!(mount(&mut p, &[c], "tmpfs", &d, "tmpfs", nil(), ""), ok());
    // A new root that is not a mount point: einval.
    let sub = d.join("sub");
    std::fs::create_dir_all(seen_by(c, &sub.join("old"))).unwrap();
    assert_eq!(p.call(&[c], "pivot_root", vec![s(&sub), s(&sub.join("old"))]), error("einval"));
    std::fs::remove_dir_all(seen_by(c, &sub)).unwrap();
    std::fs::create_dir(seen_by(c, &old)).unwrap();
    assert_eq!(p.call(&[c], "pivot_root", vec![s(&d), s(&old)]), ok());
    assert_eq!(p.call(&[c], "chdir", vec![charlist("/")]), ok());
    assert_eq!(p.call(&[c], "getcwd", vec![]), tuple(vec![atom("ok"), bin(b"/")]));
    // The child's root now holds only the old root.
    let names: Vec<_> = std::fs::read_dir(format!("/proc/{c}/root/")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["old"]);
    assert!(is_mounted(c, Path::new("/old")));
    // A program run there sees the same root (busybox is static, so it runs
    // from the old root without its libraries).
    let g = p.fork(&[c]);
    p.exec(&[c, g], &["/old/bin/busybox", "ls", "-a", "/"]);
    let out = p.stdout(&[c, g], b".\n..\nold\n".len());
    assert_eq!(out, b".\n..\nold\n");
    assert_eq!(p.exit_event(&[c, g]), exit_status(0));
    assert_eq!(p.call(&[c], "pivot_root", vec![nil(), charlist("/old")]), atom("badarg"));
    assert_eq!(p.call(&[c], "pivot_root", vec![charlist("/"), nil()]), atom("badarg"));
    // Outside the namespace nothing changed.
    assert!(!is_mounted(p.os_pid(), &d));
    std::fs::remove_dir(&d).unwrap();
}

#[test]
fn setgroups_getgroups_kernel_order() {
    require_root!();
    let mut p = Port::start();
    let c = p.fork(&[]);
    let ids = list(vec![int(10), int(3), int(700)]);
    assert_eq!(p.call(&[c], "setgroups", vec![ids]), ok());
    assert_eq!(p.call(&[c], "getgroups", vec![]), tuple(vec![atom("ok"), ints(&[3, 10, 700])]));
    assert_eq!(status_ints(c, "Groups"), [3, 10, 700]);
    // [5, 1] as Erlang encodes it: a STRING_EXT.
    let r = p.call_etf(&[c], call_nr("setgroups"), &[131, 104, 1, 107, 0, 2, 5, 1]);
    assert_eq!(r, ok());
    assert_eq!(p.call(&[c], "getgroups", vec![]), tuple(vec![atom("ok"), ints(&[1, 5])]));
    // The largest gid a uint allows travels as a SMALL_BIG.
    assert_eq!(p.call(&[c], "setgroups", vec![list(vec![big(4000000000)])]), ok());
    assert_eq!(p.call(&[c], "getgroups", vec![]), tuple(vec![atom("ok"), ints(&[4000000000])]));
    assert_eq!(p.call(&[c], "setgroups", vec![nil()]), ok());
    assert_eq!(p.call(&[c], "getgroups", vec![]), tuple(vec![atom("ok"), nil()]));
    // [-1] as a LIST_EXT of one INTEGER_EXT (eetf would write a STRING_EXT).
    let r = p.call_etf(&[c], call_nr("setgroups"), &[131, 104, 1, 108, 0, 0, 0, 1, 98, 255, 255, 255, 255, 106]);
    assert_eq!(r, atom("badarg"));
    assert_eq!(p.call(&[c], "setgroups", vec![list(vec![big(1 << 32)])]), atom("badarg"));
    assert_eq!(p.call(&[c], "setgroups", vec![atom("foo")]), atom("badarg"));
    assert_eq!(p.call(&[c], "setgroups", vec![bin(&[1, 2])]), atom("badarg"));
    // [1 | 2] is improper.
    assert_eq!(p.call_etf(&[c], call_nr("setgroups"), &[131, 104, 1, 108, 0, 0, 0, 1, 97, 1, 97, 2]), atom("badarg"));

    // Without CAP_SETGID the group list cannot change.
    assert_eq!(p.call(&[c], "setresuid", vec![int(65534), int(65534), int(65534)]), ok());
    assert_eq!(p.call(&[c], "setgroups", vec![list(vec![int(1)])]), error("eperm"));
    assert_eq!(p.call(&[c], "getgroups", vec![]), tuple(vec![atom("ok"), nil()]));
    // The root's groups are untouched, in the kernel's order.
    let root = status_ints(p.os_pid(), "Groups");
    assert_eq!(p.call(&[], "getgroups", vec![]), tuple(vec![atom("ok"), ints(&root)]));
}

#[test]
fn setresuid_getresuid() {
    require_root!();
    let mut p = Port::start();
    let root = status_ints(p.os_pid(), "Uid");
    assert_eq!(p.call(&[], "getresuid", vec![]), res(root[0] as i64, root[1] as i64, root[2] as i64));
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setresuid", vec![int(0), int(0), int(0)]), ok());
    assert_eq!(p.call(&[c], "setresuid", vec![int(1001), int(1002), int(1003)]), ok());
    assert_eq!(p.call(&[c], "getresuid", vec![]), res(1001, 1002, 1003));
    assert_eq!(status_ints(c, "Uid")[..3], [1001, 1002, 1003]);
    assert_eq!(p.call(&[c], "getuid", vec![]), int(1001));
    // 4294967295 (-1 to the kernel) leaves an id unchanged.
    let keep = big(u32::MAX as i64);
    assert_eq!(p.call(&[c], "setresuid", vec![keep.clone(), int(1003), keep]), ok());
    assert_eq!(p.call(&[c], "getresuid", vec![]), res(1001, 1003, 1003));
    assert_eq!(p.call(&[c], "setresuid", vec![int(0), int(0), int(-1)]), atom("badarg"));
    assert_eq!(p.call(&[c], "setresuid", vec![int(0), int(0), big(1 << 32)]), atom("badarg"));

    // With no id 0 left the child is unprivileged: only its own ids remain.
    assert_eq!(p.call(&[c], "setresuid", vec![int(0), int(0), int(0)]), error("eperm"));
    assert_eq!(p.call(&[c], "setresuid", vec![int(1003), int(1001), int(1003)]), ok());
    assert_eq!(p.call(&[c], "getresuid", vec![]), res(1003, 1001, 1003));

    // A child that drops to 65534 cannot set its ids back.
    let c2 = p.fork(&[]);
    assert_eq!(p.call(&[c2], "setresuid", vec![int(65534), int(65534), int(65534)]), ok());
    assert_eq!(p.call(&[c2], "setresuid", vec![int(0), int(0), int(0)]), error("eperm"));
    assert_eq!(p.call(&[c2], "setresuid", vec![int(65534), int(0), int(65534)]), error("eperm"));
    assert_eq!(p.call(&[c2], "getresuid", vec![]), res(65534, 65534, 65534));
    assert_eq!(p.call(&[], "getresuid", vec![]), res(root[0] as i64, root[1] as i64, root[2] as i64));
}

#[test]
fn setresgid_getresgid() {
    require_root!();
    let mut p = Port::start();
    let root = status_ints(p.os_pid(), "Gid");
    assert_eq!(p.call(&[], "getresgid", vec![]), res(root[0] as i64, root[1] as i64, root[2] as i64));
    let c = p.fork(&[]);
    assert_eq!(p.call(&[c], "setresgid", vec![int(1001), int(1002), int(1003)]), ok());
    assert_eq!(p.call(&[c], "getresgid", vec![]), res(1001, 1002, 1003));
    assert_eq!(status_ints(c, "Gid")[..3], [1001, 1002, 1003]);
    assert_eq!(p.call(&[c], "getgid", vec![]), int(1001));
    assert_eq!(p.call(&[c], "setresgid", vec![int(0), int(-5), int(0)]), atom("badarg"));
    assert_eq!(p.call_etf(&[c], call_nr("setresgid"), &[131, 104, 2, 97, 0, 97, 0]), atom("badarg"));

    // Unprivileged now: the group ids cannot go back.
    assert_eq!(p.call(&[c], "setresgid", vec![int(65534), int(65534), int(65534)]), ok());
    assert_eq!(p.call(&[c], "setresuid", vec![int(65534), int(65534), int(65534)]), ok());
    assert_eq!(p.call(&[c], "setresgid", vec![int(0), int(0), int(0)]), error("eperm"));
    assert_eq!(p.call(&[c], "getresgid", vec![]), res(65534, 65534, 65534));
    assert_eq!(p.call(&[], "getresgid", vec![]), res(root[0] as i64, root[1] as i64, root[2] as i64));
}
