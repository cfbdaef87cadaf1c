// UniformRandomGenerator streams. The blake2xb vectors were produced by compiling the reference
// blake2b.c/blake2xb.c bundled with SEAL 4.1.2 (native/src/seal/util) and calling it exactly as
// Blake2xbPRNG::refill_buffer does: blake2xb(buf, 4096, &counter, 8, seed, 64). The shake256
// vectors come from Python's hashlib.shake_256(seed + counter.to_bytes(8, "little")).digest(4096).
#include "engine/math/prng.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <random>
#include <string>
#include <vector>

namespace ei::math {
namespace {

std::string hex(std::span<const std::uint8_t> b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t x : b) {
    s.push_back(kDigits[x >> 4]);
    s.push_back(kDigits[x & 15]);
  }
  return s;
}

PrngSeed test_seed() {
  PrngSeed s;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return s;
}

std::vector<std::uint8_t> pull(UniformRandomGenerator& g, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  g.generate(v);
  return v;
}

TEST(Prng, Blake2xbStreamMatchesSealReference) {
  auto g = make_prng(PrngType::blake2xb, test_seed());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->type(), PrngType::blake2xb);
  EXPECT_EQ(g->seed(), test_seed());
  const std::vector<std::uint8_t> s = pull(*g, 3 * UniformRandomGenerator::kBufferBytes);
  EXPECT_EQ(g->blocks_generated(), 3U);
  const auto at = [&](std::size_t off) { return hex(std::span<const std::uint8_t>(s.data() + off, 32)); };
  EXPECT_EQ(at(0), "934cf23f9955d696f036bcea6bd0c719cccad495502c088b6e29ccf422dae3c3");
  EXPECT_EQ(at(4064), "7dce0566185ff0412e83dd51e1e93e68f02d6c39e0aa7aebb2ac887ee90f91d4");
  EXPECT_EQ(at(4096), "1bed8a64231895c96197189d2d212feb4b492954343951bec1e46ffce71925e9");
  EXPECT_EQ(at(8160), "f00dfd2b04a7c3a7ff902b1b9cc6b28f5efb0fd78f39250b4770a049f097a6b2");
  EXPECT_EQ(at(8192), "05915c02c25929a7a86e7baf1b953e52167a0a5bcf777bfa667f97d72dd55cd3");
  EXPECT_EQ(at(12256), "c1ec123b18abc8ff87d57873f448d745e7a84730d87af8ce93406abb48637a20");
  // The whole 12288 bytes, as BLAKE2b-256 (computed by the same reference build).
  std::uint8_t digest[32];
  ASSERT_EQ(crypto_generichash(digest, sizeof digest, s.data(), s.size(), nullptr, 0), 0);
  EXPECT_EQ(hex(digest), "c111dedb456c4bef3ae0f7dbee615331e3b94de240d013f56529c8c07a770c5f");
}

TEST(Prng, Shake256StreamMatchesHashlib) {
  auto g = make_prng(PrngType::shake256, test_seed());
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->type(), PrngType::shake256);
  const std::vector<std::uint8_t> s = pull(*g, 2 * UniformRandomGenerator::kBufferBytes);
  const auto at = [&](std::size_t off) { return hex(std::span<const std::uint8_t>(s.data() + off, 32)); };
  EXPECT_EQ(at(0), "f35811ebe20f00e7187b18323870300fa7993a95a0cfaad6e8c7292f54e375d0");
  EXPECT_EQ(at(4064), "ef0407fad218f986b71bf11450fafb56ea0ebb4b5ae0f23392f43d204d12bc09");
  EXPECT_EQ(at(4096), "b57323b8133a71115bb758c8d52b0de73e0a70e6db053dcf74bd8b2e3bd3d904");
  EXPECT_EQ(at(8160), "03dbe535b15658e627562a27ded86143ec77adea4d7e1eca687109d171201588");
}

TEST(Prng, StreamIsIndependentOfRequestSplitting) {
  for (const PrngType type : {PrngType::blake2xb, PrngType::shake256}) {
    auto whole = make_prng(type, test_seed());
    const std::vector<std::uint8_t> want = pull(*whole, 20000);
    auto pieces = make_prng(type, test_seed());
    std::vector<std::uint8_t> got;
    std::mt19937 rng(31);
    while (got.size() < want.size()) {
      std::size_t k = std::min<std::size_t>(rng() % 5000, want.size() - got.size());
      if (rng() % 4 == 0) k = std::min<std::size_t>(4096, want.size() - got.size());  // exact-block pulls
      const auto part = pull(*pieces, k);
      got.insert(got.end(), part.begin(), part.end());
    }
    EXPECT_EQ(got, want);
    // Word helpers are little-endian reads of the same stream.
    auto words = make_prng(type, test_seed());
    const std::uint32_t w32 = words->generate_u32();
    const std::uint64_t w64 = words->generate_u64();
    std::uint32_t e32;
    std::uint64_t e64;
    std::memcpy(&e32, want.data(), 4);
    std::memcpy(&e64, want.data() + 4, 8);
    EXPECT_EQ(w32, e32);
    EXPECT_EQ(w64, e64);
  }
}

TEST(Prng, DifferentSeedsAndTypesDiffer) {
  PrngSeed other = test_seed();
  other[63] ^= 1;
  auto a = make_prng(PrngType::blake2xb, test_seed());
  auto b = make_prng(PrngType::blake2xb, other);
  auto c = make_prng(PrngType::shake256, test_seed());
  const auto sa = pull(*a, 64);
  EXPECT_NE(sa, pull(*b, 64));
  EXPECT_NE(sa, pull(*c, 64));
}

TEST(Prng, UnknownTypeGivesNull) {
  EXPECT_EQ(make_prng(PrngType::unknown, test_seed()), nullptr);
  EXPECT_EQ(make_prng(static_cast<PrngType>(9), test_seed()), nullptr);
}

TEST(Prng, OsSeededGeneratorsAreFreshBlake2xb) {
  auto a = make_os_seeded_prng();
  auto b = make_os_seeded_prng();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->type(), PrngType::blake2xb);
  EXPECT_NE(a->seed(), b->seed());
  EXPECT_NE(a->seed(), PrngSeed{});
  // The stream is the blake2xb stream of the reported seed.
  auto replay = make_prng(PrngType::blake2xb, a->seed());
  EXPECT_EQ(pull(*a, 5000), pull(*replay, 5000));
  std::vector<std::uint8_t> r1(32);
  std::vector<std::uint8_t> r2(32);
  os_random_bytes(r1);
  os_random_bytes(r2);
  EXPECT_NE(r1, r2);
}

// Destroys a generator in storage we keep, then checks the seed and buffered stream bytes are gone.
TEST(Prng, DestructionWipesSeedAndBuffer) {
  for (const PrngType type : {PrngType::blake2xb, PrngType::shake256}) {
    auto probe = make_prng(type, test_seed());
    const std::vector<std::uint8_t> stream = pull(*probe, 4096);
    // A distinctive seed we can search for in the object's bytes.
    const PrngSeed seed = test_seed();
    auto owner = make_prng(type, seed);
    std::vector<std::uint8_t> first(16);
    owner->generate(first);  // buffer now holds the rest of block 0
    UniformRandomGenerator* raw = owner.get();
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw);
    // Locate seed and buffered stream (bytes 16..48 of block 0) inside the object representation.
    const std::size_t object_size = sizeof(UniformRandomGenerator);  // base subobject is at offset 0
    const auto find = [&](std::span<const std::uint8_t> needle) -> std::ptrdiff_t {
      const auto* it = std::search(bytes, bytes + object_size, needle.begin(), needle.end());
      return it == bytes + object_size ? -1 : it - bytes;
    };
    const std::ptrdiff_t seed_at = find(seed);
    const std::ptrdiff_t buf_at = find(std::span<const std::uint8_t>(stream.data() + 16, 32));
    ASSERT_GE(seed_at, 0);
    ASSERT_GE(buf_at, 0);
    // Run the destructor but keep the storage alive to inspect it.
    raw->~UniformRandomGenerator();
    const unsigned char* after = bytes;
    EXPECT_TRUE(std::all_of(after + seed_at, after + seed_at + 64, [](unsigned char x) { return x == 0; }));
    EXPECT_TRUE(std::all_of(after + buf_at, after + buf_at + 32, [](unsigned char x) { return x == 0; }));
    // Release the storage without running the destructor again.
    ::operator delete(static_cast<void*>(owner.release()));
  }
}

}  // namespace
}  // namespace ei::math
