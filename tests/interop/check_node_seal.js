#!/usr/bin/env node
// Checks our objects with node-seal 6.0.3 (Microsoft SEAL 4.1, wasm), per tests/interop/FORMAT.md
// ("ours-for-<oracle>"): reads VECDIR/ours-for-node-seal/<set>/ and the oracle's own objects from
// VECDIR/node-seal/<set>/ (written by gen_node_seal.js).
//
//   node tests/interop/check_node_seal.js VECDIR [--allow-missing]
//   node tests/interop/check_node_seal.js --self-test [VECDIR] [--keep]
//
// Checks per set (one output line each, "PASS|FAIL <set>/<file>: ..."):
//   parms.none.bin                 loads into SEAL; its parms_id equals the oracle's key parms_id
//                                  and its bytes equal the oracle's parms.none.bin
//   ct_pk.none.bin                 decrypts with the oracle's secret key to ct_pk.values.f64
//   ct_sym.seeded.{none,zstd}.bin  same with ct_sym.values.f64; the none file must be seeded
//   own/public_key.none.bin        node-seal encrypts under our public key, our secret key decrypts
//   own/ct.none.bin                decrypts with our own/secret_key.none.bin to own/ct.values.f64
// Values files hold real doubles for the first slots; the remaining slots must decrypt to 0.
// The error bound (FORMAT.md) is max(2^-20, 2^20/scale) with the set's meta.scale, or the
// stricter <stem>.bound.json ({"max_abs_error": x}) next to the values file when present
// (e.g. ct_pk.bound.json, own/ct.bound.json); a looser bound.json cannot relax the default.
// A missing input file is a failure (with --allow-missing: a SKIP line). The last line is exactly
// "N passed, M failed"; the exit status is non-zero on any failure or when no set exists.
//
// --self-test writes "ours" files with node-seal itself into a temporary directory (next to a
// link to VECDIR/node-seal, or to freshly generated sets when VECDIR has none; VECDIR is never
// written), runs this checker on them (all must pass), then corrupts inputs one at a time and
// asserts that exactly the affected checks fail.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const G = require('./gen_node_seal.js');

const OURS = `ours-for-${G.ORACLE}`;

class Results {
  constructor(echo = true, prefix = '') {
    this.items = [];
    this.echo = echo;
    this.prefix = prefix;
  }
  add(name, ok, msg) {
    this.items.push({ name, ok, msg });
    if (this.echo) console.log(`${this.prefix}${ok ? 'PASS' : 'FAIL'} ${name}: ${msg}`);
  }
  skip(name, msg) {
    if (this.echo) console.log(`${this.prefix}SKIP ${name}: ${msg}`);
  }
  get passed() {
    return this.items.filter((i) => i.ok).length;
  }
  get failed() {
    return this.items.filter((i) => !i.ok).length;
  }
}

function fmt(x) {
  return Number.isFinite(x) ? x.toExponential(3) : String(x);
}

function defaultBound(scale) {
  return Math.max(2 ** -20, 2 ** 20 / scale);
}

function readBound(stemPath, scale) {
  const def = defaultBound(scale);
  const p = `${stemPath}.bound.json`;
  if (!fs.existsSync(p)) return { bound: def, from: 'default max(2^-20, 2^20/scale)' };
  let j;
  try {
    j = JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch (e) {
    throw new G.GenError(`${path.basename(p)}: invalid JSON (${e.message})`);
  }
  const b = j && j.max_abs_error;
  if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0) throw new G.GenError(`${path.basename(p)}: max_abs_error must be a positive number`);
  if (b > def) return { bound: def, from: `default; ${path.basename(p)} allows ${fmt(b)}` };
  return { bound: b, from: path.basename(p) };
}

// Loads a ciphertext (SEAL's full validity check), decrypts and decodes it.
function decryptError(seal, ctx, sk, ctBytes, values) {
  const encoder = seal.CKKSEncoder(ctx);
  const decryptor = seal.Decryptor(ctx, sk);
  const ct = seal.CipherText();
  try {
    if (values.length > encoder.slotCount) {
      throw new G.GenError(`${values.length} values for ${encoder.slotCount} slots (node-seal decodes real values only)`);
    }
    ct.loadArray(ctx, ctBytes);
    const level = ctx.getContextData(ct.parmsId).chainIndex;
    const scale = ct.scale;
    const pt = decryptor.decrypt(ct);
    const got = encoder.decode(pt);
    pt.delete();
    return { err: G.maxAbsError(values, got), level, scale, size: ct.size };
  } finally {
    ct.delete();
    decryptor.delete();
    encoder.delete();
  }
}

function loadKey(seal, ctx, kind, bytes) {
  const k = kind === 'secret' ? seal.SecretKey() : seal.PublicKey();
  k.loadArray(ctx, bytes);
  return k;
}

function checkSet(seal, vecdir, setName, res, { allowMissing = false } = {}) {
  const ours = path.join(vecdir, OURS, setName);
  const oracle = path.join(vecdir, G.ORACLE, setName);
  const tag = setName;
  if (!fs.existsSync(path.join(oracle, 'meta.json'))) {
    res.add(tag, false, `no oracle objects in ${oracle} (run gen_node_seal.js first)`);
    return;
  }
  let meta, oracleParms, ctx, parms, oracleSk;
  try {
    meta = JSON.parse(fs.readFileSync(path.join(oracle, 'meta.json'), 'utf8'));
    if (typeof meta.scale !== 'number' || !(meta.scale > 0)) throw new G.GenError('meta.json has no positive "scale"');
    oracleParms = fs.readFileSync(path.join(oracle, 'parms.none.bin'));
    ({ parms, ctx } = G.contextFromParmsBytes(seal, oracleParms));
    oracleSk = loadKey(seal, ctx, 'secret', fs.readFileSync(path.join(oracle, 'secret_key.none.bin')));
  } catch (e) {
    res.add(tag, false, `cannot load the oracle's objects from ${oracle}: ${G.errMessage(e)}`);
    return;
  }
  const have = (...names) => {
    const missing = names.filter((nm) => !fs.existsSync(path.join(ours, nm)));
    if (!missing.length) return true;
    const what = `${tag}/${names[0]}`;
    if (allowMissing) res.skip(what, `missing ${missing.join(', ')}`);
    else res.add(what, false, `missing ${missing.map((m) => path.join(ours, m)).join(', ')}`);
    return false;
  };
  const attempt = (name, fn) => {
    try {
      fn();
    } catch (e) {
      res.add(name, false, G.errMessage(e));
    }
  };

  // parms
  if (have('parms.none.bin')) {
    const name = `${tag}/parms.none.bin`;
    attempt(name, () => {
      const data = fs.readFileSync(path.join(ours, 'parms.none.bin'));
      G.checkHeader(data, 'none', 'parms.none.bin');
      const p = seal.EncryptionParameters(seal.SchemeType.ckks);
      try {
        p.loadArray(data);
        const got = G.parmsIdHex(p.parmsId);
        const want = G.parmsIdHex(ctx.keyParmsId);
        const resaved = Buffer.from(p.saveArray(seal.ComprModeType.none));
        const problems = [];
        if (got !== want) problems.push(`parms_id ${got} != the oracle's ${want}`);
        if (!resaved.equals(data)) problems.push('node-seal re-saves it differently (not canonical)');
        if (!data.equals(oracleParms)) problems.push(`bytes differ from the oracle's parms.none.bin (${data.length} vs ${oracleParms.length} bytes)`);
        if (problems.length) res.add(name, false, `loaded, but ${problems.join('; ')}`);
        else res.add(name, true, `loaded; parms_id ${got.slice(0, 16)}... equals the oracle's; bytes identical`);
      } finally {
        p.delete();
      }
    });
  }

  // ciphertexts under the oracle's keys
  const cts = [
    ['ct_pk.none.bin', 'ct_pk', 'none', false],
    ['ct_sym.seeded.none.bin', 'ct_sym', 'none', true],
    ['ct_sym.seeded.zstd.bin', 'ct_sym', 'zstd', true],
  ];
  for (const [file, stem, compr, seeded] of cts) {
    if (!have(file, `${stem}.values.f64`)) continue;
    const name = `${tag}/${file}`;
    attempt(name, () => {
      const data = fs.readFileSync(path.join(ours, file));
      G.checkHeader(data, compr, file);
      const values = G.readF64(path.join(ours, `${stem}.values.f64`));
      const { bound, from } = readBound(path.join(ours, stem), meta.scale);
      let extra = '';
      if (seeded && compr === 'none') {
        const info = G.ciphertextInfo(data);
        if (!info.seeded) {
          res.add(name, false, `not a seeded ciphertext (size ${info.size}, ${info.count} data words for N=${info.n}, L=${info.l})`);
          return;
        }
        extra = `, seeded (${data.length} bytes)`;
      }
      const r = decryptError(seal, ctx, oracleSk, data, values);
      res.add(name, r.err <= bound, `max_abs_err=${fmt(r.err)} (bound ${fmt(bound)} from ${from}; ${values.length} real values, ` +
        `scale 2^${Math.log2(r.scale).toFixed(2)}, chain index ${r.level})${extra}`);
    });
  }

  // our own keys
  if (have('own/public_key.none.bin', 'own/secret_key.none.bin')) {
    const name = `${tag}/own/public_key.none.bin`;
    attempt(name, () => {
      const sk = loadKey(seal, ctx, 'secret', fs.readFileSync(path.join(ours, 'own/secret_key.none.bin')));
      const pk = loadKey(seal, ctx, 'public', fs.readFileSync(path.join(ours, 'own/public_key.none.bin')));
      const encoder = seal.CKKSEncoder(ctx);
      const encryptor = seal.Encryptor(ctx, pk);
      try {
        const probe = G.uniformValues(G.makeRng(`check/${setName}/probe`), encoder.slotCount);
        const pt = encoder.encode(probe, meta.scale);
        const ct = encryptor.encrypt(pt);
        const bytes = ct.saveArray(seal.ComprModeType.none);
        pt.delete();
        ct.delete();
        const { bound, from } = readBound(path.join(ours, 'own/ct'), meta.scale);
        const r = decryptError(seal, ctx, sk, bytes, probe);
        res.add(name, r.err <= bound, `node-seal encryption under our public key decrypts with our secret key: ` +
          `max_abs_err=${fmt(r.err)} (bound ${fmt(bound)} from ${from})`);
      } finally {
        for (const o of [encryptor, encoder, pk, sk]) o.delete();
      }
    });
  }
  if (have('own/ct.none.bin', 'own/ct.values.f64', 'own/secret_key.none.bin')) {
    const name = `${tag}/own/ct.none.bin`;
    attempt(name, () => {
      const sk = loadKey(seal, ctx, 'secret', fs.readFileSync(path.join(ours, 'own/secret_key.none.bin')));
      try {
        const data = fs.readFileSync(path.join(ours, 'own/ct.none.bin'));
        G.checkHeader(data, 'none', 'own/ct.none.bin');
        const values = G.readF64(path.join(ours, 'own/ct.values.f64'));
        const { bound, from } = readBound(path.join(ours, 'own/ct'), meta.scale);
        const r = decryptError(seal, ctx, sk, data, values);
        res.add(name, r.err <= bound, `max_abs_err=${fmt(r.err)} (bound ${fmt(bound)} from ${from}; ${values.length} real values, ` +
          `scale 2^${Math.log2(r.scale).toFixed(2)}, chain index ${r.level}) with our secret key`);
      } finally {
        sk.delete();
      }
    });
  }
  // our evaluation keys (seeded RelinKeys and GaloisKeys from our KeyGenerator) used by node-seal's
  // evaluator on our ciphertext: relinearize(ct·ct) and rotate(ct, 1), decrypted with our secret key.
  // Optional (older writers and --self-test do not produce evaluation keys): checked when present.
  const evalKeyFiles = ['own/relin_keys.none.bin', 'own/galois_keys.none.bin', 'own/ct.none.bin', 'own/ct.values.f64', 'own/secret_key.none.bin'];
  if (evalKeyFiles.every((nm) => fs.existsSync(path.join(ours, nm)))) {
    const values = G.readF64(path.join(ours, 'own/ct.values.f64'));
    // Key switching at scale s adds about N·2^9 units of 1/s (seal-compat §10; worst at slot 0).
    const bound = Math.max(Math.pow(2, 26) / meta.scale, Math.pow(2, -20));
    const withOwn = (name, fn) => attempt(name, () => {
      const sk = loadKey(seal, ctx, 'secret', fs.readFileSync(path.join(ours, 'own/secret_key.none.bin')));
      const evaluator = seal.Evaluator(ctx);
      const ct = seal.CipherText();
      try {
        ct.loadArray(ctx, fs.readFileSync(path.join(ours, 'own/ct.none.bin')));
        fn(sk, evaluator, ct);
      } finally {
        for (const o of [ct, evaluator, sk]) o.delete();
      }
    });
    const firstBits = ctx.firstContextData.totalCoeffModulusBitCount;
    if (2 * Math.log2(meta.scale) + 2 < firstBits) {
      withOwn(`${tag}/own/relin_keys.none.bin`, (sk, evaluator, ct) => {
        const rk = seal.RelinKeys();
        rk.loadArray(ctx, fs.readFileSync(path.join(ours, 'own/relin_keys.none.bin')));
        const sq = evaluator.multiply(ct, ct);
        const lin = evaluator.relinearize(sq, rk);
        const bytes = lin.saveArray(seal.ComprModeType.none);
        const want = values.map((x) => x * x);
        const r = decryptError(seal, ctx, sk, bytes, want);
        res.add(`${tag}/own/relin_keys.none.bin`, r.err <= bound && r.size === 2,
          `node-seal relinearize(ct·ct) with our relin keys: size ${r.size}, max_abs_err=${fmt(r.err)} (bound ${fmt(bound)})`);
        for (const o of [lin, sq, rk]) o.delete();
      });
    }
    withOwn(`${tag}/own/galois_keys.none.bin`, (sk, evaluator, ct) => {
      const gk = seal.GaloisKeys();
      gk.loadArray(ctx, fs.readFileSync(path.join(ours, 'own/galois_keys.none.bin')));
      const rot = evaluator.rotateVector(ct, 1, gk);
      const bytes = rot.saveArray(seal.ComprModeType.none);
      // values fill every slot, and rotation is cyclic over the slots: slot i gets slot i + 1.
      const want = values.map((_, i) => values[(i + 1) % values.length]);
      const r = decryptError(seal, ctx, sk, bytes, want);
      res.add(`${tag}/own/galois_keys.none.bin`, r.err <= bound,
        `node-seal rotateVector(ct, 1) with our Galois keys: max_abs_err=${fmt(r.err)} (bound ${fmt(bound)})`);
      for (const o of [rot, gk]) o.delete();
    });
  }
  oracleSk.delete();
  ctx.delete();
  parms.delete();
}

async function check(vecdir, res, opts = {}) {
  const base = path.join(vecdir, OURS);
  const sets = fs.existsSync(base) ? fs.readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  if (!sets.length) {
    res.add(OURS, false, `no set directories found in ${base}`);
    return;
  }
  const seal = await G.loadSeal();
  for (const s of sets) checkSet(seal, vecdir, s, res, opts);
}

// ------------------------------------------------------------------------------ self-test
async function fabricateOurs(vecdir, setName) {
  const seal = await G.loadSeal();
  const oracle = path.join(vecdir, G.ORACLE, setName);
  const ours = path.join(vecdir, OURS, setName);
  fs.mkdirSync(path.join(ours, 'own'), { recursive: true });
  const meta = JSON.parse(fs.readFileSync(path.join(oracle, 'meta.json'), 'utf8'));
  const { n, bits, scale } = meta;
  const bound = JSON.stringify({ max_abs_error: Math.max(2 ** -20, 2 ** 20 / scale) });
  // Parameters built from meta (not copied), as our engine would.
  const { parms, ctx } = G.makeContext(seal, n, bits, true);
  G.writeFile(path.join(ours, 'parms.none.bin'), parms.saveArray(seal.ComprModeType.none));
  const pk = loadKey(seal, ctx, 'public', fs.readFileSync(path.join(oracle, 'public_key.none.bin')));
  const sk = loadKey(seal, ctx, 'secret', fs.readFileSync(path.join(oracle, 'secret_key.none.bin')));
  const encoder = seal.CKKSEncoder(ctx);
  const encryptor = seal.Encryptor(ctx, pk, sk);
  const rng = G.makeRng(`selftest/${setName}`);

  let v = G.uniformValues(rng, n / 2);
  let pt = encoder.encode(v, scale);
  const ct = encryptor.encrypt(pt);
  G.writeFile(path.join(ours, 'ct_pk.none.bin'), ct.saveArray(seal.ComprModeType.none));
  G.writeFile(path.join(ours, 'ct_pk.values.f64'), G.f64Bytes(v));
  G.writeFile(path.join(ours, 'ct_pk.bound.json'), bound);
  ct.delete();
  pt.delete();

  v = G.uniformValues(rng, n / 2);
  pt = encoder.encode(v, scale);
  const ser = encryptor.encryptSymmetricSerializable(pt);
  G.writeFile(path.join(ours, 'ct_sym.seeded.none.bin'), ser.saveArray(seal.ComprModeType.none));
  G.writeFile(path.join(ours, 'ct_sym.seeded.zstd.bin'), ser.saveArray(seal.ComprModeType.zstd));
  G.writeFile(path.join(ours, 'ct_sym.values.f64'), G.f64Bytes(v));
  G.writeFile(path.join(ours, 'ct_sym.bound.json'), bound);
  ser.delete();
  pt.delete();

  const kg = seal.KeyGenerator(ctx);
  const ownSk = kg.secretKey();
  const ownPk = kg.createPublicKey();
  G.writeFile(path.join(ours, 'own/secret_key.none.bin'), ownSk.saveArray(seal.ComprModeType.none));
  G.writeFile(path.join(ours, 'own/public_key.none.bin'), ownPk.saveArray(seal.ComprModeType.none));
  const ownEnc = seal.Encryptor(ctx, ownPk);
  v = G.uniformValues(rng, 100); // partial: the other slots must decrypt to 0
  pt = encoder.encode(v, scale);
  const oct = ownEnc.encrypt(pt);
  G.writeFile(path.join(ours, 'own/ct.none.bin'), oct.saveArray(seal.ComprModeType.none));
  G.writeFile(path.join(ours, 'own/ct.values.f64'), G.f64Bytes(v));
  G.writeFile(path.join(ours, 'own/ct.bound.json'), bound);
  for (const o of [oct, pt, ownEnc, ownPk, ownSk, kg, encryptor, encoder, sk, pk, ctx, parms]) o.delete();
}

// Runs this script as a child process on dir; returns {status, failed: [names], summary}.
function runChecker(dir, extraArgs = []) {
  const r = spawnSync(process.execPath, [__filename, dir, ...extraArgs], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  const lines = (r.stdout || '').split('\n').filter(Boolean);
  const failed = lines.filter((l) => l.startsWith('FAIL ')).map((l) => l.slice(5, l.indexOf(': ') > 0 ? l.indexOf(': ') : undefined));
  const skipped = lines.filter((l) => l.startsWith('SKIP ')).map((l) => l.slice(5, l.indexOf(': ')));
  const summary = lines.length ? lines[lines.length - 1] : '';
  const m = /^(\d+) passed, (\d+) failed$/.exec(summary);
  return {
    status: r.status, failed, skipped, summary, stderr: r.stderr || '', stdout: r.stdout || '',
    passed: m ? Number(m[1]) : -1, nfailed: m ? Number(m[2]) : -1,
  };
}

function sameSet(a, b) {
  return a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
}

async function selfTest(vecdir, keep) {
  const out = new Results(false);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'check_node_seal_selftest.'));
  try {
    // The oracle's sets: VECDIR/node-seal when it has them, else generated here.
    let sets = [];
    const given = vecdir ? path.resolve(vecdir, G.ORACLE) : null;
    const setsIn = (d) => (fs.existsSync(d) ? fs.readdirSync(d).filter((s) => fs.existsSync(path.join(d, s, 'meta.json'))).sort() : []);
    if (given && setsIn(given).length) {
      fs.symlinkSync(given, path.join(tmp, G.ORACLE), 'dir');
      console.log(`-- self-test: oracle sets from ${given}`);
    } else {
      console.log(`-- self-test: ${given ? `${given} has no sets; ` : ''}generating node-seal sets in ${tmp}`);
      await G.generate(tmp, { only: ['sets'], quiet: true });
    }
    sets = setsIn(path.join(tmp, G.ORACLE));
    if (!sets.length) throw new G.GenError('no oracle sets');
    for (const s of sets) await fabricateOurs(tmp, s);
    const perSet = 6;
    console.log(`-- self-test: checking node-seal-fabricated files in ${path.join(tmp, OURS)}`);
    const clean = runChecker(tmp);
    process.stdout.write(clean.stdout.split('\n').filter(Boolean).map((l) => `   (clean) ${l}\n`).join(''));
    out.add('clean run', clean.status === 0 && clean.nfailed === 0 && clean.passed === perSet * sets.length,
      `exit ${clean.status}, "${clean.summary}" (expected exit 0, "${perSet * sets.length} passed, 0 failed")`);

    const s0 = sets[0];
    const d0 = path.join(tmp, OURS, s0);
    const f = (rel) => path.join(d0, rel);
    const scenario = (label, mutate, expectFailed, { args = [], expectStatus = 1, expectSkipped = [] } = {}) => {
      const touched = new Map();
      const backup = (rel) => {
        if (!touched.has(rel)) touched.set(rel, fs.existsSync(f(rel)) ? fs.readFileSync(f(rel)) : null);
      };
      try {
        mutate(backup);
        const r = runChecker(tmp, args);
        const want = expectFailed.map((x) => `${s0}/${x}`);
        const wantSkipped = expectSkipped.map((x) => `${s0}/${x}`);
        const ok = r.status === expectStatus && sameSet(r.failed, want) && sameSet(r.skipped, wantSkipped) && r.nfailed === want.length;
        const details = r.stdout.split('\n').filter((l) => l.startsWith('FAIL ') || l.startsWith('SKIP ')).map((l) => `      ${l}`).join('\n');
        out.add(label, ok, `exit ${r.status}, "${r.summary}", failed [${r.failed.join(', ')}]` +
          `${wantSkipped.length ? `, skipped [${r.skipped.join(', ')}]` : ''} (expected exit ${expectStatus}, failed [${want.join(', ')}])` +
          (details ? `\n${details}` : ''));
      } finally {
        for (const [rel, data] of touched) {
          if (data === null) fs.rmSync(f(rel), { force: true });
          else fs.writeFileSync(f(rel), data);
        }
      }
    };

    scenario('corrupted ct_pk coefficient', (backup) => {
      backup('ct_pk.none.bin');
      const b = fs.readFileSync(f('ct_pk.none.bin'));
      const pos = b.length - 8 * 1001; // a data word of c1; halving keeps it below its prime
      const w = b.readBigUInt64LE(pos);
      b.writeBigUInt64LE(w > 1n ? w / 2n : 12345n, pos);
      fs.writeFileSync(f('ct_pk.none.bin'), b);
    }, ['ct_pk.none.bin']);

    scenario('wrong ct_sym values', (backup) => {
      backup('ct_sym.values.f64');
      const b = fs.readFileSync(f('ct_sym.values.f64'));
      b.writeDoubleLE(b.readDoubleLE(8 * 7) + 0.01, 8 * 7);
      fs.writeFileSync(f('ct_sym.values.f64'), b);
    }, ['ct_sym.seeded.none.bin', 'ct_sym.seeded.zstd.bin']);

    scenario('unseeded ct_sym.seeded.none.bin', (backup) => {
      backup('ct_sym.seeded.none.bin');
      fs.copyFileSync(path.join(tmp, G.ORACLE, s0, 'ct_sym.seeded.expanded.bin'), f('ct_sym.seeded.none.bin'));
    }, ['ct_sym.seeded.none.bin']);

    if (sets.length > 1) {
      scenario('other parameters in parms.none.bin', (backup) => {
        backup('parms.none.bin');
        fs.copyFileSync(path.join(tmp, OURS, sets[1], 'parms.none.bin'), f('parms.none.bin'));
      }, ['parms.none.bin']);
    }

    scenario('truncated own/ct.none.bin', (backup) => {
      backup('own/ct.none.bin');
      const b = fs.readFileSync(f('own/ct.none.bin'));
      fs.writeFileSync(f('own/ct.none.bin'), b.subarray(0, b.length - 100));
    }, ['own/ct.none.bin']);

    scenario('own/ct.none.bin coefficient >= its prime', (backup) => {
      backup('own/ct.none.bin');
      const b = fs.readFileSync(f('own/ct.none.bin'));
      b.writeBigUInt64LE(0xffffffffffffffffn, b.length - 8 * 5);
      fs.writeFileSync(f('own/ct.none.bin'), b);
    }, ['own/ct.none.bin']);

    scenario('wrong own/secret_key (the oracle\'s)', (backup) => {
      backup('own/secret_key.none.bin');
      fs.copyFileSync(path.join(tmp, G.ORACLE, s0, 'secret_key.none.bin'), f('own/secret_key.none.bin'));
    }, ['own/public_key.none.bin', 'own/ct.none.bin']);

    scenario('tight ct_pk.bound.json', (backup) => {
      backup('ct_pk.bound.json');
      fs.writeFileSync(f('ct_pk.bound.json'), JSON.stringify({ max_abs_error: 1e-15 }));
    }, ['ct_pk.none.bin']);

    scenario('no ct_pk.bound.json (default bound applies)', (backup) => {
      backup('ct_pk.bound.json');
      fs.rmSync(f('ct_pk.bound.json'));
    }, [], { expectStatus: 0 });

    scenario('loose ct_pk.bound.json does not relax the default', (backup) => {
      backup('ct_pk.bound.json');
      backup('ct_pk.values.f64');
      fs.writeFileSync(f('ct_pk.bound.json'), JSON.stringify({ max_abs_error: 1.0 }));
      const b = fs.readFileSync(f('ct_pk.values.f64'));
      b.writeDoubleLE(b.readDoubleLE(8 * 3) + 0.01, 8 * 3);
      fs.writeFileSync(f('ct_pk.values.f64'), b);
    }, ['ct_pk.none.bin']);

    scenario('missing own/ct.values.f64', (backup) => {
      backup('own/ct.values.f64');
      fs.rmSync(f('own/ct.values.f64'));
    }, ['own/ct.none.bin']);

    scenario('missing own/ct.values.f64 with --allow-missing', (backup) => {
      backup('own/ct.values.f64');
      fs.rmSync(f('own/ct.values.f64'));
    }, [], { args: ['--allow-missing'], expectStatus: 0, expectSkipped: ['own/ct.none.bin'] });

    // No set at all.
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(path.join(empty, OURS), { recursive: true });
    const r = runChecker(empty);
    out.add('no set directory', r.status !== 0 && r.nfailed >= 1 && r.passed === 0,
      `exit ${r.status}, "${r.summary}" (expected non-zero, 0 passed)`);

    console.log('-- self-test: summary');
    for (const { name, ok, msg } of out.items) console.log(`${ok ? 'PASS' : 'FAIL'} self-test ${name}: ${msg}`);
  } catch (e) {
    out.add('self-test', false, `aborted: ${G.errMessage(e)}`);
    console.log(`FAIL self-test: aborted: ${G.errMessage(e)}`);
  } finally {
    if (keep) console.log(`(kept ${tmp})`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`${out.passed} passed, ${out.failed} failed`);
  return out.failed || !out.passed ? 1 : 0;
}

function usage() {
  return 'usage: node check_node_seal.js VECDIR [--allow-missing]\n       node check_node_seal.js --self-test [VECDIR] [--keep]';
}

async function main(argv) {
  const args = argv.slice(2);
  let vecdir = null;
  let selfTestMode = false;
  let keep = false;
  let allowMissing = false;
  for (const a of args) {
    if (a === '--self-test') selfTestMode = true;
    else if (a === '--keep') keep = true;
    else if (a === '--allow-missing') allowMissing = true;
    else if (a === '-h' || a === '--help') {
      console.log(usage());
      return 0;
    } else if (a.startsWith('-')) throw new G.GenError(`unknown option ${a}\n${usage()}`);
    else if (vecdir === null) vecdir = a;
    else throw new G.GenError(`unexpected argument ${a}\n${usage()}`);
  }
  if (selfTestMode) return selfTest(vecdir, keep);
  if (vecdir === null) throw new G.GenError(usage());
  if (!fs.existsSync(vecdir)) throw new G.GenError(`${vecdir} does not exist`);
  const res = new Results();
  await check(vecdir, res, { allowMissing });
  console.log(`${res.passed} passed, ${res.failed} failed`);
  return res.failed || !res.passed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`check_node_seal.js: error: ${G.errMessage(e)}\n`);
      process.exit(2);
    },
  );
}
