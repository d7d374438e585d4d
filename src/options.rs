//! Per-process options (PROTOCOL.md §6.4), copied into each child at fork.

/// Default bound on input queued for one child's stdin (§11).
pub const DEFAULT_MAXQUEUE: usize = 8 << 20;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub exit_status: bool,
    pub termsig: bool,
    pub stdin_closed: bool,
    pub stdout_closed: bool,
    pub stderr_closed: bool,
    /// Output credit given to children forked later; -1 unlimited.
    pub flowcontrol: i32,
    /// Signal for children forked later; 0 disables shutdown signals.
    pub signaloneof: i32,
    pub maxchild: i32,
    pub maxforkdepth: i32,
    /// Bytes of stdin queued per child before input is dropped (ours, §11).
    pub maxqueue: usize,
}

impl Options {
    pub fn new(maxchild: i32) -> Options {
        Options {
            exit_status: true,
            termsig: true,
            stdin_closed: false,
            stdout_closed: false,
            stderr_closed: false,
            flowcontrol: -1,
            signaloneof: 15,
            maxchild,
            maxforkdepth: 16,
            maxqueue: DEFAULT_MAXQUEUE,
        }
    }

    /// The option's value, or `None` for a name that is not an option.
    pub fn get(&self, name: &[u8]) -> Option<i64> {
        Some(match name {
            b"exit_status" => self.exit_status as i64,
            b"termsig" => self.termsig as i64,
            b"stdin_closed" => self.stdin_closed as i64,
            b"stdout_closed" => self.stdout_closed as i64,
            b"stderr_closed" => self.stderr_closed as i64,
            b"flowcontrol" => self.flowcontrol as i64,
            b"signaloneof" => self.signaloneof as i64,
            b"maxchild" => self.maxchild as i64,
            b"maxforkdepth" => self.maxforkdepth as i64,
            b"maxqueue" => self.maxqueue as i64,
            _ => return None,
        })
    }

    /// Set an option other than `maxchild` (which needs the child table).
    /// Returns false for an unknown name. `value` is non-negative except
    /// for `flowcontrol`.
    pub fn set(&mut self, name: &[u8], value: i32) -> bool {
        match name {
            b"exit_status" => self.exit_status = value != 0,
            b"termsig" => self.termsig = value != 0,
            b"stdin_closed" => self.stdin_closed = value != 0,
            b"stdout_closed" => self.stdout_closed = value != 0,
            b"stderr_closed" => self.stderr_closed = value != 0,
            b"flowcontrol" => self.flowcontrol = value.max(-1),
            b"signaloneof" => self.signaloneof = value.min(255),
            b"maxforkdepth" => self.maxforkdepth = value.min(255),
            b"maxqueue" => self.maxqueue = value as usize,
            _ => return false,
        }
        true
    }
}
