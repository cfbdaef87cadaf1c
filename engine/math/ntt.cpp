#include "engine/math/ntt.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "engine/math/ntt_simd.h"

namespace ei::math {

namespace {

// ---- Portable backend -----------------------------------------------------------------------
// Harvey's lazy butterflies (values kept in [0, 4q) forward, [0, 2q) inverse) with Shoup
// multiplication; requires 4q < 2^64, which every Modulus (< 2^61) satisfies. The two stages
// with the smallest gaps run fused per group of four words, and the final reduction to [0, q)
// is folded into the last stage, so no extra pass is made. The kernels are bound by the three
// 64-bit multiplies per butterfly (~1 ns on the dev box); cache blocking and radix-4 passes
// were tried and gained nothing measurable up to N = 32768. The SIMD backends (ntt_avx512*.cpp)
// replace these functions only (NttTables::create picks them); their outputs are word-for-word
// identical, which tests/engine/math/ntt_backend_test.cpp checks.

// a mod b for a < 2b (and a + b < 2^64). Clang's cmov-to-branch conversion turns the plain
// `a >= b ? a - b : a` (and mask forms) into unpredictable branches in the fused last stages
// (measured +60% per transform); std::min(a, a - b) (a - b wraps above a when a < b) stays a
// cmov there, while GCC schedules the ternary ~2% better. Both give the same value.
inline std::uint64_t sub_if_geq(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__clang__)
  return std::min(a, a - b);
#else
  return a >= b ? a - b : a;
#endif
}

// One lazy Cooley-Tukey butterfly: x, y < 4q in, x, y < 4q out.
inline void ct_butterfly(std::uint64_t& x, std::uint64_t& y, const ShoupOperand& w, const Modulus& modulus,
                         std::uint64_t two_q) noexcept {
  std::uint64_t u = x;
  u = u >= two_q ? u - two_q : u;                             // [0, 2q)
  const std::uint64_t v = mul_mod_shoup_lazy(y, w, modulus);  // [0, 2q)
  x = u + v;                                                  // [0, 4q)
  y = u + two_q - v;                                          // (0, 4q)
}

// Cooley-Tukey, natural-order input, bit-reversed output (SEAL's DWTHandler::transform_to_rev).
void forward_portable(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const Modulus modulus = t.modulus();  // a local copy: stores through `data` cannot alias it
  const std::uint64_t q = modulus.value();
  const std::uint64_t two_q = q << 1;
  const ShoupOperand* roots = t.forward_roots().data();

  std::size_t gap = n >> 1;
  std::size_t m = 1;
  // Stages with gap >= 4, inner loop unrolled by four.
  for (; gap >= 4; m <<= 1, gap >>= 1) {
    std::uint64_t* block = data;
    for (std::size_t i = 0; i < m; ++i, block += gap << 1) {
      const ShoupOperand w = roots[m + i];
      std::uint64_t* x = block;
      std::uint64_t* y = block + gap;
      for (std::size_t j = 0; j < gap; j += 4) {
        ct_butterfly(x[j], y[j], w, modulus, two_q);
        ct_butterfly(x[j + 1], y[j + 1], w, modulus, two_q);
        ct_butterfly(x[j + 2], y[j + 2], w, modulus, two_q);
        ct_butterfly(x[j + 3], y[j + 3], w, modulus, two_q);
      }
    }
  }
  if (gap == 2) {  // n >= 4: the gap-2 and gap-1 stages fused per group of four words
    for (std::size_t i = 0; i < m; ++i, data += 4) {
      ct_butterfly(data[0], data[2], roots[m + i], modulus, two_q);
      ct_butterfly(data[1], data[3], roots[m + i], modulus, two_q);
      const ShoupOperand& w0 = roots[2 * (m + i)];
      const ShoupOperand& w1 = roots[2 * (m + i) + 1];
      ct_butterfly(data[0], data[1], w0, modulus, two_q);
      ct_butterfly(data[2], data[3], w1, modulus, two_q);
      for (std::size_t k = 0; k < 4; ++k) data[k] = sub_if_geq(sub_if_geq(data[k], two_q), q);
    }
    return;
  }
  // n == 2: a single butterfly.
  ct_butterfly(data[0], data[1], roots[1], modulus, two_q);
  data[0] = sub_if_geq(sub_if_geq(data[0], two_q), q);
  data[1] = sub_if_geq(sub_if_geq(data[1], two_q), q);
}

// One lazy Gentleman-Sande butterfly: x, y < 2q in, x, y < 2q out.
inline void gs_butterfly(std::uint64_t& x, std::uint64_t& y, const ShoupOperand& w, const Modulus& modulus,
                         std::uint64_t two_q) noexcept {
  const std::uint64_t u = x;
  const std::uint64_t v = y;
  const std::uint64_t s = u + v;                      // [0, 4q)
  x = s >= two_q ? s - two_q : s;                     // [0, 2q)
  y = mul_mod_shoup_lazy(u + two_q - v, w, modulus);  // [0, 2q)
}

// Gentleman-Sande, bit-reversed input, natural-order output, N^-1 folded into the last stage
// (SEAL's DWTHandler::transform_from_rev with the inv_degree scalar). Stage with m blocks uses
// inverse roots n-2m+1 .. n-m in block order (SEAL consumes them in storage order 1 .. n-1).
void inverse_portable(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const Modulus modulus = t.modulus();  // a local copy: stores through `data` cannot alias it
  const std::uint64_t q = modulus.value();
  const std::uint64_t two_q = q << 1;
  const ShoupOperand* roots = t.inverse_roots().data();

  std::size_t gap = 1;
  std::size_t m = n >> 1;
  if (n >= 8) {  // the gap-1 and gap-2 stages fused per group of four words (neither is the last)
    const ShoupOperand* r1 = roots + 1;             // stage m = n/2
    const ShoupOperand* r2 = roots + (n >> 1) + 1;  // stage m = n/4
    std::uint64_t* p = data;
    for (std::size_t i = 0; i < (n >> 2); ++i, p += 4) {
      gs_butterfly(p[0], p[1], r1[2 * i], modulus, two_q);
      gs_butterfly(p[2], p[3], r1[2 * i + 1], modulus, two_q);
      gs_butterfly(p[0], p[2], r2[i], modulus, two_q);
      gs_butterfly(p[1], p[3], r2[i], modulus, two_q);
    }
    gap = 4;
    m = n >> 3;
  }
  // Remaining stages but the last; inner loop unrolled by four (gap >= 4 unless n <= 4).
  for (; m > 1; m >>= 1, gap <<= 1) {
    const ShoupOperand* r = roots + (n - 2 * m + 1);
    std::uint64_t* block = data;
    for (std::size_t i = 0; i < m; ++i, block += gap << 1) {
      const ShoupOperand w = r[i];
      std::uint64_t* x = block;
      std::uint64_t* y = block + gap;
      if (gap < 4) {
        for (std::size_t j = 0; j < gap; ++j) gs_butterfly(x[j], y[j], w, modulus, two_q);
        continue;
      }
      for (std::size_t j = 0; j < gap; j += 4) {
        gs_butterfly(x[j], y[j], w, modulus, two_q);
        gs_butterfly(x[j + 1], y[j + 1], w, modulus, two_q);
        gs_butterfly(x[j + 2], y[j + 2], w, modulus, two_q);
        gs_butterfly(x[j + 3], y[j + 3], w, modulus, two_q);
      }
    }
  }
  // Last stage (one block of gap n/2): x <- (u+v)/N, y <- (u-v)*w/N, fully reduced.
  const ShoupOperand inv_n = t.inv_degree();
  const ShoupOperand w_scaled = t.inv_degree_last_root();
  std::uint64_t* x = data;
  std::uint64_t* y = data + gap;
  for (std::size_t j = 0; j < gap; ++j) {
    const std::uint64_t u = x[j];
    const std::uint64_t v = y[j];
    std::uint64_t s = u + v;
    s = sub_if_geq(s, two_q);
    const std::uint64_t a = mul_mod_shoup_lazy(s, inv_n, modulus);
    const std::uint64_t b = mul_mod_shoup_lazy(u + two_q - v, w_scaled, modulus);
    x[j] = sub_if_geq(a, q);
    y[j] = sub_if_geq(b, q);
  }
}

}  // namespace

std::optional<std::uint64_t> minimal_primitive_root(std::uint64_t degree_2n, const Modulus& q) noexcept {
  const std::uint64_t p = q.value();
  if (degree_2n < 2 || p < 3 || (p - 1) % degree_2n != 0) return std::nullopt;
  const std::uint64_t cofactor = (p - 1) / degree_2n;
  const std::uint64_t half = degree_2n >> 1;
  // For prime p, g^((p-1)/2N) is a primitive 2N-th root iff its N-th power is -1, i.e. iff g is a
  // quadratic non-residue; the least one is tiny, so a bounded deterministic scan suffices.
  std::uint64_t root = 0;
  constexpr std::uint64_t kScanLimit = std::uint64_t{1} << 16;
  for (std::uint64_t g = 2; g < p && g < kScanLimit; ++g) {
    const std::uint64_t x = pow_mod(g, cofactor, q);
    if (pow_mod(x, half, q) == p - 1) {
      root = x;
      break;
    }
  }
  if (root == 0) return std::nullopt;
  // The primitive 2N-th roots are exactly the odd powers of any one of them; take the smallest.
  const std::uint64_t root_sq = mul_mod(root, root, q);
  std::uint64_t best = root;
  std::uint64_t cur = root;
  for (std::uint64_t i = 1; i < half; ++i) {
    cur = mul_mod(cur, root_sq, q);
    if (cur < best) best = cur;
  }
  return best;
}

std::string_view to_string(NttBackend backend) noexcept {
  switch (backend) {
    case NttBackend::automatic:
      return "automatic";
    case NttBackend::portable:
      return "portable";
    case NttBackend::avx512_ifma:
      return "avx512_ifma";
    case NttBackend::avx512:
      return "avx512";
  }
  return "unknown";
}

bool ntt_backend_available(NttBackend backend, int log_n, const Modulus& q) noexcept {
  switch (backend) {
    case NttBackend::automatic:
    case NttBackend::portable:
      return true;
    case NttBackend::avx512_ifma:
      return log_n >= ntt_simd::kMinLogN && q.value() < ntt_simd::kIfmaModulusBound && ntt_simd::cpu_has_avx512_ifma();
    case NttBackend::avx512:
      return log_n >= ntt_simd::kMinLogN && ntt_simd::cpu_has_avx512();
  }
  return false;
}

NttBackend ntt_automatic_backend(int log_n, const Modulus& q) noexcept {
  const char* force = std::getenv("EI_FORCE_PORTABLE");  // NOLINT(concurrency-mt-unsafe): read-only use
  if (force != nullptr && std::strcmp(force, "1") == 0) return NttBackend::portable;
  // IFMA is the fastest where it applies; the 64-bit AVX-512 path beats portable at every size
  // (bench: BM_ntt_forward_limb).
  for (const NttBackend b : {NttBackend::avx512_ifma, NttBackend::avx512}) {
    if (ntt_backend_available(b, log_n, q)) return b;
  }
  return NttBackend::portable;
}

Result<NttTables> NttTables::create(int log_n, const Modulus& q, NttBackend backend) {
  if (log_n < kMinLogN || log_n > kMaxLogN) {
    return Status(Code::INVALID_PARAMETERS, "NTT log_n " + std::to_string(log_n) + " is outside [1, 17]");
  }
  if (q.value() < 2 || !is_prime(q.value())) {
    return Status(Code::INVALID_PARAMETERS, "NTT modulus " + std::to_string(q.value()) + " is not prime");
  }
  const std::size_t n = std::size_t{1} << log_n;
  const auto psi = minimal_primitive_root(2 * static_cast<std::uint64_t>(n), q);
  if (!psi) {
    return Status(Code::INVALID_PARAMETERS, "modulus " + std::to_string(q.value()) + " has no primitive " +
                                                std::to_string(2 * n) + "-th root of unity (it is not 1 mod 2N)");
  }
  if (backend == NttBackend::automatic) backend = ntt_automatic_backend(log_n, q);
  if (!ntt_backend_available(backend, log_n, q) || backend == NttBackend::automatic) {
    return Status(Code::INVALID_ARGUMENT, "NTT backend " + std::string(to_string(backend)) +
                                              " is not available for N = " + std::to_string(n) +
                                              ", q = " + std::to_string(q.value()) + " on this CPU");
  }
  NttTables t;
  t.n_ = n;
  t.log_n_ = log_n;
  t.modulus_ = q;
  t.root_ = *psi;
  t.backend_ = backend;
  switch (backend) {
    case NttBackend::avx512_ifma:
      t.forward_fn_ = &ntt_simd::forward_avx512_ifma;
      t.inverse_fn_ = &ntt_simd::inverse_avx512_ifma;
      break;
    case NttBackend::avx512:
      t.forward_fn_ = &ntt_simd::forward_avx512;
      t.inverse_fn_ = &ntt_simd::inverse_avx512;
      break;
    default:
      t.forward_fn_ = &forward_portable;
      t.inverse_fn_ = &inverse_portable;
      break;
  }

  const auto inv_psi = inv_mod(*psi, q);
  const auto inv_n = inv_mod(static_cast<std::uint64_t>(n), q);
  if (!inv_psi || !inv_n) return Status(Code::INTERNAL, "NTT root or degree not invertible");

  t.fwd_roots_.resize(n);
  t.inv_roots_.resize(n);
  t.fwd_roots_[0] = make_shoup(1, q);
  t.inv_roots_[0] = make_shoup(1, q);
  std::uint64_t power = *psi;
  std::uint64_t inv_power = *inv_psi;
  for (std::size_t i = 1; i < n; ++i) {
    t.fwd_roots_[reverse_bits(i, log_n)] = make_shoup(power, q);
    t.inv_roots_[reverse_bits(i - 1, log_n) + 1] = make_shoup(inv_power, q);
    power = mul_mod(power, *psi, q);
    inv_power = mul_mod(inv_power, *inv_psi, q);
  }
  t.inv_degree_ = make_shoup(*inv_n, q);
  t.inv_degree_last_root_ = make_shoup(mul_mod(t.inv_roots_[n - 1].operand, *inv_n, q), q);

  if (backend == NttBackend::avx512_ifma || backend == NttBackend::avx512) {
    // Structure of arrays for vector loads (layout in ntt_simd.h), quotients in the backend's radix.
    const bool radix52 = backend == NttBackend::avx512_ifma;
    const std::uint64_t qv = q.value();
    const auto quotient = [&](const ShoupOperand& s) {
      return radix52 ? ntt_simd::shoup52_quotient(s.operand, qv) : s.quotient;
    };
    t.simd_tables_.assign(ntt_simd::simd_table_words(n), 0);
    std::uint64_t* tab = t.simd_tables_.data();
    tab[0] = t.inv_degree_.operand;
    tab[1] = quotient(t.inv_degree_);
    tab[2] = t.inv_degree_last_root_.operand;
    tab[3] = quotient(t.inv_degree_last_root_);
    // Entry k of each array holds root src(k): SEAL's order, with the gap-1 stage's roots permuted
    // in groups of eight ([n/2, n) forward, [1, n/2 + 1) inverse).
    const auto permuted = [](std::size_t k, std::size_t first, std::size_t count) {
      if (k < first || k >= first + count) return k;
      const std::size_t group = (k - first) & ~std::size_t{7};
      return first + group + ntt_simd::kGap1LaneOrder[(k - first) & 7];
    };
    for (std::size_t k = 0; k < n; ++k) {
      const ShoupOperand& f = t.fwd_roots_[permuted(k, n / 2, n / 2)];
      const ShoupOperand& v = t.inv_roots_[permuted(k, 1, n / 2)];
      tab[ntt_simd::fwd_operand_offset(n) + k] = f.operand;
      tab[ntt_simd::fwd_quotient_offset(n) + k] = quotient(f);
      tab[ntt_simd::inv_operand_offset(n) + k] = v.operand;
      tab[ntt_simd::inv_quotient_offset(n) + k] = quotient(v);
    }
  }
  return t;
}

}  // namespace ei::math
