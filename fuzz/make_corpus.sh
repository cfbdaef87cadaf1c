#!/usr/bin/env bash
# Generates the fuzz-time seed corpus (not committed) into OUT (default build/fuzz/corpus-gen):
#   - logistic_v1-context objects from our engine (build/fuzz/bin/make_corpus OUT logistic);
#   - node-seal / Pyfhel / ours-for-* interop vectors of build/release/interop when present (the
#     N = 16384 [60,30,30,60] set = logistic_v1's parameters, plus every set's parameters),
#     objects up to 1.1 MB only;
#   - the documented request/response bodies of docs/api/examples for json_request.
# The committed seeds (fuzz/corpus/, N = 1024 objects and text seeds) come from
# `build/fuzz/bin/make_corpus fuzz/corpus small` and are not touched here.
#
# Usage: fuzz/make_corpus.sh [OUT]     (run from anywhere; needs build/fuzz built)
# Idempotent: the engine-generated part is made once (OUT/.stamp-logistic); copies are refreshed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/build/fuzz/corpus-gen}"
TOOL="$ROOT/build/fuzz/bin/make_corpus"
INTEROP="${EI_INTEROP_VEC_DIR:-$ROOT/build/release/interop}"
MAX_BYTES=$((1100 * 1024))

mkdir -p "$OUT"
if [[ ! -f "$OUT/.stamp-logistic" ]]; then
  [[ -x "$TOOL" ]] || { echo "make_corpus.sh: $TOOL is missing (build build/fuzz first)" >&2; exit 1; }
  echo "make_corpus.sh: generating logistic_v1 objects (once) into $OUT"
  ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$TOOL" "$OUT" logistic
  touch "$OUT/.stamp-logistic"
fi

# copy SRC HARNESS NAME: one seed file, skipped when larger than MAX_BYTES.
copy() {
  local src="$1" harness="$2" name="$3"
  [[ -f "$src" ]] || return 0
  (( $(stat -c %s "$src") <= MAX_BYTES )) || return 0
  mkdir -p "$OUT/$harness"
  cp -f "$src" "$OUT/$harness/$name"
}

if [[ -d "$INTEROP" ]]; then
  n=0
  for src_dir in "$INTEROP"/*/; do
    src="$(basename "$src_dir")"
    for set_dir in "$src_dir"*/; do
      set="$(basename "$set_dir")"
      for f in "$set_dir"parms*.bin; do
        [[ -f "$f" ]] || continue
        b="$(basename "$f")"
        copy "$f" params_load "$src.$set.$b"
        copy "$f" seal_header "$src.$set.$b"
        n=$((n + 1))
      done
      [[ "$set" == "n16384_60-30-30-60" ]] || continue
      for f in "$set_dir"*.bin; do
        b="$(basename "$f")"
        case "$b" in
          ct_*) copy "$f" ciphertext_load "$src.$set.$b" ;;
          plaintext*) copy "$f" plaintext_load "$src.$set.$b" ;;
          secret_key* | public_key*) copy "$f" keys_load "$src.$set.$b" ;;
          *) continue ;;
        esac
        n=$((n + 1))
      done
    done
  done
  # A few of node-seal-eval's deliberately invalid operands (wrong scale, zero plaintext).
  for f in "$INTEROP"/node-seal-eval/*/err/*.bin; do
    [[ -f "$f" ]] || continue
    copy "$f" inspect "node-seal-eval.$(basename "$(dirname "$(dirname "$f")")").err.$(basename "$f")"
  done
  echo "make_corpus.sh: $n interop vectors from $INTEROP"
else
  echo "make_corpus.sh: no interop vectors at $INTEROP (make test generates them); skipping"
fi

mkdir -p "$OUT/json_request"
for f in "$ROOT"/docs/api/examples/*.json "$ROOT"/docs/api/examples/*.txt; do
  [[ -f "$f" ]] || continue
  [[ "$(basename "$f")" == index.json ]] && continue
  cp -f "$f" "$OUT/json_request/docs.$(basename "$f")"
done
echo "make_corpus.sh: corpus in $OUT: $(du -sh "$OUT" | cut -f1)"
