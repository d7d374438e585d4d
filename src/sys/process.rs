//! Processes: fork, clone, exec, exit, pids and signals to them.

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};
use crate::spawn;
use std::ffi::CString;

fn forked(p: &mut Process, flags: i32) -> CallResult {
    let pid = spawn::spawn(p, flags)?;
    Ok(Out::ok_with(Out::int(pid)))
}

/// fork(2): a new control process.
pub fn fork(p: &mut Process, _a: &[Term]) -> CallResult {
    forked(p, 0)
}

/// clone(2) with namespace flags.
pub fn clone(p: &mut Process, a: &[Term]) -> CallResult {
    let flags = args::flags(&a[0], &constants::CLONE)?;
    forked(p, flags)
}

/// getpid(2)
pub fn getpid(_p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::int(unsafe { libc::getpid() }))
}

/// exit(3): end this control process; its parent reports the status.
pub fn exit(p: &mut Process, a: &[Term]) -> CallResult {
    let status = args::int(&a[0])?;
    p.terminate(status)
}

/// A NULL-terminated vector of pointers into `v` (NULL itself for `None`).
fn pointers(v: &Option<Vec<CString>>) -> Option<Vec<*const libc::c_char>> {
    v.as_ref().map(|v| v.iter().map(|s| s.as_ptr()).chain(std::iter::once(std::ptr::null())).collect())
}

fn ptr(v: &Option<Vec<*const libc::c_char>>) -> *const *const libc::c_char {
    v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())
}

/// Replace this process with a program. On success nothing returns: the
/// parent sees the control channel close (§1.5). On failure the loop goes on.
fn exec(p: &mut Process, run: impl FnOnce() -> libc::c_int) -> CallResult {
    p.announce_exec();
    if let (Some(ctl), true) = (&p.fdctl, p.forked_child()) {
        spawn::take_death_signal(ctl);
    }
    spawn::input_nonblocking(false);
    spawn::become_subreaper(false);
    run();
    let e = nix::errno::Errno::last_raw();
    p.exec_failed();
    spawn::become_subreaper(true);
    spawn::input_nonblocking(true);
    Err(Fail::Errno(e))
}

/// execve(2)
pub fn execve(p: &mut Process, a: &[Term]) -> CallResult {
    let path = args::path(&a[0])?;
    let (argv, envp) = (args::argv(&a[1])?, args::argv(&a[2])?);
    let (av, ev) = (pointers(&argv), pointers(&envp));
    exec(p, || unsafe { libc::execve(path.as_ptr(), ptr(&av), ptr(&ev)) })
}

/// execvp(3): exec with a PATH search.
pub fn execvp(p: &mut Process, a: &[Term]) -> CallResult {
    let file = args::nonempty(&a[0], 4095)?;
    let argv = args::argv(&a[1])?;
    let av = pointers(&argv);
    exec(p, || unsafe { libc::execvp(file.as_ptr(), ptr(&av)) })
}

/// fexecve(3): exec an open file.
pub fn fexecve(p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let (argv, envp) = (args::argv(&a[1])?, args::argv(&a[2])?);
    let (av, ev) = (pointers(&argv), pointers(&envp));
    exec(p, || unsafe { libc::fexecve(fd, ptr(&av), ptr(&ev)) })
}

/// kill(2)
pub fn kill(_p: &mut Process, a: &[Term]) -> CallResult {
    let pid = args::int(&a[0])?;
    let sig = args::constant(&a[1], &constants::SIGNAL)?;
    nix::errno::Errno::result(unsafe { libc::kill(pid, sig) })?;
    Ok(Out::ok())
}

/// The atom naming a signal number in events and wait statuses.
pub fn signal_atom(sig: i32) -> Out {
    Out::Atom(constants::signal_name(sig).unwrap_or("unknown"))
}

