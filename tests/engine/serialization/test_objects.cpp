#include "tests/engine/serialization/test_objects.h"

#include <bit>
#include <stdexcept>

#include "engine/math/prng.h"
#include "engine/math/sampling.h"

namespace ei::test {
namespace {
rlwe::ContextPtr make(std::uint64_t n, std::vector<int> bits) {
  auto parms = rlwe::make_ckks_parameters(n, bits);
  if (!parms.ok()) throw std::runtime_error(parms.status().to_string());
  auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
  if (!ctx.ok()) throw std::runtime_error(ctx.status().to_string());
  return *ctx;
}
}  // namespace

rlwe::ContextPtr small_context() {
  static const rlwe::ContextPtr ctx = make(1024, {40, 30, 30, 40});
  return ctx;
}
rlwe::ContextPtr other_context() {
  static const rlwe::ContextPtr ctx = make(1024, {50, 35, 50});
  return ctx;
}

void fill_random(std::vector<std::uint64_t>& data, const rlwe::ContextData& level, std::size_t polys,
                 std::mt19937_64& rng) {
  const std::size_t n = level.poly_modulus_degree();
  const auto moduli = level.coeff_modulus();
  data.resize(polys * moduli.size() * n);
  for (std::size_t p = 0; p < polys; ++p)
    for (std::size_t j = 0; j < moduli.size(); ++j)
      for (std::size_t i = 0; i < n; ++i) data[(p * moduli.size() + j) * n + i] = rng() % moduli[j].value();
}

rlwe::Ciphertext random_ciphertext(const rlwe::ContextData& level, std::size_t size, double scale,
                                   std::mt19937_64& rng) {
  rlwe::Ciphertext ct;
  ct.parms_id = level.parms_id();
  ct.is_ntt_form = true;
  ct.size = size;
  ct.poly_modulus_degree = level.poly_modulus_degree();
  ct.coeff_modulus_size = level.coeff_modulus_size();
  ct.scale = scale;
  fill_random(ct.data, level, size, rng);
  return ct;
}

rlwe::Ciphertext random_seeded_ciphertext(const rlwe::ContextData& level, double scale, std::mt19937_64& rng) {
  rlwe::Ciphertext ct = random_ciphertext(level, 2, scale, rng);
  rlwe::SeedInfo seed;
  for (auto& b : seed.seed) b = static_cast<std::uint8_t>(rng());
  auto prng = math::make_prng(seed.type, seed.seed);
  math::sample_poly_uniform(*prng, level.coeff_modulus(), level.poly_modulus_degree(), ct.poly(1));
  ct.seed = seed;
  return ct;
}

rlwe::Plaintext random_plaintext(const rlwe::ContextData& level, double scale, std::mt19937_64& rng) {
  rlwe::Plaintext pt;
  pt.parms_id = level.parms_id();
  pt.coeff_count = level.poly_modulus_degree() * level.coeff_modulus_size();
  pt.scale = scale;
  fill_random(pt.data, level, 1, rng);
  return pt;
}

rlwe::SecretKey random_secret_key(const rlwe::Context& ctx, std::mt19937_64& rng) {
  return rlwe::SecretKey(random_plaintext(ctx.key_context_data(), 1.0, rng));
}

rlwe::PublicKey random_public_key(const rlwe::Context& ctx, bool seeded, std::mt19937_64& rng) {
  const auto& key = ctx.key_context_data();
  return rlwe::PublicKey{seeded ? random_seeded_ciphertext(key, 1.0, rng) : random_ciphertext(key, 2, 1.0, rng)};
}

rlwe::RelinKeys random_relin_keys(const rlwe::Context& ctx, bool seeded, std::mt19937_64& rng) {
  rlwe::RelinKeys rk;
  rk.parms_id = ctx.key_parms_id();
  rk.keys.resize(1);
  for (std::size_t j = 0; j < ctx.first_context_data().coeff_modulus_size(); ++j)
    rk.keys[0].push_back(random_public_key(ctx, seeded, rng));
  return rk;
}

rlwe::GaloisKeys random_galois_keys(const rlwe::Context& ctx, const std::vector<std::uint64_t>& elts, bool seeded,
                                    std::mt19937_64& rng) {
  rlwe::GaloisKeys gk;
  gk.parms_id = ctx.key_parms_id();
  gk.keys.resize(ctx.key_context_data().poly_modulus_degree());
  for (auto g : elts)
    for (std::size_t j = 0; j < ctx.first_context_data().coeff_modulus_size(); ++j)
      gk.keys[rlwe::GaloisKeys::index_of(g)].push_back(random_public_key(ctx, seeded, rng));
  return gk;
}

void put_u64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) b.at(at + i) = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_u64(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{b.at(at + i)} << (8 * i);
  return v;
}
void put_f64(std::vector<std::uint8_t>& b, std::size_t at, double v) { put_u64(b, at, std::bit_cast<std::uint64_t>(v)); }

}  // namespace ei::test
