#include "engine/rlwe/encryptor.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include "engine/math/prng.h"
#include "engine/math/sampling.h"
#include "engine/rlwe/poly_ops.h"

namespace ei::rlwe {
namespace {

// SEAL's is_valid_for(plain, context) for a CKKS plaintext handed to encrypt: NTT form, known
// level not above the first data level, N·L words, every word below its modulus.
Result<const ContextData*> check_plaintext(const Context& context, const Plaintext& plain) {
  if (!plain.is_ntt_form()) {
    return Status(Code::NOT_NTT_FORM, "CKKS plaintext must be in NTT form (parms_id is zero)");
  }
  const ContextData* level = context.get_context_data(plain.parms_id);
  if (level == nullptr) {
    return Status(Code::PARMS_ID_UNKNOWN,
                  "plaintext parms_id " + parms_id_hex(plain.parms_id) + " is not in the context's modulus chain");
  }
  if (level->chain_index() > context.first_context_data().chain_index()) {
    return Status(Code::LEVEL_NOT_ALLOWED, "a plaintext may not be at the key level");
  }
  const std::size_t words = level->poly_modulus_degree() * level->coeff_modulus_size();
  if (plain.coeff_count != words || plain.data.size() != words) {
    return Status(Code::SIZE_MISMATCH, "plaintext holds " + std::to_string(plain.data.size()) + " words (coeff_count " +
                                           std::to_string(plain.coeff_count) +
                                           "); its level needs N*L = " + std::to_string(words));
  }
  if (!poly_in_range(plain.data.data(), level->coeff_modulus(), level->poly_modulus_degree())) {
    return Status(Code::COEFF_OUT_OF_RANGE, "a plaintext coefficient is not below its RNS modulus");
  }
  return level;
}

Status check_public_key(const Context& context, const PublicKey& pk) {
  const ContextData& key = context.key_context_data();
  const Ciphertext& c = pk.data;
  const std::size_t n = key.poly_modulus_degree();
  const std::size_t k = key.coeff_modulus_size();
  if (c.parms_id != key.parms_id()) {
    return {Code::KEY_MISMATCH, "public key parms_id is not the context's key level"};
  }
  if (!c.is_ntt_form || c.size != 2 || c.poly_modulus_degree != n || c.coeff_modulus_size != k ||
      c.correction_factor != 1 || c.scale == 0.0 || c.data.size() != 2 * n * k) {
    return {Code::KEY_MISMATCH, "public key metadata or size does not match the context"};
  }
  if (!poly_in_range(c.poly(0), key.coeff_modulus(), n) || !poly_in_range(c.poly(1), key.coeff_modulus(), n)) {
    return {Code::KEY_MISMATCH, "a public key coefficient is not below its RNS modulus"};
  }
  return Status::Ok();
}

Ciphertext make_ciphertext(const ContextData& level) {
  Ciphertext ct;
  ct.parms_id = level.parms_id();
  ct.is_ntt_form = true;
  ct.size = 2;
  ct.poly_modulus_degree = level.poly_modulus_degree();
  ct.coeff_modulus_size = level.coeff_modulus_size();
  ct.scale = 1.0;
  ct.correction_factor = 1;
  ct.data.assign(2 * ct.poly_words(), 0);
  return ct;
}

// SEAL's util::encrypt_zero_asymmetric for CKKS at `level` (NTT form): c_j = u·pk_j + e_j, with
// u ternary then e_0, e_1 CBD, all drawn from one fresh PRNG in that order. `out` holds 2·N·L
// words (polynomial-major). The public key is at the key level (stride N·K per polynomial); its
// first L limbs are used.
void encrypt_zero_asymmetric(const ContextData& level, const Ciphertext& pk, std::uint64_t* out) {
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const std::span<const math::Modulus> moduli = level.coeff_modulus();
  const std::size_t pk_stride = pk.poly_words();
  const std::size_t stride = n * limbs;

  auto prng = math::make_os_seeded_prng();
  SecretBuffer u(stride);
  math::sample_poly_ternary(*prng, moduli, n, u.data());
  for (std::size_t i = 0; i < limbs; ++i) {
    level.ntt(i).forward(u.data() + i * n);
    for (std::size_t j = 0; j < 2; ++j) {
      dyadic_product(u.data() + i * n, pk.data.data() + j * pk_stride + i * n, moduli.subspan(i, 1), n,
                     out + j * stride + i * n);
    }
  }
  // The noise reuses u's buffer, as SEAL does.
  for (std::size_t j = 0; j < 2; ++j) {
    math::sample_poly_cbd(*prng, moduli, n, u.data());
    ntt_forward(level, u.data());
    add_poly(out + j * stride, u.data(), moduli, n, out + j * stride);
  }
}

}  // namespace

namespace detail {

Status check_secret_key(const Context& context, const SecretKey& sk) {
  const ContextData& key = context.key_context_data();
  const Plaintext& p = sk.data();
  if (p.parms_id != key.parms_id()) {
    return {Code::KEY_MISMATCH, "secret key parms_id is not the context's key level"};
  }
  const std::size_t words = key.poly_modulus_degree() * key.coeff_modulus_size();
  if (p.coeff_count != words || p.data.size() != words) {
    return {Code::SIZE_MISMATCH, "secret key holds " + std::to_string(p.data.size()) + " words (coeff_count " +
                                     std::to_string(p.coeff_count) +
                                     "); the key level needs N*K = " + std::to_string(words)};
  }
  if (!poly_in_range(p.data.data(), key.coeff_modulus(), key.poly_modulus_degree())) {
    return {Code::COEFF_OUT_OF_RANGE, "a secret key coefficient is not below its RNS modulus"};
  }
  return Status::Ok();
}

void encrypt_zero_symmetric(const ContextData& level, const std::uint64_t* s, Ciphertext& out) {
  const std::size_t n = level.poly_modulus_degree();
  const std::span<const math::Modulus> moduli = level.coeff_modulus();
  out = make_ciphertext(level);
  std::uint64_t* c0 = out.poly(0);
  std::uint64_t* c1 = out.poly(1);

  // The bootstrap PRNG draws the public seed first, then the noise (SEAL's order).
  auto bootstrap = math::make_os_seeded_prng();
  SeedInfo seed;
  seed.type = math::PrngType::blake2xb;
  bootstrap->generate(std::span<std::uint8_t>(seed.seed));
  {
    auto ciphertext_prng = math::make_prng(seed.type, seed.seed);
    // The uniform words are used directly as NTT-form values (no transform), as SEAL.
    math::sample_poly_uniform(*ciphertext_prng, moduli, n, c1);
  }
  SecretBuffer noise(out.poly_words());
  math::sample_poly_cbd(*bootstrap, moduli, n, noise.data());
  ntt_forward(level, noise.data());

  // c0 = −(a·s + e); the first L limbs of the key-level s line up with the level's limbs.
  dyadic_product(s, c1, moduli, n, c0);
  add_poly(noise.data(), c0, moduli, n, c0);
  negate_poly(c0, moduli, n, c0);
  out.seed = seed;
}

}  // namespace detail

Encryptor::Encryptor(ContextPtr context, const PublicKey& pk) : context_(std::move(context)) {
  EI_DCHECK(context_ != nullptr);
  key_status_ = check_public_key(*context_, pk);
  if (key_status_.ok()) {
    public_key_ = pk;
    has_public_key_ = true;
  }
}

Encryptor::Encryptor(ContextPtr context, const SecretKey& sk) : context_(std::move(context)) {
  EI_DCHECK(context_ != nullptr);
  key_status_ = detail::check_secret_key(*context_, sk);
  if (key_status_.ok()) {
    secret_key_ = SecretKey(Plaintext(sk.data()));
    has_secret_key_ = true;
  } else {
    key_status_ = Status(Code::KEY_MISMATCH, key_status_.detail());
  }
}

Status Encryptor::encrypt(const Plaintext& plain, Ciphertext& out) const {
  if (!has_public_key_) {
    return key_status_.ok() ? Status(Code::KEY_MISMATCH, "this Encryptor holds no public key") : key_status_;
  }
  EI_ASSIGN_OR_RETURN(const ContextData* level, check_plaintext(*context_, plain));
  const std::size_t n = level->poly_modulus_degree();
  const std::span<const math::Modulus> moduli = level->coeff_modulus();

  Ciphertext ct = make_ciphertext(*level);
  if (const ContextData* prev = level->prev(); prev != nullptr) {
    // Encrypt zero one level up, then divide-and-round each polynomial by that level's last prime
    // (the special prime when ℓ is the first data level). The scale stays 1.0.
    const std::size_t prev_stride = n * prev->coeff_modulus_size();
    SecretBuffer temp(2 * prev_stride);
    encrypt_zero_asymmetric(*prev, public_key_.data, temp.data());
    for (std::size_t p = 0; p < 2; ++p) {
      std::uint64_t* poly = temp.data() + p * prev_stride;
      divide_and_round_q_last_ntt(*prev, poly);
      std::copy(poly, poly + ct.poly_words(), ct.poly(p));
    }
  } else {
    encrypt_zero_asymmetric(*level, public_key_.data, ct.data.data());
  }
  add_poly(ct.poly(0), plain.data.data(), moduli, n, ct.poly(0));
  ct.scale = plain.scale;
  out = std::move(ct);
  return Status::Ok();
}

Status Encryptor::encrypt_symmetric(const Plaintext& plain, Ciphertext& out) const {
  if (!has_secret_key_) {
    return key_status_.ok() ? Status(Code::KEY_MISMATCH, "this Encryptor holds no secret key") : key_status_;
  }
  EI_ASSIGN_OR_RETURN(const ContextData* level, check_plaintext(*context_, plain));
  Ciphertext ct;
  detail::encrypt_zero_symmetric(*level, secret_key_.data().data.data(), ct);
  add_poly(ct.poly(0), plain.data.data(), level->coeff_modulus(), level->poly_modulus_degree(), ct.poly(0));
  ct.scale = plain.scale;
  out = std::move(ct);
  return Status::Ok();
}

}  // namespace ei::rlwe
