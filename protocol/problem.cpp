#include "protocol/problem.h"

namespace ei::protocol {

std::string problem_type(ErrorCode code) {
  std::string out(problem_type_prefix());
  out += code_name(code);
  return out;
}

nlohmann::ordered_json problem_json(const Problem& problem, std::string_view request_id) {
  const CatalogueEntry& e = entry(problem.code);
  nlohmann::ordered_json j;
  j["type"] = problem_type(problem.code);
  j["title"] = std::string(e.title);
  j["status"] = e.http_status;
  std::string detail = problem.detail.empty() ? std::string(e.title) + "." : problem.detail;
  if (detail.size() > 2048) detail.resize(2048);
  j["detail"] = detail;
  j["code"] = std::string(e.name);
  j["retryable"] = e.retryable;
  j["request_id"] = std::string(request_id);
  j["api_version"] = std::string(kApiVersion);
  if (problem.pointer) j["pointer"] = *problem.pointer;
  if (!problem.expected.is_null()) j["expected"] = problem.expected;
  if (!problem.got.is_null()) j["got"] = problem.got;
  if (problem.code == ErrorCode::SCHEMA_VIOLATION) {
    nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    for (const auto& err : problem.errors) {
      if (errors.size() >= kMaxSchemaErrors) break;
      nlohmann::ordered_json item;
      item["pointer"] = err.pointer;
      item["keyword"] = err.keyword;
      item["detail"] = err.detail.empty() ? std::string("violates ") + err.keyword : err.detail;
      errors.push_back(std::move(item));
    }
    if (errors.empty()) {
      errors.push_back({{"pointer", ""}, {"keyword", "type"}, {"detail", "the body does not match the schema"}});
    }
    j["errors"] = std::move(errors);
  }
  return j;
}

std::string render_problem(const Problem& problem, std::string_view request_id) {
  return problem_json(problem, request_id).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string safe_snippet(std::string_view text, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0U) != 0x80U) {
      if (chars == max_chars) {
        out += "...";
        break;
      }
      ++chars;
    }
    if (c < 0x20U || c == 0x7FU || c == '"' || c == '\\') {
      out += '?';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace ei::protocol
