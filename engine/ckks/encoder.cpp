// SEAL 4.1.2's CKKSEncoder (ckks.h, ckks.cpp, util/croots.cpp, util/dwthandler.h), rewritten for
// speed without changing a single output bit. See seal-compat.md §8 for the algorithm.
//
// What may and may not change relative to SEAL:
// - Every floating-point value SEAL computes and keeps is computed here by the same IEEE
//   operations on the same operands: a + b, a − b, a·b, complex products as (ac − bd, ad + bc),
//   no FMA (the build sets -ffp-contract=off and no kernel uses fma intrinsics). Addition and
//   multiplication are commutative in IEEE 754, so operand order inside one operation is free.
// - Butterflies may run in any order (vectorized across a stage), since each output's chain of
//   operations is unchanged. Values SEAL computes and then discards (imaginary parts after the
//   encode transform) are not computed.
// - Integer steps only need the same exact result: residue_j = round_half_away(x) mod q_j, and
//   the composed X in [0, Q). Any exact method is fine.
#include "engine/ckks/encoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "engine/limits.h"
#include "engine/math/modulus.h"
#include "engine/math/ntt.h"
#include "engine/math/rns.h"

namespace ei::ckks {

// ---------------------------------------------------------------------------------------------
// SIMD kernels. Written once over GCC/Clang vector extensions (exact per-lane IEEE operations) and
// instantiated for 2 lanes (baseline), 4 (AVX2) and 8 (AVX-512F/DQ) doubles. Helpers are
// always-inline and pass vectors by reference, so no vector crosses a call boundary compiled for
// a different ISA.
// ---------------------------------------------------------------------------------------------
namespace detail {
struct EncoderKernels {
  // SEAL's transform_from_rev with scalar `fix` (encode). Only the real parts of the final
  // output are written (to re); im is clobbered.
  void (*inverse_dwt)(double* re, double* im, int log_n, const double* root_re,
                      const double* root_im, double fix);
  // SEAL's transform_to_rev without scalar (decode).
  void (*forward_dwt)(double* re, double* im, int log_n, const double* root_re,
                      const double* root_im);
  // max |x_i| into *max_abs; false if any x_i is not finite.
  bool (*max_abs)(const double* x, std::size_t n, double* max_abs);
  // t_i = round_half_away(x_i). REQUIRES |x_i| < 2^62.
  void (*round)(const double* x, std::size_t n, std::int64_t* t);
  // out_i = t_i mod q. REQUIRES |t_i| < q.
  void (*residues)(const std::int64_t* t, std::size_t n, std::uint64_t q, std::uint64_t* out);
  // dst = src; false if some src_i ≥ q. REQUIRES q < 2^63.
  bool (*copy_below)(const std::uint64_t* src, std::size_t n, std::uint64_t q, std::uint64_t* dst);
  // SEAL's decode conversion of n composed coefficients (L words each, coefficient-major) to
  // doubles: re_i = (X_i ≥ thr ? X_i − Q : X_i) word by word with weights s_j, im_i = 0.
  void (*to_double)(const std::uint64_t* x, std::size_t n, std::size_t limbs,
                    const std::uint64_t* q, const std::uint64_t* thr, const double* weight,
                    double* re, double* im);
};
}  // namespace detail

namespace {

using detail::EncoderKernels;

#define EI_CKKS_INLINE inline __attribute__((always_inline))

template <std::size_t W>
struct Vec;
template <>
struct Vec<2> {
  typedef double D __attribute__((vector_size(16)));
  typedef std::int64_t I __attribute__((vector_size(16)));
  typedef std::uint64_t U __attribute__((vector_size(16)));
};
template <>
struct Vec<4> {
  typedef double D __attribute__((vector_size(32)));
  typedef std::int64_t I __attribute__((vector_size(32)));
  typedef std::uint64_t U __attribute__((vector_size(32)));
};
template <>
struct Vec<8> {
  typedef double D __attribute__((vector_size(64)));
  typedef std::int64_t I __attribute__((vector_size(64)));
  typedef std::uint64_t U __attribute__((vector_size(64)));
};

template <class V, class T>
EI_CKKS_INLINE void vload(V& v, const T* p) {
  std::memcpy(&v, p, sizeof v);
}
template <class V, class T>
EI_CKKS_INLINE void vstore(T* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}
// All lanes = x. (x − (+0.0) is x for every x, −0.0 and NaN included, so this is a broadcast.)
template <class D, std::size_t... Is>
EI_CKKS_INLINE void splat(D& v, double x, std::index_sequence<Is...>) {
  const D zero{};
  v = x - zero;
}
// Lane l takes r[l / (2G)]: the root of the size-2G block that lane l belongs to. One load of
// max(W/2, 2) roots and one permute; may read up to that many roots past the last one used (the
// root tables are padded for that).
template <std::size_t G, class D, std::size_t... Is>
EI_CKKS_INLINE void expand_roots(D& v, const double* r, std::index_sequence<Is...> seq) {
  static_cast<void>(seq);
  typename Vec<(sizeof...(Is) >= 4 ? sizeof...(Is) / 2 : 2)>::D h;
  vload(h, r);
  v = __builtin_shufflevector(h, h, static_cast<int>(Is / (2 * G))...);
}
// Lane l takes lane l ^ G: each lane's butterfly partner at gap G.
template <std::size_t G, class D, std::size_t... Is>
EI_CKKS_INLINE void partner(D& out, const D& v, std::index_sequence<Is...>) {
  out = __builtin_shufflevector(v, v, static_cast<int>(Is ^ G)...);
}
// Lanes in the lower half of their block ("x" lanes) from a, upper-half ("y") lanes from b.
template <std::size_t G, class D, std::size_t... Is>
EI_CKKS_INLINE void select_xy(D& out, const D& a, const D& b, std::index_sequence<Is...>) {
  out = __builtin_shufflevector(a, b, static_cast<int>((Is & G) ? sizeof...(Is) + Is : Is)...);
}

// Stage layout shared by both transforms. The stage at gap g splits the N values into blocks of
// 2g values; block b pairs x = value 2gb + j with y = value 2gb + g + j (j < g) under one root.
// SEAL consumes roots in order, so block b of the stage at gap g uses
//   inverse (transform_from_rev, g = 1, 2, …, N/2):  inv_root_powers[1 + N − N/g + b],
//   forward (transform_to_rev,   g = N/2, …, 2, 1):  root_powers[N/(2g) + b].
// Butterflies on different values are independent, and each value's chain of operations is fixed
// by the stage order alone. So the kernels may (and do) run two stages per pass over memory
// (radix 4), all gaps below the vector width in registers, and the stages whose blocks fit in L1
// one cache block at a time. None of this changes a value.
constexpr std::size_t kCacheBlock = 1024;  // values per cache block: 16 KiB of re + im
constexpr std::size_t kRootPadding = 8;    // root-table padding for expand_roots: ≥ widest vector

inline std::size_t inverse_root_base(std::size_t n, std::size_t gap) { return 1 + n - n / gap; }
inline std::size_t forward_root_base(std::size_t n, std::size_t gap) { return n / (2 * gap); }

// Complex helpers on (re, im) vector pairs. c = a·w as (ar·wr − ai·wi, ar·wi + ai·wr).
template <class D>
EI_CKKS_INLINE void cmul(D& cr, D& ci, const D& ar, const D& ai, const D& wr, const D& wi) {
  cr = ar * wr - ai * wi;
  ci = ar * wi + ai * wr;
}

// In-register inverse butterflies at gap G < W on the W values starting at p: x ← u + v,
// y ← (u − v)·r, computed on all lanes with the partner permutation, then blended.
// rr/ri point at the stage's first root.
template <std::size_t W, std::size_t G, class D>
EI_CKKS_INLINE void inverse_in_register(D& xr, D& xi, std::size_t p, const double* rr,
                                        const double* ri) {
  constexpr auto kSeq = std::make_index_sequence<W>{};
  D pr, pi, wr, wi, yr, yi;
  partner<G>(pr, xr, kSeq);
  partner<G>(pi, xi, kSeq);
  expand_roots<G>(wr, rr + p / (2 * G), kSeq);
  expand_roots<G>(wi, ri + p / (2 * G), kSeq);
  const D sr = xr + pr;  // x lanes: u + v
  const D si = xi + pi;
  const D dr = pr - xr;  // y lanes: u − v (u is the partner)
  const D di = pi - xi;
  cmul(yr, yi, dr, di, wr, wi);
  select_xy<G>(xr, sr, yr, kSeq);
  select_xy<G>(xi, si, yi, kSeq);
}

// In-register forward butterflies at gap G < W: v = y·r, x ← u + v, y ← u − v.
template <std::size_t W, std::size_t G, class D>
EI_CKKS_INLINE void forward_in_register(D& xr, D& xi, std::size_t p, const double* rr,
                                        const double* ri) {
  constexpr auto kSeq = std::make_index_sequence<W>{};
  D wr, wi, tr, ti, ptr, pti, pxr, pxi;
  expand_roots<G>(wr, rr + p / (2 * G), kSeq);
  expand_roots<G>(wi, ri + p / (2 * G), kSeq);
  cmul(tr, ti, xr, xi, wr, wi);  // y lanes: v = y·r
  partner<G>(ptr, tr, kSeq);
  partner<G>(pti, ti, kSeq);
  partner<G>(pxr, xr, kSeq);
  partner<G>(pxi, xi, kSeq);
  const D ar = xr + ptr;  // x lanes: u + v
  const D ai = xi + pti;
  const D br = pxr - tr;  // y lanes: u − v (u is the partner)
  const D bi = pxi - ti;
  select_xy<G>(xr, ar, br, kSeq);
  select_xy<G>(xi, ai, bi, kSeq);
}

// Inverse stages at gaps 1, 2, …, W/2 over values [begin, end), one pass.
template <std::size_t W>
EI_CKKS_INLINE void inverse_small_stages(double* re, double* im, std::size_t begin,
                                         std::size_t end, std::size_t n, const double* rr,
                                         const double* ri) {
  using D = typename Vec<W>::D;
  const std::size_t r1 = inverse_root_base(n, 1);
  const std::size_t r2 = inverse_root_base(n, 2);
  const std::size_t r4 = inverse_root_base(n, 4);
  for (std::size_t p = begin; p < end; p += W) {
    D xr, xi;
    vload(xr, re + p);
    vload(xi, im + p);
    inverse_in_register<W, 1>(xr, xi, p, rr + r1, ri + r1);
    if constexpr (W >= 4) inverse_in_register<W, 2>(xr, xi, p, rr + r2, ri + r2);
    if constexpr (W >= 8) inverse_in_register<W, 4>(xr, xi, p, rr + r4, ri + r4);
    vstore(re + p, xr);
    vstore(im + p, xi);
  }
}

// Forward stages at gaps W/2, …, 2, 1 over values [begin, end), one pass.
template <std::size_t W>
EI_CKKS_INLINE void forward_small_stages(double* re, double* im, std::size_t begin,
                                         std::size_t end, std::size_t n, const double* rr,
                                         const double* ri) {
  using D = typename Vec<W>::D;
  const std::size_t r1 = forward_root_base(n, 1);
  const std::size_t r2 = forward_root_base(n, 2);
  const std::size_t r4 = forward_root_base(n, 4);
  for (std::size_t p = begin; p < end; p += W) {
    D xr, xi;
    vload(xr, re + p);
    vload(xi, im + p);
    if constexpr (W >= 8) forward_in_register<W, 4>(xr, xi, p, rr + r4, ri + r4);
    if constexpr (W >= 4) forward_in_register<W, 2>(xr, xi, p, rr + r2, ri + r2);
    forward_in_register<W, 1>(xr, xi, p, rr + r1, ri + r1);
    vstore(re + p, xr);
    vstore(im + p, xi);
  }
}

// One inverse stage at gap ≥ W over values [begin, end) (multiples of 2·gap).
template <std::size_t W>
EI_CKKS_INLINE void inverse_stage(double* re, double* im, std::size_t begin, std::size_t end,
                                  std::size_t gap, const double* rr, const double* ri) {
  using D = typename Vec<W>::D;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  for (std::size_t off = begin, b = begin / (2 * gap); off < end; off += 2 * gap, ++b) {
    D wr, wi;
    splat(wr, rr[b], kSeq);
    splat(wi, ri[b], kSeq);
    double* xr = re + off;
    double* xi = im + off;
    double* yr = xr + gap;
    double* yi = xi + gap;
    for (std::size_t j = 0; j < gap; j += W) {
      D ur, ui, vr, vi, tr, ti;
      vload(ur, xr + j);
      vload(ui, xi + j);
      vload(vr, yr + j);
      vload(vi, yi + j);
      cmul(tr, ti, ur - vr, ui - vi, wr, wi);
      vstore(xr + j, ur + vr);
      vstore(xi + j, ui + vi);
      vstore(yr + j, tr);
      vstore(yi + j, ti);
    }
  }
}

// Inverse stages at gaps g and 2g (g ≥ W) in one pass over values [begin, end) (multiples of
// 4g). rr_g/ri_g and rr_2g/ri_2g point at the two stages' first roots.
template <std::size_t W>
EI_CKKS_INLINE void inverse_stage_pair(double* re, double* im, std::size_t begin,
                                       std::size_t end, std::size_t g, const double* rr_g,
                                       const double* ri_g, const double* rr_2g,
                                       const double* ri_2g) {
  using D = typename Vec<W>::D;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  for (std::size_t off = begin, b = begin / (4 * g); off < end; off += 4 * g, ++b) {
    D war, wai, wbr, wbi, wcr, wci;
    splat(war, rr_g[2 * b], kSeq);
    splat(wai, ri_g[2 * b], kSeq);
    splat(wbr, rr_g[2 * b + 1], kSeq);
    splat(wbi, ri_g[2 * b + 1], kSeq);
    splat(wcr, rr_2g[b], kSeq);
    splat(wci, ri_2g[b], kSeq);
    double* r0 = re + off;
    double* i0 = im + off;
    for (std::size_t j = 0; j < g; j += W) {
      D a0r, a0i, a1r, a1i, a2r, a2i, a3r, a3i;
      vload(a0r, r0 + j);
      vload(a0i, i0 + j);
      vload(a1r, r0 + g + j);
      vload(a1i, i0 + g + j);
      vload(a2r, r0 + 2 * g + j);
      vload(a2i, i0 + 2 * g + j);
      vload(a3r, r0 + 3 * g + j);
      vload(a3i, i0 + 3 * g + j);
      // Stage g: blocks (a0, a1) with root A and (a2, a3) with root B.
      D t1r, t1i, t3r, t3i;
      const D s0r = a0r + a1r;
      const D s0i = a0i + a1i;
      cmul(t1r, t1i, a0r - a1r, a0i - a1i, war, wai);
      const D s2r = a2r + a3r;
      const D s2i = a2i + a3i;
      cmul(t3r, t3i, a2r - a3r, a2i - a3i, wbr, wbi);
      // Stage 2g: pairs (s0, s2) and (t1, t3) with root C.
      D o2r, o2i, o3r, o3i;
      cmul(o2r, o2i, s0r - s2r, s0i - s2i, wcr, wci);
      cmul(o3r, o3i, t1r - t3r, t1i - t3i, wcr, wci);
      vstore(r0 + j, s0r + s2r);
      vstore(i0 + j, s0i + s2i);
      vstore(r0 + g + j, t1r + t3r);
      vstore(i0 + g + j, t1i + t3i);
      vstore(r0 + 2 * g + j, o2r);
      vstore(i0 + 2 * g + j, o2i);
      vstore(r0 + 3 * g + j, o3r);
      vstore(i0 + 3 * g + j, o3i);
    }
  }
}

// Inverse stages at gaps lo, 2·lo, …, hi (lo ≥ W) over [begin, end), two per pass.
template <std::size_t W>
EI_CKKS_INLINE void inverse_stages(double* re, double* im, std::size_t begin, std::size_t end,
                                   std::size_t lo, std::size_t hi, std::size_t n,
                                   const double* rr, const double* ri) {
  std::size_t g = lo;
  for (; 2 * g <= hi; g <<= 2) {
    const std::size_t a = inverse_root_base(n, g);
    const std::size_t c = inverse_root_base(n, 2 * g);
    inverse_stage_pair<W>(re, im, begin, end, g, rr + a, ri + a, rr + c, ri + c);
  }
  if (g <= hi) {
    const std::size_t a = inverse_root_base(n, g);
    inverse_stage<W>(re, im, begin, end, g, rr + a, ri + a);
  }
}

template <std::size_t W>
EI_CKKS_INLINE void inverse_dwt_impl(double* re, double* im, int log_n, const double* rr,
                                     const double* ri, double fix) {
  using D = typename Vec<W>::D;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  const std::size_t n = std::size_t{1} << log_n;
  const std::size_t block = std::min(kCacheBlock, n / 2);  // n ≥ 1024: block ≥ 4W
  // Gaps 1 … block/2, one cache block at a time; then block … N/4 over everything.
  for (std::size_t b0 = 0; b0 < n; b0 += block) {
    inverse_small_stages<W>(re, im, b0, b0 + block, n, rr, ri);
    inverse_stages<W>(re, im, b0, b0 + block, W, block / 2, n, rr, ri);
  }
  inverse_stages<W>(re, im, 0, n, block, n / 4, n, rr, ri);
  // Final stage (gap N/2, root N − 1): x ← (u + v)·fix, y ← (u − v)·(r·fix); real parts only.
  const std::size_t half = n / 2;
  D f, swr, swi;
  splat(f, fix, kSeq);
  splat(swr, rr[n - 1] * fix, kSeq);
  splat(swi, ri[n - 1] * fix, kSeq);
  double* yr = re + half;
  double* yi = im + half;
  for (std::size_t j = 0; j < half; j += W) {
    D ur, ui, vr, vi;
    vload(ur, re + j);
    vload(ui, im + j);
    vload(vr, yr + j);
    vload(vi, yi + j);
    const D dr = ur - vr;
    const D di = ui - vi;
    vstore(re + j, (ur + vr) * f);
    vstore(yr + j, dr * swr - di * swi);
  }
}

// One forward stage at gap ≥ W over values [begin, end) (multiples of 2·gap).
template <std::size_t W>
EI_CKKS_INLINE void forward_stage(double* re, double* im, std::size_t begin, std::size_t end,
                                  std::size_t gap, const double* rr, const double* ri) {
  using D = typename Vec<W>::D;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  for (std::size_t off = begin, b = begin / (2 * gap); off < end; off += 2 * gap, ++b) {
    D wr, wi;
    splat(wr, rr[b], kSeq);
    splat(wi, ri[b], kSeq);
    double* xr = re + off;
    double* xi = im + off;
    double* yr = xr + gap;
    double* yi = xi + gap;
    for (std::size_t j = 0; j < gap; j += W) {
      D ur, ui, ar, ai, vr, vi;
      vload(ur, xr + j);
      vload(ui, xi + j);
      vload(ar, yr + j);
      vload(ai, yi + j);
      cmul(vr, vi, ar, ai, wr, wi);
      vstore(xr + j, ur + vr);
      vstore(xi + j, ui + vi);
      vstore(yr + j, ur - vr);
      vstore(yi + j, ui - vi);
    }
  }
}

// Forward stages at gaps g and g/2 (g/2 ≥ W) in one pass over values [begin, end) (multiples of
// 2g). rr_g/ri_g and rr_h/ri_h point at the two stages' first roots.
template <std::size_t W>
EI_CKKS_INLINE void forward_stage_pair(double* re, double* im, std::size_t begin,
                                       std::size_t end, std::size_t g, const double* rr_g,
                                       const double* ri_g, const double* rr_h,
                                       const double* ri_h) {
  using D = typename Vec<W>::D;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  const std::size_t h = g / 2;
  for (std::size_t off = begin, b = begin / (2 * g); off < end; off += 2 * g, ++b) {
    D war, wai, wbr, wbi, wcr, wci;
    splat(war, rr_g[b], kSeq);
    splat(wai, ri_g[b], kSeq);
    splat(wbr, rr_h[2 * b], kSeq);
    splat(wbi, ri_h[2 * b], kSeq);
    splat(wcr, rr_h[2 * b + 1], kSeq);
    splat(wci, ri_h[2 * b + 1], kSeq);
    double* r0 = re + off;
    double* i0 = im + off;
    for (std::size_t j = 0; j < h; j += W) {
      D a0r, a0i, a1r, a1i, a2r, a2i, a3r, a3i;
      vload(a0r, r0 + j);
      vload(a0i, i0 + j);
      vload(a1r, r0 + h + j);
      vload(a1i, i0 + h + j);
      vload(a2r, r0 + g + j);
      vload(a2i, i0 + g + j);
      vload(a3r, r0 + g + h + j);
      vload(a3i, i0 + g + h + j);
      // Stage g: pairs (a0, a2) and (a1, a3) with root A.
      D vr, vi;
      cmul(vr, vi, a2r, a2i, war, wai);
      const D x0r = a0r + vr;
      const D x0i = a0i + vi;
      const D x2r = a0r - vr;
      const D x2i = a0i - vi;
      cmul(vr, vi, a3r, a3i, war, wai);
      const D x1r = a1r + vr;
      const D x1i = a1i + vi;
      const D x3r = a1r - vr;
      const D x3i = a1i - vi;
      // Stage g/2: blocks (x0, x1) with root B and (x2, x3) with root C.
      cmul(vr, vi, x1r, x1i, wbr, wbi);
      vstore(r0 + j, x0r + vr);
      vstore(i0 + j, x0i + vi);
      vstore(r0 + h + j, x0r - vr);
      vstore(i0 + h + j, x0i - vi);
      cmul(vr, vi, x3r, x3i, wcr, wci);
      vstore(r0 + g + j, x2r + vr);
      vstore(i0 + g + j, x2i + vi);
      vstore(r0 + g + h + j, x2r - vr);
      vstore(i0 + g + h + j, x2i - vi);
    }
  }
}

// Forward stages at gaps hi, hi/2, …, lo (lo ≥ W) over [begin, end), two per pass.
template <std::size_t W>
EI_CKKS_INLINE void forward_stages(double* re, double* im, std::size_t begin, std::size_t end,
                                   std::size_t hi, std::size_t lo, std::size_t n,
                                   const double* rr, const double* ri) {
  std::size_t g = hi;
  for (; g / 2 >= lo && g >= 2; g >>= 2) {
    const std::size_t a = forward_root_base(n, g);
    const std::size_t c = forward_root_base(n, g / 2);
    forward_stage_pair<W>(re, im, begin, end, g, rr + a, ri + a, rr + c, ri + c);
  }
  if (g >= lo && g != 0) {
    const std::size_t a = forward_root_base(n, g);
    forward_stage<W>(re, im, begin, end, g, rr + a, ri + a);
  }
}

template <std::size_t W>
EI_CKKS_INLINE void forward_dwt_impl(double* re, double* im, int log_n, const double* rr,
                                     const double* ri) {
  const std::size_t n = std::size_t{1} << log_n;
  const std::size_t block = std::min(kCacheBlock, n);
  // Gaps N/2 … block over everything; then block/2 … 1, one cache block at a time.
  if (n / 2 >= block) forward_stages<W>(re, im, 0, n, n / 2, block, n, rr, ri);
  for (std::size_t b0 = 0; b0 < n; b0 += block) {
    forward_stages<W>(re, im, b0, b0 + block, block / 2, W, n, rr, ri);
    forward_small_stages<W>(re, im, b0, b0 + block, n, rr, ri);
  }
}

template <std::size_t W>
EI_CKKS_INLINE bool max_abs_impl(const double* x, std::size_t n, double* max_abs) {
  using D = typename Vec<W>::D;
  D vmax{};
  D nan_acc{};  // x − x is 0 for finite x and NaN for ±inf or NaN
  const D zero{};
  for (std::size_t i = 0; i < n; i += W) {
    D v;
    vload(v, x + i);
    const D a = v < zero ? -v : v;
    vmax = a > vmax ? a : vmax;
    nan_acc += v - v;
  }
  double m = 0;
  bool finite = true;
  for (std::size_t l = 0; l < W; ++l) {
    m = vmax[l] > m ? vmax[l] : m;
    finite = finite && nan_acc[l] == 0.0;
  }
  *max_abs = m;
  return finite;
}

template <std::size_t W>
EI_CKKS_INLINE void round_impl(const double* x, std::size_t n, std::int64_t* t) {
  using D = typename Vec<W>::D;
  using I = typename Vec<W>::I;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  D half, neg_half;
  splat(half, 0.5, kSeq);
  splat(neg_half, -0.5, kSeq);
  for (std::size_t i = 0; i < n; i += W) {
    D v;
    vload(v, x + i);
    I c = __builtin_convertvector(v, I);  // truncation; exact for |v| < 2^63
    // Exact: for |v| < 2^52 the fraction is representable, above it v is an integer.
    const D frac = v - __builtin_convertvector(c, D);
    c = c - (frac >= half) + (frac <= neg_half);  // comparisons are 0 / −1
    vstore(t + i, c);
  }
}

template <std::size_t W>
EI_CKKS_INLINE void residues_impl(const std::int64_t* t, std::size_t n, std::uint64_t q,
                                  std::uint64_t* out) {
  using I = typename Vec<W>::I;
  const I zero{};
  const I qv = zero + static_cast<std::int64_t>(q);
  for (std::size_t i = 0; i < n; i += W) {
    I c;
    vload(c, t + i);
    c = c + ((c < zero) & qv);  // c < 0 ⇒ q − |c|, in [1, q); c ≥ 0 ⇒ c
    vstore(out + i, c);
  }
}

template <std::size_t W>
EI_CKKS_INLINE bool copy_below_impl(const std::uint64_t* src, std::size_t n, std::uint64_t q,
                                    std::uint64_t* dst) {
  using U = typename Vec<W>::U;
  const U zero{};
  const U qv = zero + q;
  U bad{};
  for (std::size_t i = 0; i < n; i += W) {
    U v;
    vload(v, src + i);
    vstore(dst + i, v);
    // With q < 2^63: v < q ⇔ the top bit of v − q (mod 2^64) is set and that of v is clear.
    bad |= ~(v - qv) | v;
  }
  std::uint64_t any = 0;
  for (std::size_t l = 0; l < W; ++l) any |= bad[l];
  return (any >> 63) == 0;
}

template <class To, class From>
EI_CKKS_INLINE void vbits(To& t, const From& f) {
  static_assert(sizeof(To) == sizeof(From));
  std::memcpy(&t, &f, sizeof t);
}

// Word j of W consecutive coefficients (stride `limbs`).
template <class U, std::size_t... Is>
EI_CKKS_INLINE void gather_word(U& v, const std::uint64_t* x, std::size_t limbs,
                                std::index_sequence<Is...>) {
  v = U{x[Is * limbs]...};
}

// SEAL's per-coefficient loop (ckks.h decode_internal), W coefficients at a time, branch-free:
//   X ≥ thr, w_j > Q_j:  acc += (w_j − Q_j)·s_j
//   X ≥ thr, w_j ≤ Q_j:  acc −= (Q_j − w_j)·s_j    (as acc + (−t): the same IEEE operation)
//   X < thr:             acc += w_j·s_j
// A zero difference adds ±0.0, which leaves acc unchanged (acc is never −0.0) exactly like SEAL's
// skipped term, and never forms 0·inf when s_j overflows. u64 → double is the correctly rounded
// conversion, built from two exact 32-bit halves (hi·2^32 is exact, the sum rounds once).
template <std::size_t W>
EI_CKKS_INLINE void to_double_impl(const std::uint64_t* x, std::size_t n, std::size_t limbs,
                                   const std::uint64_t* q, const std::uint64_t* thr,
                                   const double* weight, double* re, double* im) {
  using D = typename Vec<W>::D;
  using U = typename Vec<W>::U;
  constexpr auto kSeq = std::make_index_sequence<W>{};
  const U zero{};
  const U ones = ~zero;
  const U sign = zero + (std::uint64_t{1} << 63);
  const U low32 = zero + std::uint64_t{0xFFFFFFFF};
  const U magic = zero + std::uint64_t{0x4330000000000000};  // the bits of 2^52
  D two52, two32;
  splat(two52, 4503599627370496.0, kSeq);
  splat(two32, 4294967296.0, kSeq);
  const D dzero{};
  for (std::size_t i = 0; i < n; i += W) {
    const std::uint64_t* block = x + i * limbs;
    // X ≥ thr. The top words almost always decide; only when some lane's top word equals the
    // threshold's, compare all words (from the lowest up: ge = (w > t) | ((w == t) & ge)).
    U top;
    gather_word(top, block + limbs - 1, limbs, kSeq);
    const U t_top = zero + thr[limbs - 1];
    U neg = __builtin_convertvector(top > t_top, U);
    const U tie = __builtin_convertvector(top == t_top, U);
    std::uint64_t any_tie = 0;
    for (std::size_t l = 0; l < W; ++l) any_tie |= tie[l];
    if (any_tie != 0) {
      neg = ones;
      for (std::size_t j = 0; j < limbs; ++j) {
        U w;
        gather_word(w, block + j, limbs, kSeq);
        const U t = zero + thr[j];
        neg = __builtin_convertvector(w > t, U) | (__builtin_convertvector(w == t, U) & neg);
      }
    }
    D acc = dzero;
    for (std::size_t j = 0; j < limbs; ++j) {
      U w;
      gather_word(w, block + j, limbs, kSeq);
      const U qj = zero + q[j];
      const U above = __builtin_convertvector(w > qj, U);
      const U diff = ((w - qj) & above) | ((qj - w) & ~above);
      const U mag = (diff & neg) | (w & ~neg);
      D hi, lo, s, term;
      vbits(hi, (mag >> 32) | magic);
      vbits(lo, (mag & low32) | magic);
      hi -= two52;  // exact: the high and low halves as doubles
      lo -= two52;
      splat(s, weight[j], kSeq);
      const D t = (hi * two32 + lo) * s;
      U tbits;
      vbits(tbits, t);
      const U keep = __builtin_convertvector(mag != zero, U);
      const U flip = neg & ~above & sign;
      vbits(term, (tbits & keep) ^ flip);
      acc += term;
    }
    vstore(re + i, acc);
    vstore(im + i, dzero);
  }
}

// Baseline: 2 lanes (SSE2 on x86-64; whatever the target offers elsewhere).
void inverse_dwt_v2(double* re, double* im, int log_n, const double* rr, const double* ri,
                    double fix) {
  inverse_dwt_impl<2>(re, im, log_n, rr, ri, fix);
}
void forward_dwt_v2(double* re, double* im, int log_n, const double* rr, const double* ri) {
  forward_dwt_impl<2>(re, im, log_n, rr, ri);
}
bool max_abs_v2(const double* x, std::size_t n, double* m) { return max_abs_impl<2>(x, n, m); }
void round_v2(const double* x, std::size_t n, std::int64_t* t) { round_impl<2>(x, n, t); }
void residues_v2(const std::int64_t* t, std::size_t n, std::uint64_t q, std::uint64_t* out) {
  residues_impl<2>(t, n, q, out);
}
bool copy_below_v2(const std::uint64_t* src, std::size_t n, std::uint64_t q, std::uint64_t* dst) {
  return copy_below_impl<2>(src, n, q, dst);
}
void to_double_v2(const std::uint64_t* x, std::size_t n, std::size_t limbs, const std::uint64_t* q,
                  const std::uint64_t* thr, const double* weight, double* re, double* im) {
  to_double_impl<2>(x, n, limbs, q, thr, weight, re, im);
}
constexpr EncoderKernels kKernelsGeneric{inverse_dwt_v2, forward_dwt_v2, max_abs_v2, round_v2,
                                         residues_v2,    copy_below_v2,  to_double_v2};

#if defined(__x86_64__)
#define EI_CKKS_HAVE_X86_KERNELS 1
// AVX2 only, not "fma": contraction is off anyway, and no kernel may fuse.
#define EI_CKKS_AVX2 __attribute__((target("avx2")))
#define EI_CKKS_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl")))

EI_CKKS_AVX2 void inverse_dwt_v4(double* re, double* im, int log_n, const double* rr,
                                 const double* ri, double fix) {
  inverse_dwt_impl<4>(re, im, log_n, rr, ri, fix);
}
EI_CKKS_AVX2 void forward_dwt_v4(double* re, double* im, int log_n, const double* rr,
                                 const double* ri) {
  forward_dwt_impl<4>(re, im, log_n, rr, ri);
}
EI_CKKS_AVX2 bool max_abs_v4(const double* x, std::size_t n, double* m) {
  return max_abs_impl<4>(x, n, m);
}
EI_CKKS_AVX2 void round_v4(const double* x, std::size_t n, std::int64_t* t) {
  round_impl<4>(x, n, t);
}
EI_CKKS_AVX2 void residues_v4(const std::int64_t* t, std::size_t n, std::uint64_t q,
                              std::uint64_t* out) {
  residues_impl<4>(t, n, q, out);
}
EI_CKKS_AVX2 bool copy_below_v4(const std::uint64_t* src, std::size_t n, std::uint64_t q,
                                std::uint64_t* dst) {
  return copy_below_impl<4>(src, n, q, dst);
}
EI_CKKS_AVX2 void to_double_v4(const std::uint64_t* x, std::size_t n, std::size_t limbs,
                               const std::uint64_t* q, const std::uint64_t* thr,
                               const double* weight, double* re, double* im) {
  to_double_impl<4>(x, n, limbs, q, thr, weight, re, im);
}
constexpr EncoderKernels kKernelsAvx2{inverse_dwt_v4, forward_dwt_v4, max_abs_v4, round_v4,
                                      residues_v4,    copy_below_v4,  to_double_v4};

EI_CKKS_AVX512 void inverse_dwt_v8(double* re, double* im, int log_n, const double* rr,
                                   const double* ri, double fix) {
  inverse_dwt_impl<8>(re, im, log_n, rr, ri, fix);
}
EI_CKKS_AVX512 void forward_dwt_v8(double* re, double* im, int log_n, const double* rr,
                                   const double* ri) {
  forward_dwt_impl<8>(re, im, log_n, rr, ri);
}
EI_CKKS_AVX512 bool max_abs_v8(const double* x, std::size_t n, double* m) {
  return max_abs_impl<8>(x, n, m);
}
EI_CKKS_AVX512 void round_v8(const double* x, std::size_t n, std::int64_t* t) {
  round_impl<8>(x, n, t);
}
EI_CKKS_AVX512 void residues_v8(const std::int64_t* t, std::size_t n, std::uint64_t q,
                                std::uint64_t* out) {
  residues_impl<8>(t, n, q, out);
}
EI_CKKS_AVX512 bool copy_below_v8(const std::uint64_t* src, std::size_t n, std::uint64_t q,
                                  std::uint64_t* dst) {
  return copy_below_impl<8>(src, n, q, dst);
}
EI_CKKS_AVX512 void to_double_v8(const std::uint64_t* x, std::size_t n, std::size_t limbs,
                                 const std::uint64_t* q, const std::uint64_t* thr,
                                 const double* weight, double* re, double* im) {
  to_double_impl<8>(x, n, limbs, q, thr, weight, re, im);
}
constexpr EncoderKernels kKernelsAvx512{inverse_dwt_v8, forward_dwt_v8, max_abs_v8, round_v8,
                                        residues_v8,    copy_below_v8,  to_double_v8};
#endif

const EncoderKernels* select_kernels(SimdLevel want, SimdLevel* got) {
#if defined(EI_CKKS_HAVE_X86_KERNELS)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2");
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vl");
  if ((want == SimdLevel::kAuto || want == SimdLevel::kAvx512) && avx512) {
    *got = SimdLevel::kAvx512;
    return &kKernelsAvx512;
  }
  if (want != SimdLevel::kGeneric && avx2) {
    *got = SimdLevel::kAvx2;
    return &kKernelsAvx2;
  }
#else
  static_cast<void>(want);
#endif
  *got = SimdLevel::kGeneric;
  return &kKernelsGeneric;
}

// ---------------------------------------------------------------------------------------------
// Scalar helpers.
// ---------------------------------------------------------------------------------------------

constexpr double kPi = 3.1415926535897932384626433832795028842;  // SEAL's ComplexRoots::PI_
constexpr double kTwoPow64 = 18446744073709551616.0;
constexpr double kTwoPow62 = 4611686018427387904.0;

std::uint64_t reverse_bits(std::uint64_t x, int bits) {
  std::uint64_t r = 0;
  for (int i = 0; i < bits; ++i, x >>= 1) r = (r << 1) | (x & 1);
  return r;
}

// SEAL's ComplexRoots: e^{2πik/m} from a table of the first m/8 + 1 powers (libm cos/sin of
// ((2·PI)·i)/m), extended to all k by exact symmetries.
class ComplexRoots {
 public:
  explicit ComplexRoots(std::size_t m) : m_(m), re_(m / 8 + 1), im_(m / 8 + 1) {
    for (std::size_t i = 0; i <= m / 8; ++i) {
      const double angle = 2 * kPi * static_cast<double>(i) / static_cast<double>(m);
      re_[i] = std::cos(angle);  // std::polar(1.0, angle) = (1.0·cos, 1.0·sin), and 1.0·x = x
      im_[i] = std::sin(angle);
    }
  }

  void get(std::size_t k, double& re, double& im) const {
    k &= m_ - 1;
    if (k <= m_ / 8) {
      re = re_[k];
      im = im_[k];
    } else if (k <= m_ / 4) {  // mirror: swap the parts
      re = im_[m_ / 4 - k];
      im = re_[m_ / 4 - k];
    } else if (k <= m_ / 2) {  // −conj(root(m/2 − k))
      get(m_ / 2 - k, re, im);
      re = -re;
    } else if (k <= 3 * m_ / 4) {  // −root(k − m/2)
      get(k - m_ / 2, re, im);
      re = -re;
      im = -im;
    } else {  // conj(root(m − k))
      get(m_ - k, re, im);
      im = -im;
    }
  }

 private:
  std::size_t m_;
  std::vector<double> re_, im_;
};

// SEAL's transform_to_rev on std::complex, as written. std::complex's operator* follows C99
// Annex G for infinite operands (the compiler calls __muldc3 when the plain product is NaN+NaN·i),
// which the vector kernels do not reproduce. decode uses this only when a value may overflow.
void forward_dwt_std_complex(double* re, double* im, int log_n, const double* rr,
                             const double* ri) {
  const std::size_t n = std::size_t{1} << log_n;
  std::vector<std::complex<double>> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::complex<double>(re[i], im[i]);
  std::size_t idx = 0;
  std::size_t gap = n >> 1;
  std::size_t m = 1;
  for (; m < (n >> 1); m <<= 1, gap >>= 1) {
    for (std::size_t i = 0, off = 0; i < m; ++i, off += 2 * gap) {
      ++idx;
      const std::complex<double> r(rr[idx], ri[idx]);
      for (std::size_t j = off; j < off + gap; ++j) {
        const std::complex<double> u = v[j];
        const std::complex<double> w = v[j + gap] * r;
        v[j] = u + w;
        v[j + gap] = u - w;
      }
    }
  }
  for (std::size_t i = 0; i < m; ++i) {
    ++idx;
    const std::complex<double> r(rr[idx], ri[idx]);
    const std::complex<double> u = v[2 * i];
    const std::complex<double> w = v[2 * i + 1] * r;
    v[2 * i] = u + w;
    v[2 * i + 1] = u - w;
  }
  for (std::size_t i = 0; i < n; ++i) {
    re[i] = v[i].real();
    im[i] = v[i].imag();
  }
}

// Per-thread scratch, grown on demand and reused (never shared between threads).
struct Scratch {
  std::vector<double> re, im;
  std::vector<std::int64_t> ints;
  std::vector<std::uint64_t> words_a, words_b;
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

// SEAL: scale > 0 and int(log2(scale)) + extra_bits < total bits; we also reject non-finite
// scales (SEAL's int cast of log2(inf/NaN) is undefined).
Status check_scale(double scale, int extra_bits, int total_bits) {
  if (!std::isfinite(scale) || scale <= 0 ||
      static_cast<int>(std::log2(scale)) + extra_bits >= total_bits) {
    return {Code::INVALID_SCALE, "scale " + std::to_string(scale) +
                                     " is not finite and positive or too large for a level of " +
                                     std::to_string(total_bits) + " modulus bits"};
  }
  return Status::Ok();
}

Status parms_id_unknown(const rlwe::ParmsId& id) {
  return {Code::PARMS_ID_UNKNOWN,
          "parms_id " + rlwe::parms_id_hex(id) + " is not in the context's modulus chain"};
}

// A non-negative integral double split exactly into 64-bit words, as SEAL splits it (repeated
// fmod and division by 2^64, both exact for integral values), then reduced mod any q.
class WideInt {
 public:
  // REQUIRES: a integral, 0 ≤ a < 2^(64·max_words), max_words ≤ kMaxCoeffModulusCount.
  WideInt(double a, std::size_t max_words) {
    if (a < kTwoPow64) {
      words_[0] = static_cast<std::uint64_t>(a);
      count_ = 1;
      return;
    }
    while (a >= 1 && count_ < max_words) {
      words_[count_++] = static_cast<std::uint64_t>(std::fmod(a, kTwoPow64));
      a /= kTwoPow64;
    }
  }

  [[nodiscard]] std::uint64_t mod(const math::Modulus& q) const {
    if (count_ == 1) return math::reduce(words_[0], q);
    if (count_ == 2) return math::reduce128(words_[1], words_[0], q);
    return math::reduce_multiword(std::span<const std::uint64_t>(words_.data(), count_), q);
  }

 private:
  std::array<std::uint64_t, limits::kMaxCoeffModulusCount> words_;  // first count_ are set
  std::size_t count_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction.
// ---------------------------------------------------------------------------------------------

Encoder::Encoder(rlwe::ContextPtr context, SimdLevel simd) : context_(std::move(context)) {
  EI_DCHECK(context_ != nullptr);
  const rlwe::ContextData& key = context_->key_context_data();
  n_ = key.poly_modulus_degree();
  log_n_ = key.log_n();
  slots_ = n_ >> 1;
  const std::uint64_t m = static_cast<std::uint64_t>(n_) << 1;

  // Slot k ↔ ζ^(3^k mod m) at bit-reversed position (pos−1)/2; its conjugate at (m−pos−1)/2.
  index_map_.resize(n_);
  std::uint64_t pos = 1;
  for (std::size_t i = 0; i < slots_; ++i) {
    index_map_[i] = static_cast<std::uint32_t>(reverse_bits((pos - 1) >> 1, log_n_));
    index_map_[slots_ + i] = static_cast<std::uint32_t>(reverse_bits((m - pos - 1) >> 1, log_n_));
    pos = (pos * 3) & (m - 1);
  }

  // root_powers[i] = root(bitrev(i)), inv_root_powers[i] = conj(root(bitrev(i − 1) + 1)).
  const ComplexRoots roots(static_cast<std::size_t>(m));
  // Padded: expand_roots may read a few entries past the last root a stage uses.
  root_re_.assign(n_ + kRootPadding, 0.0);
  root_im_.assign(n_ + kRootPadding, 0.0);
  inv_root_re_.assign(n_ + kRootPadding, 0.0);
  inv_root_im_.assign(n_ + kRootPadding, 0.0);
  for (std::size_t i = 1; i < n_; ++i) {
    roots.get(static_cast<std::size_t>(reverse_bits(i, log_n_)), root_re_[i], root_im_[i]);
    double re = 0;
    double im = 0;
    roots.get(static_cast<std::size_t>(reverse_bits(i - 1, log_n_) + 1), re, im);
    inv_root_re_[i] = re;
    inv_root_im_[i] = -im;
  }

  // (Q + 1) >> 1 per level.
  upper_half_threshold_.resize(context_->level_count());
  for (std::size_t l = 0; l < context_->level_count(); ++l) {
    const rlwe::ContextData& cd = context_->level(l);
    const std::span<const std::uint64_t> q = cd.rns_base().base_prod();
    std::vector<std::uint64_t> thr(q.begin(), q.end());
    for (auto& w : thr) {  // + 1 (Q < 2^(60L): no carry out of the top word)
      if (++w != 0) break;
    }
    for (std::size_t w = 0; w < thr.size(); ++w) {
      thr[w] = (thr[w] >> 1) | (w + 1 < thr.size() ? thr[w + 1] << 63 : 0);
    }
    if (cd.chain_index() >= upper_half_threshold_.size()) {
      upper_half_threshold_.resize(cd.chain_index() + 1);
    }
    upper_half_threshold_[cd.chain_index()] = std::move(thr);
  }

  kernels_ = select_kernels(simd, &simd_);
}

// ---------------------------------------------------------------------------------------------
// Encode.
// ---------------------------------------------------------------------------------------------

Status Encoder::encode(std::span<const double> values, const rlwe::ParmsId& parms_id,
                       double scale, rlwe::Plaintext& out) const {
  return encode_vector(values, parms_id, scale, out);
}

Status Encoder::encode(std::span<const std::complex<double>> values,
                       const rlwe::ParmsId& parms_id, double scale, rlwe::Plaintext& out) const {
  return encode_vector(values, parms_id, scale, out);
}

template <typename T>
Status Encoder::encode_vector(std::span<const T> values, const rlwe::ParmsId& parms_id,
                              double scale, rlwe::Plaintext& out) const {
  const rlwe::ContextData* cd = context_->get_context_data(parms_id);
  if (cd == nullptr) return parms_id_unknown(parms_id);
  if (values.size() > slots_) {
    return {Code::INVALID_ARGUMENT, "cannot encode " + std::to_string(values.size()) +
                                        " values into " + std::to_string(slots_) + " slots"};
  }
  const int total_bits = cd->total_coeff_modulus_bit_count();
  EI_RETURN_IF_ERROR(check_scale(scale, 1, total_bits));

  const std::size_t n = n_;
  Scratch& s = thread_scratch();
  double* re = grow(s.re, n);
  double* im = grow(s.im, n);
  if (values.size() < slots_) {  // the index map is a permutation: a full vector sets every value
    std::fill_n(re, n, 0.0);
    std::fill_n(im, n, 0.0);
  }
  const std::uint32_t* map = index_map_.data();
  for (std::size_t i = 0; i < values.size(); ++i) {
    double zr;
    double zi;
    if constexpr (std::is_same_v<T, double>) {
      zr = values[i];
      zi = 0.0;
    } else {
      zr = values[i].real();
      zi = values[i].imag();
    }
    if (!std::isfinite(zr) || !std::isfinite(zi)) {
      return {Code::ENCODE_OVERFLOW, "value " + std::to_string(i) + " is not finite"};
    }
    re[map[i]] = zr;
    im[map[i]] = zi;
    re[map[slots_ + i]] = zr;
    im[map[slots_ + i]] = -zi;  // conj; a real value's conjugate has imaginary part −0.0
  }

  kernels_->inverse_dwt(re, im, log_n_, inv_root_re_.data(), inv_root_im_.data(),
                        scale / static_cast<double>(n));

  double max_coeff = 0;
  if (!kernels_->max_abs(re, n, &max_coeff)) {
    return {Code::ENCODE_OVERFLOW, "encoded values are not finite (values times scale overflow)"};
  }
  // SEAL: one extra bit for the sign; no logarithm of values below 1.
  const int max_bits = static_cast<int>(std::ceil(std::log2(std::max(max_coeff, 1.0)))) + 1;
  if (max_bits >= total_bits) {
    return {Code::ENCODE_OVERFLOW, "encoded values are too large: they need " +
                                       std::to_string(max_bits) + " bits, the level has " +
                                       std::to_string(total_bits)};
  }

  // From here on nothing fails.
  const std::size_t limbs = cd->coeff_modulus_size();
  const std::span<const math::Modulus> moduli = cd->coeff_modulus();
  out.parms_id = parms_id;
  out.coeff_count = static_cast<std::uint64_t>(n * limbs);
  out.scale = scale;
  out.data.resize(n * limbs);
  std::uint64_t* dst = out.data.data();

  if (max_coeff < kTwoPow62) {
    // Fast path: one exact rounding to int64, then per limb either a select (|c| < q) or one
    // reduction per coefficient.
    std::int64_t* c = grow(s.ints, n);
    kernels_->round(re, n, c);
    const auto max_c = static_cast<std::uint64_t>(std::round(max_coeff));  // ≥ every |c_i|
    for (std::size_t j = 0; j < limbs; ++j) {
      std::uint64_t* limb = dst + j * n;
      const math::Modulus& q = moduli[j];
      if (max_c < q.value()) {
        kernels_->residues(c, n, q.value(), limb);
      } else {
        for (std::size_t i = 0; i < n; ++i) {
          const std::int64_t v = c[i];
          limb[i] = v >= 0 ? math::reduce(static_cast<std::uint64_t>(v), q)
                           : math::negate_mod(math::reduce(static_cast<std::uint64_t>(-v), q), q);
        }
      }
      cd->ntt(j).forward(limb);
    }
    return Status::Ok();
  }

  // Wide coefficients (≥ 2^62): SEAL's round, sign and exact split into words, per coefficient.
  // (max_bits < total bits ≤ 60·L, so every |c| fits in L words.)
  for (std::size_t i = 0; i < n; ++i) {
    const double c = std::round(re[i]);
    const bool negative = std::signbit(c);
    const WideInt a(std::fabs(c), limbs);
    for (std::size_t j = 0; j < limbs; ++j) {
      const std::uint64_t r = a.mod(moduli[j]);
      dst[j * n + i] = negative ? math::negate_mod(r, moduli[j]) : r;
    }
  }
  for (std::size_t j = 0; j < limbs; ++j) cd->ntt(j).forward(dst + j * n);
  return Status::Ok();
}

Status Encoder::encode(double value, const rlwe::ParmsId& parms_id, double scale,
                       rlwe::Plaintext& out) const {
  const rlwe::ContextData* cd = context_->get_context_data(parms_id);
  if (cd == nullptr) return parms_id_unknown(parms_id);
  const int total_bits = cd->total_coeff_modulus_bit_count();
  EI_RETURN_IF_ERROR(check_scale(scale, 0, total_bits));
  const double v = value * scale;
  if (!std::isfinite(v)) {
    return {Code::ENCODE_OVERFLOW, "value times scale is not finite"};
  }
  // SEAL: int(log2|v|) + 2 bits. For v = 0 SEAL's int(−inf) is undefined (INT_MIN on x86-64, so
  // the check passes); zero always fits.
  if (v != 0.0 && static_cast<int>(std::log2(std::fabs(v))) + 2 >= total_bits) {
    return {Code::ENCODE_OVERFLOW, "encoded value is too large for a level of " +
                                       std::to_string(total_bits) + " modulus bits"};
  }

  const std::size_t n = n_;
  const std::size_t limbs = cd->coeff_modulus_size();
  const std::span<const math::Modulus> moduli = cd->coeff_modulus();
  out.parms_id = parms_id;
  out.coeff_count = static_cast<std::uint64_t>(n * limbs);
  out.scale = scale;
  out.data.resize(n * limbs);

  const double c = std::round(v);
  const bool negative = std::signbit(c);  // −0.0 counts as negative and yields 0
  const WideInt a(std::fabs(c), limbs);   // |c| < 2^(total bits − 2) fits in L words
  for (std::size_t j = 0; j < limbs; ++j) {
    std::uint64_t r = a.mod(moduli[j]);
    if (negative) r = math::negate_mod(r, moduli[j]);
    std::fill_n(out.data.data() + j * n, n, r);  // the NTT of a constant is that constant
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Decode.
// ---------------------------------------------------------------------------------------------

Status Encoder::decode_to_scratch(const rlwe::Plaintext& plain, const double*& re_out,
                                  const double*& im_out) const {
  if (!plain.is_ntt_form()) {
    return {Code::NOT_NTT_FORM, "a CKKS plaintext must be in NTT form (parms_id is zero)"};
  }
  const rlwe::ContextData* cd = context_->get_context_data(plain.parms_id);
  if (cd == nullptr) return parms_id_unknown(plain.parms_id);
  if (cd->chain_index() > context_->first_context_data().chain_index()) {
    return {Code::LEVEL_NOT_ALLOWED, "a plaintext may not be at the key level"};
  }
  const std::size_t n = n_;
  const std::size_t limbs = cd->coeff_modulus_size();
  if (plain.coeff_count != static_cast<std::uint64_t>(n * limbs)) {
    return {Code::SIZE_MISMATCH, "coeff_count " + std::to_string(plain.coeff_count) +
                                     " is not N·L = " + std::to_string(n * limbs)};
  }
  if (plain.data.size() != plain.coeff_count) {
    return {Code::SIZE_MISMATCH, "plaintext holds " + std::to_string(plain.data.size()) +
                                     " words, coeff_count is " +
                                     std::to_string(plain.coeff_count)};
  }
  // Copy into scratch, checking every word against its modulus on the way (SEAL's is_valid_for),
  // then the scale (SEAL's decode check, after is_valid_for).
  Scratch& s = thread_scratch();
  std::uint64_t* a = grow(s.words_a, n * limbs);
  const std::span<const math::Modulus> moduli = cd->coeff_modulus();
  for (std::size_t j = 0; j < limbs; ++j) {
    if (!kernels_->copy_below(plain.data.data() + j * n, n, moduli[j].value(), a + j * n)) {
      return {Code::COEFF_OUT_OF_RANGE,
              "a coefficient of limb " + std::to_string(j) + " is not below its modulus"};
    }
  }
  EI_RETURN_IF_ERROR(check_scale(plain.scale, 0, cd->total_coeff_modulus_bit_count()));
  for (std::size_t j = 0; j < limbs; ++j) cd->ntt(j).inverse(a + j * n);
  const std::uint64_t* x = a;
  if (limbs > 1) {
    std::uint64_t* b = grow(s.words_b, n * limbs);
    cd->rns_base().compose_array(a, n, b);  // coefficient-major, each X in [0, Q)
    x = b;
  }

  // SEAL's word-wise signed difference against Q, accumulated from word 0 upward, word j weighted
  // by s_j = (1/scale)·2^(64j) (computed by repeated multiplication, as SEAL), no borrow.
  std::array<double, limits::kMaxCoeffModulusCount> weight{};
  weight[0] = 1.0 / plain.scale;
  for (std::size_t j = 1; j < limbs; ++j) weight[j] = weight[j - 1] * kTwoPow64;
  double* re = grow(s.re, n);
  double* im = grow(s.im, n);
  kernels_->to_double(x, n, limbs, cd->rns_base().base_prod().data(),
                      upper_half_threshold_[cd->chain_index()].data(), weight.data(), re, im);

  // The vector transform is exact for values that cannot overflow: each stage at most doubles a
  // magnitude (|root| = 1), so inputs ≤ DBL_MAX/(4N) stay finite and no NaN or infinity arises.
  // Beyond that (a tiny scale), SEAL's std::complex semantics for infinities are reproduced by
  // the scalar path.
  double max_in = 0;
  const bool finite = kernels_->max_abs(re, n, &max_in);
  if (finite && max_in <= std::numeric_limits<double>::max() / (4.0 * static_cast<double>(n))) {
    kernels_->forward_dwt(re, im, log_n_, root_re_.data(), root_im_.data());
  } else {
    forward_dwt_std_complex(re, im, log_n_, root_re_.data(), root_im_.data());
  }
  re_out = re;
  im_out = im;
  return Status::Ok();
}

Status Encoder::decode(const rlwe::Plaintext& plain, std::vector<double>& out) const {
  const double* re = nullptr;
  const double* im = nullptr;
  EI_RETURN_IF_ERROR(decode_to_scratch(plain, re, im));
  out.resize(slots_);
  for (std::size_t k = 0; k < slots_; ++k) out[k] = re[index_map_[k]];
  return Status::Ok();
}

Status Encoder::decode(const rlwe::Plaintext& plain,
                       std::vector<std::complex<double>>& out) const {
  const double* re = nullptr;
  const double* im = nullptr;
  EI_RETURN_IF_ERROR(decode_to_scratch(plain, re, im));
  out.resize(slots_);
  for (std::size_t k = 0; k < slots_; ++k) {
    const std::uint32_t p = index_map_[k];
    out[k] = std::complex<double>(re[p], im[p]);
  }
  return Status::Ok();
}

}  // namespace ei::ckks
