// Typed decoding of every request body of the protocol (docs/api.md §6, schemas/*-request.json).
//
// The decoders are written to agree with the JSON Schemas (requests are closed): a body is
// accepted iff it validates against the operation's request schema, and then its `api_version`
// (if any) has major 1. tests/protocol checks this agreement on every example of
// docs/api/examples and on mutations. On rejection the Problem is SCHEMA_VIOLATION with errors[]
// (JSON Pointer + violated keyword, at most 64) or UNSUPPORTED_API_VERSION.
//
// Thread-safety: pure functions.
// Ownership: decoders take the DOM by value and move payload strings out of it (no copies of the
//   multi-megabyte payloads).
// Errors: Problem{SCHEMA_VIOLATION | UNSUPPORTED_API_VERSION}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/serialization/serialization.h"
#include "protocol/encoding.h"
#include "protocol/problem.h"

namespace ei::protocol {

template <typename T>
using Decoded = std::variant<T, Problem>;

struct EncodedPayload {
  Encoding encoding = Encoding::hex;
  std::string payload;  // text as sent; characters are checked at decoding (BAD_ENCODING)
};

// POST /infer, POST /v1/infer (schemas/infer-request.json).
struct InferRequest {
  std::optional<std::string> api_version;
  std::string model_id;
  std::string version;
  // >= 1. Integral values beyond 2^64 saturate (any magnitude above the limit is BATCH_TOO_LARGE).
  std::uint64_t batch_size = 0;
  std::vector<EncodedPayload> inputs;  // 1..4096, one encoding for all
  std::optional<std::string> layout;
  std::optional<std::string> context_id;
  ser::Compression result_compression = ser::Compression::none;

  [[nodiscard]] Encoding encoding() const noexcept { return inputs.front().encoding; }
};

// POST /infer/plain (single form only: plain-request-single.json) and POST /v1/infer/plain
// (plain-request.json: single or batch form).
struct PlainRequest {
  std::optional<std::string> api_version;
  std::string model_id;
  std::string version;
  bool batch_form = false;
  std::vector<std::vector<double>> rows;  // single form: exactly one row
};

// POST /v1/contexts (schemas/context-request.json).
struct ContextRequest {
  std::optional<std::string> api_version;
  std::string model_id;
  std::string version;
  std::optional<EncodedPayload> relin_keys;
  std::optional<EncodedPayload> galois_keys;
  std::optional<std::int64_t> ttl_seconds;
};

// `operation` names the operation in the SCHEMA_VIOLATION detail, e.g. "POST /v1/infer".
[[nodiscard]] Decoded<InferRequest> decode_infer_request(nlohmann::json body, std::string_view operation);
[[nodiscard]] Decoded<PlainRequest> decode_plain_request(nlohmann::json body, bool allow_batch_form,
                                                         std::string_view operation);
[[nodiscard]] Decoded<ContextRequest> decode_context_request(nlohmann::json body, std::string_view operation);

// The body-level api_version check shared by the decoders (after the schema passed): nullopt when
// absent or major 1, else UNSUPPORTED_API_VERSION at /api_version.
[[nodiscard]] std::optional<Problem> check_body_api_version(const std::optional<std::string>& api_version);

}  // namespace ei::protocol
