//! Argument decoding (PROTOCOL.md §4.2): request terms become Rust values at
//! the edge, so that system-call code never sees ETF.

use super::etf::Term;
use super::Fail;
use crate::constants::Table;
use std::ffi::CString;

pub type Arg<T> = Result<T, Fail>;

/// Unknown constant names answer `{error, enotsup}`.
fn enotsup<T>() -> Arg<T> {
    Err(Fail::Errno(libc::EOPNOTSUPP))
}

fn integer(t: &Term) -> Arg<i128> {
    t.integer().ok_or(Fail::Badarg)
}

fn ranged<T: TryFrom<i128>>(t: &Term) -> Arg<T> {
    T::try_from(integer(t)?).map_err(|_| Fail::Badarg)
}

/// A signed 32-bit integer.
pub fn int(t: &Term) -> Arg<i32> {
    ranged(t)
}

/// An unsigned 32-bit integer.
pub fn uint(t: &Term) -> Arg<u32> {
    ranged(t)
}

pub fn int64(t: &Term) -> Arg<i64> {
    ranged(t)
}

pub fn uint64(t: &Term) -> Arg<u64> {
    ranged(t)
}

/// An atom's Latin-1 name.
pub fn atom<'t>(t: &'t Term) -> Arg<&'t [u8]> {
    match t {
        Term::Atom(a) => Ok(a),
        _ => Err(Fail::Badarg),
    }
}

/// Lists an iolist may nest, the argument's own list included.
const IODATA_DEPTH: usize = 16;

/// An iolist flattened to at most `max` bytes.
pub fn iodata(t: &Term, max: usize) -> Arg<Vec<u8>> {
    let mut out = Vec::new();
    match t {
        Term::Binary(b) => {
            if b.len() > max {
                return Err(Fail::Badarg);
            }
            out.extend_from_slice(b);
        }
        Term::String(_) | Term::List(..) | Term::Nil => flatten(t, max, 0, &mut out)?,
        _ => return Err(Fail::Badarg),
    }
    Ok(out)
}

fn flatten(t: &Term, max: usize, depth: usize, out: &mut Vec<u8>) -> Arg<()> {
    match t {
        Term::Nil => Ok(()),
        // A charlist needs one spare byte, as in the reference (§4.2 fine print).
        Term::String(s) if out.len() + s.len() < max => {
            out.extend_from_slice(s);
            Ok(())
        }
        Term::List(elems, tail) if depth < IODATA_DEPTH => {
            for e in elems {
                if out.len() >= max {
                    return Err(Fail::Badarg);
                }
                match e {
                    Term::Int(i) if (0..=255).contains(i) => out.push(*i as u8),
                    Term::Binary(b) if out.len() + b.len() <= max => out.extend_from_slice(b),
                    Term::String(_) | Term::List(..) | Term::Nil => flatten(e, max, depth + 1, out)?,
                    _ => return Err(Fail::Badarg),
                }
            }
            match **tail {
                Term::Nil => Ok(()),
                _ => Err(Fail::Badarg),
            }
        }
        _ => Err(Fail::Badarg),
    }
}

/// Bytes up to the first NUL, as C would see them.
fn c_string(mut bytes: Vec<u8>) -> CString {
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(i);
    }
    CString::new(bytes).expect("no interior NUL")
}

/// iodata(max) as a C string (possibly empty).
pub fn cstr(t: &Term, max: usize) -> Arg<CString> {
    iodata(t, max).map(c_string)
}

/// A non-empty iodata(max) as a C string.
pub fn nonempty(t: &Term, max: usize) -> Arg<CString> {
    let b = iodata(t, max)?;
    if b.is_empty() {
        return Err(Fail::Badarg);
    }
    Ok(c_string(b))
}

/// A file system path: non-empty iodata(4095).
pub fn path(t: &Term) -> Arg<CString> {
    nonempty(t, 4095)
}

/// An environment variable name: non-empty iodata(65534).
pub fn name(t: &Term) -> Arg<CString> {
    nonempty(t, 65534)
}

/// An argument or environment vector: `[]` is the NULL vector (`None`).
pub fn argv(t: &Term) -> Arg<Option<Vec<CString>>> {
    match t {
        Term::Nil => Ok(None),
        Term::List(elems, tail) if matches!(**tail, Term::Nil) => {
            let v = elems.iter().map(|e| cstr(e, 65534)).collect::<Arg<Vec<_>>>()?;
            Ok(Some(v))
        }
        _ => Err(Fail::Badarg),
    }
}

/// The value of a constant name in `table`.
pub fn lookup(table: &Table, name: &[u8]) -> Arg<i64> {
    match table.lookup(name) {
        Some(v) => Ok(v),
        None => enotsup(),
    }
}

/// An atom of `table` or a 32-bit integer.
pub fn constant(t: &Term, table: &Table) -> Arg<i32> {
    match t {
        Term::Atom(a) => i32::try_from(lookup(table, a)?).map_err(|_| Fail::Badarg),
        Term::Int(i) => Ok(*i),
        _ => Err(Fail::Badarg),
    }
}

/// An atom of `table` or a 64-bit integer.
pub fn constant64(t: &Term, table: &Table) -> Arg<i64> {
    match t {
        Term::Atom(a) => lookup(table, a),
        Term::Int(i) => Ok(*i as i64),
        Term::Big(Some(v)) => i64::try_from(*v)
            .or_else(|_| u64::try_from(*v).map(|u| u as i64))
            .map_err(|_| Fail::Badarg),
        _ => Err(Fail::Badarg),
    }
}

/// Flags: `[]`, an integer, or a list of atoms of `table` and integers, OR-ed.
pub fn flags(t: &Term, table: &Table) -> Arg<i32> {
    match t {
        Term::Nil => Ok(0),
        Term::Int(i) => Ok(*i),
        Term::String(s) => Ok(s.iter().fold(0, |acc, &b| acc | b as i32)),
        Term::List(elems, tail) if matches!(**tail, Term::Nil) => {
            let mut acc = 0i32;
            for e in elems {
                acc |= match e {
                    Term::Atom(a) => i32::try_from(lookup(table, a)?).map_err(|_| Fail::Badarg)?,
                    Term::Int(i) => *i,
                    _ => return Err(Fail::Badarg),
                };
            }
            Ok(acc)
        }
        _ => Err(Fail::Badarg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::etf::decode;

    fn arg(bytes: &[u8]) -> Term<'_> {
        decode(bytes).unwrap()
    }

    #[test]
    fn iodata_rules() {
        let t = arg(&[131, 107, 0, 3, b'a', b'b', b'c']);
        assert_eq!(iodata(&t, 4).unwrap(), b"abc");
        assert!(iodata(&t, 3).is_err()); // a charlist needs one spare byte
        let b = arg(&[131, 109, 0, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(iodata(&b, 3).unwrap(), b"abc");
        // [1 | 2] is improper
        assert!(iodata(&arg(&[131, 108, 0, 0, 0, 1, 97, 1, 97, 2]), 10).is_err());
        // 300 is not a byte
        assert!(iodata(&arg(&[131, 108, 0, 0, 0, 1, 98, 0, 0, 1, 44, 106]), 10).is_err());
    }

    #[test]
    fn nesting_limit() {
        let nest = |levels: usize| {
            let mut v = vec![131];
            for _ in 0..levels {
                v.extend_from_slice(&[108, 0, 0, 0, 1]);
            }
            v.push(106);
            v.extend(std::iter::repeat_n(106, levels));
            v
        };
        assert!(iodata(&arg(&nest(16)), 10).is_ok());
        assert!(iodata(&arg(&nest(17)), 10).is_err());
    }

    #[test]
    fn integer_widths() {
        assert_eq!(int(&Term::Big(Some(-5))).unwrap(), -5);
        assert!(uint(&Term::Int(-1)).is_err());
        assert!(int(&Term::Big(Some(1 << 31))).is_err());
        assert_eq!(uint64(&Term::Big(Some(u64::MAX as i128))).unwrap(), u64::MAX);
        assert!(int64(&Term::Big(Some(1 << 63))).is_err());
    }
}
