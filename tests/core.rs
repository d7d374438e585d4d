//! The port core over raw frames: handshake, the worked byte examples of
//! PROTOCOL.md §2.4, fork paths, exec and stdio, events, and bad input.

mod common;
use common::*;
use std::time::Duration;

#[test]
fn handshake_and_getpid_bytes() {
    let mut p = Port::start();
    p.send(&[0x00, 0x07, 0x00, 0x04, 0x00, 0x24, 0x83, 0x68, 0x00]);
    let reply = p.read_raw(10);
    let pid = p.os_pid();
    let mut want = vec![0x00, 0x08, 0x00, 0x04, 0x83, 0x62];
    want.extend_from_slice(&pid.to_be_bytes());
    assert_eq!(reply, want);
}

#[test]
fn getpid_at_depth_2_bytes() {
    let mut p = Port::start();
    let c1 = p.fork(&[]);
    let c2 = p.fork(&[c1]);
    let mut req = vec![0x00, 0x17, 0x00, 0x00];
    req.extend_from_slice(&c1.to_be_bytes());
    req.extend_from_slice(&[0x00, 0x0F, 0x00, 0x00]);
    req.extend_from_slice(&c2.to_be_bytes());
    req.extend_from_slice(&[0x00, 0x07, 0x00, 0x04, 0x00, 0x24, 0x83, 0x68, 0x00]);
    p.send(&req);
    let reply = p.read_raw(26);
    let mut want = vec![0x00, 0x18, 0x00, 0x03];
    want.extend_from_slice(&c1.to_be_bytes());
    want.extend_from_slice(&[0x00, 0x10, 0x00, 0x03]);
    want.extend_from_slice(&c2.to_be_bytes());
    want.extend_from_slice(&[0x00, 0x08, 0x00, 0x04, 0x83, 0x62]);
    want.extend_from_slice(&c2.to_be_bytes());
    assert_eq!(reply, want);
}

#[test]
fn exec_stdio_and_exit_status_at_depth_2() {
    let mut p = Port::start();
    let path = p.chain(&[], 2);
    p.sh(&path, "echo out; echo err >&2; exit 3");
    assert_eq!(p.exit_event(&path), tuple(vec![atom("exit_status"), int(3)]));
    let msgs = p.drain(Duration::from_millis(100));
    assert!(msgs.contains(&Msg::Stdout(path.clone(), b"out\n".to_vec())), "{msgs:?}");
    assert!(msgs.contains(&Msg::Stderr(path.clone(), b"err\n".to_vec())), "{msgs:?}");
}
