// Model evaluation (engine/ckks/model_eval.h): the plans chosen for the published logistic_v1 model,
// precision against float64 for every building block and for the whole model in both layouts
// (public-key and symmetric inputs), degree-2/3 activations, masking, and every error code.
// Precision tests print the max abs error and −log2 of it (bits) and assert both the issue's bars
// and the plan's own a-priori budget.
#include "engine/ckks/model_eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/rlwe/context.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/galois.h"
#include "engine/rlwe/keygen.h"

namespace ei::ckks {
namespace {

using rlwe::Ciphertext;
using rlwe::Plaintext;

// ---- Environment: context, keys, encryptors (expensive at N = 16384; shared) --------------------

struct Env {
  rlwe::ContextPtr ctx;
  std::unique_ptr<rlwe::KeyGenerator> keygen;
  rlwe::PublicKey pk;
  rlwe::RelinKeys relin;
  rlwe::GaloisKeys galois;
  std::unique_ptr<Encoder> enc;
  std::unique_ptr<Evaluator> ev;
  std::unique_ptr<rlwe::Encryptor> pk_encryptor;
  std::unique_ptr<rlwe::Encryptor> sk_encryptor;
  std::unique_ptr<rlwe::Decryptor> dec;

  [[nodiscard]] std::size_t slots() const { return enc->slot_count(); }
  [[nodiscard]] const rlwe::ParmsId& parms_at(std::size_t chain_index) const {
    const rlwe::ContextData* cd = &ctx->first_context_data();
    while (cd->chain_index() != chain_index) cd = cd->next();
    return cd->parms_id();
  }

  Ciphertext encrypt(const std::vector<double>& values, const rlwe::ParmsId& parms_id, double scale,
                     bool public_key) const {
    Plaintext p;
    EXPECT_TRUE(enc->encode(values, parms_id, scale, p).ok());
    Ciphertext ct;
    const Status st = public_key ? pk_encryptor->encrypt(p, ct) : sk_encryptor->encrypt_symmetric(p, ct);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return ct;
  }
  std::vector<double> decrypt(const Ciphertext& ct) const {
    Plaintext p;
    const Status st = dec->decrypt(ct, p);
    EXPECT_TRUE(st.ok()) << st.to_string();
    std::vector<double> v;
    const Status st2 = enc->decode(p, v);
    EXPECT_TRUE(st2.ok()) << st2.to_string();
    return v;
  }
};

rlwe::ContextPtr make_ctx(std::size_t n, const std::vector<int>& bits, rlwe::SecurityLevel sec) {
  auto parms = rlwe::make_ckks_parameters(n, bits);
  EXPECT_TRUE(parms.ok());
  auto ctx = rlwe::Context::create(*parms, sec);
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  return *ctx;
}

std::unique_ptr<Env> make_env(std::size_t n, const std::vector<int>& bits, const std::vector<int>& steps,
                              rlwe::SecurityLevel sec = rlwe::SecurityLevel::kTc128) {
  auto env = std::make_unique<Env>();
  env->ctx = make_ctx(n, bits, sec);
  env->keygen = std::make_unique<rlwe::KeyGenerator>(env->ctx);
  env->pk = env->keygen->create_public_key();
  if (env->ctx->using_keyswitching()) {
    auto rk = env->keygen->create_relin_keys();
    EXPECT_TRUE(rk.ok());
    env->relin = std::move(*rk);
    auto gk = env->keygen->create_galois_keys_for_steps(steps);
    EXPECT_TRUE(gk.ok()) << gk.status().to_string();
    env->galois = std::move(*gk);
  }
  env->enc = std::make_unique<Encoder>(env->ctx);
  env->ev = std::make_unique<Evaluator>(env->ctx);
  env->pk_encryptor = std::make_unique<rlwe::Encryptor>(env->ctx, env->pk);
  env->sk_encryptor = std::make_unique<rlwe::Encryptor>(env->ctx, env->keygen->secret_key());
  env->dec = std::make_unique<rlwe::Decryptor>(env->ctx, env->keygen->secret_key());
  return env;
}

// The published parameters: N = 16384, [60, 30, 30, 60], scale 2^30; Galois keys for 1, 2, 4.
const Env& logistic_env() {
  static std::unique_ptr<Env> env = make_env(16384, {60, 30, 30, 60}, {1, 2, 4});
  return *env;
}

// A wider chain for degree-2/3 activations and the matrix block: N = 8192, [60, 40, 40, 40, 60]
// (240 bits: above tc128 for N = 8192 — a test-only set), scale 2^40.
const Env& wide_env() {
  static std::unique_ptr<Env> env = [] {
    std::vector<int> steps{1, 2, 4, 8};
    for (int s : matvec_rotation_steps(5, 8, 4096)) steps.push_back(s);
    for (int s : matvec_rotation_steps(16, 16, 4096)) steps.push_back(s);
    for (int s : matvec_rotation_steps(1, 8, 4096)) steps.push_back(s);
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    return make_env(8192, {60, 40, 40, 40, 60}, steps, rlwe::SecurityLevel::kInsecure);
  }();
  return *env;
}

const LinearModelSpec kLogistic{{0.15, -0.08, 0.11, 0.07, -0.12, 0.09, 0.05, -0.04}, -0.02, {0.5, 0.197, 0.0}};

std::vector<std::vector<double>> random_batch(std::size_t samples, std::size_t d, double bound, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-bound, bound);
  std::vector<std::vector<double>> x(samples, std::vector<double>(d));
  for (auto& row : x) {
    for (auto& v : row) v = u(rng);
  }
  return x;
}

double bits_of(double err) { return err > 0 ? -std::log2(err) : 99.0; }

void report(const std::string& what, double max_err) {
  std::printf("[precision] %-58s max abs error %.3e (%.1f bits)\n", what.c_str(), max_err, bits_of(max_err));
}

// Encrypts a batch in the plan's layout at its input level.
std::vector<Ciphertext> encrypt_batch(const Env& env, const EvalPlan& plan, const std::vector<std::vector<double>>& x,
                                      bool public_key) {
  std::vector<Ciphertext> cts;
  const std::size_t d = plan.input_dimension;
  if (plan.layout == Layout::kFeatureColumns) {
    for (std::size_t i = 0; i < d; ++i) {
      std::vector<double> col(x.size());
      for (std::size_t j = 0; j < x.size(); ++j) col[j] = x[j][i];
      cts.push_back(env.encrypt(col, plan.input_parms_id, plan.input_scale, public_key));
    }
  } else {
    std::vector<double> packed(x.size() * plan.stride, 0.0);
    for (std::size_t j = 0; j < x.size(); ++j) {
      for (std::size_t i = 0; i < d; ++i) packed[j * plan.stride + i] = x[j][i];
    }
    cts.push_back(env.encrypt(packed, plan.input_parms_id, plan.input_scale, public_key));
  }
  return cts;
}

// Evaluates `batches` random batches; returns the max abs error over the output slots.
double model_error(const Env& env, const EvalPlan& plan, const LinearModelSpec& spec, bool public_key,
                   std::size_t batches, std::size_t batch, double bound, std::uint64_t seed,
                   double* garbage_max = nullptr) {
  std::mt19937_64 rng(seed);
  double max_err = 0;
  for (std::size_t t = 0; t < batches; ++t) {
    const auto x = random_batch(batch, plan.input_dimension, bound, rng);
    const auto cts = encrypt_batch(env, plan, x, public_key);
    auto y = evaluate_linear_model(*env.ev, *env.enc, plan, spec, cts, &env.relin, &env.galois);
    EXPECT_TRUE(y.ok()) << y.status().to_string();
    if (!y.ok()) return 1e9;
    EXPECT_EQ(y->parms_id, plan.output_parms_id);
    EXPECT_EQ(y->scale, plan.output_scale);
    EXPECT_EQ(y->size, 2u);
    const auto out = env.decrypt(*y);
    for (std::size_t j = 0; j < batch; ++j) {
      const double want = evaluate_plain(spec, x[j]);
      max_err = std::max(max_err, std::fabs(out[j * plan.stride] - want));
    }
    if (garbage_max != nullptr) {
      for (std::size_t k = 0; k < out.size(); ++k) {
        if (k % plan.stride != 0) *garbage_max = std::max(*garbage_max, std::fabs(out[k]));
      }
    }
  }
  return max_err;
}

// ---- logistic_v1: the plans ----------------------------------------------------------------------

TEST(LogisticPlan, FeatureColumnsIsOneLinearFormWithoutRescale) {
  const Env& env = logistic_env();
  auto plan = plan_linear_model(*env.ctx, kLogistic, Layout::kFeatureColumns, std::ldexp(1.0, 30));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::printf("%s", plan->description.c_str());
  EXPECT_EQ(plan->input_chain_index, 2u);  // the first data level, what v1.0 clients send
  EXPECT_EQ(plan->input_parms_id, env.ctx->first_parms_id());
  EXPECT_EQ(plan->stride, 1u);
  EXPECT_EQ(plan->max_batch, 8192u);
  EXPECT_TRUE(plan->rotation_steps.empty());
  EXPECT_TRUE(plan->galois_elts.empty());
  EXPECT_FALSE(plan->needs_relin_keys);
  EXPECT_EQ(plan->rescale_count, 0u);
  EXPECT_EQ(plan->activation_degree, 1);
  EXPECT_EQ(plan->weight_scale, std::ldexp(1.0, 27));
  EXPECT_EQ(plan->output_scale, std::ldexp(1.0, 57));  // the product scale, never rescaled
  EXPECT_EQ(plan->output_chain_index, 0u);             // mod-switched to one 60-bit prime
  EXPECT_TRUE(plan->meets_max_error);
  EXPECT_LE(plan->error_budget_symmetric, 1e-6);
  EXPECT_LE(plan->error_budget, 1e-5);
  // c1 and c0 are folded into the weights and bias.
  EXPECT_DOUBLE_EQ(plan->folded_weights[0], 0.197 * 0.15);
  EXPECT_DOUBLE_EQ(plan->folded_bias, 0.5 + 0.197 * -0.02);
}

TEST(LogisticPlan, PackedRowsTakesTheLowestLevel) {
  const Env& env = logistic_env();
  auto plan = plan_linear_model(*env.ctx, kLogistic, Layout::kPackedRows, std::ldexp(1.0, 30));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::printf("%s", plan->description.c_str());
  EXPECT_EQ(plan->stride, 8u);
  EXPECT_EQ(plan->max_batch, 1024u);
  EXPECT_EQ(plan->rotation_steps, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(plan->galois_elts, (std::vector<std::uint64_t>{3, 9, 81}));  // protocol §8.4
  EXPECT_FALSE(plan->needs_relin_keys);
  EXPECT_EQ(plan->rescale_count, 0u);
  EXPECT_EQ(plan->input_chain_index, 0u);  // no rescale: one prime holds x·W at 2^57
  EXPECT_EQ(plan->output_chain_index, 0u);
  EXPECT_EQ(plan->output_scale, std::ldexp(1.0, 57));
  EXPECT_TRUE(plan->meets_max_error);
  EXPECT_LE(plan->error_budget_symmetric, 1e-6);
  EXPECT_LE(plan->error_budget, 1e-5);
}

TEST(LogisticPlan, NoiseModelMatchesTheIssuesFigure) {
  // "rescale rounding alone adds about 3e-6 per slot at this N and scale".
  const Env& env = logistic_env();
  const NoiseModel m = noise_model(*env.ctx, 2);
  const double per_slot = m.rounding / std::ldexp(1.0, 30);
  const double sc = std::ldexp(1.0, 30);
  std::printf("noise per slot at 2^30: rounding %.3g, fresh symmetric %.3g, fresh public key %.3g, key switch %.3g "
              "(+ digits' mean: RMS %.3g, slot 0 %.3g)\n",
              per_slot, m.fresh_symmetric / sc, m.fresh_public_key / sc, m.key_switch / sc, m.key_switch_dc_rms / sc,
              m.key_switch_dc_worst / sc);
  EXPECT_GT(per_slot, 2e-6);
  EXPECT_LT(per_slot, 3.5e-6);
  EXPECT_GT(m.fresh_public_key, 5 * m.fresh_symmetric);
}

// ---- logistic_v1: precision and timing -----------------------------------------------------------

struct LogisticCase {
  Layout layout;
  bool public_key;
};

class LogisticPrecision : public ::testing::TestWithParam<LogisticCase> {};

TEST_P(LogisticPrecision, RandomBatchesOf16MeetTheBars) {
  const Env& env = logistic_env();
  const auto [layout, public_key] = GetParam();
  auto plan = plan_linear_model(*env.ctx, kLogistic, layout, std::ldexp(1.0, 30));
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const double err = model_error(env, *plan, kLogistic, public_key, 8, 16, 1.0, public_key ? 11 : 12);
  report(std::string("logistic_v1 ") + std::string(layout_name(layout)) +
             (public_key ? " public-key inputs" : " symmetric inputs"),
         err);
  if (public_key) {
    EXPECT_LE(err, 1e-5);
    EXPECT_LE(err, plan->error_budget);
  } else {
    EXPECT_LE(err, 1e-6);
    EXPECT_LE(err, plan->error_budget_symmetric);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, LogisticPrecision,
                         ::testing::Values(LogisticCase{Layout::kFeatureColumns, true},
                                           LogisticCase{Layout::kFeatureColumns, false},
                                           LogisticCase{Layout::kPackedRows, true},
                                           LogisticCase{Layout::kPackedRows, false}),
                         [](const auto& p) {
                           return std::string(p.param.layout == Layout::kPackedRows ? "PackedRows" : "FeatureColumns") +
                                  (p.param.public_key ? "PublicKey" : "Symmetric");
                         });

TEST(LogisticPackedRows, FromAFirstLevelCiphertextModSwitchedDown) {
  // A client may encrypt at the first level and mod-switch down (no noise added).
  const Env& env = logistic_env();
  auto plan = plan_linear_model(*env.ctx, kLogistic, Layout::kPackedRows, std::ldexp(1.0, 30));
  ASSERT_TRUE(plan.ok());
  std::mt19937_64 rng(5);
  const auto x = random_batch(16, 8, 1.0, rng);
  std::vector<double> packed(16 * 8);
  for (std::size_t j = 0; j < 16; ++j) std::copy(x[j].begin(), x[j].end(), packed.begin() + static_cast<long>(j * 8));
  Ciphertext ct = env.encrypt(packed, env.ctx->first_parms_id(), std::ldexp(1.0, 30), true);
  ASSERT_TRUE(env.ev->mod_switch_to(ct, plan->input_parms_id, ct).ok());
  auto y = evaluate_linear_model(*env.ev, *env.enc, *plan, kLogistic, std::span(&ct, 1), nullptr, &env.galois);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  const auto out = env.decrypt(*y);
  double err = 0;
  for (std::size_t j = 0; j < 16; ++j) err = std::max(err, std::fabs(out[j * 8] - evaluate_plain(kLogistic, x[j])));
  report("logistic_v1 packed_rows, first level then mod_switch_to", err);
  EXPECT_LE(err, 1e-5);
}

TEST(LogisticTiming, OneEvaluationPerLayout) {
  const Env& env = logistic_env();
  std::mt19937_64 rng(9);
  const auto x = random_batch(16, 8, 1.0, rng);
  for (Layout layout : {Layout::kFeatureColumns, Layout::kPackedRows}) {
    auto plan = plan_linear_model(*env.ctx, kLogistic, layout, std::ldexp(1.0, 30));
    ASSERT_TRUE(plan.ok());
    const auto cts = encrypt_batch(env, *plan, x, true);
    std::vector<double> ms;
    for (int rep = 0; rep < 7; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      auto y = evaluate_linear_model(*env.ev, *env.enc, *plan, kLogistic, cts, nullptr, &env.galois);
      const auto t1 = std::chrono::steady_clock::now();
      ASSERT_TRUE(y.ok());
      ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    const auto t0 = std::chrono::steady_clock::now();
    auto again = plan_linear_model(*env.ctx, kLogistic, layout, std::ldexp(1.0, 30));
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(again.ok());
    std::printf("[timing] logistic_v1 %-15s N=16384: evaluate median %.2f ms (min %.2f, max %.2f); plan %.2f ms\n",
                std::string(layout_name(layout)).c_str(), ms[ms.size() / 2], ms.front(), ms.back(),
                std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
}

TEST(LogisticPackedRows, MaskedOutputZeroesTheOtherSlots) {
  const Env& env = logistic_env();
  PlanOptions opt;
  opt.mask_output = true;
  auto plan = plan_linear_model(*env.ctx, kLogistic, Layout::kPackedRows, std::ldexp(1.0, 30), opt);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::printf("%s", plan->description.c_str());
  EXPECT_TRUE(plan->mask_output);
  EXPECT_GT(plan->mask_scale, 0.0);
  // The mask cannot be folded into the weights for degree 1: it needs a level more than unmasked.
  EXPECT_EQ(plan->input_chain_index, 1u);
  double garbage = 0;
  const double err = model_error(env, *plan, kLogistic, false, 2, 16, 1.0, 21, &garbage);
  report("logistic_v1 packed_rows masked, symmetric", err);
  report("logistic_v1 packed_rows masked: |other slots|", garbage);
  EXPECT_LE(err, plan->error_budget_symmetric);
  EXPECT_LE(err, 1e-6);
  EXPECT_LE(garbage, 1e-6);
}

// ---- Degree 2 and 3 activations ------------------------------------------------------------------

struct PolyModelCase {
  const char* name;
  std::vector<double> activation;
  Layout layout;
  bool mask;
};

class PolyModel : public ::testing::TestWithParam<PolyModelCase> {};

TEST_P(PolyModel, MatchesFloat64WithinTheBudget) {
  const Env& env = wide_env();
  const auto& c = GetParam();
  const LinearModelSpec spec{{0.3, -0.25, 0.2, 0.1, -0.15}, 0.05, c.activation};
  PlanOptions opt;
  opt.mask_output = c.mask;
  auto plan = plan_linear_model(*env.ctx, spec, c.layout, std::ldexp(1.0, 40), opt);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::printf("%s", plan->description.c_str());
  EXPECT_TRUE(plan->needs_relin_keys);
  EXPECT_EQ(plan->rescale_count, plan->activation_degree == 2 ? 1u : 2u);
  double garbage = 0;
  for (bool pk : {false, true}) {
    const double err = model_error(env, *plan, spec, pk, 2, 16, 1.0, 31, c.mask ? &garbage : nullptr);
    report(std::string(c.name) + (pk ? " public key" : " symmetric"), err);
    EXPECT_LE(err, pk ? plan->error_budget : plan->error_budget_symmetric);
    EXPECT_LE(err, 1e-5);
  }
  if (c.mask) {
    report(std::string(c.name) + ": |other slots|", garbage);
    EXPECT_LE(garbage, plan->error_budget);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Activations, PolyModel,
    ::testing::Values(PolyModelCase{"deg2_feature_columns", {0.5, 0.15, 0.012}, Layout::kFeatureColumns, false},
                      PolyModelCase{"deg2_packed_rows", {0.5, 0.15, 0.012}, Layout::kPackedRows, false},
                      PolyModelCase{"deg2_negative_lead_packed", {0.1, 0.4, -0.3}, Layout::kPackedRows, false},
                      PolyModelCase{"deg2_packed_rows_masked", {0.5, 0.15, 0.012}, Layout::kPackedRows, true},
                      PolyModelCase{"deg3_feature_columns", {0.5, 0.197, 0.0, -0.004}, Layout::kFeatureColumns, false},
                      PolyModelCase{"deg3_packed_rows", {0.5, 0.197, 0.0, -0.004}, Layout::kPackedRows, false},
                      PolyModelCase{"deg3_full_packed_rows", {0.2, -0.3, 0.25, 0.5}, Layout::kPackedRows, false},
                      PolyModelCase{"deg3_packed_rows_masked", {0.5, 0.197, 0.0, -0.004}, Layout::kPackedRows, true}),
    [](const auto& p) { return std::string(p.param.name); });

// ---- Building blocks ----------------------------------------------------------------------------

TEST(LinearForm, PrecisionAndScale) {
  const Env& env = logistic_env();
  std::mt19937_64 rng(41);
  const std::size_t d = 8, slots = env.slots();
  const auto x = random_batch(d, slots, 1.0, rng);  // x[i] = feature i over all slots
  std::vector<double> w{0.5, -0.25, 0.0, 0.125, 0.75, -0.5, 0.3, -0.1};
  const double bias = 0.2;
  std::vector<Ciphertext> cts;
  for (std::size_t i = 0; i < d; ++i) cts.push_back(env.encrypt(x[i], env.ctx->first_parms_id(), std::ldexp(1.0, 30), false));
  auto y = linear_form(*env.ev, *env.enc, cts, w, bias, std::ldexp(1.0, 27));
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->scale, std::ldexp(1.0, 57));
  EXPECT_EQ(y->parms_id, env.ctx->first_parms_id());
  const auto out = env.decrypt(*y);
  double err = 0;
  for (std::size_t k = 0; k < slots; ++k) {
    double want = bias;
    for (std::size_t i = 0; i < d; ++i) want += w[i] * x[i][k];
    err = std::max(err, std::fabs(out[k] - want));
  }
  report("linear_form (8 terms, all 8192 slots, symmetric, N=16384)", err);
  // ‖w‖₂·(7σ fresh symmetric) + Σ|w_i|·0.5/2^27.
  const double bound = 7 * noise_model(*env.ctx, 2).fresh_symmetric / std::ldexp(1.0, 30) * 1.2 + 4.0 / std::ldexp(1.0, 27);
  EXPECT_LE(err, bound);
}

TEST(LinearForm, Errors) {
  const Env& env = logistic_env();
  const std::vector<double> v{0.5};
  const Ciphertext a = env.encrypt(v, env.ctx->first_parms_id(), std::ldexp(1.0, 30), false);
  const Ciphertext b_low = env.encrypt(v, env.parms_at(1), std::ldexp(1.0, 30), false);
  const Ciphertext b_scale = env.encrypt(v, env.ctx->first_parms_id(), std::ldexp(1.0, 31), false);
  const std::vector<double> w2{1.0, 2.0};
  std::vector<Ciphertext> two{a, b_low};
  EXPECT_EQ(linear_form(*env.ev, *env.enc, two, w2, 0, 1024).status().code(), Code::LEVEL_MISMATCH);
  two[1] = b_scale;
  EXPECT_EQ(linear_form(*env.ev, *env.enc, two, w2, 0, 1024).status().code(), Code::SCALE_MISMATCH);
  const std::vector<double> w1{1.0};
  EXPECT_EQ(linear_form(*env.ev, *env.enc, two, w1, 0, 1024).status().code(), Code::INVALID_ARGUMENT);
  const std::vector<double> zeros{0.0, 0.0};
  two[1] = a;
  EXPECT_EQ(linear_form(*env.ev, *env.enc, two, zeros, 0, 1024).status().code(), Code::INVALID_ARGUMENT);
  EXPECT_EQ(linear_form(*env.ev, *env.enc, {}, {}, 0, 1024).status().code(), Code::INVALID_ARGUMENT);
}

TEST(RotateAndSum, PrecisionAndKeys) {
  const Env& env = logistic_env();
  std::mt19937_64 rng(51);
  const std::size_t slots = env.slots();
  const auto x = random_batch(1, slots, 1.0, rng)[0];
  const Ciphertext ct = env.encrypt(x, env.ctx->first_parms_id(), std::ldexp(1.0, 50), false);
  auto y = rotate_and_sum(*env.ev, ct, 8, env.galois);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->scale, ct.scale);
  EXPECT_EQ(y->parms_id, ct.parms_id);
  const auto out = env.decrypt(*y);
  double err = 0;
  for (std::size_t k = 0; k < slots; ++k) {
    double want = 0;
    for (std::size_t i = 0; i < 8; ++i) want += x[(k + i) % slots];
    err = std::max(err, std::fabs(out[k] - want));
  }
  report("rotate_and_sum width 8 at scale 2^50 (all slots, cyclic)", err);
  // 7 key switches (the digits' mean term at the worst slot, 7σ; the centred part, 19σ) plus √8
  // fresh noises (7σ), at 2^50.
  const NoiseModel m = noise_model(*env.ctx, 2);
  const double bound = (kErrorSigmas * std::sqrt(7.0) * m.key_switch_dc_worst +
                        kErrorSigmasProduct * std::sqrt(7.0) * m.key_switch +
                        kErrorSigmas * std::sqrt(8.0) * m.fresh_symmetric) /
                       std::ldexp(1.0, 50);
  std::printf("rotate_and_sum bound %.3g\n", bound);
  EXPECT_LE(err, bound);

  auto one = rotate_and_sum(*env.ev, ct, 1, env.galois);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->data, ct.data);
  EXPECT_EQ(rotate_and_sum(*env.ev, ct, 16, env.galois).status().code(), Code::MISSING_KEY);  // no key for 8
  EXPECT_EQ(rotate_and_sum(*env.ev, ct, 6, env.galois).status().code(), Code::INVALID_ARGUMENT);
  EXPECT_EQ(rotate_and_sum(*env.ev, ct, 0, env.galois).status().code(), Code::INVALID_ARGUMENT);
}

struct PolyCase {
  std::vector<double> coeffs;
  std::size_t levels_used;
};

class EvalPolynomial : public ::testing::TestWithParam<PolyCase> {};

TEST_P(EvalPolynomial, PrecisionAndLevelUse) {
  const Env& env = wide_env();
  const auto& c = GetParam();
  std::mt19937_64 rng(61);
  const std::size_t slots = env.slots();
  const auto x = random_batch(1, slots, 1.0, rng)[0];
  const rlwe::ParmsId& at = env.parms_at(2);
  const Ciphertext ct = env.encrypt(x, at, std::ldexp(1.0, 40), false);
  auto y = eval_polynomial(*env.ev, *env.enc, ct, c.coeffs, env.relin);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->parms_id, env.parms_at(2 - c.levels_used));
  const auto out = env.decrypt(*y);
  double err = 0;
  for (std::size_t k = 0; k < slots; ++k) {
    double want = 0, xk = 1;
    for (double coef : c.coeffs) {
      want += coef * xk;
      xk *= x[k];
    }
    err = std::max(err, std::fabs(out[k] - want));
  }
  std::string name = "eval_polynomial [";
  for (double coef : c.coeffs) name += std::to_string(coef).substr(0, 6) + " ";
  report(name + "] all slots, 2^40", err);
  EXPECT_LE(err, 1e-7);
}

INSTANTIATE_TEST_SUITE_P(Degrees, EvalPolynomial,
                         ::testing::Values(PolyCase{{0.5, 0.197}, 0}, PolyCase{{0.5, -2.5}, 0},
                                           PolyCase{{0.5, 0.15, 0.012}, 0}, PolyCase{{-0.3, 0.0, -1.7}, 0},
                                           PolyCase{{0.5, 0.197, 0.0, -0.004}, 1},
                                           PolyCase{{0.1, -0.7, 0.4, 2.0}, 1}, PolyCase{{0.0, 0.0, 0.0, 1.0}, 1}));

TEST(EvalPolynomialErrors, Codes) {
  const Env& env = wide_env();
  const std::vector<double> v{0.5};
  const Ciphertext last = env.encrypt(v, env.parms_at(0), std::ldexp(1.0, 40), false);
  const std::vector<double> cubic{0, 0, 0, 1}, constant{1.0}, quartic{0, 0, 0, 0, 1}, none{};
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, last, cubic, env.relin).status().code(), Code::END_OF_MODULUS_CHAIN);
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, last, constant, env.relin).status().code(), Code::INVALID_ARGUMENT);
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, last, quartic, env.relin).status().code(), Code::INVALID_ARGUMENT);
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, last, none, env.relin).status().code(), Code::INVALID_ARGUMENT);
  const std::vector<double> square{0, 0, 1};
  const Ciphertext high = env.encrypt(v, env.parms_at(2), std::ldexp(1.0, 40), false);
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, high, square, rlwe::RelinKeys{}).status().code(), Code::KEY_MISMATCH);
  EXPECT_EQ(eval_polynomial(*env.ev, *env.enc, last, square, env.relin).status().code(), Code::INVALID_SCALE);
}

struct MatCase {
  std::size_t rows, cols;
  int lift_bits;
};

class MatvecDiagonal : public ::testing::TestWithParam<MatCase> {};

TEST_P(MatvecDiagonal, PrecisionAndCleanOutput) {
  const Env& env = wide_env();
  const auto [rows, cols, lift_bits] = GetParam();
  std::mt19937_64 rng(71 + rows * 100 + cols);
  const auto m = random_batch(rows, cols, 1.0, rng);
  const auto v = random_batch(1, cols, 1.0, rng)[0];
  const Ciphertext ct = env.encrypt(v, env.parms_at(2), std::ldexp(1.0, 40), false);
  MatvecOptions opt;
  opt.lift_scale = std::ldexp(1.0, lift_bits);
  auto y = matvec_diagonal(*env.ev, *env.enc, ct, m, env.galois, opt);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_EQ(y->scale, std::ldexp(1.0, 80 + lift_bits));
  EXPECT_EQ(y->parms_id, ct.parms_id);
  const auto out = env.decrypt(*y);
  double err = 0, garbage = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    double want = 0;
    for (std::size_t j = 0; j < cols; ++j) want += m[i][j] * v[j];
    err = std::max(err, std::fabs(out[i] - want));
  }
  for (std::size_t k = rows; k < out.size(); ++k) garbage = std::max(garbage, std::fabs(out[k]));
  const std::size_t diags = rows + cols - 1;
  const auto baby = static_cast<double>(std::size_t{1} << ((std::bit_width(diags - 1) + 1) / 2));
  // Baby-step key switches on x at 2^(40 + lift): digits' mean at the worst slot (7σ) and the
  // centred part (19σ), up to B − 1 rotations, through a row (|M_ij| ≤ 1, so ‖row‖₂ ≤ √cols);
  // plus the fresh noise of x and the diagonals' quantization (N rounded coefficients: σ √(N/24)),
  // both at 2^40, 7σ through a row. Giant steps act on products at 2^(80 + lift): negligible.
  const NoiseModel nm = noise_model(*env.ctx, 2);
  const double row = std::sqrt(static_cast<double>(cols));
  const double bound =
      std::sqrt(baby - 1) * (kErrorSigmas * nm.key_switch_dc_worst + kErrorSigmasProduct * nm.key_switch) /
          std::ldexp(1.0, 40 + lift_bits) * row +
      kErrorSigmas * row * (nm.fresh_symmetric + std::sqrt(8192.0 / 24.0)) / std::ldexp(1.0, 40);
  report("matvec_diagonal " + std::to_string(rows) + "x" + std::to_string(cols) + " at 2^40, lift 2^" +
             std::to_string(lift_bits),
         err);
  report("matvec_diagonal: |slots ≥ rows|", garbage);
  EXPECT_LE(err, bound);
  EXPECT_LE(garbage, bound);
  if (lift_bits >= 20) {
    EXPECT_LE(err, 1e-8);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, MatvecDiagonal,
                         ::testing::Values(MatCase{5, 8, 0}, MatCase{5, 8, 20}, MatCase{16, 16, 0},
                                           MatCase{16, 16, 20}, MatCase{1, 8, 20}));

TEST(MatvecDiagonalErrors, Codes) {
  const Env& env = wide_env();
  const std::vector<double> v{0.5};
  const Ciphertext ct = env.encrypt(v, env.parms_at(2), std::ldexp(1.0, 40), false);
  const auto steps = matvec_rotation_steps(3, 300, 4096);
  rlwe::GaloisKeys none;
  none.parms_id = env.ctx->key_parms_id();
  std::vector<std::vector<double>> m(3, std::vector<double>(300, 0.5));
  EXPECT_FALSE(steps.empty());
  EXPECT_EQ(matvec_diagonal(*env.ev, *env.enc, ct, m, none).status().code(), Code::MISSING_KEY);
  std::vector<std::vector<double>> ragged{{1.0, 2.0}, {1.0}};
  EXPECT_EQ(matvec_diagonal(*env.ev, *env.enc, ct, ragged, env.galois).status().code(), Code::INVALID_ARGUMENT);
  std::vector<std::vector<double>> zero{{0.0, 0.0}};
  EXPECT_EQ(matvec_diagonal(*env.ev, *env.enc, ct, zero, env.galois).status().code(), Code::INVALID_ARGUMENT);
  std::vector<std::vector<double>> huge(3000, std::vector<double>(2000, 1.0));
  EXPECT_EQ(matvec_diagonal(*env.ev, *env.enc, ct, huge, env.galois).status().code(), Code::INVALID_ARGUMENT);
}

// ---- Errors of the model API ---------------------------------------------------------------------

TEST(ModelErrors, TooFewLevels) {
  // [60, 60]: one data prime (chain index 0) — no level to rescale a quadratic's linear sum.
  const auto ctx = make_ctx(8192, {60, 60}, rlwe::SecurityLevel::kTc128);
  const LinearModelSpec quad{{0.5, 0.5}, 0.0, {0.0, 0.0, 1.0}};
  auto plan = plan_linear_model(*ctx, quad, Layout::kFeatureColumns, std::ldexp(1.0, 20));
  EXPECT_EQ(plan.status().code(), Code::END_OF_MODULUS_CHAIN);
  EXPECT_NE(plan.status().detail().find("needs 1 level below"), std::string::npos) << plan.status().detail();
  // logistic_v1's chain with a cubic forced in at chain index 1 (needs 2 below it).
  const Env& env = logistic_env();
  PlanOptions opt;
  opt.input_chain_index = 1;
  const LinearModelSpec cubic{kLogistic.weights, 0.0, {0.5, 0.197, 0.0, -0.004}};
  auto p2 = plan_linear_model(*env.ctx, cubic, Layout::kPackedRows, std::ldexp(1.0, 30), opt);
  EXPECT_EQ(p2.status().code(), Code::END_OF_MODULUS_CHAIN);
  std::printf("%s\n", p2.status().to_string().c_str());
  // Degree 1 needs none.
  const LinearModelSpec lin{{0.5, 0.5}, 0.0, {0.0, 1.0}};
  EXPECT_TRUE(plan_linear_model(*ctx, lin, Layout::kFeatureColumns, std::ldexp(1.0, 20)).ok());
}

TEST(ModelErrors, BadSpecsScalesAndOptions) {
  const Env& env = logistic_env();
  const auto& ctx = *env.ctx;
  const double sc = std::ldexp(1.0, 30);
  auto code = [&](const LinearModelSpec& s, Layout l = Layout::kFeatureColumns, double scale = std::ldexp(1.0, 30),
                  PlanOptions o = {}) { return plan_linear_model(ctx, s, l, scale, o).status().code(); };
  EXPECT_EQ(code({{}, 0, {0, 1}}), Code::INVALID_ARGUMENT);
  EXPECT_EQ(code({{0.1, NAN}, 0, {0, 1}}), Code::INVALID_ARGUMENT);
  EXPECT_EQ(code({{0.1}, INFINITY, {0, 1}}), Code::INVALID_ARGUMENT);
  EXPECT_EQ(code({{0.1}, 0, {}}), Code::INVALID_ARGUMENT);
  EXPECT_EQ(code({{0.1}, 0, {0.5, 0.0}}), Code::INVALID_ARGUMENT);            // degree 0
  EXPECT_EQ(code({{0.1}, 0, {0, 0, 0, 0, 1}}), Code::INVALID_ARGUMENT);       // degree 4
  EXPECT_EQ(code({{0.0, 0.0}, 0.3, {0, 1}}), Code::INVALID_ARGUMENT);         // all weights zero
  EXPECT_EQ(code(kLogistic, Layout::kFeatureColumns, 0.0), Code::INVALID_SCALE);
  EXPECT_EQ(code(kLogistic, Layout::kFeatureColumns, NAN), Code::INVALID_SCALE);
  EXPECT_EQ(code(kLogistic, Layout::kFeatureColumns, std::ldexp(1.0, 119)), Code::INVALID_SCALE);
  PlanOptions big;
  big.batch_size = 1025;  // 1025 × 8 > 8192 slots
  EXPECT_EQ(code(kLogistic, Layout::kPackedRows, sc, big), Code::INVALID_ARGUMENT);
  big.batch_size = 1024;
  EXPECT_TRUE(plan_linear_model(ctx, kLogistic, Layout::kPackedRows, sc, big).ok());
  PlanOptions high;
  high.input_chain_index = 3;
  EXPECT_EQ(code(kLogistic, Layout::kPackedRows, sc, high), Code::INVALID_ARGUMENT);
  LinearModelSpec wide{std::vector<double>(8193, 0.01), 0, {0, 1}};
  EXPECT_EQ(code(wide, Layout::kPackedRows), Code::INVALID_ARGUMENT);  // stride 16384 > slots
}

class ModelInputErrors : public ::testing::Test {
 protected:
  const Env& env = logistic_env();
  EvalPlan fc, pr;
  std::vector<Ciphertext> cols;
  Ciphertext row;
  void SetUp() override {
    fc = *plan_linear_model(*env.ctx, kLogistic, Layout::kFeatureColumns, std::ldexp(1.0, 30));
    pr = *plan_linear_model(*env.ctx, kLogistic, Layout::kPackedRows, std::ldexp(1.0, 30));
    std::mt19937_64 rng(81);
    const auto x = random_batch(4, 8, 1.0, rng);
    cols = encrypt_batch(env, fc, x, false);
    row = encrypt_batch(env, pr, x, false)[0];
  }
  Code eval_fc(const std::vector<Ciphertext>& in) const {
    return evaluate_linear_model(*env.ev, *env.enc, fc, kLogistic, in, nullptr, nullptr).status().code();
  }
};

TEST_F(ModelInputErrors, WrongLevel) {
  auto in = cols;
  ASSERT_TRUE(env.ev->mod_switch_to_next(in[3], in[3]).ok());
  EXPECT_EQ(eval_fc(in), Code::LEVEL_MISMATCH);
  in[3] = cols[3];
  in[3].parms_id[0] ^= 0xFF;  // not in the chain
  EXPECT_EQ(eval_fc(in), Code::PARMS_ID_UNKNOWN);
  Ciphertext high = row;  // packed rows input must be at chain index 0
  const std::vector<double> v{0.1};
  high = env.encrypt(v, env.ctx->first_parms_id(), std::ldexp(1.0, 30), true);
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, pr, kLogistic, std::span(&high, 1), nullptr, &env.galois)
                .status().code(),
            Code::LEVEL_MISMATCH);
}

TEST_F(ModelInputErrors, WrongScale) {
  auto in = cols;
  const std::vector<double> v{0.1};
  in[5] = env.encrypt(v, fc.input_parms_id, std::ldexp(1.0, 31), false);
  EXPECT_EQ(eval_fc(in), Code::SCALE_MISMATCH);
  in[5] = cols[5];
  in[5].scale = std::nextafter(in[5].scale, 0.0);  // exact equality is required
  EXPECT_EQ(eval_fc(in), Code::SCALE_MISMATCH);
}

TEST_F(ModelInputErrors, WrongSizeCountFormAndSpec) {
  auto in = cols;
  Ciphertext sq;
  ASSERT_TRUE(env.ev->square(cols[0], sq).ok());
  in[0] = sq;
  EXPECT_EQ(eval_fc(in), Code::INVALID_SIZE);
  in[0] = cols[0];
  in[0].is_ntt_form = false;
  EXPECT_EQ(eval_fc(in), Code::NOT_NTT_FORM);
  in[0] = cols[0];
  in.pop_back();
  EXPECT_EQ(eval_fc(in), Code::INVALID_ARGUMENT);
  LinearModelSpec other = kLogistic;
  other.bias = 0.01;
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, fc, other, cols, nullptr, nullptr).status().code(),
            Code::INVALID_ARGUMENT);
  // Nothing was evaluated: the check happens before any work, and a valid call still succeeds.
  EXPECT_TRUE(evaluate_linear_model(*env.ev, *env.enc, fc, kLogistic, cols, nullptr, nullptr).ok());
}

TEST_F(ModelInputErrors, MissingKeys) {
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, pr, kLogistic, std::span(&row, 1), nullptr, nullptr)
                .status().code(),
            Code::MISSING_KEY);
  auto partial = env.keygen->create_galois_keys_for_steps(std::vector<int>{1, 2});
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, pr, kLogistic, std::span(&row, 1), nullptr, &*partial)
                .status().code(),
            Code::MISSING_KEY);
  // A quadratic activation needs relinearization keys.
  const LinearModelSpec quad{kLogistic.weights, 0.0, {0.5, 0.197, 0.01}};
  auto qp = plan_linear_model(*env.ctx, quad, Layout::kFeatureColumns, std::ldexp(1.0, 30));
  ASSERT_TRUE(qp.ok()) << qp.status().to_string();
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, *qp, quad, cols, nullptr, nullptr).status().code(),
            Code::MISSING_KEY);
  rlwe::RelinKeys empty;
  EXPECT_EQ(evaluate_linear_model(*env.ev, *env.enc, *qp, quad, cols, &empty, nullptr).status().code(),
            Code::MISSING_KEY);
  EXPECT_TRUE(evaluate_linear_model(*env.ev, *env.enc, *qp, quad, cols, &env.relin, nullptr).ok());
}

}  // namespace
}  // namespace ei::ckks
