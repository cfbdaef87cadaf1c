// BLAKE2b against libsodium (compression function, padding, keying) and BLAKE2Xb against the
// official known-answer vectors of the BLAKE2 reference package (testvectors/blake2-kat.json,
// BLAKE2/BLAKE2 @ ed1974e: input 00..ff (256 bytes), key 00..3f when keyed, xof_length = outlen).
#include "engine/math/blake2.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <initializer_list>
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

std::vector<std::uint8_t> iota_bytes(std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i);
  return v;
}

TEST(Blake2b, MatchesLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  const std::vector<std::uint8_t> msg = iota_bytes(1000);
  const std::vector<std::uint8_t> key = iota_bytes(64);
  for (const std::size_t len : std::initializer_list<std::size_t>{0, 1, 8, 127, 128, 129, 255, 256, 257, 1000}) {
    for (const std::size_t keylen : std::initializer_list<std::size_t>{0, 1, 32, 64}) {
      for (const std::size_t outlen : std::initializer_list<std::size_t>{1, 16, 32, 63, 64}) {
        std::vector<std::uint8_t> want(outlen);
        std::vector<std::uint8_t> got(outlen);
        ASSERT_EQ(crypto_generichash(want.data(), outlen, msg.data(), len, keylen ? key.data() : nullptr, keylen), 0);
        blake2::blake2b(got, std::span<const std::uint8_t>(msg.data(), len),
                        std::span<const std::uint8_t>(key.data(), keylen));
        ASSERT_EQ(hex(got), hex(want)) << "len " << len << " key " << keylen << " out " << outlen;
      }
    }
  }
}

struct XbKat {
  bool keyed;
  std::size_t outlen;
  const char* out;
};

// Entries 0, 255, 256, 319, 320, 383 and 511 of the "blake2xb" section.
const XbKat kXbKats[] = {
    {false, 1, "f0"},
    {false, 256,
     "59f8eea01a07a2670f2fe464bd755d8cde620cb4bac6006556a8663d2d9625c62fe63b6b68adba279ab287c04d3de6c4"
     "c17e6428dff30e9b2524fea1e869e42485c03a9f48af40d12d5cba0d13abac272ee36efeb8bd098ce0e1da8233ef6e6b"
     "3e96c9e05a7fedb79ae44e698640e6b8f26c43674e2c32ef17b4d7b005554ec4fd8aa1dac0f975fc888bec5bd7a06fbf"
     "29ae09f2d37c5eb7d0f67c9c77d5caf7afe681ae336fb3fccd97ecdec0348cdea4787a4e9de4df4bbfb209eeb642ce8f"
     "92730d598a71c94259e648d0a4dd89079a06c4b463ba1d175476337d553b0401d2b6f0c32639e3edcdd8c225c61e0afa"
     "5cd103b5d26a56afe3ac9462df794dc0"},
    {true, 1, "64"},
    {true, 64,
     "4324561d76c370ef35ac36a4adf8f3773a50d86504bd284f71f7ce9e2bc4c1f1d34a7fb2d67561d101955d448b67577e"
     "b30dfee96a95c7f921ef53e20be8bc44"},
    {true, 65,
     "78f0ed6e220b3da3cc9381563b2f72c8dc830cb0f39a48c6ae479a6a78dcfa94002631dec467e9e9b47cc8f0887eb680"
     "e340aec3ec009d4a33d241533c76c8ca8c"},
    {true, 128,
     "2d7dc80c19a1d12d5fe3963569547a5d1d3e821e6f06c5d5e2c09401f946c9f7e13cd019f2f9a878b62dd850453b6294"
     "b99ccaa068e542993524b0f63832d48e865be31e8ec1ee103c718340c904b32efb69170b67f038d50a3252794b1b4076"
     "c0620621ab3d91215d55ffea99f23d54e161a90d8d4902fda5931d9f6a27146a"},
    {true, 256,
     "1e9b2c454e9de3a2d723d850331037dbf54133dbe27488ff757dd255833a27d8eb8a128ad12d0978b6884e25737086a7"
     "04fb289aaaccf930d5b582ab4df1f55f0c429b6875edec3fe45464fa74164be056a55e243c4222c586bec5b18f39036a"
     "a903d98180f24f83d09a454dfa1e03a60e6a3ba4613e99c35f874d790174ee48a557f4f021ade4d1b278d7997ef09456"
     "9b37b3db0505951e9ee8400adaea275c6db51b325ee730c69df97745b556ae41cd98741e28aa3a49544541eeb3da1b1e"
     "8fa4e8e9100d66dd0c7f5e2c271b1ecc077de79c462b9fe4c273543ecd82a5bea63c5acc01eca5fb780c7d7c8c9fe208"
     "ae8bd50cad1769693d92c6c8649d20d8"},
};

TEST(Blake2xb, OfficialKnownAnswers) {
  const std::vector<std::uint8_t> in = iota_bytes(256);
  const std::vector<std::uint8_t> key = iota_bytes(64);
  for (const XbKat& k : kXbKats) {
    std::vector<std::uint8_t> out(k.outlen);
    blake2::blake2xb(out, in, k.keyed ? std::span<const std::uint8_t>(key) : std::span<const std::uint8_t>());
    EXPECT_EQ(hex(out), k.out) << (k.keyed ? "keyed" : "unkeyed") << " outlen " << k.outlen;
  }
}

TEST(Blake2xb, XofLengthChangesEveryBlock) {
  // xof_length is in every node's parameter block, so a 128-byte output is not a prefix of a
  // 4096-byte one (unlike a plain stream cipher); guards against dropping the field.
  const std::vector<std::uint8_t> key = iota_bytes(64);
  const std::uint8_t msg[8] = {};
  std::vector<std::uint8_t> a(128);
  std::vector<std::uint8_t> b(4096);
  blake2::blake2xb(a, msg, key);
  blake2::blake2xb(b, msg, key);
  EXPECT_NE(hex(a), hex(std::span<const std::uint8_t>(b.data(), 128)));
}

}  // namespace
}  // namespace ei::math
