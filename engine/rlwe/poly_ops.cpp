#include "engine/rlwe/poly_ops.h"

#include <sodium.h>

#include <utility>

#include "engine/status.h"

namespace ei::rlwe {

SecretBuffer::SecretBuffer(SecretBuffer&& other) noexcept : words_(std::move(other.words_)) {
  other.wipe();
  other.words_.clear();
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    wipe();
    words_ = std::move(other.words_);
    other.wipe();  // moved-from storage, if any was left behind, holds no secret
    other.words_.clear();
  }
  return *this;
}

SecretBuffer::~SecretBuffer() {
  wipe();
}

void SecretBuffer::wipe() noexcept {
  if (!words_.empty()) sodium_memzero(words_.data(), words_.size() * sizeof(std::uint64_t));
}

void add_poly(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli, std::size_t n,
              std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = math::add_mod(a[off + i], b[off + i], q);
  }
}

void sub_poly(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli, std::size_t n,
              std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = math::sub_mod(a[off + i], b[off + i], q);
  }
}

void negate_poly(const std::uint64_t* a, std::span<const math::Modulus> moduli, std::size_t n,
                 std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = math::negate_mod(a[off + i], q);
  }
}

void dyadic_product(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli,
                    std::size_t n, std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = math::mul_mod(a[off + i], b[off + i], q);
  }
}

void dyadic_product_accumulate(const std::uint64_t* a, const std::uint64_t* b, std::span<const math::Modulus> moduli,
                               std::size_t n, std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) {
      out[off + i] = math::add_mod(out[off + i], math::mul_mod(a[off + i], b[off + i], q), q);
    }
  }
}

void multiply_poly_scalar(const std::uint64_t* a, std::uint64_t scalar, std::span<const math::Modulus> moduli,
                          std::size_t n, std::uint64_t* out) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const math::Modulus& q = moduli[j];
    const math::ShoupOperand s = math::make_shoup(math::reduce(scalar, q), q);
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = math::mul_mod_shoup(a[off + i], s, q);
  }
}

bool poly_in_range(const std::uint64_t* a, std::span<const math::Modulus> moduli, std::size_t n) noexcept {
  for (std::size_t j = 0; j < moduli.size(); ++j) {
    const std::uint64_t q = moduli[j].value();
    const std::uint64_t* limb = a + j * n;
    std::uint64_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) bad |= static_cast<std::uint64_t>(limb[i] >= q);
    if (bad != 0) return false;
  }
  return true;
}

void ntt_forward(const ContextData& level, std::uint64_t* poly, std::size_t limb_count) noexcept {
  EI_DCHECK(limb_count <= level.coeff_modulus_size());
  const std::size_t n = level.poly_modulus_degree();
  for (std::size_t j = 0; j < limb_count; ++j) level.ntt(j).forward(poly + j * n);
}

void ntt_inverse(const ContextData& level, std::uint64_t* poly, std::size_t limb_count) noexcept {
  EI_DCHECK(limb_count <= level.coeff_modulus_size());
  const std::size_t n = level.poly_modulus_degree();
  for (std::size_t j = 0; j < limb_count; ++j) level.ntt(j).inverse(poly + j * n);
}

void divide_and_round_q_last_ntt(const ContextData& level, std::uint64_t* poly) {
  const std::size_t limbs = level.coeff_modulus_size();
  EI_DCHECK(limbs >= 2);
  const std::size_t n = level.poly_modulus_degree();
  const std::span<const math::Modulus> moduli = level.coeff_modulus();
  const std::span<const std::uint64_t> inv_last = level.inv_last_coeff_mod();
  EI_DCHECK(inv_last.size() + 1 == limbs);

  const std::size_t last = limbs - 1;
  const math::Modulus& q_last = moduli[last];
  std::uint64_t* last_limb = poly + last * n;

  // x = INTT(c_last) + floor(q_last / 2) mod q_last: turns the floor below into a rounding.
  level.ntt(last).inverse(last_limb);
  const std::uint64_t half = q_last.value() >> 1;
  for (std::size_t k = 0; k < n; ++k) last_limb[k] = math::add_mod(last_limb[k], half, q_last);

  // Wiped scratch: in public-key encryption it holds the dropped limb of u·pk + e, which SEAL
  // also keeps only in a clear-on-destruction pool.
  SecretBuffer scratch(n);
  std::uint64_t* temp = scratch.data();
  for (std::size_t i = 0; i < last; ++i) {
    const math::Modulus& qi = moduli[i];
    // t = NTT_{q_i}((x − floor(q_last / 2)) mod q_i): the centered remainder of the input mod
    // q_last, lifted to q_i. SEAL adds q_i − (half mod q_i) lazily; the value mod q_i is the same.
    const std::uint64_t half_mod = math::reduce(half, qi);
    for (std::size_t k = 0; k < n; ++k) {
      temp[k] = math::sub_mod(math::reduce(last_limb[k], qi), half_mod, qi);
    }
    level.ntt(i).forward(temp);
    // c_i = (c_i − t) · q_last^{−1} mod q_i.
    const math::ShoupOperand inv = math::make_shoup(inv_last[i], qi);
    std::uint64_t* limb = poly + i * n;
    for (std::size_t k = 0; k < n; ++k) {
      limb[k] = math::mul_mod_shoup(math::sub_mod(limb[k], temp[k], qi), inv, qi);
    }
  }
}

}  // namespace ei::rlwe
