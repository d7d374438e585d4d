//! The round-trip floor of the benchmark (bench/bench.escript): a port that
//! reads frames (a 2-byte big-endian length, then that many bytes) on stdin
//! and writes each complete frame back unchanged on stdout, nothing else.
//! It exits at end of input. Whatever one read brings in is answered with
//! one write, as an event loop that batches its replies would.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::FromRawFd;

fn main() {
    // Unbuffered handles on fds 0 and 1: no copy through std's buffers.
    let mut input = unsafe { File::from_raw_fd(0) };
    let mut output = unsafe { File::from_raw_fd(1) };
    let mut buf = vec![0u8; 1 << 17];
    let mut have = 0;
    loop {
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[have..]) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        have += n;
        // Complete frames at the front of the buffer go back as they are.
        let mut end = 0;
        while have - end >= 2 {
            let len = u16::from_be_bytes([buf[end], buf[end + 1]]) as usize;
            if have - end < 2 + len {
                break;
            }
            end += 2 + len;
        }
        if end > 0 {
            if output.write_all(&buf[..end]).is_err() {
                return;
            }
            buf.copy_within(end..have, 0);
            have -= end;
        }
    }
}
