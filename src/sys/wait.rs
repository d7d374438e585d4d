//! waitpid(2) for callers that reap their children themselves (PROTOCOL.md §4.6).

use crate::children::Ctl;
use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};
use crate::sys::signal_atom;
use nix::errno::Errno;

/// waitpid(2): `{ok, Pid, RawStatus, [exit_status | termsig | stopsig | continued]}`,
/// `{ok, 0, 0, []}` when `wnohang` finds nothing to report.
pub fn waitpid(p: &mut Process, a: &[Term]) -> CallResult {
    let pid = args::int(&a[0])?;
    let options = args::flags(&a[1], &constants::WAIT)?;
    let mut status = 0;
    let waited = Errno::result(unsafe { libc::waitpid(pid, &mut status, options) })?;
    if waited == 0 {
        return Ok(Out::tuple([Out::ok(), Out::int(0), Out::int(0), Out::List(Vec::new())]));
    }
    if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
        forget(p, waited, status);
    }
    Ok(Out::tuple([Out::ok(), Out::int(waited), Out::int(status), Out::List(describe(status))]))
}

/// The status word spelled out, in the order of §4.6.
fn describe(status: i32) -> Vec<Out> {
    let mut l = Vec::new();
    if libc::WIFEXITED(status) {
        l.push(Out::tuple([Out::Atom("exit_status"), Out::int(libc::WEXITSTATUS(status))]));
    }
    if libc::WIFSIGNALED(status) {
        l.push(Out::tuple([Out::Atom("termsig"), signal_atom(libc::WTERMSIG(status))]));
    }
    if libc::WIFSTOPPED(status) {
        l.push(Out::tuple([Out::Atom("stopsig"), signal_atom(libc::WSTOPSIG(status))]));
    }
    if libc::WIFCONTINUED(status) {
        l.push(Out::Atom("continued"));
    }
    l
}

/// A child of ours exited or was killed and the caller reaped it: finish it
/// as the event loop would (its buffered output is relayed, its channels
/// closed) but without an exit event, since the caller has the status, and
/// free its slot at once (§11: every fd closed exactly once).
fn forget(p: &mut Process, pid: libc::pid_t, status: i32) {
    if p.children.slot_of(pid).is_none() {
        return;
    }
    p.reaped(pid, status, false);
    if let Some(c) = p.children.get_mut(pid) {
        if matches!(c.ctl, Ctl::Open(_)) {
            c.ctl = Ctl::Closed;
        }
        c.stdin = None;
        c.stdout = None;
        c.stderr = None;
        c.queue = Default::default();
    }
    p.children.release_finished();
}
