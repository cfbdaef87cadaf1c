// Fuzz target: ser::parse_header, the 16-byte SEAL header every top-level and nested object
// starts with.
//
// Invariants:
// - any input yields a header or an error Status with a catalogued code other than INTERNAL;
//   inputs shorter than 16 bytes are TRUNCATED;
// - an accepted header has magic 0xA15E, header_size 16, version 4.1, compression 0…2, and its
//   fields re-encode (little-endian) to exactly the first 16 input bytes;
// - only the first 16 bytes matter: appending or truncating after them changes nothing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = ei::fuzz::as_span(data, size);
  auto h = ei::ser::parse_header(input);
  if (size < ei::limits::kSealHeaderBytes) {
    EI_FUZZ_CHECK(!h.ok() && h.status().code() == ei::Code::TRUNCATED, "a short input is not TRUNCATED");
    return 0;
  }
  auto first16 = ei::ser::parse_header(input.first(ei::limits::kSealHeaderBytes));
  EI_FUZZ_CHECK(first16.ok() == h.ok(), "bytes after the header changed the verdict");
  if (!h.ok()) {
    ei::fuzz::check_error_status(h.status(), "parse_header");
    EI_FUZZ_CHECK(first16.status().code() == h.status().code(), "bytes after the header changed the code");
    return 0;
  }
  const auto& v = h.value();
  EI_FUZZ_CHECK(v.magic == 0xA15E, "accepted a wrong magic");
  EI_FUZZ_CHECK(v.header_size == 16, "accepted a header size other than 16");
  EI_FUZZ_CHECK(v.version_major == 4 && v.version_minor == 1, "accepted a version other than 4.1");
  EI_FUZZ_CHECK(v.compr_mode <= 2, "accepted an unknown compression byte");
  std::vector<std::uint8_t> enc;
  auto put = [&enc](std::uint64_t x, int n) {
    for (int i = 0; i < n; ++i) enc.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  };
  put(v.magic, 2);
  put(v.header_size, 1);
  put(v.version_major, 1);
  put(v.version_minor, 1);
  put(v.compr_mode, 1);
  put(v.reserved, 2);
  put(v.size, 8);
  EI_FUZZ_CHECK(std::equal(enc.begin(), enc.end(), input.begin()), "parsed fields do not re-encode to the input");
  const auto& w = first16.value();
  EI_FUZZ_CHECK(w.size == v.size && w.reserved == v.reserved && w.compr_mode == v.compr_mode,
                "bytes after the header changed the fields");
  return 0;
}
