// Modulus, scalar modular arithmetic, Shoup multiplication, is_prime and reduce_multiword, checked
// against plain unsigned __int128 arithmetic and trial division.
#include "engine/math/modulus.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

namespace ei::math {
namespace {

using U64s = std::initializer_list<std::uint64_t>;

constexpr std::uint64_t kTwo61 = std::uint64_t{1} << 61;
constexpr std::uint64_t kMersenne61 = kTwo61 - 1;  // prime

std::uint64_t ref_mulmod(std::uint64_t a, std::uint64_t b, std::uint64_t m) {
  return static_cast<std::uint64_t>(mul_wide(a, b) % m);
}

// Moduli near the edges: tiny, powers of two, odd composites, and values just below 2^61.
std::vector<std::uint64_t> edge_moduli() {
  return {2,
          3,
          4,
          17,
          12289,
          (std::uint64_t{1} << 30) + 3,
          1ULL << 40,
          1099511480321ULL,
          1152921504606748673ULL,
          (1ULL << 60) + 1,
          kMersenne61,
          kTwo61 - 2,
          kTwo61 - 3};
}

TEST(Modulus, CreateChecksRange) {
  EXPECT_EQ(Modulus::create(0).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(Modulus::create(1).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(Modulus::create(kTwo61).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(Modulus::create(~std::uint64_t{0}).status().code(), Code::INVALID_PARAMETERS);
  ASSERT_TRUE(Modulus::create(2).ok());
  auto top = Modulus::create(kTwo61 - 1);
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->value(), kTwo61 - 1);
  EXPECT_EQ(top->bit_count(), 61);
  EXPECT_EQ(Modulus(2).bit_count(), 2);
  EXPECT_EQ(Modulus(1152921504606748673ULL).bit_count(), 60);
  EXPECT_EQ(Modulus(), Modulus());
  EXPECT_EQ(Modulus(17), Modulus(17));
  EXPECT_NE(Modulus(17), Modulus(19));
}

TEST(Modulus, ConstRatioIsFloorTwoTo128OverQ) {
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    const uint128_t ratio = (static_cast<uint128_t>(m.const_ratio()[1]) << 64) | m.const_ratio()[0];
    // ratio = floor(2^128 / q)  <=>  ratio*q <= 2^128 < (ratio+1)*q, checked without overflow as
    // 2^128 - ratio*q in [0, q).
    const uint128_t rem = (~static_cast<uint128_t>(0) - ratio * q) + 1;  // 2^128 - ratio*q (mod 2^128)
    EXPECT_LT(rem, static_cast<uint128_t>(q)) << q;
    if ((q & (q - 1)) == 0) {
      EXPECT_EQ(rem, 0U) << q;  // powers of two divide 2^128 exactly
    }
  }
}

TEST(Modulus, AddSubNegateEdges) {
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    const std::uint64_t top = q - 1;
    EXPECT_EQ(add_mod(top, top, m), (q == 2) ? 0 : q - 2);
    EXPECT_EQ(add_mod(top, 1, m), 0U);
    EXPECT_EQ(add_mod(0, 0, m), 0U);
    EXPECT_EQ(sub_mod(0, top, m), 1U);
    EXPECT_EQ(sub_mod(0, 1, m), top);
    EXPECT_EQ(sub_mod(top, top, m), 0U);
    EXPECT_EQ(negate_mod(0, m), 0U);
    EXPECT_EQ(negate_mod(1, m), top);
    EXPECT_EQ(negate_mod(top, m), 1U);
  }
}

TEST(Modulus, MulModMatchesInt128) {
  std::mt19937_64 rng(1);
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    const std::vector<std::uint64_t> special = {0, 1, 2, q - 1, q - 2 < q ? q - 2 : 0, q / 2, (q + 1) / 2};
    for (const std::uint64_t a : special) {
      for (const std::uint64_t b : special) {
        if (a >= q || b >= q) continue;
        EXPECT_EQ(mul_mod(a, b, m), ref_mulmod(a, b, q)) << a << " * " << b << " mod " << q;
      }
    }
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t a = rng() % q;
      const std::uint64_t b = rng() % q;
      ASSERT_EQ(mul_mod(a, b, m), ref_mulmod(a, b, q)) << a << " * " << b << " mod " << q;
    }
    // Documented: any 64-bit operands work too.
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t a = rng();
      const std::uint64_t b = rng();
      ASSERT_EQ(mul_mod(a, b, m), ref_mulmod(a, b, q));
    }
    EXPECT_EQ(mul_mod(~0ULL, ~0ULL, m), ref_mulmod(~0ULL, ~0ULL, q));
  }
}

TEST(Modulus, ReduceAnyWordAndAny128) {
  std::mt19937_64 rng(2);
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    for (const std::uint64_t x : U64s{0ULL, 1ULL, q - 1, q, q + 1, 2 * q, ~0ULL, ~0ULL - 1, 1ULL << 63}) {
      EXPECT_EQ(reduce(x, m), x % q) << x << " mod " << q;
    }
    for (int i = 0; i < 2000; ++i) {
      const std::uint64_t x = rng();
      ASSERT_EQ(reduce(x, m), x % q);
      const std::uint64_t hi = rng();
      const std::uint64_t lo = rng();
      const uint128_t v = (static_cast<uint128_t>(hi) << 64) | lo;
      ASSERT_EQ(reduce128(hi, lo, m), static_cast<std::uint64_t>(v % q)) << hi << ":" << lo << " mod " << q;
    }
    EXPECT_EQ(reduce128(~0ULL, ~0ULL, m), static_cast<std::uint64_t>(~static_cast<uint128_t>(0) % q));
    EXPECT_EQ(reduce128(0, 0, m), 0U);
  }
}

TEST(Modulus, PowMod) {
  const Modulus m(kMersenne61);
  EXPECT_EQ(pow_mod(0, 0, m), 1U);
  EXPECT_EQ(pow_mod(0, 5, m), 0U);
  EXPECT_EQ(pow_mod(7, 0, m), 1U);
  EXPECT_EQ(pow_mod(2, 61, m), 1U);               // 2^61 ≡ 1 mod 2^61 - 1
  EXPECT_EQ(pow_mod(3, kMersenne61 - 1, m), 1U);  // Fermat
  std::mt19937_64 rng(3);
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus mq(q);
    const std::uint64_t base = rng();
    std::uint64_t expect = 1 % q;
    for (std::uint64_t e = 0; e < 70; ++e) {
      ASSERT_EQ(pow_mod(base, e, mq), expect) << base << "^" << e << " mod " << q;
      expect = ref_mulmod(expect, base % q, q);
    }
  }
}

TEST(Modulus, InvMod) {
  std::mt19937_64 rng(4);
  for (const std::uint64_t q : U64s{3ULL, 17ULL, 12289ULL, 1152921504606748673ULL, kMersenne61}) {
    const Modulus m(q);
    EXPECT_FALSE(inv_mod(0, m).has_value());
    EXPECT_FALSE(inv_mod(q, m).has_value());
    EXPECT_EQ(inv_mod(1, m), 1U);
    EXPECT_EQ(inv_mod(q - 1, m), q - 1);
    for (int i = 0; i < 500; ++i) {
      const std::uint64_t a = rng();
      if (a % q == 0) continue;
      const auto inv = inv_mod(a, m);
      ASSERT_TRUE(inv.has_value());
      ASSERT_LT(*inv, q);
      ASSERT_EQ(ref_mulmod(a % q, *inv, q), 1U);
    }
  }
  const Modulus composite(12);
  EXPECT_FALSE(inv_mod(8, composite).has_value());
  EXPECT_FALSE(inv_mod(3, composite).has_value());
  EXPECT_EQ(inv_mod(5, composite), 5U);
  EXPECT_EQ(inv_mod(7, composite), 7U);
  const Modulus pow2(1ULL << 40);
  EXPECT_FALSE(inv_mod(2, pow2).has_value());
  const auto inv3 = inv_mod(3, pow2);
  ASSERT_TRUE(inv3.has_value());
  EXPECT_EQ(ref_mulmod(3, *inv3, 1ULL << 40), 1U);
}

TEST(Modulus, ShoupMultiplication) {
  std::mt19937_64 rng(5);
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    for (int i = 0; i < 300; ++i) {
      const std::uint64_t y = rng() % q;
      const ShoupOperand s = make_shoup(y, m);
      ASSERT_EQ(s.operand, y);
      ASSERT_EQ(s.quotient, static_cast<std::uint64_t>((static_cast<uint128_t>(y) << 64) / q));
      for (const std::uint64_t x : U64s{rng() % q, rng(), ~0ULL, 0ULL, q - 1}) {
        const std::uint64_t want = ref_mulmod(x, y, q);
        ASSERT_EQ(mul_mod_shoup(x, s, m), want) << x << " * " << y << " mod " << q;
        const std::uint64_t lazy = mul_mod_shoup_lazy(x, s, m);
        ASSERT_LT(lazy, 2 * q);
        ASSERT_EQ(lazy % q, want);
      }
    }
  }
}

bool trial_division_prime(std::uint64_t v) {
  if (v < 2) return false;
  for (std::uint64_t d = 2; d * d <= v; ++d) {
    if (v % d == 0) return false;
  }
  return true;
}

TEST(IsPrime, MatchesTrialDivisionOnRanges) {
  for (std::uint64_t v = 0; v < 20000; ++v) ASSERT_EQ(is_prime(v), trial_division_prime(v)) << v;
  const std::uint64_t base32 = (1ULL << 32) - 1000;
  for (std::uint64_t v = base32; v < base32 + 2000; ++v) ASSERT_EQ(is_prime(v), trial_division_prime(v)) << v;
  // Candidates of the NTT form k * 2^11 + 1 just below 2^40 (what prime search visits).
  for (std::uint64_t v = (1ULL << 40) - (1ULL << 11) * 40 + 1; v < (1ULL << 40); v += 1ULL << 11) {
    ASSERT_EQ(is_prime(v), trial_division_prime(v)) << v;
  }
}

TEST(IsPrime, CarmichaelAndStrongPseudoprimes) {
  // Carmichael numbers (Fermat liars for every coprime base).
  for (const std::uint64_t c : U64s{561ULL, 1105ULL, 1729ULL, 2465ULL, 2821ULL, 6601ULL, 8911ULL, 41041ULL, 825265ULL,
                                    321197185ULL, 5394826801ULL, 232250619601ULL, 9746347772161ULL}) {
    EXPECT_FALSE(is_prime(c)) << c;
  }
  // Strong pseudoprimes to several of the smallest prime bases.
  for (const std::uint64_t c : U64s{2047ULL, 1373653ULL, 25326001ULL, 3215031751ULL, 2152302898747ULL, 3474749660383ULL,
                                    341550071728321ULL, 3825123056546413051ULL}) {
    EXPECT_FALSE(is_prime(c)) << c;
  }
  // Squares of primes and semiprimes of two large primes.
  EXPECT_FALSE(is_prime(4294967291ULL * 4294967291ULL));
  EXPECT_FALSE(is_prime(kMersenne61 * 3));
  EXPECT_FALSE(is_prime(1152921504606748673ULL * 13));
}

TEST(IsPrime, KnownPrimes) {
  for (const std::uint64_t p : U64s{2ULL, 3ULL, 5ULL, 61ULL, 67ULL, 65537ULL, 2147483647ULL, 4294967291ULL, kMersenne61,
                                    1152921504606748673ULL, 1099510890497ULL, 1099511480321ULL, 1152921504606830593ULL,
                                    18446744073709551557ULL /* largest 64-bit prime */}) {
    EXPECT_TRUE(is_prime(p)) << p;
  }
  EXPECT_FALSE(is_prime(~0ULL));
  EXPECT_FALSE(is_prime(18446744073709551557ULL - 2));
}

TEST(ReduceMultiword, MatchesIndependentEvaluation) {
  std::mt19937_64 rng(6);
  for (const std::uint64_t q : edge_moduli()) {
    const Modulus m(q);
    EXPECT_EQ(reduce_multiword({}, m), 0U);
    const std::uint64_t one_word[] = {~0ULL};
    EXPECT_EQ(reduce_multiword(one_word, m), ~0ULL % q);
    for (std::size_t len = 1; len <= 6; ++len) {
      std::vector<std::uint64_t> w(len);
      for (auto& x : w) x = rng();
      if (len == 2) {
        const uint128_t v = (static_cast<uint128_t>(w[1]) << 64) | w[0];
        ASSERT_EQ(reduce_multiword(w, m), static_cast<std::uint64_t>(v % q));
      }
      // Σ (w_i mod q) * (2^64 mod q)^i, with the power computed by repeated multiplication.
      const std::uint64_t radix = static_cast<std::uint64_t>((static_cast<uint128_t>(1) << 64) % q);
      std::uint64_t pw = 1 % q;
      std::uint64_t want = 0;
      for (std::size_t i = 0; i < len; ++i) {
        want = static_cast<std::uint64_t>((static_cast<uint128_t>(want) + ref_mulmod(w[i] % q, pw, q)) % q);
        pw = ref_mulmod(pw, radix, q);
      }
      ASSERT_EQ(reduce_multiword(w, m), want) << "len " << len << " q " << q;
    }
  }
}

}  // namespace
}  // namespace ei::math
