// ModelRuntime over the engine's model evaluation (engine/ckks/model_eval.h): plan_linear_model
// decides input and output levels, keys and scales; evaluate_linear_model runs the plan.
#include <algorithm>
#include <cmath>
#include <span>
#include <utility>

#include "engine/ckks/evaluator.h"
#include "engine/ckks/model_eval.h"
#include "server/app/model_runtime.h"

namespace ei::server {
namespace {

int multiplicative_depth(int activation_degree) {
  // The linear form multiplies by plaintext constants (1), then the activation: ceil(log2 d).
  int depth = 1;
  for (int d = 1; d < activation_degree; d *= 2) ++depth;
  return depth;
}

class EngineRuntime final : public ModelRuntime {
 public:
  EngineRuntime(rlwe::ContextPtr context, LinearModel model)
      : context_(std::move(context)), model_(std::move(model)), evaluator_(context_) {
    spec_.weights = model_.weights;
    spec_.bias = model_.bias;
    spec_.activation = model_.coefficients;
  }

  const rlwe::ContextPtr& context() const noexcept override { return context_; }

  Result<LayoutPlan> plan(LayoutKind kind, InputLevel level, double input_bound) override {
    const ckks::Layout layout = kind == LayoutKind::kPackedRows ? ckks::Layout::kPackedRows : ckks::Layout::kFeatureColumns;
    ckks::PlanOptions options;
    if (input_bound > 0 && std::isfinite(input_bound)) options.input_bound = input_bound;
    const std::size_t first = context_->first_context_data().chain_index();
    std::optional<Result<ckks::EvalPlan>> chosen;
    if (level == InputLevel::kFirst) {
      options.input_chain_index = first;
      chosen.emplace(ckks::plan_linear_model(*context_, spec_, layout, model_.scale, options));
    } else if (kind == LayoutKind::kPackedRows) {
      chosen.emplace(ckks::plan_linear_model(*context_, spec_, layout, model_.scale, options));
    } else {
      // feature_columns at the lowest feasible level: try from the bottom of the chain up.
      for (std::size_t ci = 0; ci <= first; ++ci) {
        options.input_chain_index = ci;
        auto r = ckks::plan_linear_model(*context_, spec_, layout, model_.scale, options);
        if (r.ok() && (r.value().meets_max_error || ci == first)) {
          chosen.emplace(std::move(r));
          break;
        }
        if (ci == first) chosen.emplace(std::move(r));
      }
    }
    if (!chosen->ok()) return chosen->status();
    auto engine_plan = std::make_shared<ckks::EvalPlan>(std::move(*chosen).value());
    LayoutPlan p;
    p.kind = kind;
    p.stride = engine_plan->stride;
    p.input_chain_index = engine_plan->input_chain_index;
    p.input_parms_id = engine_plan->input_parms_id;
    p.input_scale = engine_plan->input_scale;
    p.output_chain_index = engine_plan->output_chain_index;
    p.output_parms_id = engine_plan->output_parms_id;
    p.relinearization = engine_plan->needs_relin_keys;
    p.galois_elements = engine_plan->galois_elts;
    std::sort(p.galois_elements.begin(), p.galois_elements.end());
    p.galois_steps = engine_plan->rotation_steps;
    std::sort(p.galois_steps.begin(), p.galois_steps.end());
    p.depth = multiplicative_depth(engine_plan->activation_degree);
    p.max_batch = engine_plan->max_batch;
    p.error_budget = engine_plan->error_budget;
    p.description = engine_plan->description;
    p.impl = engine_plan;
    return p;
  }

  Result<rlwe::Ciphertext> evaluate(const LayoutPlan& plan, const std::vector<rlwe::Ciphertext>& inputs,
                                    std::size_t /*batch_size*/, const rlwe::RelinKeys* relin,
                                    const rlwe::GaloisKeys* galois) const override {
    const auto* engine_plan = static_cast<const ckks::EvalPlan*>(plan.impl.get());
    if (engine_plan == nullptr) return Status(Code::INVALID_ARGUMENT, "layout not planned");
    return ckks::evaluate_linear_model(evaluator_, evaluator_.encoder(), *engine_plan, spec_,
                                       std::span<const rlwe::Ciphertext>(inputs), relin, galois);
  }

  double evaluate_plain(const std::vector<double>& x) const override {
    return ckks::evaluate_plain(spec_, std::span<const double>(x));
  }

 private:
  rlwe::ContextPtr context_;
  LinearModel model_;
  ckks::LinearModelSpec spec_;
  ckks::Evaluator evaluator_;
};

}  // namespace

Result<std::unique_ptr<ModelRuntime>> ModelRuntime::create(rlwe::ContextPtr context, LinearModel model) {
  if (!context) return Status(Code::INVALID_ARGUMENT, "null context");
  if (model.weights.empty() || model.coefficients.empty()) return Status(Code::INVALID_ARGUMENT, "empty model");
  return std::unique_ptr<ModelRuntime>(new EngineRuntime(std::move(context), std::move(model)));
}

}  // namespace ei::server
