// Galois elements (SEAL's get_elt_from_step / get_elts_all) and the NTT-domain permutation.
#include "engine/rlwe/galois.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "engine/rlwe/poly_ops.h"
#include "tests/engine/rlwe/rlwe_test_util.h"

namespace ei::rlwe {
namespace {

TEST(GaloisElt, FromStepMatchesSeal) {
  EXPECT_EQ(galois_elt_from_step(-1, 1024).value(), 683U);  // seal-compat §10 example
  EXPECT_EQ(galois_elt_from_step(0, 1024).value(), 2047U);
  EXPECT_EQ(galois_elt_from_step(1, 1024).value(), 3U);
  EXPECT_EQ(galois_elt_from_step(2, 1024).value(), 9U);
  EXPECT_EQ(galois_elt_from_step(0, 8192).value(), 16383U);
  // 3^511 mod 2048 == 683 == 3^{-1}: the order of 3 mod 2N is N/2.
  EXPECT_EQ(galois_elt_from_step(511, 1024).value(), 683U);
  EXPECT_EQ(galois_elt_from_step(-511, 1024).value(), 3U);
}

TEST(GaloisElt, FromStepRejectsOutOfRange) {
  for (int step : {512, -512, 1000, -100000, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()}) {
    auto r = galois_elt_from_step(step, 1024);
    ASSERT_FALSE(r.ok()) << step;
    EXPECT_EQ(r.status().code(), Code::INVALID_ARGUMENT);
  }
  EXPECT_EQ(galois_elt_from_step(1, 1000).status().code(), Code::INVALID_ARGUMENT);
}

TEST(GaloisElt, DefaultEltsInSealOrder) {
  const auto elts = default_galois_elts(1024);
  ASSERT_EQ(elts.size(), 19U);  // 1 + 2·(log2 N − 1)
  const std::vector<std::uint64_t> prefix{2047, 3, 683, 9, 1593};
  EXPECT_EQ(std::vector<std::uint64_t>(elts.begin(), elts.begin() + 5), prefix);
  for (int i = 0; i < 9; ++i) {
    const int step = 1 << i;
    EXPECT_EQ(elts[static_cast<std::size_t>(1 + 2 * i)], galois_elt_from_step(step, 1024).value());
    EXPECT_EQ(elts[static_cast<std::size_t>(2 + 2 * i)], galois_elt_from_step(-step, 1024).value());
  }
}

// Coefficient-domain automorphism a(X) → a(X^g) in Z_q[X]/(X^N + 1).
std::vector<std::uint64_t> automorphism_coeff(const std::vector<std::uint64_t>& a, std::uint64_t g, std::size_t n,
                                              std::uint64_t q) {
  std::vector<std::uint64_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t raw = static_cast<std::uint64_t>(i) * g;
    const std::size_t idx = static_cast<std::size_t>(raw % n);
    const bool flip = ((raw / n) & 1U) != 0;
    out[idx] = flip && a[i] != 0 ? q - a[i] : a[i];
  }
  return out;
}

TEST(ApplyGaloisNtt, EqualsCoefficientAutomorphism) {
  auto ctx = testing::make_context({40, 30});
  const ContextData& level = ctx->key_context_data();
  const std::size_t n = level.poly_modulus_degree();
  std::mt19937_64 rng(11);
  for (std::uint64_t g : {std::uint64_t{3}, std::uint64_t{683}, std::uint64_t{2047}, std::uint64_t{1593},
                          std::uint64_t{5}, std::uint64_t{1}}) {
    for (std::size_t j = 0; j < 2; ++j) {
      const std::uint64_t q = level.coeff_modulus()[j].value();
      auto coeffs = testing::random_poly(level, rng);
      std::vector<std::uint64_t> a(coeffs.begin() + static_cast<std::ptrdiff_t>(j * n),
                                   coeffs.begin() + static_cast<std::ptrdiff_t>((j + 1) * n));
      auto want = automorphism_coeff(a, g, n, q);
      level.ntt(j).forward(want.data());
      level.ntt(j).forward(a.data());
      std::vector<std::uint64_t> got(n);
      apply_galois_ntt(a.data(), g, level.log_n(), got.data());
      ASSERT_EQ(got, want) << "g = " << g << " limb " << j;
    }
  }
}

TEST(ApplyGaloisNtt, InverseIsIdentityAndCompositionMultiplies) {
  const int log_n = 10;
  const std::size_t n = 1024;
  const std::uint64_t m = 2 * n;
  std::mt19937_64 rng(5);
  std::vector<std::uint64_t> x(n);
  for (auto& v : x) v = rng();
  std::vector<std::uint64_t> y(n), z(n), w(n);
  for (std::uint64_t g : default_galois_elts(n)) {
    // g^{-1} mod 2N by brute force (odd g is a unit).
    std::uint64_t g_inv = 1;
    while ((g * g_inv) % m != 1) g_inv += 2;
    apply_galois_ntt(x.data(), g, log_n, y.data());
    apply_galois_ntt(y.data(), g_inv, log_n, z.data());
    ASSERT_EQ(z, x) << "g = " << g;
    for (std::uint64_t h : {std::uint64_t{3}, std::uint64_t{2047}, std::uint64_t{683}}) {
      apply_galois_ntt(y.data(), h, log_n, z.data());
      apply_galois_ntt(x.data(), (g * h) % m, log_n, w.data());
      ASSERT_EQ(z, w) << "g = " << g << " h = " << h;
    }
  }
}

TEST(ApplyGaloisNtt, TableIsAPermutationAndCacheIsThreadSafe) {
  const int log_n = 11;
  std::vector<std::thread> threads;
  std::vector<const std::uint32_t*> seen(4, nullptr);
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] { seen[t] = galois_ntt_table(4095 - 2 * 7, log_n).data(); });
  }
  for (auto& th : threads) th.join();
  for (auto* p : seen) EXPECT_EQ(p, seen[0]);  // one cached table
  auto table = galois_ntt_table(4095 - 2 * 7, log_n);
  std::vector<bool> hit(table.size(), false);
  for (auto v : table) {
    ASSERT_LT(v, table.size());
    EXPECT_FALSE(hit[v]);
    hit[v] = true;
  }
}

}  // namespace
}  // namespace ei::rlwe
