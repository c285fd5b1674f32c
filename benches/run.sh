#!/usr/bin/env bash
# Benchmarks of fenceline at 1k, 10k and 100k flows (100 zones, 100 assets per zone), with the
# release binary. Prints tab-separated lines; docs/performance.md records a run and how to read it.
# Issue 18's shape (one firewall, 100 zones of three networks) is benches/one-firewall.sh; the
# comparison with Aerleon is benches/aerleon.sh.
#
#   benches/run.sh [SIZES...]          # default: 1000 10000 100000
#   RUNS=5 benches/run.sh 100000       # best of 5 for the whole-command timings
#
# Per size:
#   pass   <name>  ms  detail      each pass in process (examples/bench-passes.rs)
#   cmd    <name>  s   peak-KB     whole commands, wall time and peak RSS from /usr/bin/time -v
#                                  (best wall time of $RUNS runs, peak RSS of that run)
# Commands: check, build (all targets), build per target, nft -c -f on every generated
# nftables.nft (as root; all devices in sequence, and the largest one alone), diff against the
# policy with every 1000th flow removed, verify of the build directory, and check of a policy
# whose N flows all join the same two zones (the redundancy check's worst case).
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES=("${@:-1000 10000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"
RUNS=${RUNS:-3}
WORK=${BENCH_DIR:-/tmp/fenceline-bench}
mkdir -p "$WORK"

cargo build --release --quiet --bin fenceline --example gen-policy --example bench-passes
BIN=target/release/fenceline
GEN=target/release/examples/gen-policy
PASSES=target/release/examples/bench-passes

echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(uname -r)"
echo "# fenceline $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')"

# best_of NAME CMD...: runs CMD $RUNS times, prints the fastest wall time and its peak RSS.
best_of() {
    local name=$1
    shift
    local best="" best_rss="" rc=0
    for _ in $(seq "$RUNS"); do
        local log="$WORK/time.log"
        rc=0
        /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$WORK/stderr.log" || rc=$?
        local wall rss
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
        if [ -z "$best" ] || awk "BEGIN { exit !($wall < $best) }"; then
            best=$wall
            best_rss=$rss
        fi
    done
    printf 'cmd\t%s\t%s\t%s KB\texit %s\n' "$name" "$best" "$best_rss" "$rc"
}

for n in "${SIZES[@]}"; do
    echo "## flows=$n"
    policy="$WORK/p$n.fence"
    newer="$WORK/p$n-new.fence"
    out="$WORK/out$n"
    [ -f "$policy" ] || "$GEN" --zones 100 --assets 100 --flows "$n" -o "$policy"
    # The "new" version for diff: every 1000th flow removed.
    awk '/^[[:space:]]*allow / { if (++k % 1000 == 0) next } { print }' "$policy" >"$newer"

    "$PASSES" "$policy" --lint-rules | sed 's/^/pass\t/'

    best_of check "$BIN" check "$policy" --color never
    rm -rf "$out"
    best_of build "$BIN" build "$policy" -o "$out" -q --color never
    for t in nftables iptables cisco-ios; do
        best_of "build -t $t" "$BIN" build "$policy" -o "$WORK/out$n-$t" -t "$t" -q --color never
    done
    rm -rf "$out"
    "$BIN" build "$policy" -o "$out" -q --color never >/dev/null 2>&1 || true
    best_of diff "$BIN" diff "$policy" "$newer" --color never
    best_of verify "$BIN" verify "$policy" "$out" --color never

    if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
        mapfile -t files < <(ls -S "$out"/*/nftables.nft 2>/dev/null)
        if [ "${#files[@]}" -gt 0 ]; then
            best_of "nft -c -f (largest: ${files[0]#"$out"/}, $(grep -c '' "${files[0]}") lines)" nft -c -f "${files[0]}"
            best_of "nft -c -f (all ${#files[@]} devices, in sequence)" sh -c 'for f; do nft -c -f "$f" || exit 1; done' sh "${files[@]}"
        fi
    else
        echo "# nft -c -f skipped: needs root and nft"
    fi
    du -sk "$out" | awk '{ printf "size\tbuild output\t%s KB\n", $1 }'

    # The redundancy check's worst case: every flow between the same two zones, one port each
    # (a pairwise comparison would grow with the square of the flows).
    pair="$WORK/pair$n.fence"
    if [ ! -f "$pair" ]; then
        {
            printf 'policy "one-pair" {}\n'
            printf 'zone a { level 3  sl-target 2  network 10.1.0.0/16 }\n'
            printf 'zone b { level 2  sl-target 2  network 10.2.0.0/16 }\n'
            printf 'conduit ab {\n  connects a, b\n'
            awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "  allow a -> b %s/%d\n", (i < 65535 ? "tcp" : "udp"), 1 + i % 65535 }'
            printf '}\n'
        } >"$pair"
    fi
    best_of "check (one zone pair, $n port flows)" "$BIN" check "$pair" --color never
done
