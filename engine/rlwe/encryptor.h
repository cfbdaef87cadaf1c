// CKKS encryption, public-key and symmetric, exactly as SEAL 4.1's Encryptor
// (seal-compat.md §4 and §9). Only the randomness differs from SEAL; every deterministic step
// (level handling, divide-and-round, sampling order, seed expansion) is SEAL's.
//
// Thread-safety: not thread-safe per instance (treat as per-thread, like SEAL's Encryptor). Each
//   call draws fresh OS-seeded PRNGs; the context is shared and immutable.
// Ownership: holds the shared context and its own copy of the key (a secret key copy is wiped
//   when the Encryptor is destroyed).
// Errors: a key that does not belong to the context is reported by every encrypt call as
//   KEY_MISMATCH (constructors cannot fail). Plaintext errors: NOT_NTT_FORM, PARMS_ID_UNKNOWN,
//   LEVEL_NOT_ALLOWED, SIZE_MISMATCH, COEFF_OUT_OF_RANGE.
#pragma once

#include <cstdint>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::rlwe {

class Encryptor {
 public:
  // REQUIRES: context non-null. Copies the key; validity is checked here and reported by
  // encrypt() (KEY_MISMATCH). Allocates the key copy.
  Encryptor(ContextPtr context, const PublicKey& pk);
  Encryptor(ContextPtr context, const SecretKey& sk);

  Encryptor(Encryptor&&) noexcept = default;
  Encryptor& operator=(Encryptor&&) noexcept = default;

  // SEAL's public-key encryption (encrypt_zero_asymmetric + add plaintext): at the plaintext's
  // level ℓ. If ℓ has a previous level (always, unless ℓ is the key level of a one-prime
  // context), the zero encryption is made there and divided-and-rounded by its last prime (scale
  // unchanged); u is ternary, e0 then e1 are CBD, all from one fresh PRNG in SEAL's order. Then
  // c0 += plain and out.scale = plain.scale. out.seed is cleared (no seeded form exists).
  // REQUIRES: constructed with a public key. Errors: KEY_MISMATCH (no valid public key),
  // NOT_NTT_FORM (plain.parms_id zero), PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED (key level),
  // SIZE_MISMATCH (coeff_count or data size ≠ N·L), COEFF_OUT_OF_RANGE. On error `out` is left
  // unchanged. Allocates the result and O(N·L) scratch.
  [[nodiscard]] Status encrypt(const Plaintext& plain, Ciphertext& out) const;

  // SEAL's symmetric encryption (encrypt_zero_symmetric + add plaintext) at the plaintext's level:
  // a bootstrap PRNG (fresh OS seed) yields a 64-byte seed, which seeds a BLAKE2Xb PRNG that
  // samples c1 uniformly; e is CBD from the bootstrap PRNG; c0 = −(c1·s + e) + m with the first L
  // limbs of s. out.seed records {blake2xb, seed}, so c1 == sample_poly_uniform(make_prng(seed)).
  // REQUIRES: constructed with a secret key. Errors: KEY_MISMATCH (no valid secret key), then as
  // encrypt(). On error `out` is left unchanged. Allocates the result and O(N·L) scratch.
  [[nodiscard]] Status encrypt_symmetric(const Plaintext& plain, Ciphertext& out) const;

 private:
  ContextPtr context_;
  bool has_public_key_ = false;
  bool has_secret_key_ = false;
  Status key_status_;
  PublicKey public_key_;
  SecretKey secret_key_;
};

namespace detail {

// SEAL's util::encrypt_zero_symmetric for CKKS (NTT form) at `level`: fills `out` (size 2,
// parms_id = level, scale 1.0, seed recorded) with (−(a·s + e), a), a expanded from a fresh seed.
// `s` is the key-level secret in NTT form; its first level.coeff_modulus_size() limbs are used.
// Used by the key generator for public keys and key-switching keys. Allocates.
void encrypt_zero_symmetric(const ContextData& level, const std::uint64_t* s, Ciphertext& out);

// Validation shared by Encryptor, Decryptor and KeyGenerator: the secret key belongs to the
// context's key level. Errors: KEY_MISMATCH, SIZE_MISMATCH, COEFF_OUT_OF_RANGE.
[[nodiscard]] Status check_secret_key(const Context& context, const SecretKey& sk);

}  // namespace detail

}  // namespace ei::rlwe
