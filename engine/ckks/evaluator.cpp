#include "engine/ckks/evaluator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "engine/limits.h"
#include "engine/math/ntt.h"
#include "engine/math/uint128.h"
#include "engine/rlwe/galois.h"
#include "engine/rlwe/poly_ops.h"

namespace ei::ckks {
namespace {

using math::uint128_t;
using LimbConstants = Evaluator::LimbConstants;
using LevelConstants = Evaluator::LevelConstants;

// ---- Modular kernels ----------------------------------------------------------------------------
// Every kernel returns fully reduced words, so results equal SEAL's whatever reduction is used.

// Barrett reduction with a 64-bit quotient estimate. For q of bit width b ≤ 60 (so
// 2^(b−1) < q < 2^b), s = b − 1 and mu = floor(2^(64+s) / q) < 2^64, and any x < 2^(64+s):
//   est = floor(floor(x / 2^s) · mu / 2^64) ≥ x/q − x/2^(64+s) − 2^s/q − 1 > x/q − 3,
// and est ≤ x/q, so x − est·q lies in [0, 3q) (exact in 64 bits). floor(x / 2^s) < 2^64. This covers
// a product of two residues (x < q² < 2^(2b) ≤ 2^(63+b)) and sums of up to 2^(63−b) of them.
// Three multiplications and two plain shifts, against five multiplications in SEAL's
// barrett_reduce_128; the result is the same fully reduced value.
struct Barrett {
  std::uint64_t q;
  std::uint64_t mu;
  unsigned s;

  explicit Barrett(const LimbConstants& c) noexcept
      : q(c.modulus.value()), mu(c.barrett_mu), s(c.barrett_shift) {}

  // REQUIRES: x < 2^(64+s).
  [[nodiscard]] std::uint64_t reduce(uint128_t x) const noexcept {
    const auto lo = static_cast<std::uint64_t>(x);
    const auto hi = static_cast<std::uint64_t>(x >> 64);
    const std::uint64_t top = (lo >> s) | (hi << (64 - s));  // 1 ≤ s ≤ 59
    const std::uint64_t est = math::mul_hi64(top, mu);
    std::uint64_t r = lo - est * q;
    const std::uint64_t two_q = q << 1;
    r = r >= two_q ? r - two_q : r;
    return r >= q ? r - q : r;
  }
  // a · b mod q. REQUIRES: a, b < q.
  [[nodiscard]] std::uint64_t mul(std::uint64_t a, std::uint64_t b) const noexcept {
    return reduce(math::mul_wide(a, b));
  }
};

// x · y mod q with a Shoup operand, fully reduced, operands by value (no reloads in loops).
inline std::uint64_t mul_shoup(std::uint64_t x, std::uint64_t y, std::uint64_t y_quot, std::uint64_t q) noexcept {
  const std::uint64_t r = y * x - math::mul_hi64(x, y_quot) * q;
  return r >= q ? r - q : r;
}

inline std::uint64_t add_mod(std::uint64_t a, std::uint64_t b, std::uint64_t q) noexcept {
  const std::uint64_t s = a + b;
  return s >= q ? s - q : s;
}

inline std::uint64_t sub_mod(std::uint64_t a, std::uint64_t b, std::uint64_t q) noexcept {
  const std::uint64_t d = a - b;
  return a >= b ? d : d + q;
}

// ---- Thread scratch -----------------------------------------------------------------------------

struct Scratch {
  std::vector<std::uint64_t> ks_coeff;  // key switching: INTT of the target (L·N)
  std::vector<std::uint64_t> ks_ops;    // key switching: lifted operands of one limb (L·N)
  std::vector<std::uint64_t> ks_work;   // key switching: r0, r1, P0, P1, lift (5·N)
  std::vector<const std::uint64_t*> ks_ptrs;
  std::vector<std::uint64_t> galois;    // permuted c0 and c1 (2·L·N)
  std::vector<std::uint64_t> rescale;   // last limb and its lift (2·N)
  std::vector<std::uint64_t> product;   // general-size multiply
  rlwe::Plaintext scalar_plain;         // encoded scalar
};

Scratch& thread_scratch() {
  thread_local Scratch s;
  return s;
}

template <typename T>
T* grow(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// ---- SEAL's predicates --------------------------------------------------------------------------

// util::are_close<double>.
bool are_close(double a, double b) noexcept {
  const double scale_factor = std::max({std::fabs(a), std::fabs(b), 1.0});
  return std::fabs(a - b) < std::numeric_limits<double>::epsilon() * scale_factor;
}

// SEAL's is_scale_within_bounds for CKKS, plus: a non-finite scale is out of bounds (SEAL's int
// cast of log2(inf/NaN) is undefined).
bool is_scale_within_bounds(double scale, const rlwe::ContextData& level) noexcept {
  if (!std::isfinite(scale) || scale <= 0) return false;
  return static_cast<int>(std::log2(scale)) < level.total_coeff_modulus_bit_count();
}

// Ciphertext::is_transparent: every word of polynomials 1 … size−1 is zero (or size < 2).
bool is_transparent(const rlwe::Ciphertext& ct) noexcept {
  if (ct.size < limits::kMinCiphertextSize) return true;
  const std::uint64_t* begin = ct.data.data() + ct.poly_words();
  const std::uint64_t* end = ct.data.data() + ct.size * ct.poly_words();
  return std::all_of(begin, end, [](std::uint64_t w) { return w == 0; });
}

// Whether polynomials 1 … size−1 restricted to their first `limbs` limbs are all zero (the
// transparency of the ciphertext after dropping its other limbs).
bool is_transparent_prefix(const rlwe::Ciphertext& ct, std::size_t limbs) noexcept {
  const std::size_t n = ct.poly_modulus_degree;
  for (std::size_t p = 1; p < ct.size; ++p) {
    const std::uint64_t* poly = ct.poly(p);
    if (!std::all_of(poly, poly + limbs * n, [](std::uint64_t w) { return w == 0; })) return false;
  }
  return true;
}

// SEAL's is_data_valid_for range check of an NTT-form plaintext at `level`.
bool plain_in_range(const rlwe::Plaintext& p, const rlwe::ContextData& level) noexcept {
  return rlwe::poly_in_range(p.data.data(), level.coeff_modulus(), level.poly_modulus_degree());
}

Status transparent_error() {
  return {Code::TRANSPARENT_RESULT, "result ciphertext is transparent (every polynomial from c1 on is zero)"};
}

// Sets `out`'s metadata for a result at `level` with `size` polynomials and sizes its buffer
// (keeping the prefix when `out` aliases an input: std::vector::resize preserves it).
void prepare_output(rlwe::Ciphertext& out, const rlwe::ContextData& level, std::size_t size) {
  out.parms_id = level.parms_id();
  out.is_ntt_form = true;
  out.size = size;
  out.poly_modulus_degree = level.poly_modulus_degree();
  out.coeff_modulus_size = level.coeff_modulus_size();
  out.correction_factor = 1;
  out.seed.reset();
  out.data.resize(size * level.poly_modulus_degree() * level.coeff_modulus_size());
}

// Copies the first `limbs` limbs of each of `size` polynomials (stride src_limbs·N) to `dst`
// (stride limbs·N). dst may equal src (moves down in place).
void drop_limbs(const std::uint64_t* src, std::size_t src_limbs, std::size_t limbs, std::size_t size, std::size_t n,
                std::uint64_t* dst) noexcept {
  for (std::size_t p = 0; p < size; ++p) {
    const std::uint64_t* s = src + p * src_limbs * n;
    std::uint64_t* d = dst + p * limbs * n;
    if (s != d) std::memmove(d, s, limbs * n * sizeof(std::uint64_t));
  }
}

// out[i] = a[i] ± b[i] over `limbs` limbs. Aliasing: out may equal a or b.
void add_polys(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* out, const LimbConstants* lc,
               std::size_t limbs, std::size_t n) noexcept {
  for (std::size_t j = 0; j < limbs; ++j) {
    const std::uint64_t q = lc[j].modulus.value();
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = add_mod(a[off + i], b[off + i], q);
  }
}

void sub_polys(const std::uint64_t* a, const std::uint64_t* b, std::uint64_t* out, const LimbConstants* lc,
               std::size_t limbs, std::size_t n) noexcept {
  for (std::size_t j = 0; j < limbs; ++j) {
    const std::uint64_t q = lc[j].modulus.value();
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) out[off + i] = sub_mod(a[off + i], b[off + i], q);
  }
}

void negate_polys(const std::uint64_t* a, std::uint64_t* out, const LimbConstants* lc, std::size_t limbs,
                  std::size_t n) noexcept {
  for (std::size_t j = 0; j < limbs; ++j) {
    const std::uint64_t q = lc[j].modulus.value();
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t x = a[off + i];
      out[off + i] = x == 0 ? 0 : q - x;
    }
  }
}

// p_k[i] = Σ_J op[J][i] · key_k[J][i] mod q for the two key components, accumulated exactly in
// 128 bits and reduced once. REQUIRES kCount ≤ max_lazy_terms of q (Barrett::reduce's bound).
template <std::size_t kCount>
void mac_fixed(const std::uint64_t* const* op, const std::uint64_t* const* k0, const std::uint64_t* const* k1,
               std::size_t n, Barrett br, std::uint64_t* p0, std::uint64_t* p1) noexcept {
  std::array<const std::uint64_t*, kCount> o{}, a{}, b{};
  for (std::size_t j = 0; j < kCount; ++j) {
    o[j] = op[j];
    a[j] = k0[j];
    b[j] = k1[j];
  }
  for (std::size_t i = 0; i < n; ++i) {
    uint128_t acc0 = 0;
    uint128_t acc1 = 0;
    for (std::size_t j = 0; j < kCount; ++j) {
      const std::uint64_t x = o[j][i];
      acc0 += math::mul_wide(x, a[j][i]);
      acc1 += math::mul_wide(x, b[j][i]);
    }
    p0[i] = br.reduce(acc0);
    p1[i] = br.reduce(acc1);
  }
}

void mac(const std::uint64_t* const* op, const std::uint64_t* const* k0, const std::uint64_t* const* k1,
         std::size_t count, std::size_t n, const LimbConstants& c, std::uint64_t* p0, std::uint64_t* p1) noexcept {
  const Barrett br(c);
  if (count <= c.max_lazy_terms) {
    switch (count) {
      case 1: return mac_fixed<1>(op, k0, k1, n, br, p0, p1);
      case 2: return mac_fixed<2>(op, k0, k1, n, br, p0, p1);
      case 3: return mac_fixed<3>(op, k0, k1, n, br, p0, p1);
      case 4: return mac_fixed<4>(op, k0, k1, n, br, p0, p1);
      case 5: return mac_fixed<5>(op, k0, k1, n, br, p0, p1);
      case 6: return mac_fixed<6>(op, k0, k1, n, br, p0, p1);
      case 7: return mac_fixed<7>(op, k0, k1, n, br, p0, p1);
      case 8: return mac_fixed<8>(op, k0, k1, n, br, p0, p1);
      default: break;
    }
  }
  // Generic count: < 64 products of < 2^120 each fit in 128 bits; SEAL's 128-bit Barrett.
  const math::Modulus q = c.modulus;
  for (std::size_t i = 0; i < n; ++i) {
    uint128_t acc0 = 0;
    uint128_t acc1 = 0;
    for (std::size_t j = 0; j < count; ++j) {
      const std::uint64_t x = op[j][i];
      acc0 += math::mul_wide(x, k0[j][i]);
      acc1 += math::mul_wide(x, k1[j][i]);
    }
    p0[i] = math::reduce128(math::hi64(acc0), math::lo64(acc0), q);
    p1[i] = math::reduce128(math::hi64(acc1), math::lo64(acc1), q);
  }
}

// dst = src mod q_to, as an NTT input (< 4·q_to). src words are < q_from.
void lift(const std::uint64_t* src, std::uint64_t q_from, const math::Modulus& to, std::size_t n,
          std::uint64_t* dst) noexcept {
  if (q_from <= 4 * to.value()) {
    std::memcpy(dst, src, n * sizeof(std::uint64_t));
  } else {
    const math::Modulus m = to;  // a local copy: stores through dst cannot alias it
    for (std::size_t i = 0; i < n; ++i) dst[i] = math::reduce(src[i], m);
  }
}

// SEAL's naf(value): signed ±2^i terms, least significant first.
std::size_t naf(int value, std::array<int, 40>& out) noexcept {
  std::size_t count = 0;
  const bool negative = value < 0;
  std::int64_t v = value;
  v = v < 0 ? -v : v;
  for (int i = 0; v != 0; ++i) {
    const std::int64_t zi = (v & 1) != 0 ? 2 - (v & 3) : 0;
    v = (v - zi) >> 1;
    if (zi != 0) out[count++] = static_cast<int>((negative ? -zi : zi) * (std::int64_t{1} << i));
  }
  return count;
}

}  // namespace

// ---- Construction -------------------------------------------------------------------------------

Evaluator::Evaluator(rlwe::ContextPtr context) : context_(std::move(context)), encoder_(context_) {
  EI_DCHECK(context_ != nullptr);
  const rlwe::ContextData& key = context_->key_context_data();
  const std::span<const math::Modulus> moduli = key.coeff_modulus();
  limbs_.resize(moduli.size());
  for (std::size_t i = 0; i < moduli.size(); ++i) {
    LimbConstants& c = limbs_[i];
    c.modulus = moduli[i];
    const auto b = static_cast<unsigned>(moduli[i].bit_count());
    EI_DCHECK(b >= 2 && b <= 60);
    c.barrett_shift = b - 1;
    c.barrett_mu = static_cast<std::uint64_t>((uint128_t{1} << (63 + b)) / moduli[i].value());
    c.max_lazy_terms = std::size_t{1} << std::min(63U - b, 20U);
  }
  levels_.resize(moduli.size());
  for (std::size_t idx = 0; idx < context_->level_count(); ++idx) {
    const rlwe::ContextData& level = context_->level(idx);
    const std::size_t count = level.coeff_modulus_size();
    LevelConstants& lc = levels_[level.chain_index()];
    if (count < 2) continue;
    const math::Modulus& last = moduli[count - 1];
    lc.last_half = last.value() >> 1;
    const std::span<const std::uint64_t> inv_last = level.inv_last_coeff_mod();
    for (std::size_t i = 0; i + 1 < count; ++i) {
      const math::Modulus& qi = moduli[i];
      lc.inv_last.push_back(math::make_shoup(inv_last[i], qi));
      lc.fix.push_back(qi.value() - math::reduce(lc.last_half, qi));
      lc.lift_needs_reduce.push_back(static_cast<std::uint8_t>(last.value() > 3 * qi.value()));
    }
  }
}

// ---- Validation ---------------------------------------------------------------------------------

Result<const rlwe::ContextData*> Evaluator::check_ciphertext(const rlwe::Ciphertext& ct, const char* what) const {
  const rlwe::ContextData* level = context_->get_context_data(ct.parms_id);
  const auto name = [what] { return std::string(what); };  // built only on error paths
  if (level == nullptr) {
    return Status(Code::PARMS_ID_UNKNOWN, name() + ": parms_id " + rlwe::parms_id_hex(ct.parms_id) +
                                              " is not in the context's modulus chain");
  }
  if (level->chain_index() > context_->first_context_data().chain_index()) {
    return Status(Code::LEVEL_NOT_ALLOWED, name() + ": a ciphertext may not be at the key level");
  }
  if (ct.poly_modulus_degree != level->poly_modulus_degree() || ct.coeff_modulus_size != level->coeff_modulus_size()) {
    return Status(Code::DIMENSION_MISMATCH, name() + ": ciphertext has N = " + std::to_string(ct.poly_modulus_degree) +
                                                ", L = " + std::to_string(ct.coeff_modulus_size) +
                                                "; its level has N = " + std::to_string(level->poly_modulus_degree()) +
                                                ", L = " + std::to_string(level->coeff_modulus_size()));
  }
  if (ct.size < limits::kMinCiphertextSize || ct.size > limits::kMaxCiphertextSize) {
    return Status(Code::INVALID_SIZE, name() + ": ciphertext size " + std::to_string(ct.size) + " is not in [2, 16]");
  }
  if (ct.scale == 0.0) return Status(Code::INVALID_SCALE, name() + ": ciphertext scale is zero");
  if (ct.correction_factor != 1) {
    return Status(Code::INVALID_CORRECTION_FACTOR, name() + ": ciphertext correction factor is not 1");
  }
  const std::size_t words = static_cast<std::size_t>(ct.size) * ct.poly_words();
  if (ct.data.size() != words) {
    return Status(Code::SIZE_MISMATCH, name() + ": ciphertext holds " + std::to_string(ct.data.size()) +
                                           " words; size*N*L = " + std::to_string(words));
  }
  if (!ct.is_ntt_form) return Status(Code::NOT_NTT_FORM, name() + ": CKKS ciphertext must be in NTT form");
  return level;
}

Result<const rlwe::ContextData*> Evaluator::check_plaintext(const rlwe::Plaintext& p, const char* what) const {
  const auto name = [what] { return std::string(what); };  // built only on error paths
  if (!p.is_ntt_form()) {
    return Status(Code::NOT_NTT_FORM, name() + ": CKKS plaintext must be in NTT form (parms_id is zero)");
  }
  const rlwe::ContextData* level = context_->get_context_data(p.parms_id);
  if (level == nullptr) {
    return Status(Code::PARMS_ID_UNKNOWN, name() + ": parms_id " + rlwe::parms_id_hex(p.parms_id) +
                                              " is not in the context's modulus chain");
  }
  if (level->chain_index() > context_->first_context_data().chain_index()) {
    return Status(Code::LEVEL_NOT_ALLOWED, name() + ": a plaintext may not be at the key level");
  }
  const std::size_t words = level->poly_modulus_degree() * level->coeff_modulus_size();
  if (p.coeff_count != words || p.data.size() != words) {
    return Status(Code::SIZE_MISMATCH, name() + ": plaintext holds " + std::to_string(p.data.size()) +
                                           " words (coeff_count " + std::to_string(p.coeff_count) +
                                           "); its level needs N*L = " + std::to_string(words));
  }
  return level;
}

Status Evaluator::check_keyswitching() const {
  if (!context_->using_keyswitching()) {
    return {Code::INVALID_PARAMETERS, "key switching is not available: the coeff_modulus has a single prime"};
  }
  return Status::Ok();
}

Status Evaluator::check_key_vector(const std::vector<rlwe::PublicKey>& key) const {
  const rlwe::ContextData& kd = context_->key_context_data();
  const std::size_t k = kd.coeff_modulus_size();
  const std::size_t n = kd.poly_modulus_degree();
  if (key.size() + 1 != k) {
    return {Code::KEY_MISMATCH, "key-switching key has " + std::to_string(key.size()) +
                                    " components; the context needs K-1 = " + std::to_string(k - 1)};
  }
  for (const rlwe::PublicKey& pk : key) {
    const rlwe::Ciphertext& c = pk.data;
    if (c.parms_id != kd.parms_id() || !c.is_ntt_form || c.size != 2 || c.poly_modulus_degree != n ||
        c.coeff_modulus_size != k || c.scale == 0.0 || c.correction_factor != 1 || c.data.size() != 2 * n * k) {
      return {Code::KEY_MISMATCH, "a key-switching key component is not a valid key-level public key"};
    }
  }
  return Status::Ok();
}

// ---- Add, sub, negate ---------------------------------------------------------------------------

Status Evaluator::add_sub(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, bool subtract,
                          rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted1"));
  EI_RETURN_IF_ERROR(check_ciphertext(b, "encrypted2").status());
  if (a.parms_id != b.parms_id) {
    return {Code::LEVEL_MISMATCH, "encrypted1 and encrypted2 are at different levels (parms_id)"};
  }
  if (!are_close(a.scale, b.scale)) {
    return {Code::SCALE_MISMATCH, "scale mismatch: " + std::to_string(a.scale) + " vs " + std::to_string(b.scale)};
  }
  const std::size_t size_a = a.size;
  const std::size_t size_b = b.size;
  const std::size_t size = std::max(size_a, size_b);
  const std::size_t common = std::min(size_a, size_b);
  const double scale = a.scale;
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t limbs = level->coeff_modulus_size();
  const std::size_t words = n * limbs;

  prepare_output(out, *level, size);
  const std::uint64_t* pa = a.data.data();
  const std::uint64_t* pb = b.data.data();
  std::uint64_t* po = out.data.data();
  for (std::size_t p = 0; p < common; ++p) {
    if (subtract) {
      sub_polys(pa + p * words, pb + p * words, po + p * words, limbs_.data(), limbs, n);
    } else {
      add_polys(pa + p * words, pb + p * words, po + p * words, limbs_.data(), limbs, n);
    }
  }
  for (std::size_t p = common; p < size; ++p) {
    if (size_a > size_b) {
      if (pa != po) std::memcpy(po + p * words, pa + p * words, words * sizeof(std::uint64_t));
    } else if (subtract) {
      negate_polys(pb + p * words, po + p * words, limbs_.data(), limbs, n);
    } else if (pb != po) {
      std::memcpy(po + p * words, pb + p * words, words * sizeof(std::uint64_t));
    }
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::add(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const {
  return add_sub(a, b, false, out);
}

Status Evaluator::sub(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const {
  return add_sub(a, b, true, out);
}

Status Evaluator::negate(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  const std::size_t size = a.size;
  const double scale = a.scale;
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t limbs = level->coeff_modulus_size();
  prepare_output(out, *level, size);
  const std::uint64_t* pa = a.data.data();
  std::uint64_t* po = out.data.data();
  for (std::size_t p = 0; p < size; ++p) {
    negate_polys(pa + p * n * limbs, po + p * n * limbs, limbs_.data(), limbs, n);
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

// ---- Plaintext operands -------------------------------------------------------------------------

Status Evaluator::add_sub_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, bool subtract,
                                rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  EI_RETURN_IF_ERROR(check_plaintext(p, "plain").status());
  if (a.parms_id != p.parms_id) {
    return {Code::LEVEL_MISMATCH, "encrypted and plain are at different levels (parms_id)"};
  }
  if (!are_close(a.scale, p.scale)) {
    return {Code::SCALE_MISMATCH, "scale mismatch: " + std::to_string(a.scale) + " vs " + std::to_string(p.scale)};
  }
  const std::size_t size = a.size;
  const double scale = a.scale;
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t limbs = level->coeff_modulus_size();
  const std::size_t words = n * limbs;
  prepare_output(out, *level, size);
  const std::uint64_t* pa = a.data.data();
  std::uint64_t* po = out.data.data();
  if (subtract) {
    sub_polys(pa, p.data.data(), po, limbs_.data(), limbs, n);
  } else {
    add_polys(pa, p.data.data(), po, limbs_.data(), limbs, n);
  }
  if (pa != po) std::memcpy(po + words, pa + words, (size - 1) * words * sizeof(std::uint64_t));
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::add_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, rlwe::Ciphertext& out) const {
  return add_sub_plain(a, p, false, out);
}

Status Evaluator::sub_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, rlwe::Ciphertext& out) const {
  return add_sub_plain(a, p, true, out);
}

Status Evaluator::multiply_plain(const rlwe::Ciphertext& a, const rlwe::Plaintext& p, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  EI_RETURN_IF_ERROR(check_plaintext(p, "plain").status());
  if (a.parms_id != p.parms_id) {
    return {Code::LEVEL_MISMATCH, "encrypted and plain are at different levels (parms_id)"};
  }
  return multiply_plain_impl(*level, a, p, false, out);
}

Status Evaluator::multiply_plain_impl(const rlwe::ContextData& level, const rlwe::Ciphertext& a,
                                      const rlwe::Plaintext& p, bool constant_limbs, rlwe::Ciphertext& out) const {
  const double scale = a.scale * p.scale;
  if (!is_scale_within_bounds(scale, level)) {
    return {Code::INVALID_SCALE, "scale out of bounds: the product scale " + std::to_string(scale) +
                                     " needs at least as many bits as the level's modulus"};
  }
  const std::size_t size = a.size;
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const std::size_t words = n * limbs;
  prepare_output(out, level, size);
  const std::uint64_t* pa = a.data.data();
  const std::uint64_t* pp = p.data.data();
  std::uint64_t* po = out.data.data();
  for (std::size_t j = 0; j < limbs; ++j) {
    const LimbConstants& c = limbs_[j];
    const std::uint64_t* plimb = pp + j * n;
    if (constant_limbs) {
      // Every word of this plaintext limb is the same: multiply by a Shoup scalar (same value).
      const math::ShoupOperand s = math::make_shoup(math::reduce(plimb[0], c.modulus), c.modulus);
      const std::uint64_t q = c.modulus.value();
      for (std::size_t poly = 0; poly < size; ++poly) {
        const std::uint64_t* x = pa + poly * words + j * n;
        std::uint64_t* y = po + poly * words + j * n;
        for (std::size_t i = 0; i < n; ++i) y[i] = mul_shoup(x[i], s.operand, s.quotient, q);
      }
    } else {
      const Barrett br(c);
      for (std::size_t poly = 0; poly < size; ++poly) {
        const std::uint64_t* x = pa + poly * words + j * n;
        std::uint64_t* y = po + poly * words + j * n;
        for (std::size_t i = 0; i < n; ++i) y[i] = br.mul(x[i], plimb[i]);
      }
    }
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

// ---- Multiply, square ---------------------------------------------------------------------------

Status Evaluator::multiply(const rlwe::Ciphertext& a, const rlwe::Ciphertext& b, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted1"));
  EI_RETURN_IF_ERROR(check_ciphertext(b, "encrypted2").status());
  if (a.parms_id != b.parms_id) {
    return {Code::LEVEL_MISMATCH, "encrypted1 and encrypted2 are at different levels (parms_id)"};
  }
  const std::size_t size_a = a.size;
  const std::size_t size_b = b.size;
  const std::size_t size = size_a + size_b - 1;
  if (size > limits::kMaxCiphertextSize) {
    return {Code::INVALID_SIZE, "product size " + std::to_string(size) + " exceeds 16 polynomials"};
  }
  const double scale = a.scale * b.scale;
  if (!is_scale_within_bounds(scale, *level)) {
    return {Code::INVALID_SCALE, "scale out of bounds: the product scale " + std::to_string(scale) +
                                     " needs at least as many bits as the level's modulus"};
  }
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t limbs = level->coeff_modulus_size();
  const std::size_t words = n * limbs;

  if (size_a == 2 && size_b == 2) {
    prepare_output(out, *level, 3);
    const std::uint64_t* pa = a.data.data();
    const std::uint64_t* pb = b.data.data();
    std::uint64_t* po = out.data.data();
    for (std::size_t j = 0; j < limbs; ++j) {
      const Barrett br(limbs_[j]);
      const std::uint64_t q = br.q;
      const std::size_t off = j * n;
      // Every output word is written after all four inputs at the same index are read, so out
      // may alias a and/or b (their polynomials 0 and 1 sit at the same offsets as out's).
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t a0 = pa[off + i];
        const std::uint64_t a1 = pa[words + off + i];
        const std::uint64_t b0 = pb[off + i];
        const std::uint64_t b1 = pb[words + off + i];
        po[off + i] = br.mul(a0, b0);
        po[words + off + i] = add_mod(br.mul(a0, b1), br.mul(a1, b0), q);
        po[2 * words + off + i] = br.mul(a1, b1);
      }
    }
  } else {
    // General sizes: accumulate into scratch, then copy (SEAL does the same).
    Scratch& s = thread_scratch();
    std::uint64_t* acc = grow(s.product, size * words);
    std::fill(acc, acc + size * words, std::uint64_t{0});
    const std::uint64_t* pa = a.data.data();
    const std::uint64_t* pb = b.data.data();
    for (std::size_t x = 0; x < size_a; ++x) {
      for (std::size_t y = 0; y < size_b; ++y) {
        std::uint64_t* dst = acc + (x + y) * words;
        for (std::size_t j = 0; j < limbs; ++j) {
          const Barrett br(limbs_[j]);
          const std::uint64_t q = br.q;
          const std::uint64_t* u = pa + x * words + j * n;
          const std::uint64_t* v = pb + y * words + j * n;
          std::uint64_t* d = dst + j * n;
          for (std::size_t i = 0; i < n; ++i) d[i] = add_mod(d[i], br.mul(u[i], v[i]), q);
        }
      }
    }
    prepare_output(out, *level, size);
    std::memcpy(out.data.data(), acc, size * words * sizeof(std::uint64_t));
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::square(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (a.size != 2) return multiply(a, a, out);  // SEAL: ckks_multiply(encrypted, encrypted)
  const double scale = a.scale * a.scale;
  if (!is_scale_within_bounds(scale, *level)) {
    return {Code::INVALID_SCALE, "scale out of bounds: the squared scale " + std::to_string(scale) +
                                     " needs at least as many bits as the level's modulus"};
  }
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t limbs = level->coeff_modulus_size();
  const std::size_t words = n * limbs;
  prepare_output(out, *level, 3);
  const std::uint64_t* pa = a.data.data();
  std::uint64_t* po = out.data.data();
  for (std::size_t j = 0; j < limbs; ++j) {
    const Barrett br(limbs_[j]);
    const std::uint64_t q = br.q;
    const std::size_t off = j * n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t a0 = pa[off + i];
      const std::uint64_t a1 = pa[words + off + i];
      const std::uint64_t cross = br.mul(a0, a1);
      po[off + i] = br.mul(a0, a0);
      po[words + off + i] = add_mod(cross, cross, q);
      po[2 * words + off + i] = br.mul(a1, a1);
    }
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

// ---- Key switching ------------------------------------------------------------------------------

void Evaluator::key_switch(const rlwe::ContextData& level, const std::uint64_t* target,
                           const std::vector<rlwe::PublicKey>& key, const std::uint64_t* addend0,
                           const std::uint64_t* addend1, std::uint64_t* out0, std::uint64_t* out1) const {
  const rlwe::ContextData& kd = context_->key_context_data();
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();   // L', the decomposition count
  const std::size_t special = kd.coeff_modulus_size() - 1;  // index of p at the key level
  const LevelConstants& pc = levels_[kd.chain_index()];     // mod-down constants of p
  const LimbConstants& pl = limbs_[special];

  Scratch& s = thread_scratch();
  std::uint64_t* t_coeff = grow(s.ks_coeff, limbs * n);
  std::uint64_t* ops = grow(s.ks_ops, limbs * n);
  std::uint64_t* work = grow(s.ks_work, 5 * n);
  const std::uint64_t** ptrs = grow(s.ks_ptrs, 3 * limbs);
  std::uint64_t* r0 = work;
  std::uint64_t* r1 = work + n;
  std::uint64_t* p0 = work + 2 * n;
  std::uint64_t* p1 = work + 3 * n;
  std::uint64_t* t = work + 4 * n;
  const std::uint64_t** op = ptrs;
  const std::uint64_t** k0 = ptrs + limbs;
  const std::uint64_t** k1 = ptrs + 2 * limbs;

  // 1. t_J = INTT_{q_J}(target_J): the unsigned digits in [0, q_J).
  std::memcpy(t_coeff, target, limbs * n * sizeof(std::uint64_t));
  for (std::size_t j = 0; j < limbs; ++j) kd.ntt(j).inverse(t_coeff + j * n);

  // 2. The special prime p first: P_k[p] = Σ_J NTT_p(t_J mod p) ⊙ key[J]_k[p].
  for (std::size_t j = 0; j < limbs; ++j) {
    std::uint64_t* dst = ops + j * n;
    lift(t_coeff + j * n, limbs_[j].modulus.value(), pl.modulus, n, dst);
    kd.ntt(special).forward(dst);
    op[j] = dst;
    k0[j] = key[j].data.poly(0) + special * n;
    k1[j] = key[j].data.poly(1) + special * n;
  }
  mac(op, k0, k1, limbs, n, pl, r0, r1);
  // r = (INTT_p(P_k[p]) + floor(p/2)) mod p: the rounding offset of the division by p.
  const std::uint64_t pv = pl.modulus.value();
  const std::uint64_t p_half = pc.last_half;
  for (std::uint64_t* r : {r0, r1}) {
    kd.ntt(special).inverse(r);
    for (std::size_t i = 0; i < n; ++i) r[i] = add_mod(r[i], p_half, pv);
  }

  // 3. Each limb i < L': P_k[i], then c_k[i] = addend + (P_k[i] − NTT((r − floor(p/2)) mod q_i))·p^{-1}.
  for (std::size_t i = 0; i < limbs; ++i) {
    const LimbConstants& c = limbs_[i];
    const math::NttTables& ntt = kd.ntt(i);
    const std::uint64_t q = c.modulus.value();
    for (std::size_t j = 0; j < limbs; ++j) {
      if (j == i) {
        op[j] = target + i * n;  // already NTT form mod q_i
      } else {
        std::uint64_t* dst = ops + j * n;
        lift(t_coeff + j * n, limbs_[j].modulus.value(), c.modulus, n, dst);
        ntt.forward(dst);
        op[j] = dst;
      }
      k0[j] = key[j].data.poly(0) + i * n;
      k1[j] = key[j].data.poly(1) + i * n;
    }
    mac(op, k0, k1, limbs, n, c, p0, p1);

    const std::uint64_t fix = pc.fix[i];
    const bool needs_reduce = pc.lift_needs_reduce[i] != 0;
    const math::ShoupOperand inv = pc.inv_last[i];
    for (int k = 0; k < 2; ++k) {
      const std::uint64_t* r = k == 0 ? r0 : r1;
      const std::uint64_t* pk = k == 0 ? p0 : p1;
      const std::uint64_t* addend = k == 0 ? addend0 : addend1;
      std::uint64_t* out = (k == 0 ? out0 : out1) + i * n;
      // (r mod q_i) + q_i − (floor(p/2) mod q_i) < 4 q_i: a valid NTT input, ≡ r − floor(p/2).
      if (needs_reduce) {
        const math::Modulus m = c.modulus;
        for (std::size_t x = 0; x < n; ++x) t[x] = math::reduce(r[x], m) + fix;
      } else {
        for (std::size_t x = 0; x < n; ++x) t[x] = r[x] + fix;
      }
      ntt.forward(t);
      const std::uint64_t w = inv.operand;
      const std::uint64_t wq = inv.quotient;
      if (addend != nullptr) {
        const std::uint64_t* ad = addend + i * n;
        for (std::size_t x = 0; x < n; ++x) out[x] = add_mod(ad[x], mul_shoup(pk[x] + q - t[x], w, wq, q), q);
      } else {
        for (std::size_t x = 0; x < n; ++x) out[x] = mul_shoup(pk[x] + q - t[x], w, wq, q);
      }
    }
  }
}

Status Evaluator::switch_key_inplace(rlwe::Ciphertext& ct, const std::uint64_t* target_poly_ntt,
                                     const std::vector<rlwe::PublicKey>& key) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(ct, "encrypted"));
  if (target_poly_ntt == nullptr) return {Code::INVALID_ARGUMENT, "target polynomial is null"};
  EI_RETURN_IF_ERROR(check_keyswitching());
  EI_RETURN_IF_ERROR(check_key_vector(key));
  key_switch(*level, target_poly_ntt, key, ct.poly(0), ct.poly(1), ct.poly(0), ct.poly(1));
  ct.seed.reset();
  return Status::Ok();
}

Status Evaluator::relinearize(const rlwe::Ciphertext& a, const rlwe::RelinKeys& keys, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (keys.parms_id != context_->key_parms_id()) {
    return {Code::KEY_MISMATCH, "relin_keys parms_id is not the context's key level"};
  }
  const std::size_t size = a.size;
  if (size == 2) {
    if (&out != &a) out = a;
    return Status::Ok();
  }
  EI_RETURN_IF_ERROR(check_keyswitching());
  const std::size_t present = static_cast<std::size_t>(
      std::count_if(keys.keys.begin(), keys.keys.end(), [](const auto& v) { return !v.empty(); }));
  if (present < size - 2) {
    return {Code::MISSING_KEY, "not enough relinearization keys: size " + std::to_string(size) + " needs " +
                                   std::to_string(size - 2) + ", have " + std::to_string(present)};
  }
  for (std::size_t idx = 0; idx + 2 < size; ++idx) {
    if (idx >= keys.keys.size() || keys.keys[idx].empty()) {
      return {Code::MISSING_KEY, "relinearization key for s^" + std::to_string(idx + 2) + " is absent"};
    }
    EI_RETURN_IF_ERROR(check_key_vector(keys.keys[idx]));
  }

  const double scale = a.scale;
  const bool in_place = &out == &a;
  if (!in_place) prepare_output(out, *level, 2);
  // SEAL 4.1 quirk: the target stays the last component for every step (its iterator is never
  // decremented); keys s^(size−1), …, s^2 are applied to it in turn.
  const std::uint64_t* target = a.poly(size - 1);
  for (std::size_t step = 0; step + 2 < size; ++step) {
    const std::size_t key_index = size - 3 - step;
    const std::uint64_t* add0 = step == 0 ? a.poly(0) : out.poly(0);
    const std::uint64_t* add1 = step == 0 ? a.poly(1) : out.poly(1);
    key_switch(*level, target, keys.keys[key_index], add0, add1, out.poly(0), out.poly(1));
  }
  if (in_place) {
    out.size = 2;
    out.data.resize(2 * out.poly_words());
    out.seed.reset();
  }
  out.scale = scale;
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

// ---- Rescale and modulus switching ----------------------------------------------------------------

void Evaluator::rescale_unchecked(const rlwe::ContextData& level, const rlwe::Ciphertext& src,
                                  rlwe::Ciphertext& out) const {
  const rlwe::ContextData& next = *level.next();
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const std::size_t last = limbs - 1;
  const std::size_t size = src.size;
  const double scale = src.scale / static_cast<double>(limbs_[last].modulus.value());
  const LevelConstants& lc = levels_[level.chain_index()];
  const math::Modulus q_last = limbs_[last].modulus;

  const bool in_place = &out == &src;
  if (!in_place) prepare_output(out, next, size);
  const std::uint64_t* in = src.data.data();
  std::uint64_t* o = out.data.data();

  Scratch& s = thread_scratch();
  std::uint64_t* x = grow(s.rescale, 2 * n);
  std::uint64_t* t = x + n;
  // In place, output polynomial p limb i (offset (p·(L−1) + i)·N) never overwrites an input limb
  // that is still to be read: the last limb is copied out first, and limbs are processed in order.
  for (std::size_t p = 0; p < size; ++p) {
    const std::uint64_t* ip = in + p * limbs * n;
    std::uint64_t* op = o + p * last * n;
    std::memcpy(x, ip + last * n, n * sizeof(std::uint64_t));
    level.ntt(last).inverse(x);
    const std::uint64_t half = lc.last_half;
    const std::uint64_t ql = q_last.value();
    for (std::size_t k = 0; k < n; ++k) x[k] = add_mod(x[k], half, ql);
    for (std::size_t i = 0; i < last; ++i) {
      const math::Modulus qi = limbs_[i].modulus;  // local copy (no reloads in the loops)
      const std::uint64_t q = qi.value();
      const std::uint64_t fix = lc.fix[i];
      if (lc.lift_needs_reduce[i] != 0) {
        for (std::size_t k = 0; k < n; ++k) t[k] = math::reduce(x[k], qi) + fix;
      } else {
        for (std::size_t k = 0; k < n; ++k) t[k] = x[k] + fix;
      }
      level.ntt(i).forward(t);
      const math::ShoupOperand inv = lc.inv_last[i];
      const std::uint64_t* ci = ip + i * n;
      std::uint64_t* di = op + i * n;
      const std::uint64_t w = inv.operand;
      const std::uint64_t wq = inv.quotient;
      for (std::size_t k = 0; k < n; ++k) di[k] = mul_shoup(ci[k] + q - t[k], w, wq, q);
    }
  }
  if (in_place) {
    out.parms_id = next.parms_id();
    out.coeff_modulus_size = next.coeff_modulus_size();
    out.data.resize(size * n * last);
    out.seed.reset();
  }
  out.scale = scale;
}

Status Evaluator::rescale_to_next(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (level->next() == nullptr) {
    return {Code::END_OF_MODULUS_CHAIN, "end of modulus switching chain reached: the ciphertext is at the last level"};
  }
  rescale_unchecked(*level, a, out);
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::rescale_to(const rlwe::Ciphertext& a, const rlwe::ParmsId& target, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  const rlwe::ContextData* goal = context_->get_context_data(target);
  if (goal == nullptr) {
    return {Code::PARMS_ID_UNKNOWN, "target parms_id " + rlwe::parms_id_hex(target) + " is not in the modulus chain"};
  }
  if (goal->chain_index() > level->chain_index()) {
    return {Code::INVALID_ARGUMENT, "cannot switch to a higher level modulus"};
  }
  if (goal == level) {
    if (&out != &a) out = a;
  } else {
    const rlwe::Ciphertext* src = &a;
    for (const rlwe::ContextData* cur = level; cur != goal; cur = cur->next()) {
      rescale_unchecked(*cur, *src, out);
      src = &out;
    }
  }
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::mod_switch_to_next(const rlwe::Ciphertext& a, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (level->next() == nullptr) {
    return {Code::END_OF_MODULUS_CHAIN, "end of modulus switching chain reached: the ciphertext is at the last level"};
  }
  return mod_switch_to(a, level->next()->parms_id(), out);
}

Status Evaluator::mod_switch_to(const rlwe::Ciphertext& a, const rlwe::ParmsId& target, rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  const rlwe::ContextData* goal = context_->get_context_data(target);
  if (goal == nullptr) {
    return {Code::PARMS_ID_UNKNOWN, "target parms_id " + rlwe::parms_id_hex(target) + " is not in the modulus chain"};
  }
  if (goal->chain_index() > level->chain_index()) {
    return {Code::INVALID_ARGUMENT, "cannot switch to a higher level modulus"};
  }
  if (goal == level) {
    if (&out != &a) out = a;
    return Status::Ok();
  }
  // SEAL steps one level at a time: the scale bound of each next level, then (after the drop)
  // transparency. Replicate the order of those checks without touching `out` first.
  const rlwe::ContextData* stop = goal;
  bool transparent = false;
  for (const rlwe::ContextData* cur = level; cur != goal; cur = cur->next()) {
    const rlwe::ContextData* next = cur->next();
    if (!is_scale_within_bounds(a.scale, *next)) {
      return {Code::INVALID_SCALE, "scale out of bounds: scale " + std::to_string(a.scale) +
                                       " is too large for a lower level's modulus"};
    }
    if (is_transparent_prefix(a, next->coeff_modulus_size())) {
      stop = next;
      transparent = true;
      break;
    }
  }
  const std::size_t n = level->poly_modulus_degree();
  const std::size_t src_limbs = level->coeff_modulus_size();
  const std::size_t limbs = stop->coeff_modulus_size();
  const std::size_t size = a.size;
  const double scale = a.scale;
  if (&out == &a) {
    drop_limbs(out.data.data(), src_limbs, limbs, size, n, out.data.data());
    out.parms_id = stop->parms_id();
    out.coeff_modulus_size = limbs;
    out.data.resize(size * n * limbs);
    out.seed.reset();
  } else {
    prepare_output(out, *stop, size);
    drop_limbs(a.data.data(), src_limbs, limbs, size, n, out.data.data());
  }
  out.scale = scale;
  if (transparent) return transparent_error();
  return Status::Ok();
}

Status Evaluator::mod_switch_to_next(const rlwe::Plaintext& p, rlwe::Plaintext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_plaintext(p, "plain"));
  if (level->next() == nullptr) {
    // SEAL checks validity (including the coefficient range) before the end of the chain.
    if (!plain_in_range(p, *level)) {
      return {Code::COEFF_OUT_OF_RANGE, "plain: a coefficient is not below its RNS modulus"};
    }
    return {Code::END_OF_MODULUS_CHAIN, "end of modulus switching chain reached: the plaintext is at the last level"};
  }
  return mod_switch_to(p, level->next()->parms_id(), out);
}

Status Evaluator::mod_switch_to(const rlwe::Plaintext& p, const rlwe::ParmsId& target, rlwe::Plaintext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_plaintext(p, "plain"));
  const rlwe::ContextData* goal = context_->get_context_data(target);
  if (goal == nullptr) {
    return {Code::PARMS_ID_UNKNOWN, "target parms_id " + rlwe::parms_id_hex(target) + " is not in the modulus chain"};
  }
  if (goal->chain_index() > level->chain_index()) {
    return {Code::INVALID_ARGUMENT, "cannot switch to a higher level modulus"};
  }
  if (goal == level) {
    if (&out != &p) out = p;
    return Status::Ok();
  }
  if (!plain_in_range(p, *level)) {
    return {Code::COEFF_OUT_OF_RANGE, "plain: a coefficient is not below its RNS modulus"};
  }
  for (const rlwe::ContextData* cur = level; cur != goal; cur = cur->next()) {
    if (!is_scale_within_bounds(p.scale, *cur->next())) {
      return {Code::INVALID_SCALE, "scale out of bounds: scale " + std::to_string(p.scale) +
                                       " is too large for a lower level's modulus"};
    }
  }
  const std::size_t words = goal->poly_modulus_degree() * goal->coeff_modulus_size();
  const double scale = p.scale;
  if (&out != &p) out.data.assign(p.data.begin(), p.data.begin() + static_cast<std::ptrdiff_t>(words));
  out.data.resize(words);
  out.parms_id = goal->parms_id();
  out.coeff_count = words;
  out.scale = scale;
  return Status::Ok();
}

// ---- Galois -------------------------------------------------------------------------------------

void Evaluator::apply_galois_unchecked(const rlwe::ContextData& level, const rlwe::Ciphertext& src,
                                       std::uint64_t galois_elt, const std::vector<rlwe::PublicKey>& key,
                                       rlwe::Ciphertext& out) const {
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const std::size_t words = n * limbs;
  const double scale = src.scale;
  const std::span<const std::uint32_t> table = rlwe::galois_ntt_table(galois_elt, level.log_n());
  const std::uint32_t* perm = table.data();

  Scratch& s = thread_scratch();
  std::uint64_t* c0 = grow(s.galois, 2 * words);
  std::uint64_t* c1 = c0 + words;
  const std::uint64_t* in0 = src.poly(0);
  const std::uint64_t* in1 = src.poly(1);
  for (std::size_t j = 0; j < limbs; ++j) {
    const std::uint64_t* a = in0 + j * n;
    const std::uint64_t* b = in1 + j * n;
    std::uint64_t* x = c0 + j * n;
    std::uint64_t* y = c1 + j * n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t from = perm[i];
      x[i] = a[from];
      y[i] = b[from];
    }
  }
  prepare_output(out, level, 2);
  // (perm(c0), 0) + key switch of perm(c1).
  key_switch(level, c1, key, c0, nullptr, out.poly(0), out.poly(1));
  out.scale = scale;
}

Status Evaluator::apply_galois(const rlwe::Ciphertext& a, std::uint64_t galois_elt, const rlwe::GaloisKeys& keys,
                               rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (keys.parms_id != context_->key_parms_id()) {
    return {Code::KEY_MISMATCH, "galois_keys parms_id is not the context's key level"};
  }
  EI_RETURN_IF_ERROR(check_keyswitching());
  if (!rlwe::is_valid_galois_elt(galois_elt, level->poly_modulus_degree())) {
    return {Code::INVALID_ARGUMENT, "Galois element " + std::to_string(galois_elt) + " is not odd and below 2N"};
  }
  if (!keys.has_key(galois_elt)) {
    return {Code::MISSING_KEY, "Galois key for element " + std::to_string(galois_elt) + " is not present"};
  }
  const auto& key = keys.keys[rlwe::GaloisKeys::index_of(galois_elt)];
  EI_RETURN_IF_ERROR(check_key_vector(key));
  if (a.size != 2) return {Code::INVALID_SIZE, "encrypted size must be 2 (relinearize first)"};
  apply_galois_unchecked(*level, a, galois_elt, key, out);
  if (is_transparent(out)) return transparent_error();
  return Status::Ok();
}

Status Evaluator::complex_conjugate(const rlwe::Ciphertext& a, const rlwe::GaloisKeys& keys,
                                    rlwe::Ciphertext& out) const {
  const std::uint64_t n = context_->first_context_data().poly_modulus_degree();
  return apply_galois(a, 2 * n - 1, keys, out);
}

Status Evaluator::rotate_vector(const rlwe::Ciphertext& a, int steps, const rlwe::GaloisKeys& keys,
                                rlwe::Ciphertext& out) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  if (keys.parms_id != context_->key_parms_id()) {
    return {Code::KEY_MISMATCH, "galois_keys parms_id is not the context's key level"};
  }
  if (steps == 0) {
    if (&out != &a) out = a;
    return Status::Ok();
  }
  EI_RETURN_IF_ERROR(check_keyswitching());
  const std::size_t n = level->poly_modulus_degree();
  EI_ASSIGN_OR_RETURN(const std::uint64_t elt, rlwe::galois_elt_from_step(steps, n));

  // The elements to apply, in SEAL's order (rotate_internal's NAF recursion, flattened: each NAF
  // term ±2^i either has its key or fails, since its own NAF is itself).
  std::array<std::uint64_t, 40> plan{};
  std::size_t plan_size = 0;
  if (keys.has_key(elt)) {
    plan[plan_size++] = elt;
  } else {
    std::array<int, 40> terms{};
    const std::size_t count = naf(steps, terms);
    if (count == 1) {
      return {Code::MISSING_KEY, "Galois key for step " + std::to_string(steps) + " (element " +
                                     std::to_string(elt) + ") is not present"};
    }
    for (std::size_t t = 0; t < count; ++t) {
      const int term = terms[t];
      if (static_cast<std::size_t>(term < 0 ? -static_cast<std::int64_t>(term) : term) == (n >> 1)) continue;
      EI_ASSIGN_OR_RETURN(const std::uint64_t e, rlwe::galois_elt_from_step(term, n));
      if (!keys.has_key(e)) {
        return {Code::MISSING_KEY, "no Galois key for step " + std::to_string(steps) + ": its NAF term " +
                                       std::to_string(term) + " (element " + std::to_string(e) + ") is not present"};
      }
      plan[plan_size++] = e;
    }
  }
  for (std::size_t t = 0; t < plan_size; ++t) {
    EI_RETURN_IF_ERROR(check_key_vector(keys.keys[rlwe::GaloisKeys::index_of(plan[t])]));
  }
  if (a.size != 2) return {Code::INVALID_SIZE, "encrypted size must be 2 (relinearize first)"};

  const rlwe::Ciphertext* src = &a;
  for (std::size_t t = 0; t < plan_size; ++t) {
    apply_galois_unchecked(*level, *src, plan[t], keys.keys[rlwe::GaloisKeys::index_of(plan[t])], out);
    if (is_transparent(out)) return transparent_error();
    src = &out;
  }
  return Status::Ok();
}

// ---- Scalars ------------------------------------------------------------------------------------

Status Evaluator::multiply_scalar(const rlwe::Ciphertext& a, double value, rlwe::Ciphertext& out,
                                  std::optional<double> scale) const {
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, check_ciphertext(a, "encrypted"));
  rlwe::Plaintext& plain = thread_scratch().scalar_plain;
  EI_RETURN_IF_ERROR(encoder_.encode(value, a.parms_id, scale.value_or(a.scale), plain));
  // encode(double) sets every word of limb j to round(value·scale) mod q_j.
  return multiply_plain_impl(*level, a, plain, true, out);
}

Status Evaluator::add_scalar(const rlwe::Ciphertext& a, double value, rlwe::Ciphertext& out) const {
  EI_RETURN_IF_ERROR(check_ciphertext(a, "encrypted").status());
  rlwe::Plaintext& plain = thread_scratch().scalar_plain;
  EI_RETURN_IF_ERROR(encoder_.encode(value, a.parms_id, a.scale, plain));
  return add_sub_plain(a, plain, false, out);
}

}  // namespace ei::ckks
