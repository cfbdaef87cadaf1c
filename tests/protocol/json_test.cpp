#include <optional>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "protocol/json.h"

namespace ei::protocol {
namespace {

// A copy of the error (no pointers: keeps GCC's -Wnull-dereference quiet in EXPECT chains).
std::optional<JsonError> error_of(const JsonParseResult& r) {
  if (const auto* e = std::get_if<JsonError>(&r)) return *e;
  return std::nullopt;
}

TEST(Json, ParsesObjects) {
  auto r = parse_json(R"({"a": 1, "b": [1, 2.5, "x", true, null], "c": {"d": -3}})");
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(r));
  const auto& j = std::get<nlohmann::json>(r);
  EXPECT_EQ(j["a"], 1);
  EXPECT_EQ(j["b"].size(), 5U);
  EXPECT_EQ(j["c"]["d"], -3);
}

TEST(Json, RejectsDuplicateMembers) {
  auto r = parse_json(R"({"model_id": "a", "version": "1", "version": "2"})");
  const auto e = error_of(r);
  ASSERT_NE(e, std::nullopt);
  EXPECT_NE(e->detail.find("duplicate member name \"version\""), std::string::npos) << e->detail;
  EXPECT_NE(e->detail.find("I-JSON"), std::string::npos);
  EXPECT_FALSE(e->too_large);
  // Nested and in arrays of objects.
  EXPECT_NE(error_of(parse_json(R"({"a": {"x": 1, "x": 1}})")), std::nullopt);
  EXPECT_NE(error_of(parse_json(R"([{"x": 1}, {"y": 1, "y": 2}])")), std::nullopt);
  // Same name in sibling objects is fine.
  EXPECT_EQ(error_of(parse_json(R"([{"x": 1}, {"x": 2}])")), std::nullopt);
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(Json, DepthLimit) {
  EXPECT_EQ(error_of(parse_json(nested(32))), std::nullopt);
  const auto r = parse_json(nested(33));
  ASSERT_NE(error_of(r), std::nullopt);
  EXPECT_NE(error_of(r)->detail.find("nesting deeper than 32"), std::string::npos);
  EXPECT_NE(error_of(parse_json(nested(100000))), std::nullopt);  // no stack overflow
  JsonLimits tight;
  tight.max_depth = 2;
  EXPECT_EQ(error_of(parse_json(R"({"a": [1]})", tight)), std::nullopt);
  EXPECT_NE(error_of(parse_json(R"({"a": [[1]]})", tight)), std::nullopt);
}

TEST(Json, SizeLimitIsReportedSeparately) {
  JsonLimits tight;
  tight.max_bytes = 4;
  const auto r = parse_json(R"({"a": 1})", tight);
  ASSERT_NE(error_of(r), std::nullopt);
  EXPECT_TRUE(error_of(r)->too_large);
}

TEST(Json, RejectsNonIJson) {
  for (const std::string& bad : {std::string(""), std::string("   "), std::string("{"), std::string("{} {}"),
                                std::string("{}x"), std::string("\xEF\xBB\xBF{}"), std::string("{\"a\": 1e400}"),
                                std::string("{\"a\": -1e400}"), std::string("{\"a\": \"\xC3\x28\"}"),
                                std::string("{\"a\": \"\\uD800\"}"), std::string("{\"a\": NaN}"),
                                std::string("{\"a\": 01}"), std::string("{'a': 1}"), std::string("{\"a\": \"\x01\"}"),
                                std::string("[1,]"), std::string("{\"a\":1,}")}) {
    const auto r = parse_json(bad);
    EXPECT_NE(error_of(r), std::nullopt) << "accepted: " << bad;
  }
}

TEST(Json, ErrorDetailsNeverQuoteTheBody) {
  const std::string secret = "deadbeefcafef00d";
  for (const std::string& body : {"{\"payload\": \"" + secret + "\" " + secret + "}", "{\"p\": " + secret + "}",
                                 "[\"" + secret + "\", tru" + secret + "]"}) {
    const auto r = parse_json(body);
    ASSERT_NE(error_of(r), std::nullopt) << body;
    EXPECT_EQ(error_of(r)->detail.find(secret), std::string::npos) << error_of(r)->detail;
    EXPECT_NE(error_of(r)->detail.find("at byte"), std::string::npos) << error_of(r)->detail;
  }
  const auto eof = parse_json(R"({"model_id": "x")");
  ASSERT_NE(error_of(eof), std::nullopt);
  EXPECT_NE(error_of(eof)->detail.find("unexpected end of input"), std::string::npos) << error_of(eof)->detail;
}

TEST(Json, TypeNamesFollowJsonSchema) {
  EXPECT_EQ(json_type_name(nlohmann::json(2)), "integer");
  EXPECT_EQ(json_type_name(nlohmann::json(2.0)), "integer");
  EXPECT_EQ(json_type_name(nlohmann::json(2.5)), "number");
  EXPECT_EQ(json_type_name(nlohmann::json("s")), "string");
  EXPECT_EQ(json_type_name(nlohmann::json(true)), "boolean");
  EXPECT_TRUE(is_integral_number(nlohmann::json(1e300)));
  EXPECT_FALSE(is_integral_number(nlohmann::json(true)));
}

}  // namespace
}  // namespace ei::protocol

namespace ei::protocol {
namespace {

// The fast path for large bodies (long string values cut out before parsing) gives exactly the
// result of the full parse.
TEST(JsonFastPath, EquivalentToTheFullParse) {
  const std::string longhex(200000, 'a');
  const std::string body = R"({"model_id": "m", "inputs": [{"encoding": "hex", "payload": ")" + longhex +
                           R"("}, {"encoding": "hex", "payload": ")" + longhex + R"(b"}]})";
  auto r = parse_json(body);
  ASSERT_EQ(error_of(r), std::nullopt);
  const auto& j = std::get<nlohmann::json>(r);
  EXPECT_EQ(j["inputs"][0]["payload"], longhex);
  EXPECT_EQ(j["inputs"][1]["payload"], longhex + "b");
  EXPECT_EQ(j, nlohmann::json::parse(body));
}

TEST(JsonFastPath, ClientStringsThatLookLikeMarkersSurvive) {
  const std::string longhex(100000, 'c');
  for (const std::string& early : {std::string(R"(\u0001EI-LONG-STRING:0)"), std::string(R"(\u0001EI-LONG-STRING:1)")}) {
    const std::string body = R"({"a": ")" + early + R"(", "b": ")" + longhex + R"("})";
    auto r = parse_json(body);
    ASSERT_EQ(error_of(r), std::nullopt);
    const auto& j = std::get<nlohmann::json>(r);
    EXPECT_EQ(j, nlohmann::json::parse(body));
    EXPECT_EQ(j["b"], longhex);
  }
}

TEST(JsonFastPath, ErrorsAreStillDetectedWithExactPositions) {
  const std::string longhex(100000, 'd');
  // Duplicate member after a long value.
  auto dup = parse_json(R"({"p": ")" + longhex + R"(", "p": 1})");
  ASSERT_NE(error_of(dup), std::nullopt);
  EXPECT_NE(error_of(dup)->detail.find("duplicate member name \"p\""), std::string::npos);
  // Truncated body, trailing garbage, invalid UTF-8 after a long value, long keys, escapes.
  EXPECT_NE(error_of(parse_json(R"({"p": ")" + longhex)), std::nullopt);
  EXPECT_NE(error_of(parse_json(R"({"p": ")" + longhex + R"("} x)")), std::nullopt);
  EXPECT_NE(error_of(parse_json(R"({"p": ")" + longhex + "\xff\"}")), std::nullopt);
  auto trailing = parse_json(R"({"p": ")" + longhex + R"("}])");
  ASSERT_NE(error_of(trailing), std::nullopt);
  // The offset is the original body's (the ']' is at byte size + 9), not the skeleton's.
  EXPECT_GE(error_of(trailing)->byte_offset, longhex.size() + 9) << error_of(trailing)->detail;
  EXPECT_LE(error_of(trailing)->byte_offset, longhex.size() + 10) << error_of(trailing)->detail;
  auto long_key = parse_json("{\"" + longhex + "\": 1, \"" + longhex + "\": 2}");
  EXPECT_NE(error_of(long_key), std::nullopt);
  const std::string escaped = R"({"p": ")" + longhex + R"(\n\u00e9"})";
  auto esc = parse_json(escaped);
  ASSERT_EQ(error_of(esc), std::nullopt);
  EXPECT_EQ(std::get<nlohmann::json>(esc), nlohmann::json::parse(escaped));
  // Depth is still enforced.
  EXPECT_NE(error_of(parse_json(std::string(40, '[') + "\"" + longhex + "\"" + std::string(40, ']'))), std::nullopt);
}

}  // namespace
}  // namespace ei::protocol
