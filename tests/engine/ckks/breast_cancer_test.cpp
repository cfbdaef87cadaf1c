// The bundled breast_cancer_v1 model (models/breast_cancer_v1.json, written with its data files in
// models/breast_cancer_v1/ by scripts/train_breast_cancer.py; nothing is retrained here):
//   - the committed files agree with one another (dimensions, the float64 accuracies in accuracy.json);
//   - the parameters are tc128 at N = 8192 and both layouts plan from the model file as the server
//     plans them (input bound = the stated input domain);
//   - the whole test split, encrypted (public key and symmetric) in each layout, evaluated, decrypted:
//     max |encrypted − float64 polynomial model| ≤ 1e-5 and ≤ the card's statement, the same class
//     as the plain path for every sample farther than 1e-4 from the threshold 0.5 (others listed),
//     and the encrypted accuracy printed beside scikit-learn's;
//   - the layouts' precision statements re-measured on uniform inputs from the stated domain.
// Results are printed ([breast_cancer] lines) for docs/models.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/ckks/model_eval.h"
#include "engine/rlwe/context.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"

#ifndef EI_SOURCE_DIR
#error "EI_SOURCE_DIR must name the source tree (set by tests/engine/ckks/CMakeLists.txt)"
#endif

namespace ei::ckks {

// Names the parameter in test listings (ctest shows "GetParam() = feature_columns").
void PrintTo(Layout layout, std::ostream* os) { *os << layout_name(layout); }

namespace {

using nlohmann::json;
using rlwe::Ciphertext;
using rlwe::Plaintext;

constexpr double kThreshold = 0.5;
constexpr double kClassMargin = 1e-4;   // issue 6: samples closer than this to the threshold are listed
constexpr double kErrorBar = 1e-5;      // max |encrypted − float64| on the test split

std::string source_path(const std::string& rel) { return std::string(EI_SOURCE_DIR) + "/" + rel; }

std::string read_text(const std::string& rel) {
  std::ifstream in(source_path(rel), std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << source_path(rel);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json read_json(const std::string& rel) { return json::parse(read_text(rel)); }

// ---- The committed files -------------------------------------------------------------------------

struct LayoutEntry {
  Layout layout = Layout::kFeatureColumns;
  double domain_min = 0;
  double domain_max = 0;
  double stated_error = 0;
};

struct Model {
  LinearModelSpec spec;
  std::size_t n = 0;
  std::vector<int> bits;
  double scale = 0;
  std::size_t max_batch_size = 0;
  std::size_t feature_count = 0;
  std::vector<LayoutEntry> layouts;

  [[nodiscard]] const LayoutEntry& entry(Layout layout) const {
    for (const auto& e : layouts) {
      if (e.layout == layout) return e;
    }
    ADD_FAILURE() << "layout " << layout_name(layout) << " not in the model file";
    return layouts.front();
  }
  // What the server passes to the planner (server/app/model_registry.cpp).
  [[nodiscard]] double input_bound(Layout layout) const {
    const LayoutEntry& e = entry(layout);
    return std::max(std::fabs(e.domain_min), std::fabs(e.domain_max));
  }
};

const Model& model() {
  static const Model m = [] {
    const json j = read_json("models/breast_cancer_v1.json");
    Model r;
    r.spec.weights = j.at("parameters").at("weights").get<std::vector<double>>();
    r.spec.bias = j.at("parameters").at("bias").get<double>();
    r.spec.activation = j.at("activation_parameters").at("coefficients").get<std::vector<double>>();
    const json& ep = j.at("encryption_parameters");
    r.n = ep.at("poly_modulus_degree").get<std::size_t>();
    r.bits = ep.at("coeff_modulus_bits").get<std::vector<int>>();
    r.scale = ep.at("scale").get<double>();
    r.max_batch_size = j.at("constraints").at("max_batch_size").get<std::size_t>();
    r.feature_count = j.at("feature_names").size();
    for (const json& l : j.at("layouts")) {
      LayoutEntry e;
      e.layout = l.at("name").get<std::string>() == "packed_rows" ? Layout::kPackedRows : Layout::kFeatureColumns;
      e.domain_min = l.at("precision").at("input_domain").at("min").get<double>();
      e.domain_max = l.at("precision").at("input_domain").at("max").get<double>();
      e.stated_error = l.at("precision").at("max_abs_error").get<double>();
      r.layouts.push_back(e);
    }
    return r;
  }();
  return m;
}

struct Split {
  std::vector<std::string> header;
  std::vector<long> rows;                  // row of the sample in load_breast_cancer()
  std::vector<std::vector<double>> x;      // standardized features
  std::vector<int> label;                  // 1 = benign, 0 = malignant
};

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream ss(line);
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  return out;
}

double parse_double(const std::string& s) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  EXPECT_TRUE(end != s.c_str() && *end == '\0') << "not a number: '" << s << "'";
  return v;
}

const Split& split() {
  static const Split s = [] {
    Split r;
    std::istringstream in(read_text("models/breast_cancer_v1/test_split.csv"));
    std::string line;
    std::getline(in, line);
    r.header = split_csv_line(line);
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto cells = split_csv_line(line);
      EXPECT_EQ(cells.size(), r.header.size()) << line;
      if (cells.size() != r.header.size() || cells.size() < 3) continue;
      r.rows.push_back(std::strtol(cells.front().c_str(), nullptr, 10));
      std::vector<double> x;
      for (std::size_t i = 1; i + 1 < cells.size(); ++i) x.push_back(parse_double(cells[i]));
      r.x.push_back(std::move(x));
      r.label.push_back(static_cast<int>(std::strtol(cells.back().c_str(), nullptr, 10)));
    }
    return r;
  }();
  return s;
}

const json& accuracy() {
  static const json a = read_json("models/breast_cancer_v1/accuracy.json");
  return a;
}

// ---- Keys and helpers ----------------------------------------------------------------------------

struct Env {
  rlwe::ContextPtr ctx;
  std::unique_ptr<rlwe::KeyGenerator> keygen;
  rlwe::RelinKeys relin;
  rlwe::GaloisKeys galois;
  std::unique_ptr<Encoder> enc;
  std::unique_ptr<Evaluator> ev;
  std::unique_ptr<rlwe::Encryptor> pk_encryptor;
  std::unique_ptr<rlwe::Encryptor> sk_encryptor;
  std::unique_ptr<rlwe::Decryptor> dec;
};

rlwe::ContextPtr make_context(const Model& m) {
  auto parms = rlwe::make_ckks_parameters(m.n, m.bits);
  EXPECT_TRUE(parms.ok()) << parms.status().to_string();
  auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kTc128);
  EXPECT_TRUE(ctx.ok()) << ctx.status().to_string();
  return ctx.ok() ? *ctx : nullptr;
}

const Env& env() {
  static std::unique_ptr<Env> e = [] {
    auto r = std::make_unique<Env>();
    r->ctx = make_context(model());
    r->keygen = std::make_unique<rlwe::KeyGenerator>(r->ctx);
    auto rk = r->keygen->create_relin_keys();
    EXPECT_TRUE(rk.ok()) << rk.status().to_string();
    r->relin = std::move(*rk);
    const std::vector<int> steps{1, 2, 4, 8, 16};  // packed_rows, stride 32
    auto gk = r->keygen->create_galois_keys_for_steps(steps);
    EXPECT_TRUE(gk.ok()) << gk.status().to_string();
    r->galois = std::move(*gk);
    r->enc = std::make_unique<Encoder>(r->ctx);
    r->ev = std::make_unique<Evaluator>(r->ctx);
    r->pk_encryptor = std::make_unique<rlwe::Encryptor>(r->ctx, r->keygen->create_public_key());
    r->sk_encryptor = std::make_unique<rlwe::Encryptor>(r->ctx, r->keygen->secret_key());
    r->dec = std::make_unique<rlwe::Decryptor>(r->ctx, r->keygen->secret_key());
    return r;
  }();
  return *e;
}

Result<EvalPlan> plan_for(Layout layout) {
  const Model& m = model();
  PlanOptions options;
  options.input_bound = m.input_bound(layout);
  if (layout == Layout::kFeatureColumns) options.input_chain_index = env().ctx->first_context_data().chain_index();
  return plan_linear_model(*env().ctx, m.spec, layout, m.scale, options);
}

Ciphertext encrypt(const std::vector<double>& values, const EvalPlan& plan, bool public_key) {
  const Env& e = env();
  Plaintext p;
  const Status st = e.enc->encode(values, plan.input_parms_id, plan.input_scale, p);
  EXPECT_TRUE(st.ok()) << st.to_string();
  Ciphertext ct;
  const Status st2 = public_key ? e.pk_encryptor->encrypt(p, ct) : e.sk_encryptor->encrypt_symmetric(p, ct);
  EXPECT_TRUE(st2.ok()) << st2.to_string();
  return ct;
}

// Encrypts samples [begin, end) of x in the plan's layout (protocol §7).
std::vector<Ciphertext> encrypt_batch(const EvalPlan& plan, const std::vector<std::vector<double>>& x,
                                      std::size_t begin, std::size_t end, bool public_key) {
  std::vector<Ciphertext> cts;
  const std::size_t d = plan.input_dimension;
  if (plan.layout == Layout::kFeatureColumns) {
    for (std::size_t i = 0; i < d; ++i) {
      std::vector<double> col(end - begin);
      for (std::size_t j = begin; j < end; ++j) col[j - begin] = x[j][i];
      cts.push_back(encrypt(col, plan, public_key));
    }
  } else {
    std::vector<double> packed((end - begin) * plan.stride, 0.0);
    for (std::size_t j = begin; j < end; ++j) {
      for (std::size_t i = 0; i < d; ++i) packed[(j - begin) * plan.stride + i] = x[j][i];
    }
    cts.push_back(encrypt(packed, plan, public_key));
  }
  return cts;
}

struct EncryptedRun {
  std::vector<double> outputs;  // decrypted y[j] for every sample
  double encrypt_ms = 0;
  double evaluate_ms = 0;
  double decrypt_ms = 0;
};

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Encrypts, evaluates and decrypts every sample of x, in batches of at most plan.max_batch.
EncryptedRun run_encrypted(const EvalPlan& plan, const std::vector<std::vector<double>>& x, bool public_key) {
  const Env& e = env();
  const Model& m = model();
  EncryptedRun r;
  const std::size_t batch = std::min(plan.max_batch, m.max_batch_size);
  for (std::size_t begin = 0; begin < x.size(); begin += batch) {
    const std::size_t end = std::min(x.size(), begin + batch);
    auto t0 = std::chrono::steady_clock::now();
    const auto cts = encrypt_batch(plan, x, begin, end, public_key);
    r.encrypt_ms += ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto y = evaluate_linear_model(*e.ev, *e.enc, plan, m.spec, cts, &e.relin, &e.galois);
    r.evaluate_ms += ms_since(t0);
    EXPECT_TRUE(y.ok()) << y.status().to_string();
    if (!y.ok()) return r;
    EXPECT_EQ(y->parms_id, plan.output_parms_id);
    EXPECT_EQ(y->scale, plan.output_scale);
    t0 = std::chrono::steady_clock::now();
    Plaintext p;
    EXPECT_TRUE(e.dec->decrypt(*y, p).ok());
    std::vector<double> slots;
    EXPECT_TRUE(e.enc->decode(p, slots).ok());
    r.decrypt_ms += ms_since(t0);
    for (std::size_t j = 0; j < end - begin; ++j) r.outputs.push_back(slots[j * plan.stride]);
  }
  return r;
}

double bits_of(double err) { return err > 0 ? -std::log2(err) : 99.0; }

// ---- The files ------------------------------------------------------------------------------------

TEST(BreastCancerFiles, AgreeWithOneAnother) {
  const Model& m = model();
  const Split& s = split();
  const json& a = accuracy();
  ASSERT_EQ(m.spec.weights.size(), 30u);
  EXPECT_EQ(m.feature_count, 30u);
  ASSERT_EQ(m.spec.activation.size(), 4u);
  EXPECT_EQ(m.spec.activation[0], 0.5);  // p(0) = 1/2: the threshold stays at w·x + b = 0
  EXPECT_LT(m.spec.activation[3], 0.0);
  ASSERT_EQ(s.header.size(), 32u);  // row, 30 features, label
  EXPECT_EQ(s.header.front(), "row");
  EXPECT_EQ(s.header.back(), "label");
  ASSERT_EQ(s.x.size(), a.at("split").at("test_samples").get<std::size_t>());
  EXPECT_EQ(s.x.size(), 114u);
  const json fit = a.at("activation_fit");
  EXPECT_EQ(fit.at("coefficients_ascending").get<std::vector<double>>(), m.spec.activation);

  // The float64 model recomputed here: the polynomial's accuracy and classes, the sigmoid's
  // (= scikit-learn's, whose decision is w·x + b > 0), and the distance to the threshold.
  std::size_t poly_correct = 0;
  std::size_t sigmoid_correct = 0;
  std::size_t disagreements = 0;
  double min_distance = 1e300;
  double z_min = 1e300;
  double z_max = -1e300;
  double max_feature = 0;
  for (std::size_t j = 0; j < s.x.size(); ++j) {
    ASSERT_EQ(s.x[j].size(), 30u);
    ASSERT_TRUE(s.label[j] == 0 || s.label[j] == 1);
    for (double v : s.x[j]) max_feature = std::max(max_feature, std::fabs(v));
    const double y = evaluate_plain(m.spec, s.x[j]);
    const LinearModelSpec linear{m.spec.weights, m.spec.bias, {0.0, 1.0}};
    const double z = evaluate_plain(linear, s.x[j]);
    z_min = std::min(z_min, z);
    z_max = std::max(z_max, z);
    poly_correct += static_cast<std::size_t>((y > kThreshold) == (s.label[j] == 1));
    sigmoid_correct += static_cast<std::size_t>((z > 0) == (s.label[j] == 1));
    disagreements += static_cast<std::size_t>((y > kThreshold) != (z > 0));
    min_distance = std::min(min_distance, std::fabs(y - kThreshold));
  }
  const json& test = a.at("test");
  EXPECT_EQ(poly_correct, test.at("polynomial_correct").get<std::size_t>());
  EXPECT_EQ(sigmoid_correct, test.at("sklearn_correct").get<std::size_t>());
  EXPECT_EQ(disagreements, 0u) << "the polynomial changes a class on the test split";
  EXPECT_NEAR(min_distance, test.at("min_abs_distance_to_threshold").get<double>(), 1e-9);
  EXPECT_NEAR(z_min, a.at("z_range").at("test")[0].get<double>(), 1e-9);
  EXPECT_NEAR(z_max, a.at("z_range").at("test")[1].get<double>(), 1e-9);
  // The test split lies inside every layout's stated input domain, so the statement covers it.
  for (const auto& e : m.layouts) {
    EXPECT_LE(max_feature, std::min(-e.domain_min, e.domain_max)) << layout_name(e.layout);
  }
  std::printf("[breast_cancer] test split: %zu samples, z in [%.3f, %.3f], max |feature| %.3f, closest plain output "
              "to 0.5: %.5f\n",
              s.x.size(), z_min, z_max, max_feature, min_distance);
}

// ---- Parameters and plans -------------------------------------------------------------------------

TEST(BreastCancerParameters, Tc128AtTheSmallestRingThatFits) {
  const Model& m = model();
  EXPECT_EQ(m.n, 8192u);
  int total = 0;
  for (int b : m.bits) total += b;
  EXPECT_LE(total, 218) << "HE-standard tc128 bound for N = 8192";
  ASSERT_NE(env().ctx, nullptr);  // Context::create(kTc128) accepted the parameters
  // The special prime (last) is at least as large as every data prime.
  EXPECT_EQ(*std::max_element(m.bits.begin(), m.bits.end()), m.bits.back());
  // N = 4096 allows 109 bits: too few for the two rescales and the output (docs/models.md); the same
  // chain is rejected outright there.
  auto small = rlwe::make_ckks_parameters(4096, m.bits);
  if (small.ok()) {
    EXPECT_FALSE(rlwe::Context::create(*small, rlwe::SecurityLevel::kTc128).ok());
  }
}

class BreastCancerLayout : public ::testing::TestWithParam<Layout> {};

TEST_P(BreastCancerLayout, PlansFromTheModelFile) {
  const Layout layout = GetParam();
  const Model& m = model();
  auto plan = plan_for(layout);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  const std::size_t first = env().ctx->first_context_data().chain_index();
  EXPECT_EQ(first, 3u);
  EXPECT_EQ(plan->input_chain_index, first);  // a cubic needs two levels below the input and the output level
  EXPECT_EQ(plan->input_scale, m.scale);
  EXPECT_EQ(plan->output_chain_index, 1u);
  EXPECT_EQ(plan->activation_degree, 3);
  EXPECT_EQ(plan->rescale_count, 2u);
  EXPECT_TRUE(plan->needs_relin_keys);
  EXPECT_TRUE(plan->meets_max_error) << plan->description;
  EXPECT_LE(plan->error_budget, m.entry(layout).stated_error);
  if (layout == Layout::kPackedRows) {
    EXPECT_EQ(plan->stride, 32u);
    EXPECT_EQ(plan->max_batch, 128u);
    EXPECT_EQ(plan->rotation_steps, (std::vector<int>{1, 2, 4, 8, 16}));
  } else {
    EXPECT_EQ(plan->max_batch, 4096u);
    EXPECT_TRUE(plan->rotation_steps.empty());
  }
  EXPECT_GE(plan->max_batch, split().x.size());  // the whole test split fits one request
  std::printf("[breast_cancer] plan %s: input chain index %zu, output chain index %zu at 2^%.2f, budget %.3g "
              "(public key) / %.3g (symmetric), max batch %zu\n%s\n",
              std::string(layout_name(layout)).c_str(), plan->input_chain_index, plan->output_chain_index,
              std::log2(plan->output_scale), plan->error_budget, plan->error_budget_symmetric, plan->max_batch,
              plan->description.c_str());
}

// ---- The test split, encrypted --------------------------------------------------------------------

TEST_P(BreastCancerLayout, TestSplitEncryptedGivesThePlainClasses) {
  const Layout layout = GetParam();
  const Model& m = model();
  const Split& s = split();
  auto plan = plan_for(layout);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::vector<double> plain(s.x.size());
  for (std::size_t j = 0; j < s.x.size(); ++j) plain[j] = evaluate_plain(m.spec, s.x[j]);
  const double sklearn_accuracy = accuracy().at("test").at("sklearn_accuracy").get<double>();
  const double poly_accuracy = accuracy().at("test").at("polynomial_float64_accuracy").get<double>();

  for (bool public_key : {true, false}) {
    const char* mode = public_key ? "public key" : "symmetric";
    const EncryptedRun r = run_encrypted(*plan, s.x, public_key);
    ASSERT_EQ(r.outputs.size(), s.x.size());
    double max_err = 0;
    std::size_t worst = 0;
    std::size_t correct = 0;
    std::vector<std::string> near;
    for (std::size_t j = 0; j < s.x.size(); ++j) {
      const double err = std::fabs(r.outputs[j] - plain[j]);
      if (err > max_err) {
        max_err = err;
        worst = j;
      }
      const bool enc_class = r.outputs[j] > kThreshold;
      const bool plain_class = plain[j] > kThreshold;
      correct += static_cast<std::size_t>(enc_class == (s.label[j] == 1));
      if (std::fabs(plain[j] - kThreshold) > kClassMargin) {
        EXPECT_EQ(enc_class, plain_class) << "row " << s.rows[j] << ": plain " << plain[j] << ", encrypted "
                                          << r.outputs[j];
      } else {
        char buf[160];
        std::snprintf(buf, sizeof buf, "row %ld (plain %.8f, encrypted %.8f, %s)", s.rows[j], plain[j], r.outputs[j],
                      enc_class == plain_class ? "same class" : "other class");
        near.emplace_back(buf);
      }
    }
    const double enc_accuracy = static_cast<double>(correct) / static_cast<double>(s.x.size());
    std::printf("[breast_cancer] %-15s %-10s test split (%zu samples, 1 request): max |encrypted - plain| %.3e "
                "(%.1f bits; row %ld), budget %.3g, stated %.0e\n",
                std::string(layout_name(layout)).c_str(), mode, s.x.size(), max_err, bits_of(max_err), s.rows[worst],
                public_key ? plan->error_budget : plan->error_budget_symmetric, m.entry(layout).stated_error);
    std::printf("[breast_cancer] %-15s %-10s accuracy: encrypted %.4f (%zu/%zu), float64 polynomial %.4f, "
                "scikit-learn %.4f; samples within 1e-4 of 0.5: %zu%s\n",
                std::string(layout_name(layout)).c_str(), mode, enc_accuracy, correct, s.x.size(), poly_accuracy,
                sklearn_accuracy, near.size(), near.empty() ? " (none)" : "");
    for (const auto& n : near) std::printf("[breast_cancer]   near the threshold: %s\n", n.c_str());
    std::printf("[breast_cancer] %-15s %-10s time: encrypt %.1f ms, evaluate %.1f ms, decrypt+decode %.1f ms\n",
                std::string(layout_name(layout)).c_str(), mode, r.encrypt_ms, r.evaluate_ms, r.decrypt_ms);
    EXPECT_LE(max_err, kErrorBar);
    EXPECT_LE(max_err, m.entry(layout).stated_error);
    EXPECT_LE(max_err, public_key ? plan->error_budget : plan->error_budget_symmetric);
    if (near.empty()) {
      EXPECT_EQ(enc_accuracy, poly_accuracy);
    }
  }
}

// ---- The card's precision statement ---------------------------------------------------------------

constexpr std::size_t kPrecisionSamples = 1024;

TEST_P(BreastCancerLayout, PrecisionStatementHoldsOnTheDomain) {
  const Layout layout = GetParam();
  const Model& m = model();
  const LayoutEntry& entry = m.entry(layout);
  auto plan = plan_for(layout);
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::mt19937_64 rng(layout == Layout::kPackedRows ? 0xbc02 : 0xbc01);
  std::uniform_real_distribution<double> u(entry.domain_min, entry.domain_max);
  std::vector<std::vector<double>> x(kPrecisionSamples, std::vector<double>(m.spec.weights.size()));
  for (auto& row : x) {
    for (auto& v : row) v = u(rng);
  }
  double y_max = 0;
  std::vector<double> plain(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) {
    plain[j] = evaluate_plain(m.spec, x[j]);
    y_max = std::max(y_max, std::fabs(plain[j]));
  }
  for (bool public_key : {true, false}) {
    const EncryptedRun r = run_encrypted(*plan, x, public_key);
    ASSERT_EQ(r.outputs.size(), x.size());
    double max_err = 0;
    for (std::size_t j = 0; j < x.size(); ++j) max_err = std::max(max_err, std::fabs(r.outputs[j] - plain[j]));
    std::printf("[breast_cancer] %-15s %-10s %zu samples uniform in [%g, %g]^30 (|y| up to %.2f): max |encrypted - "
                "plain| %.3e (%.1f bits), budget %.3g, stated %.0e; evaluate %.1f ms in %zu request(s)\n",
                std::string(layout_name(layout)).c_str(), public_key ? "public key" : "symmetric", x.size(),
                entry.domain_min, entry.domain_max, y_max, max_err, bits_of(max_err),
                public_key ? plan->error_budget : plan->error_budget_symmetric, entry.stated_error, r.evaluate_ms,
                (x.size() + plan->max_batch - 1) / plan->max_batch);
    EXPECT_LE(max_err, entry.stated_error);
    EXPECT_LE(max_err, public_key ? plan->error_budget : plan->error_budget_symmetric);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, BreastCancerLayout,
                         ::testing::Values(Layout::kFeatureColumns, Layout::kPackedRows),
                         [](const ::testing::TestParamInfo<Layout>& param_info) {
                           return param_info.param == Layout::kPackedRows ? std::string("PackedRows")
                                                                    : std::string("FeatureColumns");
                         });

}  // namespace
}  // namespace ei::ckks
