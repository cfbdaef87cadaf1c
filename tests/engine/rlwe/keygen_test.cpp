// Key generation: secret key shape and wiping, relinearization and Galois key correctness, errors.
#include "engine/rlwe/keygen.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/math/prng.h"
#include "engine/math/sampling.h"
#include "engine/rlwe/galois.h"
#include "engine/rlwe/poly_ops.h"
#include "tests/engine/rlwe/rlwe_test_util.h"

namespace ei::rlwe {
namespace {

constexpr std::uint64_t kCbdBound = 21;

// For each component J of a key-switching key for s': c0 + c1·s − (p mod q_J)·s' on limb J, and
// c0 + c1·s on the other limbs, is the component's CBD noise (|e| ≤ 21) on all K limbs. Also
// checks that c1 is the expansion of the recorded seed.
void expect_kswitch_key_valid(const Context& ctx, const std::vector<PublicKey>& key, const std::uint64_t* s,
                              const std::uint64_t* s_prime) {
  const ContextData& level = ctx.key_context_data();
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t k = level.coeff_modulus_size();
  const auto moduli = level.coeff_modulus();
  const std::uint64_t p = moduli[k - 1].value();
  ASSERT_EQ(key.size(), k - 1);
  for (std::size_t j = 0; j < key.size(); ++j) {
    const Ciphertext& c = key[j].data;
    ASSERT_EQ(c.parms_id, ctx.key_parms_id());
    ASSERT_EQ(c.size, 2U);
    ASSERT_EQ(c.coeff_modulus_size, k);
    ASSERT_TRUE(c.is_ntt_form);
    std::vector<std::uint64_t> t(n * k);
    dyadic_product(c.poly(1), s, moduli, n, t.data());
    add_poly(t.data(), c.poly(0), moduli, n, t.data());
    const math::Modulus& qj = moduli[j];
    const std::uint64_t factor = p % qj.value();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t ps = math::mul_mod(factor, s_prime[j * n + i], qj);
      t[j * n + i] = math::sub_mod(t[j * n + i], ps, qj);
    }
    EXPECT_LE(testing::centered_inf_norm_ntt(level, t.data(), k), kCbdBound) << "component " << j;
    // Without the correction the limb-J value is not small.
    std::vector<std::uint64_t> raw(n * k);
    dyadic_product(c.poly(1), s, moduli, n, raw.data());
    add_poly(raw.data(), c.poly(0), moduli, n, raw.data());
    EXPECT_EQ(testing::centered_inf_norm_ntt(level, raw.data(), k), testing::kNotSmall);
    // Seeded c1.
    ASSERT_TRUE(c.seed.has_value());
    auto prng = math::make_prng(c.seed->type, c.seed->seed);
    std::vector<std::uint64_t> c1(n * k);
    math::sample_poly_uniform(*prng, moduli, n, c1.data());
    EXPECT_TRUE(std::equal(c1.begin(), c1.end(), c.poly(1))) << "component " << j;
  }
}

TEST(KeyGenerator, SecretKeyIsTernaryInNttForm) {
  auto ctx = testing::make_context({40, 30, 30, 40});
  KeyGenerator keygen(ctx);
  const Plaintext& sk = keygen.secret_key().data();
  const ContextData& key = ctx->key_context_data();
  EXPECT_EQ(sk.parms_id, ctx->key_parms_id());
  EXPECT_EQ(sk.coeff_count, 1024U * 4);
  EXPECT_EQ(sk.data.size(), 1024U * 4);
  EXPECT_EQ(sk.scale, 1.0);
  EXPECT_EQ(testing::centered_inf_norm_ntt(key, sk.data.data(), 4), 1U);
  // Roughly a third of each value (uniform ternary, no Hamming-weight restriction).
  std::vector<std::uint64_t> coeffs = sk.data;
  ntt_inverse(key, coeffs.data());
  std::size_t zeros = 0, ones = 0;
  for (std::size_t i = 0; i < 1024; ++i) {
    zeros += coeffs[i] == 0;
    ones += coeffs[i] == 1;
  }
  EXPECT_GT(zeros, 250U);
  EXPECT_GT(ones, 250U);
  EXPECT_GT(1024 - zeros - ones, 250U);
  // Two generators draw different keys.
  KeyGenerator other(ctx);
  EXPECT_NE(other.secret_key().data().data, sk.data);
}

TEST(KeyGenerator, FromSecretKeyValidatesAndCopies) {
  auto ctx = testing::make_context({40, 30, 40});
  KeyGenerator a(ctx);
  auto b = KeyGenerator::from_secret_key(ctx, a.secret_key());
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->secret_key().data(), a.secret_key().data());
  EXPECT_NE(b->secret_key().data().data.data(), a.secret_key().data().data.data());

  SecretKey bad(Plaintext(a.secret_key().data()));
  bad.data().parms_id = ctx->first_parms_id();
  EXPECT_EQ(KeyGenerator::from_secret_key(ctx, bad).status().code(), Code::KEY_MISMATCH);
  SecretKey short_key(Plaintext(a.secret_key().data()));
  short_key.data().data.pop_back();
  EXPECT_EQ(KeyGenerator::from_secret_key(ctx, short_key).status().code(), Code::SIZE_MISMATCH);
  SecretKey big(Plaintext(a.secret_key().data()));
  big.data().data[0] = ~std::uint64_t{0};
  EXPECT_EQ(KeyGenerator::from_secret_key(ctx, big).status().code(), Code::COEFF_OUT_OF_RANGE);
  EXPECT_EQ(KeyGenerator::from_secret_key(nullptr, a.secret_key()).status().code(), Code::INVALID_ARGUMENT);
}

TEST(SecretKey, WipedAfterMove) {
  auto ctx = testing::make_context({40, 30, 40});
  KeyGenerator keygen(ctx);
  SecretKey a(Plaintext(keygen.secret_key().data()));
  const std::uint64_t* block = a.data().data.data();
  SecretKey b(std::move(a));
  // NOLINTBEGIN(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(a.data().data.empty());
  EXPECT_EQ(a.data().coeff_count, 0U);
  EXPECT_EQ(a.data().parms_id, kParmsIdZero);
  EXPECT_EQ(b.data().data.data(), block);  // the block moved; no copy was left behind
  EXPECT_EQ(b.data(), keygen.secret_key().data());

  SecretKey c(Plaintext(keygen.secret_key().data()));
  c = std::move(b);
  EXPECT_TRUE(b.data().data.empty());
  EXPECT_EQ(b.data().coeff_count, 0U);
  EXPECT_EQ(c.data().data.data(), block);
  EXPECT_EQ(c.data(), keygen.secret_key().data());
  // NOLINTEND(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
}

TEST(KeyGenerator, RelinKeysSwitchFromSSquared) {
  auto ctx = testing::make_context({40, 30, 30, 40});
  KeyGenerator keygen(ctx);
  auto rk = keygen.create_relin_keys();
  ASSERT_TRUE(rk.ok()) << rk.status().to_string();
  EXPECT_EQ(rk->parms_id, ctx->key_parms_id());
  ASSERT_EQ(rk->keys.size(), 1U);
  const ContextData& key = ctx->key_context_data();
  const std::uint64_t* s = keygen.secret_key().data().data.data();
  std::vector<std::uint64_t> s2(std::size_t{1024} * 4);
  dyadic_product(s, s, key.coeff_modulus(), 1024, s2.data());
  expect_kswitch_key_valid(*ctx, rk->keys[0], s, s2.data());
}

TEST(KeyGenerator, GaloisKeysSwitchFromRotatedS) {
  auto ctx = testing::make_context({40, 30, 40});
  KeyGenerator keygen(ctx);
  const std::vector<std::uint64_t> elts{3, 683, 2047, 3};  // duplicate skipped
  auto gk = keygen.create_galois_keys(elts);
  ASSERT_TRUE(gk.ok()) << gk.status().to_string();
  EXPECT_EQ(gk->parms_id, ctx->key_parms_id());
  ASSERT_EQ(gk->keys.size(), 1024U);
  std::size_t present = 0;
  for (const auto& k : gk->keys) present += !k.empty();
  EXPECT_EQ(present, 3U);
  const ContextData& key = ctx->key_context_data();
  const std::uint64_t* s = keygen.secret_key().data().data.data();
  for (std::uint64_t g : {std::uint64_t{3}, std::uint64_t{683}, std::uint64_t{2047}}) {
    ASSERT_TRUE(gk->has_key(g));
    std::vector<std::uint64_t> rotated(std::size_t{1024} * 3);
    for (std::size_t j = 0; j < 3; ++j) {
      apply_galois_ntt(s + j * 1024, g, key.log_n(), rotated.data() + j * 1024);
    }
    expect_kswitch_key_valid(*ctx, gk->keys[GaloisKeys::index_of(g)], s, rotated.data());
  }
}

TEST(KeyGenerator, GaloisKeysForStepsAndDefaultSet) {
  auto ctx = testing::make_context({40, 30, 40});
  KeyGenerator keygen(ctx);
  const std::vector<int> steps{1, -1, 0};
  auto gk = keygen.create_galois_keys_for_steps(steps);
  ASSERT_TRUE(gk.ok());
  EXPECT_TRUE(gk->has_key(3));
  EXPECT_TRUE(gk->has_key(683));
  EXPECT_TRUE(gk->has_key(2047));
  EXPECT_FALSE(gk->has_key(9));

  auto all = keygen.create_galois_keys(default_galois_elts(1024));
  ASSERT_TRUE(all.ok());
  for (std::uint64_t g : default_galois_elts(1024)) EXPECT_TRUE(all->has_key(g)) << g;
  EXPECT_EQ(all->keys[GaloisKeys::index_of(2047)].size(), 2U);

  const std::vector<int> bad_steps{1, 512};
  EXPECT_EQ(keygen.create_galois_keys_for_steps(bad_steps).status().code(), Code::INVALID_ARGUMENT);
  const std::vector<std::uint64_t> even{3, 4};
  EXPECT_EQ(keygen.create_galois_keys(even).status().code(), Code::INVALID_ARGUMENT);
  const std::vector<std::uint64_t> too_big{2049};
  EXPECT_EQ(keygen.create_galois_keys(too_big).status().code(), Code::INVALID_ARGUMENT);
}

TEST(KeyGenerator, KeySwitchingUnavailableWithOnePrime) {
  auto ctx = testing::make_context({50});
  KeyGenerator keygen(ctx);
  EXPECT_EQ(keygen.create_relin_keys().status().code(), Code::INVALID_PARAMETERS);
  const std::vector<std::uint64_t> three{3};
  EXPECT_EQ(keygen.create_galois_keys(three).status().code(), Code::INVALID_PARAMETERS);
  const std::vector<std::uint64_t> even{4, 3};  // SEAL reports the first bad element first
  EXPECT_EQ(keygen.create_galois_keys(even).status().code(), Code::INVALID_ARGUMENT);
  auto empty = keygen.create_galois_keys({});
  ASSERT_TRUE(empty.ok());  // as SEAL: nothing to generate, N empty entries
  EXPECT_EQ(empty->keys.size(), 1024U);
  // The public key still works (symmetric zero encryption at the key level).
  EXPECT_EQ(keygen.create_public_key().data.coeff_modulus_size, 1U);
}

}  // namespace
}  // namespace ei::rlwe
