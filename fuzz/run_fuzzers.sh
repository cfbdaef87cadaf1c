#!/usr/bin/env bash
# Runs every libFuzzer harness of fuzz/harnesses.txt for SECONDS each, one after the other (the
# machine's cores are shared), with its seeds and dictionary; used by `make fuzz-smoke` (20 s) and
# `make fuzz` (FUZZ_SECONDS, default 600). Needs build/fuzz built and fuzz/make_corpus.sh run.
#
# Usage: fuzz/run_fuzzers.sh SECONDS [HARNESS...]     (default: every harness)
# Per harness, under build/fuzz/:
#   work/<h>/       inputs libFuzzer found new coverage with (kept between runs; safe to delete)
#   artifacts/<h>/  crash-*, leak-*, timeout-*, oom-* inputs when something was found
#   logs/<h>.log    libFuzzer's output (the stack trace of a finding is here)
# Prints a table (executions, exec/s, coverage, corpus, result) and writes it to
# build/fuzz/summary.txt. Exit status: 0 when no harness found anything, 1 otherwise.
#
# Limits per input: -timeout=25 s, -rss_limit_mb=2048, -malloc_limit_mb=1100 (just above the
# engine's own 1 GiB kMaxObjectBytes: any single allocation beyond the engine's documented
# bound is a finding).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER="${1:?usage: run_fuzzers.sh SECONDS [HARNESS...]}"
shift
B="$ROOT/build/fuzz"
if (($# > 0)); then
  HARNESSES=("$@")
else
  mapfile -t HARNESSES < <(grep -E '^[a-z0-9_]+$' "$ROOT/fuzz/harnesses.txt")
fi

dict_for() {
  case "$1" in
    json_request) echo "$ROOT/fuzz/dict/json.dict" ;;
    hex_base64) echo "$ROOT/fuzz/dict/encoding.dict" ;;
    *) echo "$ROOT/fuzz/dict/seal.dict" ;;
  esac
}
# Largest input libFuzzer may build: logistic_v1 objects go to ~1.2 MB (a size-3 ciphertext).
max_len_for() {
  case "$1" in
    ciphertext_load | plaintext_load | inspect) echo 1300000 ;;
    keys_load) echo 1200000 ;;
    params_load | seal_header) echo 4096 ;;
    json_request | hex_base64) echo 65536 ;;
  esac
}

mkdir -p "$B/logs"
summary="$B/summary.txt"
printf '%-16s %12s %9s %7s %7s %7s  %s\n' harness execs exec/s cov ft corpus result >"$summary"
status=0
for h in "${HARNESSES[@]}"; do
  bin="$B/bin/${h}_fuzzer"
  if [[ ! -x "$bin" ]]; then
    echo "run_fuzzers.sh: $bin is missing" >&2
    status=1
    continue
  fi
  mkdir -p "$B/work/$h" "$B/artifacts/$h"
  seeds=("$ROOT/fuzz/corpus/$h")
  [[ -d "$B/corpus-gen/$h" ]] && seeds+=("$B/corpus-gen/$h")
  log="$B/logs/$h.log"
  echo "== $h: ${SECONDS_PER}s"
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    "$bin" -max_total_time="$SECONDS_PER" -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=1100 \
    -max_len="$(max_len_for "$h")" -dict="$(dict_for "$h")" -print_final_stats=1 \
    -artifact_prefix="$B/artifacts/$h/" "$B/work/$h" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
  cov="$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.*corp: \([0-9]*\)\/.*/\1/p' <<<"$last")"
  if ((rc == 0)); then
    result=ok
  else
    result="FOUND (exit $rc): $(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | cut -d' ' -f5)"
    status=1
    echo "---- $h: finding; log $log" >&2
    grep -E 'ERROR:|fuzz invariant|\*\*\*|^    #[0-9]+ ' "$log" | head -40 >&2
  fi
  printf '%-16s %12s %9s %7s %7s %7s  %s\n' "$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result" >>"$summary"
done
echo
cat "$summary"
exit "$status"
