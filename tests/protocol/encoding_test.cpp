#include <random>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/encoding.h"

namespace ei::protocol {
namespace {

bool ok(const DecodeResult& r) { return std::holds_alternative<std::vector<std::uint8_t>>(r); }
std::vector<std::uint8_t> bytes(const DecodeResult& r) { return std::get<std::vector<std::uint8_t>>(r); }
std::string reason(const DecodeResult& r) { return ok(r) ? "" : std::get<DecodeFailure>(r).reason; }

TEST(Hex, LowerAndUpperCase) {
  EXPECT_EQ(bytes(decode_hex("00ff10Ab")), (std::vector<std::uint8_t>{0x00, 0xff, 0x10, 0xab}));
  EXPECT_EQ(bytes(decode_hex("ABCDEF")), (std::vector<std::uint8_t>{0xab, 0xcd, 0xef}));
  EXPECT_EQ(encode_hex(std::vector<std::uint8_t>{0xab, 0x01}), "ab01");
}

TEST(Hex, Rejections) {
  EXPECT_EQ(reason(decode_hex("abc")), "odd length");
  EXPECT_FALSE(ok(decode_hex("")));
  EXPECT_FALSE(ok(decode_hex("0g")));
  EXPECT_FALSE(ok(decode_hex("0x00")));
  EXPECT_FALSE(ok(decode_hex("00 1")));
  EXPECT_FALSE(ok(decode_hex(std::string("0\0", 2))));
  EXPECT_NE(reason(decode_hex("00zz")).find("offset 2"), std::string::npos);
}

TEST(Base64, CanonicalOnly) {
  EXPECT_EQ(bytes(decode_base64("AA==")), (std::vector<std::uint8_t>{0}));
  EXPECT_EQ(bytes(decode_base64("AAA=")), (std::vector<std::uint8_t>{0, 0}));
  EXPECT_EQ(bytes(decode_base64("AAAA")), (std::vector<std::uint8_t>{0, 0, 0}));
  EXPECT_EQ(bytes(decode_base64("+/+/")), (std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}));
  // Non-zero pad bits: "AB==" has bits 000000 000001.
  EXPECT_FALSE(ok(decode_base64("AB==")));
  EXPECT_FALSE(ok(decode_base64("AAB=")));
  // Missing or extra padding, wrong length, whitespace, base64url, padding in the middle.
  for (const char* bad : {"AA", "AA=", "AAA", "AA===", "A===", "====", "AA==AA==", "AAAA\n", " AAAA", "AA AA",
                          "-_-_", "AA=A", "A", ""}) {
    EXPECT_FALSE(ok(decode_base64(bad))) << bad;
  }
  EXPECT_NE(reason(decode_base64("-_-_")).find("base64url"), std::string::npos);
}

TEST(Base64, RoundTripsRandomBytes) {
  std::mt19937_64 rng(7);
  for (std::size_t n = 1; n < 200; ++n) {
    std::vector<std::uint8_t> data(n);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    const std::string b64 = encode_base64(data);
    EXPECT_EQ(b64.size() % 4, 0U);
    EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, b64), n);
    EXPECT_EQ(bytes(decode_base64(b64)), data);
    const std::string hex = encode_hex(data);
    EXPECT_EQ(decoded_size_upper_bound(Encoding::hex, hex), n);
    EXPECT_EQ(bytes(decode(Encoding::hex, hex)), data);
  }
}

TEST(DecodedSize, FromLengthAlone) {
  EXPECT_EQ(decoded_size_upper_bound(Encoding::hex, "abc"), 1U);
  EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, "AA=="), 1U);
  EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, "AAA="), 2U);
  EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, "AAAAA"), 3U);
  EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, "=="), 0U);
  EXPECT_EQ(decoded_size_upper_bound(Encoding::base64, std::string(1052000, 'A')), 789000U);
}

TEST(EncodingNames, ParseAndPrint) {
  EXPECT_EQ(parse_encoding("hex"), Encoding::hex);
  EXPECT_EQ(parse_encoding("base64"), Encoding::base64);
  EXPECT_EQ(parse_encoding("HEX"), std::nullopt);
  EXPECT_EQ(encoding_name(Encoding::base64), "base64");
}

}  // namespace
}  // namespace ei::protocol
