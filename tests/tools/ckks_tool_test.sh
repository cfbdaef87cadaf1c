#!/usr/bin/env bash
# ckks-tool end to end from the shell, as docs/ckks-tool.md shows it: params, keygen, encrypt
# (public key and seeded symmetric), decrypt, inspect (valid and invalid), convert.
set -euo pipefail
TOOL=${1:?usage: ckks_tool_test.sh PATH_TO_CKKS_TOOL}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
pass=0
fail=0
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

"$TOOL" params --n 8192 --bits 60,40,40,60 --save parms.bin > params.json
check "params primes" test "$(json params.json "d['levels'][0]['primes'][0]")" = "1152921504606748673"
check "params key parms_id" test "$(json params.json "d['levels'][0]['parms_id']")" = \
  "e2a8dd3f1586dacfac02a4591f26b3ba536e0b1f60e28faef57f030eab08c5dd"
check "params secure" test "$(json params.json "d['security']['secure']")" = "True"
check "params blob size" test "$(stat -c %s parms.bin)" = 153

"$TOOL" params --n 8192 --bits 60,60,60,60 > insecure.json
check "insecure verdict" test "$(json insecure.json "d['security']['secure']")" = "False"
set +e
"$TOOL" params --n 8192 --bits 60,60,60,60 --save bad.bin 2> insecure.err
rc=$?
set -e
check "insecure save refused" test "$rc" = 2
check "insecure save names code" grep -q INSECURE_PARAMETERS insecure.err

mkdir keys
"$TOOL" keygen --params parms.bin --out-dir keys --relin --galois-steps 1,-1,0 --seeded > keygen.json
check "secret key mode 0600" test "$(stat -c %a keys/secret_key.bin)" = 600
python3 -c "import json,random; random.seed(1); json.dump([random.uniform(-1,1) for _ in range(4096)], open('values.json','w'))"

"$TOOL" encrypt --params parms.bin --public-key keys/public_key.bin --scale 2^40 --values values.json --out ct_pk.bin > enc.json
"$TOOL" decrypt ct_pk.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_pk.json
"$TOOL" encrypt --params parms.bin --secret-key keys/secret_key.bin --seeded --compression zstd --scale 2^40 \
  --values values.json --out ct_sym.bin > enc_sym.json
"$TOOL" decrypt ct_sym.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_sym.json
max_err() { python3 -c "import json; a=json.load(open('values.json')); b=json.load(open('$1')); print(max(abs(x-y) for x,y in zip(a,b)))"; }
check "public-key round trip ≤ 2^-20" python3 -c "assert $(max_err dec_pk.json) <= 2**-20"
check "seeded round trip ≤ 2^-20" python3 -c "assert $(max_err dec_sym.json) <= 2**-20"
check "seeded+zstd is smaller" test "$(stat -c %s ct_sym.bin)" -lt "$(( $(stat -c %s ct_pk.bin) / 2 + 1000 ))"

"$TOOL" inspect ct_sym.bin --params parms.bin > insp.json
check "inspect kind" test "$(json insp.json "d['kind']")" = ciphertext
check "inspect seeded" test "$(json insp.json "d['seeded']")" = True
check "inspect compression" test "$(json insp.json "d['compression']")" = zstd
check "inspect valid" test "$(json insp.json "d['valid']")" = True
check "inspect parms_id is 64 hex" python3 -c "import json,re; assert re.fullmatch('[0-9a-f]{64}', json.load(open('insp.json'))['parms_id'])"
"$TOOL" inspect keys/relin_keys.bin > rk.json
check "inspect relin keys" test "$(json rk.json "d['kind']")" = relin_keys
"$TOOL" inspect keys/galois_keys.bin --params parms.bin > gk.json
check "inspect galois elts" test "$(json gk.json "sorted(d['galois_elts'])")" = "[3, 10923, 16383]"

# Corrupt one coefficient of c0 (offset 113 = first data word) to exceed every modulus.
cp ct_pk.bin bad.bin
printf '\xff\xff\xff\xff\xff\xff\xff\xff' | dd of=bad.bin bs=1 seek=113 conv=notrunc status=none
set +e
"$TOOL" inspect bad.bin --params parms.bin > bad.json
rc=$?
set -e
check "invalid exits 1" test "$rc" = 1
check "invalid reports code" test "$(json bad.json "d['error']['code']")" = COEFF_OUT_OF_RANGE
check "invalid says valid false" test "$(json bad.json "d['valid']")" = False

"$TOOL" convert ct_sym.bin ct_full.bin --compression none --params parms.bin > conv.json
"$TOOL" inspect ct_full.bin --params parms.bin > full.json
check "convert expands seed" test "$(json full.json "d['seeded']")" = False
check "convert keeps validity" test "$(json full.json "d['valid']")" = True
"$TOOL" decrypt ct_full.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_full.json
check "converted decrypts identically" cmp -s dec_full.json dec_sym.json

# Evaluator operations on files (issue 4 item 4).
"$TOOL" eval multiply ct_pk.bin ct_sym.bin prod.bin --params parms.bin > ev1.json
check "multiply gives size 3" test "$(json ev1.json "d['size']")" = 3
"$TOOL" eval relinearize prod.bin relin.bin --params parms.bin --relin-keys keys/relin_keys.bin > /dev/null
"$TOOL" eval rescale relin.bin resc.bin --params parms.bin > ev3.json
check "rescale drops a level" test "$(json ev3.json "d['chain_index']")" = 1
"$TOOL" decrypt resc.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_sq.json
check "x*x after relin+rescale ≤ 2^-18" python3 -c "
import json; a=json.load(open('values.json')); b=json.load(open('dec_sq.json'))
assert max(abs(x*x-y) for x,y in zip(a,b)) <= 2**-18"
"$TOOL" eval rotate ct_pk.bin rot.bin --steps 1 --params parms.bin --galois-keys keys/galois_keys.bin > /dev/null
"$TOOL" decrypt rot.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_rot.json
check "rotate by 1 moves slot i+1 to i" python3 -c "
import json; a=json.load(open('values.json')); b=json.load(open('dec_rot.json'))
assert max(abs(a[i+1]-b[i]) for i in range(4095)) <= 2**-18"
"$TOOL" eval add ct_pk.bin ct_sym.bin sum.bin --params parms.bin --compression zstd > /dev/null
"$TOOL" decrypt sum.bin --params parms.bin --secret-key keys/secret_key.bin --count 4096 > dec_sum.json
check "add doubles" python3 -c "
import json; a=json.load(open('values.json')); b=json.load(open('dec_sum.json'))
assert max(abs(2*x-y) for x,y in zip(a,b)) <= 2**-18"
set +e
"$TOOL" eval rotate ct_pk.bin rot2.bin --steps 5 --params parms.bin --relin-keys keys/relin_keys.bin 2> ev_err.txt
rc=$?
set -e
check "rotate without galois keys is a usage error" test "$rc" = 2
set +e
"$TOOL" eval add ct_pk.bin resc.bin bad_add.bin --params parms.bin 2> ev_err2.txt
rc=$?
set -e
check "add across levels fails" test "$rc" = 2
check "add across levels names LEVEL_MISMATCH" grep -q LEVEL_MISMATCH ev_err2.txt

set +e
"$TOOL" decrypt ct_pk.bin --params parms.bin --secret-key missing.bin 2> err.txt
rc=$?
set -e
check "missing file is an error" test "$rc" = 2

echo "$pass passed, $fail failed"
test "$fail" = 0
