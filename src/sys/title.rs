//! setproctitle: rewrite the process's argument area, as ps(1) shows it.

pending! {
    setproctitle,
}
