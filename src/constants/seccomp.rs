//! `seccomp` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 3 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "seccomp",
    entries: &[
        ("seccomp_set_mode_strict", 0),
        ("seccomp_set_mode_filter", 1),
        ("seccomp_filter_flag_tsync", 1),
    ],
};
