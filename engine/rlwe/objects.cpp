#include "engine/rlwe/objects.h"

#include <sodium.h>

#include <utility>

namespace ei::rlwe {

// A moved vector hands its heap block to the destination, so the secret words are never copied;
// the source is then wiped and reset (defensively: std::vector's move assignment leaves the
// source "valid but unspecified").
SecretKey::SecretKey(SecretKey&& other) noexcept : data_(std::move(other.data_)) {
  other.wipe();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    other.wipe();
  }
  return *this;
}

SecretKey::~SecretKey() {
  wipe();
}

void SecretKey::wipe() noexcept {
  auto& words = data_.data;
  if (!words.empty()) sodium_memzero(words.data(), words.size() * sizeof(std::uint64_t));
  // Release the (now zero) block and reset the metadata: a wiped key is an empty key.
  std::vector<std::uint64_t>().swap(words);
  data_.parms_id = kParmsIdZero;
  data_.coeff_count = 0;
  data_.scale = 1.0;
}

}  // namespace ei::rlwe
