#include "server/app/auth.h"

#include <fstream>
#include <sstream>

#include <sodium.h>

#include "protocol/encoding.h"
#include "protocol/syntax.h"

namespace ei::server {
namespace {

bool b64token(std::string_view s) {
  // RFC 6750: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '+' || c == '/') {
      ++i;
    } else {
      break;
    }
  }
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string ApiKeys::sha256_hex(std::string_view data) {
  if (sodium_init() < 0) return {};
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return protocol::encode_hex(out);
}

Result<ApiKeys> ApiKeys::parse(std::string_view text, const std::string& name) {
  ApiKeys keys;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    const std::size_t sp = line.find_first_of(" \t");
    const std::string where = name + ":" + std::to_string(line_no);
    if (sp == std::string_view::npos) return Status(Code::INVALID_ARGUMENT, where + ": expected \"<sha256 hex> <tenant>\"");
    std::string_view hash = line.substr(0, sp);
    std::string_view tenant = line.substr(sp + 1);
    while (!tenant.empty() && (tenant.front() == ' ' || tenant.front() == '\t')) tenant.remove_prefix(1);
    if (hash.size() != 64) return Status(Code::INVALID_ARGUMENT, where + ": the hash must be 64 hex digits");
    auto decoded = protocol::decode_hex(hash);
    if (!std::holds_alternative<std::vector<std::uint8_t>>(decoded)) {
      return Status(Code::INVALID_ARGUMENT, where + ": the hash must be 64 hex digits");
    }
    if (!protocol::is_valid_tenant(tenant)) {
      return Status(Code::INVALID_ARGUMENT, where + ": invalid tenant (1-64 of [A-Za-z0-9_.-], starting alphanumeric)");
    }
    Entry e;
    const auto& bytes = std::get<std::vector<std::uint8_t>>(decoded);
    std::copy(bytes.begin(), bytes.end(), e.hash.begin());
    e.tenant = std::string(tenant);
    keys.entries_.push_back(std::move(e));
    if (end == text.size()) break;
  }
  if (keys.entries_.empty()) return Status(Code::INVALID_ARGUMENT, name + ": no API keys");
  return keys;
}

Result<ApiKeys> ApiKeys::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::INVALID_ARGUMENT, path + ": cannot read the API keys file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::optional<std::string> ApiKeys::authenticate(std::string_view authorization) const {
  if (authorization.size() < 8 || !iequals(authorization.substr(0, 6), "bearer") || authorization[6] != ' ') {
    return std::nullopt;
  }
  const std::string_view key = authorization.substr(7);
  if (!b64token(key) || sodium_init() < 0) return std::nullopt;
  std::array<std::uint8_t, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(key.data()), key.size());
  const Entry* found = nullptr;
  for (const auto& e : entries_) {  // no early exit: the time does not depend on which key matched
    if (sodium_memcmp(e.hash.data(), digest.data(), digest.size()) == 0) found = &e;
  }
  sodium_memzero(digest.data(), digest.size());
  if (found == nullptr) return std::nullopt;
  return found->tenant;
}

}  // namespace ei::server
