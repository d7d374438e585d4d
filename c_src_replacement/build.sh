#!/bin/sh
# Build glue run by rebar3 (rebar.config pre_hooks/post_hooks), from the
# alcove application directory, also when alcove is a dependency.
#
#   sh c_src_replacement/build.sh         cargo build --release, then install
#                                         target/release/alcove as priv/alcove
#   sh c_src_replacement/build.sh clean   remove priv/alcove
#
# Environment:
#   ALCOVE_SKIP_CARGO=1   do not run cargo; install an already built
#                         target/release/alcove if there is one
#   CARGO                 the cargo command (default: cargo on PATH, else
#                         ~/.cargo/bin/cargo)
#   CARGO_TARGET_DIR      honoured, as cargo does
set -eu

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"

if [ "${1:-}" = clean ]; then
    rm -f priv/alcove
    exit 0
fi

if [ -z "${ALCOVE_SKIP_CARGO:-}" ]; then
    cargo="${CARGO:-}"
    if [ -z "$cargo" ]; then
        if command -v cargo >/dev/null 2>&1; then
            cargo=cargo
        elif [ -x "$HOME/.cargo/bin/cargo" ]; then
            cargo="$HOME/.cargo/bin/cargo"
        else
            echo "alcove: cargo not found (set CARGO, or ALCOVE_SKIP_CARGO=1 with a prebuilt $target/release/alcove)" >&2
            exit 1
        fi
    fi
    "$cargo" build --release --quiet
fi

if [ -f "$target/release/alcove" ]; then
    mkdir -p priv
    # copy then rename, so a running priv/alcove is never overwritten in place
    cp "$target/release/alcove" priv/alcove.new
    mv -f priv/alcove.new priv/alcove
elif [ -z "${ALCOVE_SKIP_CARGO:-}" ]; then
    echo "alcove: $target/release/alcove was not built" >&2
    exit 1
fi
