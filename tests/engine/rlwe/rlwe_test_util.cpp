#include "tests/engine/rlwe/rlwe_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/rlwe/poly_ops.h"

namespace ei::rlwe::testing {

ContextPtr make_context(std::vector<int> bit_sizes, std::size_t n) {
  auto parms = make_ckks_parameters(n, bit_sizes);
  EXPECT_TRUE(parms.ok()) << parms.status().to_string();
  auto ctx = Context::create(parms.value(), SecurityLevel::kInsecure);
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  return std::move(ctx).value();
}

std::vector<std::uint64_t> random_poly(const ContextData& level, std::size_t limbs, std::mt19937_64& rng) {
  const std::size_t n = level.poly_modulus_degree();
  std::vector<std::uint64_t> out(n * limbs);
  for (std::size_t j = 0; j < limbs; ++j) {
    std::uniform_int_distribution<std::uint64_t> dist(0, level.coeff_modulus()[j].value() - 1);
    for (std::size_t i = 0; i < n; ++i) out[j * n + i] = dist(rng);
  }
  return out;
}

Plaintext random_plaintext(const ContextData& level, std::mt19937_64& rng, double scale) {
  Plaintext pt;
  pt.parms_id = level.parms_id();
  pt.data = random_poly(level, rng);
  pt.coeff_count = pt.data.size();
  pt.scale = scale;
  return pt;
}

std::uint64_t centered_inf_norm_ntt(const ContextData& level, const std::uint64_t* poly_ntt, std::size_t limbs) {
  const std::size_t n = level.poly_modulus_degree();
  std::vector<std::uint64_t> c(poly_ntt, poly_ntt + n * limbs);
  ntt_inverse(level, c.data(), limbs);
  const std::uint64_t q0 = level.coeff_modulus()[0].value();
  std::uint64_t norm = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t v = c[i];
    const bool negative = v > q0 / 2;
    const std::uint64_t mag = negative ? q0 - v : v;
    for (std::size_t j = 1; j < limbs; ++j) {
      const std::uint64_t qj = level.coeff_modulus()[j].value();
      const std::uint64_t want = negative ? (mag % qj == 0 ? 0 : qj - mag % qj) : mag % qj;
      if (c[j * n + i] != want) return kNotSmall;
    }
    norm = std::max(norm, mag);
  }
  return norm;
}

std::vector<std::uint64_t> sub(const ContextData& level, const std::uint64_t* a, const std::uint64_t* b,
                               std::size_t limbs) {
  const std::size_t n = level.poly_modulus_degree();
  std::vector<std::uint64_t> out(n * limbs);
  sub_poly(a, b, level.coeff_modulus().first(limbs), n, out.data());
  return out;
}

}  // namespace ei::rlwe::testing
