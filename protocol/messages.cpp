#include "protocol/messages.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>

#include "protocol/json.h"
#include "protocol/syntax.h"

namespace ei::protocol {
namespace {

using nlohmann::json;

constexpr double kPlainBound = 1e12;

// Accumulates schema violations (at most kMaxSchemaErrors are kept; the count is exact).
class Checker {
 public:
  void add(std::string pointer, std::string keyword, std::string detail) {
    ++count_;
    if (errors_.size() < kMaxSchemaErrors) {
      errors_.push_back(SchemaError{std::move(pointer), std::move(keyword), std::move(detail)});
    }
  }
  [[nodiscard]] bool ok() const noexcept { return count_ == 0; }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }

  Problem problem(std::string_view operation) {
    Problem p(ErrorCode::SCHEMA_VIOLATION,
              "The request does not match the schema of " + std::string(operation) + ": " +
                  std::to_string(count_) + (count_ == 1 ? " violation." : " violations."));
    p.errors = std::move(errors_);
    return p;
  }

  void type_error(const std::string& pointer, const json& v, std::string_view expected) {
    add(pointer, "type", "expected " + std::string(article(expected)) + std::string(expected) + ", got " +
                             std::string(article(json_type_name(v))) + std::string(json_type_name(v)));
  }

  // Closed object with required members. Returns false (after recording) if `v` is no object.
  bool object(const json& v, const std::string& pointer, std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required) {
    if (!v.is_object()) {
      type_error(pointer, v, "object");
      return false;
    }
    for (auto name : required) {
      if (!v.contains(std::string(name))) {
        add(pointer, "required", "missing required member \"" + std::string(name) + "\"");
      }
    }
    for (const auto& item : v.items()) {
      const std::string& key = item.key();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        add(pointer + "/" + pointer_escape(key), "additionalProperties",
            "unknown member \"" + safe_snippet(key) + "\"");
      }
    }
    return true;
  }

  // String with length bounds (code points). Returns nullptr if not a string.
  const std::string* string(const json& v, const std::string& pointer, std::size_t min_len,
                            std::size_t max_len) {
    if (!v.is_string()) {
      type_error(pointer, v, "string");
      return nullptr;
    }
    const auto& s = v.get_ref<const std::string&>();
    if (max_len == std::numeric_limits<std::size_t>::max() && min_len <= 1) {
      // Only "non-empty" to check: no need to count the code points of a multi-megabyte payload.
      if (min_len == 1 && s.empty()) add(pointer, "minLength", "must have at least 1 characters");
      return &s;
    }
    const std::size_t n = utf8_length(s);
    if (n < min_len) {
      add(pointer, "minLength", "must have at least " + std::to_string(min_len) + " characters");
    } else if (n > max_len) {
      add(pointer, "maxLength", "must have at most " + std::to_string(max_len) + " characters");
    }
    return &s;
  }

  // JSON Schema integer (2.0 counts) with bounds. Returns the value saturated to int64 range.
  std::optional<double> integer(const json& v, const std::string& pointer, std::optional<double> minimum,
                                std::optional<double> maximum) {
    if (!v.is_number() || !is_integral_number(v)) {
      type_error(pointer, v, "integer");
      return std::nullopt;
    }
    const double d = number_value(v);
    if (minimum && d < *minimum) {
      add(pointer, "minimum", "must be at least " + format_bound(*minimum));
      return std::nullopt;
    }
    if (maximum && d > *maximum) {
      add(pointer, "maximum", "must be at most " + format_bound(*maximum));
      return std::nullopt;
    }
    return d;
  }

  std::optional<double> number(const json& v, const std::string& pointer, double minimum, double maximum) {
    if (!v.is_number()) {
      type_error(pointer, v, "number");
      return std::nullopt;
    }
    const double d = v.get<double>();
    if (d < minimum) {
      add(pointer, "minimum", "must be at least " + format_bound(minimum));
      return std::nullopt;
    }
    if (d > maximum) {
      add(pointer, "maximum", "must be at most " + format_bound(maximum));
      return std::nullopt;
    }
    return d;
  }

  // enum of strings. Returns the index of the match or nullopt.
  std::optional<std::size_t> enumeration(const json& v, const std::string& pointer,
                                         std::initializer_list<std::string_view> values) {
    std::size_t i = 0;
    if (v.is_string()) {
      for (auto candidate : values) {
        if (v.get_ref<const std::string&>() == candidate) return i;
        ++i;
      }
    }
    std::string list;
    for (auto candidate : values) {
      if (!list.empty()) list += ", ";
      list += "\"" + std::string(candidate) + "\"";
    }
    add(pointer, "enum", "must be one of " + list);
    return std::nullopt;
  }

  static double number_value(const json& v) {
    if (v.is_number_unsigned()) return static_cast<double>(v.get<std::uint64_t>());
    if (v.is_number_integer()) return static_cast<double>(v.get<std::int64_t>());
    return v.get<double>();
  }

 private:
  static std::string_view article(std::string_view noun) {
    if (!noun.empty() && (noun[0] == 'a' || noun[0] == 'i' || noun[0] == 'o' || noun[0] == 'u' || noun[0] == 'e')) {
      return "an ";
    }
    return "a ";
  }
  static std::string format_bound(double d) {
    if (std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) {
      return std::to_string(static_cast<long long>(d));
    }
    json j = d;
    return j.dump();
  }

  std::vector<SchemaError> errors_;
  std::size_t count_ = 0;
};

std::optional<std::string> take_string(json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return std::move(it->get_ref<std::string&>());
}

// Common members of every request: api_version, model_id, version.
void check_common(Checker& c, const json& body) {
  if (auto it = body.find("api_version"); it != body.end()) {
    if (const std::string* s = c.string(*it, "/api_version", 0, std::numeric_limits<std::size_t>::max())) {
      if (!parse_api_version(*s)) {
        c.add("/api_version", "pattern", "must be MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH (1-4 digits each)");
      }
    }
  }
  if (auto it = body.find("model_id"); it != body.end()) c.string(*it, "/model_id", 1, 128);
  if (auto it = body.find("version"); it != body.end()) c.string(*it, "/version", 1, 64);
}

// defs.json#/$defs/encoded_input. Returns the encoding index when the item is fully valid.
std::optional<Encoding> check_encoded_input(Checker& c, const json& v, const std::string& pointer) {
  if (!c.object(v, pointer, {"encoding", "payload"}, {"encoding", "payload"})) return std::nullopt;
  std::optional<Encoding> enc;
  if (auto it = v.find("encoding"); it != v.end()) {
    if (auto idx = c.enumeration(*it, pointer + "/encoding", {"hex", "base64"})) {
      enc = *idx == 0 ? Encoding::hex : Encoding::base64;
    }
  }
  if (auto it = v.find("payload"); it != v.end()) {
    c.string(*it, pointer + "/payload", 1, std::numeric_limits<std::size_t>::max());
  }
  return enc;
}

EncodedPayload take_encoded(json& v) {
  EncodedPayload out;
  out.encoding = v["encoding"].get_ref<const std::string&>() == "hex" ? Encoding::hex : Encoding::base64;
  out.payload = std::move(v["payload"].get_ref<std::string&>());
  return out;
}

template <typename T>
Decoded<T> with_api_version_check(T value) {
  if (auto p = check_body_api_version(value.api_version)) return *p;
  return value;
}

}  // namespace

std::optional<Problem> check_body_api_version(const std::optional<std::string>& api_version) {
  if (!api_version) return std::nullopt;
  auto major = parse_api_version(*api_version);
  if (major && *major == 1) return std::nullopt;
  Problem p(ErrorCode::UNSUPPORTED_API_VERSION,
            "api_version " + safe_snippet(*api_version) +
                " is not supported: this server implements 1.1.0 (major version 1).");
  p.at("/api_version").expected_got("1", safe_snippet(*api_version));
  return p;
}

Decoded<InferRequest> decode_infer_request(json body, std::string_view operation) {
  Checker c;
  if (!c.object(body, "", {"api_version", "model_id", "version", "batch_size", "inputs", "layout", "context_id",
                          "result_compression"},
                {"model_id", "version", "batch_size", "inputs"})) {
    return c.problem(operation);
  }
  check_common(c, body);
  if (auto it = body.find("batch_size"); it != body.end()) c.integer(*it, "/batch_size", 1.0, std::nullopt);
  if (auto it = body.find("inputs"); it != body.end()) {
    if (!it->is_array()) {
      c.type_error("/inputs", *it, "array");
    } else if (it->empty()) {
      c.add("/inputs", "minItems", "must have at least 1 item");
    } else if (it->size() > 4096) {
      c.add("/inputs", "maxItems", "must have at most 4096 items");
    } else {
      bool all_valid = true;
      bool any_hex = false;
      bool any_b64 = false;
      for (std::size_t i = 0; i < it->size(); ++i) {
        auto enc = check_encoded_input(c, (*it)[i], "/inputs/" + std::to_string(i));
        if (!enc) {
          all_valid = false;
        } else if (*enc == Encoding::hex) {
          any_hex = true;
        } else {
          any_b64 = true;
        }
      }
      if (all_valid && any_hex && any_b64) {
        c.add("/inputs", "anyOf", "all inputs must use the same encoding");
      }
    }
  }
  if (auto it = body.find("layout"); it != body.end()) {
    if (const std::string* s = c.string(*it, "/layout", 0, std::numeric_limits<std::size_t>::max())) {
      if (!is_layout_name(*s)) c.add("/layout", "pattern", "must match ^[a-z][a-z0-9_]{0,63}$");
    }
  }
  if (auto it = body.find("context_id"); it != body.end()) {
    if (const std::string* s = c.string(*it, "/context_id", 0, std::numeric_limits<std::size_t>::max())) {
      if (!is_context_id(*s)) c.add("/context_id", "pattern", "must be 64 lower-case hex digits");
    }
  }
  if (auto it = body.find("result_compression"); it != body.end()) {
    c.enumeration(*it, "/result_compression", {"none", "zlib", "zstd"});
  }
  if (!c.ok()) return c.problem(operation);

  InferRequest req;
  req.api_version = take_string(body, "api_version");
  req.model_id = *take_string(body, "model_id");
  req.version = *take_string(body, "version");
  const double batch = Checker::number_value(body["batch_size"]);
  req.batch_size = batch >= 18446744073709551615.0 ? std::numeric_limits<std::uint64_t>::max()
                                                   : static_cast<std::uint64_t>(batch);
  auto& inputs = body["inputs"];
  req.inputs.reserve(inputs.size());
  for (auto& item : inputs) req.inputs.push_back(take_encoded(item));
  req.layout = take_string(body, "layout");
  req.context_id = take_string(body, "context_id");
  if (auto rc = take_string(body, "result_compression")) {
    req.result_compression = *rc == "zlib" ? ser::Compression::zlib
                             : *rc == "zstd" ? ser::Compression::zstd
                                             : ser::Compression::none;
  }
  return with_api_version_check(std::move(req));
}

Decoded<PlainRequest> decode_plain_request(json body, bool allow_batch_form, std::string_view operation) {
  Checker c;
  if (!c.object(body, "", {"api_version", "model_id", "version", "inputs"}, {"model_id", "version", "inputs"})) {
    return c.problem(operation);
  }
  check_common(c, body);
  bool batch = false;
  if (auto it = body.find("inputs"); it != body.end()) {
    if (!it->is_array()) {
      c.type_error("/inputs", *it, "array");
    } else if (it->empty()) {
      c.add("/inputs", "minItems", "must have at least 1 item");
    } else {
      batch = allow_batch_form && (*it)[0].is_array();
      const std::size_t max_items = batch ? 16384 : 4096;
      if (it->size() > max_items) {
        c.add("/inputs", "maxItems", "must have at most " + std::to_string(max_items) + " items");
      } else {
        for (std::size_t i = 0; i < it->size(); ++i) {
          const json& item = (*it)[i];
          const std::string ptr = "/inputs/" + std::to_string(i);
          if (!batch) {
            c.number(item, ptr, -kPlainBound, kPlainBound);
            continue;
          }
          if (!item.is_array()) {
            c.type_error(ptr, item, "array");
          } else if (item.empty()) {
            c.add(ptr, "minItems", "must have at least 1 item");
          } else if (item.size() > 4096) {
            c.add(ptr, "maxItems", "must have at most 4096 items");
          } else {
            for (std::size_t k = 0; k < item.size(); ++k) {
              c.number(item[k], ptr + "/" + std::to_string(k), -kPlainBound, kPlainBound);
              if (c.count() > kMaxSchemaErrors) break;
            }
          }
          if (c.count() > kMaxSchemaErrors) break;
        }
      }
    }
  }
  if (!c.ok()) return c.problem(operation);

  PlainRequest req;
  req.api_version = take_string(body, "api_version");
  req.model_id = *take_string(body, "model_id");
  req.version = *take_string(body, "version");
  req.batch_form = batch;
  const json& inputs = body["inputs"];
  if (batch) {
    req.rows.reserve(inputs.size());
    for (const auto& row : inputs) {
      std::vector<double> values;
      values.reserve(row.size());
      for (const auto& v : row) values.push_back(v.get<double>());
      req.rows.push_back(std::move(values));
    }
  } else {
    std::vector<double> values;
    values.reserve(inputs.size());
    for (const auto& v : inputs) values.push_back(v.get<double>());
    req.rows.push_back(std::move(values));
  }
  return with_api_version_check(std::move(req));
}

Decoded<ContextRequest> decode_context_request(json body, std::string_view operation) {
  Checker c;
  if (!c.object(body, "", {"api_version", "model_id", "version", "relin_keys", "galois_keys", "ttl_seconds"},
                {"model_id", "version"})) {
    return c.problem(operation);
  }
  check_common(c, body);
  const bool has_relin = body.contains("relin_keys");
  const bool has_galois = body.contains("galois_keys");
  if (!has_relin && !has_galois) {
    c.add("", "anyOf", "at least one of \"relin_keys\" and \"galois_keys\" is required");
  }
  if (has_relin) check_encoded_input(c, body["relin_keys"], "/relin_keys");
  if (has_galois) check_encoded_input(c, body["galois_keys"], "/galois_keys");
  if (auto it = body.find("ttl_seconds"); it != body.end()) {
    c.integer(*it, "/ttl_seconds", 1.0, 31536000.0);
  }
  if (!c.ok()) return c.problem(operation);

  ContextRequest req;
  req.api_version = take_string(body, "api_version");
  req.model_id = *take_string(body, "model_id");
  req.version = *take_string(body, "version");
  if (has_relin) req.relin_keys = take_encoded(body["relin_keys"]);
  if (has_galois) req.galois_keys = take_encoded(body["galois_keys"]);
  if (auto it = body.find("ttl_seconds"); it != body.end()) {
    req.ttl_seconds = static_cast<std::int64_t>(Checker::number_value(*it));
  }
  return with_api_version_check(std::move(req));
}

}  // namespace ei::protocol
