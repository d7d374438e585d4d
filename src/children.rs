//! The child table of a control process (PROTOCOL.md §1.2, §6.5).

use crate::proto::frame::FrameReader;
use std::collections::VecDeque;
use crate::poller::{Watched, IN, OUT};
use std::os::fd::{AsRawFd, OwnedFd};

/// The parent's end of a child's control channel (cpid's `fdctl` field).
pub enum Ctl {
    /// Open: the child is still running the event loop.
    Open(Watched),
    /// The child exec'd or exited: reported as -2.
    Execd,
    /// Closed for another reason: reported as -1.
    Closed,
}

/// A child about to exec ends its frames with this marker frame (length 2,
/// type 0xFFFF) on its stdout: everything after it is the program's raw
/// output, however late the parent reads the pipe. If the exec fails, the
/// child says `EXEC_FAILED` on its control channel and frames go on.
pub const EXEC_MARK: [u8; 4] = [0, 2, 0xFF, 0xFF];
pub const EXEC_FAILED: u8 = b'F';

/// A child's channels, as the event loop tells their events apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Ctl = 0,
    Stdout = 1,
    Stderr = 2,
    Stdin = 3,
}

impl Channel {
    /// The epoll token of a channel: slot, pid (so that a reused slot is
    /// not mistaken for its former occupant) and channel.
    pub fn token(slot: usize, pid: libc::pid_t, ch: Channel) -> u64 {
        (slot as u64) << 40 | (pid as u32 as u64) << 8 | ch as u64
    }

    /// Slot, pid and channel of a token; `None` for other tokens.
    pub fn of(token: u64) -> Option<(usize, libc::pid_t, Channel)> {
        let ch = match token & 0xFF {
            0 => Channel::Ctl,
            1 => Channel::Stdout,
            2 => Channel::Stderr,
            3 => Channel::Stdin,
            _ => return None,
        };
        Some(((token >> 40) as usize, (token >> 8) as u32 as libc::pid_t, ch))
    }
}

/// How far a child has got in dying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    /// Reaped; the exit event has been sent.
    Reaped,
}

pub struct Child {
    pub pid: libc::pid_t,
    /// Messages of output credit left: -1 unlimited (§6.6).
    pub flowcontrol: i32,
    /// Signal sent when this process shuts down (§6.8); 0: none.
    pub signaloneof: i32,
    pub ctl: Ctl,
    pub stdin: Option<Watched>,
    pub stdout: Option<Watched>,
    pub stderr: Option<Watched>,
    /// Frames being read from a child that still runs the event loop.
    pub frames: FrameReader,
    /// Input accepted for the child but not yet written to its stdin (§11).
    pub queue: VecDeque<u8>,
    pub status: Status,
    /// Exec marks read from its stdout, and failures heard on its control
    /// channel: an exec is pending while there are more marks than failures
    /// (the two channels are read in no particular order).
    pub exec_marks: u32,
    pub exec_failures: u32,
}

impl Child {
    #[allow(clippy::too_many_arguments)]
    pub fn new(slot: usize, pid: libc::pid_t, ctl: OwnedFd, stdin: OwnedFd, stdout: OwnedFd, stderr: OwnedFd, flowcontrol: i32, signaloneof: i32) -> Child {
        let watch = |fd, ch| Watched::new(fd, Channel::token(slot, pid, ch));
        let mut c = Child {
            pid,
            flowcontrol,
            signaloneof,
            ctl: Ctl::Open(watch(ctl, Channel::Ctl)),
            stdin: Some(watch(stdin, Channel::Stdin)),
            stdout: Some(watch(stdout, Channel::Stdout)),
            stderr: Some(watch(stderr, Channel::Stderr)),
            frames: FrameReader::new(),
            queue: VecDeque::new(),
            status: Status::Running,
            exec_marks: 0,
            exec_failures: 0,
        };
        c.sync();
        c
    }

    /// Watch each channel for what the child's state calls for.
    pub fn sync(&mut self) {
        let (out, err) = (self.may_read_stdout(), self.may_read_output());
        if let Ctl::Open(w) = &mut self.ctl {
            w.want(IN);
        }
        if let Some(w) = &mut self.stdout {
            w.want(if out { IN } else { 0 });
        }
        if let Some(w) = &mut self.stderr {
            w.want(if err { IN } else { 0 });
        }
        let pending = !self.queue.is_empty();
        if let Some(w) = &mut self.stdin {
            w.want(if pending { OUT } else { 0 });
        }
    }

    /// The child has exec'd (or exited): its stdout is a raw byte stream.
    pub fn execd(&self) -> bool {
        !matches!(self.ctl, Ctl::Open(_))
    }

    pub fn fdctl(&self) -> i32 {
        match &self.ctl {
            Ctl::Open(fd) => fd.as_raw_fd(),
            Ctl::Execd => -2,
            Ctl::Closed => -1,
        }
    }

    /// Its stdout carries a program's raw output now, no longer frames.
    pub fn raw_stdout(&self) -> bool {
        self.exec_pending() && self.execd()
    }

    fn exec_pending(&self) -> bool {
        self.exec_marks > self.exec_failures
    }

    /// The slot can be reused: reaped and every channel closed.
    pub fn finished(&self) -> bool {
        self.status == Status::Reaped && !matches!(self.ctl, Ctl::Open(_)) && self.stdout.is_none() && self.stderr.is_none()
    }

    /// Output may be read now: credit left, or the child is gone (§6.6).
    pub fn may_read_output(&self) -> bool {
        !self.execd() || self.flowcontrol != 0 || self.status == Status::Reaped
    }

    /// Its stdout is worth reading: not while an announced exec is still
    /// undecided (the control channel tells which way it went).
    pub fn may_read_stdout(&self) -> bool {
        self.may_read_output() && (!self.exec_pending() || self.execd())
    }
}

pub fn raw(fd: &Option<Watched>) -> i32 {
    fd.as_ref().map_or(-1, |f| f.as_raw_fd())
}

/// Slots in fork order; a freed slot is reused by the next fork (§1.2).
#[derive(Default)]
pub struct Table {
    pub slots: Vec<Option<Child>>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Child> {
        self.slots.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Child> {
        self.slots.iter_mut().flatten()
    }

    pub fn get_mut(&mut self, pid: libc::pid_t) -> Option<&mut Child> {
        self.iter_mut().find(|c| c.pid == pid)
    }

    pub fn slot_of(&self, pid: libc::pid_t) -> Option<usize> {
        self.slots.iter().position(|s| s.as_ref().is_some_and(|c| c.pid == pid))
    }

    /// The slot the next child goes in: the first free one.
    pub fn free_slot(&self) -> usize {
        self.slots.iter().position(Option::is_none).unwrap_or(self.slots.len())
    }

    /// Put `child` in `slot` (from [`Table::free_slot`]).
    pub fn insert(&mut self, slot: usize, child: Child) {
        if slot == self.slots.len() {
            self.slots.push(None);
        }
        self.slots[slot] = Some(child);
    }

    /// Bring every child's watched events up to date.
    pub fn sync(&mut self) {
        self.iter_mut().for_each(Child::sync);
    }

    /// Free the slots of children that are completely gone.
    pub fn release_finished(&mut self) {
        for s in &mut self.slots {
            if s.as_ref().is_some_and(Child::finished) {
                *s = None;
            }
        }
        while matches!(self.slots.last(), Some(None)) {
            self.slots.pop();
        }
    }

    /// Take the fd numbered `fd` out of the table, if a child's channel
    /// has it; the field then reads -1 (closed).
    pub fn take_fd(&mut self, fd: i32) -> Option<Watched> {
        for c in self.iter_mut() {
            if raw(&c.stdin) == fd {
                c.queue.clear();
                return c.stdin.take();
            }
            if raw(&c.stdout) == fd {
                return c.stdout.take();
            }
            if raw(&c.stderr) == fd {
                return c.stderr.take();
            }
            if c.fdctl() == fd {
                if let Ctl::Open(owned) = std::mem::replace(&mut c.ctl, Ctl::Closed) {
                    return Some(owned);
                }
            }
        }
        None
    }

    /// Every fd the table holds (to check limits against).
    pub fn max_fd(&self) -> i32 {
        self.iter()
            .flat_map(|c| [c.fdctl(), raw(&c.stdin), raw(&c.stdout), raw(&c.stderr)])
            .max()
            .unwrap_or(-1)
    }
}
