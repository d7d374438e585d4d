//! Resource limits: getrlimit(2), setrlimit(2).

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};

/// `{alcove_rlimit, Cur, Max}`
fn record(cur: u64, max: u64) -> Out {
    Out::tuple([Out::Atom("alcove_rlimit"), Out::int(cur), Out::int(max)])
}

/// getrlimit(2)
pub fn getrlimit(_p: &mut Process, a: &[Term]) -> CallResult {
    let resource = args::constant(&a[0], &constants::RLIMIT)?;
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    nix::errno::Errno::result(unsafe { libc::getrlimit(resource as _, &mut rl) })?;
    Ok(Out::ok_with(record(rl.rlim_cur, rl.rlim_max)))
}

/// `{alcove_rlimit, Cur, Max}` as (Cur, Max).
pub fn limit(t: &Term) -> Result<(u64, u64), Fail> {
    match t {
        Term::Tuple(t) if t.len() == 3 && t[0] == Term::Atom(b"alcove_rlimit".to_vec()) => {
            Ok((args::uint64(&t[1])?, args::uint64(&t[2])?))
        }
        _ => Err(Fail::Badarg),
    }
}

/// setrlimit(2). Lowering RLIMIT_NOFILE below what existing children's fds
/// need is refused, and `maxchild` shrinks to fit the new limit (§4.6).
pub fn setrlimit(p: &mut Process, a: &[Term]) -> CallResult {
    let resource = args::constant(&a[0], &constants::RLIMIT)?;
    let (cur, max) = limit(&a[1])?;
    let nofile = resource == libc::RLIMIT_NOFILE as i32;
    // The children's channels must stay usable; with no child any limit
    // goes (a sandbox may forbid every new file: RLIMIT_NOFILE 0).
    let children = p.children.len() as u64;
    if nofile && !p.children.is_empty() && (cur as i128 <= p.children.max_fd() as i128 || cur < 6 * children + 6) {
        return Err(Fail::Errno(libc::EINVAL));
    }
    let rl = libc::rlimit { rlim_cur: cur, rlim_max: max };
    nix::errno::Errno::result(unsafe { libc::setrlimit(resource as _, &rl) })?;
    if nofile {
        let fit = (cur.saturating_sub(6) / 6).min(i32::MAX as u64) as i32;
        p.opts.maxchild = p.opts.maxchild.min(fit);
    }
    Ok(Out::ok())
}
