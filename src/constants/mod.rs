//! Named constant tables (PROTOCOL.md §5, Appendices A–C), Linux x86_64 glibc values.
//!
//! Names are stored in lower case, in the protocol's table order. Values are stored
//! as `i64`; negative C values (`ms_nouser`, `pr_set_ptracer_any`) are stored
//! negative. The `_constant` calls re-encode the value as unsigned 64-bit
//! (`v as u64`) elsewhere.

mod clone;
mod fcntl;
mod file;
mod ioctl;
mod mount;
mod prctl;
mod prio;
mod ptrace;
mod rlimit;
mod seccomp;
mod signal;
mod socket;
mod syscall;
mod wait;

/// One family of named constants, in the protocol's table order.
pub struct Table {
    pub name: &'static str,
    pub entries: &'static [(&'static str, i64)],
}

impl Table {
    /// Case-insensitive (ASCII) lookup of a name given as raw bytes (an Erlang
    /// atom's Latin-1 bytes), e.g. `b"CLONE_NEWNS"`, `b"SigTerm"`. `None` when unknown.
    pub fn lookup(&self, name: &[u8]) -> Option<i64> {
        self.entries
            .iter()
            .find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(_, v)| v)
    }
}

pub use clone::TABLE as CLONE;
pub use fcntl::TABLE as FCNTL;
pub use file::TABLE as FILE;
pub use ioctl::TABLE as IOCTL;
pub use mount::TABLE as MOUNT;
pub use prctl::TABLE as PRCTL;
pub use prio::TABLE as PRIO;
pub use ptrace::TABLE as PTRACE;
pub use rlimit::TABLE as RLIMIT;
pub use seccomp::TABLE as SECCOMP;
pub use signal::TABLE as SIGNAL;
pub use socket::TABLE as SOCKET;
pub use syscall::TABLE as SYSCALL;
pub use wait::TABLE as WAIT;

/// Reverse mapping for signals: the FIRST entry of SIGNAL with that number
/// (6 => "sigabrt", 29 => "sigio"); `None` otherwise (e.g. 40).
pub fn signal_name(signum: i32) -> Option<&'static str> {
    SIGNAL
        .entries
        .iter()
        .find(|&&(_, v)| v == i64::from(signum))
        .map(|&(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> [&'static Table; 14] {
        [
            &CLONE, &FCNTL, &FILE, &IOCTL, &MOUNT, &PRCTL, &PTRACE, &RLIMIT, &SECCOMP,
            &SIGNAL, &SYSCALL, &PRIO, &SOCKET, &WAIT,
        ]
    }

    #[test]
    fn counts() {
        let expected = [
            (&CLONE, "clone", 8),
            (&FCNTL, "fcntl", 7),
            (&FILE, "file", 20),
            (&MOUNT, "mount", 36),
            (&RLIMIT, "rlimit", 17),
            (&SECCOMP, "seccomp", 3),
            (&SIGNAL, "signal", 33),
            (&PTRACE, "ptrace", 44),
            (&PRIO, "prio", 3),
            (&SOCKET, "socket", 30),
            (&WAIT, "wait", 3),
            (&IOCTL, "ioctl", 147),
            (&PRCTL, "prctl", 142),
            (&SYSCALL, "syscall", 320),
        ];
        for (t, name, n) in expected {
            assert_eq!(t.name, name);
            assert_eq!(t.entries.len(), n, "table {}", name);
        }
        let sys = SYSCALL.entries.iter().filter(|(n, _)| n.starts_with("sys_")).count();
        let arch = SYSCALL.entries.iter().filter(|(n, _)| n.starts_with("audit_arch_")).count();
        assert_eq!((sys, arch), (292, 28));
    }

    #[test]
    fn names_are_lower_case_and_unique() {
        for t in all() {
            for (i, (n, _)) in t.entries.iter().enumerate() {
                assert!(!n.is_empty());
                assert!(
                    n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{}: bad name {}",
                    t.name,
                    n
                );
                assert!(
                    t.entries[..i].iter().all(|(m, _)| m != n),
                    "{}: duplicate name {}",
                    t.name,
                    n
                );
            }
        }
    }

    #[test]
    fn only_documented_negatives() {
        for t in all() {
            for &(n, v) in t.entries {
                if v < 0 {
                    assert!(
                        (t.name, n) == ("mount", "ms_nouser")
                            || (t.name, n) == ("prctl", "pr_set_ptracer_any"),
                        "{}: unexpected negative {}={}",
                        t.name,
                        n,
                        v
                    );
                }
            }
        }
    }

    #[test]
    fn values() {
        assert_eq!(CLONE.lookup(b"clone_newns"), Some(131072));
        assert_eq!(CLONE.lookup(b"clone_newtime"), Some(128));
        assert_eq!(FCNTL.lookup(b"f_getpipe_sz"), Some(1032));
        assert_eq!(FCNTL.lookup(b"fd_cloexec"), Some(1));
        assert_eq!(FILE.lookup(b"o_sync"), Some(1052672));
        assert_eq!(FILE.lookup(b"o_ndelay"), Some(2048));
        assert_eq!(FILE.lookup(b"o_rdonly"), Some(0));
        assert_eq!(MOUNT.lookup(b"ms_nouser"), Some(-2147483648));
        assert_eq!(MOUNT.lookup(b"ms_nouser").map(|v| v as u64), Some(18446744071562067968));
        assert_eq!(MOUNT.lookup(b"ms_mgc_val"), Some(3236757504));
        assert_eq!(MOUNT.lookup(b"noatime"), Some(1024));
        assert_eq!(MOUNT.lookup(b"umount_nofollow"), Some(8));
        assert_eq!(PRCTL.lookup(b"pr_set_ptracer_any"), Some(-1));
        assert_eq!(PRCTL.lookup(b"pr_set_ptracer_any").map(|v| v as u64), Some(u64::MAX));
        assert_eq!(PRCTL.lookup(b"pr_set_ptracer"), Some(1499557217));
        assert_eq!(PRCTL.lookup(b"seccomp_ret_kill_process"), Some(2147483648));
        assert_eq!(PRCTL.lookup(b"seccomp_ret_action_full"), Some(4294901760));
        assert_eq!(PRCTL.lookup(b"seccomp_user_notif_flag_continue"), Some(1));
        assert_eq!(PTRACE.lookup(b"ptrace_o_mask"), Some(3145983));
        assert_eq!(PTRACE.lookup(b"ptrace_traceme"), Some(0));
        assert_eq!(RLIMIT.lookup(b"rlimit_nofile"), Some(7));
        assert_eq!(RLIMIT.lookup(b"rlimit_nlimits"), Some(16));
        assert_eq!(SECCOMP.lookup(b"seccomp_set_mode_filter"), Some(1));
        assert_eq!(SECCOMP.lookup(b"seccomp_filter_flag_tsync"), Some(1));
        assert_eq!(SIGNAL.lookup(b"sigterm"), Some(15));
        assert_eq!(SIGNAL.lookup(b"sigsys"), Some(31));
        assert_eq!(SYSCALL.lookup(b"sys_process_vm_writev"), Some(311));
        assert_eq!(SYSCALL.lookup(b"sys_restart_syscall"), Some(219));
        assert_eq!(SYSCALL.lookup(b"sys_read"), Some(0));
        assert_eq!(SYSCALL.lookup(b"audit_arch_x86_64"), Some(3221225534));
        assert_eq!(SYSCALL.lookup(b"audit_arch_aarch64"), Some(3221225655));
        assert_eq!(IOCTL.lookup(b"tiocgptn"), Some(2147767344));
        assert_eq!(IOCTL.lookup(b"siocgifindex"), Some(35123));
        assert_eq!(IOCTL.lookup(b"tunsetvnethdrsz"), Some(1074025688));
        assert_eq!(PRIO.lookup(b"prio_user"), Some(2));
        assert_eq!(SOCKET.lookup(b"af_inet6"), Some(10));
        assert_eq!(SOCKET.lookup(b"sock_cloexec"), Some(524288));
        assert_eq!(WAIT.lookup(b"wcontinued"), Some(8));
        assert_eq!(WAIT.lookup(b"wnohang"), Some(1));
    }

    #[test]
    fn first_and_last_entries_in_order() {
        let ends = [
            (&CLONE, "clone_newns", "clone_newtime"),
            (&FCNTL, "f_getfd", "f_getpipe_sz"),
            (&FILE, "o_accmode", "o_ndelay"),
            (&MOUNT, "ms_rdonly", "noatime"),
            (&RLIMIT, "rlimit_cpu", "rlimit_nlimits"),
            (&SECCOMP, "seccomp_set_mode_strict", "seccomp_filter_flag_tsync"),
            (&SIGNAL, "sighup", "sigsys"),
            (&PTRACE, "ptrace_traceme", "ptrace_o_mask"),
            (&PRIO, "prio_process", "prio_user"),
            (&SOCKET, "af_appletalk", "sock_stream"),
            (&WAIT, "wnohang", "wcontinued"),
            (&IOCTL, "siocaddrt", "tunsetvnethdrsz"),
            (&PRCTL, "pr_capbset_drop", "seccomp_user_notif_flag_continue"),
            (&SYSCALL, "sys_restart_syscall", "audit_arch_x86_64"),
        ];
        for (t, first, last) in ends {
            assert_eq!(t.entries.first().map(|e| e.0), Some(first), "{}", t.name);
            assert_eq!(t.entries.last().map(|e| e.0), Some(last), "{}", t.name);
        }
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(CLONE.lookup(b"CLONE_NEWNS"), Some(131072));
        assert_eq!(CLONE.lookup(b"Clone_NewNs"), Some(131072));
        assert_eq!(SIGNAL.lookup(b"SigTerm"), Some(15));
        assert_eq!(SIGNAL.lookup(b"SIGKILL"), Some(9));
        assert_eq!(SYSCALL.lookup(b"SYS_getpid"), Some(39));
        assert_eq!(FILE.lookup(b"O_RDONLY"), Some(0));
        // Non-ASCII Latin-1 bytes never match (and don't panic).
        assert_eq!(SIGNAL.lookup(b"sigterm\xe9"), None);
        assert_eq!(SIGNAL.lookup(b"\xc9"), None);
    }

    #[test]
    fn unknown() {
        assert_eq!(MOUNT.lookup(b"ms_fss"), None);
        assert_eq!(MOUNT.lookup(b"mnt_noatime"), None);
        assert_eq!(SYSCALL.lookup(b"sys_seccomp"), None);
        assert_eq!(SYSCALL.lookup(b"sys_stime"), None);
        assert_eq!(PRCTL.lookup(b"pr_set"), None);
        assert_eq!(SIGNAL.lookup(b"siglost"), None);
        assert_eq!(IOCTL.lookup(b"tiocflush"), None);
        assert_eq!(FILE.lookup(b"__o_sync"), None);
        assert_eq!(SIGNAL.lookup(b""), None);
        assert_eq!(SIGNAL.lookup(b"sigter"), None);
        assert_eq!(SIGNAL.lookup(b"sigterm_"), None);
        // Tables are separate: a name from one family is unknown in another.
        assert_eq!(CLONE.lookup(b"sigterm"), None);
    }

    #[test]
    fn reverse_signal() {
        assert_eq!(signal_name(6), Some("sigabrt"));
        assert_eq!(signal_name(29), Some("sigio"));
        assert_eq!(signal_name(15), Some("sigterm"));
        assert_eq!(signal_name(1), Some("sighup"));
        assert_eq!(signal_name(31), Some("sigsys"));
        assert_eq!(signal_name(40), None);
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(-1), None);
        assert_eq!(signal_name(32), None);
    }
}
