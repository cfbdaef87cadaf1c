// Fuzz target: the protocol's payload encodings (protocol/encoding.h): decode_hex, decode_base64,
// decode, decoded_size_upper_bound, encode_*, parse_encoding.
//
// Invariants, for the input read as text:
// - decoding yields bytes or a DecodeFailure with a short non-empty reason (it cannot quote the input);
// - decoded_size_upper_bound (the server's pre-decoding size check) is at least the decoded size,
//   and equal to it for accepted text;
// - accepted text round-trips: encode(decode(t)) == t for base64 (canonical only), == lower-case t
//   for hex; decode and decode_hex/decode_base64 agree.
// and for the input read as bytes (non-empty):
// - decode(encode(b)) == b and the size bound of encode(b) is exactly |b|.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz/fuzz_common.h"
#include "protocol/encoding.h"

namespace {

using ei::protocol::DecodeFailure;
using ei::protocol::Encoding;

void check_text(Encoding e, std::string_view text) {
  const std::uint64_t bound = ei::protocol::decoded_size_upper_bound(e, text);
  auto r = ei::protocol::decode(e, text);
  auto direct = e == Encoding::hex ? ei::protocol::decode_hex(text) : ei::protocol::decode_base64(text);
  EI_FUZZ_CHECK(r.index() == direct.index(), "decode and decode_<encoding> disagree");
  if (const auto* f = std::get_if<DecodeFailure>(&r)) {
    EI_FUZZ_CHECK(!f->reason.empty(), "a DecodeFailure without a reason");
    // Reasons are short fixed phrases (plus an offset): they cannot carry the payload.
    EI_FUZZ_CHECK(f->reason.size() <= 96, "a failure reason long enough to quote the input");
    return;
  }
  const auto& bytes = std::get<std::vector<std::uint8_t>>(r);
  EI_FUZZ_CHECK(bytes == std::get<std::vector<std::uint8_t>>(direct),
                "decode and decode_<encoding> decode differently");
  EI_FUZZ_CHECK(!bytes.empty(), "decoded to zero bytes");
  EI_FUZZ_CHECK(bound == bytes.size(), "decoded_size_upper_bound is not exact for accepted text");
  std::string canonical(text);
  if (e == Encoding::hex) {
    for (char& c : canonical) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  EI_FUZZ_CHECK(ei::protocol::encode(e, bytes) == canonical, "encode(decode(text)) is not the canonical text");
}

void check_bytes(Encoding e, std::span<const std::uint8_t> bytes) {
  const std::string text = ei::protocol::encode(e, bytes);
  EI_FUZZ_CHECK(ei::protocol::decoded_size_upper_bound(e, text) == bytes.size(), "size bound of encoded bytes");
  auto r = ei::protocol::decode(e, text);
  const auto* out = std::get_if<std::vector<std::uint8_t>>(&r);
  EI_FUZZ_CHECK(out != nullptr, "encoded bytes do not decode: " + std::get<DecodeFailure>(r).reason);
  EI_FUZZ_CHECK(std::equal(out->begin(), out->end(), bytes.begin(), bytes.end()), "decode(encode(b)) != b");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (Encoding e : {Encoding::hex, Encoding::base64}) {
    check_text(e, text);
    if (size > 0) check_bytes(e, ei::fuzz::as_span(data, size));
  }
  auto parsed = ei::protocol::parse_encoding(text);
  EI_FUZZ_CHECK(!parsed || text == ei::protocol::encoding_name(*parsed), "parse_encoding accepted a non-name");
  return 0;
}
