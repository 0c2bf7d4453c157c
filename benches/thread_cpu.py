#!/usr/bin/env python3
"""Runs a command and reports the CPU time of each of its threads.

Usage: thread_cpu.py LABEL -- COMMAND [ARGS...]

Polls /proc/PID/task/*/stat every 20 ms and keeps each thread's last
user + system time (a thread's figures vanish when it exits, so the last
poll before that stands for it: up to 20 ms of a thread's time may be
missed). Prints one markdown row: wall time, total CPU, and each thread
group's share of the total (the capture thread is the main thread; the
serial thread is otwatch-merge; otwatch-disk hands the log files'
buffers to the kernel).
"""
import os
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid, seen):
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        seen[tid] = (name, cpu)


def group(name):
    if name.startswith("otwatch-worker"):
        return "workers"
    if name == "otwatch-merge":
        return "merge (serial)"
    if name == "otwatch":
        return "capture"
    if name == "otwatch-disk":
        return "disk writes"
    return "other"


def measure(cmd):
    """Runs `cmd`; returns its wall time and the CPU seconds of each
    thread group (exits with the command's status when it fails)."""
    seen = {}
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while p.poll() is None:
        sample(p.pid, seen)
        time.sleep(0.02)
    wall = time.monotonic() - start
    if p.returncode != 0:
        sys.stderr.write(p.stderr.read().decode())
        sys.exit(p.returncode)
    groups = {}
    for name, cpu in seen.values():
        groups[group(name)] = groups.get(group(name), 0.0) + cpu
    return wall, groups


GROUPS = ("capture", "workers", "merge (serial)", "disk writes", "other")


def main():
    label = sys.argv[1]
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    wall, groups = measure(cmd)
    total = sum(groups.values()) or 1.0
    shares = ", ".join(
        "%s %.0f %%" % (g, 100 * groups[g] / total) for g in GROUPS if g in groups
    )
    print("| %s | %.2f s | %.2f s | %s |" % (label, wall, total, shares))


if __name__ == "__main__":
    main()
