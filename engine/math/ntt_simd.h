// Internal to ei_math: the SIMD NTT backends' entry points and their table layout. Not for use
// outside engine/math/ntt*.cpp; callers go through NttTables.
//
// Thread-safety: the transforms are reentrant (they only read the tables). cpu_has_*() read CPUID
// once (thread-safe static initialisation).
// Ownership: tables live in NttTables::simd_tables(); nothing here owns memory.
// Errors: none; build_simd_tables() is only called for an available backend.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/math/modulus.h"

namespace ei::math {

class NttTables;

namespace ntt_simd {

// Smallest log2(N) the SIMD kernels handle: they work on 16-word chunks (two zmm registers).
inline constexpr int kMinLogN = 4;
// IFMA lanes are 52 bits wide and the lazy butterflies keep values below 4q: q < 2^50.
inline constexpr std::uint64_t kIfmaModulusBound = std::uint64_t{1} << 50;

// Layout of NttTables::simd_tables() for both SIMD backends (words):
//   [0, 8)                scalars: inv_degree operand, quotient; inv_degree_last_root operand,
//                         quotient; zero padding
//   fwd_operand_offset    N forward root operands (forward_roots()[k].operand), SEAL's order except
//                         that [N/2, N) (the gap-1 stage) is permuted in groups of eight by
//                         kGap1LaneOrder: entry N/2 + 8g + l holds root N/2 + 8g + kGap1LaneOrder[l]
//   fwd_quotient_offset   their quotients, same order
//   inv_operand_offset    N inverse root operands (inverse_roots()[k].operand), SEAL's order except
//                         that [1, N/2 + 1) (the gap-1 stage) is permuted the same way from 1
//   inv_quotient_offset   their quotients, same order
// The quotient of w is floor(w * 2^52 / q) for avx512_ifma and floor(w * 2^64 / q) (SEAL's) for
// avx512. The table is 64-byte aligned; the forward arrays start on a cache line, the inverse
// arrays one word before one (so the gap-1 groups starting at index 1 are aligned).
inline constexpr std::size_t kScalarWords = 8;
inline constexpr std::array<std::size_t, 8> kGap1LaneOrder = {0, 2, 4, 6, 1, 3, 5, 7};
[[nodiscard]] inline std::size_t simd_table_words(std::size_t n) noexcept {
  return kScalarWords + 4 * n + 16;
}
[[nodiscard]] inline std::size_t fwd_operand_offset(std::size_t /*n*/) noexcept {
  return kScalarWords;
}
[[nodiscard]] inline std::size_t fwd_quotient_offset(std::size_t n) noexcept {
  return kScalarWords + n;
}
[[nodiscard]] inline std::size_t inv_operand_offset(std::size_t n) noexcept {
  return kScalarWords + 2 * n + 7;
}
[[nodiscard]] inline std::size_t inv_quotient_offset(std::size_t n) noexcept {
  return kScalarWords + 3 * n + 15;
}

// floor(w * 2^52 / q). REQUIRES: w < q < 2^52.
[[nodiscard]] inline std::uint64_t shoup52_quotient(std::uint64_t w, std::uint64_t q) noexcept {
  return static_cast<std::uint64_t>((static_cast<uint128_t>(w) << 52) / q);
}

// CPU support, from CPUID (and the OS's XSAVE state, as the compiler runtime checks it).
[[nodiscard]] bool cpu_has_avx512_ifma() noexcept;  // AVX-512 F, DQ, VL and IFMA
[[nodiscard]] bool cpu_has_avx512() noexcept;       // AVX-512 F, DQ and VL

// REQUIRES: t's backend is the matching one and its simd_tables() are built; data has n() words.
// Same contracts as NttTables::forward / inverse.
void forward_avx512_ifma(const NttTables& t, std::uint64_t* data) noexcept;
void inverse_avx512_ifma(const NttTables& t, std::uint64_t* data) noexcept;
void forward_avx512(const NttTables& t, std::uint64_t* data) noexcept;
void inverse_avx512(const NttTables& t, std::uint64_t* data) noexcept;

}  // namespace ntt_simd
}  // namespace ei::math
