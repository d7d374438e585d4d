//! `wait` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 3 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "wait",
    entries: &[
        ("wnohang", 1),
        ("wuntraced", 2),
        ("wcontinued", 8),
    ],
};
