//! Calls of other operating systems (FreeBSD Capsicum, jails and procctl,
//! OpenBSD pledge and unveil): Linux answers `undef` (PROTOCOL.md §4.5).

use crate::event_loop::Process;
use crate::proto::{CallResult, Fail, Term};

macro_rules! undef_calls {
    ($($call:ident),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($call), "` does not exist on Linux.")]
        pub fn $call(_p: &mut Process, _a: &[Term]) -> CallResult {
            Err(Fail::Undef)
        }
    )*};
}

undef_calls! {
    cap_constant, cap_enter, cap_fcntls_get, cap_fcntls_limit, cap_getmode,
    cap_ioctls_limit, cap_rights_limit, jail, jail_attach, jail_remove,
    pledge, procctl, unveil,
}
