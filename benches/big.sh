#!/usr/bin/env bash
# `make bench`, part two: whole runs on synthesized captures, timed with
# /usr/bin/time -v, beside the libpcap floor and (when installed) tshark
# and Suricata. Sizes: BENCH_SIZES (default "100M 1G"); captures are kept
# in BENCH_DIR (target/bench) and reused.
set -euo pipefail
SIZES=${BENCH_SIZES:-100M 1G}
DIR=${BENCH_DIR:-target/bench}
BIN=target/release/otwatch
mkdir -p "$DIR"
row() { printf '| %-34s | %12s | %9s | %8s | %9s |\n' "$@"; }

# A baseline of the same plant learned from another seed's traffic.
if [ ! -s "$DIR/baseline.json" ]; then
  $BIN synth -o "$DIR/learn.pcap" --bytes 64M --seed 2
  $BIN baseline learn "$DIR/learn.pcap" -o "$DIR/baseline.json"
fi

# Runs otwatch analyze; prints a table row from otwatch_stats.log and time -v.
run() { # label threads capture [extra args...]
  local label=$1 threads=$2 cap=$3; shift 3
  local out="$DIR/out"
  rm -rf "$out"
  # The last run's logs (1.2 GB per GB of capture) are written back first:
  # the kernel's writeback would otherwise share the two cores with this
  # run (it moved figures by a third).
  sync
  /usr/bin/time -v $BIN analyze --quiet --threads "$threads" --out "$out" "$@" "$cap" 2> "$DIR/time.txt" || {
    cat "$DIR/time.txt"; exit 1; }
  python3 - "$label" "$threads" "$out/otwatch_stats.log" "$DIR/time.txt" "$(stat -c %s "$cap")" <<'PY'
import json, re, sys
label, threads, stats, timef, size = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
s = json.loads(open(stats).read().splitlines()[-1])
t = open(timef).read()
wall = t.split("Elapsed (wall clock) time (h:mm:ss or m:ss): ")[1].split()[0].split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
pps = s["pkts_proc"] / secs
gbps = s["bytes_recv"] * 8 / secs / 1e9
extra = " (%d evicted)" % s["flows_evicted"] if s["flows_evicted"] else ""
print("| %-34s | %12s | %9s | %8s | %9s |" % (
    "%s, %s thread%s%s" % (label, threads, "s" if threads != "1" else "", extra),
    "{:,}".format(s["pkts_proc"]), "%.2f M" % (pps / 1e6), "%.2f" % gbps, "%.0f MiB" % rss))
PY
}

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
row "run" "packets" "pkts/s" "Gbit/s" "peak RSS"
row "---" "---" "---" "---" "---"
for size in $SIZES; do
  cap="$DIR/plant-$size.pcap"
  [ -s "$cap" ] || $BIN synth -o "$cap" --bytes "$size" --seed 1 2>/dev/null
  floor=$(cargo run -q --release --example pcap_floor -- "$cap")
  echo "| $size: $floor |"
  for t in 1 2; do
    run "$size otwatch, rules + baseline" "$t" "$cap" --rules rules --baseline "$DIR/baseline.json"
  done
  if command -v tshark >/dev/null; then
    s=$(date +%s.%N)
    n=$(tshark -n -r "$cap" -q -Y 'modbus || enip || cip || opcua' -z io,stat,0 2>/dev/null | awk '/<>/ {print $6; exit}')
    e=$(date +%s.%N)
    python3 -c "import sys; n,s=int('${n:-0}'), $e-$s; print('| %-34s | %12s | %9s | %8s | %9s |' % ('$size tshark (OT protocols dissected)', '{:,}'.format(n), '%.2f M' % (n/s/1e6), '-', '-'))"
  fi
  if command -v suricata >/dev/null; then
    rm -rf "$DIR/suricata" && mkdir -p "$DIR/suricata"
    /usr/bin/time -v suricata -r "$cap" -l "$DIR/suricata" --runmode single -k none 2> "$DIR/time.txt" >/dev/null || true
    grep -E "Elapsed|Maximum resident" "$DIR/time.txt" | sed 's/^/  suricata: /'
  fi
done

# The payload prefilter: 5,000 content rules (benches/content_rules.py)
# against none, one worker, on the largest capture; the issue's bound is
# a drop of at most 20 %.
rules5k="$DIR/content-5000.rules"
[ -s "$rules5k" ] || python3 benches/content_rules.py 5000 > "$rules5k"
last=$(echo $SIZES | awk '{print $NF}')
cap="$DIR/plant-$last.pcap"
# Logs go to memory (/dev/shm) so that disk writeback does not blur a
# difference of a few seconds; five runs each, alternating, medians.
secs() { # args...: wall seconds of one run
  local out=/dev/shm/otwatch-bench-out
  rm -rf "$out"
  /usr/bin/time -f %e $BIN analyze --quiet --threads 1 --out "$out" "$@" "$cap" 2>&1 >/dev/null | tail -1
  rm -rf "$out"
}
none=(); many=()
for i in 1 2 3 4 5; do none+=("$(secs --no-rules)"); many+=("$(secs --rules "$rules5k")"); done
python3 -c "
import statistics as s
n = [$(IFS=,; echo "${none[*]}")]; m = [$(IFS=,; echo "${many[*]}")]
print('prefilter, $last, 1 worker, 5 runs: no rules %.2f s (%.2f-%.2f), 5,000 content rules %.2f s (%.2f-%.2f): throughput -%.1f %% (medians)' % (
    s.median(n), min(n), max(n), s.median(m), min(m), max(m), 100 * (1 - s.median(n) / s.median(m))))"

# One million distinct SYN-only flows against a 250,000-flow cap, and at
# the default cap (all live at the end; the issue's bound is 400 MiB).
syn="$DIR/syn-1M.pcap"
[ -s "$syn" ] || $BIN synth -o "$syn" --syn-flows 1000000 2>/dev/null
run "1 M SYN-only flows, cap 250,000" 1 "$syn" --max-flows 250000
run "1 M SYN-only flows, default cap" 2 "$syn"

# Where the CPU goes, per thread, and the performance issue's wall-clock
# targets (a second worker's speed-up, the serial share, the distance to
# the libpcap floor): BENCH_ROUNDS interleaved rounds (default 3) on the
# largest capture, medians and ranges (benches/targets.py).
echo
cargo build -q --release --example pcap_floor
python3 benches/targets.py --rounds "${BENCH_ROUNDS:-3}" --bin "$BIN" \
  --floor target/release/examples/pcap_floor --rules rules \
  --baseline "$DIR/baseline.json" --out "$DIR/out" "$cap"

# Instructions per packet under callgrind: unlike wall time, the count does
# not move with the machine's load, so it tracks each optimisation (one
# worker; 100,000 synthesized packets with rules and the baseline; the
# run's fixed start-up cost is included).
if command -v valgrind >/dev/null; then
  small="$DIR/plant-100k.pcap"
  [ -s "$small" ] || $BIN synth -o "$small" --packets 100000 --seed 3 2>/dev/null
  rm -rf "$DIR/out"
  ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN analyze --quiet --threads 1 \
        --rules rules --baseline "$DIR/baseline.json" --out "$DIR/out" "$small" 2>&1 |
       awk '/Collected/ {print $4}')
  echo "callgrind, 100,000 packets, 1 worker: $ir instructions ($((ir / 100000)) per packet)"
  # Per packet without the start-up (loading the baseline, or 5,000 rules,
  # takes tens of millions): the same run on a 36-packet capture is
  # subtracted (its packets cost ~0.1 M of it).
  one=pcaps/fuzz-72.pcap
  rm -rf "$DIR/out"
  start=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN analyze --quiet --threads 1 \
        --rules rules --baseline "$DIR/baseline.json" --out "$DIR/out" "$one" 2>&1 |
       awk '/Collected/ {print $4}')
  echo "callgrind, the same: $(( (ir - start) / 100000 )) instructions per packet after a start-up of $start"
  for r in "--no-rules" "--rules $rules5k"; do
    ir() { rm -rf "$DIR/out"; valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN analyze \
             --quiet --threads 1 $r --out "$DIR/out" "$1" 2>&1 | awk '/Collected/ {print $4}'; }
    all=$(ir "$small"); start=$(ir "$one")
    echo "callgrind, 100,000 packets, 1 worker, $r: $(( (all - start) / 100000 )) instructions per packet after a start-up of $start"
  done
fi
