// The CKKS encoder: SEAL 4.1.2's CKKSEncoder, byte-identical on encode and bit-exact on decode
// (seal-compat.md §8). Vectors of up to N/2 real or complex values map to a plaintext polynomial
// through the inverse canonical embedding (slot k ↔ ζ^(3^k mod 2N)), scaled and rounded half away
// from zero, stored in NTT form on every limb of the chosen level.
//
// Thread-safety: immutable after construction; every const method may run concurrently on one
//   Encoder (per-call scratch is thread_local, never shared).
// Ownership: shares the context (keeps it alive); owns its precomputed root tables and index map
//   (about 36·N bytes). Each thread that calls it keeps scratch buffers (thread_local, shared by
//   all encoders on that thread, grown to the largest N and L seen: 24·N + 16·N·L bytes) for
//   the thread's lifetime.
// Errors: PARMS_ID_UNKNOWN, INVALID_ARGUMENT, INVALID_SCALE, ENCODE_OVERFLOW on encode;
//   NOT_NTT_FORM, PARMS_ID_UNKNOWN, LEVEL_NOT_ALLOWED, SIZE_MISMATCH, COEFF_OUT_OF_RANGE,
//   INVALID_SCALE on decode. On any error the output argument is left unchanged.
//
// Bit-exactness depends on the floating-point environment: the encoder must be compiled without
// FMA contraction (-ffp-contract=off, set project-wide) and take cos/sin from the platform libm,
// as SEAL does. Compare residues exactly across builds; compare decoded doubles with a tolerance
// across platforms (seal-compat.md §8, §11.7). The transforms run on SIMD kernels (baseline,
// AVX2 or AVX-512, chosen at construction), which all produce SEAL's bits.
//
// Where we differ from SEAL 4.1.2 (which throws, or has undefined behaviour, in these cases):
// non-finite scales and inputs are rejected (INVALID_SCALE, ENCODE_OVERFLOW) instead of being
// cast to integers; an encode whose transform overflows to ±inf/NaN is ENCODE_OVERFLOW.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::ckks {

namespace detail {
struct EncoderKernels;  // the SIMD kernel table (encoder.cpp)
}  // namespace detail

// Vector instruction set used by the transform and rounding kernels. Every level produces the
// same bits (IEEE add/sub/mul per lane, no FMA); kAuto picks the widest the CPU supports.
// Requesting a level the CPU lacks falls back to the widest supported level below it.
enum class SimdLevel : std::uint8_t { kAuto, kGeneric, kAvx2, kAvx512 };

class Encoder {
 public:
  // Precomputes SEAL's complex root tables (root_powers, inv_root_powers, from libm cos/sin over
  // [0, π/4] extended by symmetry), the slot index map, and each level's decode threshold.
  // `simd` is for tests and benchmarks; production code leaves it at kAuto.
  // REQUIRES: context non-null (a CKKS context built by rlwe::Context::create). Allocates.
  explicit Encoder(rlwe::ContextPtr context, SimdLevel simd = SimdLevel::kAuto);

  // N/2.
  [[nodiscard]] std::size_t slot_count() const noexcept { return slots_; }
  [[nodiscard]] const rlwe::ContextPtr& context() const noexcept { return context_; }
  // The kernel level actually in use (never kAuto).
  [[nodiscard]] SimdLevel simd_level() const noexcept { return simd_; }

  // Encodes `values` (values.size() ≤ slot_count(); the remaining slots are zero) at level
  // `parms_id` and `scale`, as SEAL's CKKSEncoder::encode(vector, parms_id, scale, destination):
  // `out` becomes an NTT-form plaintext with parms_id = parms_id, coeff_count = N·L, scale = scale.
  // Any level of the chain is accepted, including the key level (as SEAL).
  // Errors (checked in this order; `out` unchanged on error):
  //   PARMS_ID_UNKNOWN  parms_id is not in the context's chain;
  //   INVALID_ARGUMENT  values.size() > slot_count();
  //   INVALID_SCALE     scale not finite, ≤ 0, or int(log2(scale)) + 1 ≥ the level's total bits;
  //   ENCODE_OVERFLOW   an input is not finite, or the scaled coefficients need as many bits as
  //                     the level's modulus (SEAL's "encoded values are too large").
  // Allocates only `out.data` (when its capacity is below N·L) and first-use thread scratch.
  // Aliasing: `values` must not point into `out.data`.
  [[nodiscard]] Status encode(std::span<const double> values, const rlwe::ParmsId& parms_id,
                              double scale, rlwe::Plaintext& out) const;
  [[nodiscard]] Status encode(std::span<const std::complex<double>> values,
                              const rlwe::ParmsId& parms_id, double scale,
                              rlwe::Plaintext& out) const;

  // SEAL's encode(double value, parms_id, scale, destination): every slot holds `value`. No FFT:
  // every word of limb j is round_half_away(value·scale) mod q_j (the NTT of a constant).
  // Errors (in order; `out` unchanged on error):
  //   PARMS_ID_UNKNOWN; INVALID_SCALE (not finite, ≤ 0, or int(log2(scale)) ≥ total bits — note:
  //   no +1, as SEAL); ENCODE_OVERFLOW (value or value·scale not finite, or
  //   int(log2|value·scale|) + 2 ≥ total bits).
  // Allocates only `out.data` (when its capacity is below N·L).
  [[nodiscard]] Status encode(double value, const rlwe::ParmsId& parms_id, double scale,
                              rlwe::Plaintext& out) const;

  // Decodes an NTT-form plaintext into slot_count() values (`out` is resized), as SEAL's
  // CKKSEncoder::decode, bit for bit. The real overload returns the real parts.
  // Errors (in order; `out` unchanged on error):
  //   NOT_NTT_FORM        plain.parms_id is zero (coefficient form);
  //   PARMS_ID_UNKNOWN    parms_id not in the chain;
  //   LEVEL_NOT_ALLOWED   the key level, when it is distinct from the first data level (SEAL's
  //                       is_valid_for rejects pure key levels);
  //   SIZE_MISMATCH       coeff_count ≠ N·L of the level, or data.size() ≠ coeff_count;
  //   COEFF_OUT_OF_RANGE  a word of limb j is ≥ q_j;
  //   INVALID_SCALE       scale not finite, ≤ 0, or int(log2(scale)) ≥ the level's total bits.
  // Allocates only `out` (when its capacity is below N/2) and first-use thread scratch.
  [[nodiscard]] Status decode(const rlwe::Plaintext& plain, std::vector<double>& out) const;
  [[nodiscard]] Status decode(const rlwe::Plaintext& plain,
                              std::vector<std::complex<double>>& out) const;

 private:
  template <typename T>
  Status encode_vector(std::span<const T> values, const rlwe::ParmsId& parms_id, double scale,
                       rlwe::Plaintext& out) const;
  // Validates `plain`, then inverse NTT, CRT composition, SEAL's word-wise conversion to double
  // and the forward DWT, leaving the N transformed values in the calling thread's scratch.
  Status decode_to_scratch(const rlwe::Plaintext& plain, const double*& re,
                           const double*& im) const;

  rlwe::ContextPtr context_;
  SimdLevel simd_ = SimdLevel::kGeneric;
  const detail::EncoderKernels* kernels_ = nullptr;  // static storage, chosen by the constructor
  std::size_t n_ = 0;
  std::size_t slots_ = 0;
  int log_n_ = 0;
  // SEAL's matrix_reps_index_map_: slot k ↔ position index_map_[k], conj(slot k) ↔
  // index_map_[slots + k] (bit-reversed), N entries.
  std::vector<std::uint32_t> index_map_;
  // SEAL's root_powers_ / inv_root_powers_ split into real and imaginary parts; index 0 unused.
  std::vector<double> root_re_, root_im_;
  std::vector<double> inv_root_re_, inv_root_im_;
  // Per chain_index: ((Q+1) >> 1) as L little-endian words (SEAL's upper_half_threshold).
  std::vector<std::vector<std::uint64_t>> upper_half_threshold_;
};

}  // namespace ei::ckks
