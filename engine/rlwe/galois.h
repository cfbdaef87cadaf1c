// Galois automorphisms X → X^g for CKKS rotations and conjugation (SEAL's util/GaloisTool,
// seal-compat.md §5 and §10): step → element, SEAL's default element set, and the NTT-domain
// permutation.
//
// Thread-safety: all functions may be called concurrently. Permutation tables are built on first
//   use per (log_n, g) and cached for the life of the process behind a mutex; a cached table is
//   immutable.
// Ownership: spans returned by galois_ntt_table point into the process-lifetime cache.
// Errors: galois_elt_from_step returns INVALID_ARGUMENT; the kernels check only in debug builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/status.h"

namespace ei::rlwe {

// SEAL's generator for CKKS slot rotations.
inline constexpr std::uint64_t kGaloisGenerator = 3;

// SEAL's GaloisTool::get_elt_from_step with generator 3: step 0 → 2N − 1 (conjugation);
// step s > 0 → 3^s mod 2N (rotate left by s); s < 0 → 3^(N/2 − |s|) mod 2N.
// Errors: INVALID_ARGUMENT if n is not a power of two in [2, 2^17], or |step| ≥ N/2.
// Allocates nothing.
[[nodiscard]] Result<std::uint64_t> galois_elt_from_step(int step, std::size_t n);

// True iff g is odd and below 2N (a valid Galois element for degree n).
[[nodiscard]] bool is_valid_galois_elt(std::uint64_t galois_elt, std::size_t n) noexcept;

// SEAL's GaloisTool::get_elts_all(), the set create_galois_keys() uses, in SEAL's order:
// 2N − 1, then for i = 0 … log2(N) − 2: 3^(2^i) mod 2N, 3^(−2^i) mod 2N.
// REQUIRES: n a power of two ≥ 2. Allocates the result.
[[nodiscard]] std::vector<std::uint64_t> default_galois_elts(std::size_t n);

// The NTT-domain permutation table for element g at degree N = 2^log_n: out[i] = in[T[i]] with
// T[i] = bitrev_{log_n}(((g · bitrev_{log_n+1}(N + i)) >> 1) mod N). Built once and cached.
// REQUIRES: 1 ≤ log_n ≤ 17, is_valid_galois_elt(g, 2^log_n). Allocates on first use only.
[[nodiscard]] std::span<const std::uint32_t> galois_ntt_table(std::uint64_t galois_elt, int log_n);

// SEAL's GaloisTool::apply_galois_ntt on one limb of N = 2^log_n words in NTT form:
// out[i] = in[T[i]]. A pure permutation (no sign change, no modulus needed).
// REQUIRES: as galois_ntt_table; `in` and `out` hold N words each.
// Aliasing: `out` must not overlap `in`. Allocates only when the table is first built.
void apply_galois_ntt(const std::uint64_t* in, std::uint64_t galois_elt, int log_n, std::uint64_t* out);

}  // namespace ei::rlwe
