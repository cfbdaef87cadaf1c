// coeff_modulus_create against the seal-compat.md §3 examples and an independent re-derivation.
#include "engine/math/primes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace ei::math {
namespace {

std::vector<std::uint64_t> values(const std::vector<Modulus>& moduli) {
  std::vector<std::uint64_t> v;
  v.reserve(moduli.size());
  for (const auto& m : moduli) v.push_back(m.value());
  return v;
}

TEST(CoeffModulusCreate, SealExampleN8192) {
  const std::vector<int> bits = {60, 40, 40, 60};
  auto r = coeff_modulus_create(8192, bits);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(values(*r), (std::vector<std::uint64_t>{1152921504606748673ULL, 1099510890497ULL, 1099511480321ULL,
                                                    1152921504606830593ULL}));
}

TEST(CoeffModulusCreate, SealExampleN16384) {
  const std::vector<int> bits = {60, 30, 30, 60};
  auto r = coeff_modulus_create(16384, bits);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(values(*r),
            (std::vector<std::uint64_t>{1152921504606683137ULL, 1073479681ULL, 1073643521ULL, 1152921504606748673ULL}));
}

// Independent model: all primes ≡ 1 mod 2N in (2^(b-1), 2^b), descending, by trial scan.
std::vector<std::uint64_t> descending_primes(std::uint64_t n, int b, std::size_t count) {
  std::vector<std::uint64_t> out;
  const std::uint64_t step = 2 * n;
  for (std::uint64_t v = (1ULL << b) - 1; v > (1ULL << (b - 1)) && out.size() < count; --v) {
    if (v % step == 1 && is_prime(v)) out.push_back(v);
  }
  return out;
}

TEST(CoeffModulusCreate, OrderWithinEachBitSizeAndInvariants) {
  const std::vector<int> bits = {30, 25, 30, 25, 30, 20};
  const std::uint64_t n = 1024;
  auto r = coeff_modulus_create(n, bits);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), bits.size());
  std::map<int, std::size_t> counts;
  for (const int b : bits) ++counts[b];
  std::map<int, std::vector<std::uint64_t>> model;
  for (const auto& [b, c] : counts) model[b] = descending_primes(n, b, c);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    const std::uint64_t q = (*r)[i].value();
    EXPECT_EQ((*r)[i].bit_count(), bits[i]);
    EXPECT_EQ(q % (2 * n), 1U);
    EXPECT_TRUE(is_prime(q));
    // SEAL pops from the back of the descending list: first occurrence gets the smallest.
    EXPECT_EQ(q, model[bits[i]].back()) << "position " << i;
    model[bits[i]].pop_back();
  }
}

TEST(CoeffModulusCreate, SmallDegreesAndSmallPrimes) {
  const std::vector<int> bits = {5, 5, 4};
  auto r = coeff_modulus_create(2, bits);  // factor 4: 5-bit primes ≡ 1 mod 4 are 29, 17; 4-bit: 13
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(values(*r), (std::vector<std::uint64_t>{17, 29, 13}));
}

TEST(CoeffModulusCreate, Errors) {
  const std::vector<int> ok_bits = {40};
  EXPECT_EQ(coeff_modulus_create(0, ok_bits).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(1, ok_bits).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(3000, ok_bits).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(262144, ok_bits).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_TRUE(coeff_modulus_create(131072, ok_bits).ok());
  EXPECT_EQ(coeff_modulus_create(1024, std::vector<int>{}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(1024, std::vector<int>{61}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(1024, std::vector<int>{40, 1}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(coeff_modulus_create(1024, std::vector<int>(257, 40)).status().code(), Code::INVALID_PARAMETERS);
  // 2N = 2048 exceeds every 5-bit value: no candidates at all.
  EXPECT_EQ(coeff_modulus_create(1024, std::vector<int>{5}).status().code(), Code::PRIME_SEARCH_FAILED);
  // 17 bits with 2N = 65536: the only candidate is 65537 (prime), so a second one fails.
  auto one = coeff_modulus_create(32768, std::vector<int>{17});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)[0].value(), 65537U);
  EXPECT_EQ(coeff_modulus_create(32768, std::vector<int>{17, 17}).status().code(), Code::PRIME_SEARCH_FAILED);
}

TEST(HeStandard, MaxBitsTc128) {
  EXPECT_EQ(he_standard_max_bits_tc128(1024), 27);
  EXPECT_EQ(he_standard_max_bits_tc128(2048), 54);
  EXPECT_EQ(he_standard_max_bits_tc128(4096), 109);
  EXPECT_EQ(he_standard_max_bits_tc128(8192), 218);
  EXPECT_EQ(he_standard_max_bits_tc128(16384), 438);
  EXPECT_EQ(he_standard_max_bits_tc128(32768), 881);
  EXPECT_EQ(he_standard_max_bits_tc128(512), 0);
  EXPECT_EQ(he_standard_max_bits_tc128(65536), 0);
  EXPECT_EQ(he_standard_max_bits_tc128(0), 0);
}

}  // namespace
}  // namespace ei::math
