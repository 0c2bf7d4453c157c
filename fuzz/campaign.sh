#!/usr/bin/env bash
# Runs coverage-guided fuzzing campaigns and prints one line of figures per
# target (executions, coverage, corpus, crashes).
#
#   fuzz/campaign.sh SECONDS [TARGET...]     (default: every target)
#
# Parser targets live in parsers/fuzz (the otwatch-parsers crate alone);
# the rule language, configuration, baseline and whole-pipeline targets in
# fuzz/ (the otwatch crate without the AWS SDK). Corpora grow in
# <crate>/fuzz/corpus/TARGET, seeded from the test vectors and the bundled
# captures; crashes land in <crate>/artifacts/TARGET and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:?usage: fuzz/campaign.sh SECONDS [TARGET...]}
shift
all=(modbus_adu enip_packet opcua_chunk s7_packet dcerpc_pdu profinet_frame rules_text config_file baseline_file pipeline_pcap)
targets=("${@:-${all[@]}}")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

crate_of() {
  case $1 in
    modbus_adu|enip_packet|opcua_chunk|s7_packet|dcerpc_pdu|profinet_frame) echo parsers/fuzz ;;
    rules_text|config_file|baseline_file|pipeline_pcap) echo fuzz ;;
    *) echo "unknown fuzz target: $1 (known: ${all[*]})" >&2; exit 2 ;;
  esac
}

# Seeds: the committed vectors, plus files of the repository for the
# targets that read them (rules, configuration, captures up to 64 KiB).
seed() {
  local t=$1 dir=$2
  mkdir -p "$dir"
  case $t in
    rules_text) cp rules/*.rules "$dir/" ;;
    config_file) cp deploy/otwatch.toml "$dir/" ;;
    pipeline_pcap)
      find pcaps -name '*.pcap*' -size -64k -exec cp {} "$dir/" \; ;;
  esac
}

# Each crate is built once (all its targets), then the binaries run
# directly, so a long campaign does not rebuild when the tree changes.
# FUZZ_NO_BUILD=1 runs what is already built.
built=""
build() {
  local crate=$1
  case " $built " in *" $crate "*) return ;; esac
  if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    echo "building the fuzz targets of $crate" >&2
    (cd "$root/$crate" && RUSTC_BOOTSTRAP=1 cargo fuzz build) >&2 || exit 1
  fi
  built="$built $crate"
}

status=0
for t in "${targets[@]}"; do
  crate=$(crate_of "$t")
  corpus=$root/$crate/corpus/$t
  [ -d "$corpus" ] || seed "$t" "$corpus"
  seeds=()
  [ -d "$root/$crate/seeds/$t" ] && seeds=("$root/$crate/seeds/$t")
  log=$root/$crate/fuzz-$t.log
  extra=()
  [ "$t" = pipeline_pcap ] && extra=(-max_len=16384 -timeout=10)
  echo "fuzzing $t for ${seconds}s (log: $log)" >&2
  build "$crate"
  bin=$root/$crate/target/x86_64-unknown-linux-gnu/release/$t
  mkdir -p "$root/$crate/artifacts/$t"
  if "$bin" -artifact_prefix="$root/$crate/artifacts/$t/" -max_total_time="$seconds" \
        -print_final_stats=1 "${extra[@]}" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    crashes=0
  else
    crashes=1
    status=1
  fi
  execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  last=$(grep -aE '#[0-9]+.*(cov|DONE)' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)
  units=$(ls "$corpus" | wc -l)
  printf '%-14s %6ss  executions %-11s coverage %-6s features %-7s corpus %-6s crashes %s\n' \
    "$t" "$seconds" "$execs" "$cov" "$ft" "$units" "$crashes"
  [ $crashes = 0 ] || grep -aE 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2
done
exit $status
