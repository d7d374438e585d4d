//! Generates the call table from `calls.txt`, the single source of truth for
//! call names, numbers and arities. The Erlang side is generated from the same
//! file (see `bin/gen_erlang.escript`).
use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=calls.txt");
    let text = fs::read_to_string("calls.txt").expect("read calls.txt");
    let mut out = String::from(
        "/// The call table, in call-number order (generated from calls.txt).\n\
         pub static CALLS: [Call; NCALLS] = [\n",
    );
    let mut n = 0usize;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, arity) = line.split_once('/').expect("name/arity");
        let arity: u8 = arity.parse().expect("arity");
        out.push_str(&format!(
            "    Call {{ name: {name:?}, arity: {arity}, handler: crate::sys::{name} }},\n"
        ));
        n += 1;
    }
    out.push_str("];\n");
    out = format!("/// Number of calls in the table.\npub const NCALLS: usize = {n};\n{out}");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("calls.rs");
    fs::write(dest, out).expect("write calls.rs");
}
