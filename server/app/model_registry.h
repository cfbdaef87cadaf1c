// The model registry: model versions loaded at start-up from models/*.json (or the bundled models
// embedded in the binary), validated against schemas/model-file.json plus the semantic checks of
// docs/api.md §8.1, each with its engine context, evaluation plans and the derived documents
// (model card, v1.0 /models entry, /keys entry).
//
// Thread-safety: immutable after load; shared by every request and worker thread.
// Ownership: the registry owns its models; pointers it hands out live as long as the registry.
// Errors: load_*() returns INVALID_ARGUMENT with a detail naming the file and the member
//   (JSON Pointer), e.g. "models/x.json: /parameters/weights: has 7 items; input_dimension is 8".
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/rlwe/context.h"
#include "engine/status.h"
#include "server/app/config.h"
#include "server/app/model_runtime.h"

namespace ei::server {

struct ModelLayout {
  std::string name;  // "feature_columns" | "packed_rows"
  LayoutPlan plan;
  std::size_t input_count = 0;
  std::uint64_t max_batch_size = 0;   // min(constraints.max_batch_size, slot capacity)
  std::uint64_t max_input_bytes = 0;  // S + S/256 + 144, S = 113 + 16·N·L
  std::size_t input_ciphertext_stride = 0, input_sample_stride = 1, input_feature_stride = 0;
  std::size_t output_offset = 0, output_sample_stride = 1;
  nlohmann::ordered_json precision;
};

struct Model {
  std::string source;  // file path or "bundled:<name>"
  std::string model_id;
  std::string version;
  std::string description;
  std::uint64_t poly_modulus_degree = 0;
  double scale = 0.0;
  std::vector<int> coeff_modulus_bits;
  int max_multiplicative_depth = 0;
  std::string security_level = "tc128";
  std::size_t input_dimension = 0;
  std::string activation;  // inference.activation == activation_parameters.kind
  std::vector<double> weights;
  double bias = 0.0;
  std::vector<double> coefficients;
  std::uint64_t max_batch_size = 0;
  std::optional<std::vector<std::string>> feature_names;

  rlwe::ContextPtr context;
  std::unique_ptr<ModelRuntime> runtime;
  std::string parms_blob_base64;
  std::vector<ModelLayout> layouts;  // in file order
  bool v1_0_compatible = false;
  std::uint64_t max_request_bytes = 0;

  nlohmann::ordered_json card;       // model-card.json
  nlohmann::ordered_json v10_entry;  // v1_0/model-entry.json (only if v1_0_compatible)
  nlohmann::ordered_json keys_entry; // keys-response.json models[] item

  [[nodiscard]] const ModelLayout* layout(std::string_view name) const noexcept;
  [[nodiscard]] std::string layout_names() const;  // "feature_columns, packed_rows"
};

class ModelRegistry {
 public:
  // Loads every *.json file of `dir` (sorted by name). Errors: INVALID_ARGUMENT (naming file and
  // member), including an empty directory or a duplicate (model_id, version).
  [[nodiscard]] static Result<std::shared_ptr<const ModelRegistry>> load_dir(const std::string& dir,
                                                                            const Config& config);
  // Loads (name, JSON text) pairs, e.g. the bundled models embedded at build time.
  [[nodiscard]] static Result<std::shared_ptr<const ModelRegistry>> load_texts(
      const std::vector<std::pair<std::string, std::string>>& files, const Config& config);
  // The bundled models (models/*.json embedded into the binary at build time).
  [[nodiscard]] static Result<std::shared_ptr<const ModelRegistry>> load_bundled(const Config& config);

  // nullptr when unknown.
  [[nodiscard]] const Model* find(std::string_view model_id, std::string_view version) const noexcept;
  [[nodiscard]] bool has_model_id(std::string_view model_id) const noexcept;
  // Ordered by model_id ascending, then newest version first (semver precedence when both are
  // semantic versions, else descending byte order).
  [[nodiscard]] const std::vector<const Model*>& ordered() const noexcept { return ordered_; }

  // Documents served as they are (built once).
  [[nodiscard]] const std::string& root_models_json() const noexcept { return root_models_; }
  [[nodiscard]] const std::string& v1_models_json() const noexcept { return v1_models_; }
  [[nodiscard]] const std::string& keys_json() const noexcept { return keys_; }

  // Parses and checks one model file (exposed for tests). `name` prefixes error details.
  [[nodiscard]] static Result<std::unique_ptr<Model>> load_model(const std::string& name, std::string_view text,
                                                                 const Config& config);

  // The JSON body size of a v1.0 request (hex, compression none, one ciphertext per feature, at
  // max_batch_size) for the model: 12,585,046 bytes for logistic_v1.
  [[nodiscard]] static std::uint64_t v10_request_bytes(const Model& model);
  // Largest valid POST /infer body for a layout (every input hex at max_input_bytes).
  [[nodiscard]] static std::uint64_t largest_request_bytes(const Model& model, const ModelLayout& layout);

 private:
  std::vector<std::unique_ptr<Model>> models_;
  std::vector<const Model*> ordered_;
  std::map<std::pair<std::string, std::string>, const Model*, std::less<>> by_key_;
  std::string root_models_;
  std::string v1_models_;
  std::string keys_;
};

// Semantic-version-aware "a is newer than b" (precedence of semver 2.0.0 when both parse).
[[nodiscard]] bool version_newer(std::string_view a, std::string_view b);

// Bundled model files, embedded at build time (generated embedded_models.cpp).
[[nodiscard]] const std::vector<std::pair<std::string, std::string>>& bundled_model_files();

}  // namespace ei::server
