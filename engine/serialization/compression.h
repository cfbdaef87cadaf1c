// zlib / zstd framing of SEAL object payloads (seal-compat.md §1).
//
// Thread-safety: free functions; safe concurrently.
// Errors: DECOMPRESSION_FAILED (corrupt, incomplete or trailing data), LIMIT_EXCEEDED (the
//   decompressed size would exceed max_out: checked from the zstd frame header before allocating,
//   and while inflating for zlib, so a decompression bomb costs at most max_out bytes), INTERNAL.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/status.h"

namespace ei::ser {

enum class Compression : std::uint8_t;

// Compresses `raw` as SEAL does: zlib = deflate level 6 with the zlib wrapper (RFC 1950);
// zstd = one frame at level 3 with the content size in the frame header.
[[nodiscard]] Result<std::vector<std::uint8_t>> compress(Compression mode,
                                                         std::span<const std::uint8_t> raw);

// Decompresses a whole payload; every input byte must belong to the (single) stream or frame.
[[nodiscard]] Result<std::vector<std::uint8_t>> decompress(Compression mode,
                                                           std::span<const std::uint8_t> payload,
                                                           std::uint64_t max_out);

}  // namespace ei::ser
