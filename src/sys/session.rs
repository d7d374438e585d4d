//! Process groups, sessions and scheduling priority.

pending! {
    getpgrp, setpgid, getsid, setsid, getpriority, setpriority,
}
