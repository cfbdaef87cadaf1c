#include "engine/math/blake2.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "engine/status.h"

namespace ei::math::blake2 {

namespace {

static_assert(std::endian::native == std::endian::little, "BLAKE2 load/store assume a little-endian host");

constexpr std::array<std::uint64_t, 8> kIv = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

constexpr std::uint8_t kSigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

std::uint64_t load64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  std::memcpy(p, &v, sizeof v);
}

// The 64-byte BLAKE2b parameter block (RFC 7693 §2.5 plus the BLAKE2X fields).
struct Params {
  std::uint8_t digest_length = 0;
  std::uint8_t key_length = 0;
  std::uint8_t fanout = 1;
  std::uint8_t depth = 1;
  std::uint32_t leaf_length = 0;
  std::uint32_t node_offset = 0;
  std::uint32_t xof_length = 0;
  std::uint8_t node_depth = 0;
  std::uint8_t inner_length = 0;

  [[nodiscard]] std::array<std::uint8_t, 64> bytes() const noexcept {
    std::array<std::uint8_t, 64> b{};  // reserved, salt and personal stay zero
    b[0] = digest_length;
    b[1] = key_length;
    b[2] = fanout;
    b[3] = depth;
    store32(b.data() + 4, leaf_length);
    store32(b.data() + 8, node_offset);
    store32(b.data() + 12, xof_length);
    b[16] = node_depth;
    b[17] = inner_length;
    return b;
  }
};

struct State {
  std::array<std::uint64_t, 8> h{};
  std::uint64_t t0 = 0;
  std::uint64_t t1 = 0;
  std::array<std::uint8_t, kBlockBytes> buf{};
  std::size_t buflen = 0;
  std::size_t outlen = 0;
};

// The G mixing function on v[a], v[b], v[c], v[d] with message words x, y.
[[gnu::always_inline]] inline void mix(std::uint64_t* v, std::size_t a, std::size_t b, std::size_t c, std::size_t d,
                                       std::uint64_t x, std::uint64_t y) noexcept {
  v[a] = v[a] + v[b] + x;
  v[d] = std::rotr(v[d] ^ v[a], 32);
  v[c] = v[c] + v[d];
  v[b] = std::rotr(v[b] ^ v[c], 24);
  v[a] = v[a] + v[b] + y;
  v[d] = std::rotr(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = std::rotr(v[b] ^ v[c], 63);
}

// One round with a compile-time round number, so every message index is a constant and the
// whole state stays in registers once the rounds are inlined.
template <std::size_t R>
[[gnu::always_inline]] inline void round(std::uint64_t* v, const std::uint64_t* m) noexcept {
  constexpr const std::uint8_t* s = kSigma[R];
  mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
  mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
  mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
  mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
  mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
  mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
  mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
  mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
}

template <std::size_t... R>
[[gnu::always_inline]] inline void all_rounds(std::uint64_t* v, const std::uint64_t* m,
                                              std::index_sequence<R...>) noexcept {
  (round<R>(v, m), ...);
}

void compress(State& s, const std::uint8_t* block, bool last) noexcept {
  std::uint64_t m[16];
  std::uint64_t v[16];
  for (std::size_t i = 0; i < 16; ++i) m[i] = load64(block + 8 * i);
  for (std::size_t i = 0; i < 8; ++i) {
    v[i] = s.h[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= s.t0;
  v[13] ^= s.t1;
  if (last) v[14] = ~v[14];  // f0 = all ones; f1 (last node) is never set by BLAKE2b/BLAKE2Xb
  all_rounds(v, m, std::make_index_sequence<12>{});
  for (std::size_t i = 0; i < 8; ++i) s.h[i] ^= v[i] ^ v[i + 8];
  // m and v are not wiped here (SEAL's reference does not either); callers wipe their buffers
  // and states, and each later compression overwrites these stack words.
}

void increment(State& s, std::uint64_t inc) noexcept {
  s.t0 += inc;
  s.t1 += s.t0 < inc ? 1 : 0;
}

void init(State& s, const Params& p) noexcept {
  const std::array<std::uint8_t, 64> pb = p.bytes();
  for (std::size_t i = 0; i < 8; ++i) s.h[i] = kIv[i] ^ load64(pb.data() + 8 * i);
  s.t0 = s.t1 = 0;
  s.buflen = 0;
  s.outlen = p.digest_length;
}

// Reference blake2b_update: the last (possibly full) block is kept buffered until final.
void update(State& s, const std::uint8_t* in, std::size_t inlen) noexcept {
  if (inlen == 0) return;
  const std::size_t left = s.buflen;
  const std::size_t fill = kBlockBytes - left;
  if (inlen > fill) {
    s.buflen = 0;
    std::memcpy(s.buf.data() + left, in, fill);
    increment(s, kBlockBytes);
    compress(s, s.buf.data(), false);
    in += fill;
    inlen -= fill;
    while (inlen > kBlockBytes) {
      increment(s, kBlockBytes);
      compress(s, in, false);
      in += kBlockBytes;
      inlen -= kBlockBytes;
    }
  }
  std::memcpy(s.buf.data() + s.buflen, in, inlen);
  s.buflen += inlen;
}

void init_key(State& s, const Params& p, std::span<const std::uint8_t> key) noexcept {
  init(s, p);
  if (!key.empty()) {
    std::array<std::uint8_t, kBlockBytes> block{};
    std::memcpy(block.data(), key.data(), key.size());
    update(s, block.data(), block.size());
    sodium_memzero(block.data(), block.size());
  }
}

// Writes s.outlen bytes to out.
void final(State& s, std::uint8_t* out) noexcept {
  increment(s, s.buflen);
  std::memset(s.buf.data() + s.buflen, 0, kBlockBytes - s.buflen);
  compress(s, s.buf.data(), true);
  std::array<std::uint8_t, kOutBytes> full;
  std::memcpy(full.data(), s.h.data(), kOutBytes);  // little-endian host: h words are the digest
  std::memcpy(out, full.data(), s.outlen);
  sodium_memzero(full.data(), full.size());
}

void wipe(State& s) noexcept {
  sodium_memzero(&s, sizeof s);
}

}  // namespace

void blake2b(std::span<std::uint8_t> out, std::span<const std::uint8_t> in,
             std::span<const std::uint8_t> key) noexcept {
  EI_DCHECK(!out.empty() && out.size() <= kOutBytes && key.size() <= kKeyBytes);
  Params p;
  p.digest_length = static_cast<std::uint8_t>(out.size());
  p.key_length = static_cast<std::uint8_t>(key.size());
  State s;
  init_key(s, p, key);
  update(s, in.data(), in.size());
  final(s, out.data());
  wipe(s);
}

void blake2xb(std::span<std::uint8_t> out, std::span<const std::uint8_t> in,
              std::span<const std::uint8_t> key) noexcept {
  EI_DCHECK(!out.empty() && out.size() < 0xFFFFFFFFULL && key.size() <= kKeyBytes);
  // Root: a keyed BLAKE2b-512 of the input whose parameter block carries xof_length.
  Params root_params;
  root_params.digest_length = static_cast<std::uint8_t>(kOutBytes);
  root_params.key_length = static_cast<std::uint8_t>(key.size());
  root_params.xof_length = static_cast<std::uint32_t>(out.size());
  State s;
  init_key(s, root_params, key);
  update(s, in.data(), in.size());
  std::array<std::uint8_t, kOutBytes> root;
  final(s, root.data());

  // Output nodes: BLAKE2b(root) with the tree fields of the BLAKE2X spec.
  Params node = root_params;
  node.key_length = 0;
  node.fanout = 0;
  node.depth = 0;
  node.leaf_length = static_cast<std::uint32_t>(kOutBytes);
  node.inner_length = static_cast<std::uint8_t>(kOutBytes);
  node.node_depth = 0;
  std::size_t remaining = out.size();
  std::uint8_t* dst = out.data();
  for (std::uint32_t i = 0; remaining > 0; ++i) {
    const std::size_t block = std::min(remaining, kOutBytes);
    node.digest_length = static_cast<std::uint8_t>(block);
    node.node_offset = i;
    init(s, node);
    update(s, root.data(), root.size());
    final(s, dst);
    dst += block;
    remaining -= block;
  }
  sodium_memzero(root.data(), root.size());
  wipe(s);
}

}  // namespace ei::math::blake2
