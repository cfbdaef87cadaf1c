// ei::math::Modulus and the scalar modular arithmetic every other layer builds on.
//
// A Modulus is an RNS prime (or any modulus value) in [2, 2^61) together with its Barrett ratio
// floor(2^128 / q), exactly SEAL's `Modulus` (modulus.h) minus serialization. The free functions
// are SEAL's `util/uintarithsmallmod.h` kernels: every one returns the fully reduced value in
// [0, q), so results are identical to SEAL's whatever reduction strategy is used inside.
//
// Thread-safety: Modulus is an immutable value; all functions are pure and reentrant.
// Ownership: values only.
// Errors: Modulus::create returns INVALID_PARAMETERS for a value outside [2, 2^61). The kernels
//   return no Status; their REQUIRES lines are checked by EI_DCHECK in debug builds only.
// Allocation: none, anywhere in this header.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/math/uint128.h"
#include "engine/status.h"

namespace ei::math {

class Modulus {
 public:
  // Largest supported modulus value plus one (SEAL_MOD_BIT_COUNT_MAX = 61).
  static constexpr std::uint64_t kValueBound = std::uint64_t{1} << 61;

  // A zero modulus: only good as a placeholder to be assigned over.
  Modulus() = default;
  // REQUIRES: 2 <= value < 2^61 (EI_DCHECK). Precomputes the Barrett ratio floor(2^128 / value).
  explicit Modulus(std::uint64_t value) noexcept;
  // The checked constructor for untrusted values. Errors: INVALID_PARAMETERS if out of range.
  [[nodiscard]] static Result<Modulus> create(std::uint64_t value);

  [[nodiscard]] std::uint64_t value() const noexcept { return value_; }
  // Number of significant bits of value() (SEAL's bit_count); 0 for the placeholder.
  [[nodiscard]] int bit_count() const noexcept { return static_cast<int>(std::bit_width(value_)); }
  // floor(2^128 / value()) as [low word, high word].
  [[nodiscard]] const std::array<std::uint64_t, 2>& const_ratio() const noexcept { return const_ratio_; }

  bool operator==(const Modulus&) const = default;

 private:
  std::uint64_t value_ = 0;
  std::array<std::uint64_t, 2> const_ratio_{};
};

// (a + b) mod q. REQUIRES: a, b < q.
[[nodiscard]] inline std::uint64_t add_mod(std::uint64_t a, std::uint64_t b, const Modulus& q) noexcept {
  EI_DCHECK(a < q.value() && b < q.value());
  const std::uint64_t s = a + b;  // < 2^62: no overflow
  return s >= q.value() ? s - q.value() : s;
}

// (a - b) mod q. REQUIRES: a, b < q.
[[nodiscard]] inline std::uint64_t sub_mod(std::uint64_t a, std::uint64_t b, const Modulus& q) noexcept {
  EI_DCHECK(a < q.value() && b < q.value());
  return a >= b ? a - b : a + (q.value() - b);
}

// (-a) mod q; maps 0 to 0 (never to q). REQUIRES: a < q.
[[nodiscard]] inline std::uint64_t negate_mod(std::uint64_t a, const Modulus& q) noexcept {
  EI_DCHECK(a < q.value());
  return a == 0 ? 0 : q.value() - a;
}

// x mod q for any 64-bit x (SEAL's barrett_reduce_64).
[[nodiscard]] inline std::uint64_t reduce(std::uint64_t x, const Modulus& q) noexcept {
  // floor(2^64 / q) == const_ratio[1]; the estimate is at most one short.
  const std::uint64_t est = mul_hi64(x, q.const_ratio()[1]);
  const std::uint64_t r = x - est * q.value();
  return r >= q.value() ? r - q.value() : r;
}

// (hi * 2^64 + lo) mod q for any 128-bit value (SEAL's barrett_reduce_128).
[[nodiscard]] inline std::uint64_t reduce128(std::uint64_t hi, std::uint64_t lo, const Modulus& q) noexcept {
  const std::uint64_t r0 = q.const_ratio()[0];
  const std::uint64_t r1 = q.const_ratio()[1];
  // est = floor(x * ratio / 2^128) mod 2^64, computed exactly; x - est*q is then in [0, 2q).
  const uint128_t lo_r1 = mul_wide(lo, r1);
  const uint128_t hi_r0 = mul_wide(hi, r0);
  const uint128_t mid = static_cast<uint128_t>(mul_hi64(lo, r0)) + lo64(lo_r1) + lo64(hi_r0);
  const std::uint64_t est = hi * r1 + hi64(lo_r1) + hi64(hi_r0) + hi64(mid);
  const std::uint64_t r = lo - est * q.value();
  return r >= q.value() ? r - q.value() : r;
}

// (a * b) mod q by 128-bit Barrett reduction. Correct for any 64-bit a, b; SEAL callers pass a, b < q.
[[nodiscard]] inline std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b, const Modulus& q) noexcept {
  const uint128_t p = mul_wide(a, b);
  return reduce128(hi64(p), lo64(p), q);
}

// base^exp mod q (0^0 = 1). Any 64-bit base.
[[nodiscard]] std::uint64_t pow_mod(std::uint64_t base, std::uint64_t exp, const Modulus& q) noexcept;

// a^-1 mod q for any 64-bit a, or nullopt if gcd(a, q) != 1 (in particular for a ≡ 0).
[[nodiscard]] std::optional<std::uint64_t> inv_mod(std::uint64_t a, const Modulus& q) noexcept;

// A multiplicand with its Shoup quotient (SEAL's MultiplyUIntModOperand).
struct ShoupOperand {
  std::uint64_t operand;   // < q
  std::uint64_t quotient;  // floor(operand * 2^64 / q)
  bool operator==(const ShoupOperand&) const = default;
};

// REQUIRES: operand < q. Uses one 128-by-64 division (not for inner loops).
[[nodiscard]] inline ShoupOperand make_shoup(std::uint64_t operand, const Modulus& q) noexcept {
  EI_DCHECK(operand < q.value());
  return {operand, static_cast<std::uint64_t>((static_cast<uint128_t>(operand) << 64) / q.value())};
}

// x * y mod q in [0, 2q) ("lazy"). x may be ANY 64-bit value (the error of the quotient estimate
// is below 2 for every x < 2^64 when q < 2^63), y must come from make_shoup for this q.
[[nodiscard]] inline std::uint64_t mul_mod_shoup_lazy(std::uint64_t x, const ShoupOperand& y,
                                                      const Modulus& q) noexcept {
  const std::uint64_t est = mul_hi64(x, y.quotient);
  return y.operand * x - est * q.value();
}

// x * y mod q, fully reduced. x may be ANY 64-bit value (it need not be below q).
[[nodiscard]] inline std::uint64_t mul_mod_shoup(std::uint64_t x, const ShoupOperand& y, const Modulus& q) noexcept {
  const std::uint64_t r = mul_mod_shoup_lazy(x, y, q);
  return r >= q.value() ? r - q.value() : r;
}

// Deterministic primality for every 64-bit value: trial division by small primes, then
// Miller-Rabin with the bases {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37} (exact below 3.3e24).
[[nodiscard]] bool is_prime(std::uint64_t value) noexcept;

// (Σ words[i] * 2^(64 i)) mod q for a little-endian multi-word integer of any length (empty → 0).
[[nodiscard]] std::uint64_t reduce_multiword(std::span<const std::uint64_t> little_endian_words,
                                             const Modulus& q) noexcept;

// gcd(a, b) (gcd(0, b) = b).
[[nodiscard]] std::uint64_t gcd(std::uint64_t a, std::uint64_t b) noexcept;

}  // namespace ei::math
