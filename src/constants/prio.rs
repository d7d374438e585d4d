//! `prio` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 3 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "prio",
    entries: &[
        ("prio_process", 0),
        ("prio_pgrp", 1),
        ("prio_user", 2),
    ],
};
