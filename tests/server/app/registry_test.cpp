// The model registry: the bundled logistic_v1 and its documents (card, v1.0 entry, /keys) against
// the published values and docs/api/examples; start-up validation naming file and member.
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace ei::server::test {
namespace {

nlohmann::json example(const std::string& name) {
  return nlohmann::json::parse(read_file(kSourceDir + "/docs/api/examples/" + name));
}

TEST(Registry, BundledLogisticV1IsThePublishedModel) {
  auto reg = bundled_registry();
  ASSERT_TRUE(reg);
  const Model* m = reg->find("logistic_v1", "1.0.0");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->poly_modulus_degree, 16384U);
  EXPECT_EQ(m->scale, 1073741824.0);
  EXPECT_EQ(m->coeff_modulus_bits, (std::vector<int>{60, 30, 30, 60}));
  EXPECT_EQ(m->weights, (std::vector<double>{0.15, -0.08, 0.11, 0.07, -0.12, 0.09, 0.05, -0.04}));
  EXPECT_EQ(m->bias, -0.02);
  EXPECT_EQ(m->coefficients, (std::vector<double>{0.5, 0.197, 0.0}));
  EXPECT_EQ(m->max_batch_size, 16U);
  EXPECT_TRUE(m->v1_0_compatible);
  // Root /models is exactly the published v1.0 document.
  EXPECT_EQ(nlohmann::json::parse(reg->root_models_json()), example("root-models.response.json"));
  // And written with the scale as an integer.
  EXPECT_NE(reg->root_models_json().find("\"scale\":1073741824,"), std::string::npos);
}

TEST(Registry, CardMatchesTheExampleWherePlanIndependent) {
  auto reg = bundled_registry();
  const Model* m = reg->find("logistic_v1", "1.0.0");
  ASSERT_NE(m, nullptr);
  const auto card = nlohmann::json::parse(m->card.dump());
  const auto want = example("v1-model-card.response.json");
  EXPECT_EQ(card["encryption_parameters"], want["encryption_parameters"]);
  for (const char* k : {"api_version", "model_id", "version", "description", "he_scheme", "inference", "parameters",
                        "activation_parameters", "constraints", "limits", "v1_0_compatible"}) {
    EXPECT_EQ(card[k], want[k]) << k;
  }
  ASSERT_EQ(card["layouts"].size(), 2U);
  // feature_columns: inputs at the first data level (what v1.0 clients send), no keys.
  const auto& fc = card["layouts"][0];
  EXPECT_EQ(fc["name"], "feature_columns");
  EXPECT_EQ(fc["input"], want["layouts"][0]["input"]);
  EXPECT_EQ(fc["evaluation_keys"], want["layouts"][0]["evaluation_keys"]);
  EXPECT_EQ(fc["input_count"], 8);
  EXPECT_EQ(fc["max_batch_size"], 16);
  EXPECT_EQ(fc["output"]["mapping"], want["layouts"][0]["output"]["mapping"]);
  // packed_rows: stride 8, rotations 1, 2, 4 (Galois elements 3, 9, 81); levels from the plan.
  const auto& pr = card["layouts"][1];
  EXPECT_EQ(pr["name"], "packed_rows");
  EXPECT_EQ(pr["stride"], 8);
  EXPECT_EQ(pr["evaluation_keys"], want["layouts"][1]["evaluation_keys"]);
  EXPECT_EQ(pr["input"]["mapping"], want["layouts"][1]["input"]["mapping"]);
  EXPECT_EQ(pr["output"]["mapping"], want["layouts"][1]["output"]["mapping"]);
  EXPECT_EQ(pr["input"]["scale"], 1073741824);
  // max_input_bytes = S + S/256 + 144, S = 113 + 16·N·L.
  const std::uint64_t l = m->context->get_context_data(m->layout("packed_rows")->plan.input_parms_id)->coeff_modulus_size();
  const std::uint64_t s = 113 + 16 * 16384 * l;
  EXPECT_EQ(pr["input"]["max_input_bytes"], s + s / 256 + 144);
  std::cout << "packed_rows input chain index " << pr["input"]["chain_index"] << ", output chain index "
            << pr["output"]["chain_index"] << "; feature_columns output chain index " << fc["output"]["chain_index"]
            << "\n";
}

TEST(Registry, KeysDocumentMatchesTheExample) {
  auto reg = bundled_registry();
  auto keys = nlohmann::json::parse(reg->keys_json());
  auto want = example("root-keys.response.json");
  EXPECT_EQ(keys["api_version"], want["api_version"]);
  EXPECT_EQ(keys["key_policy"], want["key_policy"]);
  ASSERT_EQ(keys["models"].size(), reg->ordered().size());
  nlohmann::json entry;
  for (const auto& e : keys["models"]) {
    if (e["model_id"] == "logistic_v1") entry = e;
  }
  ASSERT_TRUE(entry.is_object());
  for (const char* k : {"model_id", "version", "he_scheme", "poly_modulus_degree", "slot_count", "scale",
                        "coeff_modulus_bits", "coeff_modulus", "parms_blob", "key_parms_id", "levels"}) {
    EXPECT_EQ(entry[k], want["models"][0][k]) << k;
  }
  EXPECT_EQ(entry["evaluation_keys"]["packed_rows"], want["models"][0]["evaluation_keys"]["packed_rows"]);
}

TEST(Registry, V10RequestSizeOfLogisticV1) {
  auto reg = bundled_registry();
  const Model* m = reg->find("logistic_v1", "1.0.0");
  // Python json.dumps of the published client's request at batch 16 (786,545-byte ciphertexts).
  EXPECT_EQ(ModelRegistry::v10_request_bytes(*m), 12585085U);
}

TEST(Registry, OrderingNewestVersionFirst) {
  auto reg = shared_registry();
  ASSERT_TRUE(reg);
  std::vector<std::string> order;
  for (const Model* m : reg->ordered()) {
    if (m->model_id == "logistic_v1" || m->model_id == "quadratic_demo") order.push_back(m->model_id + "@" + m->version);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"logistic_v1@1.0.0", "logistic_v1@0.9.0", "quadratic_demo@1.0.0"}));
  for (std::size_t i = 1; i < reg->ordered().size(); ++i) {
    const Model* a = reg->ordered()[i - 1];
    const Model* b = reg->ordered()[i];
    EXPECT_TRUE(a->model_id < b->model_id || (a->model_id == b->model_id && version_newer(a->version, b->version)));
  }
  auto root = nlohmann::json::parse(reg->root_models_json());
  std::vector<std::string> listed;
  for (const auto& e : root["models"]) listed.push_back(e["model_id"].get<std::string>() + "@" + e["version"].get<std::string>());
  // quadratic_demo (degree 2, relinearization keys) is not v1.0-compatible.
  EXPECT_EQ(listed, (std::vector<std::string>{"logistic_v1@1.0.0", "logistic_v1@0.9.0"}));
  const Model* q = reg->find("quadratic_demo", "1.0.0");
  ASSERT_NE(q, nullptr);
  EXPECT_FALSE(q->v1_0_compatible);
  EXPECT_TRUE(q->layout("feature_columns")->plan.relinearization);
}

TEST(Registry, SemverPrecedence) {
  EXPECT_TRUE(version_newer("1.10.0", "1.9.0"));
  EXPECT_TRUE(version_newer("1.0.0", "1.0.0-rc.1"));
  EXPECT_TRUE(version_newer("1.0.0-rc.2", "1.0.0-rc.1"));
  EXPECT_TRUE(version_newer("1.0.0-alpha.beta", "1.0.0-alpha.1"));
  EXPECT_FALSE(version_newer("0.9.0", "1.0.0"));
  EXPECT_TRUE(version_newer("b", "a"));  // non-semver: descending byte order
}

struct BadFile {
  std::string mutate_pointer;  // where to apply
  nlohmann::json value;        // new value (null = remove)
  std::string expect;          // substring of the error
};

TEST(Registry, InvalidModelFilesNameFileAndMember) {
  const std::string base = read_file(kSourceDir + "/models/logistic_v1.json");
  const BadFile cases[] = {
      {"/parameters/weights", nlohmann::json::array({0.1, 0.2}), "x.json: /parameters/weights: has 2 items; input_dimension is 8"},
      {"/inference/activation", "relu", "x.json: /inference/activation: unknown activation"},
      {"/activation_parameters/coefficients", nlohmann::json::array({0.5, 0.1}), "x.json: /activation_parameters/coefficients"},
      {"/constraints/max_batch_size", 9000, "x.json: /constraints/max_batch_size: exceeds the slot count"},
      {"/encryption_parameters/coeff_modulus_bits", nlohmann::json::array({60, 60, 60, 60, 60, 60, 60, 60}),
       "x.json: /encryption_parameters/coeff_modulus_bits: total 480 bits exceed the tc128 bound"},
      {"/extra", 1, "x.json: /extra: unknown member"},
      {"/model_id", nullptr, "x.json: (document): missing required member \"model_id\""},
      {"/encryption_parameters/scale", "big", "x.json: /encryption_parameters/scale: must be a number"},
      {"/layouts/0/name", "diagonal", "x.json: /layouts/0/name: unknown layout"},
      {"/layouts/1/name", "feature_columns", "x.json: /layouts/1/name: layout listed twice"},
  };
  for (const auto& c : cases) {
    auto j = nlohmann::json::parse(base);
    const nlohmann::json::json_pointer ptr(c.mutate_pointer);
    if (c.value.is_null()) {
      j.at(ptr.parent_pointer()).erase(ptr.back());
    } else {
      j[ptr] = c.value;
    }
    auto r = ModelRegistry::load_model("x.json", j.dump(), Config{});
    ASSERT_FALSE(r.ok()) << c.mutate_pointer;
    EXPECT_NE(r.status().detail().find(c.expect), std::string::npos) << r.status().detail();
  }
  auto dup = ModelRegistry::load_texts({{"a.json", base}, {"b.json", base}}, Config{});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().detail().find("b.json: /version"), std::string::npos) << dup.status().detail();
  auto dupkey = ModelRegistry::load_model("x.json", R"({"model_id": "a", "model_id": "b"})", Config{});
  ASSERT_FALSE(dupkey.ok());
  EXPECT_NE(dupkey.status().detail().find("duplicate member name"), std::string::npos);
  // A body limit too small for the model's largest request stops start-up.
  Config small;
  small.limits.max_body_bytes = 1 << 20;
  auto tight = ModelRegistry::load_model("x.json", base, small);
  ASSERT_FALSE(tight.ok());
  EXPECT_NE(tight.status().detail().find("limits.max_body_bytes"), std::string::npos);
}

TEST(Registry, LoadDirErrors) {
  Config c;
  EXPECT_FALSE(ModelRegistry::load_dir("/nonexistent-dir", c).ok());
  auto ok = ModelRegistry::load_dir(kSourceDir + "/models", c);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_NE(ok.value()->find("logistic_v1", "1.0.0"), nullptr);
}

}  // namespace
}  // namespace ei::server::test
