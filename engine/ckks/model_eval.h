// Model evaluation on CKKS ciphertexts: the evaluation plan of a linear model with a polynomial
// activation (logistic-regression style), its evaluation, and the building blocks it is made of
// (linear form, rotate-and-sum, low-degree polynomial, diagonal matrix–vector product).
//
// Every block is a sequence of seal::Evaluator operations (through ckks::Evaluator, bit-exact),
// so a SEAL user who runs the same sequence — listed in EvalPlan::description and in the comments
// below — gets byte-identical ciphertexts. The plan arithmetic (levels, scales, error budget) is
// explained in docs/architecture/evaluation-plans.md.
//
// Thread-safety: free functions without shared state; concurrent calls are fine when each thread
//   uses its own (or a shared, const) Evaluator and Encoder — both are safe to share (their const
//   methods use thread-local scratch). EvalPlan is an immutable value once built.
// Ownership: results are returned by value; spans and pointers are borrowed for the call only.
// Errors: engine codes (engine/status.h); each function lists what it returns. Nothing is
//   evaluated before every input has been validated (evaluate_linear_model).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"
#include "engine/status.h"

namespace ei::ckks {

// y = p(w·x + b): `activation` holds p's coefficients in ascending powers (trailing zeros are
// ignored; the resulting degree must be 1, 2 or 3). logistic_v1 is {w, −0.02, {0.5, 0.197, 0.0}}.
struct LinearModelSpec {
  std::vector<double> weights;
  double bias = 0;
  std::vector<double> activation;
};

enum class Layout { kFeatureColumns, kPackedRows };

// "feature_columns" / "packed_rows" (the protocol's names).
[[nodiscard]] std::string_view layout_name(Layout layout) noexcept;

// The float64 reference: z = Σ w_i·x_i + b (index order), y = Σ_k c_k·z^k (ascending powers).
// REQUIRES: x.size() == spec.weights.size().
[[nodiscard]] double evaluate_plain(const LinearModelSpec& spec, std::span<const double> x);

// Planner knobs. The defaults are the ones the server uses for v1 models.
struct PlanOptions {
  // The stated input domain: every feature in [−input_bound, input_bound]. Bounds the values the
  // plan must keep below the modulus and enters the error budget. > 0.
  double input_bound = 1.0;
  // Precision target for the a-priori bound with symmetric (fresh) inputs: the planner takes the
  // cheapest plan whose error_budget_symmetric is ≤ max_error; when none is, the most precise
  // feasible plan (and says so in `description`). > 0.
  double max_error = 1e-6;
  // Packed rows: zero every output slot except j·stride (see evaluate_linear_model). No effect on
  // feature columns (their other slots hold the model applied to the zero features, no partial sums).
  bool mask_output = false;
  // The batch the plan must hold (0: no requirement); INVALID_ARGUMENT when it exceeds max_batch.
  std::size_t batch_size = 0;
  // Forces the input level (chain index). Default: feature columns take the first data level
  // (what v1.0 clients send); packed rows the lowest level the plan needs.
  std::optional<std::size_t> input_chain_index;
};

// The evaluation plan of one (model, layout, input scale). Built by plan_linear_model, consumed by
// evaluate_linear_model, and published by the server (the card's input/output levels and keys).
struct EvalPlan {
  Layout layout = Layout::kFeatureColumns;
  std::size_t input_dimension = 0;
  std::size_t stride = 1;                  // packed rows: smallest power of two ≥ input_dimension
  rlwe::ParmsId input_parms_id{};
  std::size_t input_chain_index = 0;
  double input_scale = 0;
  std::vector<int> rotation_steps;         // packed rows: 1, 2, …, stride/2 (ascending)
  std::vector<std::uint64_t> galois_elts;  // SEAL's elements for those steps (3^k mod 2N)
  bool needs_relin_keys = false;           // activation degree ≥ 2
  std::size_t max_batch = 0;               // feature columns: slots; packed rows: slots / stride
  rlwe::ParmsId output_parms_id{};
  std::size_t output_chain_index = 0;
  double output_scale = 0;
  // A-priori bound on max |decrypted − float64| over every output slot j·stride (j < max_batch)
  // for inputs in the stated domain, fresh public-key encrypted (the v1.0 clients' noise, the
  // larger of the two). Deterministic terms are added worst-case, random ones at kErrorSigmas or
  // kErrorSigmasProduct standard deviations (docs/architecture/evaluation-plans.md §3).
  double error_budget = 0;
  std::string description;                 // every step with its level and scale, and the budget

  // ---- Beyond the published fields: what the evaluation needs, and diagnostics ----
  double error_budget_symmetric = 0;       // the same bound for fresh symmetric inputs
  double output_bound = 0;                 // a-priori bound on |output slot value| (every slot)
  bool meets_max_error = false;            // error_budget_symmetric ≤ PlanOptions::max_error
  bool mask_output = false;                // packed rows with PlanOptions::mask_output
  int activation_degree = 0;               // 1, 2 or 3
  std::size_t rescale_count = 0;
  double weight_scale = 0;                 // scale of the weight plaintexts (a power of two)
  double mask_scale = 0;                   // scale of the output mask (0: no mask multiplication)
  bool shifted = false;                    // degree ≥ 2: the activation is re-centred (§4 of the doc)
  bool rotate_before_rescale = true;       // packed rows, degree ≥ 2
  // The model after folding (§2 of the doc): u = Σ folded_weights_i·x_i + folded_bias, then
  // y = Σ_k folded_activation[k]·u^k with a leading coefficient ±1 (empty for degree 1: y = u).
  std::vector<double> folded_weights;
  double folded_bias = 0;
  std::vector<double> folded_activation;
};

// Random terms of the error budget enter at a multiple of their per-slot standard deviation
// chosen so that P(one slot exceeds it) < 2^−38, hence P(any of n = 8192 slots) < 2^−25:
//   - Gaussian terms (fresh symmetric noise e, the client's encoding rounding, the key-switching
//     error carried by the digits' mean): 7σ;
//   - product terms (anything multiplied by s or by a key-switching digit in the slot domain:
//     rescale rounding r0 + r1·s, public-key fresh noise, the centred key-switching error): the
//     real part of a product of two independent complex Gaussians is Laplace-distributed,
//     P(|X| > kσ) = e^(−√2·k), so 19σ (measured maxima over 8192 slots reach 7–8σ).
inline constexpr double kErrorSigmas = 7.0;
inline constexpr double kErrorSigmasProduct = 19.0;
// Every ciphertext the plan produces keeps bound·scale ≤ Q_level / 2^(1 + kHeadroomBits): values
// up to 4× the a-priori bound (inputs well outside the domain) still decode without wrapping.
inline constexpr int kHeadroomBits = 2;

// Per-slot standard deviations (real part of one slot) of the noise sources the budget uses, in
// ciphertext units (divide by the scale for message units), at one level of `ctx`'s chain.
struct NoiseModel {
  double fresh_symmetric = 0;   // symmetric encryption, including the client's encoding rounding
                                // (Gaussian)
  double fresh_public_key = 0;  // public-key encryption at this level: SEAL encrypts one level up
                                // and divides by that level's last prime, a rounding event (product)
  double rounding = 0;          // one rescale of a size-2 ciphertext: round(c0) + round(c1)·s (product)
  double key_switch = 0;        // one relinearization or rotation: mod-down rounding and the centred
                                // part of Σ_J t_J·e_J / p (product), RMS over slots
  // SEAL's key-switching digits t_J are unsigned, in [0, q_J): their mean (q_J − 1)/2 multiplies
  // the key error e_J by the all-ones polynomial, whose value at slot k is 2/(1 − ζ_k). That term
  // is Gaussian but not uniform over slots: largest at slot 0 (ζ_0 = e^(iπ/N), factor ≈ N/π),
  // then slots 1, 2, … (÷3, ÷9, …). This is its standard deviation at slot 0 (the worst slot —
  // and y[0] of every layout); `key_switch_dc_rms` is its RMS over all slots.
  double key_switch_dc_worst = 0;
  double key_switch_dc_rms = 0;
};
// REQUIRES: chain_index ≤ the first data level's chain index.
[[nodiscard]] NoiseModel noise_model(const rlwe::Context& ctx, std::size_t chain_index);

// Chooses the cheapest plan (docs/architecture/evaluation-plans.md):
//   - folding: the activation's leading coefficient (degree ≥ 2: its |c_d|^(1/d), with the
//     re-centring shift when cheaper) and, for degree 1, c1 and c0 go into the weights and bias;
//   - degree 1: no rescale at all; the result stays at input_scale × weight_scale and is
//     mod-switched to the lowest level whose modulus holds it with kHeadroomBits of headroom;
//   - degree 2–3: one rescale for the whole linear sum, one between the two product levels of a
//     cubic, none at the end (the output keeps its scale, then is mod-switched down);
//   - among the feasible choices of input level (packed rows), weight scale (and mask scale), the
//     plans with error_budget_symmetric ≤ max_error are preferred; then the lowest input level
//     (packed rows: smaller requests), the lowest output level (smaller responses), the fewest
//     operations, the smallest error budget.
// Allocates. Pure arithmetic on the context (no encryption); microseconds to a few milliseconds.
// @returns INVALID_ARGUMENT      empty weights, a non-finite value, activation degree 0 or > 3,
//                                all folded weights zero, stride > slots, batch_size > max_batch,
//                                forced input_chain_index above the first data level, bad options
// @returns INVALID_SCALE         input_scale not finite or ≤ 0, or no weight scale fits any level
// @returns END_OF_MODULUS_CHAIN  the activation needs more levels below the input level than the
//                                chain has (the message names the levels needed and available)
[[nodiscard]] Result<EvalPlan> plan_linear_model(const rlwe::Context& ctx, const LinearModelSpec& spec,
                                                 Layout layout, double input_scale,
                                                 const PlanOptions& options = {});

// Evaluates `plan` (built from `spec`) on the inputs.
//   Feature columns: inputs.size() == input_dimension; ciphertext i holds x[j][i] in slot j.
//   Packed rows: one ciphertext; sample j in slots [j·stride, j·stride + d), zeros elsewhere.
// The result is one size-2 ciphertext at plan.output_parms_id with scale plan.output_scale:
//   feature columns: slot j = y[j]; slots ≥ batch hold the model applied to zero features;
//   packed rows: slot j·stride = y[j]. Without mask_output the other slots hold partial sums of
//     the rotate-and-sum (slot j·s + k: the weighted features k… of sample j and 0…k−1 of sample
//     j + 1, plus the bias, through the activation); clients must ignore them (protocol §7). With
//     mask_output they hold 0 up to the error budget. For degree 1 the mask costs one extra
//     multiply_plain and its scale: it cannot be folded into the weights, because the partial sums
//     are made by the rotations *after* the weights are applied — folding the weights into the
//     plaintext W (c1·w_i at slot j·s + i, zero in the padding slots) only cleans the input side.
//     For degree ≥ 2 the constants become masked vectors and the mask multiplies the sum before
//     the first rescale (see the doc, §5).
// Validation, before any homomorphic work, in this order: the plan matches the spec (folded
// coefficients) and the evaluator's and encoder's context; input count; per input: parms_id,
// size, NTT form, buffer, scale; then the keys.
// Allocates the result and temporaries (a few ciphertexts at the input level).
// @returns INVALID_ARGUMENT      plan/spec mismatch, wrong input count, encoder or evaluator for
//                                another context
// @returns PARMS_ID_UNKNOWN      an input's parms_id is not in the context's chain
// @returns LEVEL_MISMATCH        an input is not at plan.input_parms_id
// @returns INVALID_SIZE          an input does not have exactly 2 polynomials
// @returns NOT_NTT_FORM          an input is not in NTT form
// @returns DIMENSION_MISMATCH    an input's N or limb count disagrees with its level
// @returns SIZE_MISMATCH         an input's buffer does not hold 2·N·L words
// @returns SCALE_MISMATCH        an input's scale is not exactly plan.input_scale
// @returns MISSING_KEY           relinearization keys needed and absent/empty, or a Galois key of
//                                plan.galois_elts absent
// @returns the evaluator's codes (KEY_MISMATCH for keys of another context, …)
[[nodiscard]] Result<rlwe::Ciphertext> evaluate_linear_model(const Evaluator& ev, const Encoder& enc,
                                                             const EvalPlan& plan, const LinearModelSpec& spec,
                                                             std::span<const rlwe::Ciphertext> inputs,
                                                             const rlwe::RelinKeys* relin,
                                                             const rlwe::GaloisKeys* galois);

// ---- Building blocks (public, tested individually) ------------------------------------------------

// Σ w_i·ct_i + bias with one scale for the sum and no rescale: each nonzero w_i is encoded as a
// constant at `weight_scale` (SEAL's encode(double)) and multiplied in (multiply_plain); the terms
// are added in index order; the bias is then added as a constant at the sum's scale (add_plain).
// Zero weights are skipped; a zero bias is not added. Result: the cts' level, scale
// ct.scale · weight_scale.
// REQUIRES nothing. Allocates the result.
// @returns INVALID_ARGUMENT      cts empty, cts.size() ≠ weights.size(), every weight zero, or a
//                                non-finite weight or bias
// @returns LEVEL_MISMATCH        the cts are not all at one parms_id (checked before any work)
// @returns SCALE_MISMATCH        the cts' scales are not all equal (checked before any work)
// @returns the evaluator's codes (INVALID_SCALE / ENCODE_OVERFLOW for a weight scale too large
//                                for the level, TRANSPARENT_RESULT when a weight rounds to 0, …)
[[nodiscard]] Result<rlwe::Ciphertext> linear_form(const Evaluator& ev, const Encoder& enc,
                                                   std::span<const rlwe::Ciphertext> cts,
                                                   std::span<const double> weights, double bias,
                                                   double weight_scale);

// Slot k of the result = Σ_{i<width} slot (k + i) mod n of ct, by log2(width) rotations and adds:
// v += rotate(v, width/2); …; v += rotate(v, 1) (the protocol's order). width = 1 copies ct.
// Level and scale unchanged; each rotation adds one key switch of noise (do it at a high scale:
// evaluation-plans.md §3). REQUIRES nothing. Allocates the result.
// @returns INVALID_ARGUMENT      width not a power of two, 0, or > slot count
// @returns MISSING_KEY           a key for one of the steps 1, 2, …, width/2 is absent (all are
//                                checked before the first rotation; no NAF fallback)
// @returns the evaluator's codes for ct and the keys
[[nodiscard]] Result<rlwe::Ciphertext> rotate_and_sum(const Evaluator& ev, const rlwe::Ciphertext& ct,
                                                       std::size_t width, const rlwe::GaloisKeys& galois);

// p(x) for coefficients in ascending powers (trailing zeros ignored, degree 1–3), depth-optimal,
// with the leading coefficient folded into the scale at no cost: with α = |c_d|^(1/d), u is x
// with its scale field set to x.scale/α (the same ciphertext now decodes as α·x), so that
// p(x) = ±u^d + Σ_{k<d} (c_k/α^k)·u^k has a unit leading coefficient. Then, with Δ = u.scale at
// x's level ℓ:
//   degree 1: ±u + c0                                                    no rescale, scale Δ
//   degree 2: ±relin(u²) + (c1/α)·u [constant at Δ] + c0                 no rescale, scale Δ²
//   degree 3: s = rescale(relin(u²)) (level ℓ−1, Δ₂ = Δ²/q_ℓ); t = ±u + c2/α² [at Δ], mod-switched;
//             relin(s·t) + (c1/α)·u [constant at Δ₂] + c0                one rescale, scale Δ₂·Δ
// The result is left unrescaled (the caller rescales when its next operation needs it). A SEAL
// user reproduces the sequence by setting ct.scale() the same way.
// REQUIRES nothing. Allocates.
// @returns INVALID_ARGUMENT      no coefficient, a non-finite one, degree 0 or > 3
// @returns END_OF_MODULUS_CHAIN  degree 3 with x at the last level
// @returns the evaluator's codes (MISSING_KEY without relinearization keys, INVALID_SCALE when the
//                                product scale exceeds the level, …)
[[nodiscard]] Result<rlwe::Ciphertext> eval_polynomial(const Evaluator& ev, const Encoder& enc,
                                                       const rlwe::Ciphertext& x, std::span<const double> coeffs,
                                                       const rlwe::RelinKeys& relin);

// The rotation steps matvec_diagonal uses for a rows × cols matrix (generate Galois keys for them).
// REQUIRES: 1 ≤ rows, cols and rows + cols − 1 ≤ slots.
[[nodiscard]] std::vector<int> matvec_rotation_steps(std::size_t rows, std::size_t cols, std::size_t slots);

struct MatvecOptions {
  // Scale of the diagonal plaintexts (0: x.scale).
  double weight_scale = 0;
  // When > 1 (a power of two), x is first multiplied by the constant 1 encoded at this scale — an
  // exact operation (the plaintext is the integer lift_scale) — so that the baby-step rotations
  // act on a ciphertext at x.scale·lift_scale and their key-switching noise (largest at slot 0,
  // see NoiseModel) shrinks by that factor. Costs lift_scale of modulus room, nothing in precision.
  double lift_scale = 1;
};

// y = M·v for a dense rows × cols matrix by the Halevi–Shoup diagonal method with baby-step /
// giant-step rotations. x holds v in slots [0, cols) and zeros in every other slot; the result
// holds (M·v)_i in slot i < rows and 0 (up to the error) in every other slot. Generalized
// diagonals k ∈ [−(rows−1), cols−1] (diag_k[i] = M[i][i+k]) avoid replicating v:
// y = Σ_k diag_k ⊙ rot(v, k) = Σ_g rot(Σ_b rot(diag_{k0+gB+b}, −(k0+gB)) ⊙ rot(v, b), k0+gB)
// with B = 2^⌈log2(D)/2⌉ baby steps for D = rows + cols − 1 diagonals, k0 = −(rows−1): at most
// B − 1 + ⌈D/B⌉ rotations. Diagonals are encoded at options.weight_scale at x's level (zero
// diagonals are skipped); the result has scale x.scale·lift_scale·weight_scale, no rescale.
// The baby-step rotations act on x (lifted), the giant steps on products.
// REQUIRES nothing. Allocates.
// @returns INVALID_ARGUMENT      empty or ragged matrix, a non-finite entry, rows + cols − 1 > slots,
//                                the matrix all zeros, encoder for another context
// @returns INVALID_SCALE         weight_scale or lift_scale not positive and finite
// @returns MISSING_KEY           a key for one of the steps used (⊆ matvec_rotation_steps) is absent
// @returns the evaluator's and encoder's codes
[[nodiscard]] Result<rlwe::Ciphertext> matvec_diagonal(const Evaluator& ev, const Encoder& enc,
                                                       const rlwe::Ciphertext& x,
                                                       const std::vector<std::vector<double>>& matrix,
                                                       const rlwe::GaloisKeys& galois,
                                                       const MatvecOptions& options = {});

}  // namespace ei::ckks
