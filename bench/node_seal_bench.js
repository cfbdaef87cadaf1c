// node-seal 6.0.3 timings for the same operations and parameters as engine_bench.cpp.
// Prints one JSON object: {"node-seal": {"<op>/<n>": microseconds_per_op, ...}}.
// The NTT is per limb: node-seal exposes no per-prime NTT, so its ciphertext to/from-NTT
// transforms are divided by polynomials × limbs (2 × L at the first data level).
'use strict';
const path = require('path');
const SEAL = require(path.join(__dirname, '..', 'tests', 'interop', 'node_modules', 'node-seal'));

const BITS = { 8192: [60, 40, 40, 60], 16384: [60, 40, 40, 40, 40, 40, 40, 60] };
const MIN_SECONDS = Number(process.env.EI_BENCH_MIN_SECONDS || 0.5);

function time(fn) {
  fn();  // warm-up
  let iters = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  do {
    fn();
    iters += 1;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  } while (elapsed < MIN_SECONDS);
  return (elapsed * 1e6) / iters;
}

(async () => {
  const seal = await SEAL();
  const out = {};
  for (const n of [8192, 16384]) {
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks);
    parms.setPolyModulusDegree(n);
    parms.setCoeffModulus(seal.CoeffModulus.Create(n, Int32Array.from(BITS[n])));
    const context = seal.Context(parms, true, seal.SecurityLevel.tc128);
    if (!context.parametersSet()) throw new Error('node-seal rejected parameters for N=' + n);
    const encoder = seal.CKKSEncoder(context);
    const keygen = seal.KeyGenerator(context);
    const pk = keygen.createPublicKey();
    const encryptor = seal.Encryptor(context, pk);
    const decryptor = seal.Decryptor(context, keygen.secretKey());
    const evaluator = seal.Evaluator(context);
    const values = Float64Array.from({ length: n / 2 }, (_, i) => Math.sin(i));
    const scale = Math.pow(2, 40);
    const pt = seal.PlainText();
    encoder.encode(values, scale, pt);
    const ct = seal.CipherText();
    encryptor.encrypt(pt, ct);
    const limbs = BITS[n].length - 1;
    const polys = 2;
    out[`encode/${n}`] = time(() => encoder.encode(values, scale, pt));
    out[`encrypt_public/${n}`] = time(() => encryptor.encrypt(pt, ct));
    out[`decrypt/${n}`] = time(() => decryptor.decrypt(ct, pt));
    out[`decode/${n}`] = time(() => encoder.decode(pt));
    // Evaluator operations (issue 4), same inputs as engine_bench.cpp.
    const ct2 = ct.clone();
    const relinKeys = keygen.createRelinKeys();
    const galoisKeys = keygen.createGaloisKeys(Int32Array.from([1]));
    const prod = evaluator.multiply(ct, ct2);
    const dst = seal.CipherText();
    out[`multiply_plain/${n}`] = time(() => evaluator.multiplyPlain(ct, pt, dst));
    out[`multiply/${n}`] = time(() => evaluator.multiply(ct, ct2, dst));
    out[`relinearize/${n}`] = time(() => evaluator.relinearize(prod, relinKeys, dst));
    out[`rescale/${n}`] = time(() => evaluator.rescaleToNext(ct, dst));
    out[`rotate/${n}`] = time(() => evaluator.rotateVector(ct, 1, galoisKeys, dst));
    for (const o of [ct2, relinKeys, galoisKeys, prod, dst]) o.delete();
    // Each transform runs on a fresh copy of a ciphertext in the source form; the cost of the
    // copy alone is measured and subtracted.
    const coef = ct.clone();
    evaluator.cipherTransformFromNtt(coef, coef);
    const work = ct.clone();
    const perLimb = polys * limbs;
    const copyCost = time(() => work.copy(ct));
    out[`ntt_forward/${n}`] = (time(() => {
      work.copy(coef);
      evaluator.cipherTransformToNtt(work, work);
    }) - copyCost) / perLimb;
    out[`ntt_inverse/${n}`] = (time(() => {
      work.copy(ct);
      evaluator.cipherTransformFromNtt(work, work);
    }) - copyCost) / perLimb;
    for (const o of [parms, context, encoder, keygen, pk, encryptor, decryptor, evaluator, pt, ct, coef, work]) o.delete();
  }
  process.stdout.write(JSON.stringify({ 'node-seal': out }) + '\n');
})().catch((e) => {
  console.error('node_seal_bench: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
