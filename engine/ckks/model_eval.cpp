#include "engine/ckks/model_eval.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include "engine/rlwe/galois.h"

namespace ei::ckks {
namespace {

using rlwe::Ciphertext;
using rlwe::ContextData;
using rlwe::Plaintext;

// ---- Noise constants (SEAL 4.1's samplers) -------------------------------------------------------
constexpr double kCbdVariance = 10.5;          // sample_poly_cbd: 21 − 21 coin flips
constexpr double kTernaryVariance = 2.0 / 3.0;  // uniform {−1, 0, 1}
constexpr double kRoundVariance = 1.0 / 12.0;   // rounding to the nearest integer

// ---- Small helpers ------------------------------------------------------------------------------

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// "2^57" for a power of two, else "2^57.0013" (scales after a rescale are not powers of two).
std::string fmt_scale(double s) {
  int e = 0;
  const double m = std::frexp(s, &e);
  if (m == 0.5) return "2^" + std::to_string(e - 1);
  return fmt("2^%.4f", std::log2(s));
}

std::string fmt_err(double v) { return fmt("%.3g", v); }

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// SEAL's constant encode rounds half away from zero (std::round).
double quantize(double v, double scale) { return std::round(v * scale) / scale; }
double quant_error(double v, double scale) { return std::fabs(quantize(v, scale) - v); }

// The trimmed degree of a coefficient list (−1 for all zeros).
int poly_degree(std::span<const double> c) {
  for (std::size_t k = c.size(); k-- > 0;) {
    if (c[k] != 0.0) return static_cast<int>(k);
  }
  return -1;
}

// Coefficients of p(t − h) in ascending powers (Taylor shift, degree ≤ 3).
std::vector<double> shift_poly(const std::vector<double>& c, double h) {
  std::vector<double> out(c.size(), 0.0);
  // (t − h)^k = Σ_j C(k, j) t^j (−h)^(k−j)
  for (std::size_t k = 0; k < c.size(); ++k) {
    double binom = 1.0;  // C(k, j), updated as j grows
    for (std::size_t j = 0; j <= k; ++j) {
      if (j > 0) binom = binom * static_cast<double>(k - j + 1) / static_cast<double>(j);
      out[j] += c[k] * binom * std::pow(-h, static_cast<double>(k - j));
    }
  }
  return out;
}

// Non-adjacent form terms of `step` (±2^i), as the evaluator's NAF fallback uses them.
std::vector<int> naf_terms(int step) {
  std::vector<int> terms;
  long long k = step;
  long long bit = 1;
  while (k != 0) {
    if (k & 1) {
      const long long z = 2 - (((k % 4) + 4) % 4);  // ±1
      terms.push_back(static_cast<int>(z * bit));
      k -= z;
    }
    k /= 2;
    bit *= 2;
  }
  return terms;
}

// The rotation by `step` can run with `keys`: its own key, or (as the evaluator falls back to)
// a key for every NAF term.
Status check_rotation_key(const rlwe::GaloisKeys& keys, int step, std::size_t n) {
  if (step == 0) return Status::Ok();
  EI_ASSIGN_OR_RETURN(const std::uint64_t elt, rlwe::galois_elt_from_step(step, n));
  if (keys.has_key(elt)) return Status::Ok();
  for (int term : naf_terms(step)) {
    if (static_cast<std::size_t>(std::abs(term)) == n / 2) continue;
    EI_ASSIGN_OR_RETURN(const std::uint64_t e, rlwe::galois_elt_from_step(term, n));
    if (!keys.has_key(e)) {
      return {Code::MISSING_KEY, "no Galois key for rotation step " + std::to_string(step) + " (element " +
                                     std::to_string(elt) + ")"};
    }
  }
  return Status::Ok();
}

bool same_context(const Evaluator& ev, const Encoder& enc) {
  return ev.context() && enc.context() && ev.context()->key_parms_id() == enc.context()->key_parms_id();
}

// The data levels of the chain, indexed by chain index.
struct LevelInfo {
  const ContextData* cd = nullptr;
  double log2q = 0;    // log2 of the product of the level's primes
  int bits = 0;        // SEAL's total_coeff_modulus_bit_count
  double last = 0;     // the level's last prime (what a rescale divides by), as a double
  std::size_t limbs = 0;
};

std::vector<LevelInfo> data_levels(const rlwe::Context& ctx) {
  const ContextData* first = &ctx.first_context_data();
  std::vector<LevelInfo> levels(first->chain_index() + 1);
  for (const ContextData* cd = first; cd != nullptr; cd = cd->next()) {
    LevelInfo& l = levels[cd->chain_index()];
    l.cd = cd;
    for (const auto& q : cd->coeff_modulus()) l.log2q += std::log2(static_cast<double>(q.value()));
    l.bits = cd->total_coeff_modulus_bit_count();
    l.last = static_cast<double>(cd->coeff_modulus().back().value());
    l.limbs = cd->coeff_modulus_size();
  }
  return levels;
}

// ---- Folding ------------------------------------------------------------------------------------

// The model with its activation folded (doc §2): u = Σ w_i x_i + b, y = Σ_k c[k] u^k (c[d] = ±1);
// for degree 1, c is empty and y = u.
struct Folded {
  int degree = 0;
  bool shifted = false;
  double alpha = 1;
  double shift = 0;
  std::vector<double> w;
  double b = 0;
  std::vector<double> c;
};

Result<Folded> fold(const LinearModelSpec& spec, bool shifted) {
  Folded f;
  const std::vector<double>& a = spec.activation;
  f.degree = poly_degree(a);
  f.shifted = shifted && f.degree >= 2;
  if (f.degree == 1) {
    f.alpha = a[1];
    f.w.resize(spec.weights.size());
    for (std::size_t i = 0; i < f.w.size(); ++i) f.w[i] = a[1] * spec.weights[i];
    f.b = a[1] * spec.bias + a[0];
    return f;
  }
  const auto d = static_cast<std::size_t>(f.degree);
  std::vector<double> p(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(d) + 1);
  if (f.shifted) {
    // Re-centre so that the u^(d−1) term vanishes: z = t − h, h = c_{d−1} / (d·c_d).
    f.shift = p[d - 1] / (static_cast<double>(d) * p[d]);
    p = shift_poly(p, f.shift);
    p[d - 1] = 0.0;  // zero analytically
  }
  const double lead = p[d];
  f.alpha = std::pow(std::fabs(lead), 1.0 / static_cast<double>(d));
  if (!(f.alpha > 0) || !std::isfinite(f.alpha)) return Status(Code::INVALID_ARGUMENT, "activation coefficients out of range");
  f.w.resize(spec.weights.size());
  for (std::size_t i = 0; i < f.w.size(); ++i) f.w[i] = f.alpha * spec.weights[i];
  f.b = f.alpha * (spec.bias + f.shift);
  f.c.resize(d + 1);
  double ak = 1.0;
  for (std::size_t k = 0; k <= d; ++k) {
    f.c[k] = p[k] / ak;
    ak *= f.alpha;
  }
  f.c[d] = lead > 0 ? 1.0 : -1.0;
  for (double v : f.c) {
    if (!std::isfinite(v)) return Status(Code::INVALID_ARGUMENT, "activation coefficients out of range");
  }
  return f;
}

Status validate_spec(const LinearModelSpec& spec) {
  if (spec.weights.empty()) return {Code::INVALID_ARGUMENT, "the model has no weights"};
  if (!all_finite(spec.weights) || !std::isfinite(spec.bias)) {
    return {Code::INVALID_ARGUMENT, "a weight or the bias is not finite"};
  }
  if (spec.activation.empty()) return {Code::INVALID_ARGUMENT, "the activation has no coefficients"};
  if (!all_finite(spec.activation)) return {Code::INVALID_ARGUMENT, "an activation coefficient is not finite"};
  const int d = poly_degree(spec.activation);
  if (d < 1) return {Code::INVALID_ARGUMENT, "the activation is constant (degree 0): the output would not depend on the input"};
  if (d > 3) {
    return {Code::INVALID_ARGUMENT, "activation degree " + std::to_string(d) +
                                        " is not supported (≤ 3; higher degrees need a Paterson–Stockmeyer plan)"};
  }
  if (std::all_of(spec.weights.begin(), spec.weights.end(), [](double w) { return w == 0.0; })) {
    return {Code::INVALID_ARGUMENT, "every weight is zero: the output would not depend on the input"};
  }
  return Status::Ok();
}

// ---- The plan simulator --------------------------------------------------------------------------

struct Err {
  double det = 0;  // deterministic, worst case
  double vg = 0;   // Gaussian terms, variance
  double vl = 0;   // product (Laplace) terms, variance
  [[nodiscard]] double bound() const {
    return det + kErrorSigmas * std::sqrt(vg) + kErrorSigmasProduct * std::sqrt(vl);
  }
};

// The same error state for the two kinds of fresh input (symmetric, public key).
struct Err2 {
  Err sym, pk;
  void add_det(double d) { sym.det += d; pk.det += d; }
  void add_vg(double v) { sym.vg += v; pk.vg += v; }
  void add_vl(double v) { sym.vl += v; pk.vl += v; }
  template <typename F>
  void each(F&& f) { f(sym); f(pk); }
};

// Bound of one key switch's noise (message units at `scale`), repeated `count` times.
double ks_bound(const NoiseModel& m, double scale, double count) {
  return kErrorSigmas * std::sqrt(count) * m.key_switch_dc_worst / scale +
         kErrorSigmasProduct * std::sqrt(count) * m.key_switch / scale;
}

struct Choice {
  std::size_t in_ci = 0;
  int kw = 0;   // weight scale 2^kw
  int km = 0;   // mask scale 2^km (0: no mask multiplication)
  bool shifted = false;
  bool rot_before = true;
};

struct Outcome {
  bool ok = false;
  bool too_large = false;  // a scale did not fit: every larger kw / km fails too
  std::string why;
  std::size_t res_ci = 0, out_ci = 0;
  double out_scale = 0, out_bound = 0;
  double budget_sym = 0, budget_pk = 0;
  double cost = 0;
  std::size_t rescales = 0;
  std::vector<std::string> steps;
  std::vector<std::string> terms;
};

// Relative costs, only to break ties between variants with the same levels (units: about one NTT
// of one limb).
double cost_keyswitch(std::size_t l) { return static_cast<double>(l * l + 3 * l + 2); }
double cost_mul_plain(std::size_t l) { return 0.6 * static_cast<double>(l); }
double cost_mul(std::size_t l) { return 1.2 * static_cast<double>(l); }
double cost_rescale(std::size_t l) { return 2.0 * static_cast<double>(l); }
double cost_add(std::size_t l) { return 0.2 * static_cast<double>(l); }
double cost_encode_vector(std::size_t l) { return 4.0 + static_cast<double>(l); }

class Planner {
 public:
  Planner(const rlwe::Context& ctx, Layout layout, double in_scale, const PlanOptions& opt, std::size_t d,
          std::size_t s)
      : levels_(data_levels(ctx)), layout_(layout), in_scale_(in_scale), opt_(opt), d_(d), s_(s) {
    noise_.resize(levels_.size());
    for (std::size_t ci = 0; ci < levels_.size(); ++ci) noise_[ci] = noise_model(ctx, ci);
  }

  [[nodiscard]] const std::vector<LevelInfo>& levels() const { return levels_; }

  Outcome run(const Folded& f, const Choice& ch, bool describe) const {
    Outcome o;
    State st{o, describe, 0, 0.0, 0.0, Err2{}};
    simulate(f, ch, st);
    return o;
  }

 private:
  struct State {
    Outcome& o;
    bool describe;
    std::size_t ci = 0;
    double scale = 0;
    double bound = 0;
    Err2 err;
    void step(std::string s) {
      if (describe) o.steps.push_back(std::move(s));
    }
    void term(std::string s) {
      if (describe) o.terms.push_back(std::move(s));
    }
    bool fail(std::string why, bool too_large = false) {
      o.ok = false;
      o.too_large = too_large;
      o.why = std::move(why);
      return false;
    }
  };

  std::string at(std::size_t ci, double scale) const {
    return "chain index " + std::to_string(ci) + " (" + std::to_string(levels_[ci].limbs) + " prime" +
           (levels_[ci].limbs == 1 ? "" : "s") + ", " + std::to_string(levels_[ci].bits) + " bits), scale " +
           fmt_scale(scale);
  }

  // bound·scale keeps kHeadroomBits of headroom below Q/2, and the scale is within SEAL's bound.
  bool fits(std::size_t ci, double scale, double bound) const {
    const LevelInfo& l = levels_[ci];
    const double ls = std::log2(scale);
    if (!(ls + 1.0 < static_cast<double>(l.bits))) return false;
    if (bound <= 0) return true;
    return std::log2(bound) + ls + 1.0 + kHeadroomBits <= l.log2q;
  }
  bool check_fit(State& st, double scale, double bound, const char* what) const {
    if (fits(st.ci, scale, bound)) return true;
    return st.fail(std::string(what) + " does not fit chain index " + std::to_string(st.ci), true);
  }
  // SEAL's encode(double) bounds at the level.
  bool constant_ok(std::size_t ci, double v, double scale) const {
    const int bits = levels_[ci].bits;
    if (static_cast<int>(std::log2(scale)) >= bits) return false;
    const double vs = std::fabs(v * scale);
    return vs < 1.0 || static_cast<int>(std::log2(vs)) + 2 < bits;
  }
  // SEAL's vector encode bounds at the level (scale; coefficients ≤ max|v|·scale).
  bool vector_ok(std::size_t ci, double max_abs, double scale) const {
    const int bits = levels_[ci].bits;
    if (static_cast<int>(std::log2(scale)) + 1 >= bits) return false;
    return max_abs * scale < 1.0 || std::log2(max_abs * scale) + 2 < static_cast<double>(bits);
  }
  double sigma_round() const { return noise_[0].rounding; }

  void add_constant(State& st, double v, bool masked, const char* what) const {
    if (v == 0.0) return;
    if (masked) {
      st.err.add_det(static_cast<double>(s_) / st.scale);
      st.term(std::string(what) + " (masked vector) quantization ≤ s/scale = " + fmt_err(static_cast<double>(s_) / st.scale));
      st.o.cost += cost_encode_vector(levels_[st.ci].limbs) + cost_add(levels_[st.ci].limbs);
      st.step(std::string("add_plain ") + what + " = " + fmt("%.9g", v) + " · M (vector) at scale " +
              fmt_scale(st.scale));
    } else {
      const double q = quant_error(v, st.scale);
      st.err.add_det(q);
      st.term(std::string(what) + " quantization = " + fmt_err(q));
      st.o.cost += cost_add(levels_[st.ci].limbs);
      st.step(std::string("add_scalar ") + what + " = " + fmt("%.9g", v) + " at scale " + fmt_scale(st.scale));
    }
  }

  void rotations(State& st) const {
    if (s_ == 1) return;
    const double cnt = static_cast<double>(s_ - 1);  // noise of step k is doubled by each later step
    st.err.add_vg(cnt * std::pow(noise_[st.ci].key_switch_dc_worst / st.scale, 2));
    st.err.add_vl(cnt * std::pow(noise_[st.ci].key_switch / st.scale, 2));
    const int logs = std::countr_zero(s_);
    st.o.cost += logs * (cost_keyswitch(levels_[st.ci].limbs) + cost_add(levels_[st.ci].limbs));
    std::string seq;
    for (std::size_t w = s_ / 2; w >= 1; w /= 2) {
      seq += (seq.empty() ? "" : ", ") + std::to_string(w);
      if (w == 1) break;
    }
    st.step("rotate_and_sum width " + std::to_string(s_) + ": v += rotate_vector(v, k) for k = " + seq + " (" +
            std::to_string(logs) + " rotations at " + at(st.ci, st.scale) + "); slot j·" + std::to_string(s_) +
            " = the sample's sum");
    st.term(std::to_string(logs) + " key switches at " + fmt_scale(st.scale) + " (worst slot) ≤ " +
            fmt_err(ks_bound(noise_[st.ci], st.scale, cnt)));
  }

  bool rescale(State& st, double bound) const {
    if (st.ci == 0) return st.fail("no level left to rescale");
    const double q = levels_[st.ci].last;
    st.o.cost += cost_rescale(levels_[st.ci].limbs);
    st.scale = st.scale / q;
    --st.ci;
    ++st.o.rescales;
    st.err.add_vl(std::pow(sigma_round() / st.scale, 2));
    st.step("rescale_to_next (÷ " + fmt("%.0f", q) + ") → " + at(st.ci, st.scale));
    st.term("rescale rounding at scale " + fmt_scale(st.scale) + " ≤ " +
            fmt_err(kErrorSigmasProduct * sigma_round() / st.scale));
    return check_fit(st, st.scale, bound, "the rescaled sum");
  }

  bool simulate(const Folded& f, const Choice& ch, State& st) const {
    Outcome& o = st.o;
    const double B = opt_.input_bound;
    const bool packed = layout_ == Layout::kPackedRows;
    const bool mask = packed && opt_.mask_output && s_ > 1;
    st.ci = ch.in_ci;
    st.scale = in_scale_;
    double s1 = 0, s2 = 0, wmax = 0;
    for (double w : f.w) {
      s1 += std::fabs(w);
      s2 += w * w;
      wmax = std::max(wmax, std::fabs(w));
    }
    if (!fits(st.ci, in_scale_, B)) return st.fail("the inputs do not fit their level", true);
    const NoiseModel& nin = noise_[st.ci];
    st.err.sym.vg = s2 * std::pow(nin.fresh_symmetric / in_scale_, 2);
    st.err.pk.vl = s2 * std::pow(nin.fresh_public_key / in_scale_, 2);
    st.step("input: " + at(st.ci, in_scale_) + ", every |x_i| ≤ " + fmt("%g", B));
    st.term("input noise through the weights (‖ŵ‖₂ = " + fmt("%.4g", std::sqrt(s2)) + "): symmetric (7σ) " +
            fmt_err(st.err.sym.bound()) + ", public key (19σ) " + fmt_err(st.err.pk.bound()));

    const double ws = std::ldexp(1.0, ch.kw);
    const std::size_t limbs_in = levels_[st.ci].limbs;
    const double vsum = s1 * B;  // every partial sum of weighted features
    if (!packed) {
      double qsum = 0;
      std::size_t nnz = 0;
      for (double w : f.w) {
        if (w == 0.0) continue;
        ++nnz;
        if (!constant_ok(st.ci, w, ws)) return st.fail("weight constant too large", true);
        if (std::round(w * ws) == 0.0) return st.fail("a weight rounds to zero at this weight scale");
        qsum += quant_error(w, ws);
      }
      st.scale = in_scale_ * ws;
      if (!check_fit(st, st.scale, vsum + std::fabs(f.b), "the weighted sum")) return false;
      st.err.add_det(B * qsum);
      o.cost += static_cast<double>(nnz) * cost_mul_plain(limbs_in) + static_cast<double>(nnz - 1) * cost_add(limbs_in);
      st.step("linear form: multiply_scalar(ct_i, ŵ_i) with ŵ_i encoded as constants at scale " + fmt_scale(ws) +
              " (" + std::to_string(nnz) + " multiply_plain), add in index order → " + at(st.ci, st.scale));
      st.term("weight constants quantization Σ|x_i|·|ŵ_i − round(ŵ_i·2^" + std::to_string(ch.kw) +
              ")/2^" + std::to_string(ch.kw) + "| ≤ " + fmt_err(B * qsum));
      add_constant(st, f.b, false, "bias b̂");
    } else {
      if (!vector_ok(st.ci, wmax, ws)) return st.fail("weight vector too large", true);
      if (wmax * ws < 2.0 * static_cast<double>(s_)) return st.fail("the weight vector would round to zero");
      st.scale = in_scale_ * ws;
      if (!check_fit(st, st.scale, vsum, "the weighted input")) return false;
      const double q = B * std::sqrt(static_cast<double>(d_)) * static_cast<double>(s_) / (std::sqrt(2.0) * ws);
      st.err.add_det(q);
      o.cost += cost_encode_vector(limbs_in) + cost_mul_plain(limbs_in);
      st.step("multiply_plain by W (ŵ_i at slot j·" + std::to_string(s_) + " + i for every j, 0 in the padding; period " +
              std::to_string(s_) + ") encoded at scale " + fmt_scale(ws) + " → " + at(st.ci, st.scale));
      st.term("weight vector quantization (2s nonzero coefficients) ≤ B·√d·s/(√2·scale) = " + fmt_err(q));
      const bool rot_now = f.degree == 1 || ch.rot_before;
      if (mask && !rot_now) return st.fail("the mask needs the rotations first");
      if (rot_now) rotations(st);
      if (mask) {
        const double ms = std::ldexp(1.0, ch.km);
        if (!vector_ok(st.ci, 1.0, ms)) return st.fail("mask too large", true);
        st.scale = st.scale * ms;
        if (!check_fit(st, st.scale, vsum, "the masked sum")) return false;
        const double qm = static_cast<double>(s_) / ms;
        st.err.each([&](Err& e) { e.det = e.det * (1 + qm) + vsum * qm; });
        o.cost += cost_encode_vector(st.ci + 1) + cost_mul_plain(levels_[st.ci].limbs);
        st.step("multiply_plain by the output mask M (1 at slot j·" + std::to_string(s_) + ", else 0) at scale " +
                fmt_scale(ms) + " → " + at(st.ci, st.scale));
        st.term("mask quantization ≤ |sum|·s/scale = " + fmt_err(vsum * qm));
      }
      if (rot_now) add_constant(st, f.b, mask, "bias b̂");
    }
    double vu = vsum + std::fabs(f.b);
    if (f.degree >= 2) {
      if (!rescale(st, vu)) return false;
      if (packed && !ch.rot_before) {
        rotations(st);
        add_constant(st, f.b, false, "bias b̂");
      }
      if (!activation(f, st, vu, mask)) return false;
    } else {
      st.bound = vu;
      if (!check_fit(st, st.scale, vu, "the result")) return false;
    }
    // Output: the lowest level that holds the result with headroom (mod_switch_to: no rounding).
    o.res_ci = st.ci;
    o.out_scale = st.scale;
    o.out_bound = st.bound;
    std::size_t out = st.ci;
    while (out > 0 && fits(out - 1, st.scale, st.bound)) --out;
    o.out_ci = out;
    const double headroom = levels_[out].log2q - 1.0 - std::log2(st.bound) - std::log2(st.scale);
    if (out < st.ci) {
      st.step("mod_switch_to " + at(out, st.scale) + " — |y| ≤ " + fmt("%.4g", st.bound) + ", " +
              fmt("%.1f", headroom) + " bits of headroom below Q/2");
    } else {
      st.step("output stays at " + at(out, st.scale) + " — |y| ≤ " + fmt("%.4g", st.bound) + ", " +
              fmt("%.1f", headroom) + " bits of headroom below Q/2");
    }
    o.budget_sym = st.err.sym.bound();
    o.budget_pk = st.err.pk.bound();
    o.ok = true;
    return true;
  }

  bool activation(const Folded& f, State& st, double vu, bool mask) const {
    Outcome& o = st.o;
    const std::vector<double>& c = f.c;
    const std::size_t l = levels_[st.ci].limbs;
    const double du = st.scale;
    // Past a product the error is no longer a sum of independent terms: carry its bound.
    st.err.each([](Err& e) { e = Err{e.bound(), 0.0, 0.0}; });
    const std::string lead = c.back() > 0 ? "" : "−";
    if (f.degree == 2) {
      const double dsq = du * du;
      if (!check_fit(st, dsq, vu * vu, "u²")) return false;
      const Err2 eu = st.err;  // u's error bound
      st.err.each([&](Err& e) { e.det = 2 * vu * e.det + e.det * e.det; });
      st.err.add_det(ks_bound(noise_[st.ci], dsq, 1.0));
      o.cost += cost_mul(l) + cost_keyswitch(l);
      st.step("y = " + lead + "relinearize(square(u)) → " + at(st.ci, dsq));
      double vy = vu * vu;
      if (c[1] != 0.0) {
        if (!constant_ok(st.ci, c[1], du) || std::round(c[1] * du) == 0.0) return st.fail("ĉ1 does not encode");
        const double q1 = quant_error(c[1], du);
        // The linear term carries u's error too (added worst-case to the square's).
        st.err.sym.det += std::fabs(c[1]) * eu.sym.det;
        st.err.pk.det += std::fabs(c[1]) * eu.pk.det;
        st.err.add_det(vu * q1);
        o.cost += cost_mul_plain(l) + cost_add(l);
        st.step("y += multiply_scalar(u, ĉ1 = " + fmt("%.9g", c[1]) + ", scale " + fmt_scale(du) + ")");
        st.term("ĉ1 quantization at " + fmt_scale(du) + ": " + fmt_err(vu * q1));
        vy += std::fabs(c[1]) * vu;
      }
      st.scale = dsq;
      vy += std::fabs(c[0]);
      add_constant(st, c[0], mask, "ĉ0");
      st.bound = vy;
      return check_fit(st, st.scale, vy, "the activation");
    }
    // Degree 3: ±u³ + ĉ2·u² + ĉ1·u + ĉ0 = u²·(±u + ĉ2) + ĉ1·u + ĉ0.
    if (st.ci == 0) return st.fail("degree 3 needs a level below u");
    const double dsq = du * du;
    if (!check_fit(st, dsq, vu * vu, "u²")) return false;
    Err2 esq = st.err;
    esq.each([&](Err& e) { e.det = 2 * vu * e.det + e.det * e.det; });
    esq.add_det(ks_bound(noise_[st.ci], dsq, 1.0));
    o.cost += cost_mul(l) + cost_keyswitch(l) + cost_rescale(l);
    st.step("s = relinearize(square(u)) → " + at(st.ci, dsq));
    const std::size_t ci_u = st.ci;
    const double q = levels_[st.ci].last;
    const double d2 = dsq / q;
    --st.ci;
    ++o.rescales;
    esq.add_det(kErrorSigmasProduct * sigma_round() / d2);
    st.step("s = rescale_to_next(s) (÷ " + fmt("%.0f", q) + ") → " + at(st.ci, d2));
    st.term("rescale rounding of u² at " + fmt_scale(d2) + " ≤ " + fmt_err(kErrorSigmasProduct * sigma_round() / d2));
    if (!check_fit(st, d2, vu * vu, "rescaled u²")) return false;
    // t = ±u + ĉ2 at u's scale, mod-switched down.
    double qt = 0;
    if (c[2] != 0.0) {
      if (!constant_ok(ci_u, c[2], du)) return st.fail("ĉ2 does not encode");
      qt = quant_error(c[2], du);
      o.cost += cost_add(l);
    }
    const double vt = vu + std::fabs(c[2]);
    if (!check_fit(st, du, vt, "t")) return false;
    st.step("t = " + lead + "u" + (c[2] != 0.0 ? " + ĉ2 (= " + fmt("%.9g", c[2]) + ", add_scalar at " + fmt_scale(du) + ")" : std::string()) +
            ", mod_switch_to_next → " + at(st.ci, du));
    const double dy = d2 * du;
    if (!check_fit(st, dy, vu * vu * vt, "s·t")) return false;
    Err2 ey = st.err;  // u's error
    const double ks_y = ks_bound(noise_[st.ci], dy, 1.0);
    ey.sym.det = vu * vu * (st.err.sym.det + qt) + vt * esq.sym.det + esq.sym.det * (st.err.sym.det + qt) + ks_y;
    ey.pk.det = vu * vu * (st.err.pk.det + qt) + vt * esq.pk.det + esq.pk.det * (st.err.pk.det + qt) + ks_y;
    o.cost += cost_mul(st.ci + 1) + cost_keyswitch(st.ci + 1);
    st.step("y = relinearize(s · t) → " + at(st.ci, dy));
    double vy = vu * vu * vt;
    if (c[1] != 0.0) {
      if (!constant_ok(st.ci, c[1], d2) || std::round(c[1] * d2) == 0.0) return st.fail("ĉ1 does not encode");
      const double q1 = quant_error(c[1], d2);
      ey.sym.det += std::fabs(c[1]) * st.err.sym.det + vu * q1;
      ey.pk.det += std::fabs(c[1]) * st.err.pk.det + vu * q1;
      o.cost += cost_mul_plain(st.ci + 1) + cost_add(st.ci + 1);
      st.step("y += multiply_scalar(mod_switch(u), ĉ1 = " + fmt("%.9g", c[1]) + ", scale " + fmt_scale(d2) + ")");
      st.term("ĉ1 quantization at " + fmt_scale(d2) + ": " + fmt_err(vu * q1));
      vy += std::fabs(c[1]) * vu;
    }
    st.err = ey;
    st.scale = dy;
    vy += std::fabs(c[0]);
    add_constant(st, c[0], mask, "ĉ0");
    st.bound = vy;
    return check_fit(st, st.scale, vy, "the activation");
  }

  std::vector<LevelInfo> levels_;
  std::vector<NoiseModel> noise_;
  Layout layout_;
  double in_scale_;
  PlanOptions opt_;
  std::size_t d_, s_;
};

}  // namespace

// ---- Public: small pieces ------------------------------------------------------------------------

std::string_view layout_name(Layout layout) noexcept {
  return layout == Layout::kPackedRows ? "packed_rows" : "feature_columns";
}

double evaluate_plain(const LinearModelSpec& spec, std::span<const double> x) {
  double z = 0;
  for (std::size_t i = 0; i < spec.weights.size() && i < x.size(); ++i) z += spec.weights[i] * x[i];
  z += spec.bias;
  double y = 0, zk = 1;
  for (double c : spec.activation) {
    y += c * zk;
    zk *= z;
  }
  return y;
}

NoiseModel noise_model(const rlwe::Context& ctx, std::size_t chain_index) {
  const ContextData& first = ctx.first_context_data();
  const double big_n = static_cast<double>(first.poly_modulus_degree());
  const double n = big_n / 2;
  NoiseModel m;
  const double v_round = kRoundVariance * (1 + big_n * kTernaryVariance);
  m.rounding = std::sqrt(n * v_round);
  m.fresh_symmetric = std::sqrt(n * (kCbdVariance + kRoundVariance));
  const ContextData* cd = &first;
  while (cd != nullptr && cd->chain_index() != chain_index) cd = cd->next();
  if (cd == nullptr) return m;
  // Public key: u·e + e0 + e1·s, made one level up and divided (with rounding) by its last prime.
  const double v_pk_raw = 2 * big_n * kTernaryVariance * kCbdVariance + kCbdVariance;
  double v_pk = v_pk_raw;
  if (const ContextData* up = cd->prev(); up != nullptr) {
    const double q = static_cast<double>(up->coeff_modulus().back().value());
    v_pk = v_round + v_pk_raw / (q * q);
  }
  m.fresh_public_key = std::sqrt(n * (v_pk + kRoundVariance));
  if (ctx.using_keyswitching()) {
    // Σ_J t_J·e_J / p with unsigned digits t_J uniform in [0, q_J): the centred part
    // (variance q_J²/12 per coefficient) plus the mean (q_J − 1)/2 times e_J·𝟙, and the
    // mod-down rounding.
    const double p = static_cast<double>(ctx.key_context_data().coeff_modulus().back().value());
    double v_centred = v_round;
    double v_dc = 0;  // Σ_J (q_J/p)²·var(e), times |𝟙(ζ)|²/4 = 1/|1 − ζ|² per slot (real part: /2)
    for (const auto& q : cd->coeff_modulus()) {
      const double r = static_cast<double>(q.value()) / p;
      v_centred += big_n * r * r / 12.0 * kCbdVariance;
      v_dc += r * r * kCbdVariance;
    }
    m.key_switch = std::sqrt(n * v_centred);
    const double s0 = 2.0 * std::sin(std::acos(-1.0) / (2.0 * big_n));  // |1 − ζ_0|
    m.key_switch_dc_worst = std::sqrt(big_n * v_dc / 2.0) / s0;
    // Mean of 1/|1 − ζ|² over the N primitive 2N-th roots is N/4.
    m.key_switch_dc_rms = std::sqrt(big_n * v_dc / 2.0 * big_n / 4.0);
  }
  return m;
}

// ---- Planning -----------------------------------------------------------------------------------

Result<EvalPlan> plan_linear_model(const rlwe::Context& ctx, const LinearModelSpec& spec, Layout layout,
                                   double input_scale, const PlanOptions& opt) {
  EI_RETURN_IF_ERROR(validate_spec(spec));
  if (!(opt.input_bound > 0) || !std::isfinite(opt.input_bound) || !(opt.max_error > 0) ||
      !std::isfinite(opt.max_error)) {
    return Status(Code::INVALID_ARGUMENT, "input_bound and max_error must be positive and finite");
  }
  if (!(input_scale > 0) || !std::isfinite(input_scale)) {
    return Status(Code::INVALID_SCALE, "the input scale must be positive and finite");
  }
  const bool packed = layout == Layout::kPackedRows;
  const ContextData& first = ctx.first_context_data();
  const std::size_t big_n = first.poly_modulus_degree();
  const std::size_t slots = big_n / 2;
  const std::size_t d = spec.weights.size();
  std::size_t s = 1;
  if (packed) {
    s = std::bit_ceil(d);
    if (s > slots) {
      return Status(Code::INVALID_ARGUMENT, "packed rows: stride " + std::to_string(s) + " exceeds the " +
                                                std::to_string(slots) + " slots");
    }
  }
  const std::size_t max_batch = packed ? slots / s : slots;
  if (opt.batch_size > max_batch) {
    return Status(Code::INVALID_ARGUMENT, "batch " + std::to_string(opt.batch_size) + " × stride " +
                                              std::to_string(s) + " exceeds the " + std::to_string(slots) + " slots");
  }
  const int degree = poly_degree(spec.activation);
  const std::size_t needed = degree == 1 ? 0 : (degree == 2 ? 1 : 2);
  const std::size_t first_ci = first.chain_index();
  std::vector<std::size_t> in_levels;
  if (opt.input_chain_index) {
    if (*opt.input_chain_index > first_ci) {
      return Status(Code::INVALID_ARGUMENT, "input chain index " + std::to_string(*opt.input_chain_index) +
                                                " is above the first data level (" + std::to_string(first_ci) + ")");
    }
    in_levels.push_back(*opt.input_chain_index);
  } else if (packed) {
    for (std::size_t ci = needed; ci <= first_ci; ++ci) in_levels.push_back(ci);
  } else {
    in_levels.push_back(first_ci);
  }
  const std::size_t top = opt.input_chain_index ? *opt.input_chain_index : first_ci;
  if (top < needed) {
    const std::string why = degree == 2 ? "one rescale for the linear sum"
                                        : "one rescale for the linear sum and one between the two product levels";
    return Status(Code::END_OF_MODULUS_CHAIN,
                  "a degree-" + std::to_string(degree) + " activation needs " + std::to_string(needed) +
                      (needed == 1 ? " level" : " levels") + " below the input level (" + why +
                      "); the input level (chain index " + std::to_string(top) + ") has " + std::to_string(top) +
                      " below it");
  }

  std::vector<Folded> variants;
  {
    EI_ASSIGN_OR_RETURN(Folded f0, fold(spec, false));
    variants.push_back(std::move(f0));
    if (degree >= 2) {
      EI_ASSIGN_OR_RETURN(Folded f1, fold(spec, true));
      variants.push_back(std::move(f1));
    }
  }
  for (const Folded& f : variants) {
    if (std::all_of(f.w.begin(), f.w.end(), [](double w) { return w == 0.0; })) {
      return Status(Code::INVALID_ARGUMENT, "every folded weight is zero");
    }
  }

  Planner planner(ctx, layout, input_scale, opt, d, s);
  const bool mask = packed && opt.mask_output && s > 1;
  using Key = std::tuple<int, double, std::size_t, std::size_t, double, double>;
  bool found = false;
  Key best_key{};
  Choice best_choice;
  std::size_t best_variant = 0;
  std::string last_why = "no weight scale fits";
  for (std::size_t in_ci : in_levels) {
    const int max_log = planner.levels()[in_ci].bits + 2;
    for (std::size_t vi = 0; vi < variants.size(); ++vi) {
      for (int rb = 1; rb >= 0; --rb) {
        const bool rot_before = rb == 1;
        if (!rot_before && !(packed && degree >= 2)) continue;
        if (!rot_before && mask) continue;
        for (int kw = 1; kw <= max_log; ++kw) {
          bool kw_too_large = false;
          for (int km = mask ? 1 : 0; km <= (mask ? max_log : 0); ++km) {
            const Choice ch{in_ci, kw, km, variants[vi].shifted, rot_before};
            const Outcome o = planner.run(variants[vi], ch, false);
            if (!o.ok) {
              last_why = o.why;
              if (o.too_large) {
                if (km <= 1) kw_too_large = true;
                break;
              }
              continue;
            }
            const bool meets = o.budget_sym <= opt.max_error;
            const Key key{meets ? 0 : 1, meets ? 0.0 : o.budget_sym, packed ? in_ci : 0, o.out_ci, o.cost, o.budget_sym};
            if (!found || key < best_key) {
              found = true;
              best_key = key;
              best_choice = ch;
              best_variant = vi;
            }
          }
          if (kw_too_large) break;
        }
      }
    }
  }
  if (!found) {
    return Status(Code::INVALID_SCALE, "no weight scale gives a plan that fits the modulus chain (input scale " +
                                           fmt_scale(input_scale) + ", |x| ≤ " + fmt("%g", opt.input_bound) +
                                           "): " + last_why);
  }

  const Folded& f = variants[best_variant];
  const Outcome o = planner.run(f, best_choice, true);
  const auto& levels = planner.levels();

  EvalPlan plan;
  plan.layout = layout;
  plan.input_dimension = d;
  plan.stride = s;
  plan.input_chain_index = best_choice.in_ci;
  plan.input_parms_id = levels[best_choice.in_ci].cd->parms_id();
  plan.input_scale = input_scale;
  if (packed) {
    for (std::size_t k = 1; k < s; k *= 2) {
      plan.rotation_steps.push_back(static_cast<int>(k));
      EI_ASSIGN_OR_RETURN(const std::uint64_t elt, rlwe::galois_elt_from_step(static_cast<int>(k), big_n));
      plan.galois_elts.push_back(elt);
    }
  }
  plan.needs_relin_keys = degree >= 2;
  plan.max_batch = max_batch;
  plan.output_chain_index = o.out_ci;
  plan.output_parms_id = levels[o.out_ci].cd->parms_id();
  plan.output_scale = o.out_scale;
  plan.error_budget = o.budget_pk;
  plan.error_budget_symmetric = o.budget_sym;
  plan.output_bound = o.out_bound;
  plan.meets_max_error = o.budget_sym <= opt.max_error;
  plan.mask_output = mask;
  plan.activation_degree = degree;
  plan.rescale_count = o.rescales;
  plan.weight_scale = std::ldexp(1.0, best_choice.kw);
  plan.mask_scale = mask ? std::ldexp(1.0, best_choice.km) : 0.0;
  plan.shifted = f.shifted;
  plan.rotate_before_rescale = best_choice.rot_before;
  plan.folded_weights = f.w;
  plan.folded_bias = f.b;
  plan.folded_activation = f.c;

  // Human-readable description.
  std::string& out = plan.description;
  out += "layout " + std::string(layout_name(layout)) + ", input dimension " + std::to_string(d);
  if (packed) {
    out += ", stride " + std::to_string(s) + ", up to " + std::to_string(max_batch) + " samples";
  } else {
    out += ", up to " + std::to_string(max_batch) + " samples";
  }
  out += "; activation degree " + std::to_string(degree) + "\n";
  if (degree == 1) {
    out += "folding: ŵ_i = c1·w_i, b̂ = c1·b + c0 = " + fmt("%.9g", f.b) + " (y = u: no activation step)\n";
  } else {
    out += "folding: α = |c" + std::to_string(degree) + "|^(1/" + std::to_string(degree) + ") = " + fmt("%.9g", f.alpha);
    if (f.shifted) out += ", re-centred by h = " + fmt("%.9g", f.shift);
    out += "; ŵ = α·w, b̂ = α·(b" + std::string(f.shifted ? " + h" : "") + ") = " + fmt("%.9g", f.b) + "; y = ";
    const auto deg = static_cast<std::size_t>(degree);
    for (std::size_t k = deg + 1; k-- > 0;) {
      if (f.c[k] == 0.0 && k != deg) continue;
      if (k == deg) {
        out += (f.c[k] < 0 ? "−u^" : "u^") + std::to_string(k);
      } else {
        out += " + " + fmt("%.9g", f.c[k]) + (k >= 1 ? "·u" + (k > 1 ? "^" + std::to_string(k) : std::string()) : "");
      }
    }
    out += "\n";
  }
  if (opt.mask_output && !packed) out += "mask_output: no effect on feature columns (no partial sums)\n";
  for (std::size_t i = 0; i < o.steps.size(); ++i) out += std::to_string(i) + ". " + o.steps[i] + "\n";
  out += "rescales: " + std::to_string(o.rescales) + "; keys: ";
  out += plan.needs_relin_keys ? "relinearization" : "no relinearization";
  if (packed && s > 1) {
    out += ", Galois elements";
    for (auto e : plan.galois_elts) out += " " + std::to_string(e);
  }
  out += "\nerror budget (a priori, every output slot, |x_i| ≤ " + fmt("%g", opt.input_bound) +
         "): symmetric inputs ≤ " + fmt_err(o.budget_sym) + ", public-key inputs ≤ " + fmt_err(o.budget_pk) + "\n";
  for (const std::string& t : o.terms) out += "  - " + t + "\n";
  if (!plan.meets_max_error) {
    out += "max_error " + fmt_err(opt.max_error) + " is not reachable on this chain: this is the most precise feasible plan\n";
  }
  return plan;
}

// ---- Building blocks ----------------------------------------------------------------------------

Result<Ciphertext> linear_form(const Evaluator& ev, const Encoder& enc, std::span<const Ciphertext> cts,
                               std::span<const double> weights, double bias, double weight_scale) {
  if (!same_context(ev, enc)) return Status(Code::INVALID_ARGUMENT, "encoder and evaluator belong to different contexts");
  if (cts.empty()) return Status(Code::INVALID_ARGUMENT, "linear form of no ciphertext");
  if (cts.size() != weights.size()) {
    return Status(Code::INVALID_ARGUMENT, std::to_string(cts.size()) + " ciphertexts but " +
                                              std::to_string(weights.size()) + " weights");
  }
  if (!all_finite(weights) || !std::isfinite(bias)) return Status(Code::INVALID_ARGUMENT, "a weight or the bias is not finite");
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0.0; })) {
    return Status(Code::INVALID_ARGUMENT, "every weight is zero (the result would be transparent)");
  }
  for (std::size_t i = 1; i < cts.size(); ++i) {
    if (cts[i].parms_id != cts[0].parms_id) {
      return Status(Code::LEVEL_MISMATCH, "ciphertext " + std::to_string(i) + " is not at ciphertext 0's level");
    }
    if (cts[i].scale != cts[0].scale) {
      return Status(Code::SCALE_MISMATCH, "ciphertext " + std::to_string(i) + " does not have ciphertext 0's scale");
    }
  }
  Ciphertext acc, term;
  bool first = true;
  for (std::size_t i = 0; i < cts.size(); ++i) {
    if (weights[i] == 0.0) continue;
    if (first) {
      EI_RETURN_IF_ERROR(ev.multiply_scalar(cts[i], weights[i], acc, weight_scale));
      first = false;
    } else {
      EI_RETURN_IF_ERROR(ev.multiply_scalar(cts[i], weights[i], term, weight_scale));
      EI_RETURN_IF_ERROR(ev.add(acc, term, acc));
    }
  }
  if (bias != 0.0) EI_RETURN_IF_ERROR(ev.add_scalar(acc, bias, acc));
  return acc;
}

Result<Ciphertext> rotate_and_sum(const Evaluator& ev, const Ciphertext& ct, std::size_t width,
                                  const rlwe::GaloisKeys& galois) {
  const std::size_t n = ev.context()->first_context_data().poly_modulus_degree();
  if (width == 0 || !std::has_single_bit(width) || width > n / 2) {
    return Status(Code::INVALID_ARGUMENT, "rotate_and_sum width " + std::to_string(width) +
                                              " is not a power of two in [1, slots]");
  }
  for (std::size_t w = width / 2; w >= 1; w /= 2) {
    EI_RETURN_IF_ERROR(check_rotation_key(galois, static_cast<int>(w), n));
  }
  Ciphertext v = ct;
  if (width == 1) return v;
  Ciphertext r;
  for (std::size_t w = width / 2; w >= 1; w /= 2) {
    EI_RETURN_IF_ERROR(ev.rotate_vector(v, static_cast<int>(w), galois, r));
    EI_RETURN_IF_ERROR(ev.add(v, r, v));
  }
  return v;
}

namespace {

// Σ_{k≥1} c[k]·u^k with c[d] = ±1 (depth-optimal; the caller adds c[0]). See eval_polynomial.
Result<Ciphertext> poly_terms(const Evaluator& ev, const Ciphertext& u, const std::vector<double>& c,
                              const rlwe::RelinKeys& relin) {
  const std::size_t d = c.size() - 1;
  const bool neg = c[d] < 0;
  Ciphertext y;
  if (d == 1) {
    if (neg) {
      EI_RETURN_IF_ERROR(ev.negate(u, y));
    } else {
      y = u;
    }
    return y;
  }
  if (d == 2) {
    EI_RETURN_IF_ERROR(ev.square(u, y));
    EI_RETURN_IF_ERROR(ev.relinearize(y, relin, y));
    if (c[1] != 0.0) {
      Ciphertext lin;
      EI_RETURN_IF_ERROR(ev.multiply_scalar(u, c[1], lin, u.scale));
      if (neg) {
        EI_RETURN_IF_ERROR(ev.sub(lin, y, y));
      } else {
        EI_RETURN_IF_ERROR(ev.add(y, lin, y));
      }
    } else if (neg) {
      EI_RETURN_IF_ERROR(ev.negate(y, y));
    }
    return y;
  }
  // d == 3: s = rescale(u²); t = ±u + c2 (mod-switched); y = s·t + c1·u.
  Ciphertext sq, t;
  EI_RETURN_IF_ERROR(ev.square(u, sq));
  EI_RETURN_IF_ERROR(ev.relinearize(sq, relin, sq));
  EI_RETURN_IF_ERROR(ev.rescale_to_next(sq, sq));
  if (neg) {
    EI_RETURN_IF_ERROR(ev.negate(u, t));
  } else {
    t = u;
  }
  if (c[2] != 0.0) EI_RETURN_IF_ERROR(ev.add_scalar(t, c[2], t));
  EI_RETURN_IF_ERROR(ev.mod_switch_to_next(t, t));
  EI_RETURN_IF_ERROR(ev.multiply(sq, t, y));
  EI_RETURN_IF_ERROR(ev.relinearize(y, relin, y));
  if (c[1] != 0.0) {
    Ciphertext um, lin;
    EI_RETURN_IF_ERROR(ev.mod_switch_to_next(u, um));
    EI_RETURN_IF_ERROR(ev.multiply_scalar(um, c[1], lin, sq.scale));  // scale u·s = s·t bit for bit
    EI_RETURN_IF_ERROR(ev.add(y, lin, y));
  }
  return y;
}

// A vector with period `s` over all `slots`: v[j·s + i] = pattern[i].
std::vector<double> periodic(std::span<const double> pattern, std::size_t s, std::size_t slots) {
  std::vector<double> v(slots, 0.0);
  for (std::size_t j = 0; j + s <= slots; j += s) {
    for (std::size_t i = 0; i < pattern.size() && i < s; ++i) v[j + i] = pattern[i];
  }
  return v;
}

Status add_masked_constant(const Evaluator& ev, const Encoder& enc, Ciphertext& ct, double value, std::size_t s) {
  if (value == 0.0) return Status::Ok();
  const std::size_t slots = enc.slot_count();
  const double one[] = {value};
  const std::vector<double> v = periodic(one, s, slots);
  Plaintext p;
  EI_RETURN_IF_ERROR(enc.encode(v, ct.parms_id, ct.scale, p));
  return ev.add_plain(ct, p, ct);
}

Status check_input(const rlwe::Context& ctx, const EvalPlan& plan, const Ciphertext& ct, std::size_t i) {
  const std::string which = "input " + std::to_string(i);
  const ContextData* cd = ctx.get_context_data(ct.parms_id);
  if (cd == nullptr) return {Code::PARMS_ID_UNKNOWN, which + ": parms_id is not in the model's modulus chain"};
  if (ct.parms_id != plan.input_parms_id) {
    return {Code::LEVEL_MISMATCH, which + " is at chain index " + std::to_string(cd->chain_index()) +
                                      "; the plan takes chain index " + std::to_string(plan.input_chain_index)};
  }
  if (ct.size != 2) return {Code::INVALID_SIZE, which + " has " + std::to_string(ct.size) + " polynomials (need 2)"};
  if (!ct.is_ntt_form) return {Code::NOT_NTT_FORM, which + " is not in NTT form"};
  if (ct.poly_modulus_degree != cd->poly_modulus_degree() || ct.coeff_modulus_size != cd->coeff_modulus_size()) {
    return {Code::DIMENSION_MISMATCH, which + ": N or the limb count disagrees with its level"};
  }
  if (ct.data.size() != 2 * cd->poly_modulus_degree() * cd->coeff_modulus_size()) {
    return {Code::SIZE_MISMATCH, which + ": buffer size disagrees with its level"};
  }
  if (ct.scale != plan.input_scale) {
    return {Code::SCALE_MISMATCH, which + " has scale " + fmt_scale(ct.scale) + "; the plan takes " +
                                      fmt_scale(plan.input_scale)};
  }
  return Status::Ok();
}

}  // namespace

Result<Ciphertext> eval_polynomial(const Evaluator& ev, const Encoder& enc, const Ciphertext& x,
                                   std::span<const double> coeffs, const rlwe::RelinKeys& relin) {
  if (!same_context(ev, enc)) return Status(Code::INVALID_ARGUMENT, "encoder and evaluator belong to different contexts");
  if (coeffs.empty() || !all_finite(coeffs)) return Status(Code::INVALID_ARGUMENT, "coefficients missing or not finite");
  const int d = poly_degree(coeffs);
  if (d < 1 || d > 3) {
    return Status(Code::INVALID_ARGUMENT, "polynomial degree " + std::to_string(d) + " is not in [1, 3]");
  }
  if (d == 3) {
    const ContextData* cd = ev.context()->get_context_data(x.parms_id);
    if (cd != nullptr && cd->chain_index() == 0) {
      return Status(Code::END_OF_MODULUS_CHAIN, "a cubic needs one level below x; x is at the last level");
    }
  }
  const auto du = static_cast<std::size_t>(d);
  const double alpha = std::pow(std::fabs(coeffs[du]), 1.0 / static_cast<double>(d));
  if (!(alpha > 0) || !std::isfinite(alpha)) return Status(Code::INVALID_ARGUMENT, "coefficients out of range");
  std::vector<double> c(du + 1);
  double ak = 1;
  for (std::size_t k = 0; k <= du; ++k) {
    c[k] = coeffs[k] / ak;
    ak *= alpha;
  }
  c[du] = coeffs[du] > 0 ? 1.0 : -1.0;
  Ciphertext u = x;
  if (alpha != 1.0) u.scale = x.scale / alpha;  // the same ciphertext now decodes as α·x
  EI_ASSIGN_OR_RETURN(Ciphertext y, poly_terms(ev, u, c, relin));
  if (c[0] != 0.0) EI_RETURN_IF_ERROR(ev.add_scalar(y, c[0], y));
  return y;
}

std::vector<int> matvec_rotation_steps(std::size_t rows, std::size_t cols, std::size_t slots) {
  std::vector<int> steps;
  if (rows == 0 || cols == 0 || rows + cols - 1 > slots) return steps;
  const std::size_t diags = rows + cols - 1;
  const int lg = static_cast<int>(std::bit_width(diags - 1));  // ⌈log2 D⌉
  const std::size_t baby = std::size_t{1} << ((lg + 1) / 2);
  const std::size_t giant = (diags + baby - 1) / baby;
  const long long k0 = -static_cast<long long>(rows - 1);
  std::set<int> set;
  for (std::size_t b = 1; b < std::min(baby, diags); ++b) set.insert(static_cast<int>(b));
  for (std::size_t g = 0; g < giant; ++g) {
    const long long a = k0 + static_cast<long long>(g * baby);
    if (a != 0) set.insert(static_cast<int>(a));
  }
  steps.assign(set.begin(), set.end());
  return steps;
}

Result<Ciphertext> matvec_diagonal(const Evaluator& ev, const Encoder& enc, const Ciphertext& x,
                                   const std::vector<std::vector<double>>& matrix, const rlwe::GaloisKeys& galois,
                                   const MatvecOptions& options) {
  if (!same_context(ev, enc)) return Status(Code::INVALID_ARGUMENT, "encoder and evaluator belong to different contexts");
  const std::size_t rows = matrix.size();
  if (rows == 0 || matrix[0].empty()) return Status(Code::INVALID_ARGUMENT, "empty matrix");
  const std::size_t cols = matrix[0].size();
  bool nonzero = false;
  for (const auto& r : matrix) {
    if (r.size() != cols) return Status(Code::INVALID_ARGUMENT, "ragged matrix");
    if (!all_finite(r)) return Status(Code::INVALID_ARGUMENT, "a matrix entry is not finite");
    nonzero = nonzero || std::any_of(r.begin(), r.end(), [](double v) { return v != 0.0; });
  }
  if (!nonzero) return Status(Code::INVALID_ARGUMENT, "the matrix is zero (the result would be transparent)");
  const std::size_t slots = enc.slot_count();
  const std::size_t n = 2 * slots;
  if (rows + cols - 1 > slots) {
    return Status(Code::INVALID_ARGUMENT, "rows + cols − 1 = " + std::to_string(rows + cols - 1) + " exceeds the " +
                                              std::to_string(slots) + " slots");
  }
  const double ws = options.weight_scale == 0.0 ? x.scale : options.weight_scale;
  if (!(ws > 0) || !std::isfinite(ws) || !(options.lift_scale > 0) || !std::isfinite(options.lift_scale)) {
    return Status(Code::INVALID_SCALE, "weight and lift scales must be positive and finite");
  }
  const std::size_t diags = rows + cols - 1;
  const int lg = static_cast<int>(std::bit_width(diags - 1));
  const std::size_t baby = std::size_t{1} << ((lg + 1) / 2);
  const std::size_t giant = (diags + baby - 1) / baby;
  const long long k0 = -static_cast<long long>(rows - 1);
  // entry(j, k) = diag_k[j] = M[j][j + k] where defined.
  auto entry = [&](long long j, long long k) -> double {
    if (j < 0 || j >= static_cast<long long>(rows)) return 0.0;
    const long long col = j + k;
    if (col < 0 || col >= static_cast<long long>(cols)) return 0.0;
    return matrix[static_cast<std::size_t>(j)][static_cast<std::size_t>(col)];
  };
  auto diag_nonzero = [&](long long k) {
    for (long long j = 0; j < static_cast<long long>(rows); ++j) {
      if (entry(j, k) != 0.0) return true;
    }
    return false;
  };
  // Which baby and giant steps are used; check their keys before any work.
  std::vector<bool> baby_used(baby, false), giant_used(giant, false);
  for (std::size_t g = 0; g < giant; ++g) {
    for (std::size_t b = 0; b < baby; ++b) {
      const long long k = k0 + static_cast<long long>(g * baby + b);
      if (g * baby + b >= diags || !diag_nonzero(k)) continue;
      baby_used[b] = true;
      giant_used[g] = true;
    }
  }
  for (std::size_t b = 1; b < baby; ++b) {
    if (baby_used[b]) EI_RETURN_IF_ERROR(check_rotation_key(galois, static_cast<int>(b), n));
  }
  for (std::size_t g = 0; g < giant; ++g) {
    const long long a = k0 + static_cast<long long>(g * baby);
    if (giant_used[g] && a != 0) EI_RETURN_IF_ERROR(check_rotation_key(galois, static_cast<int>(a), n));
  }
  Ciphertext lifted;
  if (options.lift_scale != 1.0) EI_RETURN_IF_ERROR(ev.multiply_scalar(x, 1.0, lifted, options.lift_scale));
  const Ciphertext& src = options.lift_scale != 1.0 ? lifted : x;
  std::vector<Ciphertext> rotated(baby);
  for (std::size_t b = 0; b < baby; ++b) {
    if (!baby_used[b]) continue;
    if (b == 0) {
      rotated[0] = src;
    } else {
      EI_RETURN_IF_ERROR(ev.rotate_vector(src, static_cast<int>(b), galois, rotated[b]));
    }
  }
  Ciphertext y, group, term;
  bool have_y = false;
  std::vector<double> v(slots);
  Plaintext p;
  for (std::size_t g = 0; g < giant; ++g) {
    if (!giant_used[g]) continue;
    const long long a = k0 + static_cast<long long>(g * baby);
    bool have_group = false;
    for (std::size_t b = 0; b < baby; ++b) {
      const long long k = a + static_cast<long long>(b);
      if (g * baby + b >= diags || !diag_nonzero(k)) continue;
      // rot(diag_k, −a)[i] = diag_k[(i − a) mod n/2]
      for (std::size_t i = 0; i < slots; ++i) {
        long long j = static_cast<long long>(i) - a;
        j %= static_cast<long long>(slots);
        if (j < 0) j += static_cast<long long>(slots);
        v[i] = entry(j, k);
      }
      EI_RETURN_IF_ERROR(enc.encode(v, x.parms_id, ws, p));
      if (!have_group) {
        EI_RETURN_IF_ERROR(ev.multiply_plain(rotated[b], p, group));
        have_group = true;
      } else {
        EI_RETURN_IF_ERROR(ev.multiply_plain(rotated[b], p, term));
        EI_RETURN_IF_ERROR(ev.add(group, term, group));
      }
    }
    if (a != 0) EI_RETURN_IF_ERROR(ev.rotate_vector(group, static_cast<int>(a), galois, group));
    if (!have_y) {
      y = std::move(group);
      have_y = true;
    } else {
      EI_RETURN_IF_ERROR(ev.add(y, group, y));
    }
  }
  return y;
}

// ---- Evaluation of a plan ---------------------------------------------------------------------

Result<Ciphertext> evaluate_linear_model(const Evaluator& ev, const Encoder& enc, const EvalPlan& plan,
                                         const LinearModelSpec& spec, std::span<const Ciphertext> inputs,
                                         const rlwe::RelinKeys* relin, const rlwe::GaloisKeys* galois) {
  if (!same_context(ev, enc)) return Status(Code::INVALID_ARGUMENT, "encoder and evaluator belong to different contexts");
  const rlwe::Context& ctx = *ev.context();
  if (ctx.get_context_data(plan.input_parms_id) == nullptr || ctx.get_context_data(plan.output_parms_id) == nullptr) {
    return Status(Code::INVALID_ARGUMENT, "the plan was made for another context");
  }
  EI_RETURN_IF_ERROR(validate_spec(spec));
  if (spec.weights.size() != plan.input_dimension || poly_degree(spec.activation) != plan.activation_degree) {
    return Status(Code::INVALID_ARGUMENT, "the model spec does not match the plan");
  }
  EI_ASSIGN_OR_RETURN(const Folded f, fold(spec, plan.shifted));
  if (f.w != plan.folded_weights || f.b != plan.folded_bias || f.c != plan.folded_activation) {
    return Status(Code::INVALID_ARGUMENT, "the model spec does not match the plan (folded coefficients differ)");
  }
  const bool packed = plan.layout == Layout::kPackedRows;
  const std::size_t want = packed ? 1 : plan.input_dimension;
  if (inputs.size() != want) {
    return Status(Code::INVALID_ARGUMENT, std::string(layout_name(plan.layout)) + " takes " + std::to_string(want) +
                                              " ciphertext(s), got " + std::to_string(inputs.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) EI_RETURN_IF_ERROR(check_input(ctx, plan, inputs[i], i));
  if (plan.needs_relin_keys && (relin == nullptr || relin->keys.empty() || relin->keys[0].empty())) {
    return Status(Code::MISSING_KEY, "the activation (degree " + std::to_string(plan.activation_degree) +
                                         ") needs relinearization keys");
  }
  for (std::size_t k = 0; k < plan.galois_elts.size(); ++k) {
    if (galois == nullptr || !galois->has_key(plan.galois_elts[k])) {
      return Status(Code::MISSING_KEY, "packed rows need the Galois key for step " +
                                           std::to_string(plan.rotation_steps[k]) + " (element " +
                                           std::to_string(plan.galois_elts[k]) + ")");
    }
  }

  const std::size_t s = plan.stride;
  const bool masked = plan.mask_scale > 0;
  Ciphertext v;
  if (!packed) {
    EI_ASSIGN_OR_RETURN(v, linear_form(ev, enc, inputs, f.w, f.b, plan.weight_scale));
  } else {
    const Ciphertext& x = inputs[0];
    Plaintext w;
    EI_RETURN_IF_ERROR(enc.encode(periodic(f.w, s, enc.slot_count()), x.parms_id, plan.weight_scale, w));
    EI_RETURN_IF_ERROR(ev.multiply_plain(x, w, v));
    const bool rot_now = plan.activation_degree == 1 || plan.rotate_before_rescale;
    if (rot_now && s > 1) {
      EI_ASSIGN_OR_RETURN(v, rotate_and_sum(ev, v, s, *galois));
    }
    if (masked) {
      const double one[] = {1.0};
      Plaintext m;
      EI_RETURN_IF_ERROR(enc.encode(periodic(one, s, enc.slot_count()), v.parms_id, plan.mask_scale, m));
      EI_RETURN_IF_ERROR(ev.multiply_plain(v, m, v));
    }
    if (rot_now && f.b != 0.0) {
      if (masked) {
        EI_RETURN_IF_ERROR(add_masked_constant(ev, enc, v, f.b, s));
      } else {
        EI_RETURN_IF_ERROR(ev.add_scalar(v, f.b, v));
      }
    }
  }
  if (plan.activation_degree >= 2) {
    EI_RETURN_IF_ERROR(ev.rescale_to_next(v, v));
    if (packed && !plan.rotate_before_rescale) {
      if (s > 1) {
        EI_ASSIGN_OR_RETURN(v, rotate_and_sum(ev, v, s, *galois));
      }
      if (f.b != 0.0) EI_RETURN_IF_ERROR(ev.add_scalar(v, f.b, v));
    }
    EI_ASSIGN_OR_RETURN(v, poly_terms(ev, v, f.c, *relin));
    if (f.c[0] != 0.0) {
      if (masked) {
        EI_RETURN_IF_ERROR(add_masked_constant(ev, enc, v, f.c[0], s));
      } else {
        EI_RETURN_IF_ERROR(ev.add_scalar(v, f.c[0], v));
      }
    }
  }
  if (v.parms_id != plan.output_parms_id) EI_RETURN_IF_ERROR(ev.mod_switch_to(v, plan.output_parms_id, v));
  if (v.scale != plan.output_scale) {
    return Status(Code::INTERNAL, "evaluation ended at scale " + fmt_scale(v.scale) + ", the plan says " +
                                      fmt_scale(plan.output_scale));
  }
  return v;
}

}  // namespace ei::ckks
