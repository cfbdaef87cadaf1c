#include "engine/rlwe/keygen.h"

#include <string>
#include <utility>

#include "engine/math/prng.h"
#include "engine/math/sampling.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/galois.h"
#include "engine/rlwe/poly_ops.h"

namespace ei::rlwe {
namespace {

Status require_keyswitching(const Context& context) {
  if (!context.using_keyswitching()) {
    return {Code::INVALID_PARAMETERS, "key switching is not available: the coeff_modulus has a single prime"};
  }
  return Status::Ok();
}

}  // namespace

KeyGenerator::KeyGenerator(ContextPtr context) : context_(std::move(context)) {
  EI_DCHECK(context_ != nullptr);
  const ContextData& key = context_->key_context_data();
  const std::size_t words = key.poly_modulus_degree() * key.coeff_modulus_size();
  Plaintext sk;
  sk.data.assign(words, 0);
  {
    auto prng = math::make_os_seeded_prng();
    math::sample_poly_ternary(*prng, key.coeff_modulus(), key.poly_modulus_degree(), sk.data.data());
  }
  ntt_forward(key, sk.data.data());
  sk.parms_id = key.parms_id();
  sk.coeff_count = words;
  sk.scale = 1.0;
  secret_key_ = SecretKey(std::move(sk));
}

KeyGenerator::KeyGenerator(ContextPtr context, SecretKey sk)
    : context_(std::move(context)), secret_key_(std::move(sk)) {}

Result<KeyGenerator> KeyGenerator::from_secret_key(ContextPtr context, const SecretKey& sk) {
  if (context == nullptr) return Status(Code::INVALID_ARGUMENT, "context is null");
  EI_RETURN_IF_ERROR(detail::check_secret_key(*context, sk));
  return KeyGenerator(std::move(context), SecretKey(Plaintext(sk.data())));
}

PublicKey KeyGenerator::create_public_key() const {
  PublicKey pk;
  detail::encrypt_zero_symmetric(context_->key_context_data(), secret_key_.data().data.data(), pk.data);
  return pk;
}

std::vector<PublicKey> KeyGenerator::generate_one_kswitch_key(const std::uint64_t* new_key) const {
  const ContextData& key = context_->key_context_data();
  const std::size_t n = key.poly_modulus_degree();
  const std::span<const math::Modulus> moduli = key.coeff_modulus();
  const std::size_t decomp_mod_count = context_->first_context_data().coeff_modulus_size();
  const std::uint64_t special_prime = moduli.back().value();
  const std::uint64_t* s = secret_key_.data().data.data();

  std::vector<PublicKey> components(decomp_mod_count);
  for (std::size_t j = 0; j < decomp_mod_count; ++j) {
    Ciphertext& ct = components[j].data;
    detail::encrypt_zero_symmetric(key, s, ct);
    // c0 (limb j) += (p mod q_j) · s'_j. Computed word by word: no buffer holds the product.
    const math::Modulus& qj = moduli[j];
    const math::ShoupOperand factor = math::make_shoup(math::reduce(special_prime, qj), qj);
    std::uint64_t* c0j = ct.poly(0) + j * n;
    const std::uint64_t* sj = new_key + j * n;
    for (std::size_t i = 0; i < n; ++i) {
      c0j[i] = math::add_mod(c0j[i], math::mul_mod_shoup(sj[i], factor, qj), qj);
    }
  }
  return components;
}

Result<RelinKeys> KeyGenerator::create_relin_keys() const {
  EI_RETURN_IF_ERROR(require_keyswitching(*context_));
  const ContextData& key = context_->key_context_data();
  const std::size_t n = key.poly_modulus_degree();
  const std::uint64_t* s = secret_key_.data().data.data();
  SecretBuffer s2(n * key.coeff_modulus_size());
  dyadic_product(s, s, key.coeff_modulus(), n, s2.data());

  RelinKeys keys;
  keys.keys.push_back(generate_one_kswitch_key(s2.data()));
  keys.parms_id = key.parms_id();
  return keys;
}

Result<GaloisKeys> KeyGenerator::create_galois_keys(std::span<const std::uint64_t> galois_elts) const {
  const ContextData& key = context_->key_context_data();
  const std::size_t n = key.poly_modulus_degree();
  const std::size_t limbs = key.coeff_modulus_size();

  GaloisKeys keys;
  keys.keys.resize(n);
  // Validate in SEAL's order first (its loop throws at the first bad element; nothing is
  // returned on error, so checking up front is indistinguishable).
  {
    std::vector<bool> seen(n, false);
    for (std::uint64_t g : galois_elts) {
      if (!is_valid_galois_elt(g, n)) {
        return Status(Code::INVALID_ARGUMENT,
                      "Galois element " + std::to_string(g) + " is not odd and below 2N = " + std::to_string(2 * n));
      }
      const std::size_t index = GaloisKeys::index_of(g);
      if (seen[index]) continue;
      seen[index] = true;
      EI_RETURN_IF_ERROR(require_keyswitching(*context_));
    }
  }

  const std::uint64_t* s = secret_key_.data().data.data();
  SecretBuffer rotated(n * limbs);
  for (std::uint64_t g : galois_elts) {
    const std::size_t index = GaloisKeys::index_of(g);
    if (!keys.keys[index].empty()) continue;
    for (std::size_t j = 0; j < limbs; ++j) {
      apply_galois_ntt(s + j * n, g, key.log_n(), rotated.data() + j * n);
    }
    keys.keys[index] = generate_one_kswitch_key(rotated.data());
  }
  keys.parms_id = key.parms_id();
  return keys;
}

Result<GaloisKeys> KeyGenerator::create_galois_keys_for_steps(std::span<const int> steps) const {
  const std::size_t n = context_->key_context_data().poly_modulus_degree();
  std::vector<std::uint64_t> elts;
  elts.reserve(steps.size());
  for (int step : steps) {
    EI_ASSIGN_OR_RETURN(std::uint64_t g, galois_elt_from_step(step, n));
    elts.push_back(g);
  }
  return create_galois_keys(elts);
}

}  // namespace ei::rlwe
