// SEAL 4.1 serialization of the engine's objects: save, save_size, load and unsafe_load.
//
// Thread-safety: free functions over values; safe concurrently.
// Ownership: loaders copy what they keep; the input span need only live for the call.
// Errors (load): TRUNCATED, BAD_MAGIC, BAD_HEADER, UNSUPPORTED_VERSION, UNSUPPORTED_COMPRESSION,
//   SIZE_MISMATCH, TRAILING_BYTES, DECOMPRESSION_FAILED, LIMIT_EXCEEDED, UNSUPPORTED_SCHEME,
//   INVALID_PARAMETERS, PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED, DIMENSION_MISMATCH, INVALID_SIZE,
//   INVALID_FIELD, INVALID_PRNG, INVALID_SCALE, INVALID_CORRECTION_FACTOR, COEFF_OUT_OF_RANGE,
//   NOT_NTT_FORM, KEY_MISMATCH. docs/engine-errors.md says when each occurs.
//
// `load(ctx, bytes)` is for untrusted input. It checks, in order: header; limits; compression
// (decompressed size bounded *before* allocating); declared sizes against the bytes present;
// metadata against ctx (parms_id in the chain, level allowed for the kind, N and limb count,
// polynomial count); buffer sizes; every coefficient below its modulus; scale finite, positive and
// within the level's modulus bits; NTT form. It never allocates from a declared size that was not
// checked first. Nothing partial is returned.
// `unsafe_load` skips the coefficient range, scale and NTT-form checks (SEAL's unsafe_load): use it
// only for bytes we wrote ourselves. Structural checks (header, sizes, limits) always apply.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::ser {

// Values never depend on build flags (SEAL #ifdefs them).
enum class Compression : std::uint8_t { none = 0, zlib = 1, zstd = 2 };
[[nodiscard]] std::string_view compression_name(Compression c) noexcept;
[[nodiscard]] Result<Compression> parse_compression(std::string_view name);

// SEAL's 16-byte header, as read from the wire.
struct SealHeader {
  std::uint16_t magic = 0xA15E;
  std::uint8_t header_size = 16;
  std::uint8_t version_major = 4;
  std::uint8_t version_minor = 1;
  std::uint8_t compr_mode = 0;
  std::uint16_t reserved = 0;
  std::uint64_t size = 0;  // whole object on the wire, header included
};

// Parses and validates a header at the start of `bytes`: magic, header_size == 16, version
// 4.1 (SEAL 4.1 also reads 3.4+ headers; we do not), compression byte 0…2.
[[nodiscard]] Result<SealHeader> parse_header(std::span<const std::uint8_t> bytes);

enum class ObjectKind {
  kParameters,
  kPlaintext,
  kCiphertext,
  kSecretKey,
  kPublicKey,
  kRelinKeys,
  kGaloisKeys,
};
[[nodiscard]] std::string_view object_kind_name(ObjectKind kind) noexcept;
[[nodiscard]] Result<ObjectKind> parse_object_kind(std::string_view name);

// Whether a Ciphertext/PublicKey/KSwitchKeys save uses the seeded form. kIfAvailable writes the
// seed wherever the object carries one (SEAL's Serializable objects); kNever expands (SEAL's
// plain save). kRequired fails with INVALID_ARGUMENT when a seed is missing.
enum class SeedMode { kNever, kIfAvailable, kRequired };

struct SaveOptions {
  Compression compression = Compression::none;
  SeedMode seed_mode = SeedMode::kNever;
};

// Save: exact SEAL bytes for compression none; a standard zlib / zstd stream otherwise
// (byte-identical compressed output is not a goal: compressor versions differ).
// Errors: INVALID_ARGUMENT (inconsistent object, missing seed with kRequired), INTERNAL.
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::EncryptionParameters& parms,
                                                     SaveOptions options = {});
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::Plaintext& plain,
                                                     SaveOptions options = {});
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::Ciphertext& ct,
                                                     SaveOptions options = {});
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::SecretKey& sk,
                                                     SaveOptions options = {});
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::PublicKey& pk,
                                                     SaveOptions options = {});
[[nodiscard]] Result<std::vector<std::uint8_t>> save(const rlwe::KSwitchKeys& keys,
                                                     SaveOptions options = {});

// Exact size of save(x, {none, seed_mode}) (SEAL's save_size(none)).
[[nodiscard]] std::uint64_t save_size(const rlwe::Ciphertext& ct, SeedMode seed_mode = SeedMode::kNever);
[[nodiscard]] std::uint64_t save_size(const rlwe::Plaintext& plain);

// EncryptionParameters need no context. Structural checks only (as SEAL's load): scheme byte,
// N ≤ limits, 1 ≤ L ≤ limits, each modulus 0 or in [2, 2^61), plain_modulus 0 for CKKS.
[[nodiscard]] Result<rlwe::EncryptionParameters> load_parameters(std::span<const std::uint8_t> bytes);

[[nodiscard]] Result<rlwe::Plaintext> load_plaintext(const rlwe::Context& ctx,
                                                     std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::Ciphertext> load_ciphertext(const rlwe::Context& ctx,
                                                       std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::SecretKey> load_secret_key(const rlwe::Context& ctx,
                                                      std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::PublicKey> load_public_key(const rlwe::Context& ctx,
                                                      std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::RelinKeys> load_relin_keys(const rlwe::Context& ctx,
                                                      std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::GaloisKeys> load_galois_keys(const rlwe::Context& ctx,
                                                        std::span<const std::uint8_t> bytes);

[[nodiscard]] Result<rlwe::Plaintext> unsafe_load_plaintext(const rlwe::Context& ctx,
                                                            std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::Ciphertext> unsafe_load_ciphertext(const rlwe::Context& ctx,
                                                              std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::RelinKeys> unsafe_load_relin_keys(const rlwe::Context& ctx,
                                                             std::span<const std::uint8_t> bytes);
[[nodiscard]] Result<rlwe::GaloisKeys> unsafe_load_galois_keys(const rlwe::Context& ctx,
                                                               std::span<const std::uint8_t> bytes);

}  // namespace ei::ser
