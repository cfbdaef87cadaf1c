// Parameters, parms_id and the modulus chain against the values SEAL 4.1.2 produces
// (seal-compat.md §2–3; the interop suite compares many more sets with live SEAL output).
#include <gtest/gtest.h>

#include "engine/math/primes.h"
#include "engine/rlwe/context.h"

namespace ei::rlwe {
namespace {

TEST(ContextTest, ParmsIdMatchesSealTestVector) {
  EncryptionParameters p;
  p.poly_modulus_degree = 8192;
  p.coeff_modulus = {1152921504606748673ULL, 1099510890497ULL, 1099511480321ULL, 1152921504606830593ULL};
  EXPECT_EQ(parms_id_hex(compute_parms_id(p)),
            "e2a8dd3f1586dacfac02a4591f26b3ba536e0b1f60e28faef57f030eab08c5dd");
}

TEST(ContextTest, PrimesForPublishedModel) {
  auto p = make_ckks_parameters(16384, std::vector<int>{60, 30, 30, 60});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->coeff_modulus, (std::vector<std::uint64_t>{1152921504606683137ULL, 1073479681ULL, 1073643521ULL,
                                                          1152921504606748673ULL}));
}

TEST(ContextTest, ChainDropsLastPrimeEachLevel) {
  auto p = make_ckks_parameters(8192, std::vector<int>{60, 40, 40, 60});
  ASSERT_TRUE(p.ok());
  auto ctx = Context::create(*p);
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  const Context& c = **ctx;
  ASSERT_EQ(c.level_count(), 4U);
  EXPECT_TRUE(c.using_keyswitching());
  EXPECT_EQ(c.key_context_data().chain_index(), 3U);
  EXPECT_EQ(&c.first_context_data(), &c.level(1));
  EXPECT_EQ(c.last_context_data().chain_index(), 0U);
  for (std::size_t i = 0; i < c.level_count(); ++i) {
    const auto& level = c.level(i);
    EXPECT_EQ(level.coeff_modulus_size(), 4 - i);
    EncryptionParameters truncated = *p;
    truncated.coeff_modulus.resize(4 - i);
    EXPECT_EQ(level.parms_id(), compute_parms_id(truncated));
    EXPECT_EQ(c.get_context_data(level.parms_id()), &level);
  }
  EXPECT_EQ(c.key_context_data().total_coeff_modulus_bit_count(), 200);
  EXPECT_EQ(c.get_context_data(kParmsIdZero), nullptr);
}

TEST(ContextTest, SinglePrimeHasNoKeySwitching) {
  auto p = make_ckks_parameters(1024, std::vector<int>{27});
  ASSERT_TRUE(p.ok());
  auto ctx = Context::create(*p);
  ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
  EXPECT_FALSE((*ctx)->using_keyswitching());
  EXPECT_EQ(&(*ctx)->first_context_data(), &(*ctx)->key_context_data());
}

TEST(ContextTest, SecurityBoundEnforcedUnlessInsecure) {
  auto p = make_ckks_parameters(8192, std::vector<int>{60, 60, 60, 60});  // 240 > 218
  ASSERT_TRUE(p.ok());
  auto strict = Context::create(*p);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), Code::INSECURE_PARAMETERS);
  EXPECT_TRUE(Context::create(*p, SecurityLevel::kInsecure).ok());
  auto at_bound = make_ckks_parameters(16384, std::vector<int>{60, 60, 60, 60, 60, 60, 58});  // 418 ≤ 438
  ASSERT_TRUE(at_bound.ok());
  EXPECT_TRUE(Context::create(*at_bound).ok());
}

TEST(ContextTest, InvalidParametersRejected) {
  EncryptionParameters p;
  p.poly_modulus_degree = 8192;
  p.coeff_modulus = {1152921504606748673ULL};
  EncryptionParameters bad = p;
  bad.poly_modulus_degree = 3000;
  EXPECT_EQ(Context::create(bad).status().code(), Code::INVALID_PARAMETERS);
  bad = p;
  bad.poly_modulus_degree = 512;
  EXPECT_EQ(Context::create(bad).status().code(), Code::INVALID_PARAMETERS);
  bad = p;
  bad.coeff_modulus = {};
  EXPECT_EQ(Context::create(bad).status().code(), Code::INVALID_PARAMETERS);
  bad = p;
  bad.coeff_modulus = {1152921504606748673ULL, 1152921504606748673ULL};  // not coprime
  EXPECT_EQ(Context::create(bad, SecurityLevel::kInsecure).status().code(), Code::INVALID_PARAMETERS);
  bad = p;
  bad.coeff_modulus = {1099511627791ULL};  // prime, but not 1 mod 2N
  EXPECT_EQ(Context::create(bad).status().code(), Code::INVALID_PARAMETERS);
  bad = p;
  bad.scheme = SchemeType::bfv;
  EXPECT_EQ(Context::create(bad).status().code(), Code::UNSUPPORTED_SCHEME);
  bad = p;
  bad.plain_modulus = 65537;
  EXPECT_EQ(Context::create(bad).status().code(), Code::INVALID_PARAMETERS);
  EXPECT_EQ(make_ckks_parameters(8192, std::vector<int>{61}).status().code(), Code::INVALID_PARAMETERS);
}

}  // namespace
}  // namespace ei::rlwe
