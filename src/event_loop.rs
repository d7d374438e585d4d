//! The event loop every control process runs (PROTOCOL.md §1.1): frames in
//! from the parent, dispatch, then replies, events and children's output out.

use crate::calls::{CALLS, NCALLS};
use crate::children::{self, Channel, Child, Ctl, Status, Table};
use crate::poller::Poller;
use crate::options::Options;
use crate::proto::etf::{self, Out, Term};
use crate::proto::frame::{Fill, FrameReader, Kind, Outbox, MAX_LEN, READ_ROOM, STREAM_FRAMES};
use crate::proto::{reply_term, CallResult, Fail};
use crate::signals::{SelfPipe, SIGINFO_SIZE};
use crate::uplink::Uplink;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// Frames handled from one source before the loop looks at the others.
const BATCH: usize = 64;

/// The state of one control process.
pub struct Process {
    pub depth: u32,
    pub opts: Options,
    /// Calls refused in this process, and the set its future children start with (§6.7).
    pub filter_self: [u8; 16],
    pub filter_sub: [u8; 16],
    pub children: Table,
    pub out: Outbox,
    /// `sigaction(sigchld, sig_info)`: report SIGCHLD instead of reaping (§4.6).
    pub sigchld_report: bool,
    pub input: FrameReader,
    pub sigpipe: SelfPipe,
    /// The root's fdctl FIFO (§3.4); children hold their control socket instead.
    pub fdctl: Option<OwnedFd>,
    /// Set in a newly forked child: the rest of the parent's wake-up is not ours.
    pub forked: bool,
    pub poller: Poller,
    /// A SIGCHLD (or a closed channel) says some child may be waitable.
    reap_due: bool,
    /// Our own way up to Erlang, if the root's stdout allows one: then our
    /// frames go there, not to our parent (see `uplink`).
    pub uplink: Option<Uplink>,
}

/// epoll tokens of our own input and signal pipe (children's channels
/// have tokens from `Channel::token`, whose low byte is below these).
const UPLINK: u64 = 0xFD;
const INPUT: u64 = 0xFE;
const SIGNALS: u64 = 0xFF;

fn stdin_fd() -> BorrowedFd<'static> {
    unsafe { BorrowedFd::borrow_raw(0) }
}

fn stdout_fd() -> BorrowedFd<'static> {
    unsafe { BorrowedFd::borrow_raw(1) }
}

fn errno() -> i32 {
    nix::errno::Errno::last_raw()
}

impl Process {
    pub fn new(depth: u32, opts: Options, sigpipe: SelfPipe, fdctl: Option<OwnedFd>) -> std::io::Result<Process> {
        let poller = Poller::new()?;
        poller.add(stdin_fd(), INPUT)?;
        poller.add(sigpipe.read.as_fd(), SIGNALS)?;
        Ok(Process {
            poller,
            depth,
            opts,
            filter_self: [0; 16],
            filter_sub: [0; 16],
            children: Table::default(),
            out: Outbox::new(depth),
            sigchld_report: false,
            input: FrameReader::new(),
            sigpipe,
            fdctl,
            forked: false,
            reap_due: false,
            uplink: None,
        })
    }

    /// In the root: write our frames, and let every process we start write
    /// its own, straight to Erlang, when our stdout is a pipe.
    pub fn open_uplink(&mut self) {
        self.uplink = Uplink::open();
        if let Some(u) = &self.uplink {
            if self.poller.add(u.kick_fd(), UPLINK).is_err() {
                self.uplink = None;
            }
        }
    }

    /// In a new child: a fresh epoll instance and signal pipe, watching the
    /// new stdin. The parent's instance must be let go of before anything
    /// of the parent's is closed (see `poller`).
    pub fn rewatch(&mut self) -> std::io::Result<()> {
        self.poller = Poller::new()?;
        self.sigpipe = SelfPipe::new()?;
        self.poller.add(stdin_fd(), INPUT)?;
        self.poller.add(self.sigpipe.read.as_fd(), SIGNALS)
    }

    /// Run the loop until this process exits.
    pub fn run(&mut self) -> ! {
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
        loop {
            self.forked = false;
            let n = match self.poller.wait(&mut events) {
                Ok(n) => n,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EINTR) | Some(libc::EAGAIN)) => continue,
                Err(e) => self.terminate(e.raw_os_error().unwrap_or(libc::EIO)),
            };
            for ev in &events[..n] {
                match ev.u64 {
                    INPUT => {
                        self.read_input();
                        if self.forked {
                            break;
                        }
                        self.children.sync();
                    }
                    SIGNALS => self.read_signals(),
                    UPLINK => {
                        if let Some(u) = &self.uplink {
                            u.kicked();
                        }
                    }
                    token => {
                        let Some((slot, pid, ch)) = Channel::of(token) else { continue };
                        let current = self.children.slots.get(slot).and_then(Option::as_ref);
                        if current.map(|c| c.pid) != Some(pid) {
                            continue;
                        }
                        match ch {
                            Channel::Ctl => self.read_ctl(slot),
                            Channel::Stdout => self.read_output(slot, Kind::Stdout),
                            Channel::Stderr => self.read_output(slot, Kind::Stderr),
                            Channel::Stdin => self.write_queued(slot),
                        }
                        if let Some(c) = self.children.slots[slot].as_mut() {
                            c.sync();
                        }
                    }
                }
            }
            if self.forked {
                continue;
            }
            if self.reap_due {
                self.reap();
                self.children.sync();
            }
            self.children.release_finished();
            self.flush();
            if let Some(u) = &self.uplink {
                u.tend();
            }
        }
    }

    // ---- input from the parent ------------------------------------------

    /// One read of what the parent sent, then every whole frame in it. At
    /// most about a frame's worth of bytes per wake-up: a child's stdin pipe
    /// takes one write per wake-up, so reading more would only move input
    /// from our pipe into the child's queue. What is left wakes us again.
    fn read_input(&mut self) {
        let mut input = std::mem::take(&mut self.input);
        let r = input.fill(stdin_fd(), MAX_LEN + 2);
        while let Some(frame) = input.next_frame() {
            self.handle_frame(frame);
            if self.forked {
                return; // the parent's input is not ours
            }
        }
        match r {
            Ok(Fill::Data { .. }) | Ok(Fill::Empty) => self.input = input,
            Ok(Fill::Eof) if input.held().is_empty() => self.terminate(0),
            Ok(Fill::Eof) => self.terminate(libc::EPIPE),
            Err(e) => self.terminate(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    }

    fn handle_frame(&mut self, frame: &[u8]) {
        if frame.len() < 4 {
            // A zero-length frame: the reference reads it as STDIN for pid 0.
            self.out.ctl_path(&[0], "badpid");
            return;
        }
        match Kind::from_u16(u16::from_be_bytes([frame[2], frame[3]])) {
            Some(Kind::Call) => self.call(frame),
            Some(Kind::Stdin) if frame.len() >= 8 => {
                let pid = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
                self.route(pid, &frame[8..]);
            }
            // Anything else does not belong on this channel (§2.1, §3.5).
            _ => self.terminate(0),
        }
    }

    fn call(&mut self, frame: &[u8]) {
        let result = match frame.get(4..6) {
            Some(nr) => self.dispatch(u16::from_be_bytes([nr[0], nr[1]]) as usize, &frame[6..]),
            None => Err(Fail::Badarg),
        };
        if !self.forked {
            self.reply(reply_term(result));
        }
    }

    fn dispatch(&mut self, nr: usize, etf: &[u8]) -> CallResult {
        if nr >= NCALLS {
            return Err(Fail::Badarg);
        }
        if self.filter_self[nr / 8] & (1 << (nr % 8)) != 0 {
            return Err(Fail::Undef);
        }
        let call = &CALLS[nr];
        match etf::decode(etf) {
            Ok(Term::Tuple(args)) if args.len() == call.arity as usize => (call.handler)(self, &args),
            _ => Err(Fail::Badarg),
        }
    }

    /// Send a call reply (or this process's own event); a term too large
    /// for this depth is answered `{error, e2big}` (§11).
    pub fn reply(&mut self, t: Out) {
        if self.out.term(None, Kind::Call, &t).is_err() {
            let _ = self.out.term(None, Kind::Call, &crate::proto::error(libc::E2BIG));
        }
    }

    /// A STDIN frame: pass the payload to child `pid` (§1.6).
    fn route(&mut self, pid: u32, payload: &[u8]) {
        let maxqueue = self.opts.maxqueue;
        let report_closed = self.opts.stdin_closed;
        let child = (pid as i32 > 0).then(|| self.children.get_mut(pid as i32)).flatten();
        let Some(c) = child else {
            // Name the whole path the request was for (§11).
            let mut path = vec![pid];
            let mut rest = payload;
            while rest.len() >= 8
                && u16::from_be_bytes([rest[0], rest[1]]) as usize == rest.len() - 2
                && rest[2..4] == [0, 0]
            {
                path.push(u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]));
                rest = &rest[8..];
            }
            self.out.ctl_path(&path, "badpid");
            return;
        };
        let Some(fd) = &c.stdin else {
            if report_closed {
                self.out.ctl(pid, "stdin_closed");
            }
            return;
        };
        // A payload is taken whole or not at all: a partial frame would
        // leave a child that runs the event loop out of step.
        if !c.queue.is_empty() {
            if c.queue.len() + payload.len() > maxqueue {
                self.out.term(Some(pid), Kind::Pipe, &Out::int(0)).ok();
            } else {
                c.queue.extend(payload);
            }
            return;
        }
        let written = match crate::sys::fd::write_some(fd.as_fd(), payload) {
            Ok(n) => n,
            Err(libc::EAGAIN) => 0,
            Err(_) => return, // the reader is gone: dropped, as in the reference
        };
        c.queue.extend(&payload[written..]);
    }

    fn write_queued(&mut self, slot: usize) {
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        let Some(fd) = &c.stdin else { return };
        let (front, _) = c.queue.as_slices();
        match crate::sys::fd::write_some(fd.as_fd(), front) {
            Ok(n) => {
                c.queue.drain(..n);
            }
            Err(libc::EAGAIN) | Err(libc::EINTR) => {}
            Err(_) => c.queue.clear(),
        }
        if c.queue.is_empty() {
            c.queue.shrink_to(0);
        }
    }

    // ---- signals ---------------------------------------------------------

    fn read_signals(&mut self) {
        let mut info = [0u8; SIGINFO_SIZE];
        for _ in 0..BATCH {
            let n = unsafe { libc::read(self.sigpipe.read.as_raw_fd(), info.as_mut_ptr().cast(), SIGINFO_SIZE) };
            if n != SIGINFO_SIZE as isize {
                return;
            }
            let signo = i32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
            if signo == libc::SIGCHLD {
                self.reap_due = true;
                if !self.sigchld_report {
                    continue;
                }
            }
            let name = crate::constants::signal_name(signo).unwrap_or("unknown");
            let ev = Out::tuple([Out::Atom("signal"), Out::Atom(name), Out::Bin(info.to_vec())]);
            let _ = self.out.term(None, Kind::Event, &ev);
        }
    }

    // ---- children --------------------------------------------------------

    fn read_ctl(&mut self, slot: usize) {
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        let mut b = [0u8; 64];
        let n = loop {
            let Ctl::Open(fd) = &c.ctl else { return };
            let n = unsafe { libc::read(fd.as_raw_fd(), b.as_mut_ptr().cast(), b.len()) };
            if n <= 0 {
                break n;
            }
            c.exec_failures += b[..n as usize].iter().filter(|&&x| x == children::EXEC_FAILED).count() as u32;
        };
        if n < 0 && matches!(errno(), libc::EINTR | libc::EAGAIN) {
            // An exec that failed: the frames held after its mark go on.
            self.relay_held(slot);
            return;
        }
        let pid = c.pid as u32;
        if n == 0 {
            c.ctl = Ctl::Execd;
            self.out.ctl(pid, "fdctl_closed");
        } else {
            c.ctl = Ctl::Closed;
        }
        self.reap_due = true;
        // An exec that succeeded: what was held after its mark is the
        // program's first output.
        self.relay_held(slot);
    }

    /// Pass on what was read from a child's stdout but held back at an exec
    /// mark, once the exec is decided.
    fn relay_held(&mut self, slot: usize) {
        let limit = self.out.limit;
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        if c.frames.held().is_empty() || !c.may_read_stdout() {
            return;
        }
        let pid = c.pid as u32;
        if c.raw_stdout() {
            for chunk in c.frames.held().chunks(limit) {
                self.out.stream(Kind::Stdout, pid, chunk);
            }
            c.frames.clear();
        } else if relay_frames(c, pid, &mut self.out) {
            self.close_output(slot, Kind::Stdout);
        }
    }

    /// Read what a child wrote on stdout or stderr and pass it up.
    fn read_output(&mut self, slot: usize, kind: Kind) {
        if kind == Kind::Stdout {
            // What an exec mark held back goes before anything newer.
            self.relay_held(slot);
        }
        let limit = self.out.limit;
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        let pid = c.pid as u32;
        if kind == Kind::Stdout && !c.may_read_stdout() {
            return;
        }
        let framed = kind == Kind::Stdout && !c.raw_stdout();
        let closed = if framed {
            read_frames(c, pid, &mut self.out)
        } else {
            let fd = if kind == Kind::Stdout { &c.stdout } else { &c.stderr };
            let Some(fd) = fd.as_ref() else { return };
            // A credit of N allows N more frames (§6.6).
            let frames = if c.flowcontrol > 0 { c.flowcontrol as usize } else { STREAM_FRAMES };
            match self.out.read_stream(kind, pid, fd.as_fd(), limit, frames) {
                Ok(0) => true,
                Ok(made) => {
                    if c.flowcontrol > 0 {
                        c.flowcontrol -= made as i32;
                    }
                    false
                }
                Err(e) => !matches!(e.raw_os_error(), Some(libc::EINTR) | Some(libc::EAGAIN)),
            }
        };
        if closed {
            self.close_output(slot, kind);
        } else if framed {
            // A mark just read, of an exec already decided.
            self.relay_held(slot);
        }
    }

    /// Stop reading a child's stdout or stderr (`*_closed` if asked for).
    fn close_output(&mut self, slot: usize, kind: Kind) {
        let report = if kind == Kind::Stdout { self.opts.stdout_closed } else { self.opts.stderr_closed };
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        let fdslot = if kind == Kind::Stdout { &mut c.stdout } else { &mut c.stderr };
        if fdslot.take().is_some() && report {
            let pid = c.pid as u32;
            self.out.ctl(pid, if kind == Kind::Stdout { "stdout_closed" } else { "stderr_closed" });
        }
        self.reap_due = true;
    }

    /// Reap every child that has exited (§6.2), unless the caller asked to
    /// wait for them itself.
    pub fn reap(&mut self) {
        self.reap_due = false;
        if self.sigchld_report {
            return;
        }
        loop {
            let mut status = 0;
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if pid < 0 && errno() == libc::EINTR {
                continue;
            }
            if pid <= 0 {
                return;
            }
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                self.reaped(pid, status, true);
            }
        }
    }

    /// Child `pid` is gone: pass on what it left behind, then its exit
    /// (§6.2) when `report` (a caller of waitpid has the status already).
    pub fn reaped(&mut self, pid: libc::pid_t, status: i32, report: bool) {
        let Some(slot) = self.children.slot_of(pid) else { return };
        if self.children.slots[slot].as_ref().is_some_and(|c| c.status == Status::Reaped) {
            return;
        }
        if let Some(c) = self.children.slots[slot].as_mut() {
            c.status = Status::Reaped;
        }
        self.read_ctl(slot);
        self.drain(slot, Kind::Stdout);
        self.drain(slot, Kind::Stderr);
        let opts = self.opts;
        let Some(c) = self.children.slots[slot].as_mut() else { return };
        if c.stdin.take().is_some() && opts.stdin_closed {
            self.out.ctl(pid as u32, "stdin_closed");
        }
        c.queue = Default::default();
        let ev = if libc::WIFEXITED(status) {
            opts.exit_status.then(|| Out::tuple([Out::Atom("exit_status"), Out::int(libc::WEXITSTATUS(status))]))
        } else {
            let sig = libc::WTERMSIG(status);
            let name = crate::constants::signal_name(sig).unwrap_or("unknown");
            opts.termsig.then(|| Out::tuple([Out::Atom("termsig"), Out::Atom(name)]))
        };
        if let Some(ev) = ev.filter(|_| report) {
            let _ = self.out.term(Some(pid as u32), Kind::Event, &ev);
        }
    }

    /// After reaping: pass on everything still buffered in a pipe, whatever
    /// the credit; close it when nothing more is to be had.
    fn drain(&mut self, slot: usize, kind: Kind) {
        // A pipe holds at most a few chunks; a bound keeps a writer that
        // inherited it (a background grandchild) from holding us here.
        for _ in 0..64 {
            let progress = |p: &Self| {
                let c = p.children.slots[slot].as_ref()?;
                let open = if kind == Kind::Stdout { c.stdout.is_some() } else { c.stderr.is_some() };
                open.then_some((p.out.len(), c.frames.total))
            };
            let Some(before) = progress(self) else { return };
            self.read_output(slot, kind);
            if progress(self) == Some(before) {
                break;
            }
        }
        // Nothing more now: a writer that inherited the pipe may keep it
        // open forever, so stop listening, as the reference does.
        self.close_output(slot, kind);
    }

    // ---- output and exit -------------------------------------------------

    /// Write out everything queued for the parent; losing the parent ends us.
    pub fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        if let Err(e) = self.send_out() {
            self.terminate(e.raw_os_error().unwrap_or(libc::EIO));
        }
    }

    /// Everything queued, up the uplink or else to our parent.
    fn send_out(&mut self) -> std::io::Result<()> {
        match self.uplink.as_mut() {
            Some(u) => self.out.flush_with(|frames| u.send(frames)),
            None => self.out.flush(stdout_fd()),
        }
    }

    /// About to exec: our frames end here. A forked child says so on its
    /// stdout with the mark (see `EXEC_MARK`); the root closes the uplink's
    /// gate.
    pub fn announce_exec(&mut self) {
        self.flush();
        if self.forked_child() {
            let _ = crate::sys::fd::write_all(stdout_fd(), &children::EXEC_MARK);
        }
        if let Some(u) = &self.uplink {
            u.close_gate();
        }
    }

    /// Forked by a control process, which reads our frames (not the root,
    /// nor a port started below an alcove process with `-d`).
    pub fn forked_child(&self) -> bool {
        self.depth > 0 && self.fdctl.is_some()
    }

    /// The exec failed: frames go on.
    pub fn exec_failed(&self) {
        if let Some(u) = &self.uplink {
            u.reopen_gate();
        }
        if let (Some(ctl), true) = (&self.fdctl, self.forked_child()) {
            let _ = crate::sys::fd::write_all(ctl.as_fd(), &[children::EXEC_FAILED]);
        }
    }

    /// End this control process: flush what can be flushed, send each child
    /// its shutdown signal together with everything it started (§6.8, §11),
    /// and exit with `status`.
    pub fn terminate(&mut self, status: i32) -> ! {
        let _ = self.send_out();
        crate::spawn::shutdown_children(&self.children);
        unsafe { libc::_exit(status) }
    }
}

/// Relay the whole frames held from a child still in the event loop, up to
/// the mark of an exec. Returns true when a frame is too large to relay.
fn relay_frames(c: &mut Child, pid: u32, out: &mut Outbox) -> bool {
    while c.exec_marks <= c.exec_failures {
        let Some(frame) = c.frames.next_frame() else { break };
        if frame == children::EXEC_MARK {
            c.exec_marks += 1;
            continue;
        }
        // Wrapped in a PROXY header the frame must still fit a frame.
        if frame.len() + 6 > MAX_LEN {
            return true;
        }
        out.proxy(pid, frame);
    }
    false
}

/// One read of a child's stdout while it runs the event loop, and the
/// frames it completes. Returns true when the pipe is finished.
fn read_frames(c: &mut Child, pid: u32, out: &mut Outbox) -> bool {
    let Some(fd) = c.stdout.as_ref() else { return true };
    let r = c.frames.fill(fd.as_fd(), READ_ROOM);
    if relay_frames(c, pid, out) {
        return true;
    }
    !matches!(r, Ok(Fill::Data { .. }) | Ok(Fill::Empty))
}

impl Child {
    /// Helper for the table's `cpid` view.
    pub fn record(&self) -> Out {
        Out::tuple([
            Out::Atom("alcove_pid"),
            Out::int(self.pid),
            Out::int(self.flowcontrol),
            Out::int(self.signaloneof),
            Out::int(self.fdctl()),
            Out::int(children::raw(&self.stdin)),
            Out::int(children::raw(&self.stdout)),
            Out::int(children::raw(&self.stderr)),
        ])
    }
}
