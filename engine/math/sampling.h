// Polynomial samplers of SEAL's util/rlwe.cpp, writing RNS polynomials limb-major.
//
// `out` receives moduli.size() limbs of n words: limb j, coefficient i at out[j*n + i], every word
// reduced mod q_j, in coefficient form (no NTT is applied; for uniform samples the caller reads
// the result as NTT form, as SEAL does).
//
// Thread-safety: reentrant; a generator must not be shared between threads.
// Ownership: `out` is caller-owned and must hold moduli.size() * n words.
// Errors: none; REQUIRES lines are EI_DCHECKed.
// Allocation: none (small fixed stack buffers, wiped before returning).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/math/modulus.h"
#include "engine/math/prng.h"

namespace ei::math {

// Bit-exact with SEAL's sample_poly_uniform (seal-compat.md §4): pulls n*L*8 bytes in one call as
// n*L LE words (limb-major); then for each limb j in order and coefficient i in order, while the
// word is >= T_j = M_j - 1 with M_j = (2^64-1) - ((2^64-1) mod q_j) it is replaced by the next 8
// stream bytes; the output is the word mod q_j.
void sample_poly_uniform(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n,
                         std::uint64_t* out);

// Uniform ternary {-1, 0, 1}, the same value on every limb (-1 stored as q_j - 1). Not SEAL's
// STL-defined mapping (which is not reproducible across builds anyway): each coefficient takes
// one stream byte b, rejecting b == 255, and maps b mod 3 = 0, 1, 2 to -1, 0, 1.
void sample_poly_ternary(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n,
                         std::uint64_t* out);

// SEAL's centered binomial noise (sample_poly_cbd): per coefficient 6 stream bytes x0..x5, x2 and
// x5 masked with 0x1F, e = popcnt(x0)+popcnt(x1)+popcnt(x2)-popcnt(x3)-popcnt(x4)-popcnt(x5) in
// [-21, 21], stored as e mod q_j on every limb. Consumes exactly 6n bytes, like SEAL.
void sample_poly_cbd(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n, std::uint64_t* out);

}  // namespace ei::math
