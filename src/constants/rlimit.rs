//! `rlimit` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 17 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "rlimit",
    entries: &[
        ("rlimit_cpu", 0),
        ("rlimit_fsize", 1),
        ("rlimit_data", 2),
        ("rlimit_stack", 3),
        ("rlimit_core", 4),
        ("rlimit_rss", 5),
        ("rlimit_nproc", 6),
        ("rlimit_nofile", 7),
        ("rlimit_memlock", 8),
        ("rlimit_as", 9),
        ("rlimit_locks", 10),
        ("rlimit_sigpending", 11),
        ("rlimit_msgqueue", 12),
        ("rlimit_nice", 13),
        ("rlimit_rtprio", 14),
        ("rlimit_rttime", 15),
        ("rlimit_nlimits", 16),
    ],
};
