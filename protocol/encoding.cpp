#include "protocol/encoding.h"

#include <array>

#include <sodium.h>

namespace ei::protocol {
namespace {

constexpr std::array<std::int8_t, 256> make_hex_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(c - 'A' + 10);
  return t;
}
constexpr auto kHex = make_hex_table();

bool is_b64_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool sodium_ready() noexcept {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

}  // namespace

std::string_view encoding_name(Encoding e) noexcept { return e == Encoding::hex ? "hex" : "base64"; }

std::optional<Encoding> parse_encoding(std::string_view name) noexcept {
  if (name == "hex") return Encoding::hex;
  if (name == "base64") return Encoding::base64;
  return std::nullopt;
}

std::uint64_t decoded_size_upper_bound(Encoding e, std::string_view text) noexcept {
  if (e == Encoding::hex) return text.size() / 2;
  const std::uint64_t groups = text.size() / 4;
  std::uint64_t pad = 0;
  if (groups > 0 && text.size() % 4 == 0) {
    if (text[text.size() - 1] == '=') ++pad;
    if (text[text.size() - 2] == '=') ++pad;
  }
  return 3 * groups - pad;
}

DecodeResult decode_hex(std::string_view text) {
  if (text.empty()) return DecodeFailure{"it is empty"};
  if (text.size() % 2 != 0) return DecodeFailure{"odd length"};
  std::vector<std::uint8_t> out(text.size() / 2);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = kHex[p[2 * i]];
    const int lo = kHex[p[2 * i + 1]];
    if ((hi | lo) < 0) {
      return DecodeFailure{"a character outside [0-9a-fA-F] at offset " +
                           std::to_string(hi < 0 ? 2 * i : 2 * i + 1)};
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

DecodeResult decode_base64(std::string_view text) {
  if (text.empty()) return DecodeFailure{"it is empty"};
  if (text.size() % 4 != 0) return DecodeFailure{"its length is not a multiple of 4"};
  // Alphabet and padding position check first, for precise reasons (libsodium re-checks all).
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    if (!is_b64_char(text[i])) {
      if (text[i] == '=') return DecodeFailure{"'=' padding appears before the end"};
      if (text[i] == '-' || text[i] == '_') return DecodeFailure{"base64url characters are not accepted"};
      return DecodeFailure{"a character outside the base64 alphabet at offset " + std::to_string(i)};
    }
  }
  const std::uint64_t size = decoded_size_upper_bound(Encoding::base64, text);
  if (size == 0) return DecodeFailure{"it decodes to zero bytes"};
  if (!sodium_ready()) return DecodeFailure{"the base64 decoder is unavailable"};
  std::vector<std::uint8_t> out(size);
  std::size_t written = 0;
  const int rc = sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &written,
                                   nullptr, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || written != size) {
    return DecodeFailure{"it is not canonical base64 (non-zero pad bits or wrong padding)"};
  }
  return out;
}

DecodeResult decode(Encoding e, std::string_view text) {
  return e == Encoding::hex ? decode_hex(text) : decode_base64(text);
}

std::string encode_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0F];
  }
  return out;
}

std::string encode_base64(std::span<const std::uint8_t> bytes) {
  if (!sodium_ready()) return {};
  const std::size_t len = sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(len, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(len - 1);  // drop the terminating NUL
  return out;
}

std::string encode(Encoding e, std::span<const std::uint8_t> bytes) {
  return e == Encoding::hex ? encode_hex(bytes) : encode_base64(bytes);
}

}  // namespace ei::protocol
