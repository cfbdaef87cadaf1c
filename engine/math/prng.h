// SEAL's seeded PRNGs (randomgen.{h,cpp}) and the OS entropy source.
//
// A UniformRandomGenerator turns a 64-byte seed into a byte stream made of 4096-byte blocks
// block(0) ‖ block(1) ‖ …, exactly as SEAL's buffered generators do (seal-compat.md §4):
//   blake2xb: block(c) = BLAKE2Xb(outlen 4096, message = c as 8 LE bytes, key = the 64 seed bytes)
//   shake256: block(c) = SHAKE256(seed ‖ c as 8 LE bytes) squeezed to 4096 bytes (OpenSSL EVP)
// generate() hands out the stream in order however the requests are split, so any sequence of
// calls consuming k bytes sees the same k bytes SEAL's generator would.
//
// Thread-safety: a generator is NOT thread-safe (SEAL's takes a mutex; ours is per-thread).
//   make_os_seeded_prng() and os_random_bytes() are thread-safe.
// Ownership: a generator owns its seed and buffer and wipes both (sodium_memzero) on destruction.
// Errors: make_prng() returns nullptr for PrngType::unknown or when OpenSSL has no SHAKE256;
//   os_random_bytes() aborts if libsodium cannot initialise (no entropy source: unrecoverable).
// Allocation: construction allocates the generator; generate() never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace ei::math {

// SEAL's prng_type byte on the wire.
enum class PrngType : std::uint8_t { unknown = 0, blake2xb = 1, shake256 = 2 };

// SEAL's prng_seed_type (8 u64 words) as its little-endian bytes: exactly the 64 wire bytes.
using PrngSeed = std::array<std::uint8_t, 64>;

class UniformRandomGenerator {
 public:
  static constexpr std::size_t kBufferBytes = 4096;  // SEAL's buffer_size_

  virtual ~UniformRandomGenerator();
  UniformRandomGenerator(const UniformRandomGenerator&) = delete;
  UniformRandomGenerator& operator=(const UniformRandomGenerator&) = delete;

  // Fills `out` with the next out.size() bytes of the stream.
  void generate(std::span<std::uint8_t> out);
  // The next 4 (8) stream bytes as a little-endian integer (SEAL's generate() / RandomToStandardAdapter).
  std::uint32_t generate_u32();
  std::uint64_t generate_u64();

  [[nodiscard]] const PrngSeed& seed() const noexcept { return seed_; }
  [[nodiscard]] PrngType type() const noexcept { return type_; }
  // Number of 4096-byte blocks produced so far (the next block's counter).
  [[nodiscard]] std::uint64_t blocks_generated() const noexcept { return counter_; }

 protected:
  UniformRandomGenerator(PrngType type, const PrngSeed& seed) noexcept;
  // Writes block number `counter` of the stream. Called with counter = 0, 1, 2, … in order.
  virtual void refill(std::span<std::uint8_t, kBufferBytes> block, std::uint64_t counter) = 0;

 private:
  PrngSeed seed_;
  PrngType type_;
  std::uint64_t counter_ = 0;
  std::size_t head_ = kBufferBytes;  // next unread byte of buffer_; == kBufferBytes when empty
  std::array<std::uint8_t, kBufferBytes> buffer_{};
};

// A seeded generator of the given type; nullptr for PrngType::unknown (SEAL: make_prng()).
[[nodiscard]] std::unique_ptr<UniformRandomGenerator> make_prng(PrngType type, const PrngSeed& seed);

// A blake2xb generator with a fresh 64-byte seed from the OS CSPRNG (SEAL's DefaultFactory create()).
[[nodiscard]] std::unique_ptr<UniformRandomGenerator> make_os_seeded_prng();

// Fills `out` from libsodium's randombytes_buf (initialising libsodium once, thread-safely).
void os_random_bytes(std::span<std::uint8_t> out);

}  // namespace ei::math
