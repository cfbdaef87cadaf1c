#!/usr/bin/env node
// Writes the evaluator interop vectors ("node-seal-eval", tests/interop/FORMAT.md) into
// OUTDIR/node-seal-eval/: node-seal 6.0.3 (Microsoft SEAL 4.1 in wasm) applies every Evaluator
// operation of issue 4 item 1 to inputs it saved, and saves each result with compression none.
// eval_interop_test.cpp applies our Evaluator to the same inputs and requires identical bytes.
//
//   node tests/interop/gen_node_seal_eval.js OUTDIR [--sets NAME,NAME] [--quiet]
//
// Per parameter set: parms, secret key, public key, relin keys, Galois keys (steps KEY_STEPS plus
// conjugation), all saved with compression none (keys unseeded). Per tested level (chain index):
// two public-key ciphertexts a, b and a plaintext p at the set's scale (values from the seeded
// PRNG of gen_node_seal.js, uniform in [-1, 1)), scalar plaintexts, and one output file per
// operation case. Error cases (SEAL throws) are recorded with SEAL's message. cases.json lists
// every case; the C++ side loops over it generically. Every output is decrypted (or decoded) by
// node-seal here and checked against float64 math with the bound written into cases.json, so a
// generator bug cannot produce vectors that only our engine would reproduce.
// EI_EVAL_REPORT=1 prints every case's SEAL error and bound (and does not fail on the bound).
//
// node-seal API notes (checked in node_modules/node-seal/implementation/*.d.ts):
//  - CKKSEncoder.encode(Float64Array, scale) only, always at the first data level; no scalar
//    overload. Plaintexts at lower levels are encoded at the first level and brought down with
//    Evaluator.plainModSwitchTo (the same residues: encode reduces one integer per coefficient).
//    Scalar plaintexts are encoded as a constant vector; the generator checks that SEAL's FFT path
//    produced exactly what SEAL's encode(double, parms_id, scale) would (round(value*scale),
//    half away from zero, as a constant in every limb) and fails otherwise.
//  - Evaluator.rotateVector is SEAL's rotate_vector: without a key for the step it decomposes the
//    step into NAF terms (util/numth.h naf) and rotates by each, least significant first; it throws
//    "Galois key not present" when a term has no key. KEY_STEPS includes 8 so that step 7
//    (NAF [-1, 8]) exercises that path; step 6 (NAF [-2, 8]) is the missing-key error case.
'use strict';

const fs = require('fs');
const path = require('path');
const G = require('./gen_node_seal.js');

const ORACLE_DIR = 'node-seal-eval';
const NODE_SEAL_VERSION = '6.0.3';

// [n, bits, log2(scale), chain indices to test]. Chain index = number of primes at the level - 1;
// the first data level is bits.length - 2. Every tested level keeps one prime below it so that
// rescale_to_next / mod_switch_to_next have somewhere to go.
const EVAL_SETS = [
  { n: 4096, bits: [40, 30, 30, 40], scaleBits: 30, levels: [2, 1] }, // insecure (140 > 109 bits)
  { n: 8192, bits: [60, 40, 40, 60], scaleBits: 40, levels: [2, 1] },
  { n: 8192, bits: [50, 30, 30, 30, 50], scaleBits: 30, levels: [3, 2, 1] },
  { n: 16384, bits: [60, 40, 40, 40, 60], scaleBits: 40, levels: [3, 1] },
];

// Steps given to create_galois_keys; 0 is the conjugation element 2N-1.
const KEY_STEPS = [1, 2, -1, 3, 5, 8, 0];
// rotate_vector cases: every key step, plus 7 (no key: NAF [-1, 8], two key switches).
const ROTATE_STEPS = [1, 2, -1, 3, 5, 8, 7];
const MISSING_KEY_STEP = 6; // NAF [-2, 8]: no key for -2, SEAL throws
// Scalars: multiply at the operand's scale (exact binary and a "random" double), an integer at
// scale 1.0 (the scale-preserving multiply), and adds at the operand's scale.
const MUL_SCALARS = [
  { name: 'p0.75', value: 0.75, scale: 'ct' },
  { name: 'm0.318', value: -0.3183098861837907, scale: 'ct' },
  { name: 'int3_scale1', value: 3, scale: 1 },
];
const ADD_SCALARS = [
  { name: 'p0.5', value: 0.5 },
  { name: 'm0.618', value: -0.6180339887498949 },
];

// Error codes our evaluator must return (engine/status.h) for each SEAL exception case.
const ERR = {
  scale: 'SCALE_MISMATCH',
  level: 'LEVEL_MISMATCH',
  transparent: 'TRANSPARENT_RESULT',
  chain: 'END_OF_MODULUS_CHAIN',
  key: 'MISSING_KEY',
  scaleBounds: 'INVALID_SCALE',
  size: 'INVALID_SIZE',
};

class GenError extends Error {}

// ------------------------------------------------------------------------------ helpers
// SEAL's util::naf (numth.h).
function naf(value) {
  const res = [];
  const sign = value < 0;
  value = Math.abs(value);
  for (let i = 0; value; i++) {
    const zi = value & 1 ? 2 - (value & 3) : 0;
    value = (value - zi) >> 1;
    if (zi) res.push((sign ? -zi : zi) * (1 << i));
  }
  return res;
}

// C's round(): half away from zero.
function cRound(x) {
  let r = Math.trunc(x);
  if (Math.abs(x - r) >= 0.5) r += Math.sign(x);
  return r;
}

function stepName(k) {
  return k < 0 ? `m${-k}` : `p${k}`;
}

// Plaintext wire layout (compression none): header 16 | parms_id 32 | coeff_count u64 @48 |
// scale f64 @56 | DynArray header 16 @64 | count u64 @80 | data @88.
function plaintextWords(bytes) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = Number(b.readBigUInt64LE(80));
  const words = new BigUint64Array(count);
  for (let i = 0; i < count; i++) words[i] = b.readBigUInt64LE(88 + 8 * i);
  return { words, scale: b.readDoubleLE(56), coeffCount: Number(b.readBigUInt64LE(48)) };
}

// Max |x| of a vector.
function maxAbs(v) {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

// ------------------------------------------------------------------------------ expressions
// Expected values are expressions over recorded value files (FORMAT.md "node-seal-eval"):
// a string is a .f64 path relative to the root, a number a constant in every slot,
// [op, ...] with op in add, sub, neg, mul, rot (x, steps: slot i <- slot i+steps mod N/2), conj.
function evalExpr(expr, values, slots) {
  if (typeof expr === 'string') {
    const v = values.get(expr);
    if (!v) throw new GenError(`expression leaf ${expr} has no values`);
    return v;
  }
  if (typeof expr === 'number') return new Float64Array(slots).fill(expr);
  const [op, ...args] = expr;
  const x = evalExpr(args[0], values, slots);
  const out = new Float64Array(slots);
  switch (op) {
    case 'add': case 'sub': case 'mul': {
      const y = evalExpr(args[1], values, slots);
      for (let i = 0; i < slots; i++) out[i] = op === 'add' ? x[i] + y[i] : op === 'sub' ? x[i] - y[i] : x[i] * y[i];
      return out;
    }
    case 'neg':
      for (let i = 0; i < slots; i++) out[i] = -x[i];
      return out;
    case 'rot': {
      const k = args[1];
      for (let i = 0; i < slots; i++) out[i] = x[(((i + k) % slots) + slots) % slots];
      return out;
    }
    case 'conj':
      return Float64Array.from(x); // real values: conjugation keeps the real parts
    default:
      throw new GenError(`unknown expression op ${op}`);
  }
}

// Error bound propagation: every leaf carries `leafErr` (a fresh encryption's noise bound, also
// used, conservatively, for plaintext encoding error); sums add bounds, products use
// |x|max*ey + |y|max*ex + ex*ey; rotations and conjugations keep the bound (the per-op allowance
// for key switching and rescaling is added by the caller).
function boundExpr(expr, values, slots, leafErr) {
  if (typeof expr === 'string') return { err: leafErr, max: maxAbs(values.get(expr)) };
  if (typeof expr === 'number') return { err: 0, max: Math.abs(expr) };
  const [op, ...args] = expr;
  const x = boundExpr(args[0], values, slots, leafErr);
  switch (op) {
    case 'add': case 'sub': {
      const y = boundExpr(args[1], values, slots, leafErr);
      return { err: x.err + y.err, max: x.max + y.max };
    }
    case 'mul': {
      const y = boundExpr(args[1], values, slots, leafErr);
      return { err: x.max * y.err + y.max * x.err + x.err * y.err, max: x.max * y.max };
    }
    case 'neg': case 'rot': case 'conj':
      return x;
    default:
      throw new GenError(`unknown expression op ${op}`);
  }
}

// ------------------------------------------------------------------------------ one set
async function writeSet(root, spec, log) {
  const seal = await G.loadSeal();
  const { n, bits, scaleBits } = spec;
  const name = G.setName(n, bits);
  const rel = (...p) => path.posix.join(name, ...p);
  const abs = (r) => path.join(root, r);
  const scale = 2 ** scaleBits;
  const slots = n / 2;
  const none = G.comprMode(seal, 'none');
  const { parms, ctx, insecure } = G.makeContext(seal, n, bits);
  const chain = G.levelChain(ctx);
  const firstChain = bits.length - 2;
  for (const c of spec.levels) if (!(c >= 1 && c <= firstChain)) throw new GenError(`${name}: bad level ${c}`);

  const cases = [];
  const sizes = {};
  let files = 0;
  const values = new Map(); // f64 path -> Float64Array
  const save = (r, bytes) => {
    G.checkHeader(bytes, 'none', r);
    G.writeFile(abs(r), bytes);
    sizes[r] = bytes.length;
    files++;
  };
  const saveValues = (r, v) => {
    G.writeFile(abs(r), G.f64Bytes(v));
    values.set(r, v);
  };

  // Context data and parms_id per chain index.
  const cdByChain = new Map();
  for (let cd = ctx.firstContextData; ; cd = cd.nextContextData) {
    cdByChain.set(cd.chainIndex, cd);
    if (cd.chainIndex === 0) break;
  }
  const pidHex = (c) => G.parmsIdHex(cdByChain.get(c).parmsId);
  const chainOfHex = new Map(chain.map((l) => [l.parms_id, l.chain_index]));
  // Chain index of an operand (its parms_id).
  const levelOf = (obj) => {
    const c = chainOfHex.get(G.parmsIdHex(obj.parmsId));
    if (c === undefined) throw new GenError(`${name}: operand parms_id not in the chain`);
    return c;
  };
  const lastParmsId = ctx.lastParmsId;

  save(rel('parms.bin'), parms.saveArray(none));
  const kg = seal.KeyGenerator(ctx);
  const sk = kg.secretKey();
  save(rel('secret_key.bin'), sk.saveArray(none));
  const pk = kg.createPublicKey();
  save(rel('public_key.bin'), pk.saveArray(none));
  const rk = kg.createRelinKeys();
  save(rel('relin_keys.bin'), rk.saveArray(none));
  const gk = kg.createGaloisKeys(Int32Array.from(KEY_STEPS));
  save(rel('galois_keys.bin'), gk.saveArray(none));
  const keyElts = KEY_STEPS.map((s) => G.galoisElt(s, n));
  for (const e of keyElts) if (!gk.hasKey(e)) throw new GenError(`${name}: galois keys lack element ${e}`);
  const RK = rel('relin_keys.bin');
  const GK = rel('galois_keys.bin');

  const encoder = seal.CKKSEncoder(ctx);
  const encryptor = seal.Encryptor(ctx, pk);
  const decryptor = seal.Decryptor(ctx, sk);
  const ev = seal.Evaluator(ctx);
  const leafErr = (s) => 2 ** 17 / s; // interop_test.cpp fresh_bound
  let worstRatio = 0;

  // Encodes `vals` at scale `s` and brings the plaintext to chain index c.
  const encodeAt = (vals, s, c) => {
    const pt = encoder.encode(vals, s);
    if (c === firstChain) return pt;
    const low = ev.plainModSwitchTo(pt, cdByChain.get(c).parmsId);
    pt.delete();
    return low;
  };

  // Scalar plaintext = SEAL's encode(double value, parms_id, scale): checked against the bytes
  // SEAL's vector encoder produced for the constant vector.
  const scalarPlain = (value, s, c) => {
    const pt = encodeAt(new Float64Array(slots).fill(value), s, c);
    const { words, coeffCount } = plaintextWords(pt.saveArray(none));
    const primes = chain.find((l) => l.chain_index === c).primes.map(BigInt);
    if (coeffCount !== n * primes.length) throw new GenError(`${name}: scalar plaintext coeff_count ${coeffCount}`);
    const coeffd = cRound(value * s);
    if (!Number.isSafeInteger(coeffd)) throw new GenError(`${name}: scalar ${value}*${s} beyond 2^53`);
    const mag = BigInt(Math.abs(coeffd));
    for (let j = 0; j < primes.length; j++) {
      const q = primes[j];
      const r = mag % q;
      const want = coeffd < 0 && r !== 0n ? q - r : r;
      for (let i = 0; i < n; i++) {
        if (words[j * n + i] !== want) {
          throw new GenError(`${name}: SEAL's encoding of the constant ${value} at scale ${s} differs from ` +
                             `encode(double) at limb ${j} coeff ${i}: ${words[j * n + i]} != ${want}`);
        }
      }
    }
    return pt;
  };

  // objects: rel path -> {obj, kind, expr, scale}
  const objs = new Map();
  const addInput = (r, obj, kind, expr, extra = {}) => {
    save(r, obj.saveArray(none));
    objs.set(r, { obj, kind, expr, ...extra });
    return r;
  };

  const measure = (obj, kind, expr) => {
    let pt = obj;
    if (kind === 'ciphertext') pt = decryptor.decrypt(obj);
    const got = encoder.decode(pt);
    if (kind === 'ciphertext') pt.delete();
    const want = evalExpr(expr, values, slots);
    return G.maxAbsError(want, got);
  };

  // Allowances added to the propagated bound (absolute, in value units): a key switch adds about
  // (1/p)·Σ_J t_J·e_J, bounded here by N·2^9 units of the key-switched ciphertext's scale; a
  // rescale adds its rounding r0 + r1·s (+ r2·s² for size 3), bounded by N·2^9 (N·2^10) units
  // of the output scale. Measured SEAL errors stay below 0.7 of the resulting bounds.
  const ks = (sc) => (n * 2 ** 9) / sc;
  const rsc = (scOut, size = 2) => (n * 2 ** (size > 2 ? 10 : 9)) / scOut;

  // Runs one SEAL operation, saves the output, checks its decryption, records the case.
  // `extra` (number, or function of the output object) is the allowance for key switches and
  // rescales on top of the bound propagated through `expr`.
  const run = (c, id, op, inputs, opts) => {
    const { keys = null, args = {}, expr, fn, extra = 0, outKind = 'ciphertext', keep = false } = opts;
    const ins = inputs.map((r) => {
      const o = objs.get(r);
      if (!o) throw new GenError(`${name}: input ${r} not generated`);
      return o;
    });
    const out = fn(...ins.map((o) => o.obj));
    if (!out) throw new GenError(`${name}/${id}: SEAL returned nothing`);
    const outRel = rel(`L${c}`, 'out', `${id}.bin`);
    const bytes = out.saveArray(none);
    save(outRel, bytes);
    const e0 = leafErr(scale);
    const b = boundExpr(expr, values, slots, e0);
    const bound = b.err + (typeof extra === 'function' ? extra(out) : extra);
    const err = measure(out, outKind, expr);
    if (process.env.EI_EVAL_REPORT) console.log(`    ${name}/L${c}/${id}: err ${err.toExponential(2)} bound ${bound.toExponential(2)} ratio ${(err / bound).toFixed(3)}`);
    if (!(err <= bound) && !process.env.EI_EVAL_REPORT) throw new GenError(`${name}/L${c}/${id}: SEAL's own result has error ${err} > bound ${bound}`);
    worstRatio = Math.max(worstRatio, err / bound);
    const entry = {
      id: `${name}/L${c}/${id}`,
      set: name,
      level: levelOf(ins[0].obj),
      op,
      inputs,
      input_kinds: ins.map((o) => o.kind),
      keys,
      args,
      output: outRel,
      output_kind: outKind,
      expect: expr,
      bound,
      seal_max_abs_error: err,
    };
    if (outKind === 'ciphertext') {
      const info = G.ciphertextInfo(bytes);
      entry.output_size = info.size;
      entry.output_limbs = info.l;
      entry.output_scale = info.scale;
    } else {
      const info = plaintextWords(bytes);
      entry.output_limbs = info.coeffCount / n;
      entry.output_scale = info.scale;
    }
    cases.push(entry);
    if (keep) objs.set(outRel, { obj: out, kind: outKind, expr });
    else out.delete();
    return outRel;
  };

  // Records a case SEAL rejects.
  const fail = (c, id, op, inputs, opts) => {
    const { keys = null, args = {}, fn, code } = opts;
    const ins = inputs.map((r) => {
      const o = objs.get(r);
      if (!o) throw new GenError(`${name}: input ${r} not generated`);
      return o;
    });
    let msg = null;
    try {
      const out = fn(...ins.map((o) => o.obj));
      if (out) out.delete();
    } catch (e) {
      msg = G.errMessage(e);
    }
    if (msg === null) throw new GenError(`${name}/${id}: SEAL did not throw`);
    cases.push({
      id: `${name}/L${c}/${id}`, set: name, level: levelOf(ins[0].obj), op, inputs, input_kinds: ins.map((o) => o.kind),
      keys, args, output: null, error: { seal_message: msg, code },
    });
  };

  const levelInputs = {};
  for (const c of spec.levels) {
    const L = (...p) => rel(`L${c}`, ...p);
    const pid = cdByChain.get(c).parmsId;
    const rng = (stem) => G.makeRng(`${name}/L${c}/${stem}`);
    // Inputs: fresh public-key encryptions at this level.
    const vA = G.uniformValues(rng('a'), slots);
    const vB = G.uniformValues(rng('b'), slots);
    const vP = G.uniformValues(rng('p'), slots);
    saveValues(L('a.values.f64'), vA);
    saveValues(L('b.values.f64'), vB);
    saveValues(L('p.values.f64'), vP);
    const A = L('a.values.f64'), B = L('b.values.f64'), P = L('p.values.f64');
    const ptA = encodeAt(vA, scale, c), ptB = encodeAt(vB, scale, c);
    const a = addInput(L('a.bin'), encryptor.encrypt(ptA), 'ciphertext', A);
    const b = addInput(L('b.bin'), encryptor.encrypt(ptB), 'ciphertext', B);
    ptA.delete();
    ptB.delete();
    const p = addInput(L('p.bin'), encodeAt(vP, scale, c), 'plaintext', P);
    if (G.parmsIdHex(objs.get(a).obj.parmsId) !== pidHex(c)) throw new GenError(`${name}: a not at chain ${c}`);
    // b with a scale that is "close" (SEAL are_close: |x-y| < 2^-52 max(|x|,|y|,1)) but not equal.
    const bNudged = objs.get(b).obj.clone();
    bNudged.setScale(scale * (1 + 2 ** -52));
    const bn = addInput(L('b_scale_close.bin'), bNudged, 'ciphertext', B);
    levelInputs[c] = { a, b, p };

    const cs = 'ciphertext';
    // --- arithmetic
    run(c, 'add', 'add', [a, b], { expr: ['add', A, B], fn: (x, y) => ev.add(x, y) });
    run(c, 'sub', 'sub', [a, b], { expr: ['sub', A, B], fn: (x, y) => ev.sub(x, y) });
    const neg = run(c, 'negate', 'negate', [a], { expr: ['neg', A], fn: (x) => ev.negate(x), keep: true });
    run(c, 'add_scale_close', 'add', [a, bn], { expr: ['add', A, B], fn: (x, y) => ev.add(x, y) });
    run(c, 'add_scale_close_swapped', 'add', [bn, a], { expr: ['add', B, A], fn: (x, y) => ev.add(x, y) });
    run(c, 'add_plain', 'add_plain', [a, p], { expr: ['add', A, P], fn: (x, y) => ev.addPlain(x, y) });
    run(c, 'sub_plain', 'sub_plain', [a, p], { expr: ['sub', A, P], fn: (x, y) => ev.subPlain(x, y) });
    const mp = run(c, 'multiply_plain', 'multiply_plain', [a, p], { expr: ['mul', A, P], fn: (x, y) => ev.multiplyPlain(x, y), keep: true });
    const mul = run(c, 'multiply', 'multiply', [a, b], { expr: ['mul', A, B], fn: (x, y) => ev.multiply(x, y), keep: true });
    const sq = run(c, 'square', 'square', [a], { expr: ['mul', A, A], fn: (x) => ev.square(x), keep: true });
    run(c, 'negate_size3', 'negate', [mul], { expr: ['neg', ['mul', A, B]], fn: (x) => ev.negate(x) });
    // --- relinearize, rescale
    const s2 = scale * scale;
    const rl = run(c, 'relinearize', 'relinearize', [mul], {
      keys: RK, expr: ['mul', A, B], fn: (x) => ev.relinearize(x, rk), extra: ks(s2), keep: true });
    const rlsq = run(c, 'relinearize_square', 'relinearize', [sq], {
      keys: RK, expr: ['mul', A, A], fn: (x) => ev.relinearize(x, rk), extra: ks(s2), keep: true });
    run(c, 'relinearize_size2', 'relinearize', [a], { keys: RK, expr: A, fn: (x) => ev.relinearize(x, rk) });
    run(c, 'add_mixed_size', 'add', [mul, rlsq], {
      expr: ['add', ['mul', A, B], ['mul', A, A]], fn: (x, y) => ev.add(x, y), extra: ks(s2) });
    run(c, 'sub_mixed_size', 'sub', [rlsq, mul], {
      expr: ['sub', ['mul', A, A], ['mul', A, B]], fn: (x, y) => ev.sub(x, y), extra: ks(s2) });
    const rs = run(c, 'rescale_to_next', 'rescale_to_next', [rl], {
      expr: ['mul', A, B], fn: (x) => ev.rescaleToNext(x), extra: (o) => ks(s2) + rsc(o.scale), keep: true });
    run(c, 'rescale_to_next_size3', 'rescale_to_next', [mul], {
      expr: ['mul', A, B], fn: (x) => ev.rescaleToNext(x), extra: (o) => rsc(o.scale, 3) });
    run(c, 'rescale_to_next_plain_product', 'rescale_to_next', [mp], {
      expr: ['mul', A, P], fn: (x) => ev.rescaleToNext(x), extra: (o) => rsc(o.scale) });
    // --- modulus switching
    run(c, 'mod_switch_to_next', 'mod_switch_to_next', [a], { expr: A, fn: (x) => ev.cipherModSwitchToNext(x) });
    run(c, 'mod_switch_to_next_plain', 'mod_switch_to_next_plain', [p], {
      expr: P, fn: (x) => ev.plainModSwitchToNext(x), outKind: 'plaintext' });
    const msLast = run(c, 'mod_switch_to', 'mod_switch_to', [a], {
      args: { parms_id: pidHex(0), chain_index: 0 }, expr: A, fn: (x) => ev.cipherModSwitchTo(x, lastParmsId), keep: true });
    run(c, 'mod_switch_to_same', 'mod_switch_to', [a], {
      args: { parms_id: pidHex(c), chain_index: c }, expr: A, fn: (x) => ev.cipherModSwitchTo(x, pid) });
    const msLastPlain = run(c, 'mod_switch_to_plain', 'mod_switch_to_plain', [p], {
      args: { parms_id: pidHex(0), chain_index: 0 }, expr: P, fn: (x) => ev.plainModSwitchTo(x, lastParmsId),
      outKind: 'plaintext', keep: true });
    // --- rotations (Galois)
    for (const k of ROTATE_STEPS) {
      const direct = gk.hasKey(G.galoisElt(k, n));
      const terms = direct ? [k] : naf(k);
      run(c, `rotate_vector_${stepName(k)}`, 'rotate_vector', [a], {
        keys: GK, args: { steps: k, direct_key: direct, naf: terms }, expr: ['rot', A, k],
        fn: (x) => ev.rotateVector(x, k, gk), extra: terms.length * ks(scale) });
    }
    run(c, 'complex_conjugate', 'complex_conjugate', [a], {
      keys: GK, expr: ['conj', A], fn: (x) => ev.complexConjugate(x, gk), extra: ks(scale) });
    for (const k of [3, 0]) {
      const elt = G.galoisElt(k, n);
      run(c, `apply_galois_${elt}`, 'apply_galois', [a], {
        keys: GK, args: { galois_elt: elt, steps: k }, expr: k === 0 ? ['conj', A] : ['rot', A, k],
        fn: (x) => ev.applyGalois(x, elt, gk), extra: ks(scale) });
    }
    // --- scalars (SEAL: encode(double, parms_id, scale) then multiply_plain / add_plain)
    const ctScale = objs.get(a).obj.scale;
    for (const s of MUL_SCALARS) {
      const sc = s.scale === 'ct' ? ctScale : s.scale;
      const pr = addInput(L(`scalar_mul_${s.name}.bin`), scalarPlain(s.value, sc, c), 'plaintext', s.value);
      run(c, `multiply_scalar_${s.name}`, 'multiply_scalar', [a, pr], {
        args: { value: s.value, scale: sc, scale_is_default: s.scale === 'ct' }, expr: ['mul', A, s.value],
        fn: (x, y) => ev.multiplyPlain(x, y) });
    }
    for (const s of ADD_SCALARS) {
      const pr = addInput(L(`scalar_add_${s.name}.bin`), scalarPlain(s.value, ctScale, c), 'plaintext', s.value);
      run(c, `add_scalar_${s.name}`, 'add_scalar', [a, pr], {
        args: { value: s.value, scale: ctScale, scale_is_default: true }, expr: ['add', A, s.value],
        fn: (x, y) => ev.addPlain(x, y) });
    }
    // Scalars on the rescaled product: its scale is 2^(2s)/q, not a power of two.
    {
      const r = objs.get(rs).obj;
      const e = ['mul', A, B];
      const s1 = { value: 0.5, name: 'p0.5' };
      const pa = addInput(L(`scalar_add_rescaled_${s1.name}.bin`), scalarPlain(s1.value, r.scale, c - 1), 'plaintext', s1.value);
      run(c, `add_scalar_rescaled_${s1.name}`, 'add_scalar', [rs, pa], {
        args: { value: s1.value, scale: r.scale, scale_is_default: true }, expr: ['add', e, s1.value],
        fn: (x, y) => ev.addPlain(x, y), extra: ks(s2) + rsc(r.scale) });
      const pm = addInput(L('scalar_mul_rescaled_m2_scale1.bin'), scalarPlain(-2, 1, c - 1), 'plaintext', -2);
      run(c, 'multiply_scalar_rescaled_m2_scale1', 'multiply_scalar', [rs, pm], {
        args: { value: -2, scale: 1, scale_is_default: false }, expr: ['mul', e, -2],
        fn: (x, y) => ev.multiplyPlain(x, y), extra: 2 * (ks(s2) + rsc(r.scale)) });
    }
    levelInputs[c].neg = neg;
    levelInputs[c].mul = mul;
    levelInputs[c].msLast = msLast;
    levelInputs[c].msLastPlain = msLastPlain;
  }

  // --- error cases, at the first tested level (c0) and the next tested one (c1)
  const c0 = spec.levels[0], c1 = spec.levels[1];
  const I0 = levelInputs[c0], I1 = levelInputs[c1];
  const E = (...p) => rel('err', ...p);
  {
    const vA = values.get(rel(`L${c0}`, 'a.values.f64'));
    const pt2 = encoder.encode(vA, scale * 2);
    if (c0 !== firstChain) throw new GenError('error cases expect the first tested level to be the first data level');
    const a2 = addInput(E('a_scale_x2.bin'), encryptor.encrypt(pt2), 'ciphertext', rel(`L${c0}`, 'a.values.f64'));
    const p2 = addInput(E('p_scale_x2.bin'), pt2, 'plaintext', rel(`L${c0}`, 'a.values.f64'));
    const bFar = objs.get(I0.b).obj.clone();
    bFar.setScale(scale * (1 + 2 ** -51));
    const bf = addInput(E('b_scale_far.bin'), bFar, 'ciphertext', rel(`L${c0}`, 'b.values.f64'));
    const zero = addInput(E('p_zero.bin'), encoder.encode(new Float64Array(slots), scale), 'plaintext', 0);
    fail(c0, 'add_scale_mismatch', 'add', [I0.a, a2], { fn: (x, y) => ev.add(x, y), code: ERR.scale });
    fail(c0, 'add_scale_not_close', 'add', [I0.a, bf], { fn: (x, y) => ev.add(x, y), code: ERR.scale });
    fail(c0, 'sub_scale_mismatch', 'sub', [I0.a, a2], { fn: (x, y) => ev.sub(x, y), code: ERR.scale });
    fail(c0, 'add_plain_scale_mismatch', 'add_plain', [I0.a, p2], { fn: (x, y) => ev.addPlain(x, y), code: ERR.scale });
    fail(c0, 'sub_plain_scale_mismatch', 'sub_plain', [I0.a, p2], { fn: (x, y) => ev.subPlain(x, y), code: ERR.scale });
    fail(c0, 'add_level_mismatch', 'add', [I0.a, I1.b], { fn: (x, y) => ev.add(x, y), code: ERR.level });
    fail(c0, 'sub_level_mismatch', 'sub', [I1.a, I0.b], { fn: (x, y) => ev.sub(x, y), code: ERR.level });
    fail(c0, 'multiply_level_mismatch', 'multiply', [I0.a, I1.b], { fn: (x, y) => ev.multiply(x, y), code: ERR.level });
    fail(c0, 'add_plain_level_mismatch', 'add_plain', [I1.a, I0.p], { fn: (x, y) => ev.addPlain(x, y), code: ERR.level });
    fail(c0, 'multiply_plain_level_mismatch', 'multiply_plain', [I1.a, I0.p], { fn: (x, y) => ev.multiplyPlain(x, y), code: ERR.level });
    fail(c0, 'sub_transparent', 'sub', [I0.a, I0.a], { fn: (x, y) => ev.sub(x, y), code: ERR.transparent });
    fail(c0, 'add_transparent', 'add', [I0.a, I0.neg], { fn: (x, y) => ev.add(x, y), code: ERR.transparent });
    fail(c0, 'multiply_plain_transparent', 'multiply_plain', [I0.a, zero], { fn: (x, y) => ev.multiplyPlain(x, y), code: ERR.transparent });
    // Last level (chain 0): SEAL's mod_switch_to output of level c0.
    fail(0, 'rescale_to_next_last_level', 'rescale_to_next', [I0.msLast], { fn: (x) => ev.rescaleToNext(x), code: ERR.chain });
    fail(0, 'mod_switch_to_next_last_level', 'mod_switch_to_next', [I0.msLast], { fn: (x) => ev.cipherModSwitchToNext(x), code: ERR.chain });
    fail(0, 'mod_switch_to_next_plain_last_level', 'mod_switch_to_next_plain', [I0.msLastPlain], {
      fn: (x) => ev.plainModSwitchToNext(x), code: ERR.chain });
    // Switching up the chain: SEAL "cannot switch to higher level modulus".
    fail(c1, 'mod_switch_to_higher_level', 'mod_switch_to', [I1.a], {
      args: { parms_id: pidHex(c0), chain_index: c0 }, fn: (x) => ev.cipherModSwitchTo(x, cdByChain.get(c0).parmsId), code: 'INVALID_ARGUMENT' });
    // scale 2^(2s) does not fit the last level's single prime
    fail(0, 'multiply_scale_out_of_bounds', 'multiply', [I0.msLast, I0.msLast], { fn: (x, y) => ev.multiply(x, y), code: ERR.scaleBounds });
    fail(c0, 'rotate_vector_missing_key', 'rotate_vector', [I0.a], {
      keys: GK, args: { steps: MISSING_KEY_STEP, naf: naf(MISSING_KEY_STEP) }, fn: (x) => ev.rotateVector(x, MISSING_KEY_STEP, gk), code: ERR.key });
    const eltMissing = G.galoisElt(4, n);
    if (gk.hasKey(eltMissing)) throw new GenError('element for step 4 unexpectedly present');
    fail(c0, 'apply_galois_missing_key', 'apply_galois', [I0.a], {
      keys: GK, args: { galois_elt: eltMissing, steps: 4 }, fn: (x) => ev.applyGalois(x, eltMissing, gk), code: ERR.key });
    fail(c0, 'rotate_vector_size3', 'rotate_vector', [I0.mul], {
      keys: GK, args: { steps: 1 }, fn: (x) => ev.rotateVector(x, 1, gk), code: ERR.size });
    fail(c0, 'complex_conjugate_size3', 'complex_conjugate', [I0.mul], {
      keys: GK, fn: (x) => ev.complexConjugate(x, gk), code: ERR.size });
  }

  const meta = {
    n,
    bits,
    scale,
    insecure,
    levels: spec.levels,
    first_chain_index: firstChain,
    parms_id: Object.fromEntries(chain.map((l) => [String(l.chain_index), l.parms_id])),
    primes: Object.fromEntries(chain.map((l) => [String(l.chain_index), l.primes])),
    galois_steps: KEY_STEPS,
    galois_elts: keyElts,
    oracle: `node-seal@${NODE_SEAL_VERSION}`,
    values_rng: `gen_node_seal.js makeRng("${name}/L<c>/<a|b|p>"): sfc32, uniform [-1, 1)`,
  };
  G.writeJson(abs(rel('meta.json')), meta);

  for (const o of objs.values()) o.obj.delete();
  for (const o of [ev, decryptor, encryptor, encoder, gk, rk, pk, sk, kg, ctx, parms]) o.delete();
  const total = Object.values(sizes).reduce((x, y) => x + y, 0);
  const ok = cases.filter((x) => x.output).length;
  log(`  ${name}: scale 2^${scaleBits}, levels [${spec.levels}], ${ok} outputs + ${cases.length - ok} error cases, ` +
      `${files} SEAL files, ${(total / 1e6).toFixed(1)} MB; worst SEAL error/bound ${worstRatio.toFixed(3)}`);
  return { cases, bytes: total };
}

// ------------------------------------------------------------------------------ main
async function generate(outdir, { sets = null, quiet = false } = {}) {
  const log = quiet ? () => {} : (m) => console.log(m);
  const final = path.join(outdir, ORACLE_DIR);
  const partial = `${final}.partial`;
  const t0 = Date.now();
  const seal = await G.loadSeal();
  fs.rmSync(final, { recursive: true, force: true });
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    log(`node-seal ${seal.Version} evaluator vectors -> ${final}`);
    const specs = EVAL_SETS.filter((s) => sets === null || sets.includes(G.setName(s.n, s.bits)));
    if (specs.length === 0) throw new GenError('no parameter set selected');
    const all = [];
    let bytes = 0;
    for (const spec of specs) {
      const r = await writeSet(partial, spec, log);
      all.push(...r.cases);
      bytes += r.bytes;
    }
    G.writeJson(path.join(partial, 'cases.json'), all);
    G.writeJson(path.join(partial, 'oracle.json'), {
      oracle: ORACLE_DIR,
      package: `node-seal@${NODE_SEAL_VERSION}`,
      reported_version: seal.Version,
      sets: specs.map((s) => G.setName(s.n, s.bits)),
      key_steps: KEY_STEPS,
      rotate_steps: ROTATE_STEPS,
      cases: all.length,
      bytes,
    });
    fs.renameSync(partial, final);
    log(`${all.length} cases, ${(bytes / 1e6).toFixed(1)} MB, done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  return final;
}

function usage() {
  return 'usage: node gen_node_seal_eval.js OUTDIR [--sets n8192_60-40-40-60,...] [--quiet]';
}

async function main(argv) {
  const args = argv.slice(2);
  let outdir = null;
  let sets = null;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--sets') {
      if (i + 1 >= args.length) throw new GenError(`--sets needs a value\n${usage()}`);
      sets = args[++i].split(',').filter(Boolean);
      const known = EVAL_SETS.map((s) => G.setName(s.n, s.bits));
      for (const s of sets) if (!known.includes(s)) throw new GenError(`--sets: unknown set ${s} (known: ${known.join(', ')})`);
    } else if (a === '--quiet') {
      quiet = true;
    } else if (a === '-h' || a === '--help') {
      console.log(usage());
      return 0;
    } else if (a.startsWith('-')) {
      throw new GenError(`unknown option ${a}\n${usage()}`);
    } else if (outdir === null) {
      outdir = a;
    } else {
      throw new GenError(`unexpected argument ${a}\n${usage()}`);
    }
  }
  if (outdir === null) throw new GenError(usage());
  await generate(outdir, { sets, quiet });
  return 0;
}

module.exports = { ORACLE_DIR, EVAL_SETS, KEY_STEPS, ROTATE_STEPS, naf, generate };

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      const msg = e instanceof GenError || e instanceof G.GenError ? e.message : `${G.errMessage(e)}${e && e.stack ? `\n${e.stack}` : ''}`;
      process.stderr.write(`gen_node_seal_eval.js: error: ${msg}\n`);
      process.exit(1);
    },
  );
}
