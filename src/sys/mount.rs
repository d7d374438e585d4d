//! Mounts and roots: mount(2), umount(2), umount2(2), pivot_root(2).

use crate::constants;
use crate::event_loop::Process;
use crate::proto::args;
use super::ok_or_errno;
use crate::proto::{CallResult, Fail, Term};
use std::ffi::CString;

/// iodata(max) as a C string, or `None` (a NULL pointer) when empty.
pub fn optional(t: &Term, max: usize) -> args::Arg<Option<CString>> {
    let mut bytes = args::iodata(t, max)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(nul);
    }
    Ok(Some(CString::new(bytes).expect("truncated at the first NUL")))
}

fn ptr(s: &Option<CString>) -> *const libc::c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Mount flags: the OR of the list must not be negative (`ms_nouser` alone
/// makes it so).
pub fn mount_flags(t: &Term) -> args::Arg<libc::c_ulong> {
    let flags = args::flags(t, &constants::MOUNT)?;
    libc::c_ulong::try_from(flags).map_err(|_| Fail::Badarg)
}

/// mount(2). Empty source, fstype or data are passed as NULL; the options
/// argument exists for other systems and is only checked here.
pub fn mount(_p: &mut Process, a: &[Term]) -> CallResult {
    let source = optional(&a[0], 4095)?;
    let target = args::path(&a[1])?;
    let fstype = optional(&a[2], 4095)?;
    let flags = mount_flags(&a[3])?;
    let data = optional(&a[4], 65535)?;
    args::iodata(&a[5], 65535)?;
    let rc = unsafe {
        libc::mount(ptr(&source), target.as_ptr(), ptr(&fstype), flags, ptr(&data).cast())
    };
    ok_or_errno(rc)
}

/// umount(2)
pub fn umount(_p: &mut Process, a: &[Term]) -> CallResult {
    let target = args::path(&a[0])?;
    ok_or_errno(unsafe { libc::umount(target.as_ptr()) })
}

/// umount2(2)
pub fn umount2(_p: &mut Process, a: &[Term]) -> CallResult {
    let target = args::path(&a[0])?;
    let flags = args::flags(&a[1], &constants::MOUNT)?;
    if flags < 0 {
        return Err(Fail::Badarg);
    }
    ok_or_errno(unsafe { libc::umount2(target.as_ptr(), flags) })
}

/// pivot_root(2), which libc does not wrap: the raw system call.
pub fn pivot_root(_p: &mut Process, a: &[Term]) -> CallResult {
    let new_root = args::path(&a[0])?;
    let put_old = args::path(&a[1])?;
    ok_or_errno(unsafe { libc::syscall(libc::SYS_pivot_root, new_root.as_ptr(), put_old.as_ptr()) })
}
