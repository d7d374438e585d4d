//! Signal dispositions: sigaction(2) (PROTOCOL.md §4.6).

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Fail, Out, Term};
use crate::signals::{self, Disposition};

/// A handler argument: `None` for a query (`[]` or `<<>>`).
pub fn handler(t: &Term) -> Result<Option<Disposition>, Fail> {
    Ok(match t {
        Term::Nil | Term::Binary([]) => None,
        Term::Atom(h) => Some(match h.as_slice() {
            b"sig_dfl" => Disposition::Default,
            b"sig_ign" => Disposition::Ignore,
            b"sig_info" => Disposition::Info,
            _ => return Err(Fail::Badarg),
        }),
        _ => return Err(Fail::Badarg),
    })
}

/// sigaction(Signal, Handler): `[]`/`<<>>` queries; `sig_dfl`, `sig_ign`,
/// `sig_info` (catch and report as an event) install. SIGCHLD stays caught:
/// its handler only switches between reaping and reporting.
pub fn sigaction(p: &mut Process, a: &[Term]) -> CallResult {
    let sig = args::constant(&a[0], &constants::SIGNAL)?;
    let new = handler(&a[1])?;
    if sig == libc::SIGCHLD {
        let old = if p.sigchld_report { Disposition::Info } else { Disposition::Default };
        if let Some(d) = new {
            p.sigchld_report = d == Disposition::Info;
            if !p.sigchld_report {
                p.reap();
            }
        }
        return Ok(Out::ok_with(Out::Atom(old.atom())));
    }
    let old = signals::sigaction(sig, new)?;
    Ok(Out::ok_with(Out::Atom(old.atom())))
}
