#include "engine/rlwe/galois.h"

#include <bit>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace ei::rlwe {
namespace {

constexpr int kMaxLogN = 17;  // SEAL_POLY_MOD_DEGREE_MAX = 131072

std::uint32_t reverse_bits(std::uint32_t x, int bits) noexcept {
  std::uint32_t r = 0;
  for (int b = 0; b < bits; ++b) {
    r = (r << 1) | (x & 1U);
    x >>= 1;
  }
  return r;
}

// The table cache: one entry per (log_n, g), never evicted. At most N entries per degree exist
// (odd g below 2N), and each table is much smaller than the Galois key that uses it.
struct TableCache {
  std::mutex mu;
  std::map<std::pair<int, std::uint64_t>, std::unique_ptr<const std::vector<std::uint32_t>>> tables;
};

TableCache& cache() {
  static TableCache* c = new TableCache();  // intentionally leaked: usable during static teardown
  return *c;
}

std::vector<std::uint32_t> build_table(std::uint64_t galois_elt, int log_n) {
  const std::size_t n = std::size_t{1} << log_n;
  const std::uint64_t mask = n - 1;
  std::vector<std::uint32_t> table(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t reversed = reverse_bits(static_cast<std::uint32_t>(n + i), log_n + 1);
    const std::uint64_t index_raw = ((galois_elt * reversed) >> 1) & mask;
    table[i] = reverse_bits(static_cast<std::uint32_t>(index_raw), log_n);
  }
  return table;
}

}  // namespace

bool is_valid_galois_elt(std::uint64_t galois_elt, std::size_t n) noexcept {
  return (galois_elt & 1U) != 0 && galois_elt < 2 * static_cast<std::uint64_t>(n);
}

Result<std::uint64_t> galois_elt_from_step(int step, std::size_t n) {
  if (!std::has_single_bit(n) || n < 2 || n > (std::size_t{1} << kMaxLogN)) {
    return Status(Code::INVALID_ARGUMENT,
                  "poly_modulus_degree " + std::to_string(n) + " is not a power of two in [2, 2^17]");
  }
  const std::uint64_t m = 2 * static_cast<std::uint64_t>(n);
  if (step == 0) return m - 1;
  const std::int64_t wide = step;
  const std::uint64_t abs_step = static_cast<std::uint64_t>(wide < 0 ? -wide : wide);
  if (abs_step >= n / 2) {
    return Status(Code::INVALID_ARGUMENT, "rotation step " + std::to_string(step) +
                                              " is out of range: |step| must be below N/2 = " + std::to_string(n / 2));
  }
  // Negative steps rotate right: 3^(N/2 − |s|), as SEAL.
  std::uint64_t exponent = wide < 0 ? n / 2 - abs_step : abs_step;
  std::uint64_t elt = 1;
  std::uint64_t base = kGaloisGenerator;
  while (exponent != 0) {  // square-and-multiply mod 2N (a power of two: masking reduces)
    if ((exponent & 1U) != 0) elt = (elt * base) & (m - 1);
    base = (base * base) & (m - 1);
    exponent >>= 1;
  }
  return elt;
}

std::vector<std::uint64_t> default_galois_elts(std::size_t n) {
  EI_DCHECK(std::has_single_bit(n) && n >= 2);
  const std::uint64_t m = 2 * static_cast<std::uint64_t>(n);
  const int log_n = std::countr_zero(n);
  // 3^{-1} mod 2^k: Newton iteration x ← x(2 − 3x) doubles the correct low bits each step.
  std::uint64_t inv3 = 1;
  for (int i = 0; i < 6; ++i) inv3 *= 2 - kGaloisGenerator * inv3;
  std::vector<std::uint64_t> elts;
  elts.reserve(static_cast<std::size_t>(2 * log_n - 1));
  elts.push_back(m - 1);
  std::uint64_t pos = kGaloisGenerator;
  std::uint64_t neg = inv3 & (m - 1);
  for (int i = 0; i + 1 < log_n; ++i) {
    elts.push_back(pos);
    pos = (pos * pos) & (m - 1);
    elts.push_back(neg);
    neg = (neg * neg) & (m - 1);
  }
  return elts;
}

std::span<const std::uint32_t> galois_ntt_table(std::uint64_t galois_elt, int log_n) {
  EI_DCHECK(log_n >= 1 && log_n <= kMaxLogN);
  EI_DCHECK(is_valid_galois_elt(galois_elt, std::size_t{1} << log_n));
  TableCache& c = cache();
  const auto key = std::make_pair(log_n, galois_elt);
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.tables.find(key);
    if (it != c.tables.end()) return *it->second;
  }
  // Build outside the lock; if another thread won the race, keep its table.
  auto table = std::make_unique<const std::vector<std::uint32_t>>(build_table(galois_elt, log_n));
  std::lock_guard<std::mutex> lock(c.mu);
  auto [it, inserted] = c.tables.emplace(key, std::move(table));
  (void)inserted;
  return *it->second;
}

void apply_galois_ntt(const std::uint64_t* in, std::uint64_t galois_elt, int log_n, std::uint64_t* out) {
  const std::span<const std::uint32_t> table = galois_ntt_table(galois_elt, log_n);
#ifndef NDEBUG
  const auto in_addr = reinterpret_cast<std::uintptr_t>(in);
  const auto out_addr = reinterpret_cast<std::uintptr_t>(out);
  const std::uintptr_t bytes = table.size() * sizeof(std::uint64_t);
  EI_DCHECK(in_addr + bytes <= out_addr || out_addr + bytes <= in_addr);
#endif
  for (std::size_t i = 0; i < table.size(); ++i) out[i] = in[table[i]];
}

}  // namespace ei::rlwe
