// The server's view of homomorphic evaluation of one model version: the evaluation plan of each
// layout (input level, output level, keys needed) and the evaluation itself. A thin adapter over
// the engine (engine/ckks/model_eval.h: plan_linear_model / evaluate_linear_model), so the rest of
// server/app does not depend on the engine's plan types.
//
// Thread-safety: immutable after create(); plan() and evaluate() may run concurrently.
// Ownership: shares the context; owns the evaluator and the per-layout engine plans.
// Errors: create()/plan(): INVALID_PARAMETERS, END_OF_MODULUS_CHAIN, INVALID_SCALE, … with an
//   English detail (the registry prefixes file and field). evaluate(): the engine's codes; every
//   failure of evaluate() on validated inputs is a bug (the job fails with INTERNAL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::server {

enum class LayoutKind { kFeatureColumns, kPackedRows };
enum class InputLevel { kFirst, kLowest };

struct LinearModel {
  std::vector<double> weights;       // input_dimension values
  double bias = 0.0;
  std::vector<double> coefficients;  // activation c0 + c1 z + ... (ascending powers)
  double scale = 0.0;                // encoding scale (inputs and plaintext constants)
  std::size_t max_batch_size = 1;
};

struct LayoutPlan {
  LayoutKind kind = LayoutKind::kFeatureColumns;
  std::size_t stride = 1;               // packed_rows: smallest power of two >= d; else 1
  std::size_t input_chain_index = 0;
  rlwe::ParmsId input_parms_id{};
  double input_scale = 0.0;
  std::size_t output_chain_index = 0;
  rlwe::ParmsId output_parms_id{};
  bool relinearization = false;
  std::vector<std::uint64_t> galois_elements;  // ascending
  std::vector<int> galois_steps;               // ascending
  int depth = 0;                               // multiplicative depth of the computation
  std::size_t max_batch = 0;                   // slot capacity of the layout
  double error_budget = 0.0;                   // a-priori max |decrypted - float64| (0: unknown)
  std::string description;                     // the plan's steps (engine's description)
  std::shared_ptr<const void> impl;            // the engine's plan object (adapter-private)
};

class ModelRuntime {
 public:
  virtual ~ModelRuntime() = default;

  // REQUIRES: context non-null; model.weights non-empty.
  [[nodiscard]] static Result<std::unique_ptr<ModelRuntime>> create(rlwe::ContextPtr context, LinearModel model);

  [[nodiscard]] virtual const rlwe::ContextPtr& context() const noexcept = 0;

  // Plans `kind` with inputs at the first data level or the lowest level the plan needs.
  // Errors: END_OF_MODULUS_CHAIN (the chain is too short for the plan's depth), INVALID_SCALE
  // (the scale does not fit the primes), INVALID_PARAMETERS (no key switching for packed_rows
  // with stride > 1 or relinearization), with an English detail.
  // `input_bound`: the stated input domain is [-input_bound, input_bound] per feature.
  [[nodiscard]] virtual Result<LayoutPlan> plan(LayoutKind kind, InputLevel level, double input_bound) = 0;

  // Evaluates a planned layout. `inputs` passed every check of docs/api.md §5 (level, scale, size
  // 2, NTT); `relin`/`galois` are present when the plan needs them. Returns a size-2 ciphertext
  // at plan.output_parms_id. REQUIRES: plan() returned OK for (kind, level) before.
  [[nodiscard]] virtual Result<rlwe::Ciphertext> evaluate(const LayoutPlan& plan,
                                                          const std::vector<rlwe::Ciphertext>& inputs,
                                                          std::size_t batch_size, const rlwe::RelinKeys* relin,
                                                          const rlwe::GaloisKeys* galois) const = 0;

  // float64 reference (docs/api.md §6.6): s = Σ w_i x_i from 0.0 in index order, z = s + b,
  // y = Horner from the highest coefficient. REQUIRES: x.size() == weights.size().
  [[nodiscard]] virtual double evaluate_plain(const std::vector<double>& x) const = 0;
};

}  // namespace ei::server
