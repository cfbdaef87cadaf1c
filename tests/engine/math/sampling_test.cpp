// Samplers: exact stream-consumption models (uniform: SEAL's seed expansion; CBD: 6 bytes per
// coefficient), rejection paths driven by a scripted generator, ranges and rough distributions.
#include "engine/math/sampling.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/math/primes.h"

namespace ei::math {
namespace {

// A generator whose stream is a fixed byte script (zero after its end).
class ScriptedPrng final : public UniformRandomGenerator {
 public:
  explicit ScriptedPrng(std::vector<std::uint8_t> script)
      : UniformRandomGenerator(PrngType::unknown, PrngSeed{}), script_(std::move(script)) {}

 protected:
  void refill(std::span<std::uint8_t, kBufferBytes> block, std::uint64_t counter) override {
    for (std::size_t i = 0; i < block.size(); ++i) {
      const std::size_t at = static_cast<std::size_t>(counter) * kBufferBytes + i;
      block[i] = at < script_.size() ? script_[at] : 0;
    }
  }

 private:
  std::vector<std::uint8_t> script_;
};

std::vector<std::uint8_t> words_to_bytes(const std::vector<std::uint64_t>& words) {
  std::vector<std::uint8_t> b(words.size() * 8);
  std::memcpy(b.data(), words.data(), b.size());
  return b;
}

PrngSeed seed_of(std::uint8_t v) {
  PrngSeed s;
  s.fill(v);
  return s;
}

std::uint64_t rejection_threshold(std::uint64_t q) {
  const std::uint64_t max = ~std::uint64_t{0};
  return max - max % q - 1;  // SEAL: max_multiple = max_random - (max_random mod q) - 1
}

// A prime 1 mod 2048 just above 2^59: (2^64 - 1) mod q is about 2^59, so about 1 word in 32 is
// rejected and the continuation path runs often.
std::uint64_t high_rejection_prime() {
  for (std::uint64_t v = (1ULL << 59) + 1;; v += 2048) {
    if (is_prime(v)) return v;
  }
}

TEST(SampleUniform, MatchesSealSeedExpansionModel) {
  const std::size_t n = 1024;
  std::vector<Modulus> moduli = *coeff_modulus_create(n, std::vector<int>{60, 40});
  moduli.emplace_back(high_rejection_prime());
  const std::size_t len = moduli.size();
  const PrngSeed seed = seed_of(0x5a);

  std::vector<std::uint64_t> got(n * len, ~0ULL);
  auto prng = make_prng(PrngType::blake2xb, seed);
  sample_poly_uniform(*prng, moduli, n, got.data());

  // Model: one pull of n*L words, then the continuation for each rejected word, limb by limb.
  auto model = make_prng(PrngType::blake2xb, seed);
  std::vector<std::uint64_t> words(n * len);
  for (auto& w : words) w = model->generate_u64();  // same bytes as one n*L*8-byte pull
  std::size_t rejections = 0;
  for (std::size_t j = 0; j < len; ++j) {
    const std::uint64_t q = moduli[j].value();
    const std::uint64_t t = rejection_threshold(q);
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t w = words[j * n + i];
      while (w >= t) {
        w = model->generate_u64();
        ++rejections;
      }
      ASSERT_EQ(got[j * n + i], w % q) << "limb " << j << " coeff " << i;
    }
  }
  EXPECT_GT(rejections, 5U);  // the 2^59 prime forces the continuation path
  // Both generators are at the same stream position afterwards.
  EXPECT_EQ(prng->generate_u64(), model->generate_u64());
}

TEST(SampleUniform, RejectionUsesStreamContinuationInLimbOrder) {
  const std::vector<Modulus> moduli = {Modulus(12289), Modulus(40961)};
  const std::size_t n = 4;
  const std::uint64_t t0 = rejection_threshold(12289);
  const std::uint64_t t1 = rejection_threshold(40961);
  // Initial block of n*L words, then the continuation.
  std::vector<std::uint64_t> words = {
      100,   t0,  t0 - 1, ~0ULL,  // limb 0: coefficient 1 and 3 are rejected
      t1,    200, 300,    400,    // limb 1: coefficient 0 is rejected
      ~0ULL, 5,   7,      9,      // continuation: ~0 rejected again, then 5 (limb 0 c1), 7 (limb 0 c3), 9 (limb 1 c0)
      11};
  ScriptedPrng prng(words_to_bytes(words));
  std::vector<std::uint64_t> out(n * 2);
  sample_poly_uniform(prng, moduli, n, out.data());
  EXPECT_EQ(out, (std::vector<std::uint64_t>{100, 5, (t0 - 1) % 12289, 7, 9, 200, 300, 400}));
  EXPECT_EQ(prng.generate_u64(), 11U);  // exactly 12 words consumed
}

TEST(SampleUniform, DeterministicPerSeed) {
  const std::size_t n = 2048;
  const std::vector<Modulus> moduli = *coeff_modulus_create(n, std::vector<int>{60, 40, 40, 60});
  std::vector<std::uint64_t> a(n * 4);
  std::vector<std::uint64_t> b(n * 4);
  std::vector<std::uint64_t> c(n * 4);
  auto pa = make_prng(PrngType::blake2xb, seed_of(1));
  auto pb = make_prng(PrngType::blake2xb, seed_of(1));
  auto pc = make_prng(PrngType::blake2xb, seed_of(2));
  sample_poly_uniform(*pa, moduli, n, a.data());
  sample_poly_uniform(*pb, moduli, n, b.data());
  sample_poly_uniform(*pc, moduli, n, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (std::size_t j = 0; j < 4; ++j) {
    for (std::size_t i = 0; i < n; ++i) ASSERT_LT(a[j * n + i], moduli[j].value());
  }
}

int popcount_cbd(const std::uint8_t* x) {
  return std::popcount(x[0]) + std::popcount(x[1]) + std::popcount(static_cast<std::uint8_t>(x[2] & 0x1F)) -
         std::popcount(x[3]) - std::popcount(x[4]) - std::popcount(static_cast<std::uint8_t>(x[5] & 0x1F));
}

TEST(SampleCbd, MatchesSealModelAndConsumesSixBytesPerCoefficient) {
  const std::size_t n = 1000;  // not a multiple of the internal chunk
  const std::vector<Modulus> moduli = *coeff_modulus_create(1024, std::vector<int>{60, 30});
  std::vector<std::uint64_t> got(n * 2);
  auto prng = make_prng(PrngType::blake2xb, seed_of(3));
  sample_poly_cbd(*prng, moduli, n, got.data());
  auto model = make_prng(PrngType::blake2xb, seed_of(3));
  std::vector<std::uint8_t> bytes(6 * n);
  model->generate(bytes);
  for (std::size_t i = 0; i < n; ++i) {
    const int e = popcount_cbd(bytes.data() + 6 * i);
    for (std::size_t j = 0; j < 2; ++j) {
      const std::uint64_t q = moduli[j].value();
      const std::uint64_t want = e >= 0 ? static_cast<std::uint64_t>(e) : q - static_cast<std::uint64_t>(-e);
      ASSERT_EQ(got[j * n + i], want) << i;
    }
  }
  EXPECT_EQ(prng->generate_u64(), model->generate_u64());
}

TEST(SampleCbd, ExtremesFromScriptedBytes) {
  const std::vector<Modulus> moduli = {Modulus(12289), Modulus(17)};
  // Per coefficient: +21, -21, 0 (all ones: masks cancel), 0 (all zero).
  const std::vector<std::uint8_t> script = {0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xE0,  //
                                            0x00, 0x00, 0xE0, 0xFF, 0xFF, 0xFF,  //
                                            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  //
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  ScriptedPrng prng(script);
  std::vector<std::uint64_t> out(8);
  sample_poly_cbd(prng, moduli, 4, out.data());
  EXPECT_EQ(out, (std::vector<std::uint64_t>{21, 12289 - 21, 0, 0, 21 % 17, 17 - 21 % 17, 0, 0}));
}

TEST(SampleCbd, RangeMeanVariance) {
  const std::size_t n = 1 << 16;
  const Modulus q(1152921504606748673ULL);
  std::vector<std::uint64_t> out(n);
  auto prng = make_prng(PrngType::blake2xb, seed_of(4));
  sample_poly_cbd(*prng, std::span<const Modulus>(&q, 1), n, out.data());
  double sum = 0;
  double sq = 0;
  int lo = 0;
  int hi = 0;
  for (const std::uint64_t v : out) {
    const std::int64_t e = v > q.value() / 2 ? -static_cast<std::int64_t>(q.value() - v) : static_cast<std::int64_t>(v);
    ASSERT_GE(e, -21);
    ASSERT_LE(e, 21);
    lo = std::min(lo, static_cast<int>(e));
    hi = std::max(hi, static_cast<int>(e));
    sum += static_cast<double>(e);
    sq += static_cast<double>(e * e);
  }
  const double mean = sum / n;
  const double var = sq / n - mean * mean;
  EXPECT_LT(std::fabs(mean), 0.1);  // sd of the mean is sqrt(10.5/65536) ~ 0.013
  EXPECT_NEAR(var, 10.5, 0.4);
  EXPECT_LE(lo, -9);
  EXPECT_GE(hi, 9);
}

TEST(SampleTernary, ValuesConsistentAcrossLimbsAndRoughlyUniform) {
  const std::size_t n = 1 << 15;
  const std::vector<Modulus> moduli = *coeff_modulus_create(n, std::vector<int>{60, 40, 60});
  std::vector<std::uint64_t> out(n * 3);
  auto prng = make_prng(PrngType::blake2xb, seed_of(5));
  sample_poly_ternary(*prng, moduli, n, out.data());
  std::size_t counts[3] = {0, 0, 0};
  for (std::size_t i = 0; i < n; ++i) {
    int v = 2;
    for (std::size_t j = 0; j < 3; ++j) {
      const std::uint64_t q = moduli[j].value();
      const std::uint64_t x = out[j * n + i];
      const int vj = x == 0 ? 0 : x == 1 ? 1 : x == q - 1 ? -1 : 99;
      ASSERT_NE(vj, 99) << "limb " << j << " coeff " << i;
      if (j == 0) v = vj;
      ASSERT_EQ(vj, v) << "limb " << j << " coeff " << i;
    }
    ++counts[v + 1];
  }
  for (const std::size_t c : counts) EXPECT_NEAR(static_cast<double>(c), n / 3.0, 600.0);  // ~7 sigma
  // Deterministic per seed.
  std::vector<std::uint64_t> again(n * 3);
  auto replay = make_prng(PrngType::blake2xb, seed_of(5));
  sample_poly_ternary(*replay, moduli, n, again.data());
  EXPECT_EQ(out, again);
}

TEST(SampleTernary, RejectsByte255AndConsumesOnlyWhatItNeeds) {
  const std::vector<Modulus> moduli = {Modulus(12289), Modulus(3)};
  const std::vector<std::uint8_t> script = {255, 255, 0, 1, 2, 255, 4, 77};
  ScriptedPrng prng(script);
  std::vector<std::uint64_t> out(8);
  sample_poly_ternary(prng, moduli, 4, out.data());
  // 0 -> -1, 1 -> 0, 2 -> 1, 4 -> 0.
  EXPECT_EQ(out, (std::vector<std::uint64_t>{12288, 0, 1, 0, 2, 0, 1, 0}));
  std::uint8_t next = 0;
  prng.generate(std::span<std::uint8_t>(&next, 1));
  EXPECT_EQ(next, 77);  // exactly 7 bytes consumed
}

}  // namespace
}  // namespace ei::math
