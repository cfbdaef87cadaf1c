// ei::math::NttTables: precomputed negacyclic NTT for one prime q and degree N = 2^log_n.
//
// The transform is SEAL's (util/ntt.cpp, seal-compat.md §7): psi is the minimal primitive 2N-th
// root of unity mod q, and forward() maps coefficients a_0..a_{N-1} to
//   out[j] = a(psi^(2*bitrev_{log_n}(j) + 1)) mod q,
// fully reduced. inverse() is its exact inverse. Because inputs and outputs are fully reduced and
// the map is fixed, every correct implementation produces identical words; the backend is chosen
// once, at construction, and tests check every backend against the portable one word for word.
//
// Backends (NttBackend): `portable` (plain C++, any CPU, any q < 2^61); `avx512_ifma` (AVX-512F/DQ
// + IFMA, 52-bit lanes, q < 2^50, N >= 16; ntt_avx512_ifma.cpp); `avx512` (AVX-512F/DQ 64-bit
// lanes, any q < 2^61, N >= 16; ntt_avx512.cpp). `automatic` takes IFMA when it applies, else
// avx512, else portable, from CPUID at create() (SIMD kernels use per-function target attributes;
// the build never uses -march=native). There is no AVX2 backend (yet): CPUs without AVX-512 use
// the portable path.
// Environment: EI_FORCE_PORTABLE=1 makes `automatic` resolve to `portable` (read at each create();
// explicit backend requests are unaffected), so `EI_FORCE_PORTABLE=1 ctest ...` runs everything
// on the portable path. Outputs are identical either way; only the speed differs.
// Measured on the dev box (AMD EPYC, AVX-512 IFMA), N = 8192, per limb, forward: portable ~54 us,
// avx512_ifma ~7 us, avx512 ~12.5 us (bench: BM_ntt_{forward,inverse}_limb, CPU time).
//
// Thread-safety: immutable after create(); share freely across threads (const methods only).
// Ownership: owns its tables (O(N) words); copies are deep, moves are cheap.
// Errors: create() returns INVALID_PARAMETERS or INVALID_ARGUMENT; transforms return nothing.
// Allocation: create() allocates; forward()/inverse() never allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/math/modulus.h"
#include "engine/status.h"

namespace ei::math {

enum class NttBackend : std::uint8_t {
  automatic = 0,    // the fastest available backend for this CPU, N and q (portable if EI_FORCE_PORTABLE=1)
  portable = 1,     // plain C++ Harvey butterflies with Shoup multiplication
  avx512_ifma = 2,  // AVX-512 IFMA (vpmadd52luq/huq), Shoup in radix 2^52: q < 2^50, N >= 16
  avx512 = 3,       // AVX-512F/DQ 64-bit lanes, Shoup high product from 32-bit multiplies: N >= 16
};

// "automatic", "portable", "avx512_ifma", "avx512"; "unknown" for other values.
[[nodiscard]] std::string_view to_string(NttBackend backend) noexcept;

// True iff NttTables::create(log_n, q, backend) can use `backend`: the CPU supports it and N, q are
// in its range (automatic and portable: always). Ignores EI_FORCE_PORTABLE. Never allocates.
[[nodiscard]] bool ntt_backend_available(NttBackend backend, int log_n, const Modulus& q) noexcept;

// The backend `automatic` resolves to for (log_n, q) on this machine, honouring EI_FORCE_PORTABLE.
[[nodiscard]] NttBackend ntt_automatic_backend(int log_n, const Modulus& q) noexcept;

// Minimal allocator for 64-byte aligned word tables (one cache line, one zmm register).
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAlignedAllocator() = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>& /*other*/) noexcept {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] T* allocate(std::size_t count) { return static_cast<T*>(::operator new(count * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t /*count*/) noexcept { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheAlignedAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

class NttTables {
 public:
  // Smallest and largest supported log2(N) (SEAL: N in [2, 131072]).
  static constexpr int kMinLogN = 1;
  static constexpr int kMaxLogN = 17;

  // Builds the tables for N = 2^log_n and modulus q.
  // Errors: INVALID_PARAMETERS if log_n is outside [1, 17], q is not prime, q != 1 mod 2N (no
  //   primitive 2N-th root exists); INVALID_ARGUMENT if `backend` is not a known value or is not
  //   available for this CPU, N and q (see ntt_backend_available).
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
  // SIMD backends' own precomputation, 64-byte aligned, empty for portable; the layout belongs to
  // the backend (ntt_simd.h).
  [[nodiscard]] std::span<const std::uint64_t> simd_tables() const noexcept { return simd_tables_; }

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
  std::vector<std::uint64_t, CacheAlignedAllocator<std::uint64_t>> simd_tables_;
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
