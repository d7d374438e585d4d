//! Calls about the control process itself: version, options, the child
//! table, call filters, and the protocol's test helpers.

use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};

/// The protocol version this port speaks.
pub fn version(_p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::Bin(crate::VERSION.as_bytes().to_vec()))
}

/// The child table (§6.5).
pub fn cpid(p: &mut Process, _a: &[Term]) -> CallResult {
    Ok(Out::List(p.children.iter().map(|c| c.record()).collect()))
}

/// errno value to posix atom (§8).
pub fn errno_id(_p: &mut Process, a: &[Term]) -> CallResult {
    Ok(Out::Atom(crate::errno::atom(args::int(&a[0])?)))
}

/// Flatten an iolist (a test helper).
pub fn iolist_to_bin(_p: &mut Process, a: &[Term]) -> CallResult {
    Ok(Out::Bin(args::iodata(&a[0], 65535)?))
}

/// getopt: an option's value, or `false`.
pub fn getopt(p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::atom(&a[0])?;
    Ok(p.opts.get(name).map_or(Out::Atom("false"), Out::int))
}

fn boolean(b: bool) -> Out {
    Out::Atom(if b { "true" } else { "false" })
}

/// Soft RLIMIT_NOFILE.
fn nofile() -> u64 {
    nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).map_or(1024, |(s, _)| s)
}

/// setopt (§6.4).
pub fn setopt(p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::atom(&a[0])?;
    let value = args::int(&a[1])?;
    if value < 0 && name != b"flowcontrol" {
        return Err(Fail::Badarg);
    }
    if name == b"maxchild" {
        let value = value.min(65535);
        let limit = nofile();
        // Every live child must keep its slot (§11), and its fds must fit.
        let ok = value as usize >= p.children.len()
            && p.children.slots.iter().skip(value as usize).all(Option::is_none)
            && 6 * value as u64 + 6 <= limit
            && (p.children.max_fd() as i64) < limit as i64;
        if ok {
            p.opts.maxchild = value;
        }
        return Ok(boolean(ok));
    }
    Ok(boolean(p.opts.set(name, value)))
}

/// setcpid: per-child options (§6.5).
pub fn setcpid(p: &mut Process, a: &[Term]) -> CallResult {
    let pid = args::uint(&a[0])?;
    let name = args::atom(&a[1])?;
    let value = args::int(&a[2])?;
    if value < 0 && name != b"flowcontrol" {
        return Err(Fail::Badarg);
    }
    let child = p.children.get_mut(pid as i32);
    Ok(boolean(match name {
        b"flowcontrol" => {
            if let Some(c) = child {
                c.flowcontrol = value.max(-1);
            }
            true
        }
        b"signaloneof" => {
            if let Some(c) = child {
                c.signaloneof = value.min(255);
                if let crate::children::Ctl::Open(fd) = &c.ctl {
                    crate::spawn::tell_death_signal(fd, c.signaloneof);
                }
            }
            true
        }
        _ => false,
    }))
}

/// A call filter set: a binary of at most 16 bytes, one bit per call.
pub fn filter_set(t: &Term) -> Result<[u8; 16], Fail> {
    match t {
        Term::Binary(b) if b.len() <= 16 => {
            let mut s = [0u8; 16];
            s[..b.len()].copy_from_slice(b);
            Ok(s)
        }
        _ => Err(Fail::Badarg),
    }
}

/// filter: refuse calls in this process and its future children (§6.7).
pub fn filter(p: &mut Process, a: &[Term]) -> CallResult {
    let (me, sub) = (filter_set(&a[0])?, filter_set(&a[1])?);
    for i in 0..16 {
        p.filter_self[i] |= me[i];
        p.filter_sub[i] |= sub[i];
    }
    Ok(Out::ok())
}
