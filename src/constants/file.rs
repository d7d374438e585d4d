//! `file` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 20 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "file",
    entries: &[
        ("o_accmode", 3),
        ("o_rdonly", 0),
        ("o_wronly", 1),
        ("o_rdwr", 2),
        ("o_creat", 64),
        ("o_excl", 128),
        ("o_noctty", 256),
        ("o_trunc", 512),
        ("o_append", 1024),
        ("o_nonblock", 2048),
        ("o_dsync", 4096),
        ("o_direct", 16384),
        ("o_largefile", 0),
        ("o_directory", 65536),
        ("o_nofollow", 131072),
        ("o_noatime", 262144),
        ("o_cloexec", 524288),
        ("o_sync", 1052672),
        ("o_path", 2097152),
        ("o_ndelay", 2048),
    ],
};
