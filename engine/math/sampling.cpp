#include "engine/math/sampling.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>

namespace ei::math {

static_assert(std::endian::native == std::endian::little, "sampling reads stream words little-endian");

namespace {

// Writes the small signed value v (|v| < 2^63) reduced mod each q_j into coefficient i of every limb.
void store_signed(std::int64_t v, std::span<const Modulus> moduli, std::size_t n, std::size_t i,
                  std::uint64_t* out) noexcept {
  const bool negative = v < 0;
  const std::uint64_t mag = negative ? static_cast<std::uint64_t>(-v) : static_cast<std::uint64_t>(v);
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const std::uint64_t r = reduce(mag, moduli[j]);
    out[j * n + i] = negative ? negate_mod(r, moduli[j]) : r;
  }
}

}  // namespace

void sample_poly_uniform(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n,
                         std::uint64_t* out) {
  const std::size_t words = moduli.size() * n;
  // One pull of n*L*8 bytes straight into the destination (char-typed view of the words).
  prng.generate(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(out), words * sizeof(std::uint64_t)));
  constexpr std::uint64_t kMaxRandom = ~std::uint64_t{0};
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const Modulus& q = moduli[j];
    const std::uint64_t threshold = kMaxRandom - reduce(kMaxRandom, q) - 1;  // SEAL's max_multiple
    std::uint64_t* limb = out + j * n;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t w = limb[i];
      while (w >= threshold) w = prng.generate_u64();  // continuation of the same stream
      limb[i] = reduce(w, q);
    }
  }
}

void sample_poly_ternary(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n,
                         std::uint64_t* out) {
  std::array<std::uint8_t, 256> buf;
  std::size_t pos = buf.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t b = 0;
    do {
      if (pos == buf.size()) {
        // Ask for no more than the coefficients left need (plus rejections, refilled on demand).
        const std::size_t want = std::min(buf.size(), n - i);
        pos = buf.size() - want;
        prng.generate(std::span<std::uint8_t>(buf.data() + pos, want));
      }
      b = buf[pos++];
    } while (b == 255);  // 255 = 3 * 85: accept 0..254 so b mod 3 is exactly uniform
    store_signed(static_cast<std::int64_t>(b % 3) - 1, moduli, n, i, out);
  }
  sodium_memzero(buf.data(), buf.size());
}

void sample_poly_cbd(UniformRandomGenerator& prng, std::span<const Modulus> moduli, std::size_t n, std::uint64_t* out) {
  constexpr std::size_t kBytesPerCoeff = 6;
  constexpr std::size_t kChunk = 64;  // coefficients per generate() call; the stream is the same
  std::array<std::uint8_t, kBytesPerCoeff * kChunk> buf;
  for (std::size_t base = 0; base < n; base += kChunk) {
    const std::size_t count = std::min(kChunk, n - base);
    prng.generate(std::span<std::uint8_t>(buf.data(), count * kBytesPerCoeff));
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint8_t* x = buf.data() + k * kBytesPerCoeff;
      const int e = std::popcount(x[0]) + std::popcount(x[1]) + std::popcount(static_cast<std::uint8_t>(x[2] & 0x1F)) -
                    std::popcount(x[3]) - std::popcount(x[4]) - std::popcount(static_cast<std::uint8_t>(x[5] & 0x1F));
      store_signed(e, moduli, n, base + k, out);
    }
  }
  sodium_memzero(buf.data(), buf.size());
}

}  // namespace ei::math
