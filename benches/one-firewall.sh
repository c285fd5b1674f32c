#!/usr/bin/env bash
# Benchmarks of issue 18's shape: ONE firewall with one interface per zone (100 zones of three
# networks: an IPv4 /24, a /28 and a host), 64 TCP services and 100,000 distinct zone-to-zone
# flows; then the same shape with 128 services and one million flows, written over include files;
# then zones of many networks (six zones of 1,500 host addresses each); then hostile input at
# scale (a 100 MB policy). benches/run.sh measures the other shape (100
# zones in a chain, ten firewalls and five routers). docs/performance.md records a run.
#
#   benches/one-firewall.sh                 # everything, RUNS=5 runs of each command
#   RUNS=9 benches/one-firewall.sh 100k     # only the 100,000-flow policy
#   benches/one-firewall.sh 1m hostile      # only the million flows and the 100 MB policy
#   benches/one-firewall.sh many            # only zones of many networks (1,500 hosts a zone)
#
# Prints tab-separated lines:
#   cmd   <name>  median-s  [min-s max-s]  median-peak-MB  exit N    whole commands, from
#                                                                    /usr/bin/time -v
#   size  <what>  bytes / lines
# Every policy is generated once by examples/gen-policy.rs (seed 1) into $BENCH_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
PARTS=("${@:-100k 1m many hostile}")
read -r -a PARTS <<<"${PARTS[*]}"
RUNS=${RUNS:-5}
WORK=${BENCH_DIR:-/tmp/fenceline-bench}
mkdir -p "$WORK"

cargo build --release --quiet --bin fenceline --example gen-policy
BIN=$PWD/target/release/fenceline
GEN=$PWD/target/release/examples/gen-policy

echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(uname -r)"
echo "# fenceline $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty')"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# median_of NAME CMD...: runs CMD $RUNS times; prints the median, fastest and slowest wall time,
# the median peak RSS and the last exit code.
median_of() {
    local name=$1
    shift
    local walls=() rsss=() rc=0 log="$WORK/time.log"
    for _ in $(seq "$RUNS"); do
        rc=0
        /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$WORK/stderr.log" || rc=$?
        walls+=("$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log" |
            awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')")
        rsss+=("$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")")
    done
    local w r
    w=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.2f s\t[%.2f %.2f]", a[int((NR + 1) / 2)], a[1], a[NR] }')
    r=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.0f MB", a[int((NR + 1) / 2)] / 1024 }')
    printf 'cmd\t%s\t%s\t%s\texit %s\n' "$name" "$w" "$r" "$rc"
    if [ "$rc" -ne 0 ]; then sed 's/^/#   /' "$WORK/stderr.log" | head -5; fi
}

# "${IN_NETNS[@]}" CMD...: runs CMD in a network namespace of its own (ipsets and tables stay
# out of the host's), created for the call and deleted after it (both are in the time measured,
# a few milliseconds).
IN_NETNS=(sh -c 'ns="fl-bench-$$"; ip netns add "$ns" || exit 1; ip netns exec "$ns" "$@"; rc=$?; ip netns delete "$ns"; exit "$rc"' sh)

# The kernel's own checks of one firewall's files (as root): nft -c -f, and iptables-restore
# --test / ip6tables-restore --test after `ipset restore` of the host's sets when the build
# wrote any (DIR/<device>/ipset.rules).
kernel_checks() {
    local dev=$1
    if [ "$(id -u)" != 0 ]; then
        echo "# kernel checks skipped: need root"
        return
    fi
    if [ -f "$dev/nftables.nft" ] && command -v nft >/dev/null; then
        median_of "nft -c -f ($(grep -c '' "$dev/nftables.nft") lines)" nft -c -f "$dev/nftables.nft"
    fi
    if [ -f "$dev/iptables.rules" ] && command -v iptables-restore >/dev/null; then
        local lines
        lines=$(grep -c '^-A' "$dev/iptables.rules" || true)
        if [ -f "$dev/ipset.rules" ]; then
            if ! command -v ipset >/dev/null; then
                echo "# iptables-restore --test skipped: $dev/ipset.rules needs ipset"
                return
            fi
            median_of "ipset restore + iptables-restore --test ($lines rules, $(grep -c '^add' "$dev/ipset.rules") set elements)" \
                "${IN_NETNS[@]}" sh -c 'ipset restore <"$1" && iptables-restore --test <"$2"' sh "$dev/ipset.rules" "$dev/iptables.rules"
        else
            median_of "iptables-restore --test ($lines rules)" \
                "${IN_NETNS[@]}" sh -c 'iptables-restore --test <"$1"' sh "$dev/iptables.rules"
        fi
        if [ -f "$dev/ip6tables.rules" ]; then
            median_of "ip6tables-restore --test ($(grep -c '^-A' "$dev/ip6tables.rules" || true) rules)" \
                "${IN_NETNS[@]}" sh -c 'ip6tables-restore --test <"$1"' sh "$dev/ip6tables.rules"
        fi
    fi
}

# $CAPPED CMD...: CMD with its address space capped at $MEM_CAP_GB (default 6) GB, so that a
# policy past what the machine can hold ends in an allocation failure, not in the kernel's
# out-of-memory killer choosing among the machine's processes.
CAPPED=(sh -c 'ulimit -v "$1" && shift && exec "$@"' sh "$((${MEM_CAP_GB:-6} * 1024 * 1024))")

sizes() {
    local out=$1
    du -sb "$out" | awk '{ printf "size\tbuild output\t%d bytes\n", $1 }'
    for f in "$out"/fw/*; do
        printf 'size\t%s\t%d bytes, %d lines\n' "${f#"$out"/}" "$(stat -c %s "$f")" "$(grep -c '' "$f")"
    done
}

for part in "${PARTS[@]}"; do
    case $part in
    100k)
        echo "## one firewall, 100 zones x 3 networks, 64 services, 100,000 flows"
        p="$WORK/one100k.fence"
        out="$WORK/one100k-out"
        [ -f "$p" ] || "$GEN" --one-firewall --zones 100 --networks 3 --services 64 --flows 100000 --seed 1 -o "$p"
        printf 'size\tpolicy\t%d bytes\n' "$(stat -c %s "$p")"
        median_of check "$BIN" check "$p" --color never
        # The commands that read the policy alone (the generator writes it formatted).
        median_of "fmt --check" "$BIN" fmt --check "$p" --color never
        median_of "debug ast" "$BIN" debug ast "$p" --color never
        rm -rf "$out"
        median_of "build (all targets)" "$BIN" build "$p" -o "$out" -q --color never
        rm -rf "$out"
        median_of "build (all targets) --no-report" "$BIN" build "$p" -o "$out" -q --color never --no-report
        for t in nftables iptables; do
            rm -rf "$out-$t"
            median_of "build -t $t" "$BIN" build "$p" -o "$out-$t" -t "$t" -q --color never
        done
        rm -rf "$out-nftables" "$out-iptables"
        rm -rf "$out"
        "$BIN" build "$p" -o "$out" -q --color never >/dev/null 2>&1 || true
        sizes "$out"
        kernel_checks "$out/fw"
        median_of verify "$BIN" verify "$p" "$out" --color never
        ;;
    1m)
        echo "## one firewall, 100 zones x 3 networks, 128 services, 1,000,000 flows over 8 include files"
        mkdir -p "$WORK/one1m"
        p="$WORK/one1m/one1m.fence"
        out="$WORK/one1m-out"
        [ -f "$p" ] || "$GEN" --one-firewall --zones 100 --networks 3 --services 128 --flows 1000000 --seed 1 --split 8 -o "$p"
        printf 'size\tpolicy\t%d bytes in %d files (largest %d bytes)\n' "$(cat "$WORK"/one1m/*.fence | wc -c)" \
            "$(ls "$WORK"/one1m/*.fence | wc -l)" "$(ls -S "$WORK"/one1m/*.fence | head -1 | xargs stat -c %s)"
        # One million flows through one firewall is one million device rules: the default cap
        # (--max-rules 1000000) is raised as a user would for a policy this size.
        rm -rf "$out"
        median_of "build (all targets) --max-rules 2000000" "${CAPPED[@]}" "$BIN" build "$p" -o "$out" -q --color never --max-rules 2000000
        sizes "$out"
        rm -rf "$out"
        median_of "build (all targets) --max-rules 2000000 --no-report" "${CAPPED[@]}" "$BIN" build "$p" -o "$out" -q --color never --max-rules 2000000 --no-report
        rm -rf "$out"
        ;;
    many)
        echo "## zones of many networks: one firewall, 6 zones of 3 networks and 1,500 host addresses (none adjacent), 30 flows"
        p="$WORK/many.fence"
        out="$WORK/many-out"
        [ -f "$p" ] || "$GEN" --one-firewall --zones 6 --networks 3 --hosts 1500 --services 5 --flows 30 --seed 1 -o "$p"
        printf 'size\tpolicy\t%d bytes\n' "$(stat -c %s "$p")"
        rm -rf "$out"
        median_of "build (all targets)" "$BIN" build "$p" -o "$out" -q --color never
        sizes "$out"
        kernel_checks "$out/fw"
        for t in nftables iptables; do
            median_of "verify -t $t" "$BIN" verify "$p" "$out" -t "$t" --color never
        done
        rm -rf "$out"
        ;;
    hostile)
        echo "## hostile input: a 100 MB policy over 20 include files (1,000 zones, 2.4 million flows)"
        mkdir -p "$WORK/hostile"
        p="$WORK/hostile/h100m.fence"
        [ -f "$p" ] || "$GEN" --one-firewall --zones 1000 --networks 3 --services 64 --flows 2400000 --seed 1 --split 20 -o "$p"
        printf 'size\tpolicy\t%d bytes in %d files\n' "$(cat "$WORK"/hostile/*.fence | wc -c)" "$(ls "$WORK"/hostile/*.fence | wc -l)"
        median_of "check (100 MB policy)" "${CAPPED[@]}" "$BIN" check "$p" --color never
        median_of "build (100 MB policy)" "${CAPPED[@]}" "$BIN" build "$p" -o "$WORK/hostile-out" -q --color never
        rm -rf "$WORK/hostile-out"
        ;;
    *)
        echo "unknown part $part (100k, 1m, many, hostile)" >&2
        exit 2
        ;;
    esac
done
