#include "engine/rlwe/decryptor.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "engine/limits.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/poly_ops.h"

namespace ei::rlwe {
namespace {

// SEAL's is_valid_for(ct, context) (allow_pure_key_levels = false): metadata, buffer, data.
Result<const ContextData*> check_ciphertext(const Context& context, const Ciphertext& ct) {
  const ContextData* level = context.get_context_data(ct.parms_id);
  if (level == nullptr) {
    return Status(Code::PARMS_ID_UNKNOWN,
                  "ciphertext parms_id " + parms_id_hex(ct.parms_id) + " is not in the context's modulus chain");
  }
  if (level->chain_index() > context.first_context_data().chain_index()) {
    return Status(Code::LEVEL_NOT_ALLOWED, "a ciphertext may not be at the key level");
  }
  if (ct.poly_modulus_degree != level->poly_modulus_degree() || ct.coeff_modulus_size != level->coeff_modulus_size()) {
    return Status(Code::DIMENSION_MISMATCH, "ciphertext has N = " + std::to_string(ct.poly_modulus_degree) +
                                                ", L = " + std::to_string(ct.coeff_modulus_size) +
                                                "; its level has N = " + std::to_string(level->poly_modulus_degree()) +
                                                ", L = " + std::to_string(level->coeff_modulus_size()));
  }
  if (ct.size != 0 && (ct.size < limits::kMinCiphertextSize || ct.size > limits::kMaxCiphertextSize)) {
    return Status(Code::INVALID_SIZE, "ciphertext size " + std::to_string(ct.size) + " is not in [2, 16]");
  }
  if (ct.scale == 0.0) return Status(Code::INVALID_SCALE, "ciphertext scale is zero");
  if (ct.correction_factor != 1) {
    return Status(Code::INVALID_CORRECTION_FACTOR, "ciphertext correction factor is not 1");
  }
  const std::size_t words = static_cast<std::size_t>(ct.size) * ct.poly_words();
  if (ct.data.size() != words) {
    return Status(Code::SIZE_MISMATCH,
                  "ciphertext holds " + std::to_string(ct.data.size()) + " words; size*N*L = " + std::to_string(words));
  }
  for (std::size_t p = 0; p < ct.size; ++p) {
    if (!poly_in_range(ct.poly(p), level->coeff_modulus(), level->poly_modulus_degree())) {
      return Status(Code::COEFF_OUT_OF_RANGE, "a ciphertext coefficient is not below its RNS modulus");
    }
  }
  if (ct.size < limits::kMinCiphertextSize) {
    return Status(Code::INVALID_SIZE, "ciphertext is empty");
  }
  if (!ct.is_ntt_form) {
    return Status(Code::NOT_NTT_FORM, "CKKS ciphertext must be in NTT form");
  }
  return level;
}

}  // namespace

Decryptor::Decryptor(ContextPtr context, const SecretKey& sk) : context_(std::move(context)) {
  EI_DCHECK(context_ != nullptr);
  key_status_ = detail::check_secret_key(*context_, sk);
  if (key_status_.ok()) {
    secret_key_ = SecretKey(Plaintext(sk.data()));
  } else {
    key_status_ = Status(Code::KEY_MISMATCH, key_status_.detail());
  }
}

Status Decryptor::decrypt(const Ciphertext& ct, Plaintext& out) const {
  EI_RETURN_IF_ERROR(key_status_);
  EI_ASSIGN_OR_RETURN(const ContextData* level, check_ciphertext(*context_, ct));
  const std::size_t n = level->poly_modulus_degree();
  const std::span<const math::Modulus> moduli = level->coeff_modulus();
  const std::size_t words = ct.poly_words();
  const std::uint64_t* s = secret_key_.data().data.data();  // key level; first L limbs used

  Plaintext pt;
  pt.data.assign(words, 0);
  if (ct.size == 2) {
    dyadic_product(ct.poly(1), s, moduli, n, pt.data.data());
  } else {
    // Σ_{k ≥ 1} c_k · s^k, the powers built by repeated dyadic products as SEAL does.
    SecretBuffer power(words);
    std::copy(s, s + words, power.data());
    for (std::size_t k = 1; k < ct.size; ++k) {
      if (k > 1) dyadic_product(power.data(), s, moduli, n, power.data());
      dyadic_product_accumulate(ct.poly(k), power.data(), moduli, n, pt.data.data());
    }
  }
  add_poly(pt.data.data(), ct.poly(0), moduli, n, pt.data.data());
  pt.parms_id = ct.parms_id;
  pt.coeff_count = words;
  pt.scale = ct.scale;
  out = std::move(pt);
  return Status::Ok();
}

}  // namespace ei::rlwe
