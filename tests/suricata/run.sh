#!/bin/sh
# Runs Suricata on every bundled capture with the rules of this folder and
# writes golden/<capture>.counts: one "sid count" line per rule (0 included),
# sorted by sid, counting the alerts of eve.json; "sid refused" for a rule
# Suricata could not load (it says why on stderr, and run.sh repeats it).
#
#   tests/suricata/run.sh /path/to/suricata        # rewrites golden/
#   tests/suricata/run.sh /path/to/suricata OUTDIR # writes OUTDIR instead
#
# Needs jq. tests/suricata/README.md says which Suricata made the files.
set -eu

suricata=${1:?usage: run.sh SURICATA [OUTDIR]}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${2:-$here/golden}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# All the rules of the folder, in one file (Suricata's -S takes one).
cat "$here"/rules/*.rules > "$work/all.rules"
sids=$(sed -n 's/.*[;( ]sid: *\([0-9]*\);.*/\1/p' "$work/all.rules" | sort -n)

mkdir -p "$out"
for pcap in "$repo"/pcaps/*.pcap "$repo"/pcaps/*.pcapng "$repo"/pcaps/attacks/*.pcap; do
    name=$(basename "$pcap")
    log="$work/$name"
    mkdir -p "$log"
    "$suricata" -c "$here/suricata.yaml" -S "$work/all.rules" -r "$pcap" \
        -l "$log" -k none --runmode single >"$log/stdout" 2>&1 || {
        cat "$log/stdout" >&2
        echo "run.sh: suricata failed on $name" >&2
        exit 1
    }
    touch "$log/eve.json"
    sed -n 's/.*error parsing signature.*sid: *\([0-9]*\);.*/\1/p' "$log/stdout" > "$log/refused"
    if [ -z "${told:-}" ]; then
        grep -B1 'error parsing signature' "$log/stdout" >&2 || true
        told=1
    fi
    jq -r 'select(.event_type == "alert") | .alert.signature_id' "$log/eve.json" \
        | sort -n | uniq -c | awk '{print $2, $1}' > "$log/hits"
    for sid in $sids; do
        if grep -qx "$sid" "$log/refused"; then
            echo "$sid refused"
            continue
        fi
        n=$(awk -v s="$sid" '$1 == s {print $2}' "$log/hits")
        echo "$sid ${n:-0}"
    done > "$out/$name.counts"
done
echo "run.sh: $(ls "$out" | wc -l) count files in $out"
