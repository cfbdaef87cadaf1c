// EncryptionParameters, parms_id and the CKKS modulus chain (SEAL's SEALContext).
//
// Thread-safety: EncryptionParameters is a value. Context and ContextData are immutable after
//   create() and shared (std::shared_ptr<const Context>) by every thread.
// Ownership: a Context owns its chain; ContextData pointers live as long as the Context.
// Errors: create() returns INVALID_PARAMETERS, INSECURE_PARAMETERS or UNSUPPORTED_SCHEME.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/math/ntt.h"
#include "engine/math/rns.h"
#include "engine/status.h"

namespace ei::rlwe {

// SEAL's parms_id: BLAKE2b-256 of [scheme, N, q_0 … q_{L-1}, plain_modulus] as LE words.
using ParmsId = std::array<std::uint8_t, 32>;
inline constexpr ParmsId kParmsIdZero{};

// 64 lower-case hex digits, bytes in wire order.
[[nodiscard]] std::string parms_id_hex(const ParmsId& id);

enum class SchemeType : std::uint8_t { none = 0, bfv = 1, ckks = 2, bgv = 3 };

enum class SecurityLevel {
  kTc128,     // reject total modulus bits above the HE-standard 128-bit bound for N
  kInsecure,  // no bound (SEAL's sec_level_type::none); for tests and experiments only
};

// Unchecked parameter literal (as SEAL's EncryptionParameters). Validation happens in
// Context::create; a literal read from the wire is only structurally checked by its loader.
struct EncryptionParameters {
  SchemeType scheme = SchemeType::ckks;
  std::uint64_t poly_modulus_degree = 0;
  std::vector<std::uint64_t> coeff_modulus;  // q_0 … q_{L-1}; the last is the special prime
  std::uint64_t plain_modulus = 0;           // CKKS: 0

  bool operator==(const EncryptionParameters&) const = default;
};

// REQUIRES nothing; hashes whatever the literal holds (as SEAL does).
[[nodiscard]] ParmsId compute_parms_id(const EncryptionParameters& parms);

// CoeffModulus::Create-equivalent convenience: CKKS parameters for N and bit sizes.
// Errors: INVALID_PARAMETERS, PRIME_SEARCH_FAILED.
[[nodiscard]] Result<EncryptionParameters> make_ckks_parameters(std::uint64_t poly_modulus_degree,
                                                                std::span<const int> bit_sizes);

// One level of the modulus chain.
class ContextData {
 public:
  [[nodiscard]] const EncryptionParameters& parms() const noexcept { return parms_; }
  [[nodiscard]] const ParmsId& parms_id() const noexcept { return parms_id_; }
  // Key level = highest index; last level = 0 (SEAL's chain_index).
  [[nodiscard]] std::size_t chain_index() const noexcept { return chain_index_; }
  [[nodiscard]] std::size_t poly_modulus_degree() const noexcept { return n_; }
  [[nodiscard]] int log_n() const noexcept { return log_n_; }
  [[nodiscard]] std::size_t coeff_modulus_size() const noexcept { return moduli_.size(); }
  [[nodiscard]] std::span<const math::Modulus> coeff_modulus() const noexcept { return moduli_; }
  [[nodiscard]] const math::RnsBase& rns_base() const noexcept { return *rns_base_; }
  [[nodiscard]] const math::NttTables& ntt(std::size_t limb) const noexcept { return (*ntt_)[limb]; }
  [[nodiscard]] std::span<const math::NttTables> ntt_tables() const noexcept { return *ntt_; }
  // Bit count of the product of this level's primes.
  [[nodiscard]] int total_coeff_modulus_bit_count() const noexcept { return total_bits_; }
  // Rescale support: for the last prime q_l of this level, q_l^{-1} mod q_i for i < l.
  [[nodiscard]] std::span<const std::uint64_t> inv_last_coeff_mod() const noexcept { return inv_last_; }
  // Neighbours in the chain; nullptr at the ends.
  [[nodiscard]] const ContextData* next() const noexcept { return next_; }  // one prime fewer
  [[nodiscard]] const ContextData* prev() const noexcept { return prev_; }  // one prime more

 private:
  friend class Context;
  EncryptionParameters parms_;
  ParmsId parms_id_{};
  std::size_t chain_index_ = 0;
  std::size_t n_ = 0;
  int log_n_ = 0;
  std::vector<math::Modulus> moduli_;
  std::shared_ptr<const math::RnsBase> rns_base_;
  // Shared with the key level: limb i has the same table at every level.
  std::shared_ptr<const std::vector<math::NttTables>> ntt_;
  int total_bits_ = 0;
  std::vector<std::uint64_t> inv_last_;
  const ContextData* next_ = nullptr;
  const ContextData* prev_ = nullptr;
};

class Context {
 public:
  // Validates as SEALContext does for CKKS (seal-compat.md §2) plus our limits.h bounds:
  // N a power of two in [kMinPolyDegree, kMaxPolyDegree], 1 ≤ L ≤ kMaxCoeffModulusCount, each
  // q_i in [2, 2^60), ≡ 1 mod 2N, NTT-friendly, pairwise coprime; plain_modulus 0; total bits
  // within the tc128 bound unless kInsecure. Builds the whole chain (expand_mod_chain = true).
  // Allocates the NTT tables. Errors: UNSUPPORTED_SCHEME, INVALID_PARAMETERS, INSECURE_PARAMETERS.
  [[nodiscard]] static Result<std::shared_ptr<const Context>> create(
      const EncryptionParameters& parms, SecurityLevel security = SecurityLevel::kTc128);

  [[nodiscard]] const ContextData& key_context_data() const noexcept { return *levels_.front(); }
  [[nodiscard]] const ContextData& first_context_data() const noexcept { return *first_; }
  [[nodiscard]] const ContextData& last_context_data() const noexcept { return *levels_.back(); }
  [[nodiscard]] const ParmsId& key_parms_id() const noexcept { return key_context_data().parms_id(); }
  [[nodiscard]] const ParmsId& first_parms_id() const noexcept { return first_->parms_id(); }
  // nullptr when the id is not in the chain.
  [[nodiscard]] const ContextData* get_context_data(const ParmsId& id) const noexcept;
  // Key switching needs at least two primes (key level distinct from the first data level).
  [[nodiscard]] bool using_keyswitching() const noexcept { return first_ != levels_.front().get(); }
  [[nodiscard]] SecurityLevel security() const noexcept { return security_; }
  // All levels, key level first.
  [[nodiscard]] std::size_t level_count() const noexcept { return levels_.size(); }
  [[nodiscard]] const ContextData& level(std::size_t i) const noexcept { return *levels_[i]; }

 private:
  Context() = default;
  std::vector<std::unique_ptr<ContextData>> levels_;
  const ContextData* first_ = nullptr;
  std::map<ParmsId, const ContextData*> by_id_;
  SecurityLevel security_ = SecurityLevel::kTc128;
};

using ContextPtr = std::shared_ptr<const Context>;

}  // namespace ei::rlwe
