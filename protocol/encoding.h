// Binary payload encodings of the protocol (docs/api.md §4.6): hex (lower or upper case on input,
// lower case on output) and canonical padded standard base64 (RFC 4648 §4, via libsodium).
//
// Thread-safety: pure functions.
// Ownership: results are owned vectors/strings.
// Errors: decode_* return nullopt-like failures with an English reason (never quoting the input).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ei::protocol {

enum class Encoding : std::uint8_t { hex, base64 };
[[nodiscard]] std::string_view encoding_name(Encoding e) noexcept;
[[nodiscard]] std::optional<Encoding> parse_encoding(std::string_view name) noexcept;

// Decoded size computed from the text length alone, before decoding (docs/api.md §5 step 6):
// hex: floor(len/2); base64: 3*floor(len/4) minus the number of trailing '=' (0..2, only counted
// when the length is a positive multiple of 4). Never allocates.
[[nodiscard]] std::uint64_t decoded_size_upper_bound(Encoding e, std::string_view text) noexcept;

struct DecodeFailure {
  std::string reason;  // e.g. "odd length", "a character outside [0-9a-fA-F]"
};
using DecodeResult = std::variant<std::vector<std::uint8_t>, DecodeFailure>;

// Hex: even length, [0-9a-fA-F] only, at least one byte. Allocates len/2 bytes.
[[nodiscard]] DecodeResult decode_hex(std::string_view text);
// Canonical base64 (standard alphabet, '=' padding exactly where required, length a multiple of
// 4, no whitespace, zero pad bits), at least one byte. Allocates the decoded size.
[[nodiscard]] DecodeResult decode_base64(std::string_view text);
[[nodiscard]] DecodeResult decode(Encoding e, std::string_view text);

// Lower-case hex / padded standard base64. Allocate the result.
[[nodiscard]] std::string encode_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string encode_base64(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string encode(Encoding e, std::span<const std::uint8_t> bytes);

}  // namespace ei::protocol
