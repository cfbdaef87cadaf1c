// Every bound the engine enforces on untrusted input, in one place.
//
// They are at least as tight as SEAL 4.1's util/defines.h, and checked *before* allocating.
// Configuration (the server's) may tighten them, never loosen them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ei::limits {

// Polynomial modulus degree N: a power of two in [kMinPolyDegree, kMaxPolyDegree].
// SEAL allows 2 … 131072; CKKS below 1024 has no security and above 32768 no standard bound.
inline constexpr std::uint64_t kMinPolyDegree = 1024;
inline constexpr std::uint64_t kMaxPolyDegree = 32768;

// Number of primes in coeff_modulus (key level). SEAL allows 256; 881 bits / 2-bit primes is
// unreachable in practice, and 64 limbs of 60 bits is far beyond any secure set for N ≤ 32768.
inline constexpr std::size_t kMaxCoeffModulusCount = 64;

// Bit size of a user prime (SEAL_USER_MOD_BIT_COUNT_MIN/MAX).
inline constexpr int kMinUserPrimeBits = 2;
inline constexpr int kMaxUserPrimeBits = 60;
// Any Modulus value read from the wire must be below 2^61 (SEAL_MOD_BIT_COUNT_MAX).
inline constexpr int kMaxModulusBits = 61;

// Polynomials in a ciphertext: 2 … kMaxCiphertextSize (or 0 for an empty object), as SEAL.
inline constexpr std::uint64_t kMinCiphertextSize = 2;
inline constexpr std::uint64_t kMaxCiphertextSize = 16;

// Relinearization keys: SEAL allows up to 14 (s^2 … s^15).
inline constexpr std::uint64_t kMaxRelinKeyCount = 14;

// Largest serialized or decompressed object the engine will materialize. A full GaloisKeys set at
// N = 32768 can exceed this; such sets must be generated with chosen steps.
inline constexpr std::uint64_t kMaxObjectBytes = std::uint64_t{1} << 30;  // 1 GiB

// Decompression: a compressed object may expand at most kMaxCompressionRatio × its compressed
// size plus kCompressionSlackBytes (SEAL objects are near-incompressible random residues), so a
// small hostile payload can never make the engine allocate up to kMaxObjectBytes.
inline constexpr std::uint64_t kMaxCompressionRatio = 16;
inline constexpr std::uint64_t kCompressionSlackBytes = std::uint64_t{1} << 20;  // 1 MiB

// SEAL header size, pinned.
inline constexpr std::size_t kSealHeaderBytes = 16;

// Scale sanity: CKKS scales must be finite, ≥ 1 and have log2 below the level's modulus bits.
inline constexpr double kMinScale = 1.0;

}  // namespace ei::limits
