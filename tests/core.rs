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

fn be(pid: u32) -> [u8; 4] {
    pid.to_be_bytes()
}

#[test]
fn kill_with_atom_ext_at_depth_1_bytes() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    // kill(g, sigterm) in c, as OTP 25 encodes it (ATOM_EXT)
    let mut etf = vec![0x83, 0x68, 0x02, 0x62];
    etf.extend_from_slice(&be(g));
    etf.extend_from_slice(&[0x64, 0x00, 0x07]);
    etf.extend_from_slice(b"sigterm");
    p.send(&wrap(&[c], &call_frame(49, &etf)));
    let mut want = vec![0x00, 0x0F, 0x00, 0x03];
    want.extend_from_slice(&be(c));
    want.extend_from_slice(&[0x00, 0x07, 0x00, 0x04, 0x83, 0x77, 0x02, 0x6F, 0x6B]);
    // The grandchild catches SIGTERM and reports it itself, straight to
    // Erlang: its event may come before or after the reply.
    let mut frames = Vec::new();
    while !frames.contains(&want) {
        let len = p.read_raw(2);
        let body = p.read_raw(u16::from_be_bytes([len[0], len[1]]) as usize);
        frames.push([len, body].concat());
        assert!(frames.len() <= 2, "{frames:?}");
    }
    let others: Vec<_> = frames.iter().filter(|f| **f != want).collect();
    if let Some(ev) = others.first() {
        assert!(matches!(decode_frame(ev, vec![]), Msg::Event(path, _) if path == [c, g]), "{ev:?}");
    }
}

#[test]
fn exec_output_stderr_and_exit_bytes() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    p.sh(&[c, g], "read x; echo hi; echo error >&2; exit 3");
    p.stdin(&[c, g], b"go\n");
    let out = p.expect(|m| matches!(m, Msg::Stdout(..)));
    assert_eq!(out, Msg::Stdout(vec![c, g], b"hi\n".to_vec()));
    let err = p.expect(|m| matches!(m, Msg::Stderr(..)));
    assert_eq!(err, Msg::Stderr(vec![c, g], b"error\n".to_vec()));
    assert_eq!(p.exit_event(&[c, g]), tuple(vec![atom("exit_status"), int(3)]));

    // the same frames, byte for byte, from the encoder side
    let mut want = vec![0x00, 0x11, 0x00, 0x03];
    want.extend_from_slice(&be(c));
    want.extend_from_slice(&[0x00, 0x09, 0x00, 0x01]);
    want.extend_from_slice(&be(g));
    want.extend_from_slice(b"hi\n");
    assert_eq!(decode_frame(&want, vec![]), Msg::Stdout(vec![c, g], b"hi\n".to_vec()));
}

#[test]
fn stderr_of_a_child_is_relayed_raw() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    p.sh(&[c], "echo error >&2");
    let mut want = vec![0x00, 0x0C, 0x00, 0x02];
    want.extend_from_slice(&be(c));
    want.extend_from_slice(b"error\n");
    let m = p.expect(|m| matches!(m, Msg::Stderr(..)));
    assert_eq!(m, decode_frame(&want, vec![]));
}

/// A program that writes a lot on stderr at depth 2: every byte arrives,
/// in order, in frames within the budget of the process that reads it
/// (65535 - 16 at depth 1), before the exit event.
#[test]
fn bulk_stderr_arrives_whole_in_order() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    const N: usize = 1_000_000;
    p.sh(&[c, g], &format!("yes abcdefg | head -c {N} >&2"));
    let mut got = Vec::new();
    loop {
        match p.recv(Duration::from_secs(10)).expect("stderr and exit") {
            Msg::Stderr(path, d) if path == [c, g] => {
                assert!(d.len() <= 65535 - 16, "a frame of {} bytes", d.len());
                got.extend(d);
            }
            Msg::Event(path, t) if path == [c, g] && is_exit(&t) => break,
            Msg::Ctl(..) => {}
            m => panic!("unexpected {m:?}"),
        }
    }
    assert_eq!(got.len(), N);
    assert!(got.chunks(8).all(|w| w == &b"abcdefg\n"[..w.len()]), "the bytes differ");
}

#[test]
fn exit_status_event_bytes() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    p.send(&wrap(&[c, g], &call_frame(call_nr("exit"), &encode(&tuple(vec![int(3)])))));
    // fdctl_closed first, then the exit event, each PROXY-wrapped twice
    let mut fdctl = vec![0x00, 0x21, 0x00, 0x03];
    fdctl.extend_from_slice(&be(c));
    fdctl.extend_from_slice(&[0x00, 0x19, 0x00, 0x03]);
    fdctl.extend_from_slice(&be(g));
    fdctl.extend_from_slice(&[0x00, 0x11, 0x00, 0x06, 0x83, 0x77, 0x0C]);
    fdctl.extend_from_slice(b"fdctl_closed");
    let mut exit = vec![0x00, 0x24, 0x00, 0x03];
    exit.extend_from_slice(&be(c));
    exit.extend_from_slice(&[0x00, 0x1C, 0x00, 0x03]);
    exit.extend_from_slice(&be(g));
    exit.extend_from_slice(&[0x00, 0x14, 0x00, 0x05, 0x83, 0x68, 0x02, 0x77, 0x0B]);
    exit.extend_from_slice(b"exit_status");
    exit.extend_from_slice(&[0x61, 0x03]);
    assert_eq!(p.read_raw(fdctl.len()), fdctl);
    assert_eq!(p.read_raw(exit.len()), exit);
}

#[test]
fn badpid_badarg_undef_bytes() {
    let mut p = Port::start();
    p.send(&wrap(&[1], &call_frame(36, &[0x83, 0x68, 0x00])));
    assert_eq!(
        p.read_raw(21),
        [0x00, 0x13, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0B, 0x00, 0x06, 0x83, 0x77, 0x06, b'b', b'a', b'd', b'p', b'i', b'd']
    );
    p.send(&call_frame(200, &[0x83, 0x68, 0x00]));
    assert_eq!(p.read_raw(13), [0x00, 0x0B, 0x00, 0x04, 0x83, 0x77, 0x06, b'b', b'a', b'd', b'a', b'r', b'g']);
    p.send(&call_frame(call_nr("jail_attach"), &encode(&tuple(vec![int(1)]))));
    assert_eq!(p.read_raw(12), [0x00, 0x0A, 0x00, 0x04, 0x83, 0x77, 0x05, b'u', b'n', b'd', b'e', b'f']);
}

#[test]
fn pipe_message_when_queued_input_exceeds_its_bound() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    // a small bound makes the overflow quick to reach
    assert_eq!(p.call(&[c], "setopt", vec![atom("maxqueue"), int(70000)]), atom("true"));
    let g = p.fork(&[c]);
    p.exec(&[c, g], &["/bin/sleep", "30"]);
    let block = vec![b'x'; 60000];
    for _ in 0..4 {
        p.stdin(&[c, g], &block);
    }
    // 64 KiB fit the pipe, 70000 the queue; the fourth block is dropped
    let m = p.expect(|m| matches!(m, Msg::Pipe(..)));
    assert_eq!(m, Msg::Pipe(vec![c, g], int(0)));
}

#[test]
fn queued_input_arrives_whole_and_in_order() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    p.sh(&[c], "sleep 0.3; exec cat");
    let data: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
    for chunk in data.chunks(60_000) {
        p.stdin(&[c], chunk);
    }
    assert_eq!(p.stdout(&[c], data.len()), data);
}

#[test]
fn fork_paths_to_the_depth_limit() {
    let mut p = Port::start();
    let path = p.chain(&[], 16);
    for d in 1..=16 {
        let sub = &path[..d];
        assert_eq!(p.call(sub, "getpid", vec![]), int(sub[d - 1] as i32));
    }
    assert_eq!(p.call(&path, "fork", vec![]), error("eagain"));
    assert_eq!(p.call(&path, "getopt", vec![atom("maxforkdepth")]), int(16));
}

#[test]
fn badpid_names_the_full_path_through_a_missing_pid() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    p.send(&wrap(&[c, 999_999_999, 12345], &call_frame(36, &[0x83, 0x68, 0x00])));
    let m = p.expect(|m| matches!(m, Msg::Ctl(..)));
    assert_eq!(m, Msg::Ctl(vec![c, 999_999_999, 12345], atom("badpid")));
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
}

#[test]
fn bad_requests_get_badarg_and_lose_nothing() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let root = p.os_pid() as i32;
    for path in [vec![], vec![c]] {
        let alive = if path.is_empty() { root } else { c as i32 };
        let cases: Vec<(u16, Vec<u8>)> = vec![
            (36, vec![]),                                        // no ETF at all
            (36, vec![0x83]),                                    // version byte only
            (36, vec![0x82, 0x68, 0x00]),                        // wrong version
            (36, vec![0x83, 0x6A]),                              // not a tuple
            (36, vec![0x83, 0x68, 0x01, 0x61, 0x01]),            // wrong arity
            (36, vec![0x83, 0x68, 0x00, 0x00]),                  // trailing byte
            (36, vec![0x83, 0x68]),                              // truncated
            (19, vec![0x83, 0x68, 0x01, 0x46, 0, 0, 0, 0, 0, 0, 0, 0]), // float
            (19, vec![0x83, 0x68, 0x01, 0x6C, 0xFF, 0xFF, 0xFF, 0xFF, 0x6A]), // huge list count
            (19, vec![0x83, 0x68, 0x01, 0x6D, 0, 0, 0, 10, b'a']), // binary past the end
            (100, vec![0x83, 0x68, 0x00]),                       // no such call
            (65535, vec![0x83, 0x68, 0x00]),
        ];
        for (nr, etf) in cases {
            assert_eq!(p.call_etf(&path, nr, &etf), atom("badarg"), "call {nr} {etf:?} at {path:?}");
            assert_eq!(p.call(&path, "getpid", vec![]), int(alive));
        }
        // wrong types for real calls
        for (name, args) in [
            ("kill", vec![atom("x"), atom("sigterm")]),
            ("chdir", vec![int(1)]),
            ("chdir", vec![nil()]),
            ("setuid", vec![big(1 << 32)]),
            ("setuid", vec![int(-1)]),
            ("clone", vec![atom("clone_newuts")]),
            ("execve", vec![charlist("/bin/true"), list(vec![atom("foo")]), nil()]),
            ("getenv", vec![tuple(vec![])]),
        ] {
            assert_eq!(p.call(&path, name, args.clone()), atom("badarg"), "{name} {args:?}");
        }
        assert_eq!(p.call(&path, "kill", vec![int(0), atom("sigbogus")]), error("enotsup"));
    }
}

#[test]
fn frames_split_and_coalesced() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let f = wrap(&[c], &call_frame(36, &[0x83, 0x68, 0x00]));
    for cut in 1..f.len() {
        p.send(&f[..cut]);
        std::thread::sleep(Duration::from_millis(5));
        p.send(&f[cut..]);
        assert_eq!(p.expect(|m| matches!(m, Msg::Call(..))), Msg::Call(vec![c], int(c as i32)));
    }
    let mut many = Vec::new();
    for _ in 0..100 {
        many.extend_from_slice(&call_frame(36, &[0x83, 0x68, 0x00]));
        many.extend_from_slice(&f);
    }
    p.send(&many);
    for _ in 0..100 {
        assert_eq!(p.expect(|m| matches!(m, Msg::Call(p, _) if p.is_empty())), Msg::Call(vec![], int(p.os_pid() as i32)));
        assert_eq!(p.expect(|m| matches!(m, Msg::Call(p, _) if !p.is_empty())), Msg::Call(vec![c], int(c as i32)));
    }
}

#[test]
fn zero_length_frame_is_harmless() {
    let mut p = Port::start();
    p.send(&[0, 0]);
    assert_eq!(p.call(&[], "getpid", vec![]), int(p.os_pid() as i32));
}

#[test]
fn unknown_frame_type_ends_the_port() {
    for f in [&[0u8, 2, 0, 9][..], &[0, 6, 0, 5, 131, 104, 0, 0], &[0, 3, 0, 0, 0]] {
        let mut p = Port::start();
        p.send(f);
        assert!(p.wait().code().is_some(), "exited");
    }
}

#[test]
fn truncated_frame_then_eof_ends_the_port() {
    let mut p = Port::start();
    p.send(&[0, 50, 0, 4, 0]);
    p.close_stdin();
    let st = p.wait();
    assert!(st.code().is_some());
}

#[test]
fn stdin_eof_stops_the_port_and_its_children() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    p.exec(&[c], &["/bin/sleep", "100"]);
    let g = p.chain(&[], 2);
    p.exec(&g, &["/bin/sleep", "100"]);
    p.close_stdin();
    assert_eq!(p.wait().code(), Some(0));
    let alive = |pid: u32| std::path::Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z");
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while (alive(c) || alive(g[1])) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(c) && !alive(g[1]), "children survived the port");
}

#[test]
fn events_for_signals_and_deaths() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    assert_eq!(p.call(&[], "kill", vec![int(c as i32), atom("sigterm")]), ok());
    let m = p.expect(|m| matches!(m, Msg::Event(..)));
    let Msg::Event(path, t) = m else { unreachable!() };
    assert_eq!(path, vec![c]);
    let e = elems(&t);
    assert_eq!(e[0], atom("signal"));
    assert_eq!(e[1], atom("sigterm"));
    assert_eq!(bytes(&e[2]).len(), 128);
    assert_eq!(bytes(&e[2])[..4], 15i32.to_ne_bytes());
    assert_eq!(p.call(&[], "kill", vec![int(c as i32), atom("sigkill")]), ok());
    assert_eq!(p.exit_event(&[c]), tuple(vec![atom("termsig"), atom("sigkill")]));
    assert_eq!(p.call(&[], "cpid", vec![]), nil());
}

#[test]
fn exec_failure_keeps_the_loop() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let r = p.call(&[c], "execvp", vec![charlist("/nonexistent"), list(vec![charlist("x")])]);
    assert_eq!(r, error("enoent"));
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
}

fn ls_fds(p: &mut Port, path: &[u32]) {
    p.exec(path, &["/bin/ls", "/proc/self/fd"]);
    let mut out = Vec::new();
    while !out.ends_with(b"\n3\n") && out.len() < 64 {
        match p.expect(|m| matches!(m, Msg::Stdout(q, _) if *q == path)) {
            Msg::Stdout(_, d) => out.extend(d),
            _ => unreachable!(),
        }
    }
    // ls opens the directory itself as fd 3
    assert_eq!(String::from_utf8_lossy(&out), "0\n1\n2\n3\n", "depth {}", path.len());
}

#[test]
fn exec_sees_only_fds_0_1_2() {
    let mut p = Port::start();
    let idle = p.fork(&[]);
    let c = p.fork(&[]);
    let deep = p.chain(&[], 3);
    // the leaf's parent also holds a sibling's channels: none may leak
    let _sibling = p.fork(&deep[..2]);
    ls_fds(&mut p, &[c]);
    ls_fds(&mut p, &deep);
    // The root and deep[1] have since had children exec and relayed their
    // output: children forked now hold and see no more than the first did.
    let c2 = p.fork(&[]);
    // (a reply from the child: it has let go of what it inherited)
    assert_eq!(p.call(&[c2], "getpid", vec![]), int(c2 as i32));
    assert_eq!(proc_fds(c2).len(), proc_fds(idle).len(), "a control process forked later");
    ls_fds(&mut p, &[c2]);
    let d = p.fork(&deep[..2]);
    ls_fds(&mut p, &[deep[0], deep[1], d]);
}

#[test]
fn large_stdout_arrives_complete_and_in_order() {
    let mut p = Port::start();
    let path = p.chain(&[], 2);
    let n = 8 << 20;
    p.sh(&path, &format!("head -c {n} /dev/urandom | tee /tmp/alcove-big.{} | cat", path[1]));
    let got = p.stdout(&path, n);
    let want = std::fs::read(format!("/tmp/alcove-big.{}", path[1])).unwrap();
    let _ = std::fs::remove_file(format!("/tmp/alcove-big.{}", path[1]));
    assert_eq!(got.len(), want.len());
    assert!(got == want, "stream differs");
}

#[test]
fn frames_left_by_an_exiting_child_stay_frames() {
    // A middle process relays its exec'd child's output and exits while
    // its own parent has not read all of it yet: what is left in the pipe
    // is still frames, relayed with their paths.
    let mut p = Port::start();
    let c = p.fork(&[]);
    let g = p.fork(&[c]);
    p.sh(&[c, g], "head -c 200000 /dev/zero | tr '\\0' x; sleep 30");
    // let the output pile up in c's pipe to the root
    std::thread::sleep(Duration::from_millis(300));
    p.send(&wrap(&[c], &call_frame(call_nr("exit"), &encode(&tuple(vec![int(0)])))));
    let mut got = 0;
    loop {
        match p.expect(|m| m.path().first() == Some(&c)) {
            Msg::Stdout(path, d) => {
                assert_eq!(path, vec![c, g], "output of the grandchild keeps its path");
                assert!(d.iter().all(|&b| b == b'x'));
                got += d.len();
            }
            Msg::Event(path, t) if path == vec![c] => {
                assert_eq!(t, tuple(vec![atom("exit_status"), int(0)]));
                break;
            }
            _ => {}
        }
    }
    assert!(got > 0);
}

#[test]
fn frames_written_just_before_exec_stay_frames() {
    // Replies queued before an exec are frames; the program's output after it is raw.
    let mut p = Port::start();
    let c = p.fork(&[]);
    let mut batch = Vec::new();
    for _ in 0..50 {
        batch.extend_from_slice(&wrap(&[c], &call_frame(36, &[0x83, 0x68, 0x00])));
    }
    let argv = encode(&tuple(vec![charlist("/bin/echo"), list(vec![charlist("echo"), charlist("hello")])]));
    batch.extend_from_slice(&wrap(&[c], &call_frame(call_nr("execvp"), &argv)));
    p.send(&batch);
    for _ in 0..50 {
        assert_eq!(p.expect(|m| matches!(m, Msg::Call(..))), Msg::Call(vec![c], int(c as i32)));
    }
    assert_eq!(p.stdout(&[c], 6), b"hello\n");
}

#[test]
fn nofile_limit_protects_only_existing_children() {
    let mut p = Port::start();
    let c = p.fork(&[]);
    let lim = |n: i32| tuple(vec![atom("alcove_rlimit"), int(n), int(n)]);
    // with a child of its own, c needs room for that child's channels
    let g = p.fork(&[c]);
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_nofile"), lim(11)]), error("einval"));
    p.send_call(&[c, g], call_nr("exit"), &encode(&tuple(vec![int(0)])));
    p.exit_event(&[c, g]);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while p.call(&[c], "cpid", vec![]) != nil() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    // with none, a sandbox may forbid every new descriptor, and keeps serving
    assert_eq!(p.call(&[c], "setrlimit", vec![atom("rlimit_nofile"), lim(0)]), ok());
    assert_eq!(p.call(&[c], "getopt", vec![atom("maxchild")]), int(0));
    assert_eq!(p.call(&[c], "fork", vec![]), error("eagain"));
    assert_eq!(p.call(&[c], "open", vec![charlist("/"), nil(), int(0)]), error("emfile"));
    assert_eq!(p.call(&[c], "getpid", vec![]), int(c as i32));
}
