#!/usr/bin/env bash
# `make bench-live`: the highest replay rate `otwatch live` takes without
# loss. A synthesized plant capture is replayed with tcpreplay through a
# veth pair between two network namespaces into `otwatch live` (rule pack
# and a baseline), at rising rates, for 1 and 2 workers. For each run it
# prints what tcpreplay sent and what the sensor accounted for: packets
# processed (otwatch_stats.log) and dropped by the kernel or the interface
# (otwatch_capture_loss.log, summed over the run). A run is lossless when
# nothing was dropped and every sent packet was processed. Needs root.
#
# LIVE_RATES: packets/s to try ("topN" = N tcpreplays at once, each at
# --topspeed with the capture preloaded: one tops out near 400 k packets/s
# here, so the sensor is pushed past its lossless rate by several);
# LIVE_PACKETS: size of the replayed capture; LIVE_THREADS: worker counts.
set -euo pipefail
RATES=${LIVE_RATES:-100000 200000 300000 top1 top2 top3}
PACKETS=${LIVE_PACKETS:-300000}
THREADS=${LIVE_THREADS:-1 2}
DIR=${BENCH_DIR:-target/bench}
BIN=$PWD/target/release/otwatch
A=otw_rate_a
B=otw_rate_b
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] || { echo "live_rate.sh needs root (network namespaces)"; exit 1; }
command -v tcpreplay >/dev/null || { echo "live_rate.sh needs tcpreplay (make test-deps)"; exit 1; }

cap="$DIR/live-plant-$PACKETS.pcap"
[ -s "$cap" ] || $BIN synth -o "$cap" --packets "$PACKETS" --seed 1 2>/dev/null
if [ ! -s "$DIR/baseline.json" ]; then
  $BIN synth -o "$DIR/learn.pcap" --bytes 64M --seed 2
  $BIN baseline learn "$DIR/learn.pcap" -o "$DIR/baseline.json"
fi

wire_down() { ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; }
wire_up() {
  wire_down
  ip netns add $A; ip netns add $B
  ip link add veth_a netns $A type veth peer name veth_b netns $B
  for ns in $A $B; do
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  done
  ip -n $A link set veth_a up; ip -n $B link set veth_b up
}
trap wire_down EXIT

# One run; prints a table row and returns 0 when it lost nothing. STALL,
# when set, stops the sensor (SIGSTOP) for that many seconds mid-replay.
run() { # threads rate [sensor args...]
  local threads=$1 rate=$2 out="$DIR/live-out" pids=(); shift 2
  rm -rf "$out"; mkdir -p "$out"
  wire_up
  ip netns exec $B "$BIN" live -i veth_b --out "$out/logs" --threads "$threads" "$@" \
    --rules rules --baseline "$DIR/baseline.json" --stats-interval 1s > /dev/null 2> "$out/stderr" &
  local pid=$!
  for _ in $(seq 100); do grep -q "capturing on" "$out/stderr" 2>/dev/null && break; sleep 0.05; done
  if [[ $rate == top* ]]; then
    for i in $(seq "${rate#top}"); do
      ip netns exec $A tcpreplay -i veth_a --topspeed -K "$cap" > "$out/replay.$i" 2>&1 &
      pids+=($!)
    done
  else
    ip netns exec $A tcpreplay -i veth_a --pps "$rate" "$cap" > "$out/replay.1" 2>&1 &
    pids+=($!)
  fi
  if [ -n "${STALL:-}" ]; then
    sleep 0.3; kill -STOP $pid; sleep "$STALL"; kill -CONT $pid
  fi
  wait "${pids[@]}"
  sleep 1
  kill -TERM $pid; wait $pid || true
  python3 - "$threads" "$rate" "$out" <<'PY'
import json, re, sys
threads, rate, out = sys.argv[1:4]
import glob
replays = [open(f).read() for f in glob.glob(out + "/replay.*")]
sent = sum(int(re.search(r"Actual: (\d+) packets", r).group(1)) for r in replays)
pps = sum(float(re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", r).group(1)) for r in replays)
rows = lambda log: [json.loads(l) for l in open("%s/logs/%s.log" % (out, log))]
loss = rows("otwatch_capture_loss")
kernel = sum(r.get("kernel_dropped", 0) for r in loss)
iface = sum(r.get("interface_dropped", 0) for r in loss)
proc = rows("otwatch_stats")[-1]["pkts_proc"]
ok = kernel == 0 and iface == 0 and proc >= sent
asked = "{:,}".format(int(rate)) if rate.isdigit() else "%s x top speed" % rate[3:]
print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
    threads, asked, "{:,.0f}".format(pps), "{:,}".format(sent), "{:,}".format(proc),
    "{:,}".format(kernel), "{:,}".format(iface), "{:,}".format(sent - proc - kernel - iface),
    "yes" if ok else "no"))
sys.exit(0 if ok else 1)
PY
}

echo
echo "Live capture: $(basename "$cap") replayed into otwatch live (rule pack + baseline) through a veth pair"
echo "| workers | asked pkts/s | replayed pkts/s | sent | processed | kernel dropped | interface dropped | unaccounted | lossless |"
echo "|---|---|---|---|---|---|---|---|---|"
for t in $THREADS; do
  best=""
  for r in $RATES; do
    if run "$t" "$r"; then best=$r; fi
  done
  echo "| $t | highest lossless: ${best:-none} | | | | | | | |"
done

# Past what it can take: the sensor stops for a second (SIGSTOP) during a
# 200,000 packets/s replay, with a 1 MiB kernel buffer; what the buffer
# could not hold is counted as dropped, and sent = processed + dropped.
echo "| 1, stopped for 1 s mid-replay, --buffer-mib 1 | | | | | | | | |"
STALL=1 run 1 200000 --buffer-mib 1 || true
