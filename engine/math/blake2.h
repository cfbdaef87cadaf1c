// BLAKE2b and BLAKE2Xb (RFC 7693 and the BLAKE2X paper), written for SEAL's Blake2xb PRNG.
//
// libsodium's BLAKE2b cannot set the xof_length, leaf, node and inner-length fields of the
// parameter block that BLAKE2X needs, so the compression function and parameter block are
// implemented here (the one hand-written hash in the engine; seal-compat.md §4). Behaviour
// follows the reference blake2b.c / blake2xb.c that SEAL 4.1.2 bundles: a key is padded to one
// 128-byte block and processed first; output node i of BLAKE2Xb hashes the 64-byte root with
// digest_length min(64, remaining), node_offset i, leaf_length 64, inner_length 64, fanout 0,
// depth 0, key_length 0 and the root's xof_length.
//
// Thread-safety: pure functions.
// Ownership: none; spans must not overlap.
// Errors: none; REQUIRES lines are EI_DCHECKed. Internal state is wiped before returning.
// Allocation: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ei::math::blake2 {

inline constexpr std::size_t kBlockBytes = 128;
inline constexpr std::size_t kOutBytes = 64;
inline constexpr std::size_t kKeyBytes = 64;

// Standard BLAKE2b (fanout 1, depth 1). REQUIRES: 1 <= out.size() <= 64, key.size() <= 64.
void blake2b(std::span<std::uint8_t> out, std::span<const std::uint8_t> in, std::span<const std::uint8_t> key) noexcept;

// BLAKE2Xb with xof_length = out.size(). REQUIRES: 1 <= out.size() < 2^32 - 1, key.size() <= 64.
void blake2xb(std::span<std::uint8_t> out, std::span<const std::uint8_t> in,
              std::span<const std::uint8_t> key) noexcept;

}  // namespace ei::math::blake2
