//! `clone` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 8 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "clone",
    entries: &[
        ("clone_newns", 131072),
        ("clone_newcgroup", 33554432),
        ("clone_newuts", 67108864),
        ("clone_newipc", 134217728),
        ("clone_newuser", 268435456),
        ("clone_newpid", 536870912),
        ("clone_newnet", 1073741824),
        ("clone_newtime", 128),
    ],
};
