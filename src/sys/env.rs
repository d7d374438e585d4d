//! The environment: getenv(3), setenv(3), unsetenv(3), clearenv(3), environ(7).

use crate::event_loop::Process;
use crate::proto::args;
use super::ok_or_errno;
use crate::proto::{CallResult, Out, Term};
use std::ffi::CStr;

/// getenv(3): the value as a binary, or `false`.
pub fn getenv(_p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::name(&a[0])?;
    let v = unsafe { libc::getenv(name.as_ptr()) };
    if v.is_null() {
        return Ok(Out::Atom("false"));
    }
    Ok(Out::Bin(unsafe { CStr::from_ptr(v) }.to_bytes().to_vec()))
}

/// setenv(3)
pub fn setenv(_p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::name(&a[0])?;
    let value = args::cstr(&a[1], 65534)?;
    let overwrite = args::int(&a[2])?;
    ok_or_errno(unsafe { libc::setenv(name.as_ptr(), value.as_ptr(), overwrite) })
}

/// unsetenv(3)
pub fn unsetenv(_p: &mut Process, a: &[Term]) -> CallResult {
    let name = args::name(&a[0])?;
    ok_or_errno(unsafe { libc::unsetenv(name.as_ptr()) })
}

/// clearenv(3)
pub fn clearenv(_p: &mut Process, _a: &[Term]) -> CallResult {
    ok_or_errno(unsafe { libc::clearenv() })
}

extern "C" {
    #[link_name = "environ"]
    static ENVIRON: *const *const libc::c_char;
}

/// environ(7): `[<<"K=V">>, ...]` in environment order.
pub fn environ(_p: &mut Process, _a: &[Term]) -> CallResult {
    let mut vars = Vec::new();
    unsafe {
        let mut e = ENVIRON;
        while !e.is_null() && !(*e).is_null() {
            vars.push(Out::Bin(CStr::from_ptr(*e).to_bytes().to_vec()));
            e = e.add(1);
        }
    }
    Ok(Out::List(vars))
}
