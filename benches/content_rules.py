#!/usr/bin/env python3
"""Writes N Suricata content rules for the prefilter benchmark (benches/big.sh).

The rules look like a community ICS/IT set: a fast pattern of 5 to 16
bytes (text words, binary strings, some nocase), often a second content
placed with distance/within, some offset/depth, some pcre, byte_test or
isdataat after the pattern, over tcp and udp with the ports of the
plant's protocols or any. Patterns are drawn from a fixed seed, so the
file is the same on every machine; few of them occur in synthesized
traffic, as few community rules fire on a plant's normal traffic: what is
measured is the cost of looking.

usage: content_rules.py COUNT [SEED] > content.rules
"""
import random
import sys

WORDS = [
    "admin", "passwd", "login", "shell", "exec", "upload", "firmware", "debug",
    "config", "reboot", "backdoor", "cmd.exe", "/bin/sh", "wget ", "curl ",
    "SELECT ", "UNION", "<script", "powershell", "mimikatz", "nc -e", "tftp",
    "STOR ", "RETR ", "USER ", "PASS ", "SITE ", "HTTP/1.", "User-Agent",
]


def pattern(rng):
    if rng.random() < 0.35:
        w = rng.choice(WORDS) + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(rng.randint(2, 8)))
        return '"%s"' % w.replace('"', "").replace(";", ""), True
    n = rng.randint(5, 16)
    b = bytes(rng.randrange(256) for _ in range(n))
    return '"|%s|"' % " ".join("%02x" % x for x in b), False


def rule(rng, sid):
    proto, port = rng.choice([("tcp", "502"), ("tcp", "44818"), ("tcp", "4840"), ("udp", "2222"), ("tcp", "any"), ("udp", "any")])
    opts = []
    pat, text = pattern(rng)
    opts.append("content:%s" % pat)
    if text and rng.random() < 0.5:
        opts.append("nocase")
    r = rng.random()
    if r < 0.2:
        opts.append("offset:%d" % rng.randint(0, 8))
        opts.append("depth:%d" % rng.randint(20, 64))
    if rng.random() < 0.3:
        p2, _ = pattern(rng)
        opts.append("content:%s" % p2)
        opts.append("distance:%d" % rng.randint(0, 4))
        opts.append("within:%d" % rng.randint(40, 80))
    r = rng.random()
    if r < 0.05:
        opts.append('pcre:"/[a-z]{3,}\\d+/Ri"')
    elif r < 0.10:
        opts.append("byte_test:2,>,%d,0,relative" % rng.randint(100, 60000))
    elif r < 0.15:
        opts.append("isdataat:%d,relative" % rng.randint(1, 32))
    flow = rng.choice(["flow:to_server,established; ", "flow:to_client; ", ""]) if proto == "tcp" else ""
    return 'alert %s any any -> any %s (msg:"bench content %d"; %s%s; classtype:misc-activity; sid:%d; rev:1;)' % (
        proto, port, sid, flow, "; ".join(opts), sid)


def main():
    count = int(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 21)
    for i in range(count):
        print(rule(rng, 8_000_000 + i))


main()
