#!/usr/bin/env python3
"""The performance issue's wall-clock targets, from interleaved rounds.

Usage: targets.py --rounds N --bin OTWATCH --floor PCAP_FLOOR
                  --baseline BASELINE.json --rules RULES_DIR CAPTURE

Each round runs, one after the other: the libpcap read floor, then
otwatch with default logs (`--no-rules`) and with the rule pack and the
baseline, at one and at two workers (`sync` before each, so that the last
run's log writeback does not share the cores). The VM's speed drifts
between rounds by more than most changes, so every figure is the median
(and range) over rounds, and the ratios are taken within a round:

- a second worker's speed-up with rules and a baseline (t1 / t2 wall),
  target >= 1.4x;
- the merge (serial) thread's share of the run's CPU, target <= 15 %;
- two workers with default logs against the floor (t2 / floor), target
  <= 4x. otwatch's time is the whole process's (start-up and exit
  included); the floor's is its read loop alone (as it reports it), so
  the ratio leans high.

Per-thread CPU comes from benches/thread_cpu.py.
"""
import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import thread_cpu  # noqa: E402

MODES = (("default logs", ["--no-rules"]), ("rules + baseline", None))


def floor_secs(floor, cap):
    """Seconds of the floor's read loop, from its own report."""
    out = subprocess.run([floor, cap], check=True, capture_output=True, text=True)
    # "... in 0.72 s: ..."
    return float(out.stdout.split(" in ")[1].split(" s")[0])


def spread(xs, fmt="%.2f", unit=""):
    """The median, its unit, and the range: `3.41 s (3.02-4.10)`."""
    return (fmt + unit.replace("%", "%%") + " (" + fmt + "-" + fmt + ")") % (
        statistics.median(xs),
        min(xs),
        max(xs),
    )


def share(groups, g):
    """Thread group `g`'s percentage of a run's CPU."""
    return 100 * groups.get(g, 0.0) / (sum(groups.values()) or 1.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--out", default="/tmp/otwatch-targets-out")
    ap.add_argument("capture")
    a = ap.parse_args()
    if a.rounds < 1:
        ap.error("--rounds must be at least 1")
    detect = ["--rules", a.rules, "--baseline", a.baseline]
    floors = []
    runs = {}  # (mode, threads) -> [(wall, groups)]
    for _ in range(a.rounds):
        subprocess.run(["sync"], check=True)
        floors.append(floor_secs(a.floor, a.capture))
        for mode, extra in MODES:
            for threads in (1, 2):
                subprocess.run(["rm", "-rf", a.out], check=True)
                subprocess.run(["sync"], check=True)
                cmd = [a.bin, "analyze", "--quiet", "--threads", str(threads)]
                cmd += (extra or detect) + ["--out", a.out, a.capture]
                runs.setdefault((mode, threads), []).append(thread_cpu.measure(cmd))
    subprocess.run(["rm", "-rf", a.out], check=True)

    print("| run (%d interleaved rounds, median (range)) | wall | CPU | share of CPU by thread |" % a.rounds)
    print("|---|---|---|---|")
    print("| libpcap read floor | %s | - | - |" % spread(floors, unit=" s"))
    for (mode, threads), rs in runs.items():
        walls = [w for w, _ in rs]
        totals = [sum(g.values()) or 1.0 for _, g in rs]
        shares = []
        for g in thread_cpu.GROUPS:
            xs = [share(grp, g) for _, grp in rs]
            if any(xs):
                shares.append("%s %s" % (g, spread(xs, "%.0f", " %")))
        print(
            "| %s, %d worker%s | %s | %s | %s |"
            % (
                mode,
                threads,
                "s" if threads > 1 else "",
                spread(walls, unit=" s"),
                spread(totals, unit=" s"),
                ", ".join(shares),
            )
        )

    def walls(mode, threads):
        return [w for w, _ in runs[(mode, threads)]]

    def serial(mode):
        return [share(g, "merge (serial)") for t in (1, 2) for _, g in runs[(mode, t)]]

    speedup = [one / two for one, two in zip(walls("rules + baseline", 1), walls("rules + baseline", 2))]
    speedup_default = [one / two for one, two in zip(walls("default logs", 1), walls("default logs", 2))]
    to_floor = [two / f for two, f in zip(walls("default logs", 2), floors)]
    print()
    print("Targets (median (range) over the rounds):")
    print(
        "- second worker, rules + baseline: %s (target >= 1.4x); default logs: %s"
        % (spread(speedup, unit="x"), spread(speedup_default, unit="x"))
    )
    print(
        "- merge (serial) share of the CPU (1 and 2 workers), rules + baseline: %s (target <= 15 %%); default logs: %s"
        % (spread(serial("rules + baseline"), "%.0f", " %"), spread(serial("default logs"), "%.0f", " %"))
    )
    print(
        "- two workers, default logs, against the floor: %s (target <= 4x)"
        % spread(to_floor, "%.1f", "x")
    )


if __name__ == "__main__":
    main()
