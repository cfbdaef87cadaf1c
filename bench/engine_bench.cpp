// Engine micro-benchmarks (Google Benchmark). bench/run_bench.py runs this and node-seal's
// bench/node_seal_bench.js in the same run and prints ratios. Single-threaded.
#include <benchmark/benchmark.h>

#include <map>
#include <random>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/math/ntt.h"
#include "engine/math/primes.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"

namespace {

using namespace ei;

struct Setup {
  rlwe::ContextPtr ctx;
  std::unique_ptr<ckks::Encoder> encoder;
  std::unique_ptr<rlwe::KeyGenerator> keygen;
  rlwe::PublicKey pk;
  std::vector<double> values;
  double scale = 0;
};

// Parameter sets shared with node_seal_bench.js.
const std::map<std::int64_t, std::vector<int>> kBits = {
    {8192, {60, 40, 40, 60}},
    {16384, {60, 40, 40, 40, 40, 40, 40, 60}},
};

Setup& setup(std::int64_t n) {
  static std::map<std::int64_t, Setup> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  Setup s;
  auto parms = rlwe::make_ckks_parameters(static_cast<std::uint64_t>(n), kBits.at(n));
  s.ctx = *rlwe::Context::create(*parms);
  s.encoder = std::make_unique<ckks::Encoder>(s.ctx);
  s.keygen = std::make_unique<rlwe::KeyGenerator>(s.ctx);
  s.pk = s.keygen->create_public_key();
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> uni(-1, 1);
  s.values.resize(static_cast<std::size_t>(n / 2));
  for (auto& v : s.values) v = uni(rng);
  s.scale = std::ldexp(1.0, 40);
  return cache.emplace(n, std::move(s)).first->second;
}

// Per limb: transform every limb of one first-level polynomial, report time / limbs.
void BM_ntt_forward(benchmark::State& state) {
  auto& s = setup(state.range(0));
  const auto& level = s.ctx->first_context_data();
  const std::size_t n = level.poly_modulus_degree();
  std::vector<std::uint64_t> poly(n * level.coeff_modulus_size());
  std::mt19937_64 rng(2);
  for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j)
    for (std::size_t i = 0; i < n; ++i) poly[j * n + i] = rng() % level.coeff_modulus()[j].value();
  for (auto _ : state) {
    for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) level.ntt(j).forward(poly.data() + j * n);
    benchmark::ClobberMemory();
  }
  state.counters["limbs"] = static_cast<double>(level.coeff_modulus_size());
}

void BM_ntt_inverse(benchmark::State& state) {
  auto& s = setup(state.range(0));
  const auto& level = s.ctx->first_context_data();
  const std::size_t n = level.poly_modulus_degree();
  std::vector<std::uint64_t> poly(n * level.coeff_modulus_size());
  std::mt19937_64 rng(3);
  for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j)
    for (std::size_t i = 0; i < n; ++i) poly[j * n + i] = rng() % level.coeff_modulus()[j].value();
  for (auto _ : state) {
    for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) level.ntt(j).inverse(poly.data() + j * n);
    benchmark::ClobberMemory();
  }
  state.counters["limbs"] = static_cast<double>(level.coeff_modulus_size());
}

// One limb, one backend: N = 2^log_n, the largest NTT prime of `bits` bits (SEAL's choice). Registered
// as BM_ntt_{forward,inverse}_limb/<backend>/<N>/<bits>b for each backend this CPU has; the time is
// per limb. Data is a plain std::vector (not cache-line aligned), as in the engine.
void BM_ntt_limb(benchmark::State& state, bool forward, math::NttBackend backend, int log_n, int bits) {
  const std::size_t n = std::size_t{1} << log_n;
  const auto q = math::coeff_modulus_create(n, std::vector<int>{bits});
  if (!q.ok()) {
    state.SkipWithError("no prime");
    return;
  }
  const auto t = math::NttTables::create(log_n, (*q)[0], backend);
  if (!t.ok()) {
    state.SkipWithError("backend not available");
    return;
  }
  std::vector<std::uint64_t> poly(n);
  std::mt19937_64 rng(4);
  for (auto& x : poly) x = rng() % (*q)[0].value();
  for (auto _ : state) {
    if (forward) {
      t->forward(poly.data());
    } else {
      t->inverse(poly.data());
    }
    benchmark::ClobberMemory();
  }
  state.counters["limbs"] = 1;
}

const bool kNttLimbBenchmarks = [] {
  for (const bool forward : {true, false}) {
    for (const auto backend : {math::NttBackend::portable, math::NttBackend::avx512_ifma, math::NttBackend::avx512}) {
      for (const int log_n : {13, 14}) {
        for (const int bits : {30, 40, 50, 60}) {
          const auto q = math::coeff_modulus_create(std::size_t{1} << log_n, std::vector<int>{bits});
          if (!q.ok() || !math::ntt_backend_available(backend, log_n, (*q)[0])) continue;
          const std::string name = std::string(forward ? "BM_ntt_forward_limb/" : "BM_ntt_inverse_limb/") +
                                   std::string(math::to_string(backend)) + "/" + std::to_string(1 << log_n) + "/" +
                                   std::to_string(bits) + "b";
          benchmark::RegisterBenchmark(name.c_str(), BM_ntt_limb, forward, backend, log_n, bits)
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  return true;
}();

void BM_encode(benchmark::State& state) {
  auto& s = setup(state.range(0));
  rlwe::Plaintext pt;
  for (auto _ : state) {
    if (!s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, pt).ok()) state.SkipWithError("encode");
    benchmark::DoNotOptimize(pt.data.data());
  }
}

void BM_encrypt_public(benchmark::State& state) {
  auto& s = setup(state.range(0));
  rlwe::Plaintext pt;
  (void)s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, pt);
  rlwe::Encryptor enc(s.ctx, s.pk);
  rlwe::Ciphertext ct;
  for (auto _ : state) {
    if (!enc.encrypt(pt, ct).ok()) state.SkipWithError("encrypt");
    benchmark::DoNotOptimize(ct.data.data());
  }
}

void BM_encrypt_symmetric(benchmark::State& state) {
  auto& s = setup(state.range(0));
  rlwe::Plaintext pt;
  (void)s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, pt);
  rlwe::Encryptor enc(s.ctx, s.keygen->secret_key());
  rlwe::Ciphertext ct;
  for (auto _ : state) {
    if (!enc.encrypt_symmetric(pt, ct).ok()) state.SkipWithError("encrypt");
    benchmark::DoNotOptimize(ct.data.data());
  }
}

void BM_decrypt(benchmark::State& state) {
  auto& s = setup(state.range(0));
  rlwe::Plaintext pt;
  (void)s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, pt);
  rlwe::Ciphertext ct;
  (void)rlwe::Encryptor(s.ctx, s.pk).encrypt(pt, ct);
  rlwe::Decryptor dec(s.ctx, s.keygen->secret_key());
  for (auto _ : state) {
    if (!dec.decrypt(ct, pt).ok()) state.SkipWithError("decrypt");
    benchmark::DoNotOptimize(pt.data.data());
  }
}

void BM_decode(benchmark::State& state) {
  auto& s = setup(state.range(0));
  rlwe::Plaintext pt;
  (void)s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, pt);
  std::vector<double> out;
  for (auto _ : state) {
    if (!s.encoder->decode(pt, out).ok()) state.SkipWithError("decode");
    benchmark::DoNotOptimize(out.data());
  }
}

// Evaluator operations on fresh public-key ciphertexts at the first data level (issue 4).
struct EvalInputs {
  std::unique_ptr<ckks::Evaluator> ev;
  rlwe::Ciphertext a, b, product;
  rlwe::Plaintext p;
  rlwe::RelinKeys rk;
  rlwe::GaloisKeys gk;
};

EvalInputs& eval_inputs(std::int64_t n) {
  static std::map<std::int64_t, EvalInputs> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  auto& s = setup(n);
  EvalInputs in;
  in.ev = std::make_unique<ckks::Evaluator>(s.ctx);
  (void)s.encoder->encode(s.values, s.ctx->first_parms_id(), s.scale, in.p);
  rlwe::Encryptor enc(s.ctx, s.pk);
  (void)enc.encrypt(in.p, in.a);
  (void)enc.encrypt(in.p, in.b);
  in.rk = *s.keygen->create_relin_keys();
  const int steps[] = {1};
  in.gk = *s.keygen->create_galois_keys_for_steps(steps);
  (void)in.ev->multiply(in.a, in.b, in.product);
  return cache.emplace(n, std::move(in)).first->second;
}

template <typename Op>
void run_eval_bench(benchmark::State& state, Op op) {
  auto& in = eval_inputs(state.range(0));
  rlwe::Ciphertext out;
  for (auto _ : state) {
    if (!op(in, out).ok()) state.SkipWithError("evaluator operation failed");
    benchmark::DoNotOptimize(out.data.data());
  }
}

void BM_multiply_plain(benchmark::State& state) {
  run_eval_bench(state, [](EvalInputs& in, rlwe::Ciphertext& out) { return in.ev->multiply_plain(in.a, in.p, out); });
}
void BM_multiply(benchmark::State& state) {
  run_eval_bench(state, [](EvalInputs& in, rlwe::Ciphertext& out) { return in.ev->multiply(in.a, in.b, out); });
}
void BM_relinearize(benchmark::State& state) {
  run_eval_bench(state, [](EvalInputs& in, rlwe::Ciphertext& out) { return in.ev->relinearize(in.product, in.rk, out); });
}
void BM_rescale(benchmark::State& state) {
  run_eval_bench(state, [](EvalInputs& in, rlwe::Ciphertext& out) { return in.ev->rescale_to_next(in.a, out); });
}
void BM_rotate(benchmark::State& state) {
  run_eval_bench(state, [](EvalInputs& in, rlwe::Ciphertext& out) { return in.ev->rotate_vector(in.a, 1, in.gk, out); });
}

}  // namespace

BENCHMARK(BM_multiply_plain)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_multiply)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_relinearize)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_rescale)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_rotate)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_ntt_forward)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ntt_inverse)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encode)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decode)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encrypt_public)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_encrypt_symmetric)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_decrypt)->Arg(8192)->Arg(16384)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
