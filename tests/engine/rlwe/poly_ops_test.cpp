// divide_and_round_q_last_ntt against a straightforward multi-precision reference, plus the
// element-wise kernels.
#include "engine/rlwe/poly_ops.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/engine/rlwe/rlwe_test_util.h"

namespace ei::rlwe {
namespace {

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;
using Big = std::vector<std::uint64_t>;  // little-endian words, fixed width

Big big_from(std::uint64_t v, std::size_t width) {
  Big b{v};
  b.resize(width, 0);
  return b;
}
void big_mul_small(Big& a, std::uint64_t m) {
  u128 carry = 0;
  for (auto& w : a) {
    const u128 t = static_cast<u128>(w) * m + carry;
    w = static_cast<std::uint64_t>(t);
    carry = t >> 64;
  }
  ASSERT_EQ(carry, 0U);
}
void big_add(Big& a, const Big& b) {
  u128 carry = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const u128 t = static_cast<u128>(a[i]) + b[i] + carry;
    a[i] = static_cast<std::uint64_t>(t);
    carry = t >> 64;
  }
  ASSERT_EQ(carry, 0U);
}
bool big_geq(const Big& a, const Big& b) {
  for (std::size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return true;
}
void big_sub(Big& a, const Big& b) {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::uint64_t bi = b[i] + borrow;
    const std::uint64_t next = (bi < borrow || a[i] < bi) ? 1 : 0;
    a[i] -= bi;
    borrow = next;
  }
}
// a ← floor(a / d); returns a mod d.
std::uint64_t big_divmod_small(Big& a, std::uint64_t d) {
  u128 rem = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    const u128 cur = (rem << 64) | a[i];
    a[i] = static_cast<std::uint64_t>(cur / d);
    rem = cur % d;
  }
  return static_cast<std::uint64_t>(rem);
}
std::uint64_t big_mod_small(Big a, std::uint64_t d) {
  return big_divmod_small(a, d);
}
std::uint64_t pow_mod_ref(std::uint64_t b, std::uint64_t e, std::uint64_t q) {
  u128 r = 1;
  u128 x = b % q;
  while (e != 0) {
    if ((e & 1U) != 0) r = r * x % q;
    x = x * x % q;
    e >>= 1;
  }
  return static_cast<std::uint64_t>(r);
}

// Reference: coefficient-wise floor((X + floor(q_last/2)) / q_last) mod q_i, X ∈ [0, Q) the CRT
// lift of the input, i.e. SEAL's divide-and-round with its rounding convention.
std::vector<std::uint64_t> reference_divide_and_round(const ContextData& level,
                                                      const std::vector<std::uint64_t>& in_ntt) {
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const std::size_t width = limbs + 1;
  std::vector<std::uint64_t> q(limbs);
  for (std::size_t j = 0; j < limbs; ++j) q[j] = level.coeff_modulus()[j].value();

  Big big_q = big_from(1, width);
  for (auto qj : q) big_mul_small(big_q, qj);
  std::vector<Big> punctured(limbs);  // Q / q_j
  std::vector<std::uint64_t> punctured_inv(limbs);
  for (std::size_t j = 0; j < limbs; ++j) {
    punctured[j] = big_from(1, width);
    for (std::size_t k = 0; k < limbs; ++k) {
      if (k != j) big_mul_small(punctured[j], q[k]);
    }
    punctured_inv[j] = pow_mod_ref(big_mod_small(punctured[j], q[j]), q[j] - 2, q[j]);
  }

  std::vector<std::uint64_t> coeffs = in_ntt;
  ntt_inverse(level, coeffs.data());
  const std::uint64_t q_last = q[limbs - 1];
  std::vector<std::uint64_t> out(n * (limbs - 1));
  for (std::size_t i = 0; i < n; ++i) {
    Big x = big_from(0, width);
    for (std::size_t j = 0; j < limbs; ++j) {
      Big term = punctured[j];
      const std::uint64_t f =
          static_cast<std::uint64_t>(static_cast<u128>(coeffs[j * n + i]) * punctured_inv[j] % q[j]);
      big_mul_small(term, f);
      big_add(x, term);
    }
    while (big_geq(x, big_q)) big_sub(x, big_q);
    big_add(x, big_from(q_last / 2, width));
    big_divmod_small(x, q_last);
    for (std::size_t j = 0; j + 1 < limbs; ++j) out[j * n + i] = big_mod_small(x, q[j]);
  }
  ntt_forward(level, out.data(), limbs - 1);
  return out;
}

TEST(DivideAndRoundQLastNtt, MatchesBignumReferenceAtEveryLevel) {
  auto ctx = testing::make_context({40, 30, 30, 40});
  std::mt19937_64 rng(20240611);
  // Key level (4 primes, divides by the special prime) down to the 2-prime level.
  for (const ContextData* level = &ctx->key_context_data(); level->coeff_modulus_size() >= 2; level = level->next()) {
    for (int trial = 0; trial < 2; ++trial) {
      auto in = testing::random_poly(*level, rng);
      auto want = reference_divide_and_round(*level, in);
      auto got = in;
      divide_and_round_q_last_ntt(*level, got.data());
      got.resize(want.size());
      ASSERT_EQ(got, want) << "level with " << level->coeff_modulus_size() << " primes";
    }
  }
}

TEST(DivideAndRoundQLastNtt, ExactOnMultiplesAndRoundsHalfUp) {
  // X = k·q_last + r with h = floor(q_last/2): the result is floor((X + h)/q_last), so r = h
  // rounds down (q_last is odd: the tie cannot occur) and r = h + 1 rounds up.
  auto ctx = testing::make_context({30, 30, 40});
  const ContextData& level = ctx->key_context_data();
  const std::size_t n = level.poly_modulus_degree();
  const std::uint64_t q_last = level.coeff_modulus()[2].value();
  const std::uint64_t h = q_last / 2;
  std::vector<std::uint64_t> poly(3 * n, 0);
  // Coefficient 0: 7·q_last + h (rounds down to 7); coefficient 1: 5·q_last + h + 1 (up to 6);
  // coefficient 2: −3·q_last (exactly −3).
  const std::int64_t vals[3][2] = {{7, static_cast<std::int64_t>(h)}, {5, static_cast<std::int64_t>(h + 1)}, {-3, 0}};
  for (std::size_t j = 0; j < 3; ++j) {
    const std::uint64_t qj = level.coeff_modulus()[j].value();
    for (std::size_t i = 0; i < 3; ++i) {
      const i128 x = static_cast<i128>(vals[i][0]) * q_last + vals[i][1];
      i128 r = x % static_cast<i128>(qj);
      if (r < 0) r += qj;
      poly[j * n + i] = static_cast<std::uint64_t>(r);
    }
  }
  ntt_forward(level, poly.data());
  divide_and_round_q_last_ntt(level, poly.data());
  ntt_inverse(level, poly.data(), 2);
  const std::int64_t want[3] = {7, 6, -3};
  for (std::size_t j = 0; j < 2; ++j) {
    const std::uint64_t qj = level.coeff_modulus()[j].value();
    for (std::size_t i = 0; i < 3; ++i) {
      const std::uint64_t w =
          want[i] >= 0 ? static_cast<std::uint64_t>(want[i]) : qj - static_cast<std::uint64_t>(-want[i]);
      EXPECT_EQ(poly[j * n + i], w) << "limb " << j << " coeff " << i;
    }
  }
}

TEST(PolyOps, ElementwiseKernelsAndAliasing) {
  auto ctx = testing::make_context({30, 40});
  const ContextData& level = ctx->key_context_data();
  const std::size_t n = level.poly_modulus_degree();
  const auto moduli = level.coeff_modulus();
  std::mt19937_64 rng(7);
  auto a = testing::random_poly(level, rng);
  auto b = testing::random_poly(level, rng);
  std::vector<std::uint64_t> sum(a.size()), diff(a.size()), neg(a.size()), prod(a.size());
  add_poly(a.data(), b.data(), moduli, n, sum.data());
  sub_poly(sum.data(), b.data(), moduli, n, diff.data());
  EXPECT_EQ(diff, a);
  negate_poly(a.data(), moduli, n, neg.data());
  add_poly(neg.data(), a.data(), moduli, n, neg.data());  // aliasing out == a
  EXPECT_EQ(neg, std::vector<std::uint64_t>(a.size(), 0));
  dyadic_product(a.data(), b.data(), moduli, n, prod.data());
  for (std::size_t j = 0; j < 2; ++j) {
    const std::uint64_t q = moduli[j].value();
    for (std::size_t i = 0; i < n; i += 97) {
      EXPECT_EQ(prod[j * n + i], static_cast<std::uint64_t>(static_cast<u128>(a[j * n + i]) * b[j * n + i] % q));
    }
  }
  std::vector<std::uint64_t> acc = sum;
  dyadic_product_accumulate(a.data(), b.data(), moduli, n, acc.data());
  std::vector<std::uint64_t> acc_want(a.size());
  add_poly(sum.data(), prod.data(), moduli, n, acc_want.data());
  EXPECT_EQ(acc, acc_want);
  std::vector<std::uint64_t> scaled(a.size());
  multiply_poly_scalar(a.data(), ~std::uint64_t{0}, moduli, n, scaled.data());
  for (std::size_t j = 0; j < 2; ++j) {
    const std::uint64_t q = moduli[j].value();
    const std::uint64_t s = ~std::uint64_t{0} % q;
    EXPECT_EQ(scaled[j * n + 5], static_cast<std::uint64_t>(static_cast<u128>(a[j * n + 5]) * s % q));
  }
  EXPECT_TRUE(poly_in_range(a.data(), moduli, n));
  a[n + 3] = moduli[1].value();
  EXPECT_FALSE(poly_in_range(a.data(), moduli, n));
}

TEST(SecretBuffer, MoveLeavesSourceEmpty) {
  SecretBuffer a(16);
  a.data()[3] = 42;
  const std::uint64_t* p = a.data();
  SecretBuffer b(std::move(a));
  EXPECT_EQ(a.size(), 0U);  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(b.data()[3], 42U);
  b.wipe();
  EXPECT_EQ(b.data()[3], 0U);
}

}  // namespace
}  // namespace ei::rlwe
