//! Kernel interfaces that take C structures: prctl(2), ptrace(2),
//! seccomp(2), ioctl(2), and the `alloc` test helper (PROTOCOL.md §4.6, §7.3).

use super::cstruct::{Bytes, Cstruct, MAXBUF};
use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};
use libc::{c_uint, c_ulong, c_void};
use nix::errno::Errno;

/// An argument the kernel receives as one machine word: a plain value, or
/// the address of memory this process owns for the duration of the call.
pub enum Word {
    /// Passed as is; the term is what the reply shows in its place.
    Value(c_ulong, Out),
    /// A binary, by address of a private copy.
    Bytes(Bytes),
    /// A cstruct, by address of its buffer.
    Struct(Cstruct),
}

impl Word {
    /// A binary or a cstruct; `None` for any other term.
    fn memory(t: &Term) -> Option<Result<Word, Fail>> {
        match t {
            Term::Binary(_) => Some(Bytes::decode(t).map(Word::Bytes)),
            Term::List(..) => Some(Cstruct::decode(t, MAXBUF).map(Word::Struct)),
            _ => None,
        }
    }

    /// The word to pass.
    fn word(&mut self) -> c_ulong {
        match self {
            Word::Value(v, _) => *v,
            Word::Bytes(b) => b.as_mut_ptr() as c_ulong,
            Word::Struct(c) => c.as_mut_ptr() as c_ulong,
        }
    }

    /// What the reply shows for it after the call.
    pub fn out(self) -> Out {
        match self {
            Word::Value(_, o) => o,
            Word::Bytes(b) => b.out(),
            Word::Struct(c) => c.out(),
        }
    }
}

/// `alloc`: lay out a cstruct and show it (§7.3), a test helper.
pub fn alloc(_p: &mut Process, a: &[Term]) -> CallResult {
    let c = Cstruct::decode(&a[0], MAXBUF)?;
    Ok(Out::tuple([Out::Atom("ok"), Out::Bin(c.raw().to_vec()), c.out()]))
}

/// A prctl argument: a non-negative integer, a prctl constant, `[]` (0),
/// a binary or a cstruct. Charlists and negative or big integers are badarg.
pub fn prctl_arg(t: &Term) -> Result<Word, Fail> {
    if let Some(m) = Word::memory(t) {
        return m;
    }
    let v = match t {
        Term::Int(i) if *i >= 0 => i64::from(*i),
        Term::Atom(name) => args::lookup(&constants::PRCTL, name)?,
        Term::Nil => 0,
        _ => return Err(Fail::Badarg),
    };
    if !(0..=i64::from(i32::MAX)).contains(&v) {
        return Err(Fail::Badarg);
    }
    Ok(Word::Value(v as c_ulong, Out::int(v)))
}

/// prctl(2): `{ok, Result, Arg2, Arg3, Arg4, Arg5}`, each argument shown
/// after the call (§4.6).
pub fn prctl(_p: &mut Process, a: &[Term]) -> CallResult {
    let option = args::constant(&a[0], &constants::PRCTL)?;
    let mut w = [prctl_arg(&a[1])?, prctl_arg(&a[2])?, prctl_arg(&a[3])?, prctl_arg(&a[4])?];
    let rc = unsafe { libc::prctl(option, w[0].word(), w[1].word(), w[2].word(), w[3].word()) };
    Errno::result(rc)?;
    let mut reply = vec![Out::Atom("ok"), Out::int(rc)];
    reply.extend(w.into_iter().map(Word::out));
    Ok(Out::Tuple(reply))
}

/// A ptrace addr or data argument: a non-negative integer (the address
/// itself, shown as `<<>>`), a binary or a cstruct.
pub fn ptrace_arg(t: &Term) -> Result<Word, Fail> {
    match t {
        Term::Int(i) if *i >= 0 => Ok(Word::Value(*i as c_ulong, Out::Bin(Vec::new()))),
        _ => Word::memory(t).unwrap_or(Err(Fail::Badarg)),
    }
}

/// ptrace(2): `{ok, Result, Addr, Data}`. errno decides failure, since a
/// PEEK request may return -1 as data.
pub fn ptrace(_p: &mut Process, a: &[Term]) -> CallResult {
    let request = args::constant(&a[0], &constants::PTRACE)?;
    let pid = args::int(&a[1])?;
    let (mut addr, mut data) = (ptrace_arg(&a[2])?, ptrace_arg(&a[3])?);
    Errno::clear();
    let rc = unsafe {
        libc::ptrace(request as c_uint, pid, addr.word() as *mut c_void, data.word() as *mut c_void)
    };
    match Errno::last_raw() {
        0 => Ok(Out::tuple([Out::Atom("ok"), Out::int(rc), addr.out(), data.out()])),
        e => Err(Fail::Errno(e)),
    }
}

/// seccomp(2), by system call number: the arguments are `[]` (NULL) or a
/// cstruct, e.g. a `struct sock_fprog`.
///
/// Strict mode leaves only read(2), write(2), _exit(2) and sigreturn(2), so
/// a control process that enters it can never poll again. It does not
/// answer: what is queued for the parent goes out first, then its next
/// system call has the kernel kill it with SIGKILL, which its parent reports.
pub fn seccomp(p: &mut Process, a: &[Term]) -> CallResult {
    let operation = args::constant(&a[0], &constants::SECCOMP)?;
    let flags = args::constant(&a[1], &constants::SECCOMP)?;
    let mut args = match &a[2] {
        Term::Nil => None,
        t => Some(Cstruct::decode(t, MAXBUF)?),
    };
    let ptr = args.as_mut().map_or(std::ptr::null_mut(), Cstruct::as_mut_ptr);
    let strict = operation as c_uint == libc::SECCOMP_SET_MODE_STRICT;
    if strict {
        p.flush();
    }
    let rc = unsafe { libc::syscall(libc::SYS_seccomp, operation as c_uint, flags as c_uint, ptr) };
    Errno::result(rc)?;
    if strict {
        unsafe { libc::syscall(libc::SYS_getpid) };
        unreachable!("a process in seccomp strict mode survived getpid(2)");
    }
    Ok(Out::ok())
}

/// ioctl(2): `{ok, Result, Arg}`. An integer argument is passed by value
/// and shown as `<<>>`; a binary or cstruct is shown after the call.
pub fn ioctl(_p: &mut Process, a: &[Term]) -> CallResult {
    let fd = args::int(&a[0])?;
    let request = args::constant64(&a[1], &constants::IOCTL)?;
    let mut arg = match Word::memory(&a[2]) {
        Some(m) => m?,
        None => Word::Value(args::int(&a[2])? as libc::c_long as c_ulong, Out::Bin(Vec::new())),
    };
    let rc = unsafe { libc::ioctl(fd, request as _, arg.word()) };
    Errno::result(rc)?;
    Ok(Out::tuple([Out::Atom("ok"), Out::int(rc), arg.out()]))
}
