// NTT-friendly prime generation: SEAL's CoeffModulus::Create and the HE-standard bit bounds.
//
// Thread-safety: pure functions.
// Ownership: returns values.
// Errors: INVALID_PARAMETERS, PRIME_SEARCH_FAILED (see each function).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/status.h"

namespace ei::math {

// SEAL's CoeffModulus::Create(N, bit_sizes): for each distinct bit size b, primes q ≡ 1 (mod 2N)
// are searched downward from ((2^b - 1) / 2N) * 2N + 1 while q > 2^(b-1); position k of the
// result gets the primes of its size in ascending order of occurrence (the first occurrence of b
// gets the smallest of the primes found for b, the last occurrence the largest).
// REQUIRES nothing; validates like SEAL:
//   INVALID_PARAMETERS if N is not a power of two in [2, 131072], bit_sizes is empty or has more
//     than 256 entries, or any size is outside [2, 60];
//   PRIME_SEARCH_FAILED if some bit size has fewer qualifying primes than requested.
// Allocates the result.
[[nodiscard]] Result<std::vector<Modulus>> coeff_modulus_create(std::uint64_t poly_modulus_degree,
                                                                std::span<const int> bit_sizes);

// Maximum total coeff_modulus bit count for 128-bit classical security (SEAL's
// SEAL_HE_STD_PARMS_128_TC): 1024:27, 2048:54, 4096:109, 8192:218, 16384:438, 32768:881; 0 otherwise.
[[nodiscard]] int he_standard_max_bits_tc128(std::uint64_t poly_modulus_degree) noexcept;

}  // namespace ei::math
