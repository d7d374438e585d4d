//! The subset of the Erlang External Term Format that crosses the port.
//!
//! Requests are decoded into a borrowed [`Term`] with hard bounds: only the
//! tags PROTOCOL.md §2.6 lists are understood, nesting is limited, and every
//! count is checked against the bytes actually present before anything is
//! allocated, so hostile input costs at most a frame's worth of memory.
//! (The `eetf` crate decodes more kinds of terms than a request may hold and
//! preallocates from the counts it reads; the tests use it as an independent
//! codec to check this one.)
//!
//! Replies are built as an owned [`Out`] and encoded the way the reference
//! port encodes them (§2.6), into a caller-provided buffer.

const VERSION: u8 = 131;
const SMALL_INTEGER_EXT: u8 = 97;
const INTEGER_EXT: u8 = 98;
const SMALL_TUPLE_EXT: u8 = 104;
const LARGE_TUPLE_EXT: u8 = 105;
const NIL_EXT: u8 = 106;
const STRING_EXT: u8 = 107;
const LIST_EXT: u8 = 108;
const BINARY_EXT: u8 = 109;
const SMALL_BIG_EXT: u8 = 110;
const LARGE_BIG_EXT: u8 = 111;
const ATOM_EXT: u8 = 100;
const SMALL_ATOM_EXT: u8 = 115;
const ATOM_UTF8_EXT: u8 = 118;
const SMALL_ATOM_UTF8_EXT: u8 = 119;

/// Deepest nesting of tuples and lists a request may use. Requests need
/// 1 (argument tuple) + 17 (iodata) + 2 (cstruct `{ptr, ...}`) at most.
const MAX_DEPTH: usize = 64;

/// A decoded request term, borrowing from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term<'a> {
    /// SMALL_INTEGER_EXT or INTEGER_EXT.
    Int(i32),
    /// SMALL_BIG_EXT or LARGE_BIG_EXT: `None` when the magnitude does not fit 128 bits.
    Big(Option<i128>),
    /// An atom, as Latin-1 bytes (at most 255 characters).
    Atom(Vec<u8>),
    /// STRING_EXT: a list of integers 0..255.
    String(&'a [u8]),
    Binary(&'a [u8]),
    Nil,
    /// LIST_EXT: elements and tail (`Nil` for a proper list).
    List(Vec<Term<'a>>, Box<Term<'a>>),
    Tuple(Vec<Term<'a>>),
}

/// Why a request payload could not be decoded (always answered `badarg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// Decode a whole payload: the version byte, then exactly one term.
pub fn decode(buf: &[u8]) -> Result<Term<'_>, Malformed> {
    let mut d = Decoder { buf, pos: 0 };
    if d.u8()? != VERSION {
        return Err(Malformed);
    }
    let t = d.term(0)?;
    if d.pos != buf.len() {
        return Err(Malformed);
    }
    Ok(t)
}

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.pos.checked_add(n).ok_or(Malformed)?;
        let s = self.buf.get(self.pos..end).ok_or(Malformed)?;
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<usize, Malformed> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]) as usize)
    }
    fn u32(&mut self) -> Result<usize, Malformed> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn term(&mut self, depth: usize) -> Result<Term<'a>, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed);
        }
        match self.u8()? {
            SMALL_INTEGER_EXT => Ok(Term::Int(self.u8()? as i32)),
            INTEGER_EXT => {
                let b = self.take(4)?;
                Ok(Term::Int(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            SMALL_BIG_EXT => {
                let n = self.u8()? as usize;
                self.big(n)
            }
            LARGE_BIG_EXT => {
                let n = self.u32()?;
                self.big(n)
            }
            ATOM_EXT | SMALL_ATOM_EXT => {
                let n = if self.buf[self.pos - 1] == ATOM_EXT { self.u16()? } else { self.u8()? as usize };
                let name = self.take(n)?;
                if n > 255 {
                    return Err(Malformed);
                }
                Ok(Term::Atom(name.to_vec()))
            }
            ATOM_UTF8_EXT | SMALL_ATOM_UTF8_EXT => {
                let n = if self.buf[self.pos - 1] == ATOM_UTF8_EXT { self.u16()? } else { self.u8()? as usize };
                let name = std::str::from_utf8(self.take(n)?).map_err(|_| Malformed)?;
                let mut latin1 = Vec::with_capacity(n);
                for c in name.chars() {
                    latin1.push(u8::try_from(u32::from(c)).map_err(|_| Malformed)?);
                }
                if latin1.len() > 255 {
                    return Err(Malformed);
                }
                Ok(Term::Atom(latin1))
            }
            STRING_EXT => {
                let n = self.u16()?;
                Ok(Term::String(self.take(n)?))
            }
            BINARY_EXT => {
                let n = self.u32()?;
                Ok(Term::Binary(self.take(n)?))
            }
            NIL_EXT => Ok(Term::Nil),
            LIST_EXT => {
                let n = self.u32()?;
                // Each element takes at least one byte, and so does the tail.
                if n >= self.remaining() {
                    return Err(Malformed);
                }
                let mut elems = Vec::with_capacity(n);
                for _ in 0..n {
                    elems.push(self.term(depth + 1)?);
                }
                let tail = self.term(depth + 1)?;
                Ok(Term::List(elems, Box::new(tail)))
            }
            SMALL_TUPLE_EXT => {
                let n = self.u8()? as usize;
                self.tuple(n, depth)
            }
            LARGE_TUPLE_EXT => {
                let n = self.u32()?;
                self.tuple(n, depth)
            }
            _ => Err(Malformed),
        }
    }

    fn tuple(&mut self, n: usize, depth: usize) -> Result<Term<'a>, Malformed> {
        if n > self.remaining() {
            return Err(Malformed);
        }
        let mut elems = Vec::with_capacity(n);
        for _ in 0..n {
            elems.push(self.term(depth + 1)?);
        }
        Ok(Term::Tuple(elems))
    }

    fn big(&mut self, n: usize) -> Result<Term<'a>, Malformed> {
        let sign = self.u8()?;
        let digits = self.take(n)?;
        if sign > 1 {
            return Err(Malformed);
        }
        // Little-endian magnitude; leading zero digits are allowed.
        let significant = digits.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        if significant > 15 {
            return Ok(Term::Big(None));
        }
        let mag = digits[..significant]
            .iter()
            .rev()
            .fold(0i128, |acc, &b| (acc << 8) | b as i128);
        Ok(Term::Big(Some(if sign == 1 { -mag } else { mag })))
    }
}

impl<'a> Term<'a> {
    /// The integer value of SMALL_INTEGER, INTEGER and SMALL_BIG terms.
    pub fn integer(&self) -> Option<i128> {
        match *self {
            Term::Int(i) => Some(i as i128),
            Term::Big(v) => v,
            _ => None,
        }
    }
}

/// A reply term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Atom(&'static str),
    Int(i128),
    Bin(Vec<u8>),
    Tuple(Vec<Out>),
    List(Vec<Out>),
}

impl Out {
    pub fn ok() -> Out {
        Out::Atom("ok")
    }
    /// `{ok, X}`
    pub fn ok_with(x: Out) -> Out {
        Out::Tuple(vec![Out::Atom("ok"), x])
    }
    pub fn int(i: impl Into<i128>) -> Out {
        Out::Int(i.into())
    }
    pub fn tuple(items: impl Into<Vec<Out>>) -> Out {
        Out::Tuple(items.into())
    }

    /// Append the encoding of this term, without the version byte.
    pub fn encode_into(&self, buf: &mut Vec<u8>) {
        match self {
            Out::Atom(a) => encode_atom(a, buf),
            Out::Int(i) => encode_int(*i, buf),
            Out::Bin(b) => {
                buf.push(BINARY_EXT);
                buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
                buf.extend_from_slice(b);
            }
            Out::Tuple(items) => {
                if items.len() < 256 {
                    buf.push(SMALL_TUPLE_EXT);
                    buf.push(items.len() as u8);
                } else {
                    buf.push(LARGE_TUPLE_EXT);
                    buf.extend_from_slice(&(items.len() as u32).to_be_bytes());
                }
                for t in items {
                    t.encode_into(buf);
                }
            }
            Out::List(items) => {
                if !items.is_empty() {
                    buf.push(LIST_EXT);
                    buf.extend_from_slice(&(items.len() as u32).to_be_bytes());
                    for t in items {
                        t.encode_into(buf);
                    }
                }
                buf.push(NIL_EXT);
            }
        }
    }

    /// The full external encoding: version byte and term.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        buf.push(VERSION);
        self.encode_into(buf);
    }
}

pub fn encode_atom(a: &str, buf: &mut Vec<u8>) {
    buf.push(SMALL_ATOM_UTF8_EXT);
    buf.push(a.len() as u8);
    buf.extend_from_slice(a.as_bytes());
}

pub fn encode_int(i: i128, buf: &mut Vec<u8>) {
    if (0..=255).contains(&i) {
        buf.push(SMALL_INTEGER_EXT);
        buf.push(i as u8);
    } else if (-(1 << 27)..(1 << 27)).contains(&i) {
        buf.push(INTEGER_EXT);
        buf.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        let mut mag = i.unsigned_abs();
        let mut digits = Vec::with_capacity(16);
        while mag > 0 {
            digits.push(mag as u8);
            mag >>= 8;
        }
        buf.push(SMALL_BIG_EXT);
        buf.push(digits.len() as u8);
        buf.push((i < 0) as u8);
        buf.extend_from_slice(&digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(o: &Out) -> Vec<u8> {
        let mut v = Vec::new();
        o.encode(&mut v);
        v
    }

    #[test]
    fn greeting_and_integers() {
        assert_eq!(enc(&Out::ok()), [131, 119, 2, b'o', b'k']);
        assert_eq!(enc(&Out::int(999)), [131, 98, 0, 0, 3, 0xE7]);
        assert_eq!(enc(&Out::int(3)), [131, 97, 3]);
        assert_eq!(enc(&Out::int(1i128 << 28)), [131, 110, 4, 0, 0, 0, 0, 16]);
        assert_eq!(enc(&Out::int(u64::MAX)), [131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
        assert_eq!(enc(&Out::int(-1)), [131, 98, 255, 255, 255, 255]);
    }

    #[test]
    fn decode_request_tuple() {
        // kill(1001, sigterm) as OTP 25 encodes it
        let b = [131, 104, 2, 98, 0, 0, 3, 0xE9, 100, 0, 7, b's', b'i', b'g', b't', b'e', b'r', b'm'];
        let t = decode(&b).unwrap();
        assert_eq!(t, Term::Tuple(vec![Term::Int(1001), Term::Atom(b"sigterm".to_vec())]));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode(&[131, 104]), Err(Malformed));
        assert_eq!(decode(&[131, 104, 0, 0]), Err(Malformed)); // trailing byte
        assert_eq!(decode(&[130, 104, 0]), Err(Malformed));
        assert_eq!(decode(&[131, 70, 0, 0, 0, 0, 0, 0, 0, 0]), Err(Malformed)); // float
        assert_eq!(decode(&[131, 108, 255, 255, 255, 255, 106]), Err(Malformed)); // huge count
        let mut deep = vec![131];
        for _ in 0..100 {
            deep.extend_from_slice(&[108, 0, 0, 0, 1]);
        }
        deep.extend([106; 101]);
        assert_eq!(decode(&deep), Err(Malformed));
    }

    #[test]
    fn bignums() {
        assert_eq!(decode(&[131, 110, 8, 0, 255, 255, 255, 255, 255, 255, 255, 255]).unwrap(), Term::Big(Some(u64::MAX as i128)));
        assert_eq!(decode(&[131, 110, 1, 1, 5]).unwrap(), Term::Big(Some(-5)));
        let mut huge = vec![131, 110, 20, 0];
        huge.extend_from_slice(&[1; 20]);
        assert_eq!(decode(&huge).unwrap(), Term::Big(None));
    }
}
