// CKKS decryption as SEAL 4.1's Decryptor::ckks_decrypt (seal-compat.md §9): the plaintext is
// c0 + c1·s + c2·s² + … in NTT form on the ciphertext level's limbs, with the ciphertext's
// parms_id and scale.
//
// Thread-safety: not thread-safe per instance (treat as per-thread); decrypt() holds no mutable
//   state today, but callers must not rely on that.
// Ownership: holds the shared context and a private copy of the secret key, wiped on
//   destruction; powers of s computed for size > 2 live in wiped scratch buffers.
// Errors: KEY_MISMATCH (the key does not belong to the context; reported by decrypt, since the
//   constructor cannot fail), PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED, DIMENSION_MISMATCH,
//   INVALID_SIZE, INVALID_SCALE, INVALID_CORRECTION_FACTOR, SIZE_MISMATCH, COEFF_OUT_OF_RANGE,
//   NOT_NTT_FORM.
#pragma once

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::rlwe {

class Decryptor {
 public:
  // REQUIRES: context non-null. Copies the key (validity is reported by decrypt()).
  Decryptor(ContextPtr context, const SecretKey& sk);

  Decryptor(Decryptor&&) noexcept = default;
  Decryptor& operator=(Decryptor&&) noexcept = default;

  // Checks `ct` as SEAL's is_valid_for(ct, context) (metadata, then buffer, then data), then
  // size ≥ 2, then NTT form; decrypts into `out` (replacing it). On error `out` is unchanged.
  // Errors: KEY_MISMATCH; PARMS_ID_UNKNOWN; LEVEL_NOT_ALLOWED (key level, unless it is also the
  // first level); DIMENSION_MISMATCH (N or L disagree with the level); INVALID_SIZE (size not in
  // [2, 16]); INVALID_SCALE (scale == 0.0, SEAL 4.1's only scale check); INVALID_CORRECTION_FACTOR;
  // SIZE_MISMATCH (data ≠ size·N·L words); COEFF_OUT_OF_RANGE; NOT_NTT_FORM.
  // Allocates the result (and (size−2)·N·L scratch words when size > 2).
  [[nodiscard]] Status decrypt(const Ciphertext& ct, Plaintext& out) const;

 private:
  ContextPtr context_;
  Status key_status_;
  SecretKey secret_key_;
};

}  // namespace ei::rlwe
