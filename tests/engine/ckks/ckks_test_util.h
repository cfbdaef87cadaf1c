// Helpers for the ei_ckks tests: contexts, random values, exact integer references, and a literal
// transcription of SEAL 4.1.2's CKKSEncoder floating-point pipeline (std::complex, the recursive
// root symmetries, the DWT loops exactly as written in util/dwthandler.h) against which the
// optimized encoder is compared bit for bit.
#pragma once

#include <complex>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"

namespace ei::ckks::testing {

__extension__ typedef unsigned __int128 u128;

// CKKS context for N and CoeffModulus::Create bit sizes; insecure (tests may exceed tc128).
rlwe::ContextPtr make_context(std::size_t n, std::vector<int> bit_sizes);

std::vector<double> random_reals(std::size_t count, double bound, std::mt19937_64& rng);
std::vector<std::complex<double>> random_complex(std::size_t count, double bound,
                                                 std::mt19937_64& rng);

// Exact |x| mod q for any finite integral double x ≥ 0 (mantissa · 2^exponent, by u128 powers).
std::uint64_t exact_abs_mod(double integral, std::uint64_t q);
// round_half_away(x) mod q, exactly (the residue SEAL's encoder stores before the NTT).
std::uint64_t exact_round_mod(double x, std::uint64_t q);

// The coefficient-form residues (limb-major) of an NTT-form plaintext at `level`.
std::vector<std::uint64_t> to_coefficients(const rlwe::ContextData& level,
                                           const rlwe::Plaintext& plain);

// Independent CRT composition: coefficient i of limb-major residues → X in [0, Q) as L LE words.
std::vector<std::uint64_t> crt_compose(const rlwe::ContextData& level,
                                       const std::vector<std::uint64_t>& residues, std::size_t i);

// Signed value of X ∈ [0, Q) (X ≥ Q/2 maps to X − Q), as long double.
long double centered_value(const rlwe::ContextData& level, const std::vector<std::uint64_t>& x);

// SEAL 4.1.2's CKKSEncoder float pipeline, transcribed literally.
class SealReference {
 public:
  explicit SealReference(std::size_t n);
  // The real parts after transform_from_rev with fix = scale/N (pre-rounding coefficients).
  [[nodiscard]] std::vector<double> encode_coeffs(std::span<const std::complex<double>> values,
                                                  double scale) const;
  // Decode of an NTT-form plaintext (already validated): inverse NTT, independent CRT,
  // SEAL's word loop, transform_to_rev, slot gather.
  [[nodiscard]] std::vector<std::complex<double>> decode(const rlwe::ContextData& level,
                                                         const rlwe::Plaintext& plain) const;

 private:
  std::complex<double> get_root(std::size_t index) const;
  std::size_t n_;
  std::size_t slots_;
  int logn_;
  std::size_t m_;
  std::vector<std::complex<double>> roots_;  // m/8 + 1 entries
  std::vector<std::size_t> map_;
  std::vector<std::complex<double>> root_powers_, inv_root_powers_;
};

// Pure mathematics (long double, exact angle reduction): coefficient i of
// scale · (inverse canonical embedding of values), i.e. (2·scale/N) Σ_k Re(z_k ζ^{−3^k·i}).
std::vector<long double> math_reference_coeffs(std::size_t n,
                                               std::span<const std::complex<double>> values,
                                               double scale);

// Bitwise equality for doubles (distinguishes −0.0 and +0.0).
bool same_bits(double a, double b);

}  // namespace ei::ckks::testing
