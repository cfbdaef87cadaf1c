// ModelRuntime over the engine's CKKS Evaluator directly: the fallback used while the engine has
// no model_eval.cpp (CMake picks model_runtime_engine.cpp when ei_ckks builds it).
//
// Evaluation plans (docs/api.md §7, informative part):
//   feature_columns: z = Σ_i (c1·w_i)·ct_i at the input level (plaintext-scalar products, one
//     rescale), + (c0 + c1·b) when the activation is linear (c2..ck = 0): depth 1. With a
//     degree-2 activation: z = Σ w_i·ct_i + b (one rescale), y = z·(c2·z + c1) + c0 (two more
//     rescales, one relinearization): depth 3.
//   packed_rows: ct ⊙ mask (mask = c1·w_i at slot j·s + i, or w_i for degree 2), one rescale,
//     rotate-and-sum by s/2 … 2, 1 (Galois keys for those steps), then the same tail.
// The result is mod-switched to the last level (chain index 0).
#include "server/app/model_runtime.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/rlwe/galois.h"

namespace ei::server {
namespace {

std::size_t next_pow2(std::size_t d) {
  std::size_t s = 1;
  while (s < d) s <<= 1;
  return s;
}

class EvaluatorRuntime final : public ModelRuntime {
 public:
  EvaluatorRuntime(rlwe::ContextPtr context, LinearModel model)
      : context_(std::move(context)), model_(std::move(model)), evaluator_(context_) {
    degree_ = 0;
    for (std::size_t k = 0; k < model_.coefficients.size(); ++k) {
      if (model_.coefficients[k] != 0.0) degree_ = k;
    }
  }

  const rlwe::ContextPtr& context() const noexcept override { return context_; }

  Result<LayoutPlan> plan(LayoutKind kind, InputLevel level, double /*input_bound*/) override {
    if (degree_ == 0) {
      return Status(Code::INVALID_PARAMETERS, "the activation is constant (every coefficient above c0 is zero)");
    }
    if (degree_ > 2) {
      return Status(Code::INVALID_PARAMETERS,
                    "activations of degree " + std::to_string(degree_) + " are not supported (at most 2)");
    }
    bool any_weight = false;
    for (double w : model_.weights) any_weight = any_weight || w != 0.0;
    if (!any_weight) return Status(Code::INVALID_PARAMETERS, "every weight is zero");

    LayoutPlan p;
    p.kind = kind;
    p.depth = degree_ == 1 ? 1 : 3;
    p.relinearization = degree_ == 2;
    p.stride = kind == LayoutKind::kPackedRows ? next_pow2(model_.weights.size()) : 1;
    if (kind == LayoutKind::kPackedRows) {
      for (std::size_t step = 1; step < p.stride; step <<= 1) {
        auto elt = rlwe::galois_elt_from_step(static_cast<int>(step), context_->first_context_data().poly_modulus_degree());
        if (!elt.ok()) return Status(Code::INVALID_PARAMETERS, "stride too large for the slot count");
        p.galois_elements.push_back(elt.value());
        p.galois_steps.push_back(static_cast<int>(step));
      }
      std::sort(p.galois_elements.begin(), p.galois_elements.end());
    }
    const std::size_t first = context_->first_context_data().chain_index();
    if (static_cast<std::size_t>(p.depth) > first) {
      return Status(Code::END_OF_MODULUS_CHAIN, "the plan needs " + std::to_string(p.depth) +
                                                    " rescales but the chain has only " + std::to_string(first) +
                                                    " levels below the first data level");
    }
    p.input_chain_index = level == InputLevel::kFirst ? first : static_cast<std::size_t>(p.depth);
    const rlwe::ContextData* in = level_at(p.input_chain_index);
    if (in == nullptr) return Status(Code::INTERNAL, "chain index not found");
    p.input_parms_id = in->parms_id();
    p.input_scale = model_.scale;
    p.max_batch = kind == LayoutKind::kPackedRows ? context_->first_context_data().poly_modulus_degree() / 2 / p.stride
                                                  : context_->first_context_data().poly_modulus_degree() / 2;
    p.description = "fallback plan (server/app/model_runtime_fallback.cpp)";
    p.output_chain_index = 0;
    p.output_parms_id = context_->last_context_data().parms_id();
    // Scale consistency: each rescale divides by the level's last prime; keep it within one bit
    // of the scale so the result scale stays near the model's (and the products fit the level).
    const double log_scale = std::log2(model_.scale);
    const rlwe::ContextData* cur = in;
    for (int r = 0; r < p.depth; ++r) {
      const double q = static_cast<double>(cur->coeff_modulus().back().value());
      if (std::fabs(std::log2(q) - log_scale) >= 1.0) {
        return Status(Code::INVALID_SCALE, "the scale 2^" + std::to_string(log_scale) +
                                               " is not within one bit of the prime " +
                                               std::to_string(cur->coeff_modulus().back().value()) +
                                               " the plan rescales by");
      }
      if (2.0 * log_scale + 1.0 >= static_cast<double>(cur->total_coeff_modulus_bit_count())) {
        return Status(Code::INVALID_SCALE, "scale^2 does not fit the modulus at chain index " +
                                               std::to_string(cur->chain_index()));
      }
      cur = cur->next();
    }
    if (kind == LayoutKind::kPackedRows && !context_->using_keyswitching() && p.stride > 1) {
      return Status(Code::INVALID_PARAMETERS, "packed_rows needs key switching (a special prime)");
    }
    return p;
  }

  Result<rlwe::Ciphertext> evaluate(const LayoutPlan& plan, const std::vector<rlwe::Ciphertext>& inputs,
                                    std::size_t /*batch_size*/, const rlwe::RelinKeys* relin,
                                    const rlwe::GaloisKeys* galois) const override {
    const double c0 = model_.coefficients.at(0);
    const double c1 = model_.coefficients.size() > 1 ? model_.coefficients[1] : 0.0;
    const double c2 = model_.coefficients.size() > 2 ? model_.coefficients[2] : 0.0;
    const bool linear = degree_ == 1;
    const double fold = linear ? c1 : 1.0;
    rlwe::Ciphertext acc;
    if (plan.kind == LayoutKind::kFeatureColumns) {
      if (inputs.size() != model_.weights.size()) return Status(Code::INVALID_ARGUMENT, "input count");
      bool have = false;
      rlwe::Ciphertext term;
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        const double w = fold * model_.weights[i];
        if (w == 0.0) continue;
        EI_RETURN_IF_ERROR(evaluator_.multiply_scalar(inputs[i], w, term));
        if (!have) {
          acc = std::move(term);
          have = true;
        } else {
          EI_RETURN_IF_ERROR(evaluator_.add(acc, term, acc));
        }
      }
      if (!have) return Status(Code::INVALID_ARGUMENT, "every weight is zero");
    } else {
      if (inputs.size() != 1) return Status(Code::INVALID_ARGUMENT, "input count");
      const rlwe::Ciphertext& ct = inputs[0];
      const std::size_t slots = context_->first_context_data().poly_modulus_degree() / 2;
      std::vector<double> mask(slots, 0.0);
      const std::size_t s = plan.stride;
      for (std::size_t j = 0; j + s <= slots; j += s) {
        for (std::size_t i = 0; i < model_.weights.size(); ++i) mask[j + i] = fold * model_.weights[i];
      }
      rlwe::Plaintext pt;
      EI_RETURN_IF_ERROR(evaluator_.encoder().encode(mask, ct.parms_id, ct.scale, pt));
      EI_RETURN_IF_ERROR(evaluator_.multiply_plain(ct, pt, acc));
    }
    EI_RETURN_IF_ERROR(evaluator_.rescale_to_next(acc, acc));
    if (plan.kind == LayoutKind::kPackedRows) {
      if (galois == nullptr && plan.stride > 1) return Status(Code::MISSING_KEY, "Galois keys");
      rlwe::Ciphertext rotated;
      for (std::size_t step = plan.stride / 2; step >= 1; step /= 2) {
        EI_RETURN_IF_ERROR(evaluator_.rotate_vector(acc, static_cast<int>(step), *galois, rotated));
        EI_RETURN_IF_ERROR(evaluator_.add(acc, rotated, acc));
      }
    }
    if (linear) {
      EI_RETURN_IF_ERROR(evaluator_.add_scalar(acc, c0 + c1 * model_.bias, acc));
    } else {
      if (relin == nullptr) return Status(Code::MISSING_KEY, "relinearization keys");
      // z = acc + b; y = z·(c2·z + c1) + c0.
      EI_RETURN_IF_ERROR(evaluator_.add_scalar(acc, model_.bias, acc));
      rlwe::Ciphertext t;
      EI_RETURN_IF_ERROR(evaluator_.multiply_scalar(acc, c2, t));
      EI_RETURN_IF_ERROR(evaluator_.add_scalar(t, c1, t));
      EI_RETURN_IF_ERROR(evaluator_.rescale_to_next(t, t));
      rlwe::Ciphertext z;
      EI_RETURN_IF_ERROR(evaluator_.mod_switch_to(acc, t.parms_id, z));
      rlwe::Ciphertext y;
      EI_RETURN_IF_ERROR(evaluator_.multiply(t, z, y));
      EI_RETURN_IF_ERROR(evaluator_.relinearize(y, *relin, y));
      EI_RETURN_IF_ERROR(evaluator_.rescale_to_next(y, y));
      EI_RETURN_IF_ERROR(evaluator_.add_scalar(y, c0, y));
      acc = std::move(y);
    }
    if (acc.parms_id != plan.output_parms_id) {
      EI_RETURN_IF_ERROR(evaluator_.mod_switch_to(acc, plan.output_parms_id, acc));
    }
    return acc;
  }

  double evaluate_plain(const std::vector<double>& x) const override {
    double s = 0.0;
    for (std::size_t i = 0; i < x.size() && i < model_.weights.size(); ++i) s += model_.weights[i] * x[i];
    const double z = s + model_.bias;
    double y = 0.0;
    for (std::size_t k = model_.coefficients.size(); k-- > 0;) y = y * z + model_.coefficients[k];
    return y;
  }

 private:
  const rlwe::ContextData* level_at(std::size_t chain_index) const {
    for (std::size_t i = 0; i < context_->level_count(); ++i) {
      if (context_->level(i).chain_index() == chain_index) return &context_->level(i);
    }
    return nullptr;
  }

  rlwe::ContextPtr context_;
  LinearModel model_;
  ckks::Evaluator evaluator_;
  std::size_t degree_ = 0;
};

}  // namespace

Result<std::unique_ptr<ModelRuntime>> ModelRuntime::create(rlwe::ContextPtr context, LinearModel model) {
  if (!context) return Status(Code::INVALID_ARGUMENT, "null context");
  if (model.weights.empty() || model.coefficients.empty()) return Status(Code::INVALID_ARGUMENT, "empty model");
  return std::unique_ptr<ModelRuntime>(new EvaluatorRuntime(std::move(context), std::move(model)));
}

}  // namespace ei::server
