#!/usr/bin/env node
// Writes the node-seal 6.0.3 (Microsoft SEAL 4.1 compiled to wasm) interop vectors described in
// tests/interop/FORMAT.md into OUTDIR/node-seal/.
//
//   node tests/interop/gen_node_seal.js OUTDIR [--only params,sets,encode]
//
// Every SEAL binary is exactly what node-seal's saveArray() wrote. Values come from a seeded
// JS PRNG (sfc32), so every *.f64 file and every encoder plaintext is reproducible; keys and
// ciphertexts use SEAL's own randomness. The output is built in OUTDIR/node-seal.partial and
// renamed to OUTDIR/node-seal only when everything was written and self-checked.
//
// node-seal API used for seeded objects (names checked in node_modules/node-seal typings):
//   KeyGenerator.createPublicKeySerializable(), createRelinKeysSerializable(),
//   createGaloisKeysSerializable(Int32Array steps), Encryptor.encryptSymmetricSerializable(pt),
//   each returning a Serializable whose saveArray(ComprModeType.x) writes the seeded form.
// node-seal has no complex CKKS encode (CKKSEncoder.encode takes a Float64Array of real
// values), so every encoder case is real ("complex": false).
'use strict';

const fs = require('fs');
const path = require('path');

const ORACLE = 'node-seal';
const NODE_SEAL_VERSION = '6.0.3';
const COMPRESSIONS = ['none', 'zlib', 'zstd'];
const COMPR_BYTE = { none: 0, zlib: 1, zstd: 2 };
const SEED = 20250821;

// (n, bits) combinations for params.json. "insecure" is decided with SEAL's own
// CoeffModulus.MaxBitCount(n, tc128); insecure ones get a context with sec_level none.
const PARAM_COMBOS = [
  [1024, [27]],
  [1024, [30, 30, 30]], // insecure
  [2048, [54]],
  [2048, [27, 27]],
  [2048, [20, 34]],
  [2048, [40, 40]], // insecure
  [4096, [40, 20, 40]],
  [4096, [36, 36, 37]],
  [4096, [60, 60]], // insecure
  [8192, [60]],
  [8192, [60, 40, 40, 60]],
  [8192, [40, 50, 40, 50]],
  [8192, [50, 30, 30, 30, 50]],
  [8192, [60, 60, 60, 60]], // insecure
  [8192, [30, 40, 50, 60, 50, 40, 30]], // insecure
  [16384, [60, 30, 30, 60]],
  [16384, [60, 40, 40, 40, 40, 60]],
  [16384, [50, 60, 50, 60, 50, 60, 50]],
  [32768, [60, 60, 60, 60, 60]],
  [32768, [60, 40, 60, 40, 60, 40, 60]],
  [32768, [60, 50, 60, 50, 60, 60]],
];

// Object sets: [n, bits, log2(scale)].
const OBJECT_SETS = [
  [4096, [40, 20, 40], 40],
  [8192, [60, 40, 40, 60], 40],
  [16384, [60, 30, 30, 60], 30],
];
// Galois steps passed to SEAL's create_galois_keys(steps); step 0 is SEAL's conjugation
// element 2N-1 (GaloisTool::get_elt_from_step), so the keys hold 3^1, 3^-1, 3^2 and 2N-1.
const GALOIS_STEPS = [1, -1, 2, 0];

// Encoder cases: scales 2^20..2^40 only (seal-compat.md §8: node-seal and native SEAL agree
// there), real values only.
const ENCODE_PARAMS = [
  [8192, [60, 40, 40, 60]],
  [4096, [40, 20, 40]],
];
const ENCODE_SCALE_BITS = [20, 25, 30, 35, 40];
const ENCODE_KINDS = ['uniform', 'partial', 'magnitude', 'structured', 'const', 'sparse'];

class GenError extends Error {}

function die(msg) {
  process.stderr.write(`gen_node_seal.js: error: ${msg}\n`);
  process.exit(1);
}

// ------------------------------------------------------------------------------ node-seal
let sealPromise = null;
function loadSeal() {
  if (!sealPromise) {
    let SEAL;
    try {
      SEAL = require('node-seal');
    } catch (e) {
      throw new GenError(`cannot load node-seal (${e.message}); run \`npm ci\` in ${__dirname}`);
    }
    sealPromise = SEAL().then((seal) => {
      if (seal.Version !== NODE_SEAL_VERSION && !String(seal.Version).startsWith(NODE_SEAL_VERSION)) {
        // seal.Version is node-seal's package version in 6.x.
        process.stderr.write(`warning: node-seal reports version ${seal.Version}, expected ${NODE_SEAL_VERSION}\n`);
      }
      return seal;
    });
  }
  return sealPromise;
}

function comprMode(seal, c) {
  const m = seal.ComprModeType[c];
  if (m === undefined) throw new GenError(`unknown compression ${c}`);
  return m;
}

function errMessage(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

// Builds a CKKS context; returns {parms, ctx, insecure}. Throws when SEAL rejects it.
function makeContext(seal, n, bits, forceInsecure = null) {
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.setPolyModulusDegree(n);
  const coeff = seal.CoeffModulus.Create(n, Int32Array.from(bits));
  parms.setCoeffModulus(coeff);
  coeff.delete();
  const total = bits.reduce((a, b) => a + b, 0);
  const insecure = forceInsecure !== null ? forceInsecure : total > seal.CoeffModulus.MaxBitCount(n, seal.SecurityLevel.tc128);
  const ctx = seal.Context(parms, true, insecure ? seal.SecurityLevel.none : seal.SecurityLevel.tc128);
  if (!ctx.parametersSet()) {
    ctx.delete();
    parms.delete();
    throw new GenError(`SEAL rejected n=${n} bits=[${bits}] (insecure=${insecure})`);
  }
  return { parms, ctx, insecure };
}

// Context from a saved EncryptionParameters (used by the checker: same chain, no sec check).
function contextFromParmsBytes(seal, bytes) {
  const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
  parms.loadArray(bytes);
  const ctx = seal.Context(parms, true, seal.SecurityLevel.none);
  if (!ctx.parametersSet()) throw new GenError('SEAL rejected the saved parameters');
  return { parms, ctx };
}

// parms_id as FORMAT.md wants it: the four u64 words, each little-endian, as 64 hex digits.
function parmsIdHex(parmsId) {
  const words = parmsId.values;
  if (!words || words.length !== 4) throw new GenError('parms_id does not have 4 words');
  const buf = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) buf.writeBigUInt64LE(BigInt.asUintN(64, words[i]), 8 * i);
  return buf.toString('hex');
}

// Walks the modulus chain from the key level down to chain index 0.
function levelChain(ctx) {
  const levels = [];
  let cd = ctx.keyContextData;
  for (;;) {
    const primes = Array.from(cd.parms.coeffModulus, (q) => q.toString());
    levels.push({ chain_index: cd.chainIndex, primes, parms_id: parmsIdHex(cd.parmsId) });
    if (cd.chainIndex === 0) break;
    if (levels.length > 300) throw new GenError('modulus chain does not end');
    cd = cd.nextContextData;
  }
  for (let i = 1; i < levels.length; i++) {
    if (levels[i].chain_index !== levels[i - 1].chain_index - 1 || levels[i].primes.length !== levels[i - 1].primes.length - 1) {
      throw new GenError('unexpected modulus chain shape');
    }
  }
  if (levels[levels.length - 1].primes.length !== 1) throw new GenError('last level does not have one prime');
  return levels;
}

// ------------------------------------------------------------------------------ PRNG (sfc32)
function hashSeed(str) {
  // xmur3: string -> stream of 32-bit seeds
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

function makeRng(key) {
  const s = hashSeed(`${SEED}/${key}`);
  let a = s(), b = s(), c = s(), d = s();
  const next32 = () => {
    a |= 0; b |= 0; c |= 0; d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next32();
  const unit = () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992; // [0,1), 53 bits
  return {
    next32,
    unit,
    uniform: (lo, hi) => lo + (hi - lo) * unit(),
    int: (k) => Math.floor(unit() * k),
  };
}

function uniformValues(rng, count, lo = -1, hi = 1) {
  const v = new Float64Array(count);
  for (let i = 0; i < count; i++) v[i] = rng.uniform(lo, hi);
  return v;
}

// ------------------------------------------------------------------------------ files
function writeFile(p, data) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

function writeJson(p, obj) {
  writeFile(p, JSON.stringify(obj, null, 1) + '\n');
}

function f64Bytes(values) {
  const buf = Buffer.alloc(8 * values.length);
  for (let i = 0; i < values.length; i++) buf.writeDoubleLE(values[i], 8 * i);
  return buf;
}

function readF64(p) {
  const buf = fs.readFileSync(p);
  if (buf.length % 8) throw new GenError(`${p}: ${buf.length} bytes is not a multiple of 8`);
  const out = new Float64Array(buf.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(8 * i);
  return out;
}

// Checks the 16-byte SEALHeader: magic, header size, version 4.1, compression, size field.
function checkHeader(bytes, compr, what) {
  if (bytes.length < 16) throw new GenError(`${what}: only ${bytes.length} bytes`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] !== 0x5e || b[1] !== 0xa1) throw new GenError(`${what}: bad SEAL magic ${b.subarray(0, 2).toString('hex')}`);
  if (b[2] !== 16) throw new GenError(`${what}: header size ${b[2]}`);
  if (b[3] !== 4 || b[4] !== 1) throw new GenError(`${what}: SEAL version ${b[3]}.${b[4]}, expected 4.1`);
  if (compr !== null && b[5] !== COMPR_BYTE[compr]) throw new GenError(`${what}: compression byte ${b[5]}, expected ${COMPR_BYTE[compr]} (${compr})`);
  const size = b.readBigUInt64LE(8);
  if (size !== BigInt(b.length)) throw new GenError(`${what}: header size field ${size} != ${b.length} bytes`);
}

// Ciphertext layout (compression none): header | parms_id[32] | ntt u8 | size u64 | N u64 |
// L u64 | scale f64 | cf u64 | DynArray(header, u64 count, data).
function ciphertextInfo(bytes) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 89 + 24) throw new GenError('ciphertext too short');
  const size = Number(b.readBigUInt64LE(49));
  const n = Number(b.readBigUInt64LE(57));
  const l = Number(b.readBigUInt64LE(65));
  const scale = b.readDoubleLE(73);
  const count = Number(b.readBigUInt64LE(89 + 16));
  return { size, n, l, scale, count, seeded: size === 2 && count === n * l };
}

function galoisElt(step, n) {
  const m = 2 * n;
  if (step === 0) return m - 1;
  const abs = Math.abs(step);
  if (abs >= n / 2) throw new GenError(`galois step ${step} too large for n=${n}`);
  const e = step > 0 ? abs : n / 2 - abs;
  let r = 1n;
  for (let i = 0; i < e; i++) r = (r * 3n) % BigInt(m);
  return Number(r);
}

function setName(n, bits) {
  return `n${n}_${bits.join('-')}`;
}

// ------------------------------------------------------------------------------ params.json
async function writeParams(root, log) {
  const seal = await loadSeal();
  const out = [];
  for (const [n, bits] of PARAM_COMBOS) {
    const { parms, ctx, insecure } = makeContext(seal, n, bits);
    const levels = levelChain(ctx);
    if (levels.length !== bits.length) throw new GenError(`n=${n} [${bits}]: ${levels.length} levels, expected ${bits.length}`);
    if (parmsIdHex(ctx.keyParmsId) !== levels[0].parms_id) throw new GenError('key parms_id mismatch');
    if (parmsIdHex(parms.parmsId) !== levels[0].parms_id) throw new GenError('parms.parmsId != key parms_id');
    out.push({ n, bits, insecure, levels });
    ctx.delete();
    parms.delete();
  }
  writeJson(path.join(root, 'params.json'), out);
  log(`params.json: ${out.length} (n, bits) combinations`);
}

// ------------------------------------------------------------------------------ object sets
async function writeObjectSet(root, n, bits, scaleBits, log) {
  const seal = await loadSeal();
  const name = setName(n, bits);
  const dir = path.join(root, name);
  const scale = 2 ** scaleBits;
  const { parms, ctx, insecure } = makeContext(seal, n, bits);
  if (!ctx.usingKeyswitching) throw new GenError(`${name}: needs key switching (>= 2 primes)`);
  const cm = (c) => comprMode(seal, c);
  const missing = [];
  const sizes = {};
  const save = (file, bytes, compr) => {
    checkHeader(bytes, compr, `${name}/${file}`);
    writeFile(path.join(dir, file), bytes);
    sizes[file] = bytes.length;
  };
  const saveAll = (stem, obj) => {
    for (const c of COMPRESSIONS) save(`${stem}.${c}.bin`, obj.saveArray(cm(c)), c);
  };

  saveAll('parms', parms);

  const kg = seal.KeyGenerator(ctx);
  const sk = kg.secretKey();
  saveAll('secret_key', sk);

  // Unseeded keys (the overloads that fill an object) and seeded ones (Serializable).
  const pk = kg.createPublicKey();
  saveAll('public_key', pk);
  const rk = kg.createRelinKeys();
  saveAll('relin_keys', rk);
  const steps = Int32Array.from(GALOIS_STEPS);
  const gk = kg.createGaloisKeys(steps);
  saveAll('galois_keys', gk);
  const elts = GALOIS_STEPS.map((s) => galoisElt(s, n));
  for (const e of elts) if (!gk.hasKey(e)) throw new GenError(`${name}: galois keys lack element ${e}`);

  const seededKinds = [
    ['public_key', () => kg.createPublicKeySerializable(), () => seal.PublicKey()],
    ['relin_keys', () => kg.createRelinKeysSerializable(), () => seal.RelinKeys()],
    ['galois_keys', () => kg.createGaloisKeysSerializable(steps), () => seal.GaloisKeys()],
  ];
  for (const [stem, make, fresh] of seededKinds) {
    const ser = make();
    for (const c of COMPRESSIONS) save(`${stem}.seeded.${c}.bin`, ser.saveArray(cm(c)), c);
    ser.delete();
    const obj = fresh();
    obj.loadArray(ctx, fs.readFileSync(path.join(dir, `${stem}.seeded.none.bin`)));
    save(`${stem}.seeded.expanded.bin`, obj.saveArray(cm('none')), 'none');
    if (stem === 'galois_keys') for (const e of elts) if (!obj.hasKey(e)) throw new GenError(`${name}: seeded galois keys lack element ${e}`);
    obj.delete();
    if (sizes[`${stem}.seeded.expanded.bin`] !== sizes[`${stem}.none.bin`]) {
      throw new GenError(`${name}: ${stem} expanded is ${sizes[`${stem}.seeded.expanded.bin`]} bytes, unseeded ${sizes[`${stem}.none.bin`]}`);
    }
    if (!(sizes[`${stem}.seeded.none.bin`] < sizes[`${stem}.none.bin`])) throw new GenError(`${name}: ${stem} seeded form is not smaller`);
  }

  const encoder = seal.CKKSEncoder(ctx);
  const slots = encoder.slotCount;
  if (slots !== n / 2) throw new GenError(`${name}: slot count ${slots}`);
  const encryptor = seal.Encryptor(ctx, pk, sk);
  const decryptor = seal.Decryptor(ctx, sk);
  const evaluator = seal.Evaluator(ctx);
  const tol = Math.max(2 ** -20, 2 ** 20 / scale);
  const decryptCheck = (ct, values, what) => {
    const pt = decryptor.decrypt(ct);
    const got = encoder.decode(pt);
    pt.delete();
    const err = maxAbsError(values, got);
    if (!(err <= tol)) throw new GenError(`${name}/${what}: node-seal's own decryption error ${err} > ${tol}`);
    return err;
  };

  // plaintext at the first data level
  const ptValues = uniformValues(makeRng(`${name}/plaintext`), slots);
  const pt = encoder.encode(ptValues, scale);
  if (parmsIdHex(pt.parmsId) !== parmsIdHex(ctx.firstParmsId) || pt.scale !== scale) throw new GenError(`${name}: plaintext not at first level/scale`);
  saveAll('plaintext', pt);
  writeFile(path.join(dir, 'plaintext.values.f64'), f64Bytes(ptValues));
  pt.delete();

  // public-key encryption
  const pkValues = uniformValues(makeRng(`${name}/ct_pk`), slots);
  const ptPk = encoder.encode(pkValues, scale);
  const ctPk = encryptor.encrypt(ptPk);
  saveAll('ct_pk', ctPk);
  writeFile(path.join(dir, 'ct_pk.values.f64'), f64Bytes(pkValues));
  const errPk = decryptCheck(ctPk, pkValues, 'ct_pk');

  // ct_pk mod-switched once. SEAL refuses when the scale does not fit the next level
  // (is_scale_within_bounds: log2(scale) < bits of the remaining primes).
  const nextBits = bits.slice(0, bits.length - 2).reduce((a, b) => a + b, 0);
  if (scaleBits < nextBits) {
    const ct1 = evaluator.cipherModSwitchToNext(ctPk);
    save('ct_pk.level1.none.bin', ct1.saveArray(cm('none')), 'none');
    decryptCheck(ct1, pkValues, 'ct_pk.level1');
    ct1.delete();
  } else {
    missing.push('ct_pk.level1', 'ct_pk.level1.none.bin');
    log(`  ${name}: ct_pk.level1 impossible (scale 2^${scaleBits} does not fit the ${nextBits}-bit level below first); listed in meta.missing`);
  }
  ctPk.delete();
  ptPk.delete();

  // seeded symmetric encryption
  const symValues = uniformValues(makeRng(`${name}/ct_sym`), slots);
  const ptSym = encoder.encode(symValues, scale);
  const ser = encryptor.encryptSymmetricSerializable(ptSym);
  for (const c of COMPRESSIONS) save(`ct_sym.seeded.${c}.bin`, ser.saveArray(cm(c)), c);
  ser.delete();
  ptSym.delete();
  writeFile(path.join(dir, 'ct_sym.values.f64'), f64Bytes(symValues));
  const seededBytes = fs.readFileSync(path.join(dir, 'ct_sym.seeded.none.bin'));
  if (!ciphertextInfo(seededBytes).seeded) throw new GenError(`${name}: ct_sym.seeded.none.bin is not seeded`);
  const ctSym = seal.CipherText();
  ctSym.loadArray(ctx, seededBytes);
  save('ct_sym.seeded.expanded.bin', ctSym.saveArray(cm('none')), 'none');
  if (sizes['ct_sym.seeded.expanded.bin'] !== sizes['ct_pk.none.bin']) throw new GenError(`${name}: expanded ct_sym size`);
  const errSym = decryptCheck(ctSym, symValues, 'ct_sym');
  ctSym.delete();

  const meta = {
    n,
    bits,
    scale,
    galois_steps: GALOIS_STEPS,
    galois_elts: elts,
    missing,
    insecure,
    oracle: `node-seal@${NODE_SEAL_VERSION}`,
    parms_id: { key: parmsIdHex(ctx.keyParmsId), first: parmsIdHex(ctx.firstParmsId) },
    values_rng: `sfc32 seeded from "${SEED}/${name}/<stem>", uniform [-1, 1)`,
    note: 'galois_steps are the steps given to SEAL create_galois_keys; step 0 is the conjugation element 2N-1',
  };
  writeJson(path.join(dir, 'meta.json'), meta);

  for (const o of [evaluator, decryptor, encryptor, encoder, gk, rk, pk, sk, kg, ctx, parms]) o.delete();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  log(`  ${name}: scale 2^${scaleBits}, ${Object.keys(sizes).length} SEAL files, ${(total / 1e6).toFixed(1)} MB; ` +
      `node-seal self-decrypt err ct_pk ${errPk.toExponential(2)}, ct_sym ${errSym.toExponential(2)}`);
  return name;
}

function maxAbsError(want, got) {
  // want is zero-padded to got's length (SEAL encodes missing slots as 0).
  if (want.length > got.length) throw new GenError(`${want.length} values for ${got.length} slots`);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs((i < want.length ? want[i] : 0) - got[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > worst) worst = d;
  }
  return worst;
}

// ------------------------------------------------------------------------------ encoder cases
function caseValues(kind, n, scaleBits, caseIdx, rng) {
  const slots = n / 2;
  switch (kind) {
    case 'uniform':
      return { values: uniformValues(rng, slots), maxAbs: 1 };
    case 'partial': {
      const counts = [1, 3, 100, 1000, slots / 4 + 1, slots - 1];
      const count = counts[caseIdx % counts.length];
      return { values: uniformValues(rng, count), maxAbs: 1 };
    }
    case 'magnitude': {
      // |value * scale| stays <= 2^40: beyond that node-seal (wasm) and native SEAL may round
      // coefficients differently (seal-compat.md §8).
      const m = 2 ** Math.min(10, Math.max(0, 40 - scaleBits));
      return { values: uniformValues(rng, slots, -m, m), maxAbs: m };
    }
    case 'structured': {
      // exact small values: 0, +-1, +-0.5, +-0.25, small integers, mixed with uniform ones
      const v = new Float64Array(slots);
      const pool = [0, 1, -1, 0.5, -0.5, 0.25, -0.25, 0.125, 2 ** -10, -(2 ** -10)];
      for (let i = 0; i < slots; i++) v[i] = i % 4 === 3 ? rng.uniform(-1, 1) : pool[rng.int(pool.length)];
      return { values: v, maxAbs: 1 };
    }
    case 'const': {
      const c = rng.uniform(-1, 1);
      return { values: new Float64Array(slots).fill(c), maxAbs: Math.abs(c) };
    }
    case 'sparse': {
      const v = new Float64Array(slots);
      v[0] = rng.uniform(-1, 1);
      for (let k = 0; k < 16; k++) v[rng.int(slots)] = rng.uniform(-1, 1);
      return { values: v, maxAbs: 1 };
    }
    default:
      throw new GenError(`unknown case kind ${kind}`);
  }
}

async function writeEncodeCases(root, log) {
  const seal = await loadSeal();
  const dir = path.join(root, 'encode');
  const cases = [];
  let idx = 0;
  for (const [n, bits] of ENCODE_PARAMS) {
    const { parms, ctx } = makeContext(seal, n, bits);
    const encoder = seal.CKKSEncoder(ctx);
    const decryptTol = (scale, maxAbs) => Math.max(1e-9, (2 ** 4 * n) / scale) * Math.max(1, maxAbs);
    for (const sb of ENCODE_SCALE_BITS) {
      const scale = 2 ** sb;
      ENCODE_KINDS.forEach((kind, k) => {
        const id = `case-${String(idx).padStart(3, '0')}`;
        const rng = makeRng(`encode/${id}`);
        const { values, maxAbs } = caseValues(kind, n, sb, idx + k, rng);
        const pt = encoder.encode(values, scale);
        const bytes = pt.saveArray(comprMode(seal, 'none'));
        checkHeader(bytes, 'none', `encode/${id}`);
        if (parmsIdHex(pt.parmsId) !== parmsIdHex(ctx.firstParmsId)) throw new GenError(`${id}: not at the first level`);
        // The plaintext must decode back to the values (guards against silent misuse).
        const back = encoder.decode(pt);
        const err = maxAbsError(values, back);
        if (!(err <= decryptTol(scale, maxAbs))) throw new GenError(`${id}: decode error ${err}`);
        pt.delete();
        writeFile(path.join(dir, `${id}.plain.bin`), bytes);
        writeFile(path.join(dir, `${id}.values.f64`), f64Bytes(values));
        cases.push({ id, n, bits, scale, complex: false, count: values.length, level: 'first', kind, max_abs: maxAbs });
        idx++;
      });
    }
    encoder.delete();
    ctx.delete();
    parms.delete();
  }
  writeJson(path.join(dir, 'cases.json'), cases);
  log(`encode: ${cases.length} cases (real only: node-seal has no complex encode), scales 2^${ENCODE_SCALE_BITS.join(', 2^')}`);
}

// ------------------------------------------------------------------------------ main
async function generate(outdir, { only = ['params', 'sets', 'encode'], quiet = false, dest = null } = {}) {
  const log = quiet ? () => {} : (m) => console.log(m);
  const final = dest || path.join(outdir, ORACLE);
  const partial = `${final}.partial`;
  const t0 = Date.now();
  const seal = await loadSeal();
  // Stale vectors from an earlier run must not survive a failed run.
  fs.rmSync(final, { recursive: true, force: true });
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    log(`node-seal ${seal.Version} -> ${final}`);
    if (only.includes('params')) await writeParams(partial, log);
    if (only.includes('sets')) {
      log('object sets:');
      for (const [n, bits, sb] of OBJECT_SETS) await writeObjectSet(partial, n, bits, sb, log);
    }
    if (only.includes('encode')) await writeEncodeCases(partial, log);
    writeJson(path.join(partial, 'oracle.json'), {
      oracle: ORACLE,
      package: `node-seal@${NODE_SEAL_VERSION}`,
      reported_version: seal.Version,
      parts: only,
      seed: SEED,
    });
    fs.renameSync(partial, final);
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return final;
}

function usage() {
  return 'usage: node gen_node_seal.js OUTDIR [--only params,sets,encode]';
}

async function main(argv) {
  const args = argv.slice(2);
  let outdir = null;
  let only = ['params', 'sets', 'encode'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--only') {
      if (i + 1 >= args.length) throw new GenError(`--only needs a value\n${usage()}`);
      only = args[++i].split(',').filter(Boolean);
      for (const p of only) if (!['params', 'sets', 'encode'].includes(p)) throw new GenError(`--only: unknown part ${p}\n${usage()}`);
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
  await generate(outdir, { only });
  return 0;
}

module.exports = {
  ORACLE, COMPRESSIONS, COMPR_BYTE, OBJECT_SETS, GALOIS_STEPS, GenError,
  loadSeal, makeContext, contextFromParmsBytes, parmsIdHex, levelChain, makeRng, uniformValues,
  writeFile, writeJson, f64Bytes, readF64, checkHeader, ciphertextInfo, galoisElt, setName,
  maxAbsError, generate, comprMode, errMessage,
};

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => die(e instanceof GenError ? e.message : `${errMessage(e)}${e && e.stack ? `\n${e.stack}` : ''}`),
  );
}
