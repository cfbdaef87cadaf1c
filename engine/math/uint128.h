// 128-bit unsigned helpers for the math kernels (internal to ei_math and its users).
//
// Thread-safety: pure functions.
// GCC and Clang provide unsigned __int128; `__extension__` keeps -Wpedantic quiet about it.
#pragma once

#include <cstdint>

namespace ei::math {

__extension__ typedef unsigned __int128 uint128_t;  // NOLINT(modernize-use-using): needs __extension__

// High 64 bits of a * b.
[[nodiscard]] inline std::uint64_t mul_hi64(std::uint64_t a, std::uint64_t b) noexcept {
  return static_cast<std::uint64_t>((static_cast<uint128_t>(a) * b) >> 64);
}

// Full 128-bit product a * b.
[[nodiscard]] inline uint128_t mul_wide(std::uint64_t a, std::uint64_t b) noexcept {
  return static_cast<uint128_t>(a) * b;
}

[[nodiscard]] inline std::uint64_t lo64(uint128_t x) noexcept {
  return static_cast<std::uint64_t>(x);
}
[[nodiscard]] inline std::uint64_t hi64(uint128_t x) noexcept {
  return static_cast<std::uint64_t>(x >> 64);
}

}  // namespace ei::math
