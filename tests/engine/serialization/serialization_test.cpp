// Round trips of every object kind through save/load in every compression, exact sizes, and the
// seeded forms. SEAL byte-compatibility itself is asserted by the interop suite (tests/interop).
#include <gtest/gtest.h>

#include "engine/serialization/inspect.h"
#include "engine/serialization/serialization.h"
#include "tests/engine/serialization/test_objects.h"

namespace ei::ser {
namespace {

using test::small_context;

constexpr Compression kAllModes[] = {Compression::none, Compression::zlib, Compression::zstd};

class SerializationTest : public ::testing::Test {
 protected:
  std::mt19937_64 rng_{42};
  rlwe::ContextPtr ctx_ = small_context();
};

TEST_F(SerializationTest, CiphertextRoundTripsInEveryCompression) {
  const auto& level = ctx_->first_context_data();
  for (std::size_t size : {std::size_t{2}, std::size_t{3}, std::size_t{16}}) {
    auto ct = test::random_ciphertext(level, size, 1099511627776.0, rng_);
    for (auto mode : kAllModes) {
      auto bytes = save(ct, {mode});
      ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
      if (mode == Compression::none) {
        EXPECT_EQ(bytes->size(), save_size(ct));
        EXPECT_EQ(bytes->size(), 89 + 24 + 8 * size * 1024 * 3);
      }
      auto back = load_ciphertext(*ctx_, *bytes);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(*back, ct);
    }
  }
}

TEST_F(SerializationTest, CiphertextHeaderMatchesSealLayout) {
  auto ct = test::random_ciphertext(ctx_->first_context_data(), 2, 4.0, rng_);
  auto bytes = save(ct, {});
  ASSERT_TRUE(bytes.ok());
  const std::vector<std::uint8_t> header(bytes->begin(), bytes->begin() + 8);
  EXPECT_EQ(header, (std::vector<std::uint8_t>{0x5e, 0xa1, 0x10, 0x04, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_EQ(test::get_u64(*bytes, 8), bytes->size());
}

TEST_F(SerializationTest, EveryLevelRoundTrips) {
  for (const rlwe::ContextData* level = &ctx_->first_context_data(); level != nullptr; level = level->next()) {
    auto ct = test::random_ciphertext(*level, 2, 1024.0, rng_);
    auto back = load_ciphertext(*ctx_, *save(ct, {}));
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, ct);
  }
}

TEST_F(SerializationTest, SeededCiphertextIsSmallerAndExpandsOnLoad) {
  const auto& level = ctx_->first_context_data();
  auto ct = test::random_seeded_ciphertext(level, 1099511627776.0, rng_);
  auto seeded = save(ct, {Compression::none, SeedMode::kRequired});
  ASSERT_TRUE(seeded.ok()) << seeded.status().to_string();
  // 89 fixed + DynArray(24 + 8·N·L) + PRNG info 81 (seal-compat.md §4: 24770 for N=1024, L=3).
  EXPECT_EQ(seeded->size(), 24770U);
  EXPECT_EQ(seeded->size(), save_size(ct, SeedMode::kRequired));
  auto back = load_ciphertext(*ctx_, *seeded);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->data, ct.data);  // c1 regenerated from the seed
  ASSERT_TRUE(back->seed.has_value());
  EXPECT_EQ(*back->seed, *ct.seed);
  // Expanded save equals the unseeded save of the original.
  ct.seed.reset();
  back->seed.reset();
  EXPECT_EQ(*save(*back, {}), *save(ct, {}));
}

TEST_F(SerializationTest, SeedRequiredWithoutSeedIsAnError) {
  auto ct = test::random_ciphertext(ctx_->first_context_data(), 2, 4.0, rng_);
  auto r = save(ct, {Compression::none, SeedMode::kRequired});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::INVALID_ARGUMENT);
}

TEST_F(SerializationTest, PlaintextAndSecretKeyRoundTrip) {
  auto pt = test::random_plaintext(ctx_->first_context_data(), 1048576.0, rng_);
  auto sk = test::random_secret_key(*ctx_, rng_);
  for (auto mode : kAllModes) {
    auto pb = save(pt, {mode});
    ASSERT_TRUE(pb.ok());
    if (mode == Compression::none) {
      EXPECT_EQ(pb->size(), 16 + 48 + 24 + 8 * 1024 * 3U);
    }
    auto p2 = load_plaintext(*ctx_, *pb);
    ASSERT_TRUE(p2.ok()) << p2.status().to_string();
    EXPECT_EQ(*p2, pt);
    auto sb = save(sk, {mode});
    ASSERT_TRUE(sb.ok());
    if (mode == Compression::none) {
      EXPECT_EQ(sb->size(), 32856U);  // seal-compat.md §5
    }
    auto s2 = load_secret_key(*ctx_, *sb);
    ASSERT_TRUE(s2.ok()) << s2.status().to_string();
    EXPECT_EQ(s2->data(), sk.data());
  }
}

TEST_F(SerializationTest, PublicKeyRoundTripsSeededAndNot) {
  for (bool seeded : {false, true}) {
    auto pk = test::random_public_key(*ctx_, seeded, rng_);
    for (auto mode : kAllModes) {
      auto bytes = save(pk, {mode, seeded ? SeedMode::kRequired : SeedMode::kNever});
      ASSERT_TRUE(bytes.ok());
      if (mode == Compression::none && !seeded) {
        EXPECT_EQ(bytes->size(), 65649U);  // seal-compat.md §5
      }
      auto back = load_public_key(*ctx_, *bytes);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(back->data.data, pk.data.data);
    }
  }
}

TEST_F(SerializationTest, RelinKeysRoundTripWithSealSizes) {
  auto rk = test::random_relin_keys(*ctx_, true, rng_);
  auto seeded = save(rk, {Compression::none, SeedMode::kIfAvailable});
  auto full = save(rk, {Compression::none, SeedMode::kNever});
  ASSERT_TRUE(seeded.ok());
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(seeded->size(), 98950U);  // seal-compat.md §5
  EXPECT_EQ(full->size(), 197011U);
  for (const auto& bytes : {*seeded, *full}) {
    auto back = load_relin_keys(*ctx_, bytes);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    ASSERT_EQ(back->keys.size(), 1U);
    ASSERT_EQ(back->keys[0].size(), 3U);
    for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(back->keys[0][j].data.data, rk.keys[0][j].data.data);
  }
  EXPECT_EQ(*save(*load_relin_keys(*ctx_, *seeded), {}), *full);
}

TEST_F(SerializationTest, GaloisKeysRoundTripWithSealSize) {
  auto gk = test::random_galois_keys(*ctx_, {3, 683, 2047}, false, rng_);
  auto bytes = save(gk, {});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 599089U);  // seal-compat.md §5
  for (auto mode : kAllModes) {
    auto back = load_galois_keys(*ctx_, *save(gk, {mode}));
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_TRUE(back->has_key(3));
    EXPECT_TRUE(back->has_key(683));
    EXPECT_TRUE(back->has_key(2047));
    EXPECT_FALSE(back->has_key(5));
    EXPECT_EQ(*save(*back, {}), *bytes);
  }
}

TEST_F(SerializationTest, ParametersRoundTripWithSealSize) {
  auto parms = rlwe::make_ckks_parameters(8192, std::vector<int>{60, 40, 40, 60});
  ASSERT_TRUE(parms.ok());
  auto bytes = save(*parms, {});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), 153U);  // seal-compat.md §2
  for (auto mode : kAllModes) {
    auto back = load_parameters(*save(*parms, {mode}));
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, *parms);
  }
}

TEST_F(SerializationTest, UnsafeLoadSkipsRangeChecksButNotStructure) {
  auto ct = test::random_ciphertext(ctx_->first_context_data(), 2, 4.0, rng_);
  ct.data[5] = ~std::uint64_t{0};
  auto bytes = save(ct, {});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(load_ciphertext(*ctx_, *bytes).status().code(), Code::COEFF_OUT_OF_RANGE);
  EXPECT_TRUE(unsafe_load_ciphertext(*ctx_, *bytes).ok());
  bytes->push_back(0);
  EXPECT_EQ(unsafe_load_ciphertext(*ctx_, *bytes).status().code(), Code::TRAILING_BYTES);
}

TEST_F(SerializationTest, InspectInfersKindsAndFields) {
  auto ct = test::random_seeded_ciphertext(ctx_->first_context_data(), 1099511627776.0, rng_);
  auto info = inspect(*save(ct, {Compression::zstd, SeedMode::kRequired}), ctx_.get());
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->kind, ObjectKind::kCiphertext);
  EXPECT_TRUE(info->seeded);
  EXPECT_EQ(info->size, 2U);
  EXPECT_EQ(info->coeff_modulus_size, 3U);
  EXPECT_EQ(info->scale, 1099511627776.0);
  EXPECT_EQ(info->header.compr_mode, 2);

  auto sk = test::random_secret_key(*ctx_, rng_);
  EXPECT_EQ(inspect(*save(sk, {}), ctx_.get())->kind, ObjectKind::kSecretKey);
  auto pk = test::random_public_key(*ctx_, false, rng_);
  EXPECT_EQ(inspect(*save(pk, {}), ctx_.get())->kind, ObjectKind::kPublicKey);
  auto rk = test::random_relin_keys(*ctx_, true, rng_);
  auto rinfo = inspect(*save(rk, {Compression::none, SeedMode::kIfAvailable}), ctx_.get());
  ASSERT_TRUE(rinfo.ok());
  EXPECT_EQ(rinfo->kind, ObjectKind::kRelinKeys);
  EXPECT_EQ(rinfo->key_components, 3U);
  EXPECT_TRUE(rinfo->seeded);
  auto gk = test::random_galois_keys(*ctx_, {3, 2047}, false, rng_);
  auto ginfo = inspect(*save(gk, {}), ctx_.get());
  ASSERT_TRUE(ginfo.ok());
  EXPECT_EQ(ginfo->kind, ObjectKind::kGaloisKeys);
  EXPECT_EQ(ginfo->galois_elts, (std::vector<std::uint64_t>{3, 2047}));
  auto pt = test::random_plaintext(ctx_->first_context_data(), 2.0, rng_);
  EXPECT_EQ(inspect(*save(pt, {}), nullptr)->kind, ObjectKind::kPlaintext);
  auto parms = load_parameters(*save(ctx_->key_context_data().parms(), {}));
  ASSERT_TRUE(parms.ok());
  EXPECT_EQ(inspect(*save(*parms, {}), nullptr)->kind, ObjectKind::kParameters);
}

}  // namespace
}  // namespace ei::ser
