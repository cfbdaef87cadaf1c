// RnsBase: CRT composition against unsigned __int128 (2 limbs) and a small independent bignum
// check (X < Q and X ≡ r_i mod q_i, which determines X uniquely) for 3+ limbs.
#include "engine/math/rns.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/math/primes.h"

namespace ei::math {
namespace {

std::vector<Modulus> primes(std::uint64_t n, std::vector<int> bits) {
  auto r = coeff_modulus_create(n, bits);
  EXPECT_TRUE(r.ok());
  return *r;
}

// a < b for little-endian equal-length words.
bool less_words(const std::vector<std::uint64_t>& a, std::span<const std::uint64_t> b) {
  for (std::size_t w = a.size(); w-- > 0;) {
    if (a[w] != b[w]) return a[w] < b[w];
  }
  return false;
}

// Product of word values as little-endian words (schoolbook, independent of rns.cpp).
std::vector<std::uint64_t> product(const std::vector<Modulus>& ms) {
  std::vector<std::uint64_t> acc{1};  // plus one spare word to check the product fits
  acc.resize(ms.size() + 1, 0);
  for (const auto& m : ms) {
    uint128_t carry = 0;
    for (auto& w : acc) {
      const uint128_t p = static_cast<uint128_t>(w) * m.value() + carry;
      w = static_cast<std::uint64_t>(p);
      carry = p >> 64;
    }
    EXPECT_EQ(carry, 0U);
  }
  EXPECT_EQ(acc.back(), 0U);
  acc.pop_back();
  return acc;
}

TEST(RnsBase, TwoLimbsMatchInt128) {
  std::mt19937_64 rng(21);
  for (const auto& bits : {std::vector<int>{30, 31}, std::vector<int>{60, 60}, std::vector<int>{60, 20}}) {
    const std::vector<Modulus> ms = primes(1024, bits);
    auto base = RnsBase::create(ms);
    ASSERT_TRUE(base.ok());
    const uint128_t q = static_cast<uint128_t>(ms[0].value()) * ms[1].value();
    ASSERT_EQ(base->base_prod()[0], static_cast<std::uint64_t>(q));
    ASSERT_EQ(base->base_prod()[1], static_cast<std::uint64_t>(q >> 64));
    for (int i = 0; i < 2000; ++i) {
      uint128_t x = ((static_cast<uint128_t>(rng()) << 64) | rng()) % q;
      if (i == 0) x = 0;
      if (i == 1) x = q - 1;
      const std::uint64_t res[2] = {static_cast<std::uint64_t>(x % ms[0].value()),
                                    static_cast<std::uint64_t>(x % ms[1].value())};
      std::uint64_t out[2] = {~0ULL, ~0ULL};
      base->compose(res, out);
      ASSERT_EQ(out[0], static_cast<std::uint64_t>(x));
      ASSERT_EQ(out[1], static_cast<std::uint64_t>(x >> 64));
    }
  }
}

TEST(RnsBase, ManyLimbsSatisfyCrt) {
  std::mt19937_64 rng(22);
  for (const auto& bits :
       {std::vector<int>{60, 40, 40, 60}, std::vector<int>{50, 50, 50}, std::vector<int>{60, 60, 60, 60, 60}}) {
    const std::vector<Modulus> ms = primes(4096, bits);
    auto base = RnsBase::create(ms);
    ASSERT_TRUE(base.ok());
    const std::size_t len = ms.size();
    ASSERT_EQ(base->size(), len);
    const std::vector<std::uint64_t> q = product(ms);
    ASSERT_EQ(std::vector<std::uint64_t>(base->base_prod().begin(), base->base_prod().end()), q);
    for (int i = 0; i < 500; ++i) {
      std::vector<std::uint64_t> res(len);
      for (std::size_t j = 0; j < len; ++j) res[j] = rng() % ms[j].value();
      if (i == 0) {
        for (std::size_t j = 0; j < len; ++j) res[j] = ms[j].value() - 1;  // X = Q - 1
      }
      if (i == 1) std::fill(res.begin(), res.end(), 0);
      std::vector<std::uint64_t> x(len);
      base->compose(res, x);
      ASSERT_TRUE(less_words(x, q));
      for (std::size_t j = 0; j < len; ++j) ASSERT_EQ(reduce_multiword(x, ms[j]), res[j]);
      if (i == 0) {
        std::vector<std::uint64_t> qm1 = q;
        qm1[0] -= 1;  // Q is odd, no borrow
        ASSERT_EQ(x, qm1);
      }
      if (i == 1) {
        ASSERT_EQ(x, std::vector<std::uint64_t>(len, 0));
      }
    }
  }
}

TEST(RnsBase, ComposeArrayMatchesCompose) {
  std::mt19937_64 rng(23);
  const std::vector<Modulus> ms = primes(1024, {60, 40, 40});
  auto base = RnsBase::create(ms);
  ASSERT_TRUE(base.ok());
  const std::size_t n = 64;
  const std::size_t len = ms.size();
  std::vector<std::uint64_t> data(n * len);
  for (std::size_t j = 0; j < len; ++j) {
    for (std::size_t c = 0; c < n; ++c) data[j * n + c] = rng() % ms[j].value();
  }
  std::vector<std::uint64_t> out(n * len, ~0ULL);
  base->compose_array(data.data(), n, out.data());
  for (std::size_t c = 0; c < n; ++c) {
    std::vector<std::uint64_t> res(len);
    std::vector<std::uint64_t> x(len);
    for (std::size_t j = 0; j < len; ++j) res[j] = data[j * n + c];
    base->compose(res, x);
    for (std::size_t w = 0; w < len; ++w) ASSERT_EQ(out[c * len + w], x[w]);
  }
}

TEST(RnsBase, SingleLimbIsIdentity) {
  const std::vector<Modulus> ms = primes(1024, {40});
  auto base = RnsBase::create(ms);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->base_prod()[0], ms[0].value());
  const std::uint64_t r[1] = {123456789};
  std::uint64_t x[1] = {0};
  base->compose(r, x);
  EXPECT_EQ(x[0], 123456789U);
}

TEST(RnsBase, CreateErrors) {
  EXPECT_EQ(RnsBase::create({}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(RnsBase::create({Modulus(15), Modulus(21)}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(RnsBase::create({Modulus(17), Modulus(17)}).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(RnsBase::create({Modulus(17), Modulus()}).status().code(), Code::INVALID_PARAMETERS);
  // Coprime composites are a valid RNS base (SEAL only requires coprimality).
  auto ok = RnsBase::create({Modulus(15), Modulus(16), Modulus(49)});
  ASSERT_TRUE(ok.ok());
  const std::uint64_t r[3] = {4, 5, 6};
  std::uint64_t x[3] = {};
  ok->compose(r, x);
  EXPECT_EQ(x[0] % 15, 4U);
  EXPECT_EQ(x[0] % 16, 5U);
  EXPECT_EQ(x[0] % 49, 6U);
  EXPECT_LT(x[0], 15U * 16U * 49U);
  EXPECT_EQ(x[1], 0U);
  EXPECT_EQ(x[2], 0U);
}

}  // namespace
}  // namespace ei::math
