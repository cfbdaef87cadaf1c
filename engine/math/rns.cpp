#include "engine/math/rns.h"

#include <algorithm>
#include <string>

namespace ei::math {

namespace {

// acc[0..len) = a[0..len) * b; the product must fit in len words (it does here: a < Q/q_i, b < q_i).
void mul_words_scalar(const std::uint64_t* a, std::size_t len, std::uint64_t b, std::uint64_t* acc) noexcept {
  std::uint64_t carry = 0;
  for (std::size_t w = 0; w < len; ++w) {
    const uint128_t p = mul_wide(a[w], b) + carry;
    acc[w] = lo64(p);
    carry = hi64(p);
  }
}

// acc += a * b over len words (the caller guarantees no overflow out of the top word).
void mul_add_words_scalar(const std::uint64_t* a, std::size_t len, std::uint64_t b, std::uint64_t* acc) noexcept {
  std::uint64_t carry = 0;
  for (std::size_t w = 0; w < len; ++w) {
    const uint128_t p = mul_wide(a[w], b) + acc[w] + carry;  // < 2^128
    acc[w] = lo64(p);
    carry = hi64(p);
  }
}

bool geq_words(const std::uint64_t* a, const std::uint64_t* b, std::size_t len) noexcept {
  for (std::size_t w = len; w-- > 0;) {
    if (a[w] != b[w]) return a[w] > b[w];
  }
  return true;
}

void sub_words_inplace(std::uint64_t* a, const std::uint64_t* b, std::size_t len) noexcept {
  std::uint64_t borrow = 0;
  for (std::size_t w = 0; w < len; ++w) {
    const std::uint64_t d = a[w] - b[w];
    const std::uint64_t borrow_out = (a[w] < b[w]) || (d < borrow) ? 1 : 0;
    a[w] = d - borrow;
    borrow = borrow_out;
  }
}

}  // namespace

Result<RnsBase> RnsBase::create(std::vector<Modulus> moduli) {
  if (moduli.empty()) return Status(Code::INVALID_PARAMETERS, "RNS base is empty");
  const std::size_t len = moduli.size();
  for (std::size_t i = 0; i < len; ++i) {
    if (moduli[i].value() < 2) {
      return Status(Code::INVALID_PARAMETERS, "RNS base modulus " + std::to_string(i) + " is zero");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (gcd(moduli[i].value(), moduli[j].value()) != 1) {
        return Status(Code::INVALID_PARAMETERS, "RNS base moduli " + std::to_string(j) + " (" +
                                                    std::to_string(moduli[j].value()) + ") and " + std::to_string(i) +
                                                    " (" + std::to_string(moduli[i].value()) + ") are not coprime");
      }
    }
  }
  RnsBase b;
  b.moduli_ = std::move(moduli);
  b.base_prod_.assign(len, 0);
  b.punctured_prod_.assign(len * len, 0);
  b.inv_punctured_.resize(len);
  for (std::size_t i = 0; i < len; ++i) {
    std::uint64_t* row = b.punctured_prod_.data() + i * len;
    row[0] = 1;
    for (std::size_t j = 0; j < len; ++j) {
      if (j != i) mul_words_scalar(row, len, b.moduli_[j].value(), row);  // partial product fits
    }
    const std::uint64_t punct_mod = reduce_multiword(std::span<const std::uint64_t>(row, len), b.moduli_[i]);
    const auto inv = inv_mod(punct_mod, b.moduli_[i]);
    if (!inv) return Status(Code::INVALID_PARAMETERS, "RNS base punctured product is not invertible");
    b.inv_punctured_[i] = make_shoup(*inv, b.moduli_[i]);
  }
  // Q = (Q / q_0) * q_0.
  mul_words_scalar(b.punctured_prod_.data(), len, b.moduli_[0].value(), b.base_prod_.data());
  return b;
}

void RnsBase::compose_strided(const std::uint64_t* residues, std::size_t stride, std::uint64_t* out) const noexcept {
  const std::size_t len = size();
  if (len == 1) {
    out[0] = residues[0];
    return;
  }
  std::fill_n(out, len, std::uint64_t{0});
  const std::uint64_t* q_words = base_prod_.data();
  for (std::size_t i = 0; i < len; ++i) {
    EI_DCHECK(residues[i * stride] < moduli_[i].value());
    // X = Σ [r_i (Q/q_i)^-1 mod q_i] (Q/q_i) mod Q. Each term is < Q and the running sum stays
    // < 2Q < 2^(64 len) because Q < 2^(61 len); one conditional subtraction keeps it in [0, Q).
    const std::uint64_t t = mul_mod_shoup(residues[i * stride], inv_punctured_[i], moduli_[i]);
    mul_add_words_scalar(punctured_prod_.data() + i * len, len, t, out);
    if (geq_words(out, q_words, len)) sub_words_inplace(out, q_words, len);
  }
}

void RnsBase::compose(std::span<const std::uint64_t> residues, std::span<std::uint64_t> out_words) const noexcept {
  EI_DCHECK(residues.size() == size() && out_words.size() == size());
  compose_strided(residues.data(), 1, out_words.data());
}

void RnsBase::compose_array(const std::uint64_t* data, std::size_t n, std::uint64_t* out) const {
  const std::size_t len = size();
  for (std::size_t c = 0; c < n; ++c) compose_strided(data + c, n, out + c * len);
}

}  // namespace ei::math
