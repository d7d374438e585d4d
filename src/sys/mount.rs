//! Mounts and roots: mount(2), umount(2), umount2(2), pivot_root(2).

pending! {
    mount, umount, umount2, pivot_root,
}
