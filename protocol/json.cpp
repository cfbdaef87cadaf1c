#include "protocol/json.h"

#include <cmath>
#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "protocol/problem.h"

namespace ei::protocol {
namespace {

using nlohmann::json;

// SAX handler that builds a DOM while enforcing depth and rejecting duplicate member names.
class StrictSax {
 public:
  StrictSax(std::size_t max_depth, const char* const* cursor, const char* base)
      : max_depth_(max_depth), cursor_(cursor), base_(base) {}

  bool null() { return put(json(nullptr)); }
  bool boolean(bool v) { return put(json(v)); }
  bool number_integer(json::number_integer_t v) { return put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return put(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) {
    if (!std::isfinite(v)) return fail("a number is not representable as a finite double", 0);
    return put(json(v));
  }
  bool string(json::string_t& v) {
    if (long_strings_ != nullptr && !v.empty() && v[0] == kMarkerLead) {
      // A placeholder of the fast path must come exactly in order; anything else (a client string
      // that happens to look like one) makes the fast path give up (the caller re-parses).
      if (v == marker(next_long_) && next_long_ < long_strings_->size()) {
        return put(json(std::move((*long_strings_)[next_long_++])));
      }
      irregular_ = true;
    }
    return put(json(std::move(v)));
  }
  bool binary(json::binary_t& /*v*/) { return fail("binary values are not JSON", 0); }

  bool start_object(std::size_t /*n*/) {
    if (stack_.size() + 1 > max_depth_) return fail_depth();
    json* slot = place(json(json::value_t::object));
    if (slot == nullptr) return false;
    stack_.push_back(slot);
    return true;
  }
  bool key(json::string_t& k) {
    json* obj = stack_.back();
    if (obj->contains(k)) {
      return fail("duplicate member name \"" + safe_snippet(k) + "\"", 0);
    }
    pending_ = &(*obj)[std::move(k)];
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*n*/) {
    if (stack_.size() + 1 > max_depth_) return fail_depth();
    json* slot = place(json(json::value_t::array));
    if (slot == nullptr) return false;
    stack_.push_back(slot);
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    // ex.what() may quote the offending token (payload bytes): classify, never copy.
    const std::string what = ex.what();
    std::string reason = "syntax error";
    if (what.find("unexpected end of input") != std::string::npos ||
        what.find("end of input") != std::string::npos) {
      reason = "unexpected end of input";
    } else if (what.find("UTF-8") != std::string::npos || what.find("utf-8") != std::string::npos) {
      reason = "invalid UTF-8";
    } else if (what.find("surrogate") != std::string::npos) {
      reason = "invalid \\u escape (unpaired surrogate)";
    } else if (what.find("control character") != std::string::npos) {
      reason = "unescaped control character in a string";
    } else if (what.find("number overflow") != std::string::npos || ex.id == 406) {
      reason = "a number is not representable as a finite double";
    } else if (what.find("expected end of input") != std::string::npos) {
      reason = "trailing data after the JSON value";
    } else if (what.find("invalid literal") != std::string::npos) {
      reason = "invalid literal";
    } else if (what.find("invalid number") != std::string::npos) {
      reason = "invalid number";
    } else if (what.find("escape") != std::string::npos) {
      reason = "invalid escape sequence";
    }
    if (!error_) {
      error_ = true;
      ijson_ = false;
      reason_ = reason;
      position_ = position;
    }
    return false;
  }

  // Fast path: values equal to marker(i) are replaced, in order, by (*strings)[i].
  void use_long_strings(std::vector<std::string>* strings) { long_strings_ = strings; }
  [[nodiscard]] bool fast_path_consistent() const noexcept {
    return !irregular_ && (long_strings_ == nullptr || next_long_ == long_strings_->size());
  }
  static std::string marker(std::size_t i) { return std::string(1, kMarkerLead) + "EI-LONG-STRING:" + std::to_string(i); }
  static constexpr char kMarkerLead = '\x01';

  [[nodiscard]] bool failed() const noexcept { return error_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
  [[nodiscard]] std::size_t position() const noexcept { return position_; }
  [[nodiscard]] bool ijson_violation() const noexcept { return ijson_; }
  json take() { return std::move(root_); }

 private:
  json* place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json* top = stack_.back();
    if (top->is_array()) {
      top->push_back(std::move(value));
      return &top->back();
    }
    *pending_ = std::move(value);
    return pending_;
  }
  bool put(json value) { return place(std::move(value)) != nullptr; }
  bool fail(std::string reason, std::size_t /*position*/) {
    if (!error_) {
      error_ = true;
      ijson_ = true;
      reason_ = std::move(reason);
      position_ = cursor_ != nullptr ? static_cast<std::size_t>(*cursor_ - base_) : 0;
    }
    return false;
  }
  bool fail_depth() {
    return fail("nesting deeper than " + std::to_string(max_depth_) + " arrays/objects", 0);
  }

  std::vector<std::string>* long_strings_ = nullptr;
  std::size_t next_long_ = 0;
  bool irregular_ = false;
  std::size_t max_depth_;
  const char* const* cursor_;
  const char* base_;
  json root_;
  std::vector<json*> stack_;
  json* pending_ = nullptr;
  bool error_ = false;
  bool ijson_ = false;
  std::string reason_;
  std::size_t position_ = 0;
};

// An input iterator over the body whose position is shared with the SAX handler, so semantic
// failures (duplicate names, depth) can report the byte offset the lexer had reached.
class CursorIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  explicit CursorIterator(const char** cursor) : cursor_(cursor) {}
  reference operator*() const { return **cursor_; }
  CursorIterator& operator++() {
    ++*cursor_;
    return *this;
  }
  CursorIterator operator++(int) {
    CursorIterator tmp = *this;
    ++*cursor_;
    return tmp;
  }
  bool operator==(const CursorIterator& other) const { return *cursor_ == *other.cursor_; }
  bool operator!=(const CursorIterator& other) const { return !(*this == other); }

 private:
  const char** cursor_;
};

constexpr std::size_t kFastPathMinBody = 64 * 1024;
constexpr std::size_t kLongString = 512;

// Cuts string values of at least kLongString bytes consisting only of printable ASCII (no '"',
// no '\\') out of `body`, replacing each by a marker string. Keys (strings followed by ':') are
// never cut. Returns false when nothing was cut. The scan tracks string boundaries like a JSON
// lexer (escapes skip one character), so markers land exactly where the values were; whether
// the rest is valid JSON is left to the parser.
bool extract_long_strings(std::string_view body, std::vector<std::string>& strings, std::string& skeleton) {
  skeleton.clear();
  skeleton.reserve(4096);
  std::size_t copied = 0;  // body[0, copied) is in the skeleton
  std::size_t i = 0;
  const std::size_t n = body.size();
  while (i < n) {
    if (body[i] != '"') {
      ++i;
      continue;
    }
    // A string starts at i.
    std::size_t j = i + 1;
    bool plain = true;
    while (j < n) {
      const auto c = static_cast<unsigned char>(body[j]);
      if (c == '"') break;
      if (c == '\\') {
        plain = false;
        j += 2;
        continue;
      }
      if (c < 0x20 || c > 0x7E) plain = false;
      ++j;
    }
    if (j >= n) break;  // unterminated: the parser reports it
    const std::size_t len = j - i - 1;
    std::size_t k = j + 1;
    while (k < n && (body[k] == ' ' || body[k] == '\t' || body[k] == '\n' || body[k] == '\r')) ++k;
    const bool is_key = k < n && body[k] == ':';
    if (plain && !is_key && len >= kLongString) {
      skeleton.append(body.substr(copied, i - copied));
      skeleton += "\"\\u0001EI-LONG-STRING:" + std::to_string(strings.size()) + "\"";
      strings.emplace_back(body.substr(i + 1, len));
      copied = j + 1;
    }
    i = j + 1;
  }
  if (strings.empty()) return false;
  skeleton.append(body.substr(copied));
  return true;
}

JsonParseResult parse_strict(std::string_view body, const JsonLimits& limits) {
  const char* cursor = body.data();
  const char* end_ptr = body.data() + body.size();
  StrictSax sax(limits.max_depth, &cursor, body.data());
  bool ok = false;
  try {
    ok = json::sax_parse(CursorIterator(&cursor), CursorIterator(&end_ptr), &sax,
                         json::input_format_t::json, true, false);
  } catch (...) {
    ok = false;
  }
  if (!ok || sax.failed()) {
    std::string kind = sax.ijson_violation() ? "I-JSON" : "JSON";
    std::string reason = sax.failed() ? sax.reason() : std::string("syntax error");
    std::size_t at = sax.position();
    std::string detail = "The request body is not valid " + kind + ": " + reason;
    detail += " at byte " + std::to_string(at);
    detail += ".";
    return JsonError{std::move(detail), at, false};
  }
  return sax.take();
}

}  // namespace

JsonParseResult parse_json(std::string_view body, const JsonLimits& limits) {
  if (body.size() > limits.max_bytes) {
    return JsonError{"The request body is " + std::to_string(body.size()) + " bytes; the limit is " +
                         std::to_string(limits.max_bytes) + " bytes.",
                     0, true};
  }
  if (body.empty()) {
    return JsonError{"The request body is not valid JSON: the body is empty.", 0, false};
  }
  if (body.size() >= 3 && static_cast<unsigned char>(body[0]) == 0xEF &&
      static_cast<unsigned char>(body[1]) == 0xBB && static_cast<unsigned char>(body[2]) == 0xBF) {
    return JsonError{"The request body is not valid I-JSON: it starts with a byte order mark.", 0, false};
  }
  // Fast path for bodies dominated by long payload strings (a v1.0 request is 12.6 MB of hex):
  // the lexer costs ~6 ns per string byte, so long plain-ASCII string values are cut out by a
  // simple scan and the small skeleton is parsed; the values are put back through the SAX
  // handler. Any doubt (the skeleton fails, or a marker is out of order) falls back to the full
  // parse of the original body, which also produces the exact error position.
  if (body.size() >= kFastPathMinBody) {
    std::vector<std::string> strings;
    std::string skeleton;
    if (extract_long_strings(body, strings, skeleton)) {
      StrictSax fast(limits.max_depth, nullptr, nullptr);
      fast.use_long_strings(&strings);
      bool ok = false;
      try {
        ok = json::sax_parse(skeleton.data(), skeleton.data() + skeleton.size(), &fast, json::input_format_t::json,
                             true, false);
      } catch (...) {
        ok = false;
      }
      if (ok && !fast.failed() && fast.fast_path_consistent()) return fast.take();
    }
  }
  return parse_strict(body, limits);
}

std::string_view json_type_name(const nlohmann::json& value) {
  switch (value.type()) {
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::null: return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return is_integral_number(value) ? "integer" : "number";
    default: return "unknown";
  }
}

bool is_integral_number(const nlohmann::json& value) {
  if (value.is_number_integer()) return true;  // includes unsigned
  if (value.is_number_float()) {
    const double d = value.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

}  // namespace ei::protocol
