//! Kernel interfaces that take C structures: prctl(2), ptrace(2),
//! seccomp(2), ioctl(2), and the `alloc` test helper (PROTOCOL.md §4.6, §7.3).

pending! {
    prctl, ptrace, seccomp, alloc, ioctl,
}
