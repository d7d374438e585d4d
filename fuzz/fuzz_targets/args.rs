//! Every argument decoder over arbitrary request terms: the types of
//! PROTOCOL.md §4.2 and the call-specific forms (cstructs, select's fd sets
//! and timeout, rlimits, signal handlers, filters, group lists, mount
//! arguments, prctl/ptrace/ioctl words). Whatever the bytes, decoding
//! answers a value, badarg or enotsup, within the bounds the protocol sets.
#![no_main]
use alcove::constants;
use alcove::proto::args;
use alcove::proto::etf::{self, Term};
use alcove::sys::cstruct::{Bytes, Cstruct};
use alcove::sys::{fd, ids, kernel, limits, mount, port, signal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(Term::Tuple(items)) = etf::decode(data) else { return };
    for t in &items {
        let _ = args::int(t);
        let _ = args::uint(t);
        let _ = args::int64(t);
        let _ = args::uint64(t);
        let _ = args::atom(t);
        if let Ok(b) = args::iodata(t, 4095) {
            assert!(b.len() <= 4095);
        }
        let _ = args::path(t);
        let _ = args::name(t);
        let _ = args::argv(t);
        let _ = args::constant(t, &constants::SIGNAL);
        let _ = args::constant64(t, &constants::IOCTL);
        let _ = args::flags(t, &constants::MOUNT);
        let _ = args::flags(t, &constants::CLONE);
        if let Ok(c) = Cstruct::decode(t, 128) {
            assert!(c.len() <= 128);
            let _ = c.out();
        }
        if let Ok(c) = Cstruct::decode(t, 65535) {
            let _ = c.out();
        }
        if let Ok(b) = Bytes::decode(t) {
            let _ = b.out();
        }
        let _ = fd::FdSet::decode(t);
        let _ = fd::timeout(t);
        let _ = limits::limit(t);
        let _ = signal::handler(t);
        let _ = port::filter_set(t);
        let _ = ids::gid_list(t);
        let _ = mount::optional(t, 4095);
        let _ = mount::mount_flags(t);
        if let Ok(w) = kernel::prctl_arg(t) {
            let _ = w.out();
        }
        if let Ok(w) = kernel::ptrace_arg(t) {
            let _ = w.out();
        }
    }
});
