// NttTables: SEAL's output order against naive evaluation, the minimal root against brute force,
// exact inversion, and negacyclic convolution against schoolbook multiplication.
#include "engine/math/ntt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "engine/math/primes.h"

namespace ei::math {
namespace {

// Largest prime below 2^61 that is 1 mod 2N: exercises the lazy [0, 4q) bounds at the top.
std::uint64_t top_ntt_prime(std::uint64_t n) {
  const std::uint64_t step = 2 * n;
  for (std::uint64_t v = ((1ULL << 61) - 1) / step * step + 1;; v -= step) {
    if (is_prime(v)) return v;
  }
}

std::vector<std::uint64_t> test_primes_1024() {
  std::vector<std::uint64_t> out = {12289, 40961};
  auto r = coeff_modulus_create(1024, std::vector<int>{30, 50, 60});
  EXPECT_TRUE(r.ok());
  for (const auto& m : *r) out.push_back(m.value());
  out.push_back(top_ntt_prime(1024));
  return out;
}

std::vector<std::uint64_t> random_poly(std::mt19937_64& rng, std::size_t n, std::uint64_t q) {
  std::vector<std::uint64_t> a(n);
  for (auto& x : a) x = rng() % q;
  return a;
}

TEST(Ntt, MinimalRootMatchesBruteForce) {
  struct Case {
    std::uint64_t q;
    int log_n;
  };
  for (const Case c : {Case{17, 3}, Case{97, 4}, Case{257, 7}, Case{7681, 8}, Case{12289, 10}, Case{40961, 12}}) {
    const Modulus q(c.q);
    const std::uint64_t n = 1ULL << c.log_n;
    std::uint64_t brute = 0;
    for (std::uint64_t x = 1; x < c.q; ++x) {
      if (pow_mod(x, n, q) == c.q - 1) {  // x^N = -1 <=> x has order exactly 2N (N a power of two)
        brute = x;
        break;
      }
    }
    ASSERT_NE(brute, 0U);
    auto t = NttTables::create(c.log_n, q);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->root(), brute) << "q=" << c.q << " N=" << n;
    EXPECT_EQ(minimal_primitive_root(2 * n, q), brute);
  }
}

TEST(Ntt, RootTablesFollowSealLayout) {
  const Modulus q(12289);
  auto t = NttTables::create(10, q);
  ASSERT_TRUE(t.ok());
  const std::uint64_t psi = t->root();
  const auto inv_psi = *inv_mod(psi, q);
  EXPECT_EQ(t->forward_roots()[0].operand, 1U);
  for (std::uint64_t i = 1; i < 1024; ++i) {
    ASSERT_EQ(t->forward_roots()[reverse_bits(i, 10)].operand, pow_mod(psi, i, q));
    ASSERT_EQ(t->inverse_roots()[reverse_bits(i - 1, 10) + 1].operand, pow_mod(inv_psi, i, q));
  }
  EXPECT_EQ(mul_mod(t->inv_degree().operand, 1024, q), 1U);
}

TEST(Ntt, ForwardEqualsNaiveEvaluationN1024) {
  std::mt19937_64 rng(11);
  const int log_n = 10;
  const std::size_t n = 1024;
  for (const std::uint64_t qv : test_primes_1024()) {
    const Modulus q(qv);
    auto t = NttTables::create(log_n, q);
    ASSERT_TRUE(t.ok()) << qv << ": " << t.status().to_string();
    const std::uint64_t psi = t->root();
    ASSERT_EQ(pow_mod(psi, n, q), qv - 1);
    std::vector<std::uint64_t> a = random_poly(rng, n, qv);
    a[0] = qv - 1;  // include extreme inputs
    a[n - 1] = qv - 1;
    std::vector<std::uint64_t> got = a;
    t->forward(got.data());
    for (std::size_t j = 0; j < n; ++j) {
      const std::uint64_t x = pow_mod(psi, 2 * reverse_bits(j, log_n) + 1, q);
      std::uint64_t acc = 0;  // Horner: a(x)
      for (std::size_t k = n; k-- > 0;) acc = add_mod(mul_mod(acc, x, q), a[k], q);
      ASSERT_EQ(got[j], acc) << "q=" << qv << " j=" << j;
    }
  }
}

TEST(Ntt, InverseOfForwardIsIdentityAllSizes) {
  std::mt19937_64 rng(12);
  for (int log_n = 1; log_n <= 15; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    auto small = coeff_modulus_create(n, std::vector<int>{30});
    ASSERT_TRUE(small.ok());
    for (const std::uint64_t qv : {top_ntt_prime(n), (*small)[0].value()}) {
      auto t = NttTables::create(log_n, Modulus(qv));
      ASSERT_TRUE(t.ok());
      EXPECT_EQ(t->n(), n);
      EXPECT_EQ(t->log_n(), log_n);
      std::vector<std::uint64_t> a = random_poly(rng, n, qv);
      std::vector<std::uint64_t> b = a;
      t->forward(b.data());
      for (const auto x : b) ASSERT_LT(x, qv);
      t->inverse(b.data());
      ASSERT_EQ(a, b) << "log_n " << log_n;
      // And the other composition.
      t->inverse(b.data());
      for (const auto x : b) ASSERT_LT(x, qv);
      t->forward(b.data());
      ASSERT_EQ(a, b) << "log_n " << log_n;
    }
  }
}

TEST(Ntt, ExtremeInputsStayFullyReduced) {
  const std::size_t n = 4096;
  const std::uint64_t qv = top_ntt_prime(n);
  auto t = NttTables::create(12, Modulus(qv));
  ASSERT_TRUE(t.ok());
  for (const std::uint64_t fill : {std::uint64_t{0}, std::uint64_t{1}, qv - 1}) {
    std::vector<std::uint64_t> a(n, fill);
    std::vector<std::uint64_t> b = a;
    t->forward(b.data());
    for (const auto x : b) ASSERT_LT(x, qv);
    t->inverse(b.data());
    EXPECT_EQ(a, b);
  }
  // The NTT of the constant c is c everywhere; of X it is the evaluation points themselves.
  std::vector<std::uint64_t> c(n, 0);
  c[0] = 12345;
  t->forward(c.data());
  for (const auto x : c) ASSERT_EQ(x, 12345U);
}

TEST(Ntt, NegacyclicConvolutionMatchesSchoolbook) {
  std::mt19937_64 rng(13);
  const std::size_t n = 1024;
  for (const std::uint64_t qv : test_primes_1024()) {
    const Modulus q(qv);
    auto t = NttTables::create(10, q);
    ASSERT_TRUE(t.ok());
    const std::vector<std::uint64_t> a = random_poly(rng, n, qv);
    const std::vector<std::uint64_t> b = random_poly(rng, n, qv);
    std::vector<std::uint64_t> want(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        const std::uint64_t p = mul_mod(a[i], b[j], q);
        const std::size_t k = i + j;
        if (k < n) {
          want[k] = add_mod(want[k], p, q);
        } else {
          want[k - n] = sub_mod(want[k - n], p, q);  // X^N = -1
        }
      }
    }
    std::vector<std::uint64_t> fa = a;
    std::vector<std::uint64_t> fb = b;
    t->forward(fa.data());
    t->forward(fb.data());
    for (std::size_t i = 0; i < n; ++i) fa[i] = mul_mod(fa[i], fb[i], q);
    t->inverse(fa.data());
    ASSERT_EQ(fa, want) << "q=" << qv;
  }
}

TEST(Ntt, CreateErrors) {
  EXPECT_EQ(NttTables::create(0, Modulus(12289)).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(NttTables::create(18, Modulus(12289)).status().code(), Code::INVALID_PARAMETERS);
  // 12289 = 3 * 2^12 + 1: fine up to N = 2048, no 2N-th root for N = 4096.
  EXPECT_TRUE(NttTables::create(11, Modulus(12289)).ok());
  EXPECT_EQ(NttTables::create(12, Modulus(12289)).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(NttTables::create(4, Modulus(101)).status().code(), Code::INVALID_PARAMETERS);  // 100 % 32 != 0
  // Composite q that is 1 mod 2N: 4097 = 17 * 241.
  EXPECT_EQ(NttTables::create(11, Modulus(4097)).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(NttTables::create(10, Modulus()).status().code(), Code::INVALID_PARAMETERS);
  auto portable = NttTables::create(10, Modulus(12289), NttBackend::portable);
  ASSERT_TRUE(portable.ok());
  EXPECT_EQ(portable->backend(), NttBackend::portable);
  EXPECT_EQ(NttTables::create(10, Modulus(12289), static_cast<NttBackend>(200)).status().code(),
            Code::INVALID_ARGUMENT);
}

TEST(Ntt, TablesAreCopyableAndMovable) {
  auto t = NttTables::create(10, Modulus(12289));
  ASSERT_TRUE(t.ok());
  std::vector<NttTables> v;
  v.push_back(*t);
  v.push_back(std::move(t).value());
  std::vector<std::uint64_t> a(1024, 7);
  std::vector<std::uint64_t> b = a;
  v[0].forward(a.data());
  v[1].forward(b.data());
  EXPECT_EQ(a, b);
  EXPECT_EQ(v[0].modulus(), Modulus(12289));
}

}  // namespace
}  // namespace ei::math
