// Key generation as SEAL 4.1's KeyGenerator (seal-compat.md §5 and §9): a ternary secret key,
// the public key, relinearization keys and Galois keys, every key in NTT form at the key level.
// Every c1 is expanded from a recorded 64-byte seed, so each key can be saved in SEAL's seeded
// (Serializable) form.
//
// Thread-safety: not thread-safe (treat as per-thread). Every key draws fresh OS-seeded PRNGs.
// Ownership: owns the secret key (wiped on destruction); the context is shared. Move-only.
// Errors: KEY_MISMATCH, SIZE_MISMATCH, COEFF_OUT_OF_RANGE (from_secret_key), INVALID_ARGUMENT
//   (bad Galois element or step, null context), INVALID_PARAMETERS (key switching unavailable:
//   the context has a single prime, L == 1).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::rlwe {

class KeyGenerator {
 public:
  // Samples a fresh ternary secret key (OS CSPRNG via math::make_os_seeded_prng) and stores it in
  // NTT form over all K key-level limbs, parms_id = key_parms_id, scale 1.0.
  // REQUIRES: context non-null. Allocates N·K words.
  explicit KeyGenerator(ContextPtr context);

  // Uses a copy of `sk`. Errors: INVALID_ARGUMENT (null context), KEY_MISMATCH (parms_id is not
  // the key level), SIZE_MISMATCH (coeff_count or data ≠ N·K), COEFF_OUT_OF_RANGE.
  [[nodiscard]] static Result<KeyGenerator> from_secret_key(ContextPtr context, const SecretKey& sk);

  KeyGenerator(KeyGenerator&&) noexcept = default;
  KeyGenerator& operator=(KeyGenerator&&) noexcept = default;

  [[nodiscard]] const SecretKey& secret_key() const noexcept { return secret_key_; }

  // (−(a·s + e), a) at the key level, a from a fresh seed recorded in .data.seed (SEAL's
  // Serializable create_public_key()). Allocates 2·N·K words.
  [[nodiscard]] PublicKey create_public_key() const;

  // One key (for s²): keys[0] has K−1 components; component J is a fresh seeded symmetric zero
  // encryption at the key level with (p mod q_J)·s² added to c0 on limb J (p = special prime).
  // parms_id = key_parms_id. Errors: INVALID_PARAMETERS (L == 1). Allocates 2·N·K·(K−1) words.
  [[nodiscard]] Result<RelinKeys> create_relin_keys() const;

  // Keys for each element g, in order (duplicates skipped), switching from s(X^g); keys sized to
  // N entries, the entry for g at (g−1)/2, others empty (SEAL always writes N entries). For
  // SEAL's create_galois_keys() pass default_galois_elts(N).
  // Errors, checked element by element in order as SEAL: INVALID_ARGUMENT (g even or ≥ 2N),
  // INVALID_PARAMETERS (a key is needed but L == 1). An empty list yields N empty entries.
  [[nodiscard]] Result<GaloisKeys> create_galois_keys(std::span<const std::uint64_t> galois_elts) const;

  // Steps → elements with galois_elt_from_step (all converted first, as SEAL's
  // get_elts_from_steps), then create_galois_keys. Errors: INVALID_ARGUMENT (|step| ≥ N/2), then
  // as create_galois_keys.
  [[nodiscard]] Result<GaloisKeys> create_galois_keys_for_steps(std::span<const int> steps) const;

 private:
  KeyGenerator(ContextPtr context, SecretKey sk);

  // SEAL's generate_one_kswitch_key: K−1 seeded components for `new_key` (NTT form, K limbs).
  [[nodiscard]] std::vector<PublicKey> generate_one_kswitch_key(const std::uint64_t* new_key) const;

  ContextPtr context_;
  SecretKey secret_key_;
};

}  // namespace ei::rlwe
