# otwatch — two commands on a fresh Debian/Ubuntu machine:
#   make demo   install what is missing, build (release), analyze the bundled samples
#   make test   install test dependencies, run the whole suite (fmt, clippy, tests, bench smoke)
# Every setup step is idempotent: it checks before it installs.
# Installing: make install (PREFIX, DESTDIR), make deb (a Debian package).

SHELL := /bin/bash
CARGO ?= cargo
JOBS ?= 2
DEMO_OUT ?= demo-logs
SYSTEM_PACKAGES := libpcap-dev
TEST_PACKAGES := libpcap-dev util-linux chromium tcpreplay tcpdump iproute2 python3-venv tshark time \
  man-db systemd zsh
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/otwatch
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DIST := target/dist
MOTO := moto[server]==5.2.5
CFN_LINT := cfn-lint==1.58.0

.PHONY: all deps test-deps build demo test lint unit bench bench-live bench-smoke fuzz fuzz-smoke fuzz-deps clean \
  dist install deb package-test

all: build

# Installs Debian packages that are missing; as non-root prints the one command to run.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "otwatch needs:$$missing"; echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install the Rust toolchain (https://rustup.rs)"; exit 1; }
endef

deps:
	$(call apt_install,$(SYSTEM_PACKAGES))

# Installs the pinned Python package $(2) (distribution $(1)) in .venv-moto,
# making the venv first, unless that version is there.
define venv_pin
	@.venv-moto/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("$(1)") != "$(word 2,$(subst ==, ,$(2)))")' 2>/dev/null || \
	  { echo "installing $(2) in .venv-moto"; { [ -x .venv-moto/bin/python ] || python3 -m venv .venv-moto; } && .venv-moto/bin/pip install -q '$(2)'; }
endef

# The CloudWatch tests start moto_server (a CloudWatch Logs API server)
# from this venv; the CloudFormation test lints with its cfn-lint.
test-deps:
	$(call apt_install,$(TEST_PACKAGES))
	$(call venv_pin,moto,$(MOTO))
	$(call venv_pin,cfn-lint,$(CFN_LINT))

build: deps
	$(CARGO) build --release -j $(JOBS)

demo: build
	@rm -rf $(DEMO_OUT)
	./target/release/otwatch analyze --out $(DEMO_OUT) --report $(DEMO_OUT)/report.html \
	  pcaps/modbus-and-non-modbus-p502.pcap pcaps/modbus_example.pcap \
	  pcaps/enip_cip_example.pcap pcaps/open62541_client-server_mainloop.pcap
	@echo
	@echo "Connections seen (from $(DEMO_OUT)/conn.log):"
	@python3 -c 'import json,sys; rows=[json.loads(l) for l in open(sys.argv[1])]; print("\n".join("  %s:%s -> %s:%s  %s/%s %s %s  %s+%s pkts" % (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["proto"], r.get("service", "-"), r["conn_state"], r.get("history", "-"), r["orig_pkts"], r["resp_pkts"]) for r in rows))' $(DEMO_OUT)/conn.log
	@echo "Logs: $$(ls $(DEMO_OUT) | tr '\n' ' ')"
	@echo
	@echo "Devices (otwatch inventory $(DEMO_OUT)):"
	@./target/release/otwatch inventory $(DEMO_OUT)
	@echo
	@echo "Baseline: learn the plant, then detect what changed:"
	./target/release/otwatch baseline learn pcaps/plant-good.pcap -o $(DEMO_OUT)/baseline.json
	./target/release/otwatch analyze --quiet --baseline $(DEMO_OUT)/baseline.json \
	  --out $(DEMO_OUT)/detect pcaps/plant-anomalies.pcap
	@python3 -c 'import json,sys; [print("  %-8s %-38s %s" % (r["severity"], r["note"], r["msg"])) for r in map(json.loads, open(sys.argv[1]))]' $(DEMO_OUT)/detect/alert.log
	@echo "Network map (Graphviz DOT): ./target/release/otwatch baseline show $(DEMO_OUT)/baseline.json"

lint: test-deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -j $(JOBS) -- -D warnings

# Unit, integration and golden tests, plus every benchmark run once as a
# test (criterion's test mode: proves they work, times nothing). Doc tests
# first, so the run closes on the summary of real tests.
unit: test-deps
	$(CARGO) test --workspace --doc -j $(JOBS)
	$(CARGO) test --workspace --all-targets -j $(JOBS)

bench-smoke: test-deps
	$(CARGO) test --bench pipeline --bench parsers -j $(JOBS)

test: lint unit package-test fuzz-smoke

# What an install holds beside the binary, made by the binary from its own
# command line: man pages, shell completions; and the unit for BINDIR.
dist: build
	rm -rf $(DIST) && mkdir -p $(DIST)/man $(DIST)/completions
	./target/release/otwatch manpages $(DIST)/man >/dev/null
	gzip -9n $(DIST)/man/*.1
	./target/release/otwatch completions bash > $(DIST)/completions/otwatch
	./target/release/otwatch completions zsh > $(DIST)/completions/_otwatch
	./target/release/otwatch completions fish > $(DIST)/completions/otwatch.fish
	sed 's|@BINDIR@|$(BINDIR)|' deploy/otwatch.service > $(DIST)/otwatch.service

# The binary, man pages, completions, the systemd unit, the rule pack, and
# the configuration (never over one already there). The otwatch user and
# its folders are made by the package (make deb), or by hand (docs/install.md).
install: dist
	install -D -m 0755 target/release/otwatch $(DESTDIR)$(BINDIR)/otwatch
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(DIST)/man/*.1.gz $(DESTDIR)$(MANDIR)/man1/
	install -D -m 0644 $(DIST)/completions/otwatch $(DESTDIR)$(DATADIR)/bash-completion/completions/otwatch
	install -D -m 0644 $(DIST)/completions/_otwatch $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_otwatch
	install -D -m 0644 $(DIST)/completions/otwatch.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/otwatch.fish
	install -D -m 0644 $(DIST)/otwatch.service $(DESTDIR)$(UNITDIR)/otwatch.service
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 rules/README.md $(DESTDIR)$(DOCDIR)/rules.md
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(SYSCONFDIR)/otwatch/rules
	for f in rules/*.rules; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/otwatch/$$f ] || install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/otwatch/rules/; done
	[ -e $(DESTDIR)$(SYSCONFDIR)/otwatch/vars.conf ] || \
	  install -m 0644 rules/vars.conf $(DESTDIR)$(SYSCONFDIR)/otwatch/vars.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/otwatch/otwatch.toml ] || \
	  install -m 0644 deploy/otwatch.toml $(DESTDIR)$(SYSCONFDIR)/otwatch/otwatch.toml

# A Debian package of `make install` under /usr (deploy/debian: control,
# maintainer scripts); the files under /etc are its conffiles.
DEB_ROOT := target/deb/otwatch
deb:
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr SYSCONFDIR=/etc
	install -D -m 0644 deploy/debian/copyright $(DEB_ROOT)/usr/share/doc/otwatch/copyright
	install -d $(DEB_ROOT)/DEBIAN
	install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm $(DEB_ROOT)/DEBIAN/
	(cd $(DEB_ROOT) && find etc -type f | sort | sed 's|^|/|') > $(DEB_ROOT)/DEBIAN/conffiles
	sed -e 's/@VERSION@/$(VERSION)/' -e "s/@ARCH@/$$(dpkg --print-architecture)/" \
	  -e "s/@SIZE@/$$(du -sk --exclude=DEBIAN $(DEB_ROOT) | cut -f1)/" \
	  deploy/debian/control > $(DEB_ROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEB_ROOT) target/otwatch_$(VERSION)_$$(dpkg --print-architecture).deb
	@ls -l target/otwatch_$(VERSION)_*.deb

# Installs the package on this machine, checks it (files, user, unit,
# man page, completions, a run of the installed binary) and purges it.
package-test: test-deps deb
	bash tests/package.sh target/otwatch_$(VERSION)_$$(dpkg --print-architecture).deb

# Criterion benchmarks (parsers, pipeline on modbusBig and on a synthesized
# plant), then whole runs on synthesized 100 MB and 1 GB captures with peak
# RSS, beside the libpcap floor and tshark (benches/big.sh; BENCH_SIZES to
# change the sizes, e.g. "100M 1G 4G").
bench: build
	$(call apt_install,time valgrind tcpreplay iproute2)
	$(CARGO) bench --bench pipeline --bench parsers
	bash benches/big.sh
	bash benches/live_rate.sh

# The live zero-loss rate alone (root: network namespaces).
bench-live: build
	$(call apt_install,tcpreplay iproute2)
	bash benches/live_rate.sh

# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the six
# protocol parsers, the rule language, the configuration and baseline files
# and the whole pipeline fed pcap bytes: FUZZ_SECONDS per target, one line of
# figures each (fuzz/campaign.sh). `make test` runs fuzz-smoke: each target
# briefly, so a target that stopped building or crashes on its seeds fails CI.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps fuzz-deps
	bash fuzz/campaign.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: deps fuzz-deps
	bash fuzz/campaign.sh 5

fuzz-deps:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked

clean:
	$(CARGO) clean
	rm -rf $(DEMO_OUT) otwatch-logs
