//! Sockets: socket(2), connect(2).

pending! {
    socket, connect,
}
