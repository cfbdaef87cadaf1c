// Encryption/decryption round trips on raw NTT-form plaintexts, seeded c1 reproduction and the
// error codes of Encryptor and Decryptor.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/math/prng.h"
#include "engine/math/sampling.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"
#include "engine/rlwe/poly_ops.h"
#include "tests/engine/rlwe/rlwe_test_util.h"

namespace ei::rlwe {
namespace {

// CBD noise: |e| ≤ 21 per coefficient (seal-compat §9).
constexpr std::uint64_t kCbdBound = 21;

// Symmetric: c0 + c1·s = −(a·s + e) + m + a·s = m − e, so decrypt(enc(m)) − m = −e: ≤ 21.
constexpr std::uint64_t kSymmetricBound = kCbdBound;

// Public key, encrypted one level up then divided by q_last: the difference is
// round((u·e_pk + e0 + e1·s)/q_last) + ε0 + ε1·s with |ε_i| ≤ 1/2. With N = 1024,
// |u·e_pk + e0 + e1·s| ≤ 21·(2N + 1) < 2^16, far below q_last ≥ 2^29, so the first term is 0 or
// ±1; the rounding term is ≤ 1/2 + N/2. Bound: N/2 + 2 = 514.
constexpr std::uint64_t kPublicKeyBound = std::uint64_t{1024} / 2 + 2;

// One-prime context (no previous level): no division, the noise is u·e_pk + e0 + e1·s.
constexpr std::uint64_t kPublicKeyNoDivideBound = std::uint64_t{21} * (2 * 1024 + 1);

struct EncryptDecrypt : ::testing::Test {
  ContextPtr ctx = testing::make_context({40, 30, 30, 40});
  KeyGenerator keygen{ctx};
  PublicKey pk = keygen.create_public_key();
  std::mt19937_64 rng{1234};

  std::uint64_t error_norm(const Plaintext& got, const Plaintext& want) {
    const ContextData& level = *ctx->get_context_data(want.parms_id);
    auto d = testing::sub(level, got.data.data(), want.data.data(), level.coeff_modulus_size());
    return testing::centered_inf_norm_ntt(level, d.data(), level.coeff_modulus_size());
  }
};

TEST_F(EncryptDecrypt, SymmetricRoundTripAtEveryDataLevel) {
  Encryptor enc(ctx, keygen.secret_key());
  Decryptor dec(ctx, keygen.secret_key());
  for (const ContextData* level = &ctx->first_context_data(); level != nullptr; level = level->next()) {
    Plaintext m = testing::random_plaintext(*level, rng, 1099511627776.0);
    Ciphertext ct;
    ASSERT_TRUE(enc.encrypt_symmetric(m, ct).ok());
    EXPECT_EQ(ct.parms_id, level->parms_id());
    EXPECT_EQ(ct.size, 2U);
    EXPECT_EQ(ct.coeff_modulus_size, level->coeff_modulus_size());
    EXPECT_EQ(ct.poly_modulus_degree, 1024U);
    EXPECT_TRUE(ct.is_ntt_form);
    EXPECT_EQ(ct.scale, m.scale);
    EXPECT_EQ(ct.correction_factor, 1U);
    ASSERT_TRUE(ct.seed.has_value());
    EXPECT_EQ(ct.seed->type, math::PrngType::blake2xb);
    Plaintext out;
    ASSERT_TRUE(dec.decrypt(ct, out).ok());
    EXPECT_EQ(out.parms_id, m.parms_id);
    EXPECT_EQ(out.coeff_count, m.coeff_count);
    EXPECT_EQ(out.scale, m.scale);
    const std::uint64_t err = error_norm(out, m);
    EXPECT_LE(err, kSymmetricBound) << "L = " << level->coeff_modulus_size();
    EXPECT_GT(err, 0U);  // noise is present
  }
}

TEST_F(EncryptDecrypt, PublicKeyRoundTripAtEveryDataLevel) {
  Encryptor enc(ctx, pk);
  Decryptor dec(ctx, keygen.secret_key());
  for (const ContextData* level = &ctx->first_context_data(); level != nullptr; level = level->next()) {
    Plaintext m = testing::random_plaintext(*level, rng, 12345.5);
    Ciphertext ct;
    ASSERT_TRUE(enc.encrypt(m, ct).ok());
    EXPECT_EQ(ct.parms_id, level->parms_id());
    EXPECT_EQ(ct.size, 2U);
    EXPECT_EQ(ct.data.size(), std::size_t{2} * 1024 * level->coeff_modulus_size());
    EXPECT_EQ(ct.scale, 12345.5);
    EXPECT_FALSE(ct.seed.has_value());
    Plaintext out;
    ASSERT_TRUE(dec.decrypt(ct, out).ok());
    EXPECT_LE(error_norm(out, m), kPublicKeyBound) << "L = " << level->coeff_modulus_size();
  }
}

TEST(EncryptSinglePrime, PublicKeyWithoutPreviousLevel) {
  auto ctx = testing::make_context({50});
  KeyGenerator keygen(ctx);
  Encryptor enc(ctx, keygen.create_public_key());
  Encryptor enc_sk(ctx, keygen.secret_key());
  Decryptor dec(ctx, keygen.secret_key());
  std::mt19937_64 rng(3);
  const ContextData& level = ctx->first_context_data();  // == key level
  Plaintext m = testing::random_plaintext(level, rng);
  for (bool symmetric : {false, true}) {
    Ciphertext ct;
    ASSERT_TRUE((symmetric ? enc_sk.encrypt_symmetric(m, ct) : enc.encrypt(m, ct)).ok());
    Plaintext out;
    ASSERT_TRUE(dec.decrypt(ct, out).ok());
    auto d = testing::sub(level, out.data.data(), m.data.data(), 1);
    EXPECT_LE(testing::centered_inf_norm_ntt(level, d.data(), 1),
              symmetric ? kSymmetricBound : kPublicKeyNoDivideBound);
  }
}

TEST_F(EncryptDecrypt, SeededC1IsReproducibleFromTheRecordedSeed) {
  Encryptor enc(ctx, keygen.secret_key());
  for (const ContextData* level = &ctx->first_context_data(); level != nullptr; level = level->next()) {
    Plaintext m = testing::random_plaintext(*level, rng);
    Ciphertext ct;
    ASSERT_TRUE(enc.encrypt_symmetric(m, ct).ok());
    ASSERT_TRUE(ct.seed.has_value());
    auto prng = math::make_prng(ct.seed->type, ct.seed->seed);
    std::vector<std::uint64_t> c1(ct.poly_words());
    math::sample_poly_uniform(*prng, level->coeff_modulus(), 1024, c1.data());
    EXPECT_TRUE(std::equal(c1.begin(), c1.end(), ct.poly(1)));
  }
  // The public key too (key level, K limbs).
  ASSERT_TRUE(pk.data.seed.has_value());
  auto prng = math::make_prng(pk.data.seed->type, pk.data.seed->seed);
  std::vector<std::uint64_t> c1(pk.data.poly_words());
  math::sample_poly_uniform(*prng, ctx->key_context_data().coeff_modulus(), 1024, c1.data());
  EXPECT_TRUE(std::equal(c1.begin(), c1.end(), pk.data.poly(1)));
  // Two encryptions use different seeds.
  Plaintext m = testing::random_plaintext(ctx->first_context_data(), rng);
  Ciphertext a, b;
  ASSERT_TRUE(enc.encrypt_symmetric(m, a).ok());
  ASSERT_TRUE(enc.encrypt_symmetric(m, b).ok());
  EXPECT_NE(a.seed->seed, b.seed->seed);
}

TEST_F(EncryptDecrypt, PublicKeyShape) {
  const ContextData& key = ctx->key_context_data();
  EXPECT_EQ(pk.data.parms_id, ctx->key_parms_id());
  EXPECT_EQ(pk.data.size, 2U);
  EXPECT_EQ(pk.data.coeff_modulus_size, 4U);
  EXPECT_EQ(pk.data.scale, 1.0);
  EXPECT_TRUE(pk.data.is_ntt_form);
  // pk0 + pk1·s = −e on every key limb.
  std::vector<std::uint64_t> t(pk.data.poly_words());
  dyadic_product(pk.data.poly(1), keygen.secret_key().data().data.data(), key.coeff_modulus(), 1024, t.data());
  add_poly(t.data(), pk.data.poly(0), key.coeff_modulus(), 1024, t.data());
  EXPECT_LE(testing::centered_inf_norm_ntt(key, t.data(), 4), kCbdBound);
}

TEST_F(EncryptDecrypt, DecryptSizeThreeUsesSecondPower) {
  Encryptor enc(ctx, keygen.secret_key());
  Decryptor dec(ctx, keygen.secret_key());
  const ContextData& level = ctx->first_context_data();
  const auto moduli = level.coeff_modulus();
  Plaintext m = testing::random_plaintext(level, rng);
  Ciphertext ct;
  ASSERT_TRUE(enc.encrypt_symmetric(m, ct).ok());
  // (c0 − c2·s², c1, c2) decrypts to the same message.
  const std::size_t words = ct.poly_words();
  auto c2 = testing::random_poly(level, rng);
  std::vector<std::uint64_t> s2(words);
  const std::uint64_t* s = keygen.secret_key().data().data.data();
  dyadic_product(s, s, moduli, 1024, s2.data());
  std::vector<std::uint64_t> t(words);
  dyadic_product(c2.data(), s2.data(), moduli, 1024, t.data());
  sub_poly(ct.poly(0), t.data(), moduli, 1024, ct.poly(0));
  ct.data.insert(ct.data.end(), c2.begin(), c2.end());
  ct.size = 3;
  ct.seed.reset();
  Plaintext out;
  ASSERT_TRUE(dec.decrypt(ct, out).ok());
  EXPECT_LE(error_norm(out, m), kSymmetricBound);
}

TEST_F(EncryptDecrypt, EncryptErrors) {
  Encryptor enc_pk(ctx, pk);
  Encryptor enc_sk(ctx, keygen.secret_key());
  const Plaintext good = testing::random_plaintext(ctx->first_context_data(), rng);
  Ciphertext ct;
  ct.size = 99;  // sentinel: untouched on error

  EXPECT_EQ(enc_sk.encrypt(good, ct).code(), Code::KEY_MISMATCH);
  EXPECT_EQ(enc_pk.encrypt_symmetric(good, ct).code(), Code::KEY_MISMATCH);

  Plaintext p = good;
  p.parms_id = kParmsIdZero;
  EXPECT_EQ(enc_pk.encrypt(p, ct).code(), Code::NOT_NTT_FORM);
  p = good;
  p.parms_id[0] ^= 1;
  EXPECT_EQ(enc_pk.encrypt(p, ct).code(), Code::PARMS_ID_UNKNOWN);
  EXPECT_EQ(enc_sk.encrypt_symmetric(p, ct).code(), Code::PARMS_ID_UNKNOWN);
  p = testing::random_plaintext(ctx->key_context_data(), rng);
  EXPECT_EQ(enc_pk.encrypt(p, ct).code(), Code::LEVEL_NOT_ALLOWED);
  EXPECT_EQ(enc_sk.encrypt_symmetric(p, ct).code(), Code::LEVEL_NOT_ALLOWED);
  p = good;
  p.data.pop_back();
  EXPECT_EQ(enc_pk.encrypt(p, ct).code(), Code::SIZE_MISMATCH);
  p = good;
  p.coeff_count += 1;
  EXPECT_EQ(enc_sk.encrypt_symmetric(p, ct).code(), Code::SIZE_MISMATCH);
  p = good;
  p.data[5] = ctx->first_context_data().coeff_modulus()[0].value();
  EXPECT_EQ(enc_pk.encrypt(p, ct).code(), Code::COEFF_OUT_OF_RANGE);
  EXPECT_EQ(ct.size, 99U);

  // Keys from another context.
  auto other = testing::make_context({40, 30, 40});
  KeyGenerator other_keygen(other);
  Encryptor foreign_pk(ctx, other_keygen.create_public_key());
  Encryptor foreign_sk(ctx, other_keygen.secret_key());
  EXPECT_EQ(foreign_pk.encrypt(good, ct).code(), Code::KEY_MISMATCH);
  EXPECT_EQ(foreign_sk.encrypt_symmetric(good, ct).code(), Code::KEY_MISMATCH);
  Decryptor foreign_dec(ctx, other_keygen.secret_key());
  Plaintext out;
  Ciphertext fine;
  ASSERT_TRUE(enc_sk.encrypt_symmetric(good, fine).ok());
  EXPECT_EQ(foreign_dec.decrypt(fine, out).code(), Code::KEY_MISMATCH);
}

TEST_F(EncryptDecrypt, DecryptErrors) {
  Encryptor enc(ctx, keygen.secret_key());
  Decryptor dec(ctx, keygen.secret_key());
  Ciphertext good;
  ASSERT_TRUE(enc.encrypt_symmetric(testing::random_plaintext(ctx->first_context_data(), rng), good).ok());
  Plaintext out;
  out.scale = 7.0;  // sentinel: untouched on error

  Ciphertext c = good;
  c.parms_id[3] ^= 0x40;
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::PARMS_ID_UNKNOWN);
  c = good;
  c.is_ntt_form = false;
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::NOT_NTT_FORM);
  c = good;
  c.size = 1;
  c.data.resize(c.poly_words());
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::INVALID_SIZE);
  c = good;
  c.size = 0;
  c.data.clear();
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::INVALID_SIZE);
  c = good;
  c.data.pop_back();
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::SIZE_MISMATCH);
  c = good;
  c.coeff_modulus_size = 2;
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::DIMENSION_MISMATCH);
  c = good;
  c.scale = 0.0;
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::INVALID_SCALE);
  c = good;
  c.correction_factor = 2;
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::INVALID_CORRECTION_FACTOR);
  c = good;
  c.data[c.poly_words() + 7] = ~std::uint64_t{0};
  EXPECT_EQ(dec.decrypt(c, out).code(), Code::COEFF_OUT_OF_RANGE);
  // Key level (the public key is a valid ciphertext object there).
  EXPECT_EQ(dec.decrypt(pk.data, out).code(), Code::LEVEL_NOT_ALLOWED);
  EXPECT_EQ(out.scale, 7.0);
}

}  // namespace
}  // namespace ei::rlwe
