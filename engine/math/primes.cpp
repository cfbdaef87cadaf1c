#include "engine/math/primes.h"

#include <algorithm>
#include <bit>
#include <map>
#include <string>

namespace ei::math {

namespace {

constexpr std::uint64_t kMinDegree = 2;       // SEAL_POLY_MOD_DEGREE_MIN
constexpr std::uint64_t kMaxDegree = 131072;  // SEAL_POLY_MOD_DEGREE_MAX
constexpr std::size_t kMaxPrimeCount = 256;   // SEAL_COEFF_MOD_COUNT_MAX
constexpr int kMinPrimeBits = 2;              // SEAL_USER_MOD_BIT_COUNT_MIN
constexpr int kMaxPrimeBits = 60;             // SEAL_USER_MOD_BIT_COUNT_MAX

// SEAL's get_primes(factor, bit_size, count): descending list, or an empty vector if too few.
std::vector<std::uint64_t> search_primes(std::uint64_t factor, int bit_size, std::size_t count) {
  std::vector<std::uint64_t> found;
  found.reserve(count);
  const std::uint64_t top = (std::uint64_t{1} << bit_size) - 1;
  const std::uint64_t lower_bound = std::uint64_t{1} << (bit_size - 1);
  std::uint64_t value = top / factor * factor + 1;
  while (found.size() < count && value > lower_bound) {
    if (is_prime(value)) found.push_back(value);
    value -= factor;  // value > 2^(b-1) >= 1 and factor <= 2^(b-1) whenever the loop runs again
  }
  if (found.size() < count) found.clear();
  return found;
}

}  // namespace

Result<std::vector<Modulus>> coeff_modulus_create(std::uint64_t poly_modulus_degree, std::span<const int> bit_sizes) {
  const std::uint64_t n = poly_modulus_degree;
  if (n < kMinDegree || n > kMaxDegree || !std::has_single_bit(n)) {
    return Status(Code::INVALID_PARAMETERS,
                  "poly_modulus_degree " + std::to_string(n) + " is not a power of two in [2, 131072]");
  }
  if (bit_sizes.empty() || bit_sizes.size() > kMaxPrimeCount) {
    return Status(Code::INVALID_PARAMETERS,
                  "coeff_modulus must have 1 to 256 primes, got " + std::to_string(bit_sizes.size()));
  }
  std::map<int, std::size_t> counts;
  for (const int b : bit_sizes) {
    if (b < kMinPrimeBits || b > kMaxPrimeBits) {
      return Status(Code::INVALID_PARAMETERS, "prime bit size " + std::to_string(b) + " is outside [2, 60]");
    }
    ++counts[b];
  }
  const std::uint64_t factor = 2 * n;
  std::map<int, std::vector<std::uint64_t>> primes;  // per size, descending
  for (const auto& [b, count] : counts) {
    std::vector<std::uint64_t> found = search_primes(factor, b, count);
    if (found.empty()) {
      return Status(Code::PRIME_SEARCH_FAILED, "fewer than " + std::to_string(count) + " primes of " +
                                                   std::to_string(b) + " bits are 1 mod " + std::to_string(factor));
    }
    primes[b] = std::move(found);
  }
  std::vector<Modulus> result;
  result.reserve(bit_sizes.size());
  for (const int b : bit_sizes) {
    std::vector<std::uint64_t>& list = primes[b];
    result.emplace_back(list.back());  // pop from the back: the smallest remaining prime of size b
    list.pop_back();
  }
  return result;
}

int he_standard_max_bits_tc128(std::uint64_t poly_modulus_degree) noexcept {
  switch (poly_modulus_degree) {
    case 1024:
      return 27;
    case 2048:
      return 54;
    case 4096:
      return 109;
    case 8192:
      return 218;
    case 16384:
      return 438;
    case 32768:
      return 881;
    default:
      return 0;
  }
}

}  // namespace ei::math
