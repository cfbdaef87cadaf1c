#include <set>
#include <string>

#include <gtest/gtest.h>

#include "protocol/error_catalogue.h"
#include "protocol/problem.h"

namespace ei::protocol {
namespace {

TEST(Catalogue, EveryEngineCodeIsMapped) {
#define EI_CHECK_MAPPED(name, text) \
  EXPECT_TRUE(engine_code_mapped(ei::Code::name)) << #name << " has no engine_mapping row in errors.yaml";
  EI_ENGINE_CODES(EI_CHECK_MAPPED)
#undef EI_CHECK_MAPPED
}

TEST(Catalogue, MappingHighlightsOfDocs) {
  EXPECT_EQ(map_ciphertext_load(ei::Code::OK), std::nullopt);
  EXPECT_EQ(map_ciphertext_load(ei::Code::PARMS_ID_UNKNOWN), ErrorCode::PARAMS_MISMATCH);
  EXPECT_EQ(map_key_load(ei::Code::PARMS_ID_UNKNOWN), ErrorCode::PARAMS_MISMATCH);
  EXPECT_EQ(map_ciphertext_load(ei::Code::LEVEL_NOT_ALLOWED), ErrorCode::LEVEL_MISMATCH);
  EXPECT_EQ(map_key_load(ei::Code::LEVEL_NOT_ALLOWED), ErrorCode::KEY_MALFORMED);
  EXPECT_EQ(map_ciphertext_load(ei::Code::NOT_NTT_FORM), ErrorCode::NOT_NTT_FORM);
  EXPECT_EQ(map_key_load(ei::Code::NOT_NTT_FORM), ErrorCode::KEY_MALFORMED);
  EXPECT_EQ(map_key_load(ei::Code::KEY_MISMATCH), ErrorCode::PARAMS_MISMATCH);
  EXPECT_EQ(map_ciphertext_load(ei::Code::TRUNCATED), ErrorCode::CIPHERTEXT_MALFORMED);
  EXPECT_EQ(map_ciphertext_load(ei::Code::COEFF_OUT_OF_RANGE), ErrorCode::CIPHERTEXT_MALFORMED);
  EXPECT_EQ(map_ciphertext_load(ei::Code::INVALID_SCALE), ErrorCode::CIPHERTEXT_MALFORMED);
  EXPECT_EQ(map_ciphertext_load(ei::Code::INTERNAL), ErrorCode::INTERNAL);
}

TEST(Catalogue, EntriesAreConsistent) {
  std::set<std::string> names;
  for (const auto& e : catalogue()) {
    EXPECT_TRUE(names.insert(std::string(e.name)).second) << e.name;
    EXPECT_EQ(code_from_name(e.name), e.code);
    EXPECT_EQ(&entry(e.code), &e);
    EXPECT_GE(e.http_status, 400);
    EXPECT_LE(e.http_status, 599);
    EXPECT_FALSE(e.title.empty());
    if (e.retry_after) {
      EXPECT_TRUE(e.retryable) << e.name;
    }
  }
  EXPECT_EQ(entry(ErrorCode::INTERNAL).http_status, 500);
  EXPECT_EQ(entry(ErrorCode::QUEUE_FULL).http_status, 503);
  EXPECT_TRUE(entry(ErrorCode::QUEUE_FULL).retry_after);
  EXPECT_EQ(entry(ErrorCode::CIPHERTEXT_SIZE_MISMATCH).http_status, 409);
  EXPECT_EQ(catalogue_version(), "1.1.0");
  EXPECT_EQ(code_from_name("NO_SUCH_CODE"), std::nullopt);
}

TEST(Problem, RendersTheDocumentedMembersInOrder) {
  Problem p(ErrorCode::SCALE_MISMATCH, "inputs[0] has scale 2147483648; the layout requires exactly 1073741824.");
  p.at("/inputs/0/payload").expected_got(1073741824, 2147483648LL);
  const auto j = problem_json(p, "abcdef0123456789");
  const std::string text = j.dump();
  EXPECT_EQ(text,
            R"({"type":"urn:ei:problem:SCALE_MISMATCH","title":"Ciphertext scale does not match the model",)"
            R"("status":409,"detail":"inputs[0] has scale 2147483648; the layout requires exactly 1073741824.",)"
            R"("code":"SCALE_MISMATCH","retryable":false,"request_id":"abcdef0123456789","api_version":"1.1.0",)"
            R"("pointer":"/inputs/0/payload","expected":1073741824,"got":2147483648})");
}

TEST(Problem, SchemaViolationAlwaysHasErrors) {
  Problem p(ErrorCode::SCHEMA_VIOLATION, "bad");
  auto j = problem_json(p, "rid12345");
  ASSERT_TRUE(j.contains("errors"));
  EXPECT_EQ(j["errors"].size(), 1U);
  p.errors.resize(100, SchemaError{"/x", "type", "d"});
  j = problem_json(p, "rid12345");
  EXPECT_EQ(j["errors"].size(), kMaxSchemaErrors);
  Problem q(ErrorCode::UNKNOWN_MODEL, "No model.");
  q.errors.push_back(SchemaError{"/x", "type", "d"});
  EXPECT_FALSE(problem_json(q, "rid12345").contains("errors"));
}

TEST(Problem, PointerEscapingAndSnippets) {
  EXPECT_EQ(pointer_escape("a/b~c"), "a~1b~0c");
  EXPECT_EQ(safe_snippet("ab\"c\n"), "ab?c?");
  EXPECT_EQ(safe_snippet(std::string(100, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace ei::protocol
