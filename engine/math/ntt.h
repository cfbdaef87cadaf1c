// ei::math::NttTables: precomputed negacyclic NTT for one prime q and degree N = 2^log_n.
//
// The transform is SEAL's (util/ntt.cpp, seal-compat.md §7): psi is the minimal primitive 2N-th
// root of unity mod q, and forward() maps coefficients a_0..a_{N-1} to
//   out[j] = a(psi^(2*bitrev_{log_n}(j) + 1)) mod q,
// fully reduced. inverse() is its exact inverse. Because inputs and outputs are fully reduced and
// the map is fixed, every correct implementation (portable Harvey butterflies now, AVX-512 IFMA
// later) produces identical words; the backend is chosen once, at construction.
//
// Thread-safety: immutable after create(); share freely across threads (const methods only).
// Ownership: owns its tables (O(N) words); copies are deep, moves are cheap.
// Errors: create() returns INVALID_PARAMETERS or INVALID_ARGUMENT; transforms return nothing.
// Allocation: create() allocates; forward()/inverse() never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/status.h"

namespace ei::math {

enum class NttBackend : std::uint8_t {
  automatic = 0,  // the fastest backend this CPU supports (today: portable)
  portable = 1,   // plain C++ Harvey butterflies with Shoup multiplication
};

class NttTables {
 public:
  // Smallest and largest supported log2(N) (SEAL: N in [2, 131072]).
  static constexpr int kMinLogN = 1;
  static constexpr int kMaxLogN = 17;

  // Builds the tables for N = 2^log_n and modulus q.
  // Errors: INVALID_PARAMETERS if log_n is outside [1, 17], q is not prime, q != 1 mod 2N (no
  //   primitive 2N-th root exists); INVALID_ARGUMENT if `backend` is not available on this CPU.
  // SEAL 4.1 accepts composite q with a random root search; we require a prime q so the minimal
  // root is well defined (SEAL 4.4 rejects composite coeff_modulus too).
  [[nodiscard]] static Result<NttTables> create(int log_n, const Modulus& q,
                                                NttBackend backend = NttBackend::automatic);

  [[nodiscard]] std::size_t n() const noexcept { return n_; }
  [[nodiscard]] int log_n() const noexcept { return log_n_; }
  [[nodiscard]] const Modulus& modulus() const noexcept { return modulus_; }
  // SEAL's psi: the minimal primitive 2N-th root of unity mod q.
  [[nodiscard]] std::uint64_t root() const noexcept { return root_; }
  [[nodiscard]] NttBackend backend() const noexcept { return backend_; }

  // In place. REQUIRES: data has n() words, each < q (values < 4q are also accepted).
  // Output: SEAL's bit-reversed evaluation order, every word in [0, q).
  void forward(std::uint64_t* data) const noexcept { forward_fn_(*this, data); }
  // In place, the exact inverse of forward(). REQUIRES: n() words, each < q (< 2q accepted).
  // Output in [0, q).
  void inverse(std::uint64_t* data) const noexcept { inverse_fn_(*this, data); }

  // Table access for backends and fused kernels.
  // forward_roots()[k] = psi^(bitrev(k)) with Shoup quotient, k in [0, N) (SEAL's root_powers).
  [[nodiscard]] std::span<const ShoupOperand> forward_roots() const noexcept { return fwd_roots_; }
  // inverse_roots()[bitrev(k-1)+1] = psi^(-k), k in [1, N) (SEAL's inv_root_powers); [0] = 1.
  [[nodiscard]] std::span<const ShoupOperand> inverse_roots() const noexcept { return inv_roots_; }
  // N^-1 mod q, and inverse_roots()[N-1] * N^-1 mod q (the fused last inverse stage).
  [[nodiscard]] const ShoupOperand& inv_degree() const noexcept { return inv_degree_; }
  [[nodiscard]] const ShoupOperand& inv_degree_last_root() const noexcept { return inv_degree_last_root_; }

  using TransformFn = void (*)(const NttTables&, std::uint64_t*) noexcept;

 private:
  NttTables() = default;

  std::size_t n_ = 0;
  int log_n_ = 0;
  Modulus modulus_;
  std::uint64_t root_ = 0;
  NttBackend backend_ = NttBackend::portable;
  std::vector<ShoupOperand> fwd_roots_;
  std::vector<ShoupOperand> inv_roots_;
  ShoupOperand inv_degree_{};
  ShoupOperand inv_degree_last_root_{};
  TransformFn forward_fn_ = nullptr;
  TransformFn inverse_fn_ = nullptr;
};

// The minimal primitive 2N-th root of unity mod a prime q, or nullopt if none exists
// (q != 1 mod 2N). REQUIRES: degree_2n is a power of two >= 2, q prime.
[[nodiscard]] std::optional<std::uint64_t> minimal_primitive_root(std::uint64_t degree_2n, const Modulus& q) noexcept;

// bitrev of the low `bits` bits of x.
[[nodiscard]] inline std::uint64_t reverse_bits(std::uint64_t x, int bits) noexcept {
  if (bits == 0) return 0;
  std::uint64_t r = 0;
  for (int i = 0; i < bits; ++i) {
    r = (r << 1) | (x & 1U);
    x >>= 1;
  }
  return r;
}

}  // namespace ei::math
