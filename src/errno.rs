//! errno values and their posix atoms: the one place where an OS error
//! becomes the term Erlang sees (PROTOCOL.md §8, with §11: 120 is `eisnam`).

/// `(errno, atom)` for Linux x86_64, ascending.
static TABLE: &[(i32, &str)] = &[
    (1, "eperm"),
    (2, "enoent"),
    (3, "esrch"),
    (4, "eintr"),
    (5, "eio"),
    (6, "enxio"),
    (7, "e2big"),
    (8, "enoexec"),
    (9, "ebadf"),
    (10, "echild"),
    (11, "eagain"),
    (12, "enomem"),
    (13, "eacces"),
    (14, "efault"),
    (15, "enotblk"),
    (16, "ebusy"),
    (17, "eexist"),
    (18, "exdev"),
    (19, "enodev"),
    (20, "enotdir"),
    (21, "eisdir"),
    (22, "einval"),
    (23, "enfile"),
    (24, "emfile"),
    (25, "enotty"),
    (26, "etxtbsy"),
    (27, "efbig"),
    (28, "enospc"),
    (29, "espipe"),
    (30, "erofs"),
    (31, "emlink"),
    (32, "epipe"),
    (33, "edom"),
    (34, "erange"),
    (35, "edeadlk"),
    (36, "enametoolong"),
    (37, "enolck"),
    (38, "enosys"),
    (39, "enotempty"),
    (40, "eloop"),
    (42, "enomsg"),
    (43, "eidrm"),
    (44, "echrng"),
    (45, "el2nsync"),
    (46, "el3hlt"),
    (47, "el3rst"),
    (48, "elnrng"),
    (49, "eunatch"),
    (50, "enocsi"),
    (51, "el2hlt"),
    (52, "ebade"),
    (53, "ebadr"),
    (54, "exfull"),
    (55, "enoano"),
    (56, "ebadrqc"),
    (57, "ebadslt"),
    (59, "ebfont"),
    (60, "enostr"),
    (61, "enodata"),
    (62, "etime"),
    (63, "enosr"),
    (64, "enonet"),
    (65, "enopkg"),
    (66, "eremote"),
    (67, "enolink"),
    (68, "eadv"),
    (69, "esrmnt"),
    (70, "ecomm"),
    (71, "eproto"),
    (72, "emultihop"),
    (73, "edotdot"),
    (74, "ebadmsg"),
    (75, "eoverflow"),
    (76, "enotuniq"),
    (77, "ebadfd"),
    (78, "eremchg"),
    (79, "elibacc"),
    (80, "elibbad"),
    (81, "elibscn"),
    (82, "elibmax"),
    (83, "elibexec"),
    (87, "eusers"),
    (88, "enotsock"),
    (89, "edestaddrreq"),
    (90, "emsgsize"),
    (91, "eprototype"),
    (92, "enoprotoopt"),
    (93, "eprotonosupport"),
    (94, "esocktnosupport"),
    (95, "enotsup"),
    (96, "epfnosupport"),
    (97, "eafnosupport"),
    (98, "eaddrinuse"),
    (99, "eaddrnotavail"),
    (100, "enetdown"),
    (101, "enetunreach"),
    (102, "enetreset"),
    (103, "econnaborted"),
    (104, "econnreset"),
    (105, "enobufs"),
    (106, "eisconn"),
    (107, "enotconn"),
    (108, "eshutdown"),
    (109, "etoomanyrefs"),
    (110, "etimedout"),
    (111, "econnrefused"),
    (112, "ehostdown"),
    (113, "ehostunreach"),
    (114, "ealready"),
    (115, "einprogress"),
    (116, "estale"),
    (117, "euclean"),
    (118, "enotnam"),
    (119, "enavail"),
    (120, "eisnam"),
    (121, "eremoteio"),
    (122, "edquot"),
    (130, "eownerdead"),
    (131, "enotrecoverable"),
];

/// The posix atom of an errno value; `unknown` for 0, negatives and unmapped values.
pub fn atom(errno: i32) -> &'static str {
    match TABLE.binary_search_by_key(&errno, |&(n, _)| n) {
        Ok(i) => TABLE[i].1,
        Err(_) => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::atom;

    #[test]
    fn known_and_unknown() {
        assert_eq!(atom(1), "eperm");
        assert_eq!(atom(libc::EWOULDBLOCK), "eagain");
        assert_eq!(atom(libc::EOPNOTSUPP), "enotsup");
        assert_eq!(atom(libc::EDEADLOCK), "edeadlk");
        assert_eq!(atom(120), "eisnam");
        assert_eq!(atom(131), "enotrecoverable");
        for n in [0, -1, 41, 58, 84, 85, 86, 123, 129, 132, 133, 500] {
            assert_eq!(atom(n), "unknown", "errno {n}");
        }
    }
}
