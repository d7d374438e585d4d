//! Memory handed to the kernel by the calls that take C structures
//! (PROTOCOL.md §7.3): the cstruct encoding, and private copies of binary
//! arguments.
//!
//! A cstruct is a list of binaries and `{ptr, _}` tuples laid out back to
//! back, without padding, in one buffer; each `{ptr, N}` / `{ptr, Binary}`
//! puts the address of its own separately allocated block in its 8-byte slot.
//! Every byte lives in a Rust allocation owned by the value, so it is all
//! freed when the value is dropped, after the reply has been built.

use crate::proto::{Fail, Out, Term};

/// The largest buffer a call hands to the kernel, and the budget for all the
/// data of one cstruct (its binaries plus its blocks).
pub const MAXBUF: usize = 65535;

/// The buffer limit of a socket address (connect(2)).
pub const SOCKADDR_MAX: usize = 128;

/// Elements a cstruct may have.
const MAX_ELEMENTS: usize = 1023;

/// Size of a pointer slot.
const PTR: usize = std::mem::size_of::<*mut u8>();

/// Where one element of the list lives.
enum Slot {
    /// A binary copied into the buffer at `at`.
    Inline { at: usize, len: usize },
    /// A pointer slot holding the address of `block`.
    Block(Box<[u8]>),
    /// A pointer slot at `at` holding NULL.
    Null { at: usize },
}

/// A cstruct ready to be passed to the kernel.
pub struct Cstruct {
    /// The laid-out elements, followed by zeroes up to the call's buffer size
    /// so that the kernel may write a whole structure past a short layout.
    buf: Box<[u8]>,
    /// Bytes of `buf` the elements use.
    len: usize,
    slots: Vec<Slot>,
}

impl Cstruct {
    /// Lay out the cstruct term `t` in a buffer of `cap` bytes; anything but
    /// a well-formed, non-empty list within the limits is `badarg`.
    pub fn decode(t: &Term, cap: usize) -> Result<Cstruct, Fail> {
        let elems = match t {
            Term::List(elems, tail) if **tail == Term::Nil && (1..=MAX_ELEMENTS).contains(&elems.len()) => elems,
            _ => return Err(Fail::Badarg),
        };
        let mut buf = vec![0u8; cap].into_boxed_slice();
        let mut slots = Vec::with_capacity(elems.len());
        // `len`: bytes laid out in the buffer; `data`: binaries plus blocks.
        let (mut len, mut data) = (0usize, 0usize);
        for e in elems {
            let (size, bytes) = match e {
                Term::Binary(b) => (b.len(), b.len()),
                Term::Tuple(t) if matches!(&t[..], [Term::Atom(a), _] if a == b"ptr") => match &t[1] {
                    Term::Int(n) if *n >= 0 => (PTR, *n as usize),
                    Term::Binary(b) => (PTR, b.len()),
                    _ => return Err(Fail::Badarg),
                },
                _ => return Err(Fail::Badarg),
            };
            len += size;
            data += bytes;
            if len > cap || data > MAXBUF {
                return Err(Fail::Badarg);
            }
            let at = len - size;
            slots.push(match e {
                Term::Binary(b) => {
                    buf[at..len].copy_from_slice(b);
                    Slot::Inline { at, len: size }
                }
                _ if bytes == 0 => Slot::Null { at },
                Term::Tuple(t) => {
                    let block: Box<[u8]> = match &t[1] {
                        Term::Binary(b) => b.to_vec().into(),
                        _ => vec![0; bytes].into(),
                    };
                    buf[at..len].copy_from_slice(&(block.as_ptr() as usize).to_ne_bytes());
                    Slot::Block(block)
                }
                _ => unreachable!("checked above"),
            });
        }
        Ok(Cstruct { buf, len, slots })
    }

    /// The buffer's address, for the system call.
    pub fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        self.buf.as_mut_ptr().cast()
    }

    /// Bytes the layout uses (the size of the structure).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The laid-out bytes as they are now, real pointer values included.
    pub fn raw(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The list after the call: each binary re-read at its offset, each block
    /// read through the pointer originally stored (`{ptr, Contents}`), and
    /// each NULL slot as the 8 bytes now there.
    pub fn out(&self) -> Out {
        Out::List(
            self.slots
                .iter()
                .map(|s| match s {
                    Slot::Inline { at, len } => Out::Bin(self.buf[*at..*at + *len].to_vec()),
                    Slot::Block(block) => Out::tuple([Out::Atom("ptr"), Out::Bin(block.to_vec())]),
                    Slot::Null { at } => Out::Bin(self.buf[*at..*at + PTR].to_vec()),
                })
                .collect(),
        )
    }
}

/// A binary argument passed by address: a private copy at the start of a
/// `MAXBUF`-byte buffer, so the kernel may write a whole structure into it.
pub struct Bytes {
    buf: Box<[u8]>,
    len: usize,
}

impl Bytes {
    /// Copy a binary of at most `MAXBUF` bytes; anything else is `badarg`.
    pub fn decode(t: &Term) -> Result<Bytes, Fail> {
        match t {
            Term::Binary(b) if b.len() <= MAXBUF => {
                let mut buf = vec![0u8; MAXBUF].into_boxed_slice();
                buf[..b.len()].copy_from_slice(b);
                Ok(Bytes { buf, len: b.len() })
            }
            _ => Err(Fail::Badarg),
        }
    }

    pub fn as_mut_ptr(&mut self) -> *mut libc::c_void {
        self.buf.as_mut_ptr().cast()
    }

    /// The copy's bytes after the call, as long as the binary given.
    pub fn out(&self) -> Out {
        Out::Bin(self.buf[..self.len].to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(b: &[u8]) -> Term<'_> {
        Term::Binary(b)
    }
    fn ptr(x: Term) -> Term {
        Term::Tuple(vec![Term::Atom(b"ptr".to_vec()), x])
    }
    fn list(v: Vec<Term>) -> Term {
        Term::List(v, Box::new(Term::Nil))
    }

    #[test]
    fn layout_and_output() {
        let t = list(vec![bin(b"abc"), ptr(Term::Int(4)), ptr(bin(b"xyz")), ptr(Term::Int(0)), ptr(bin(b"")), bin(b"")]);
        let c = Cstruct::decode(&t, MAXBUF).unwrap();
        assert_eq!(c.len(), 3 + 4 * 8);
        let raw = c.raw();
        assert_eq!(&raw[..3], b"abc");
        let p1 = usize::from_ne_bytes(raw[3..11].try_into().unwrap());
        let p2 = usize::from_ne_bytes(raw[11..19].try_into().unwrap());
        assert!(p1 != 0 && p2 != 0 && p1 != p2);
        assert_eq!(&raw[19..], &[0; 16]);
        // the blocks are where the pointers say
        assert_eq!(unsafe { std::slice::from_raw_parts(p2 as *const u8, 3) }, b"xyz");
        let want = Out::List(vec![
            Out::Bin(b"abc".to_vec()),
            Out::tuple([Out::Atom("ptr"), Out::Bin(vec![0; 4])]),
            Out::tuple([Out::Atom("ptr"), Out::Bin(b"xyz".to_vec())]),
            Out::Bin(vec![0; 8]),
            Out::Bin(vec![0; 8]),
            Out::Bin(vec![]),
        ]);
        assert_eq!(c.out(), want);
    }

    #[test]
    fn limits() {
        let bad = |t: Term, cap| Cstruct::decode(&t, cap).is_err();
        assert!(bad(Term::Nil, MAXBUF));
        assert!(bad(list(vec![]), MAXBUF));
        assert!(bad(Term::String(b"abc"), MAXBUF));
        assert!(bad(list(vec![Term::Atom(b"foo".to_vec())]), MAXBUF));
        assert!(bad(list(vec![ptr(Term::Int(-1))]), MAXBUF));
        assert!(bad(list(vec![ptr(Term::Big(Some(1 << 40)))]), MAXBUF));
        assert!(bad(list(vec![Term::Tuple(vec![Term::Atom(b"notptr".to_vec()), Term::Int(1)])]), MAXBUF));
        assert!(bad(list(vec![Term::Tuple(vec![Term::Atom(b"ptr".to_vec()), Term::Int(1), Term::Int(2)])]), MAXBUF));
        assert!(bad(Term::List(vec![bin(b"a")], Box::new(bin(b"b"))), MAXBUF));
        // buffer size: 128 for a socket address
        let b128 = [0u8; 128];
        assert!(!bad(list(vec![bin(&b128)]), SOCKADDR_MAX));
        let b129 = [0u8; 129];
        assert!(bad(list(vec![bin(&b129)]), SOCKADDR_MAX));
        assert!(bad(list(vec![bin(&b128[..121]), ptr(Term::Int(0))]), SOCKADDR_MAX));
        // binaries plus blocks within 65535 bytes
        let big = vec![0u8; 65535 - 8];
        assert!(!bad(list(vec![bin(&big), ptr(Term::Int(0))]), MAXBUF));
        assert!(bad(list(vec![bin(&big[..65000]), ptr(Term::Int(536))]), MAXBUF));
        assert!(!bad(list(vec![bin(&big[..65000]), ptr(Term::Int(535))]), MAXBUF));
        // element count
        assert!(!bad(list(vec![bin(b""); 1023]), MAXBUF));
        assert!(bad(list(vec![bin(b""); 1024]), MAXBUF));
    }

    #[test]
    fn bytes_copy() {
        let mut b = Bytes::decode(&bin(b"ab")).unwrap();
        unsafe { *(b.as_mut_ptr() as *mut u8).add(1) = b'z' };
        unsafe { *(b.as_mut_ptr() as *mut u8).add(2) = b'!' };
        assert_eq!(b.out(), Out::Bin(b"az".to_vec()));
        assert!(Bytes::decode(&Term::Int(0)).is_err());
        assert!(Bytes::decode(&bin(&vec![0; MAXBUF + 1])).is_err());
    }
}
