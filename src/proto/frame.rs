//! Frames (PROTOCOL.md §2): a 2-byte big-endian length counting every byte
//! after itself, a 2-byte type, then a body.
//!
//! [`FrameReader`] assembles frames from a byte stream that may split or
//! coalesce them, reading no byte past the end of the current frame (what
//! follows may belong to a program that execs next). [`Outbox`] builds
//! outgoing frames in one buffer that the event loop writes out once per
//! wake-up.

use super::etf::Out;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// Frame types (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Kind {
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
    Proxy = 3,
    Call = 4,
    Event = 5,
    Ctl = 6,
    Pipe = 7,
}

impl Kind {
    pub fn from_u16(v: u16) -> Option<Kind> {
        Some(match v {
            0 => Kind::Stdin,
            1 => Kind::Stdout,
            2 => Kind::Stderr,
            3 => Kind::Proxy,
            4 => Kind::Call,
            5 => Kind::Event,
            6 => Kind::Ctl,
            7 => Kind::Pipe,
            _ => return None,
        })
    }
}

/// Largest value of a frame's length field.
pub const MAX_LEN: usize = 65535;

/// Most STDOUT or STDERR frames one read of a program's output fills.
pub const STREAM_FRAMES: usize = 4;

/// The largest reply or stream chunk a process at `depth` may produce:
/// each hop up adds an 8-byte PROXY header (§2.3).
pub fn msglen(depth: u32) -> usize {
    MAX_LEN.saturating_sub(8 * (depth as usize + 1))
}

/// What one read of a [`FrameReader`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Bytes arrived; `more` when the read filled the room it was given, so
    /// that more may be waiting.
    Data { more: bool },
    /// Nothing to read now (EAGAIN, EINTR).
    Empty,
    /// End of file.
    Eof,
}

/// Incremental reader of length-prefixed frames from a stream that may cut
/// or coalesce them. One `read(2)` takes whatever is there (up to the room
/// given), and [`FrameReader::next_frame`] hands out the whole frames it holds;
/// the bytes of a frame not yet complete wait for the next read. The
/// buffer is kept from one read to the next.
pub struct FrameReader {
    buf: Vec<u8>,
    /// Where the bytes not yet handed out begin.
    start: usize,
    /// Bytes read since creation.
    pub total: u64,
}

/// Room for a whole frame and some of the next.
pub const READ_ROOM: usize = 2 * (MAX_LEN + 2);

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    pub fn new() -> Self {
        FrameReader { buf: Vec::new(), start: 0, total: 0 }
    }

    /// One `read(2)` of at most `max` bytes of what `fd` has. Errors other
    /// than EINTR/EAGAIN are returned.
    pub fn fill(&mut self, fd: BorrowedFd<'_>, max: usize) -> io::Result<Fill> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.capacity() < READ_ROOM {
            self.buf.reserve_exact(READ_ROOM - self.buf.len());
        }
        let room = max.min(self.buf.capacity() - self.buf.len());
        let have = self.buf.len();
        // Into the spare capacity: no zero fill of what read(2) overwrites.
        let n = unsafe { libc::read(fd.as_raw_fd(), self.buf.as_mut_ptr().add(have).cast(), room) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EINTR) | Some(libc::EAGAIN) => Ok(Fill::Empty),
                _ => Err(e),
            };
        }
        if n == 0 {
            return Ok(Fill::Eof);
        }
        unsafe { self.buf.set_len(have + n as usize) };
        self.total += n as u64;
        Ok(Fill::Data { more: n as usize == room })
    }

    /// The next whole frame held, length field included.
    pub fn next_frame(&mut self) -> Option<&[u8]> {
        let held = &self.buf[self.start..];
        let len = 2 + u16::from_be_bytes([*held.first()?, *held.get(1)?]) as usize;
        if held.len() < len {
            return None;
        }
        let at = self.start;
        self.start += len;
        Some(&self.buf[at..at + len])
    }

    /// Bytes held and not handed out: part of a frame, or (after an exec
    /// mark) a program's first output.
    pub fn held(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Forget what is held.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }
}

/// Frames waiting to be written to this process's parent, in order.
pub struct Outbox {
    buf: Vec<u8>,
    /// Largest ETF payload this process may emit (§2.3).
    pub limit: usize,
}

impl Outbox {
    pub fn new(depth: u32) -> Self {
        Outbox { buf: Vec::with_capacity(4096), limit: msglen(depth) }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Start a frame of `kind` (and `pid` for types that carry one);
    /// returns the offset to pass to [`Outbox::finish`].
    fn begin(&mut self, kind: Kind, pid: Option<u32>) -> usize {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf.extend_from_slice(&(kind as u16).to_be_bytes());
        if let Some(pid) = pid {
            self.buf.extend_from_slice(&pid.to_be_bytes());
        }
        start
    }

    fn finish(&mut self, start: usize) {
        let len = (self.buf.len() - start - 2) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_be_bytes());
    }

    /// A PROXY header naming `pid`, around frames pushed by `inner`.
    fn proxied(&mut self, pid: Option<u32>, inner: impl FnOnce(&mut Self)) {
        match pid {
            Some(pid) => {
                let start = self.begin(Kind::Proxy, Some(pid));
                inner(self);
                self.finish(start);
            }
            None => inner(self),
        }
    }

    /// A term frame (CALL, EVENT, CTL, PIPE), optionally about child `pid`.
    /// Fails, leaving nothing behind, if the term does not fit (§2.3).
    pub fn term(&mut self, pid: Option<u32>, kind: Kind, term: &Out) -> Result<(), TooLarge> {
        let mark = self.buf.len();
        let limit = self.limit;
        let mut body = 0;
        self.proxied(pid, |o| {
            let start = o.begin(kind, None);
            term.encode(&mut o.buf);
            body = o.buf.len() - start - 4;
            o.finish(start);
        });
        if body > limit {
            self.buf.truncate(mark);
            return Err(TooLarge);
        }
        Ok(())
    }

    /// A CTL atom about child `pid`.
    pub fn ctl(&mut self, pid: u32, atom: &'static str) {
        let _ = self.term(Some(pid), Kind::Ctl, &Out::Atom(atom));
    }

    /// A CTL atom about a path below this process: one PROXY per pid.
    pub fn ctl_path(&mut self, path: &[u32], atom: &'static str) {
        match path.split_first() {
            Some((&pid, rest)) => self.proxied(Some(pid), |o| o.ctl_path(rest, atom)),
            None => {
                let _ = self.term(None, Kind::Ctl, &Out::Atom(atom));
            }
        }
    }

    /// Bytes that are already a whole frame.
    pub fn raw(&mut self, frame: &[u8]) {
        self.buf.extend_from_slice(frame);
    }

    /// A frame relayed unchanged from child `pid` (it carries its own length).
    pub fn proxy(&mut self, pid: u32, frame: &[u8]) {
        let start = self.begin(Kind::Proxy, Some(pid));
        self.buf.extend_from_slice(frame);
        self.finish(start);
    }

    /// A STDOUT or STDERR frame for child `pid` holding `data`.
    pub fn stream(&mut self, kind: Kind, pid: u32, data: &[u8]) {
        let start = self.begin(kind, Some(pid));
        self.buf.extend_from_slice(data);
        self.finish(start);
    }

    /// Read what `fd` holds straight into up to `frames` STDOUT or STDERR
    /// frames for child `pid`, each of at most `max` bytes: one `readv(2)`
    /// whose buffers leave room for the headers between them, so that a
    /// reader that has fallen behind a busy program catches up in one
    /// system call, with no copy. Returns the number of frames made (0 at
    /// end of file).
    pub fn read_stream(&mut self, kind: Kind, pid: u32, fd: BorrowedFd<'_>, max: usize, frames: usize) -> io::Result<usize> {
        const HEADER: usize = 8;
        let frames = frames.clamp(1, STREAM_FRAMES);
        let start = self.buf.len();
        self.buf.reserve(frames * (HEADER + max));
        let base = unsafe { self.buf.as_mut_ptr().add(start) };
        let mut iov = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; STREAM_FRAMES];
        for (i, v) in iov.iter_mut().take(frames).enumerate() {
            // (within the capacity reserved above)
            *v = libc::iovec { iov_base: unsafe { base.add(i * (HEADER + max) + HEADER) }.cast(), iov_len: max };
        }
        let n = unsafe { libc::readv(fd.as_raw_fd(), iov.as_ptr(), frames as libc::c_int) };
        if n <= 0 {
            return if n == 0 { Ok(0) } else { Err(io::Error::last_os_error()) };
        }
        // Every buffer but the last one filled is full, so the frames lie
        // end to end: write their headers into the gaps.
        let n = n as usize;
        let made = n.div_ceil(max);
        let mut header = [0u8; HEADER];
        header[2..4].copy_from_slice(&(kind as u16).to_be_bytes());
        header[4..].copy_from_slice(&pid.to_be_bytes());
        for i in 0..made {
            let len = max.min(n - i * max);
            header[..2].copy_from_slice(&((HEADER - 2 + len) as u16).to_be_bytes());
            unsafe { std::ptr::copy_nonoverlapping(header.as_ptr(), base.add(i * (HEADER + max)), HEADER) };
        }
        unsafe { self.buf.set_len(start + made * HEADER + n) };
        Ok(made)
    }

    /// Write everything out to `fd` (blocking), then empty the outbox.
    pub fn flush(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.flush_with(|frames| crate::sys::fd::write_all(fd, frames))
    }

    /// Hand everything to `send`, then empty the outbox.
    pub fn flush_with(&mut self, send: impl FnOnce(&[u8]) -> io::Result<()>) -> io::Result<()> {
        let r = send(&self.buf);
        self.buf.clear();
        if self.buf.capacity() > 1 << 20 {
            self.buf.shrink_to(4096);
        }
        r
    }
}

/// A reply did not fit in the frame budget of this depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_examples() {
        let mut o = Outbox::new(1);
        o.term(Some(1001), Kind::Event, &Out::tuple([Out::Atom("exit_status"), Out::int(3)])).unwrap();
        assert_eq!(
            o.buf,
            [0x00, 0x1C, 0x00, 0x03, 0x00, 0x00, 0x03, 0xE9, 0x00, 0x14, 0x00, 0x05, 0x83, 0x68, 0x02, 0x77, 0x0B,
             b'e', b'x', b'i', b't', b'_', b's', b't', b'a', b't', b'u', b's', 0x61, 0x03]
        );
        let mut o = Outbox::new(0);
        o.ctl_path(&[1], "badpid");
        assert_eq!(o.buf, [0, 0x13, 0, 3, 0, 0, 0, 1, 0, 0x0B, 0, 6, 0x83, 0x77, 6, b'b', b'a', b'd', b'p', b'i', b'd']);
    }

    #[test]
    fn read_stream_fills_frames_end_to_end() {
        use std::io::Write;
        use std::os::fd::AsFd;
        let (r, w) = nix::unistd::pipe().unwrap();
        unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
        let mut w = std::fs::File::from(w);
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        w.write_all(&data).unwrap();
        let max = msglen(1);
        let mut o = Outbox::new(1);
        o.raw(b"queued");
        // a credit of two takes two frames' worth, no more
        assert_eq!(o.read_stream(Kind::Stdout, 7, r.as_fd(), max, 2).unwrap(), 2);
        assert_eq!(o.read_stream(Kind::Stdout, 7, r.as_fd(), max, 99).unwrap(), 2);
        drop(w);
        assert_eq!(o.read_stream(Kind::Stdout, 7, r.as_fd(), max, 4).unwrap(), 0);
        assert_eq!(&o.buf[..6], b"queued");
        let (mut at, mut got) = (6, Vec::new());
        while at < o.buf.len() {
            let len = u16::from_be_bytes([o.buf[at], o.buf[at + 1]]) as usize;
            assert_eq!(o.buf[at + 2..at + 8], [0, 1, 0, 0, 0, 7]);
            assert!(len - 6 <= max);
            got.extend_from_slice(&o.buf[at + 8..at + 2 + len]);
            at += 2 + len;
        }
        assert_eq!(at, o.buf.len());
        assert_eq!(got, data);
    }

    #[test]
    fn frames_cut_and_coalesced() {
        use std::io::Write;
        use std::os::fd::AsFd;
        let (r, w) = nix::unistd::pipe().unwrap();
        let mut w = std::fs::File::from(w);
        let mut reader = FrameReader::new();
        // two frames and the first byte of a third in one write
        w.write_all(&[0, 3, 0, 4, 9, 0, 2, 0, 4, 0]).unwrap();
        assert_eq!(reader.fill(r.as_fd(), READ_ROOM).unwrap(), Fill::Data { more: false });
        assert_eq!(reader.next_frame(), Some(&[0, 3, 0, 4, 9][..]));
        assert_eq!(reader.next_frame(), Some(&[0, 2, 0, 4][..]));
        assert_eq!(reader.next_frame(), None);
        assert_eq!(reader.held(), &[0]);
        w.write_all(&[2, 0, 1]).unwrap();
        assert_eq!(reader.fill(r.as_fd(), READ_ROOM).unwrap(), Fill::Data { more: false });
        assert_eq!(reader.next_frame(), Some(&[0, 2, 0, 1][..]));
        drop(w);
        assert_eq!(reader.fill(r.as_fd(), READ_ROOM).unwrap(), Fill::Eof);
        assert_eq!(reader.total, 13);
    }

    #[test]
    fn too_large_leaves_nothing() {
        let mut o = Outbox::new(0);
        assert_eq!(o.term(None, Kind::Call, &Out::Bin(vec![0; 70000])), Err(TooLarge));
        assert!(o.is_empty());
    }
}
