#!/usr/bin/env bash
# Run each fuzz target for a bounded time (default 30 s) from the seeds in
# fuzz/seeds/<target>, on the stable toolchain (coverage without a sanitizer).
# Any crash, hang (-timeout) or runaway memory (-rss_limit_mb) fails the run.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet --locked cargo-fuzz
for target in frame args; do
    corpus=$(mktemp -d)
    cp seeds/"$target"/* "$corpus"/
    echo "fuzz: $target for ${secs}s"
    log="$corpus.log"
    status=0
    cargo fuzz run -O -s none "$target" "$corpus" -- \
        -max_total_time="$secs" -timeout=5 -rss_limit_mb=512 -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^(Done|SUMMARY|==[0-9]+==)|panicked|deadly signal|timeout|out-of-memory' "$log" || true
    [ "$status" = 0 ] || tail -40 "$log"
    rm -f "$log"
    rm -rf "$corpus"
    [ "$status" = 0 ] || { echo "fuzz: $target failed"; exit 1; }
done
echo "fuzz: no crash, hang or runaway memory"
