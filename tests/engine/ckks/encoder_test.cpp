// ei::ckks::Encoder: precision, bit-exactness against a literal transcription of SEAL 4.1.2's
// encoder (every SIMD level), the exact integer paths (64-bit, 128-bit, multi-word), a pure
// mathematical reference, the NTT layout, single-value encode, levels, error codes and threads.
#include "engine/ckks/encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/math/ntt.h"
#include "tests/engine/ckks/ckks_test_util.h"

namespace ei::ckks {
namespace {

using testing::exact_round_mod;
using testing::make_context;
using testing::same_bits;
using testing::SealReference;
using testing::to_coefficients;
using Cplx = std::complex<double>;

// Contexts are expensive at large N; share them across tests.
rlwe::ContextPtr cached_context(std::size_t n, const std::vector<int>& bits) {
  static std::mutex mu;
  static std::map<std::pair<std::size_t, std::vector<int>>, rlwe::ContextPtr> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[{n, bits}];
  if (!slot) slot = make_context(n, bits);
  return slot;
}

const std::vector<int> kStdBits{60, 40, 40, 60};          // first level: 140 bits
const std::vector<int> kWideBits{60, 60, 60, 60, 60};     // first level: 4 × 60 = 240 bits

std::vector<Cplx> as_complex(const std::vector<double>& v) {
  std::vector<Cplx> c(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) c[i] = Cplx(v[i], 0.0);
  return c;
}

std::string level_name(SimdLevel l) {
  switch (l) {
    case SimdLevel::kAuto: return "auto";
    case SimdLevel::kGeneric: return "generic";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
  }
  return "?";
}

// One encoder per SIMD level the CPU supports (duplicates after fallback are dropped).
std::vector<Encoder> encoders_for_all_levels(const rlwe::ContextPtr& ctx) {
  std::vector<Encoder> out;
  for (SimdLevel want : {SimdLevel::kGeneric, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    Encoder e(ctx, want);
    if (e.simd_level() == want) out.push_back(std::move(e));
  }
  return out;
}

struct ErrorStats {
  double max_err = 0;
  double min_bits = 0, mean_bits = 0, median_bits = 0;
};

// Per-slot precision in bits, −log2 |want − have| (exact slots count as 64 bits).
template <typename T>
ErrorStats precision(const std::vector<T>& want, const std::vector<T>& have) {
  std::vector<double> bits(want.size());
  ErrorStats s;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::abs(want[i] - have[i]);
    s.max_err = std::max(s.max_err, e);
    bits[i] = e == 0 ? 64.0 : std::min(64.0, -std::log2(e));
  }
  std::sort(bits.begin(), bits.end());
  s.min_bits = bits.front();
  s.mean_bits = std::accumulate(bits.begin(), bits.end(), 0.0) / static_cast<double>(bits.size());
  s.median_bits = bits[bits.size() / 2];
  return s;
}

// Compares a plaintext with SEAL's pipeline: coefficient residues exactly equal to
// round_half_away(x_i) mod q_j for SEAL's pre-rounding x_i. Returns the number of mismatches.
std::size_t count_residue_mismatches(const rlwe::ContextData& level, const rlwe::Plaintext& plain,
                                     const std::vector<double>& ref_coeffs) {
  const std::vector<std::uint64_t> have = to_coefficients(level, plain);
  const std::size_t n = level.poly_modulus_degree();
  std::size_t bad = 0;
  for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) {
    const std::uint64_t q = level.coeff_modulus()[j].value();
    for (std::size_t i = 0; i < n; ++i) {
      if (have[j * n + i] != exact_round_mod(ref_coeffs[i], q)) ++bad;
    }
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Precision: encode → decode.
// ---------------------------------------------------------------------------------------------

class PrecisionTest : public ::testing::TestWithParam<std::tuple<std::size_t, int, bool>> {};

TEST_P(PrecisionTest, EncodeDecodeRoundTrip) {
  const auto [n, scale_bits, is_complex] = GetParam();
  const auto ctx = cached_context(n, kStdBits);
  const Encoder enc(ctx);
  const double scale = std::ldexp(1.0, scale_bits);
  std::mt19937_64 rng(n * 131 + static_cast<std::size_t>(scale_bits));
  rlwe::Plaintext pt;
  ErrorStats st;
  if (is_complex) {
    const auto values = testing::random_complex(enc.slot_count(), 1.0, rng);
    ASSERT_TRUE(enc.encode(values, ctx->first_parms_id(), scale, pt).ok());
    std::vector<Cplx> out;
    ASSERT_TRUE(enc.decode(pt, out).ok());
    st = precision(values, out);
  } else {
    const auto values = testing::random_reals(enc.slot_count(), 1.0, rng);
    ASSERT_TRUE(enc.encode(values, ctx->first_parms_id(), scale, pt).ok());
    std::vector<double> out;
    ASSERT_TRUE(enc.decode(pt, out).ok());
    st = precision(values, out);
  }
  // Bound: rounding moves each of the N coefficients by ≤ 1/2, which moves a slot by at most
  // N/(2·scale) (|ζ| = 1); the two double-precision transforms add ≲ log2(N)·2^-53·‖z‖₂ ≤ 2^-40
  // for |z| ≤ √2 and N ≤ 2^14. Twice the rounding term leaves margin for the FFT error in the
  // coefficients at large scales.
  const double bound = static_cast<double>(n) / scale + std::ldexp(1.0, -40);
  std::printf("[precision] N=%zu scale=2^%d %s: max err %.3g (bound %.3g), bits min %.2f mean %.2f "
              "median %.2f\n",
              n, scale_bits, is_complex ? "complex" : "real", st.max_err, bound, st.min_bits,
              st.mean_bits, st.median_bits);
  EXPECT_LE(st.max_err, bound);
  // Typical error is far below the worst case: ≈ √N/(2·scale); require at least that − 4 bits.
  const double typical_bits = scale_bits - 0.5 * std::log2(static_cast<double>(n)) + 1;
  EXPECT_GE(st.median_bits, std::min(typical_bits, 44.0) - 4.0);
}

INSTANTIATE_TEST_SUITE_P(
    AllSizes, PrecisionTest,
    ::testing::Combine(::testing::Values(1024, 2048, 4096, 8192, 16384),
                       ::testing::Values(20, 30, 40, 50), ::testing::Bool()),
    [](const auto& p) {
      return "N" + std::to_string(std::get<0>(p.param)) + "_scale" +
             std::to_string(std::get<1>(p.param)) + (std::get<2>(p.param) ? "_complex" : "_real");
    });

// ---------------------------------------------------------------------------------------------
// Bit-exactness against SEAL's algorithm, for every SIMD level.
// ---------------------------------------------------------------------------------------------

void expect_bit_exact(const rlwe::ContextPtr& ctx, const rlwe::ParmsId& parms_id,
                      const std::vector<Cplx>& values, double scale, bool as_real,
                      const std::string& what) {
  const std::size_t n = ctx->key_context_data().poly_modulus_degree();
  const SealReference ref(n);
  const rlwe::ContextData& level = *ctx->get_context_data(parms_id);
  const std::vector<double> ref_coeffs = ref.encode_coeffs(values, scale);
  rlwe::Plaintext first;
  for (const Encoder& enc : encoders_for_all_levels(ctx)) {
    SCOPED_TRACE(what + " simd=" + level_name(enc.simd_level()));
    rlwe::Plaintext pt;
    Status st;
    if (as_real) {
      std::vector<double> re(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) re[i] = values[i].real();
      st = enc.encode(re, parms_id, scale, pt);
    } else {
      st = enc.encode(values, parms_id, scale, pt);
    }
    ASSERT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(pt.parms_id, parms_id);
    EXPECT_EQ(pt.coeff_count, n * level.coeff_modulus_size());
    EXPECT_TRUE(same_bits(pt.scale, scale));
    EXPECT_EQ(count_residue_mismatches(level, pt, ref_coeffs), 0u);
    if (first.data.empty()) first = pt;
    EXPECT_EQ(pt, first) << "SIMD levels disagree";

    if (level.chain_index() > ctx->first_context_data().chain_index()) continue;  // key level
    const std::vector<Cplx> want = ref.decode(level, pt);
    std::vector<Cplx> got_c;
    std::vector<double> got_r;
    ASSERT_TRUE(enc.decode(pt, got_c).ok());
    ASSERT_TRUE(enc.decode(pt, got_r).ok());
    ASSERT_EQ(got_c.size(), want.size());
    ASSERT_EQ(got_r.size(), want.size());
    std::size_t bad = 0;
    for (std::size_t k = 0; k < want.size(); ++k) {
      if (!same_bits(got_c[k].real(), want[k].real()) || !same_bits(got_c[k].imag(), want[k].imag()) ||
          !same_bits(got_r[k], want[k].real())) {
        ++bad;
      }
    }
    EXPECT_EQ(bad, 0u) << "decoded slots differ from SEAL's pipeline";
  }
}

class BitExactTest : public ::testing::TestWithParam<std::tuple<std::size_t, int>> {};

TEST_P(BitExactTest, MatchesSealPipeline) {
  const auto [n, scale_bits] = GetParam();
  const auto ctx = cached_context(n, kStdBits);
  const double scale = std::ldexp(1.0, scale_bits);
  std::mt19937_64 rng(n + static_cast<std::size_t>(scale_bits) * 7);
  const std::size_t slots = n / 2;
  expect_bit_exact(ctx, ctx->first_parms_id(), as_complex(testing::random_reals(slots, 1.0, rng)),
                   scale, true, "real full");
  expect_bit_exact(ctx, ctx->first_parms_id(), testing::random_complex(slots, 1.0, rng), scale,
                   false, "complex full");
  expect_bit_exact(ctx, ctx->first_parms_id(), testing::random_complex(slots / 3, 4.0, rng), scale,
                   false, "complex partial");
  expect_bit_exact(ctx, ctx->first_parms_id(), as_complex(testing::random_reals(1, 1.0, rng)),
                   scale, true, "single real");
  // A lower level and the key level (SEAL encodes at any level of the chain).
  expect_bit_exact(ctx, ctx->last_context_data().parms_id(),
                   as_complex(testing::random_reals(slots, 1.0, rng)), std::min(scale, 0x1p50),
                   true, "last level");
  expect_bit_exact(ctx, ctx->key_parms_id(), testing::random_complex(slots, 1.0, rng), scale, false,
                   "key level");
}

INSTANTIATE_TEST_SUITE_P(Sizes, BitExactTest,
                         ::testing::Combine(::testing::Values(1024, 4096, 8192),
                                            ::testing::Values(20, 40, 55)),
                         [](const auto& p) {
                           return "N" + std::to_string(std::get<0>(p.param)) + "_scale" +
                                  std::to_string(std::get<1>(p.param));
                         });
INSTANTIATE_TEST_SUITE_P(LargeSizes, BitExactTest,
                         ::testing::Combine(::testing::Values(2048, 16384, 32768),
                                            ::testing::Values(40)),
                         [](const auto& p) {
                           return "N" + std::to_string(std::get<0>(p.param)) + "_scale" +
                                  std::to_string(std::get<1>(p.param));
                         });

// Decode is SEAL's arithmetic at any valid scale: non-powers of two, scales below 1 (weights
// above 1, overflowing to infinity for high words), and a single-limb level.
TEST(EncoderDecodeTest, UnusualScalesMatchSealPipeline) {
  for (const auto& bits : {kStdBits, kWideBits}) {
    const auto ctx = cached_context(1024, bits);
    const SealReference ref(1024);
    std::mt19937_64 rng(bits.size());
    rlwe::Plaintext pt;
    for (const Encoder& enc : encoders_for_all_levels(ctx)) {
      for (const rlwe::ContextData* level : {&ctx->first_context_data(), &ctx->last_context_data()}) {
        ASSERT_TRUE(enc.encode(testing::random_complex(512, 1.0, rng), level->parms_id(), 0x1p30, pt).ok());
        for (double scale : {0x1p30, 3.7, 1.0, 0x1p-20, 1e-300, 0x1p-1000, 123456.789}) {
          SCOPED_TRACE("scale " + std::to_string(scale) + " L=" + std::to_string(level->coeff_modulus_size()) +
                       " simd=" + level_name(enc.simd_level()));
          pt.scale = scale;
          std::vector<Cplx> got;
          ASSERT_TRUE(enc.decode(pt, got).ok());
          const std::vector<Cplx> want = ref.decode(*level, pt);
          std::size_t bad = 0;
          for (std::size_t k = 0; k < want.size(); ++k) {
            const auto same = [](double a, double b) {
              return same_bits(a, b) || (std::isnan(a) && std::isnan(b));  // NaN payloads may differ
            };
            if (!same(got[k].real(), want[k].real()) || !same(got[k].imag(), want[k].imag())) ++bad;
          }
          EXPECT_EQ(bad, 0u);
        }
      }
    }
  }
}

// Coefficients at and around the sign threshold (Q+1)/2, sharing its top word (the decoder's
// tie path), plus 0, 1, Q−1 and random X, decoded bit-exactly as SEAL.
TEST(EncoderDecodeTest, ThresholdNeighbourhoodMatchesSealPipeline) {
  for (const auto& bits : {kStdBits, kWideBits}) {
    const auto ctx = cached_context(1024, bits);
    const SealReference ref(1024);
    std::mt19937_64 rng(77);
    for (const rlwe::ContextData* level : {&ctx->first_context_data(), &ctx->last_context_data()}) {
      const std::size_t n = 1024;
      const std::size_t limbs = level->coeff_modulus_size();
      // Q and thr = (Q + 1) / 2 as words, via the independent CRT helper: X = Q − 1 ↔ residues q_j − 1.
      std::vector<std::uint64_t> qm1_res(n * limbs);
      for (std::size_t j = 0; j < limbs; ++j) {
        std::fill_n(qm1_res.begin() + static_cast<std::ptrdiff_t>(j * n), n,
                    level->coeff_modulus()[j].value() - 1);
      }
      std::vector<std::uint64_t> q = testing::crt_compose(*level, qm1_res, 0);
      for (auto& w : q) {  // Q − 1 → Q
        if (++w != 0) break;
      }
      std::vector<std::uint64_t> thr = q;
      for (auto& w : thr) {
        if (++w != 0) break;
      }
      for (std::size_t w = 0; w < limbs; ++w) thr[w] = (thr[w] >> 1) | (w + 1 < limbs ? thr[w + 1] << 63 : 0);

      auto less = [&](const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
        for (std::size_t w = limbs; w-- > 0;) {
          if (a[w] != b[w]) return a[w] < b[w];
        }
        return false;
      };
      std::vector<std::vector<std::uint64_t>> xs;
      std::vector<std::uint64_t> x = thr;
      xs.push_back(x);                                   // thr: negative
      x[0] -= 1;
      if (x[0] != ~std::uint64_t{0}) xs.push_back(x);    // thr − 1: positive
      x = thr;
      x[0] += 1;
      if (x[0] != 0) xs.push_back(x);                    // thr + 1
      xs.push_back(std::vector<std::uint64_t>(limbs, 0));
      std::vector<std::uint64_t> one(limbs, 0);
      one[0] = 1;
      xs.push_back(one);
      std::vector<std::uint64_t> qm1 = q;
      qm1[0] -= 1;  // Q is odd
      xs.push_back(qm1);
      while (xs.size() < n) {
        std::vector<std::uint64_t> r(limbs);
        for (auto& w : r) w = rng();
        r[limbs - 1] = (xs.size() % 2 == 0) ? thr[limbs - 1] : rng() % (q[limbs - 1] + 1);
        if (limbs == 1) r[0] = (xs.size() % 2 == 0) ? thr[0] + (rng() % 3) - 1 : rng() % q[0];
        if (less(r, q)) xs.push_back(r);
      }
      rlwe::Plaintext pt;
      pt.parms_id = level->parms_id();
      pt.coeff_count = n * limbs;
      pt.scale = 0x1p40;
      pt.data.resize(n * limbs);
      for (std::size_t j = 0; j < limbs; ++j) {
        const math::Modulus& qj = level->coeff_modulus()[j];
        for (std::size_t i = 0; i < n; ++i) pt.data[j * n + i] = math::reduce_multiword(xs[i], qj);
        level->ntt(j).forward(pt.data.data() + j * n);
      }
      const std::size_t ties = static_cast<std::size_t>(std::count_if(
          xs.begin(), xs.end(), [&](const auto& v) { return v[limbs - 1] == thr[limbs - 1]; }));
      EXPECT_GT(ties, n / 16);  // the tie path is exercised
      const std::vector<Cplx> want = ref.decode(*level, pt);
      for (const Encoder& enc : encoders_for_all_levels(ctx)) {
        SCOPED_TRACE("L=" + std::to_string(limbs) + " simd=" + level_name(enc.simd_level()));
        std::vector<Cplx> got;
        ASSERT_TRUE(enc.decode(pt, got).ok());
        std::size_t bad = 0;
        for (std::size_t k = 0; k < want.size(); ++k) {
          if (!same_bits(got[k].real(), want[k].real()) || !same_bits(got[k].imag(), want[k].imag())) ++bad;
        }
        EXPECT_EQ(bad, 0u);
      }
    }
  }
}

// Coefficients whose magnitudes straddle the integer-path boundaries (2^62: our int64 fast path;
// 2^63/2^64: SEAL's 64-bit path; 2^127/2^128: the 128-bit path; beyond: multi-word), checked
// exactly against SEAL's pipeline, and decoded.
TEST(EncoderWideTest, RoundingPathBoundariesAreExact) {
  const std::size_t n = 1024;
  const auto ctx = cached_context(n, kWideBits);
  const SealReference ref(n);
  std::mt19937_64 rng(99);
  const auto values = testing::random_complex(n / 2, 1.0, rng);
  const std::vector<double> unit = ref.encode_coeffs(values, 1.0);
  double unit_max = 0;
  for (double x : unit) unit_max = std::max(unit_max, std::fabs(x));

  int tested = 0;
  for (int target : {52, 62, 63, 64, 65, 126, 127, 128, 129, 180, 230}) {
    for (double nudge : {1 - 0x1p-20, 1 + 0x1p-20}) {
      const double scale = std::ldexp(1.0, target) / unit_max * nudge;
      const std::string what = "max|x| ≈ 2^" + std::to_string(target) + (nudge < 1 ? " − ε" : " + ε");
      SCOPED_TRACE(what);
      const std::vector<double> x = ref.encode_coeffs(values, scale);
      double mx = 0;
      for (double v : x) mx = std::max(mx, std::fabs(v));
      const int max_bits = static_cast<int>(std::ceil(std::log2(std::max(mx, 1.0)))) + 1;
      const int total = ctx->first_context_data().total_coeff_modulus_bit_count();
      if (static_cast<int>(std::log2(scale)) + 1 >= total || max_bits >= total) continue;
      ++tested;
      expect_bit_exact(ctx, ctx->first_parms_id(), values, scale, false, what);

      const Encoder enc(ctx);
      rlwe::Plaintext pt;
      ASSERT_TRUE(enc.encode(values, ctx->first_parms_id(), scale, pt).ok());
      std::vector<Cplx> out;
      ASSERT_TRUE(enc.decode(pt, out).ok());
      const ErrorStats st = precision(values, out);
      // Double precision bounds the result at these scales: ≈ 2^-45 relative.
      EXPECT_LE(st.max_err, 0x1p-38) << what;
    }
  }
  EXPECT_EQ(tested, 22);
}

// The long-double reference is pure mathematics (no FFT, exact angle reduction): it checks the
// slot order (generator 3), the conjugate placement and the scaling independently of SEAL's code.
TEST(EncoderMathTest, ResiduesMatchMathematicalReference) {
  for (std::size_t n : {std::size_t{1024}, std::size_t{2048}}) {
    for (bool is_complex : {false, true}) {
      SCOPED_TRACE("N=" + std::to_string(n) + (is_complex ? " complex" : " real"));
      const auto ctx = cached_context(n, kStdBits);
      const Encoder enc(ctx);
      const double scale = 0x1p30;
      std::mt19937_64 rng(n + (is_complex ? 1 : 0));
      std::vector<Cplx> values = is_complex ? testing::random_complex(n / 2, 1.0, rng)
                                            : as_complex(testing::random_reals(n / 2, 1.0, rng));
      rlwe::Plaintext pt;
      ASSERT_TRUE(enc.encode(values, ctx->first_parms_id(), scale, pt).ok());
      const rlwe::ContextData& level = ctx->first_context_data();
      const std::vector<std::uint64_t> have = to_coefficients(level, pt);
      const std::vector<long double> c = testing::math_reference_coeffs(n, values, scale);
      std::size_t compared = 0, skipped = 0, bad = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const long double frac = std::fabs(c[i] - std::trunc(c[i]));
        if (std::fabs(frac - 0.5L) < 1e-4L) {  // too close to a rounding tie to decide
          ++skipped;
          continue;
        }
        const auto rounded = static_cast<double>(std::round(c[i]));  // |c| < 2^30: exact
        for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) {
          ++compared;
          if (have[j * n + i] != exact_round_mod(rounded, level.coeff_modulus()[j].value())) ++bad;
        }
      }
      EXPECT_EQ(bad, 0u);
      EXPECT_LT(skipped, n / 100);
      EXPECT_GT(compared, 0u);
    }
  }
}

// The plaintext words are the negacyclic NTT of §7: word j of limb l is a(ψ^{2·bitrev(j)+1}).
TEST(EncoderLayoutTest, NttSlotsAreEvaluationsAtOddPowersOfPsi) {
  const std::size_t n = 1024;
  const auto ctx = cached_context(n, kStdBits);
  const Encoder enc(ctx);
  std::mt19937_64 rng(5);
  rlwe::Plaintext pt;
  ASSERT_TRUE(enc.encode(testing::random_reals(n / 2, 1.0, rng), ctx->first_parms_id(), 0x1p40, pt).ok());
  const rlwe::ContextData& level = ctx->first_context_data();
  const std::vector<std::uint64_t> coeffs = to_coefficients(level, pt);
  for (std::size_t l = 0; l < level.coeff_modulus_size(); ++l) {
    const math::Modulus& q = level.coeff_modulus()[l];
    const std::uint64_t psi = level.ntt(l).root();
    for (std::size_t j : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{77}, n - 1}) {
      const std::uint64_t br = math::reverse_bits(j, 10);
      const std::uint64_t x = math::pow_mod(psi, 2 * br + 1, q);
      std::uint64_t acc = 0, xp = 1;
      for (std::size_t i = 0; i < n; ++i) {
        acc = math::add_mod(acc, math::mul_mod(coeffs[l * n + i], xp, q), q);
        xp = math::mul_mod(xp, x, q);
      }
      EXPECT_EQ(pt.data[l * n + j], acc) << "limb " << l << " slot " << j;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Single-double encode.
// ---------------------------------------------------------------------------------------------

TEST(EncoderSingleTest, ConstantInEveryNttSlotAtEveryRoundingPath) {
  const std::size_t n = 1024;
  const auto ctx = cached_context(n, kWideBits);
  const Encoder enc(ctx);
  const rlwe::ContextData& level = ctx->first_context_data();
  // value·scale: ties, near-ties, −0.0, and the 64-bit / 128-bit / multi-word boundaries of
  // SEAL's int(log2|v|) + 2 path choice (|v| < 2^63, < 2^127).
  const std::vector<double> products{
      0.0, -0.0, 0.3, -0.3, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994,
      -0.49999999999999994, 4503599627370495.5, -4503599627370495.5, 0x1p62, -0x1p62,
      0x1.fffffffffffffp62, -0x1.fffffffffffffp62, 0x1p63, -0x1p63, 0x1.fffffffffffffp63,
      0x1p64, -0x1p64, 0x1.8p64, 0x1.fffffffffffffp126, -0x1.fffffffffffffp126, 0x1p127,
      -0x1p127, 0x1p128, 0x1.23456789abcdep150, -0x1.23456789abcdep200, 0x1p236};
  for (double v : products) {
    for (double scale : {1.0, 0x1p40}) {
      const double value = v / scale;  // exact (power-of-two scale)
      SCOPED_TRACE("value·scale = " + std::to_string(v) + " scale=" + std::to_string(scale));
      rlwe::Plaintext pt;
      const Status st = enc.encode(value, ctx->first_parms_id(), scale, pt);
      ASSERT_TRUE(st.ok()) << st.to_string();
      EXPECT_EQ(pt.parms_id, ctx->first_parms_id());
      EXPECT_EQ(pt.coeff_count, n * level.coeff_modulus_size());
      EXPECT_TRUE(same_bits(pt.scale, scale));
      for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) {
        const std::uint64_t want = exact_round_mod(v, level.coeff_modulus()[j].value());
        const std::size_t bad = static_cast<std::size_t>(std::count_if(
            pt.data.begin() + static_cast<std::ptrdiff_t>(j * n),
            pt.data.begin() + static_cast<std::ptrdiff_t>((j + 1) * n),
            [&](std::uint64_t w) { return w != want; }));
        EXPECT_EQ(bad, 0u) << "limb " << j;
      }
    }
  }
}

TEST(EncoderSingleTest, DecodesToTheValueInEverySlot) {
  const auto ctx = cached_context(4096, kStdBits);
  const Encoder enc(ctx);
  for (double value : {0.0, 1.0, -3.25, 1234.5678, -1e-3}) {
    rlwe::Plaintext pt;
    ASSERT_TRUE(enc.encode(value, ctx->first_parms_id(), 0x1p40, pt).ok());
    std::vector<Cplx> out;
    ASSERT_TRUE(enc.decode(pt, out).ok());
    ASSERT_EQ(out.size(), enc.slot_count());
    for (const Cplx& c : out) {
      EXPECT_NEAR(c.real(), value, 0x1p-30);
      EXPECT_NEAR(c.imag(), 0.0, 0x1p-30);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Zeros.
// ---------------------------------------------------------------------------------------------

TEST(EncoderZeroTest, ZeroVectorsAndNegativeZeroEncodeToZero) {
  const auto ctx = cached_context(2048, kStdBits);
  const Encoder enc(ctx);
  const rlwe::ParmsId& id = ctx->first_parms_id();
  const std::size_t words = 2048 * ctx->first_context_data().coeff_modulus_size();
  const std::vector<std::uint64_t> zeros(words, 0);

  const std::vector<std::vector<double>> real_inputs{
      {}, std::vector<double>(enc.slot_count(), 0.0), std::vector<double>(enc.slot_count(), -0.0),
      std::vector<double>(enc.slot_count(), -1e-20), std::vector<double>(17, -0.0)};
  for (const auto& v : real_inputs) {
    rlwe::Plaintext pt;
    ASSERT_TRUE(enc.encode(v, id, 0x1p40, pt).ok());
    EXPECT_EQ(pt.data, zeros) << "size " << v.size();
    std::vector<double> out;
    ASSERT_TRUE(enc.decode(pt, out).ok());
    for (double x : out) EXPECT_EQ(x, 0.0);
  }
  const std::vector<Cplx> cz(enc.slot_count(), Cplx(-0.0, -0.0));
  rlwe::Plaintext pt;
  ASSERT_TRUE(enc.encode(cz, id, 0x1p40, pt).ok());
  EXPECT_EQ(pt.data, zeros);
  for (double v : {0.0, -0.0, -1e-300, 1e-300}) {
    ASSERT_TRUE(enc.encode(v, id, 0x1p40, pt).ok());
    EXPECT_EQ(pt.data, zeros) << v;
  }
}

// ---------------------------------------------------------------------------------------------
// Errors: codes, order, and `out` untouched.
// ---------------------------------------------------------------------------------------------

rlwe::Plaintext sentinel() {
  rlwe::Plaintext p;
  p.parms_id[0] = 0xAB;
  p.coeff_count = 3;
  p.scale = 7.0;
  p.data = {1, 2, 3};
  return p;
}

TEST(EncoderErrorTest, VectorEncodeErrors) {
  const auto ctx = cached_context(1024, kStdBits);  // first level: 140 bits
  const Encoder enc(ctx);
  const rlwe::ParmsId& id = ctx->first_parms_id();
  const std::vector<double> ok_values(enc.slot_count(), 0.5);
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto check = [&](Status st, Code code, const std::string& what) {
    EXPECT_EQ(st.code(), code) << what << ": " << st.to_string();
  };
  rlwe::Plaintext out = sentinel();
  rlwe::ParmsId unknown{};
  unknown[5] = 1;
  check(enc.encode(ok_values, unknown, 0x1p40, out), Code::PARMS_ID_UNKNOWN, "unknown parms_id");
  check(enc.encode(ok_values, rlwe::kParmsIdZero, 0x1p40, out), Code::PARMS_ID_UNKNOWN, "zero id");
  const std::vector<double> too_many(enc.slot_count() + 1, 0.5);
  check(enc.encode(too_many, id, 0x1p40, out), Code::INVALID_ARGUMENT, "too many values");
  const std::vector<Cplx> too_many_c(enc.slot_count() + 1);
  check(enc.encode(too_many_c, id, 0x1p40, out), Code::INVALID_ARGUMENT, "too many complex");
  for (double scale : {0.0, -0.0, -1.0, nan, inf, -inf, 0x1p139, 0x1p200}) {
    check(enc.encode(ok_values, id, scale, out), Code::INVALID_SCALE, "scale " + std::to_string(scale));
  }
  // int(log2 scale) + 1 < 140: 2^138 is the largest accepted power of two (SEAL's bound).
  EXPECT_NE(enc.encode(std::vector<double>{}, id, 0x1p138, out).code(), Code::INVALID_SCALE);
  out = sentinel();
  for (double bad : {nan, inf, -inf}) {
    std::vector<double> v = ok_values;
    v[3] = bad;
    check(enc.encode(v, id, 0x1p40, out), Code::ENCODE_OVERFLOW, "non-finite value");
    std::vector<Cplx> c(4, Cplx(1.0, 0.0));
    c[2] = Cplx(0.0, bad);
    check(enc.encode(c, id, 0x1p40, out), Code::ENCODE_OVERFLOW, "non-finite imaginary part");
  }
  // Finite values whose transform overflows to infinity.
  check(enc.encode(std::vector<double>(enc.slot_count(), 1e308), id, 0x1p100, out),
        Code::ENCODE_OVERFLOW, "transform overflow");
  // Values too large for the modulus: 2^100 · 2^40 needs > 140 bits.
  // Values too large for the modulus: one slot of 2^110 at 2^40 gives coefficients ≈ 2^141.
  check(enc.encode(std::vector<double>{0x1p110}, id, 0x1p40, out), Code::ENCODE_OVERFLOW,
        "too large for the modulus");
  // At the last level (60 bits) a constant 2^20 at 2^40 (c_0 = 2^60) overflows; it fits at the
  // first level.
  const std::vector<double> big(enc.slot_count(), 0x1p20);
  check(enc.encode(big, ctx->last_context_data().parms_id(), 0x1p40, out), Code::ENCODE_OVERFLOW,
        "too large for the last level");
  EXPECT_EQ(out, sentinel()) << "out must be untouched on error";
  EXPECT_TRUE(enc.encode(big, id, 0x1p40, out).ok());
  out = sentinel();
  EXPECT_EQ(out, sentinel()) << "out must be untouched on error";
}

TEST(EncoderErrorTest, SingleValueEncodeErrors) {
  const auto ctx = cached_context(1024, kStdBits);  // first level: 140 bits
  const Encoder enc(ctx);
  const rlwe::ParmsId& id = ctx->first_parms_id();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  rlwe::Plaintext out = sentinel();
  rlwe::ParmsId unknown{};
  unknown[0] = 9;
  EXPECT_EQ(enc.encode(1.0, unknown, 0x1p40, out).code(), Code::PARMS_ID_UNKNOWN);
  for (double scale : {0.0, -2.0, nan, inf, 0x1p140}) {
    EXPECT_EQ(enc.encode(1.0, id, scale, out).code(), Code::INVALID_SCALE) << scale;
  }
  // The single-value scale check has no +1 (SEAL): 2^139 passes here, fails for vectors.
  EXPECT_EQ(enc.encode(0.0, id, 0x1p139, out).code(), Code::OK);
  EXPECT_EQ(enc.encode(std::vector<double>{0.0}, id, 0x1p139, out).code(), Code::INVALID_SCALE);
  out = sentinel();
  for (double v : {nan, inf, -inf}) EXPECT_EQ(enc.encode(v, id, 0x1p40, out).code(), Code::ENCODE_OVERFLOW);
  EXPECT_EQ(enc.encode(1e308, id, 0x1p40, out).code(), Code::ENCODE_OVERFLOW);  // product is inf
  // int(log2 |v|) + 2 < 140: 1.9375·2^137 passes, 2^138 fails. (The largest double below 2^138
  // also fails, as in SEAL: log2 rounds it to 138.0.)
  EXPECT_EQ(enc.encode(0x1p98, id, 0x1p40, out).code(), Code::ENCODE_OVERFLOW);
  EXPECT_EQ(enc.encode(0x1.fffffffffffffp97, id, 0x1p40, out).code(), Code::ENCODE_OVERFLOW);
  EXPECT_EQ(out, sentinel());
  EXPECT_EQ(enc.encode(0x1.fp97, id, 0x1p40, out).code(), Code::OK);
}

TEST(EncoderErrorTest, DecodeErrors) {
  const auto ctx = cached_context(1024, kStdBits);
  const Encoder enc(ctx);
  rlwe::Plaintext good;
  ASSERT_TRUE(enc.encode(std::vector<double>{1.0, 2.0}, ctx->first_parms_id(), 0x1p40, good).ok());
  const std::vector<double> untouched{42.0};
  std::vector<double> out = untouched;
  auto expect_code = [&](const rlwe::Plaintext& p, Code code, const std::string& what) {
    out = untouched;
    EXPECT_EQ(enc.decode(p, out).code(), code) << what;
    EXPECT_EQ(out, untouched) << what;
    std::vector<Cplx> outc{Cplx(1, 2)};
    EXPECT_EQ(enc.decode(p, outc).code(), code) << what;
    EXPECT_EQ(outc.size(), 1u);
  };
  rlwe::Plaintext p = good;
  p.parms_id = rlwe::kParmsIdZero;
  expect_code(p, Code::NOT_NTT_FORM, "coefficient form");
  p = good;
  p.parms_id[31] ^= 1;
  expect_code(p, Code::PARMS_ID_UNKNOWN, "unknown parms_id");
  p = good;
  ASSERT_TRUE(enc.encode(std::vector<double>{1.0}, ctx->key_parms_id(), 0x1p40, p).ok());
  expect_code(p, Code::LEVEL_NOT_ALLOWED, "key level");
  p = good;
  p.coeff_count -= 1;
  expect_code(p, Code::SIZE_MISMATCH, "coeff_count");
  p = good;
  p.data.pop_back();
  expect_code(p, Code::SIZE_MISMATCH, "data size");
  p = good;
  p.data[1024 + 5] = ctx->first_context_data().coeff_modulus()[1].value();
  expect_code(p, Code::COEFF_OUT_OF_RANGE, "word = q_1");
  const double inf = std::numeric_limits<double>::infinity();
  for (double scale : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), inf, 0x1p140}) {
    p = good;
    p.scale = scale;
    expect_code(p, Code::INVALID_SCALE, "scale " + std::to_string(scale));
  }
  // int(log2 scale) < 140 is the decode bound: 2^139 decodes.
  p = good;
  p.scale = 0x1p139;
  EXPECT_TRUE(enc.decode(p, out).ok());
}

// ---------------------------------------------------------------------------------------------
// Levels, reuse of outputs, threads.
// ---------------------------------------------------------------------------------------------

TEST(EncoderLevelTest, EveryDataLevelRoundTrips) {
  const auto ctx = cached_context(4096, {60, 40, 40, 40, 60});
  const Encoder enc(ctx);
  std::mt19937_64 rng(17);
  const auto values = testing::random_reals(enc.slot_count(), 1.0, rng);
  for (const rlwe::ContextData* level = &ctx->first_context_data(); level != nullptr;
       level = level->next()) {
    SCOPED_TRACE("chain index " + std::to_string(level->chain_index()));
    rlwe::Plaintext pt;
    ASSERT_TRUE(enc.encode(values, level->parms_id(), 0x1p30, pt).ok());
    EXPECT_EQ(pt.coeff_count, 4096 * level->coeff_modulus_size());
    std::vector<double> out;
    ASSERT_TRUE(enc.decode(pt, out).ok());
    EXPECT_LE(precision(values, out).max_err, 4096 * 0x1p-30);
  }
}

TEST(EncoderReuseTest, OutputsAreOverwrittenNotAppended) {
  const auto small = cached_context(1024, kStdBits);
  const Encoder enc(small);
  std::mt19937_64 rng(3);
  rlwe::Plaintext pt;
  pt.data.assign(100000, 7);  // larger than needed: must shrink
  ASSERT_TRUE(enc.encode(testing::random_reals(10, 1.0, rng), small->first_parms_id(), 0x1p30, pt).ok());
  EXPECT_EQ(pt.data.size(), 1024 * 3u);
  std::vector<double> out(99999, 1.0);
  ASSERT_TRUE(enc.decode(pt, out).ok());
  EXPECT_EQ(out.size(), 512u);
  // Interleaving encoders of different N on one thread (shared thread-local scratch).
  const auto big = cached_context(8192, kStdBits);
  const Encoder enc_big(big);
  const auto v = testing::random_reals(4096, 1.0, rng);
  rlwe::Plaintext a, b, c;
  ASSERT_TRUE(enc_big.encode(v, big->first_parms_id(), 0x1p40, a).ok());
  ASSERT_TRUE(enc.encode(std::vector<double>(v.begin(), v.begin() + 512), small->first_parms_id(), 0x1p40, b).ok());
  ASSERT_TRUE(enc_big.encode(v, big->first_parms_id(), 0x1p40, c).ok());
  EXPECT_EQ(a, c);
}

TEST(EncoderThreadTest, ConcurrentCallsOnOneEncoderAgreeWithSequential) {
  const auto ctx = cached_context(4096, kStdBits);
  const Encoder enc(ctx);
  std::mt19937_64 rng(11);
  std::vector<std::vector<Cplx>> inputs;
  std::vector<rlwe::Plaintext> want(8);
  std::vector<std::vector<Cplx>> want_dec(8);
  for (int i = 0; i < 8; ++i) {
    inputs.push_back(testing::random_complex(enc.slot_count(), 1.0, rng));
    ASSERT_TRUE(enc.encode(inputs.back(), ctx->first_parms_id(), 0x1p40, want[static_cast<std::size_t>(i)]).ok());
    ASSERT_TRUE(enc.decode(want[static_cast<std::size_t>(i)], want_dec[static_cast<std::size_t>(i)]).ok());
  }
  std::atomic<int> failures{0};
  auto worker = [&](int offset) {
    for (int round = 0; round < 20; ++round) {
      const auto i = static_cast<std::size_t>((round + offset) % 8);
      rlwe::Plaintext pt;
      std::vector<Cplx> dec;
      if (!enc.encode(inputs[i], ctx->first_parms_id(), 0x1p40, pt).ok() || pt != want[i]) ++failures;
      if (!enc.decode(pt, dec).ok() || dec != want_dec[i]) ++failures;
    }
  };
  std::thread t1(worker, 0), t2(worker, 3), t3(worker, 5);
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(EncoderSimdTest, ReportsTheLevelInUse) {
  const auto ctx = cached_context(1024, kStdBits);
  EXPECT_EQ(Encoder(ctx, SimdLevel::kGeneric).simd_level(), SimdLevel::kGeneric);
  EXPECT_NE(Encoder(ctx).simd_level(), SimdLevel::kAuto);
  std::printf("[simd] auto selects %s\n", level_name(Encoder(ctx).simd_level()).c_str());
}

}  // namespace
}  // namespace ei::ckks
