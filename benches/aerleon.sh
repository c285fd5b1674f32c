#!/usr/bin/env bash
# fenceline against Aerleon 1.18 on the same policy, whole commands, alternately.
#
#   benches/aerleon.sh                  # 50,000 flows, nftables, RUNS=5 runs of each
#   RUNS=9 FLOWS=10000 benches/aerleon.sh
#   TARGET=iptables benches/aerleon.sh
#   NO_REPORT=1 benches/aerleon.sh      # fenceline without its report, as Aerleon writes none
#
# Installs the latest Aerleon 1.18 from PyPI into a virtual environment ($AERLEON_VENV, default
# target/aerleon-venv) unless it is there, then generates both policies with ONE generator
# (examples/gen-policy.rs --one-firewall --aerleon): 100 zones of three networks (an IPv4 /24, a
# /28 and a host), 64 TCP services and FLOWS distinct zone-to-zone flows; for fenceline one
# firewall with an interface per zone and a conduit per pair of zones, for Aerleon the networks
# and services as definitions (def/NETWORK.net, def/SERVICES.svc) and one filter of one term per
# flow, in the same order. Both compile to the same target: nftables by default (both write one
# nftables ruleset for the firewall; TARGET=iptables compares the iptables generators).
#
# The two whole commands (`fenceline build -t TARGET` and `aclgen`) then run in turn, A B A B ...,
# RUNS times each after one warm-up run of each; printed: every run, the medians of wall time and
# peak RSS, and the ratio of the medians (Aerleon / fenceline) with the median of the pairwise
# ratios.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FLOWS=${FLOWS:-50000}
TARGET=${TARGET:-nftables}
WORK=${BENCH_DIR:-/tmp/fenceline-bench}/aerleon-$FLOWS-$TARGET
VENV=${AERLEON_VENV:-$PWD/target/aerleon-venv}

if [ ! -x "$VENV/bin/aclgen" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'aerleon==1.18.*'
fi
AERLEON_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("aerleon"))')

cargo build --release --quiet --bin fenceline --example gen-policy
BIN=$PWD/target/release/fenceline
GEN=$PWD/target/release/examples/gen-policy

rm -rf "$WORK"
mkdir -p "$WORK"
"$GEN" --one-firewall --zones 100 --networks 3 --services 64 --flows "$FLOWS" --seed 1 \
    -o "$WORK/fenceline/one-firewall.fence" --aerleon "$WORK/aerleon" --aerleon-target "$TARGET"

echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(uname -r)"
echo "# fenceline $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+dirty'), aerleon $AERLEON_VERSION, python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')"
echo "# $FLOWS flows, target $TARGET$([ "${NO_REPORT:-0}" = 1 ] && echo ", fenceline --no-report"), $RUNS runs each, load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# NO_REPORT=1: `build --no-report`, the firewall's files only, as Aerleon writes (fenceline
# otherwise also writes its conformance report in three forms).
fenceline_cmd=("$BIN" build "$WORK/fenceline/one-firewall.fence" -o "$WORK/fenceline/out" -t "$TARGET" -q --color never)
if [ "${NO_REPORT:-0}" = 1 ]; then
    fenceline_cmd+=(--no-report)
fi
aerleon_cmd=(sh -c 'cd "$1" && exec "$2/bin/aclgen" --base_directory=policies --definitions_directory=def --output_directory=out' sh "$WORK/aerleon" "$VENV")

# timed NAME CMD...: one run; appends "wall peak-KB" to $WORK/NAME.times.
timed() {
    local name=$1
    shift
    local rc=0
    /usr/bin/time -f '%e %M' -o "$WORK/time.log" "$@" >"$WORK/$name.out" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "$name failed (exit $rc):" >&2
        tail -5 "$WORK/$name.out" >&2
        exit 1
    fi
    cat "$WORK/time.log" >>"$WORK/$name.times"
}

# The warm-up run of each, which also shows what each one wrote.
timed fenceline "${fenceline_cmd[@]}"
timed aerleon "${aerleon_cmd[@]}"
rm -f "$WORK"/*.times
case $TARGET in
nftables)
    f_out=$WORK/fenceline/out/fw/nftables.nft
    a_out=$(ls "$WORK"/aerleon/out/*.nft)
    ;;
iptables)
    f_out=$WORK/fenceline/out/fw/iptables.rules
    a_out=$(ls "$WORK"/aerleon/out/*.ipt)
    ;;
esac
printf 'output\tfenceline\t%s\t%d bytes, %d lines\n' "${f_out#"$WORK"/}" "$(stat -c %s "$f_out")" "$(grep -c '' "$f_out")"
printf 'output\taerleon\t%s\t%d bytes, %d lines\n' "${a_out#"$WORK"/}" "$(stat -c %s "$a_out")" "$(grep -c '' "$a_out")"

for i in $(seq "$RUNS"); do
    timed fenceline "${fenceline_cmd[@]}"
    timed aerleon "${aerleon_cmd[@]}"
    printf 'run\t%d\tfenceline %s s\taerleon %s s\n' "$i" \
        "$(tail -1 "$WORK/fenceline.times" | cut -d' ' -f1)" "$(tail -1 "$WORK/aerleon.times" | cut -d' ' -f1)"
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for name in fenceline aerleon; do
    printf 'median\t%s\t%s s\t%d MB\n' "$name" "$(cut -d' ' -f1 "$WORK/$name.times" | median)" \
        "$(($(cut -d' ' -f2 "$WORK/$name.times" | median) / 1024))"
done
f=$(cut -d' ' -f1 "$WORK/fenceline.times" | median)
a=$(cut -d' ' -f1 "$WORK/aerleon.times" | median)
pairwise=$(paste -d' ' "$WORK/aerleon.times" "$WORK/fenceline.times" | awk '{ printf "%.2f\n", $1 / $3 }' | median)
awk -v a="$a" -v f="$f" -v p="$pairwise" 'BEGIN { printf "ratio\taerleon / fenceline\t%.1f (medians)\t%.1f (median of pairs)\n", a / f, p }'
