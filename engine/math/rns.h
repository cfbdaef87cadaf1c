// ei::math::RnsBase: an RNS base q_0..q_{L-1} with its CRT composition data (SEAL's RNSBase).
//
// Thread-safety: immutable after create(); share freely.
// Ownership: owns its moduli and precomputed products (O(L^2) words).
// Errors: create() returns INVALID_PARAMETERS; compose functions return nothing.
// Allocation: create() allocates; compose() and compose_array() do not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/status.h"

namespace ei::math {

class RnsBase {
 public:
  // Errors: INVALID_PARAMETERS if `moduli` is empty, contains a zero (placeholder) Modulus, or two
  // moduli are not coprime.
  [[nodiscard]] static Result<RnsBase> create(std::vector<Modulus> moduli);

  [[nodiscard]] std::size_t size() const noexcept { return moduli_.size(); }
  // REQUIRES: i < size().
  [[nodiscard]] const Modulus& operator[](std::size_t i) const noexcept { return moduli_[i]; }
  [[nodiscard]] std::span<const Modulus> moduli() const noexcept { return moduli_; }
  // Q = ∏ q_i as size() little-endian words (Q < 2^(61 L), so the top word has slack).
  [[nodiscard]] std::span<const std::uint64_t> base_prod() const noexcept { return base_prod_; }
  // Q / q_i as size() little-endian words.
  [[nodiscard]] std::span<const std::uint64_t> punctured_prod(std::size_t i) const noexcept {
    return std::span<const std::uint64_t>(punctured_prod_).subspan(i * size(), size());
  }
  // (Q / q_i)^-1 mod q_i.
  [[nodiscard]] const ShoupOperand& inv_punctured_prod(std::size_t i) const noexcept { return inv_punctured_[i]; }

  // CRT-composes the residues of ONE coefficient into X in [0, Q), size() little-endian words.
  // REQUIRES: residues.size() == out_words.size() == size(); residues[i] < q_i; no overlap.
  void compose(std::span<const std::uint64_t> residues, std::span<std::uint64_t> out_words) const noexcept;

  // Batch compose. `data` is limb-major (limb i, coefficient c at i*n + c); writes n*size() words
  // coefficient-major to `out` (coefficient c, word w at c*size() + w).
  // REQUIRES: every residue reduced; `out` holds n*size() words and does not overlap `data`.
  void compose_array(const std::uint64_t* data, std::size_t n, std::uint64_t* out) const;

 private:
  RnsBase() = default;
  void compose_strided(const std::uint64_t* residues, std::size_t stride, std::uint64_t* out) const noexcept;

  std::vector<Modulus> moduli_;
  std::vector<std::uint64_t> base_prod_;       // L words
  std::vector<std::uint64_t> punctured_prod_;  // L x L words, row i = Q / q_i
  std::vector<ShoupOperand> inv_punctured_;    // L entries
};

}  // namespace ei::math
