#include "engine/math/prng.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine/math/blake2.h"

namespace ei::math {

static_assert(std::endian::native == std::endian::little, "PRNG byte order assumes a little-endian host");

namespace {

[[noreturn]] void fatal(const char* what) noexcept {
  std::fprintf(stderr, "ei::math PRNG: %s\n", what);
  std::abort();
}

std::array<std::uint8_t, 8> counter_bytes(std::uint64_t counter) noexcept {
  std::array<std::uint8_t, 8> b;
  std::memcpy(b.data(), &counter, b.size());  // little-endian host
  return b;
}

class Blake2xbPrng final : public UniformRandomGenerator {
 public:
  explicit Blake2xbPrng(const PrngSeed& seed) noexcept : UniformRandomGenerator(PrngType::blake2xb, seed) {}

 protected:
  void refill(std::span<std::uint8_t, kBufferBytes> block, std::uint64_t counter) override {
    const std::array<std::uint8_t, 8> msg = counter_bytes(counter);
    blake2::blake2xb(block, msg, seed());
  }
};

class Shake256Prng final : public UniformRandomGenerator {
 public:
  // Takes ownership of `md` and `ctx` (both non-null).
  Shake256Prng(const PrngSeed& seed, EVP_MD* md, EVP_MD_CTX* ctx) noexcept
      : UniformRandomGenerator(PrngType::shake256, seed), md_(md), ctx_(ctx) {}
  ~Shake256Prng() override {
    EVP_MD_CTX_free(ctx_);  // cleanses the Keccak state
    EVP_MD_free(md_);
  }
  Shake256Prng(const Shake256Prng&) = delete;
  Shake256Prng& operator=(const Shake256Prng&) = delete;

 protected:
  void refill(std::span<std::uint8_t, kBufferBytes> block, std::uint64_t counter) override {
    const std::array<std::uint8_t, 8> ctr = counter_bytes(counter);
    if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 || EVP_DigestUpdate(ctx_, seed().data(), seed().size()) != 1 ||
        EVP_DigestUpdate(ctx_, ctr.data(), ctr.size()) != 1 ||
        EVP_DigestFinalXOF(ctx_, block.data(), block.size()) != 1) {
      fatal("OpenSSL SHAKE256 failed");
    }
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

UniformRandomGenerator::UniformRandomGenerator(PrngType type, const PrngSeed& seed) noexcept
    : seed_(seed), type_(type) {}

UniformRandomGenerator::~UniformRandomGenerator() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(buffer_.data(), buffer_.size());
}

void UniformRandomGenerator::generate(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  const std::size_t total = out.size();
  while (done < total) {
    if (head_ == kBufferBytes) {
      if (total - done >= kBufferBytes) {
        // Whole block requested: produce it in place (same stream, one copy fewer).
        refill(std::span<std::uint8_t, kBufferBytes>(out.data() + done, kBufferBytes), counter_++);
        done += kBufferBytes;
        continue;
      }
      refill(buffer_, counter_++);
      head_ = 0;
    }
    const std::size_t take = std::min(kBufferBytes - head_, total - done);
    std::memcpy(out.data() + done, buffer_.data() + head_, take);
    head_ += take;
    done += take;
  }
}

std::uint32_t UniformRandomGenerator::generate_u32() {
  std::array<std::uint8_t, 4> b;
  generate(b);
  std::uint32_t v;
  std::memcpy(&v, b.data(), b.size());
  return v;
}

std::uint64_t UniformRandomGenerator::generate_u64() {
  std::array<std::uint8_t, 8> b;
  generate(b);
  std::uint64_t v;
  std::memcpy(&v, b.data(), b.size());
  return v;
}

std::unique_ptr<UniformRandomGenerator> make_prng(PrngType type, const PrngSeed& seed) {
  switch (type) {
    case PrngType::blake2xb:
      return std::make_unique<Blake2xbPrng>(seed);
    case PrngType::shake256: {
      EVP_MD* md = EVP_MD_fetch(nullptr, "SHAKE256", nullptr);
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      if (md == nullptr || ctx == nullptr) {
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
        return nullptr;
      }
      return std::make_unique<Shake256Prng>(seed, md, ctx);
    }
    case PrngType::unknown:
      break;
  }
  return nullptr;
}

void os_random_bytes(std::span<std::uint8_t> out) {
  static const bool initialised = sodium_init() >= 0;  // thread-safe static init; 1 = already done
  if (!initialised) fatal("libsodium initialisation failed");
  randombytes_buf(out.data(), out.size());
}

std::unique_ptr<UniformRandomGenerator> make_os_seeded_prng() {
  PrngSeed seed;
  os_random_bytes(seed);
  auto prng = make_prng(PrngType::blake2xb, seed);
  sodium_memzero(seed.data(), seed.size());
  return prng;
}

}  // namespace ei::math
