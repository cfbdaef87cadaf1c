// Describe a serialized SEAL object without trusting it: the engine side of `ckks-tool inspect`.
//
// Thread-safety: free functions; safe concurrently.
// Errors: whatever the header or decompression checks return, or UNKNOWN_OBJECT_KIND when the
//   layout matches no kind. SEAL bytes do not name their kind: it is inferred from the layout
//   (`kind_certain` says whether that inference was unambiguous) unless the caller states it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/serialization/serialization.h"

namespace ei::ser {

struct ObjectInfo {
  ObjectKind kind = ObjectKind::kCiphertext;
  bool kind_certain = false;
  SealHeader header;
  std::uint64_t wire_bytes = 0;          // bytes of the input object
  std::uint64_t uncompressed_bytes = 0;  // size it would have with compression none
  // Ciphertext-like (ciphertext, public key) and plaintext-like (plaintext, secret key):
  std::optional<rlwe::ParmsId> parms_id;
  std::uint64_t size = 0;                // polynomials (ciphertext-like)
  std::uint64_t poly_modulus_degree = 0;
  std::uint64_t coeff_modulus_size = 0;
  std::uint64_t coeff_count = 0;         // plaintext-like
  double scale = 0.0;
  bool ntt_form = false;
  bool seeded = false;
  // Parameters:
  std::vector<std::uint64_t> coeff_modulus;
  std::uint8_t scheme = 0;
  // Key-switching keys:
  std::uint64_t key_entries = 0;             // dim1
  std::vector<std::uint64_t> galois_elts;    // non-empty Galois entries (2i+1)
  std::uint64_t key_components = 0;          // total inner public keys
  std::uint64_t seeded_components = 0;
};

// Structural description. `ctx` (optional) decides secret key vs plaintext and public key vs
// ciphertext by level; `kind` (optional) overrides the inference.
[[nodiscard]] Result<ObjectInfo> inspect(std::span<const std::uint8_t> bytes,
                                         const rlwe::Context* ctx = nullptr,
                                         std::optional<ObjectKind> kind = std::nullopt);

// Full validation of `bytes` as `kind` against `ctx` (the same `load` the server uses).
[[nodiscard]] Status validate(std::span<const std::uint8_t> bytes, const rlwe::Context& ctx,
                              ObjectKind kind);

}  // namespace ei::ser
