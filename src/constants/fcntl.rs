//! `fcntl` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 7 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "fcntl",
    entries: &[
        ("f_getfd", 1),
        ("f_setfd", 2),
        ("f_getfl", 3),
        ("f_setfl", 4),
        ("fd_cloexec", 1),
        ("f_setpipe_sz", 1031),
        ("f_getpipe_sz", 1032),
    ],
};
