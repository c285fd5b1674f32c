#!/usr/bin/env bash
# Benchmark of `fenceline traffic check` (issue 20): one million Zeek conn.log lines (TSV) against
# a 1,000-flow policy (100 zones, 100 assets per zone, examples/gen-policy.rs), with the release
# binary; then two million lines, to show that memory does not grow with the log. Prints
# tab-separated lines: `traffic <lines> <wall s> <peak RSS KB>` (from /usr/bin/time -v).
# The target: under 5 s and 200 MB for one million lines.
#
#   benches/traffic.sh [LINES...]      # default: 1000000 2000000
#   NO_BUILD=1 benches/traffic.sh      # with the release binary already built
set -euo pipefail

cd "$(dirname "$0")/.."
LINES=("${@:-1000000 2000000}")
read -r -a LINES <<<"${LINES[*]}"
WORK=${BENCH_DIR:-/tmp/fenceline-bench-traffic}
mkdir -p "$WORK"

[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet --bin fenceline --example gen-policy
BIN=target/release/fenceline
target/release/examples/gen-policy --zones 100 --assets 100 --flows 1000 -o "$WORK/policy.fence"

echo "# machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(uname -r)"
for n in "${LINES[@]}"; do
  log="$WORK/conn-$n.log"
  # Connections between random assets of the synthetic zones (10.H.L.A), on the ports of the
  # policy's services and a few others: most are denied, some allowed, some of no zone.
  python3 - "$n" >"$log" <<'PY'
import random, sys
n = int(sys.argv[1])
r = random.Random(20)
ports = [502, 4840, 443, 8883, 44818, 102, 2404, 123, 6514, 8005, 9000, 7000, 22, 3389]
out = sys.stdout
out.write("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n")
out.write("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n")
out.write("#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n")
t = 1700000000.0
buf = []
for i in range(n):
    z1, z2 = r.randrange(100), r.randrange(110)
    a1, a2 = r.randrange(1, 101), r.randrange(1, 101)
    p = ports[r.randrange(len(ports))]
    proto = "udp" if p in (123, 9000) else "tcp"
    t += 0.001
    buf.append(f"{t:.6f}\tC{i}\t10.0.{z1}.{a1}\t{40000 + i % 20000}\t10.0.{z2}.{a2}\t{p}\t{proto}\t-\t0.1\t10\t10\tSF\n")
    if len(buf) >= 10000:
        out.write("".join(buf))
        buf = []
out.write("".join(buf))
PY
  /usr/bin/time -v "$BIN" traffic check "$WORK/policy.fence" "$log" --format json >"$WORK/out-$n.json" 2>"$WORK/time-$n.txt" || true
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time-$n.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time-$n.txt")
  printf 'traffic\t%s\t%s\t%s\n' "$n" "$wall" "$rss"
  rm -f "$log"
done
