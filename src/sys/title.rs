//! setproctitle: rewrite the process's argument area, as ps(1) shows it.

use crate::event_loop::Process;
use crate::proto::args;
use crate::proto::{CallResult, Out, Term};
use std::sync::OnceLock;

/// The argument area `[start, end)` of this process, from /proc/self/stat.
/// Forked children share the layout, so it is looked up once.
static AREA: OnceLock<(usize, usize)> = OnceLock::new();

extern "C" {
    /// argv[0], as the C library recorded it at startup (program_invocation_name(3)).
    static program_invocation_name: *const libc::c_char;
}

/// Fields 48 and 49 of proc_pid_stat(5), `arg_start` and `arg_end`.
fn proc_area() -> std::io::Result<(usize, usize)> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let bad = || std::io::Error::from_raw_os_error(libc::EINVAL);
    // "pid (comm) state ...": comm may hold spaces and parentheses, so
    // fields are counted from the last ')', which ends field 2.
    let rest = &stat[stat.rfind(')').ok_or_else(bad)? + 1..];
    let mut fields = rest.split_ascii_whitespace().skip(48 - 3);
    let mut next = || fields.next().and_then(|f| f.parse::<usize>().ok()).ok_or_else(bad);
    let (start, end) = (next()?, next()?);
    if start == 0 || end < start {
        return Err(bad());
    }
    Ok((start, end))
}

/// Without /proc, argv[0]'s own bytes are the area we know of.
fn argv0_area() -> (usize, usize) {
    let start = unsafe { program_invocation_name };
    if start.is_null() {
        return (0, 0);
    }
    (start as usize, start as usize + unsafe { libc::strlen(start) } + 1)
}

/// Found at the first call and kept: once a title is written, the strings
/// it replaced can no longer be measured.
fn area() -> (usize, usize) {
    *AREA.get_or_init(|| proc_area().unwrap_or_else(|_| argv0_area()))
}

/// setproctitle(3): the title replaces the argument strings, truncated to
/// their area and NUL-padded, the last byte staying NUL.
pub fn setproctitle(_p: &mut Process, a: &[Term]) -> CallResult {
    let title = args::cstr(&a[0], 65535)?;
    let title = title.as_bytes();
    let (start, end) = area();
    if end > start {
        let n = title.len().min(end - start - 1);
        let dst = start as *mut u8;
        unsafe {
            std::ptr::copy_nonoverlapping(title.as_ptr(), dst, n);
            std::ptr::write_bytes(dst.add(n), 0, end - start - n);
        }
    }
    Ok(Out::ok())
}
