#include "engine/math/modulus.h"

#include <string>

namespace ei::math {

Modulus::Modulus(std::uint64_t value) noexcept : value_(value) {
  EI_DCHECK(value >= 2 && value < kValueBound);
  if (value < 2) return;  // release-build guard: leave the ratio zero rather than divide by zero
  // floor(2^128 / q) = floor((2^128 - 1) / q), plus one when q divides 2^128 (q a power of two).
  const uint128_t all_ones = ~static_cast<uint128_t>(0);
  uint128_t ratio = all_ones / value;
  if (all_ones % value == value - 1) ++ratio;
  const_ratio_ = {lo64(ratio), hi64(ratio)};
}

Result<Modulus> Modulus::create(std::uint64_t value) {
  if (value < 2 || value >= kValueBound) {
    return Status(Code::INVALID_PARAMETERS, "modulus value " + std::to_string(value) + " is outside [2, 2^61)");
  }
  return Modulus(value);
}

std::uint64_t pow_mod(std::uint64_t base, std::uint64_t exp, const Modulus& q) noexcept {
  std::uint64_t b = reduce(base, q);
  std::uint64_t r = 1;
  while (exp != 0) {
    if ((exp & 1U) != 0) r = mul_mod(r, b, q);
    exp >>= 1;
    if (exp != 0) b = mul_mod(b, b, q);
  }
  return r;  // q >= 2, so 1 is reduced
}

std::uint64_t gcd(std::uint64_t a, std::uint64_t b) noexcept {
  while (b != 0) {
    const std::uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

std::optional<std::uint64_t> inv_mod(std::uint64_t a, const Modulus& q) noexcept {
  const std::uint64_t m = q.value();
  if (m < 2) return std::nullopt;
  // Extended Euclid tracking the coefficient of a. With m < 2^61 every |t| stays <= m, so
  // int64 arithmetic cannot overflow.
  std::int64_t r0 = static_cast<std::int64_t>(m);
  std::int64_t r1 = static_cast<std::int64_t>(reduce(a, q));
  std::int64_t t0 = 0;
  std::int64_t t1 = 1;
  while (r1 != 0) {
    const std::int64_t quot = r0 / r1;
    const std::int64_t r2 = r0 - quot * r1;
    const std::int64_t t2 = t0 - quot * t1;
    r0 = r1;
    r1 = r2;
    t0 = t1;
    t1 = t2;
  }
  if (r0 != 1) return std::nullopt;  // also covers a ≡ 0 (r0 == m >= 2)
  return t0 < 0 ? static_cast<std::uint64_t>(t0 + static_cast<std::int64_t>(m)) : static_cast<std::uint64_t>(t0);
}

namespace {

// a * b mod m for any 64-bit m >= 1 (slow path for primality testing only).
std::uint64_t mul_mod_any(std::uint64_t a, std::uint64_t b, std::uint64_t m) noexcept {
  return static_cast<std::uint64_t>(mul_wide(a, b) % m);
}

std::uint64_t pow_mod_any(std::uint64_t base, std::uint64_t exp, std::uint64_t m) noexcept {
  std::uint64_t r = 1 % m;
  std::uint64_t b = base % m;
  while (exp != 0) {
    if ((exp & 1U) != 0) r = mul_mod_any(r, b, m);
    exp >>= 1;
    if (exp != 0) b = mul_mod_any(b, b, m);
  }
  return r;
}

constexpr std::array<std::uint64_t, 12> kMillerRabinBases = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
constexpr std::array<std::uint64_t, 18> kSmallPrimes = {2,  3,  5,  7,  11, 13, 17, 19, 23,
                                                        29, 31, 37, 41, 43, 47, 53, 59, 61};

}  // namespace

bool is_prime(std::uint64_t value) noexcept {
  if (value < 2) return false;
  for (const std::uint64_t p : kSmallPrimes) {
    if (value == p) return true;
    if (value % p == 0) return false;
  }
  // value is odd and > 61 here: value - 1 = 2^s * d with d odd.
  std::uint64_t d = value - 1;
  const int s = std::countr_zero(d);
  d >>= s;
  for (const std::uint64_t a : kMillerRabinBases) {
    std::uint64_t x = pow_mod_any(a, d, value);
    if (x == 1 || x == value - 1) continue;
    bool witness = true;
    for (int i = 1; i < s; ++i) {
      x = mul_mod_any(x, x, value);
      if (x == value - 1) {
        witness = false;
        break;
      }
    }
    if (witness) return false;
  }
  return true;
}

std::uint64_t reduce_multiword(std::span<const std::uint64_t> little_endian_words, const Modulus& q) noexcept {
  std::uint64_t r = 0;
  for (std::size_t i = little_endian_words.size(); i-- > 0;) {
    r = reduce128(r, little_endian_words[i], q);  // r < q < 2^61: the 128-bit input is exact
  }
  return r;
}

}  // namespace ei::math
