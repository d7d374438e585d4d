//! The frame decoder and the ETF decoder, over arbitrary input: a byte
//! stream is cut into frames as the event loop would read it from a pipe,
//! and every CALL payload is decoded as a request term.
#![no_main]
use alcove::proto::etf;
use alcove::proto::frame::{Fill, FrameReader, READ_ROOM};
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::os::fd::AsFd;

fuzz_target!(|data: &[u8]| {
    let (r, w) = nix::unistd::pipe().unwrap();
    let mut w = std::fs::File::from(w);
    // A pipe holds 64 KiB: feed at most that, then close for EOF.
    let _ = w.write_all(&data[..data.len().min(60000)]);
    drop(w);
    let mut reader = FrameReader::new();
    loop {
        let r = reader.fill(r.as_fd(), READ_ROOM);
        while let Some(f) = reader.next_frame() {
            assert_eq!(u16::from_be_bytes([f[0], f[1]]) as usize + 2, f.len());
            if f.len() >= 6 && f[2..4] == [0, 4] {
                let _ = etf::decode(&f[6..]);
            }
        }
        if !matches!(r, Ok(Fill::Data { .. })) {
            break;
        }
    }
});
