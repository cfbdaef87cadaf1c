// The CKKS evaluator: SEAL 4.1.2's Evaluator for CKKS ciphertexts in NTT form, bit-exact
// (seal-compat.md §10). Every result word, the scale (the same IEEE double operations), the size
// and the parms_id equal what seal::Evaluator produces for the same inputs; only the failure
// reporting differs (a Status instead of an exception).
//
// Thread-safety: immutable after construction; every const method may run concurrently on one
//   Evaluator. Scratch space is thread_local (grown on first use per thread, then reused), so no
//   call shares mutable state with another thread.
// Ownership: shares the context (keeps it alive) and owns an Encoder (for the scalar helpers) and
//   per-level constant tables (O(K^2) words, K = number of key-level primes). Ciphertexts,
//   plaintexts and keys are borrowed for the duration of a call.
// Errors: each method lists the codes it returns, in the order they are checked, as @returns
//   lines. Input validation follows SEAL's layers: metadata against the context (parms_id in the
//   chain, not the key level, N and limb count, size, scale ≠ 0, correction factor), then the
//   buffer size, then NTT form; then SEAL's semantic checks. Coefficient words are NOT range
//   checked (SEAL's evaluator does not either; `ser::load` does): a word ≥ its modulus gives an
//   unspecified (memory-safe) result.
// On error `out` is left unchanged, except TRANSPARENT_RESULT: as in SEAL (which throws after
//   computing in place), `out` then holds the transparent result.
// Aliasing: `out` may be the same object as any input, in every method.
// Allocation: only `out.data` grows (its capacity is reused), plus per-thread scratch that grows
//   to the largest size seen and is then reused (key switching at L limbs: (2L + 5)·N words;
//   Galois: 2L·N more; rescale: 2N; general-size multiply: size·L·N) and, on first use of a
//   Galois element, its permutation table (process-wide cache, rlwe/galois.h).
// Performance: the kernels use Shoup multiplication and a 64-bit-quotient Barrett reduction with
//   lazy 128-bit accumulation (values are identical to SEAL's; only the reduction strategy
//   differs). Key switching and rescaling are dominated by NTTs (≈ 75% of relinearize), which
//   are SEAL's count: L' inverse + L'² + 2L' forward + 2 inverse per key switch at L' limbs.
//
// Deviations from seal::Evaluator (all on inputs SEAL either rejects later or that our loaders
// never produce):
//   - Every method requires NTT form (SEAL's add/sub/negate also accept two coefficient-form
//     operands; a CKKS ciphertext in coefficient form cannot be loaded by ser::load).
//   - Size-0 (empty) ciphertexts are rejected with INVALID_SIZE (SEAL rejects them later as
//     transparent, or with "invalid parameters").
//   - A non-finite scale is out of bounds where SEAL checks bounds (SEAL casts log2(±inf/NaN) to
//     int, which is undefined behaviour; on x86 it passes).
//   - mod_switch_to / rescale_to validate the ciphertext even when it is already at the target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/ckks/encoder.h"
#include "engine/math/modulus.h"
#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::ckks {

class Evaluator {
 public:
  // Precomputes, per level of the chain, the rescale constants of that level's last prime
  // (q_last^{-1} mod q_i as Shoup operands, q_i − (floor(q_last/2) mod q_i)), which at the key
  // level are the key-switching mod-down constants for the special prime p, and per limb the
  // Barrett constants of the dyadic kernels. Builds an Encoder for the scalar helpers.
  // REQUIRES: context non-null (a CKKS context from rlwe::Context::create). Allocates.
  explicit Evaluator(rlwe::ContextPtr context);

  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  [[nodiscard]] const rlwe::ContextPtr& context() const noexcept { return context_; }
  [[nodiscard]] const Encoder& encoder() const noexcept { return encoder_; }

  // ---- Arithmetic ------------------------------------------------------------------------------

  // out = a + b. Sizes may differ: the extra polynomials of the larger operand are copied. The
  // result keeps a's scale (SEAL: operand 1's scale).
  // @returns PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED, DIMENSION_MISMATCH, INVALID_SIZE, INVALID_SCALE
  //   (scale == 0), INVALID_CORRECTION_FACTOR, SIZE_MISMATCH, NOT_NTT_FORM  (a, then b)
  // @returns LEVEL_MISMATCH      a.parms_id ≠ b.parms_id
  // @returns SCALE_MISMATCH      !are_close(a.scale, b.scale) (|x − y| < 2^−52·max(|x|, |y|, 1))
  // @returns TRANSPARENT_RESULT  every polynomial from index 1 on is zero
  [[nodiscard]] Status add(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const;
  // out = a − b; the extra polynomials of a larger b are negated. Errors as add.
  [[nodiscard]] Status sub(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const;
  // out = −a (0 stays 0).
  // @returns the validation codes of add (for a), then TRANSPARENT_RESULT
  [[nodiscard]] Status negate(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const;

  // out = a + p (added to c0 only); the result keeps a's scale.
  // @returns the validation codes of add (for a)
  // @returns NOT_NTT_FORM        p.parms_id is zero (coefficient form)
  // @returns PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED (key level), SIZE_MISMATCH (coeff_count or
  //   data.size() ≠ N·L of p's level)  (p)
  // @returns LEVEL_MISMATCH      a.parms_id ≠ p.parms_id
  // @returns SCALE_MISMATCH      !are_close(a.scale, p.scale)
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status add_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, rlwe::Ciphertext& out) const;
  // out = a − p. Errors as add_plain.
  [[nodiscard]] Status sub_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, rlwe::Ciphertext& out) const;

  // out = a ⊙ p on every polynomial of a; out.scale = a.scale · p.scale.
  // @returns the validation codes of add_plain for a and p (no scale-closeness check)
  // @returns LEVEL_MISMATCH      a.parms_id ≠ p.parms_id
  // @returns INVALID_SCALE       the product scale is not within bounds (> 0, finite and
  //                              int(log2(scale)) < the level's total modulus bits)
  // @returns TRANSPARENT_RESULT  (e.g. p encodes 0)
  [[nodiscard]] Status multiply_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p,
                                      rlwe::Ciphertext& out) const;

  // out = a ⊗ b: size a.size + b.size − 1, c_k = Σ_{i+j=k} a_i ⊙ b_j; scale = a.scale · b.scale.
  // @returns the validation codes of add (a, then b)
  // @returns LEVEL_MISMATCH      a.parms_id ≠ b.parms_id
  // @returns INVALID_SIZE        a.size + b.size − 1 > 16
  // @returns INVALID_SCALE       the product scale is not within bounds
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status multiply(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const;
  // out = a ⊗ a (for size 2: (a0², 2·a0a1, a1²)); scale = a.scale². Errors as multiply.
  [[nodiscard]] Status square(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const;

  // Relinearizes to size 2 (a size-2 input is copied). For size 3: key-switches c2 with
  // keys.keys[0] into (c0, c1). For size s > 3, SEAL 4.1's loop is replicated exactly: the target
  // is always the LAST component c_{s−1}, switched with keys.keys[s−3], keys.keys[s−4], …,
  // keys.keys[0] in that order (c_2 … c_{s−2} are dropped unused).
  // @returns the validation codes of add (a)
  // @returns KEY_MISMATCH        keys.parms_id is not the key level; or a needed key vector
  //                              does not hold K−1 valid key-level components (metadata)
  // @returns INVALID_PARAMETERS  the context has no special prime (key switching unavailable)
  // @returns MISSING_KEY         fewer non-empty key vectors than s − 2, or one of
  //                              keys.keys[0 … s−3] is absent or empty
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status relinearize(const rlwe::Ciphertext& a, const rlwe::RelinKeys& keys,
                                   rlwe::Ciphertext& out) const;

  // Divides by the level's last prime q_ℓ with rounding (divide_and_round_q_last_ntt on every
  // polynomial), drops that limb; out.scale = a.scale / double(q_ℓ) exactly. No bound check on the
  // new scale (SEAL 4.1).
  // @returns the validation codes of add (a)
  // @returns END_OF_MODULUS_CHAIN a is at the last level
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status rescale_to_next(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const;
  // Rescales repeatedly down to `target` (a copy when a is already there).
  // @returns the validation codes of add (a)
  // @returns PARMS_ID_UNKNOWN    target is not in the chain
  // @returns INVALID_ARGUMENT    target is a higher level than a ("cannot switch to higher level")
  // @returns TRANSPARENT_RESULT  (checked once, at the end, as SEAL)
  [[nodiscard]] Status rescale_to(const rlwe::Ciphertext& a, const rlwe::ParmsId& target,
                                  rlwe::Ciphertext& out) const;

  // Drops the last limb of every polynomial (no rounding); scale unchanged.
  // @returns the validation codes of add (a)
  // @returns END_OF_MODULUS_CHAIN a is at the last level
  // @returns INVALID_SCALE       a.scale is not within the bounds of the next level
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status mod_switch_to_next(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const;
  // Truncates an NTT-form plaintext to the next level (N·(L−1) words, next parms_id).
  // SEAL checks the plaintext with is_valid_for here, coefficient range included.
  // @returns NOT_NTT_FORM, PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED, SIZE_MISMATCH (p)
  // @returns COEFF_OUT_OF_RANGE  a word of limb j is ≥ q_j
  // @returns END_OF_MODULUS_CHAIN p is at the last level
  // @returns INVALID_SCALE       p.scale is not within the bounds of the next level
  [[nodiscard]] Status mod_switch_to_next(const rlwe::Plaintext& p, rlwe::Plaintext& out) const;
  // Repeated mod_switch_to_next down to `target`; a copy when already there.
  // @returns the validation codes of mod_switch_to_next (a or p)
  // @returns PARMS_ID_UNKNOWN    target is not in the chain
  // @returns INVALID_ARGUMENT    target is a higher level than the operand
  // @returns INVALID_SCALE       the scale is not within the bounds of the target level
  // @returns TRANSPARENT_RESULT  (ciphertext only)
  [[nodiscard]] Status mod_switch_to(const rlwe::Ciphertext& a, const rlwe::ParmsId& target,
                                     rlwe::Ciphertext& out) const;
  [[nodiscard]] Status mod_switch_to(const rlwe::Plaintext& p, const rlwe::ParmsId& target,
                                     rlwe::Plaintext& out) const;

  // ---- Galois automorphisms --------------------------------------------------------------------

  // Rotates the slot vector left by `steps` (slot i ← slot i + steps; negative = right). Uses the
  // key for galois_elt_from_step(steps) when present; otherwise SEAL's NAF fallback: the NAF terms
  // of steps (least significant first, ±2^i, skipping |term| = N/2) each rotated with its own key.
  // steps == 0 copies a (SEAL returns before any key use).
  // @returns the validation codes of add (a)
  // @returns KEY_MISMATCH        keys.parms_id is not the key level, or a used key vector is not
  //                              K−1 valid key-level components
  // @returns INVALID_PARAMETERS  the context has no special prime
  // @returns INVALID_ARGUMENT    |steps| ≥ N/2
  // @returns MISSING_KEY         neither the step's key nor a key for every NAF term exists
  // @returns INVALID_SIZE        a.size ≠ 2
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status rotate_vector(const rlwe::Ciphertext& a, int steps, const rlwe::GaloisKeys& keys,
                                     rlwe::Ciphertext& out) const;
  // Complex conjugation of every slot: apply_galois with 2N − 1. Errors as apply_galois.
  [[nodiscard]] Status complex_conjugate(const rlwe::Ciphertext& a, const rlwe::GaloisKeys& keys,
                                         rlwe::Ciphertext& out) const;
  // X → X^g: permutes c0 and c1 in the NTT domain, then key-switches the permuted c1 with the
  // key for g into (c0, 0).
  // @returns the validation codes of add (a)
  // @returns KEY_MISMATCH        keys.parms_id is not the key level, or the key vector is not
  //                              K−1 valid key-level components
  // @returns INVALID_PARAMETERS  the context has no special prime
  // @returns INVALID_ARGUMENT    galois_elt is even or ≥ 2N
  // @returns MISSING_KEY         no key for galois_elt
  // @returns INVALID_SIZE        a.size ≠ 2
  // @returns TRANSPARENT_RESULT
  [[nodiscard]] Status apply_galois(const rlwe::Ciphertext& a, std::uint64_t galois_elt,
                                    const rlwe::GaloisKeys& keys, rlwe::Ciphertext& out) const;

  // ---- Scalars through the encoder ------------------------------------------------------------

  // out = a · value, with value encoded as SEAL's CKKSEncoder::encode(double, a.parms_id, scale)
  // (every slot = value; each limb word = round_half_away(value·scale) mod q_j) and then
  // multiply_plain. Default scale: a.scale (the result scale is then a.scale², as a SEAL user
  // writing encode(v, ct.parms_id(), ct.scale()) + multiply_plain gets). Bit-identical to that
  // SEAL sequence.
  // @returns the validation codes of add (a)
  // @returns INVALID_SCALE, ENCODE_OVERFLOW  from Encoder::encode(double) (scale or value·scale
  //                              too large for the level, or not finite)
  // @returns then as multiply_plain (INVALID_SCALE for the product, TRANSPARENT_RESULT for 0 …)
  [[nodiscard]] Status multiply_scalar(const rlwe::Ciphertext& a, double value, rlwe::Ciphertext& out,
                                       std::optional<double> scale = std::nullopt) const;
  // out = a + value, value encoded at a.parms_id and a.scale (so the scales match exactly), then
  // add_plain. Errors as multiply_scalar's validation and encode, then as add_plain.
  [[nodiscard]] Status add_scalar(const rlwe::Ciphertext& a, double value, rlwe::Ciphertext& out) const;

  // ---- Key switching core -----------------------------------------------------------------------

  // SEAL's switch_key_inplace (seal-compat.md §10): adds the key switch of `target_poly_ntt` with
  // the key vector `key` into (ct.c0, ct.c1): c_k += round(Σ_J [target]_J · key[J]_k / p) on the
  // ct's level. No transparency check (SEAL has none here). Clears ct.seed.
  // REQUIRES: target_poly_ntt holds ct.coeff_modulus_size · N words, NTT form, limb-major. It may
  //   point into ct itself (it is consumed before ct is written).
  // @returns the validation codes of add (ct)
  // @returns INVALID_ARGUMENT    target_poly_ntt is null
  // @returns INVALID_PARAMETERS  the context has no special prime
  // @returns KEY_MISMATCH        key does not hold K−1 components, or a component is not a valid
  //                              key-level public key (parms_id, NTT form, size 2, N, K, buffer)
  [[nodiscard]] Status switch_key_inplace(rlwe::Ciphertext& ct, const std::uint64_t* target_poly_ntt,
                                          const std::vector<rlwe::PublicKey>& key) const;

  // Per-level constants (public so the kernels in evaluator.cpp can name them; not an API).
  struct LimbConstants {
    math::Modulus modulus;
    std::uint64_t barrett_mu = 0;    // floor(2^(63+b) / q) < 2^64, b = bit width of q (≤ 60)
    unsigned barrett_shift = 0;      // b − 1
    std::size_t max_lazy_terms = 0;  // sums of this many products of residues reduce exactly: 2^(63−b)
  };
  struct LevelConstants {
    // For the level's last prime q_ℓ (the special prime p at the key level), for each i < ℓ:
    std::uint64_t last_half = 0;                  // floor(q_ℓ / 2)
    std::vector<math::ShoupOperand> inv_last;     // q_ℓ^{-1} mod q_i
    std::vector<std::uint64_t> fix;               // q_i − (floor(q_ℓ/2) mod q_i), in [1, q_i]
    std::vector<std::uint8_t> lift_needs_reduce;  // q_ℓ > 3·q_i: the lifted x must be reduced
  };

 private:
  // Validation helpers (SEAL's is_metadata_valid_for + is_buffer_valid + NTT form).
  Result<const rlwe::ContextData*> check_ciphertext(const rlwe::Ciphertext& ct, const char* what) const;
  Result<const rlwe::ContextData*> check_plaintext(const rlwe::Plaintext& p, const char* what) const;
  Status check_key_vector(const std::vector<rlwe::PublicKey>& key) const;
  Status check_keyswitching() const;

  // The permutation + key switch of apply_galois, after validation. `src` may be `out`.
  void apply_galois_unchecked(const rlwe::ContextData& level, const rlwe::Ciphertext& src, std::uint64_t galois_elt,
                              const std::vector<rlwe::PublicKey>& key, rlwe::Ciphertext& out) const;
  // Key switch of `target` (L limbs of `level`, NTT form) with `key`:
  //   out_k[i] = addend_k[i] + round(P_k / p)[i]   (addend_k == nullptr means 0), k = 0, 1.
  // Any of target / addends / outs may alias (target is consumed limb by limb before out limb i
  // is written, and each addend word is read before the out word at the same index).
  void key_switch(const rlwe::ContextData& level, const std::uint64_t* target, const std::vector<rlwe::PublicKey>& key,
                  const std::uint64_t* addend0, const std::uint64_t* addend1, std::uint64_t* out0,
                  std::uint64_t* out1) const;
  // Rescale of `src` (validated, not the last level) into `out` (may be `src`).
  void rescale_unchecked(const rlwe::ContextData& level, const rlwe::Ciphertext& src, rlwe::Ciphertext& out) const;
  // multiply_plain after validation. constant_limbs: every word of limb j of `p` is the same
  // (an encoded scalar), so a Shoup scalar multiply (same result) replaces the dyadic product.
  Status multiply_plain_impl(const rlwe::ContextData& level, const rlwe::Ciphertext& a, const rlwe::Plaintext& p,
                             bool constant_limbs, rlwe::Ciphertext& out) const;
  Status add_sub_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, bool subtract, rlwe::Ciphertext& out) const;
  Status add_sub(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, bool subtract, rlwe::Ciphertext& out) const;

  rlwe::ContextPtr context_;
  Encoder encoder_;
  std::vector<LimbConstants> limbs_;     // per key-level limb index (limb i is q_i at every level)
  std::vector<LevelConstants> levels_;   // per chain index (key level = K − 1)
};

}  // namespace ei::ckks
