#include "engine/serialization/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <limits>

#include "engine/serialization/serialization.h"

namespace ei::ser {
namespace {

Result<std::vector<std::uint8_t>> zlib_compress(std::span<const std::uint8_t> raw) {
  if (raw.size() > std::numeric_limits<uLong>::max()) {
    return Status(Code::LIMIT_EXCEEDED, "object too large to compress");
  }
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> out(bound);
  // compress2 = deflateInit(level) + deflate(Z_FINISH): the zlib wrapper, as SEAL writes.
  int rc = compress2(out.data(), &bound, raw.data(), static_cast<uLong>(raw.size()),
                     Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) return Status(Code::INTERNAL, "zlib compression failed");
  out.resize(bound);
  return out;
}

Result<std::vector<std::uint8_t>> zstd_compress(std::span<const std::uint8_t> raw) {
  std::vector<std::uint8_t> out(ZSTD_compressBound(raw.size()));
  std::size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3);
  if (ZSTD_isError(n) != 0U) return Status(Code::INTERNAL, "zstd compression failed");
  out.resize(n);
  return out;
}

Result<std::vector<std::uint8_t>> zlib_decompress(std::span<const std::uint8_t> payload,
                                                  std::uint64_t max_out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status(Code::INTERNAL, "zlib init failed");
  std::vector<std::uint8_t> out;
  // Grow geometrically from a small start: allocation tracks real output, capped by max_out.
  std::size_t capacity = static_cast<std::size_t>(std::min<std::uint64_t>(max_out, 1 << 16));
  out.resize(capacity);
  zs.next_in = const_cast<Bytef*>(payload.data());  // NOLINT: zlib's API is not const-correct
  std::size_t remaining_in = payload.size();
  int rc = Z_OK;
  std::size_t produced = 0;
  while (true) {
    if (zs.avail_in == 0 && remaining_in > 0) {
      auto chunk = static_cast<uInt>(std::min<std::size_t>(remaining_in, 1U << 30));
      zs.avail_in = chunk;
      remaining_in -= chunk;
    }
    if (produced == out.size()) {
      if (out.size() >= max_out) {
        inflateEnd(&zs);
        return Status(Code::LIMIT_EXCEEDED, "zlib payload inflates beyond " +
                                                std::to_string(max_out) + " bytes");
      }
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(max_out, out.size() * 2)));
    }
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size() - produced, 1U << 30));
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    produced += before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && remaining_in == 0) break;  // input exhausted
  }
  const bool trailing = zs.avail_in != 0 || remaining_in != 0;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status(Code::DECOMPRESSION_FAILED, "zlib stream is corrupt or incomplete");
  }
  if (trailing) return Status(Code::DECOMPRESSION_FAILED, "bytes follow the end of the zlib stream");
  out.resize(produced);
  return out;
}

Result<std::vector<std::uint8_t>> zstd_decompress(std::span<const std::uint8_t> payload,
                                                  std::uint64_t max_out) {
  std::size_t frame = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
  if (ZSTD_isError(frame) != 0U) {
    return Status(Code::DECOMPRESSION_FAILED, "zstd frame is corrupt or incomplete");
  }
  if (frame != payload.size()) {
    return Status(Code::DECOMPRESSION_FAILED, "bytes follow the end of the zstd frame");
  }
  unsigned long long declared = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return Status(Code::DECOMPRESSION_FAILED, "zstd frame header is invalid");
  }
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    // SEAL always records the content size; without it we cannot bound before allocating.
    return Status(Code::DECOMPRESSION_FAILED, "zstd frame does not declare its content size");
  }
  if (declared > max_out) {
    return Status(Code::LIMIT_EXCEEDED, "zstd frame declares " + std::to_string(declared) +
                                            " bytes, over the bound of " + std::to_string(max_out));
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(declared));
  std::size_t n = ZSTD_decompress(out.data(), out.size(), payload.data(), payload.size());
  if (ZSTD_isError(n) != 0U || n != out.size()) {
    return Status(Code::DECOMPRESSION_FAILED, "zstd frame is corrupt");
  }
  return out;
}

}  // namespace

Result<std::vector<std::uint8_t>> compress(Compression mode, std::span<const std::uint8_t> raw) {
  switch (mode) {
    case Compression::none:
      return std::vector<std::uint8_t>(raw.begin(), raw.end());
    case Compression::zlib:
      return zlib_compress(raw);
    case Compression::zstd:
      return zstd_compress(raw);
  }
  return Status(Code::UNSUPPORTED_COMPRESSION, "unknown compression mode");
}

Result<std::vector<std::uint8_t>> decompress(Compression mode, std::span<const std::uint8_t> payload,
                                             std::uint64_t max_out) {
  switch (mode) {
    case Compression::none:
      if (payload.size() > max_out) return Status(Code::LIMIT_EXCEEDED, "object too large");
      return std::vector<std::uint8_t>(payload.begin(), payload.end());
    case Compression::zlib:
      return zlib_decompress(payload, max_out);
    case Compression::zstd:
      return zstd_decompress(payload, max_out);
  }
  return Status(Code::UNSUPPORTED_COMPRESSION, "unknown compression mode");
}

}  // namespace ei::ser
