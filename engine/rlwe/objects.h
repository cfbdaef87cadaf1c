// The SEAL object kinds the engine handles: Plaintext, Ciphertext, SecretKey, PublicKey,
// RelinKeys and GaloisKeys (both KSwitchKeys). Plain data holders with SEAL's member layout.
//
// Thread-safety: values; concurrent reads are fine, writes need external synchronization.
// Ownership: each object owns its coefficient buffer (std::vector). SecretKey wipes its buffer
//   on destruction and on move-from.
// Layout: RNS data is limb-major, polynomial-major for ciphertexts: word (p*L + j)*N + i holds
//   coefficient i of limb j of polynomial p. Every stored value is in [0, q_j).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/math/prng.h"
#include "engine/rlwe/context.h"

namespace ei::rlwe {

struct Plaintext {
  ParmsId parms_id = kParmsIdZero;  // zero ⇔ coefficient form (SEAL has no separate NTT flag)
  std::uint64_t coeff_count = 0;    // CKKS NTT form: N * L
  double scale = 1.0;
  std::vector<std::uint64_t> data;

  [[nodiscard]] bool is_ntt_form() const noexcept { return parms_id != kParmsIdZero; }
  bool operator==(const Plaintext&) const = default;
};

// Seed of a symmetric encryption or key: c1 is the PRNG expansion of this seed (seal-compat §4).
struct SeedInfo {
  math::PrngType type = math::PrngType::blake2xb;
  math::PrngSeed seed{};
  bool operator==(const SeedInfo&) const = default;
};

struct Ciphertext {
  ParmsId parms_id = kParmsIdZero;
  bool is_ntt_form = true;
  std::uint64_t size = 0;  // number of polynomials
  std::uint64_t poly_modulus_degree = 0;
  std::uint64_t coeff_modulus_size = 0;
  double scale = 1.0;
  std::uint64_t correction_factor = 1;
  std::vector<std::uint64_t> data;  // size * N * L words
  // Present when c1 was sampled from a seed (symmetric encryption, key generation) and has not
  // been modified since: allows the compact seeded save form. c1 is always materialized in data.
  std::optional<SeedInfo> seed;

  [[nodiscard]] std::size_t poly_words() const noexcept {
    return static_cast<std::size_t>(poly_modulus_degree * coeff_modulus_size);
  }
  [[nodiscard]] std::uint64_t* poly(std::size_t p) noexcept { return data.data() + p * poly_words(); }
  [[nodiscard]] const std::uint64_t* poly(std::size_t p) const noexcept {
    return data.data() + p * poly_words();
  }
  bool operator==(const Ciphertext&) const = default;
};

// The ternary secret s in NTT form over every key-level limb. Move-only; wiped on destruction.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(Plaintext data) : data_(std::move(data)) {}
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  ~SecretKey();

  [[nodiscard]] const Plaintext& data() const noexcept { return data_; }
  [[nodiscard]] Plaintext& data() noexcept { return data_; }

 private:
  void wipe() noexcept;
  Plaintext data_;
};

// (−(a·s + e), a) at the key level, NTT form.
struct PublicKey {
  Ciphertext data;
  bool operator==(const PublicKey&) const = default;
};

// SEAL's KSwitchKeys: keys[i] is a vector of decomposition components (each a PublicKey over all
// key-level limbs). RelinKeys: keys[k-2] switches s^k. GaloisKeys: keys[(g-1)/2] switches
// s(X^g); absent elements are empty vectors, and SEAL always writes N entries.
struct KSwitchKeys {
  ParmsId parms_id = kParmsIdZero;
  std::vector<std::vector<PublicKey>> keys;
  bool operator==(const KSwitchKeys&) const = default;
};
struct RelinKeys : KSwitchKeys {};
struct GaloisKeys : KSwitchKeys {
  [[nodiscard]] static std::size_t index_of(std::uint64_t galois_elt) noexcept {
    return static_cast<std::size_t>((galois_elt - 1) >> 1);
  }
  [[nodiscard]] bool has_key(std::uint64_t galois_elt) const noexcept {
    std::size_t i = index_of(galois_elt);
    return i < keys.size() && !keys[i].empty();
  }
};

}  // namespace ei::rlwe
