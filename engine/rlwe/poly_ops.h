// Small RNS polynomial kernels shared by the encryptor, decryptor, key generator and evaluator,
// plus SEAL's exact CKKS rescale step on one polynomial (divide_and_round_q_last_ntt).
//
// Thread-safety: stateless functions; concurrent calls on disjoint buffers are fine.
// Ownership: pointers are borrowed for the duration of the call. SecretBuffer owns its words.
// Errors: none (math kernels). Preconditions are REQUIRES lines, checked by EI_DCHECK in debug.
//
// Layout: an RNS polynomial over L limbs is L*N words, limb-major: word j*N + i is coefficient
// (or NTT slot) i of limb j. Every input value is in [0, q_j); every output value is in [0, q_j).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/math/ntt.h"
#include "engine/rlwe/context.h"

namespace ei::rlwe {

// A zero-initialised word buffer that is wiped with sodium_memzero when destroyed: scratch space
// for secret material (s, s^2, u, e, products with s). Fixed size; never reallocates, so no
// unwiped copy is left behind. Move-only; a moved-from buffer is empty.
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(std::size_t words) : words_(words, 0) {}
  SecretBuffer(const SecretBuffer&) = delete;
  SecretBuffer& operator=(const SecretBuffer&) = delete;
  SecretBuffer(SecretBuffer&& other) noexcept;
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  ~SecretBuffer();

  [[nodiscard]] std::uint64_t* data() noexcept { return words_.data(); }
  [[nodiscard]] const std::uint64_t* data() const noexcept { return words_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return words_.size(); }
  // Zeroes the words (keeps the size).
  void wipe() noexcept;

 private:
  std::vector<std::uint64_t> words_;
};

// Element-wise kernels over moduli.size() limbs of n words each.
// REQUIRES: every input word of limb j is below moduli[j]. Allocates nothing.
// Aliasing: `out` may equal any input (each word is read before it is written).
void add_poly(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli, std::size_t n,
              std::uint64_t* out) noexcept;
void sub_poly(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli, std::size_t n,
              std::uint64_t* out) noexcept;
// out = −a (0 stays 0).
void negate_poly(const std::uint64_t* a, std::span<const math::Modulus> moduli, std::size_t n,
                 std::uint64_t* out) noexcept;
// out = a ⊙ b (dyadic product; the ring product when both are in NTT form).
void dyadic_product(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli,
                    std::size_t n, std::uint64_t* out) noexcept;
// out = out + a ⊙ b.
void dyadic_product_accumulate(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli,
                               std::size_t n, std::uint64_t* out) noexcept;
// out = scalar · a; scalar need not be reduced (it is reduced mod each q_j).
void multiply_poly_scalar(const std::uint64_t* a, std::uint64_t scalar, std::span<const math::Modulus> moduli,
                          std::size_t n, std::uint64_t* out) noexcept;
// True iff every word of limb j is below moduli[j] (SEAL's is_data_valid_for range check).
[[nodiscard]] bool poly_in_range(const std::uint64_t* a, std::span<const math::Modulus> moduli, std::size_t n) noexcept;

// Negacyclic NTT / inverse NTT, in place, of limbs 0 … limb_count−1 using level.ntt(j).
// REQUIRES: limb_count ≤ level.coeff_modulus_size() (the tables of limb j are the same at every
// level, so the key level's tables serve any prefix). Allocates nothing.
void ntt_forward(const ContextData& level, std::uint64_t* poly, std::size_t limb_count) noexcept;
void ntt_inverse(const ContextData& level, std::uint64_t* poly, std::size_t limb_count) noexcept;
// Same over all of the level's limbs.
inline void ntt_forward(const ContextData& level, std::uint64_t* poly) noexcept {
  ntt_forward(level, poly, level.coeff_modulus_size());
}
inline void ntt_inverse(const ContextData& level, std::uint64_t* poly) noexcept {
  ntt_inverse(level, poly, level.coeff_modulus_size());
}

// SEAL's RNSTool::divide_and_round_q_last_ntt_inplace (seal-compat.md §10): `poly` holds L limbs
// in NTT form over `level`'s primes q_0 … q_{L−1}; on return limbs 0 … L−2 hold
// round(X / q_{L−1}) — precisely floor((X + floor(q_{L−1}/2)) / q_{L−1}) for the representative X
// of the input in [0, Q) — in NTT form over q_0 … q_{L−2}. Limb L−1 is left as scratch (its
// contents are unspecified); callers drop it.
// REQUIRES: level.coeff_modulus_size() ≥ 2. Allocates one N-word scratch buffer (wiped when
// freed). In place by design.
void divide_and_round_q_last_ntt(const ContextData& level, std::uint64_t* poly);

}  // namespace ei::rlwe
