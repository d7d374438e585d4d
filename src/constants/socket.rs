//! `socket` constants (Linux x86_64, glibc), in the table order of PROTOCOL.md.
//! Generated from PROTOCOL.md; 30 entries.

use super::Table;

pub static TABLE: Table = Table {
    name: "socket",
    entries: &[
        ("af_appletalk", 5),
        ("af_atmpvc", 8),
        ("af_ax25", 3),
        ("af_inet", 2),
        ("af_inet6", 10),
        ("af_ipx", 4),
        ("af_local", 1),
        ("af_netlink", 16),
        ("af_packet", 17),
        ("af_unix", 1),
        ("af_x25", 9),
        ("pf_appletalk", 5),
        ("pf_atmpvc", 8),
        ("pf_ax25", 3),
        ("pf_inet", 2),
        ("pf_inet6", 10),
        ("pf_ipx", 4),
        ("pf_local", 1),
        ("pf_netlink", 16),
        ("pf_packet", 17),
        ("pf_unix", 1),
        ("pf_x25", 9),
        ("sock_cloexec", 524288),
        ("sock_dgram", 2),
        ("sock_nonblock", 2048),
        ("sock_packet", 10),
        ("sock_raw", 3),
        ("sock_rdm", 4),
        ("sock_seqpacket", 5),
        ("sock_stream", 1),
    ],
};
