//! Property tests: the frame reader and the ETF codec round-trip whatever
//! they are given, and agree with an independent codec (eetf).

use alcove::proto::etf::{self, Out, Term};
use alcove::proto::frame::{Fill, FrameReader, Kind, Outbox, READ_ROOM};
use proptest::prelude::*;
use std::io::Write;
use std::os::fd::AsFd;

const ATOMS: &[&str] = &["ok", "error", "badarg", "exit_status", "alcove_pid", "sigterm", "a"];

fn out_term() -> impl Strategy<Value = Out> {
    let leaf = prop_oneof![
        prop::sample::select(ATOMS).prop_map(Out::Atom),
        any::<i64>().prop_map(|i| Out::Int(i as i128)),
        any::<u64>().prop_map(|i| Out::Int(i as i128)),
        (0i128..300).prop_map(Out::Int),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Out::Bin),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Out::Tuple),
            prop::collection::vec(inner, 0..8).prop_map(Out::List),
        ]
    })
}

/// The request-side view of a reply term: what our decoder must produce.
fn same(o: &Out, t: &Term) -> bool {
    match (o, t) {
        (Out::Atom(a), Term::Atom(b)) => a.as_bytes() == b.as_slice(),
        (Out::Int(i), t) => t.integer() == Some(*i),
        (Out::Bin(a), Term::Binary(b)) => a.as_slice() == *b,
        (Out::Tuple(a), Term::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
        (Out::List(a), Term::Nil) => a.is_empty(),
        (Out::List(a), Term::List(b, tail)) => {
            **tail == Term::Nil && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => false,
    }
}

/// The same term as eetf builds it.
fn to_eetf(o: &Out) -> eetf::Term {
    match o {
        Out::Atom(a) => eetf::Term::from(eetf::Atom::from(*a)),
        // the reference writes magnitudes of 2^27 and up as bignums (§2.6)
        Out::Int(i) if (-(1 << 27)..(1 << 27)).contains(i) => eetf::Term::from(eetf::FixInteger::from(*i as i32)),
        Out::Int(i) => eetf::Term::from(eetf::BigInteger { value: (*i).into() }),
        Out::Bin(b) => eetf::Term::from(eetf::Binary::from(b.clone())),
        Out::Tuple(v) => eetf::Term::from(eetf::Tuple::from(v.iter().map(to_eetf).collect::<Vec<_>>())),
        Out::List(v) => eetf::Term::from(eetf::List::from(v.iter().map(to_eetf).collect::<Vec<_>>())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn etf_round_trip(o in out_term()) {
        let mut bytes = Vec::new();
        o.encode(&mut bytes);
        let t = etf::decode(&bytes).expect("our encoding decodes");
        prop_assert!(same(&o, &t), "{o:?} came back as {t:?}");
        let e = eetf::Term::decode(&bytes[..]).expect("eetf decodes our encoding");
        prop_assert_eq!(e, to_eetf(&o));
    }

    #[test]
    fn eetf_encodings_decode(o in out_term()) {
        // another encoder's bytes for the same term (eetf writes lists and
        // integers its own way) decode to the same value
        let mut bytes = Vec::new();
        to_eetf(&o).encode(&mut bytes).unwrap();
        let t = etf::decode(&bytes).expect("eetf's encoding decodes");
        // eetf writes lists of bytes as STRING_EXT: compare through it
        let mut ours = Vec::new();
        o.encode(&mut ours);
        let t2 = etf::decode(&ours).unwrap();
        prop_assert_eq!(flatten_strings(&t), flatten_strings(&t2));
    }

    #[test]
    fn frames_survive_any_split(
        terms in prop::collection::vec(out_term(), 1..20),
        cuts in prop::collection::vec(1usize..200, 1..40),
    ) {
        let mut out = Outbox::new(0);
        let mut want = Vec::new();
        for t in &terms {
            let before = out.len();
            if out.term(None, Kind::Call, t).is_ok() {
                want.push(out.len() - before);
            }
        }
        let (r, w) = nix::unistd::pipe().unwrap();
        let collector = std::thread::spawn(move || {
            let mut stream = Vec::new();
            std::io::Read::read_to_end(&mut std::fs::File::from(r), &mut stream).unwrap();
            stream
        });
        out.flush(w.as_fd()).unwrap();
        drop(w);
        let stream = collector.join().unwrap();

        // feed it back through a pipe in arbitrary pieces
        let (r, w) = nix::unistd::pipe().unwrap();
        let mut w = std::fs::File::from(w);
        let feeder = std::thread::spawn(move || {
            let mut rest = &stream[..];
            for c in cuts.iter().cycle() {
                if rest.is_empty() { break; }
                let n = (*c).min(rest.len());
                w.write_all(&rest[..n]).unwrap();
                w.flush().unwrap();
                rest = &rest[n..];
            }
        });
        let mut reader = FrameReader::new();
        let mut got = Vec::new();
        loop {
            let r = reader.fill(r.as_fd(), READ_ROOM).unwrap();
            while let Some(f) = reader.next_frame() {
                got.push(f.len());
            }
            if r == Fill::Eof {
                prop_assert!(reader.held().is_empty());
                break;
            }
        }
        feeder.join().unwrap();
        prop_assert_eq!(got, want);
    }
}

/// Turn STRING_EXT terms into lists of integers, for comparing encodings.
fn flatten_strings(t: &Term) -> String {
    match t {
        Term::String(s) => format!("[{}]", s.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",")),
        Term::List(v, tail) if **tail == Term::Nil => format!("[{}]", v.iter().map(flatten_strings).collect::<Vec<_>>().join(",")),
        Term::List(v, tail) => format!("[{}|{}]", v.iter().map(flatten_strings).collect::<Vec<_>>().join(","), flatten_strings(tail)),
        Term::Nil => "[]".into(),
        Term::Tuple(v) => format!("{{{}}}", v.iter().map(flatten_strings).collect::<Vec<_>>().join(",")),
        other => match other.integer() {
            Some(i) => i.to_string(),
            None => format!("{other:?}"),
        },
    }
}
