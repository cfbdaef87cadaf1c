// Shared helpers for the ei_rlwe tests: small contexts, random polynomials, noise norms.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"

namespace ei::rlwe::testing {

// CKKS context at degree n with CoeffModulus::Create-style primes, no security bound (tests).
ContextPtr make_context(std::vector<int> bit_sizes, std::size_t n = 1024);

// Uniform words in [0, q_j) over the first `limbs` limbs of `level`.
std::vector<std::uint64_t> random_poly(const ContextData& level, std::size_t limbs, std::mt19937_64& rng);
inline std::vector<std::uint64_t> random_poly(const ContextData& level, std::mt19937_64& rng) {
  return random_poly(level, level.coeff_modulus_size(), rng);
}

// A raw NTT-form plaintext at `level` with uniform residues (decode is not available here).
Plaintext random_plaintext(const ContextData& level, std::mt19937_64& rng, double scale = 1.0);

inline constexpr std::uint64_t kNotSmall = std::numeric_limits<std::uint64_t>::max();

// Infinity norm of the centered coefficient-form polynomial whose NTT form over the first
// `limbs` limbs of `level` is `poly_ntt`. Returns kNotSmall when the limbs do not agree on one
// small integer (|v| < q_0 / 2), i.e. the value is not a small polynomial.
std::uint64_t centered_inf_norm_ntt(const ContextData& level, const std::uint64_t* poly_ntt, std::size_t limbs);

// (a − b) over `limbs` limbs.
std::vector<std::uint64_t> sub(const ContextData& level, const std::uint64_t* a, const std::uint64_t* b,
                               std::size_t limbs);

}  // namespace ei::rlwe::testing
