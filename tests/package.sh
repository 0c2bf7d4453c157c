#!/usr/bin/env bash
# The Debian package, installed on this machine (as root, as CI runs) and
# checked as an operator would meet it: its size and files, the otwatch
# user and folders, the unit (systemd-analyze verify, and its ExecStart run
# as the unit would: the otwatch user, CAP_NET_RAW only, on an eth1 in a
# network namespace), the man pages, the completions, --version, a run of
# the installed binary on a bundled capture; then removal and purge.
# usage: tests/package.sh target/otwatch_VERSION_ARCH.deb
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:?usage: tests/package.sh PACKAGE.deb}
fail() { echo "package test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i, network namespaces)"
[ -s "$deb" ] || fail "$deb: no such package (make deb)"
if dpkg -s otwatch >/dev/null 2>&1; then
  fail "otwatch is already installed here; this test installs and purges it (dpkg --purge otwatch first)"
fi
# A sensor installed otherwise (make install) shares these paths: the purge
# at the end would take its configuration, baseline, spool and logs.
for p in /etc/otwatch /var/lib/otwatch /var/log/otwatch /etc/systemd/system/otwatch.service \
         /usr/lib/systemd/system/otwatch.service /usr/local/lib/systemd/system/otwatch.service; do
  [ ! -e "$p" ] || fail "$p exists: an otwatch is installed here; this test would remove it"
done
ns=otwatch_pkg_$$
tmp=$(mktemp -d)
chmod 0755 "$tmp"
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  dpkg --purge otwatch >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The package: its size and what it holds.
deb_kib=$(( $(stat -c %s "$deb") / 1024 ))
echo "package: $deb, $deb_kib KiB"
dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|' | sort > "$tmp/contents"
for f in /usr/bin/otwatch /usr/lib/systemd/system/otwatch.service /etc/otwatch/otwatch.toml \
         /etc/otwatch/vars.conf /etc/otwatch/rules/modbus.rules /usr/share/man/man1/otwatch.1.gz \
         /usr/share/man/man1/otwatch-live.1.gz /usr/share/bash-completion/completions/otwatch \
         /usr/share/zsh/vendor-completions/_otwatch /usr/share/doc/otwatch/copyright \
         /usr/share/doc/otwatch/README.md; do
  grep -qx "$f" "$tmp/contents" || fail "$f is not in the package"
done
dpkg-deb --field "$deb" Package Version Depends | sed 's/^/  /'

dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
sed 's/^/  dpkg: /' "$tmp/dpkg.log" | tail -4

# The binary: stripped, within the size bound, linked to what Depends names.
bin_bytes=$(stat -c %s /usr/bin/otwatch)
echo "binary: $((bin_bytes / 1024 / 1024)) MiB ($bin_bytes bytes)"
[ "$bin_bytes" -le $((25 * 1024 * 1024)) ] || fail "/usr/bin/otwatch is over 25 MB"
readelf -S /usr/bin/otwatch >"$tmp/sections"
grep -q '\.symtab' "$tmp/sections" && fail "/usr/bin/otwatch is not stripped"
ldd /usr/bin/otwatch >"$tmp/ldd"
grep -q "not found" "$tmp/ldd" && fail "a library of /usr/bin/otwatch is missing: $(cat "$tmp/ldd")"
version=$(/usr/bin/otwatch --version)
echo "version: $version"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
[[ "$version" == "otwatch $(dpkg-deb --field "$deb" Version) (commit $commit, features: cloudwatch)" ]] ||
  fail "--version says \"$version\""

# The user and its folders; the configuration as conffiles.
getent passwd otwatch | grep -q ':/usr/sbin/nologin$' || fail "no otwatch user with nologin"
for d in /var/lib/otwatch /var/log/otwatch; do
  [ "$(stat -c %U:%a "$d")" = otwatch:750 ] || fail "$d is $(stat -c %U:%a "$d"), not otwatch:750"
done
dpkg-query -W -f='${Conffiles}\n' otwatch | grep -q " /etc/otwatch/otwatch.toml " ||
  fail "/etc/otwatch/otwatch.toml is not a conffile"

# The unit: systemd's own check, and what it grants.
unit=/usr/lib/systemd/system/otwatch.service
systemd-analyze verify "$unit" >"$tmp/verify" 2>&1 || { cat "$tmp/verify"; fail "systemd-analyze verify failed"; }
if grep -i "otwatch" "$tmp/verify"; then fail "systemd-analyze verify complains about the unit"; fi
grep -qx "User=otwatch" "$unit" || fail "the unit does not run as otwatch"
grep -qx "AmbientCapabilities=CAP_NET_RAW" "$unit" || fail "the unit grants more or less than CAP_NET_RAW"
grep -qx "CapabilityBoundingSet=CAP_NET_RAW" "$unit" || fail "the unit's bounding set is not CAP_NET_RAW"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ "$exec_start" == "/usr/bin/otwatch live --config /etc/otwatch/otwatch.toml --quiet" ]] ||
  fail "ExecStart is $exec_start"

# Man pages and completions.
# Outputs go to files first: `a | grep -q` under pipefail fails when grep
# stops reading early.
MANPAGER=cat man -P cat otwatch >"$tmp/man" 2>/dev/null || true
grep -q "otwatch - Passive sensor" "$tmp/man" || fail "man otwatch"
MANPAGER=cat man -P cat otwatch-live >"$tmp/man-live" 2>/dev/null || true
grep -q -- "--interface" "$tmp/man-live" || fail "man otwatch-live"
bash -c 'source /usr/share/bash-completion/completions/otwatch
         COMP_WORDS=(otwatch an); COMP_CWORD=1; COMP_LINE="otwatch an"; COMP_POINT=10
         _otwatch otwatch an otwatch; printf "%s\n" "${COMPREPLY[@]}"' > "$tmp/complete"
grep -qx analyze "$tmp/complete" || fail "bash completion of \"otwatch an\" gave: $(cat "$tmp/complete")"
zsh -n /usr/share/zsh/vendor-completions/_otwatch || fail "the zsh completion does not parse"
head -1 /usr/share/zsh/vendor-completions/_otwatch | grep -q "^#compdef otwatch" || fail "zsh: no #compdef"

# The installed configuration is complete but for the interface, and the
# unit's command starts with it: the otwatch user, CAP_NET_RAW only, on an
# eth1 (a veth in a namespace), until SIGTERM.
/usr/bin/otwatch config check /etc/otwatch/otwatch.toml >"$tmp/check" 2>&1 || true
if grep -v "eth1" "$tmp/check" | grep -q "error"; then cat "$tmp/check"; fail "config check"; fi
ip netns add "$ns"
ip -n "$ns" link add eth1 type veth peer name peer1
ip -n "$ns" link set eth1 up
ip -n "$ns" link set peer1 up
ip netns exec "$ns" setpriv --reuid=otwatch --regid=otwatch --init-groups \
  --inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw \
  $exec_start >"$tmp/unit.out" 2>&1 &
pid=$!
sleep 3
kill -0 "$pid" 2>/dev/null || { cat "$tmp/unit.out"; fail "the unit's command stopped by itself"; }
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"; cat "$tmp/unit.out"; fail "the unit's command did not stop within 30 s of SIGTERM"
fi
wait "$pid" || { cat "$tmp/unit.out"; fail "the unit's command exited non-zero on SIGTERM"; }
[ "$(stat -c %U /var/lib/otwatch/baseline.json 2>/dev/null)" = otwatch ] ||
  { cat "$tmp/unit.out"; fail "the unit's run saved no baseline as otwatch"; }
[ -n "$(find /var/log/otwatch -name 'otwatch_stats*.log' -user otwatch)" ] ||
  fail "the unit's run wrote no stats log as otwatch: $(ls -l /var/log/otwatch)"

# The installed binary on a bundled capture, as the otwatch user.
# A copy: the checkout may sit where the otwatch user cannot read (/root).
install -d -o otwatch "$tmp/out"
install -m 0644 pcaps/modbus_example.pcap "$tmp/modbus_example.pcap"
setpriv --reuid=otwatch --regid=otwatch --init-groups \
  /usr/bin/otwatch analyze --quiet --out "$tmp/out" "$tmp/modbus_example.pcap"
rows=$(wc -l < "$tmp/out/modbus.log")
[ "$rows" -gt 0 ] || fail "the installed binary wrote no modbus.log rows"
echo "installed binary on pcaps/modbus_example.pcap: $rows modbus.log rows"

# Removal keeps the configuration; purge removes it and the sensor's folders.
dpkg -r otwatch >/dev/null
[ ! -e /usr/bin/otwatch ] || fail "dpkg -r left /usr/bin/otwatch"
[ -e /etc/otwatch/otwatch.toml ] || fail "dpkg -r removed the configuration"
dpkg --purge otwatch >/dev/null
[ ! -e /etc/otwatch ] || fail "purge left /etc/otwatch"
[ ! -e /var/lib/otwatch ] || fail "purge left /var/lib/otwatch"
echo "package test: ok"
