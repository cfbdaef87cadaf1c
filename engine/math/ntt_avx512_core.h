// Internal: the AVX-512 negacyclic NTT kernels shared by ntt_avx512_ifma.cpp (52-bit IFMA lanes)
// and ntt_avx512.cpp (64-bit lanes). Only those two files include this header, each after defining
// EI_NTT_SIMD_TARGET (its function target attribute). Everything here has internal linkage, so
// each translation unit compiles its own copy for its own target; the build never sets -m flags.
//
// The kernels are templates over an arithmetic policy `A` that the including file defines:
//   A::Consts             broadcast constants, at least .q and .bound (B, below)
//   A::Root               one broadcast or per-lane multiplicand with its Shoup quotient
//   A::consts(q)          -> Consts
//   A::root(w, wq)        -> Root from operand and quotient vectors (the table's radix)
//   A::mul_lazy(x, r, c)  -> x * r.w mod q in [0, B), for every x < 2B
//   A::reduce(x, c)       -> x mod q for x < B
// B is 2q for IFMA (52-bit lanes, q < 2^50) and 4q for 64-bit lanes (q < 2^61: 8q < 2^64), where
// mul_lazy skips its last conditional subtraction.
//
// Structure (same stage order and roots as the portable path, so the outputs are identical):
//   forward  one radix-2 stage if the count of stages with gap >= 8 is odd, then radix-4 passes
//            (two stages per load/store) down to gap 8, then the gap-4/2/1 stages fused on 16-word
//            chunks with in-register shuffles, the last one folding the reduction to [0, q); once a
//            block fits kBlockWords, all its remaining stages run before the next block's;
//   inverse  the mirror image: gap-1/2/4 fused per 16-word chunk, radix-2/radix-4 up to gap N/4,
//            then the gap-N/2 stage with N^-1 folded in and the output fully reduced.
// Value ranges are Harvey's with B for 2q: forward in [0, 2B), inverse in [0, B), mul_lazy out in
// [0, B). Inputs below q (or below 4q forward, 2q inverse, as NttTables documents) are in range.
//
// Thread-safety: pure functions of their arguments. Allocation: none.
#pragma once

// GCC 12's AVX-512 intrinsics (vpmuludq, shifts, min) pass an undefined pass-through register that
// -W(maybe-)uninitialized flags after inlining (GCC PR 105593, fixed in 12.3). The warning is issued
// at the intrinsic's header line, so it is silenced for the header as parsed here; this header must
// therefore be the first to include <immintrin.h> in its translation unit.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "engine/math/ntt.h"
#include "engine/math/ntt_simd.h"

#ifndef EI_NTT_SIMD_TARGET
#error "define EI_NTT_SIMD_TARGET before including ntt_avx512_core.h"
#endif

#define EI_NTT_INLINE EI_NTT_SIMD_TARGET __attribute__((always_inline)) inline

namespace ei::math::ntt_simd {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): one private copy per target

using Vec = __m512i;

EI_NTT_INLINE Vec load(const std::uint64_t* p) {
  return _mm512_loadu_si512(p);
}
EI_NTT_INLINE void store(std::uint64_t* p, Vec v) {
  _mm512_storeu_si512(p, v);
}
EI_NTT_INLINE Vec set1(std::uint64_t x) {
  return _mm512_set1_epi64(static_cast<long long>(x));
}
EI_NTT_INLINE Vec add(Vec a, Vec b) {
  return _mm512_add_epi64(a, b);
}
EI_NTT_INLINE Vec sub(Vec a, Vec b) {
  return _mm512_sub_epi64(a, b);
}
// a mod b for a < 2b: a - b wraps above a when a < b, so the unsigned minimum picks the answer.
EI_NTT_INLINE Vec sub_if_geq(Vec a, Vec b) {
  return _mm512_min_epu64(a, sub(a, b));
}
// Lane-index vectors for the permutes (setr order: lane 0 first).
EI_NTT_INLINE Vec lanes(int l0, int l1, int l2, int l3, int l4, int l5, int l6, int l7) {
  return _mm512_setr_epi64(l0, l1, l2, l3, l4, l5, l6, l7);
}
// Two (four) consecutive table words repeated over the register: (p0 p1 p0 p1 ...), (p0 p1 p2 p3 p0 ...).
EI_NTT_INLINE Vec broadcast2(const std::uint64_t* p) {
  return _mm512_broadcast_i64x2(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
EI_NTT_INLINE Vec broadcast4(const std::uint64_t* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Lazy Cooley-Tukey butterfly: x, y < 2B in and out.
template <class A>
EI_NTT_INLINE void ct(Vec& x, Vec& y, const typename A::Root& w, const typename A::Consts& c) {
  const Vec u = sub_if_geq(x, c.bound);  // [0, B)
  const Vec v = A::mul_lazy(y, w, c);    // [0, B)
  x = add(u, v);                         // [0, 2B)
  y = sub(add(u, c.bound), v);           // (0, 2B)
}

// Lazy Gentleman-Sande butterfly: x, y < B in and out.
template <class A>
EI_NTT_INLINE void gs(Vec& x, Vec& y, const typename A::Root& w, const typename A::Consts& c) {
  const Vec s = add(x, y);                // [0, 2B)
  const Vec d = sub(add(x, c.bound), y);  // (0, 2B)
  x = sub_if_geq(s, c.bound);             // [0, B)
  y = A::mul_lazy(d, w, c);               // [0, B)
}

template <class A>
EI_NTT_INLINE typename A::Root broadcast_root(const std::uint64_t* w, const std::uint64_t* wq, std::size_t k) {
  return A::root(set1(w[k]), set1(wq[k]));
}

// Depth-first block size in words (16 KiB): the blocked stages run with their block in L1.
inline constexpr std::size_t kBlockWords = 2048;

// ---- Forward ---------------------------------------------------------------------------------

// One stage with m blocks of gap g >= 8: block i pairs (p[j], p[j+g]) with root k = m + i.
template <class A>
EI_NTT_SIMD_TARGET void forward_radix2(std::uint64_t* data, std::size_t m, std::size_t g, const std::uint64_t* w,
                                       const std::uint64_t* wq, const typename A::Consts& c) noexcept {
  for (std::size_t i = 0; i < m; ++i) {
    const auto r = broadcast_root<A>(w, wq, m + i);
    std::uint64_t* x = data + 2 * g * i;
    std::uint64_t* y = x + g;
    for (std::size_t j = 0; j < g; j += 8) {
      Vec a = load(x + j);
      Vec b = load(y + j);
      ct<A>(a, b, r, c);
      store(x + j, a);
      store(y + j, b);
    }
  }
}

// Stages (m, g) and (2m, g/2) in one pass over blocks [i0, i1) of the first, g >= 16.
template <class A>
EI_NTT_SIMD_TARGET void forward_radix4(std::uint64_t* data, std::size_t m, std::size_t g, std::size_t i0,
                                       std::size_t i1, const std::uint64_t* w, const std::uint64_t* wq,
                                       const typename A::Consts& c) noexcept {
  const std::size_t h = g >> 1;
  for (std::size_t i = i0; i < i1; ++i) {
    const auto r1 = broadcast_root<A>(w, wq, m + i);
    const auto r2a = broadcast_root<A>(w, wq, 2 * (m + i));
    const auto r2b = broadcast_root<A>(w, wq, 2 * (m + i) + 1);
    std::uint64_t* p = data + 2 * g * i;
    for (std::size_t j = 0; j < h; j += 8) {
      Vec x0 = load(p + j);
      Vec x1 = load(p + h + j);
      Vec x2 = load(p + g + j);
      Vec x3 = load(p + g + h + j);
      ct<A>(x0, x2, r1, c);
      ct<A>(x1, x3, r1, c);
      ct<A>(x0, x1, r2a, c);
      ct<A>(x2, x3, r2b, c);
      store(p + j, x0);
      store(p + h + j, x1);
      store(p + g + j, x2);
      store(p + g + h + j, x3);
    }
  }
}

// The gap-4, gap-2 and gap-1 stages on chunks [k0, k1) of 16 words [a | b], output reduced to
// [0, q). Each stage's lane arrangement is chosen so its roots need no shuffle (A0..A7 = a,
// B0..B7 = b; roots of chunk k from the stages' tables):
//   gap 4: X = A0 B0 A1 B1 A2 B2 A3 B3, Y = A4 B4 ... A7 B7, roots (r0 r1)x4: 128-bit broadcast at n/8 + 2k;
//   gap 2: X = A0 A4 B0 B4 A1 A5 B1 B5, Y = A2 A6 B2 B6 A3 A7 B3 B7, roots (s0 s1 s2 s3)x2: 256-bit
//          broadcast at n/4 + 4k;
//   gap 1: X = A0 A4 B0 B4 A2 A6 B2 B6, Y = A1 A5 B1 B5 A3 A7 B3 B7, roots (t0 t2 t4 t6 t1 t3 t5 t7):
//          a plain load at n/2 + 8k, the table being stored in that order (kGap1LaneOrder);
// then both registers go back to natural order. Eight two-source shuffles per chunk in all.
template <class A>
EI_NTT_SIMD_TARGET void forward_last3(std::uint64_t* data, std::size_t n, std::size_t k0, std::size_t k1,
                                      const std::uint64_t* w, const std::uint64_t* wq,
                                      const typename A::Consts& c) noexcept {
  const Vec lo_mix = lanes(0, 8, 1, 9, 2, 10, 3, 11);
  const Vec hi_mix = lanes(4, 12, 5, 13, 6, 14, 7, 15);
  const Vec out_a = lanes(0, 8, 4, 12, 1, 9, 5, 13);
  const Vec out_b = lanes(2, 10, 6, 14, 3, 11, 7, 15);
  const std::uint64_t* w4 = w + n / 8;
  const std::uint64_t* q4 = wq + n / 8;
  const std::uint64_t* w2 = w + n / 4;
  const std::uint64_t* q2 = wq + n / 4;
  const std::uint64_t* w1 = w + n / 2;
  const std::uint64_t* q1 = wq + n / 2;
  for (std::size_t k = k0; k < k1; ++k) {
    std::uint64_t* p = data + 16 * k;
    const Vec a = load(p);
    const Vec b = load(p + 8);
    Vec x = _mm512_permutex2var_epi64(a, lo_mix, b);
    Vec y = _mm512_permutex2var_epi64(a, hi_mix, b);
    ct<A>(x, y, A::root(broadcast2(w4 + 2 * k), broadcast2(q4 + 2 * k)), c);
    Vec x2 = _mm512_permutex2var_epi64(x, lo_mix, y);
    Vec y2 = _mm512_permutex2var_epi64(x, hi_mix, y);
    ct<A>(x2, y2, A::root(broadcast4(w2 + 4 * k), broadcast4(q2 + 4 * k)), c);
    Vec x1 = _mm512_shuffle_i64x2(x2, y2, 0x44);  // x2.0 x2.1 y2.0 y2.1 (128-bit lanes)
    Vec y1 = _mm512_shuffle_i64x2(x2, y2, 0xEE);  // x2.2 x2.3 y2.2 y2.3
    ct<A>(x1, y1, A::root(load(w1 + 8 * k), load(q1 + 8 * k)), c);
    x1 = A::reduce(sub_if_geq(x1, c.bound), c);
    y1 = A::reduce(sub_if_geq(y1, c.bound), c);
    store(p, _mm512_permutex2var_epi64(x1, out_a, y1));
    store(p + 8, _mm512_permutex2var_epi64(x1, out_b, y1));
  }
}

// REQUIRES: t.log_n() >= kMinLogN and t.simd_tables() built for policy A.
template <class A>
EI_NTT_SIMD_TARGET void forward_core(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const auto c = A::consts(t.modulus().value());
  const std::uint64_t* tab = t.simd_tables().data();
  const std::uint64_t* w = tab + fwd_operand_offset(n);
  const std::uint64_t* wq = tab + fwd_quotient_offset(n);
  std::size_t m = 1;
  std::size_t g = n >> 1;
  if (((t.log_n() - 3) & 1) != 0) {  // an odd number of stages with gap >= 8
    forward_radix2<A>(data, m, g, w, wq, c);
    m <<= 1;
    g >>= 1;
  }
  // Passes over the whole array while a block does not fit the cache budget, then depth first: all
  // remaining stages of one kBlockWords block before the next (the block stays in L1).
  for (; g >= 16 && 2 * g > kBlockWords; m <<= 2, g >>= 2) forward_radix4<A>(data, m, g, 0, m, w, wq, c);
  const std::size_t block = n < kBlockWords ? n : kBlockWords;
  for (std::size_t b = 0; b < n / block; ++b) {
    std::size_t mb = m;
    for (std::size_t gb = g; gb >= 16; mb <<= 2, gb >>= 2) {
      const std::size_t per_block = block / (2 * gb);
      forward_radix4<A>(data, mb, gb, b * per_block, (b + 1) * per_block, w, wq, c);
    }
    forward_last3<A>(data, n, b * (block / 16), (b + 1) * (block / 16), w, wq, c);
  }
}

// ---- Inverse ---------------------------------------------------------------------------------

// The gap-1, gap-2 and gap-4 stages on chunks [k0, k1) of 16 words (none is the last stage:
// n >= 16), the mirror image of forward_last3. Inverse roots of the stage with m blocks start at
// n - 2m + 1:
//   gap 1: X = A0 A4 B0 B4 A2 A6 B2 B6, Y = A1 A5 B1 B5 A3 A7 B3 B7, roots (t0 t2 t4 t6 t1 t3 t5 t7):
//          a plain load at 1 + 8k (table in kGap1LaneOrder);
//   gap 2: X = A0 A4 B0 B4 A1 A5 B1 B5, Y = A2 A6 B2 B6 A3 A7 B3 B7, roots (s0 s1 s2 s3)x2 at n/2 + 1 + 4k;
//   gap 4: X = A0 B0 A1 B1 A2 B2 A3 B3, Y = A4 B4 ... A7 B7, roots (r0 r1)x4 at 3n/4 + 1 + 2k;
// then back to natural order.
template <class A>
EI_NTT_SIMD_TARGET void inverse_first3(std::uint64_t* data, std::size_t n, std::size_t k0, std::size_t k1,
                                       const std::uint64_t* w, const std::uint64_t* wq,
                                       const typename A::Consts& c) noexcept {
  const Vec in_x = lanes(0, 4, 8, 12, 2, 6, 10, 14);
  const Vec in_y = lanes(1, 5, 9, 13, 3, 7, 11, 15);
  const Vec even = lanes(0, 2, 4, 6, 8, 10, 12, 14);
  const Vec odd = lanes(1, 3, 5, 7, 9, 11, 13, 15);
  const std::uint64_t* w1 = w + 1;
  const std::uint64_t* q1 = wq + 1;
  const std::uint64_t* w2 = w + n / 2 + 1;
  const std::uint64_t* q2 = wq + n / 2 + 1;
  const std::uint64_t* w4 = w + 3 * n / 4 + 1;
  const std::uint64_t* q4 = wq + 3 * n / 4 + 1;
  for (std::size_t k = k0; k < k1; ++k) {
    std::uint64_t* p = data + 16 * k;
    const Vec a = load(p);
    const Vec b = load(p + 8);
    Vec x = _mm512_permutex2var_epi64(a, in_x, b);
    Vec y = _mm512_permutex2var_epi64(a, in_y, b);
    gs<A>(x, y, A::root(load(w1 + 8 * k), load(q1 + 8 * k)), c);
    Vec x2 = _mm512_shuffle_i64x2(x, y, 0x44);  // x.0 x.1 y.0 y.1 (128-bit lanes)
    Vec y2 = _mm512_shuffle_i64x2(x, y, 0xEE);  // x.2 x.3 y.2 y.3
    gs<A>(x2, y2, A::root(broadcast4(w2 + 4 * k), broadcast4(q2 + 4 * k)), c);
    Vec x4 = _mm512_permutex2var_epi64(x2, even, y2);
    Vec y4 = _mm512_permutex2var_epi64(x2, odd, y2);
    gs<A>(x4, y4, A::root(broadcast2(w4 + 2 * k), broadcast2(q4 + 2 * k)), c);
    store(p, _mm512_permutex2var_epi64(x4, even, y4));
    store(p + 8, _mm512_permutex2var_epi64(x4, odd, y4));
  }
}

// One stage with m blocks of gap g >= 8, blocks [i0, i1): block i pairs (p[j], p[j+g]) with root
// n - 2m + 1 + i.
template <class A>
EI_NTT_SIMD_TARGET void inverse_radix2(std::uint64_t* data, std::size_t n, std::size_t m, std::size_t g, std::size_t i0,
                                       std::size_t i1, const std::uint64_t* w, const std::uint64_t* wq,
                                       const typename A::Consts& c) noexcept {
  const std::size_t base = n - 2 * m + 1;
  for (std::size_t i = i0; i < i1; ++i) {
    const auto r = broadcast_root<A>(w, wq, base + i);
    std::uint64_t* x = data + 2 * g * i;
    std::uint64_t* y = x + g;
    for (std::size_t j = 0; j < g; j += 8) {
      Vec a = load(x + j);
      Vec b = load(y + j);
      gs<A>(a, b, r, c);
      store(x + j, a);
      store(y + j, b);
    }
  }
}

// Stages (m, g) and (m/2, 2g) in one pass over blocks [i0, i1) of the second, g >= 8, m >= 4
// (neither is the last stage).
template <class A>
EI_NTT_SIMD_TARGET void inverse_radix4(std::uint64_t* data, std::size_t n, std::size_t m, std::size_t g, std::size_t i0,
                                       std::size_t i1, const std::uint64_t* w, const std::uint64_t* wq,
                                       const typename A::Consts& c) noexcept {
  const std::size_t base1 = n - 2 * m + 1;
  const std::size_t base2 = n - m + 1;
  for (std::size_t i = i0; i < i1; ++i) {
    const auto ra = broadcast_root<A>(w, wq, base1 + 2 * i);
    const auto rb = broadcast_root<A>(w, wq, base1 + 2 * i + 1);
    const auto rc = broadcast_root<A>(w, wq, base2 + i);
    std::uint64_t* p = data + 4 * g * i;
    for (std::size_t j = 0; j < g; j += 8) {
      Vec x0 = load(p + j);
      Vec x1 = load(p + g + j);
      Vec x2 = load(p + 2 * g + j);
      Vec x3 = load(p + 3 * g + j);
      gs<A>(x0, x1, ra, c);
      gs<A>(x2, x3, rb, c);
      gs<A>(x0, x2, rc, c);
      gs<A>(x1, x3, rc, c);
      store(p + j, x0);
      store(p + g + j, x1);
      store(p + 2 * g + j, x2);
      store(p + 3 * g + j, x3);
    }
  }
}

// REQUIRES: t.log_n() >= kMinLogN and t.simd_tables() built for policy A.
template <class A>
EI_NTT_SIMD_TARGET void inverse_core(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const auto c = A::consts(t.modulus().value());
  const std::uint64_t* tab = t.simd_tables().data();
  const std::uint64_t* w = tab + inv_operand_offset(n);
  const std::uint64_t* wq = tab + inv_quotient_offset(n);
  // Depth first while the stages' super-blocks fit in a kBlockWords block (it stays in L1), then
  // passes over the whole array. An odd number of stages between gap 8 and gap n/4 starts with a
  // radix-2 stage.
  const bool odd = ((t.log_n() - 4) & 1) != 0;
  const std::size_t block = n < kBlockWords ? n : kBlockWords;
  std::size_t m = n >> 4;
  std::size_t g = 8;
  for (std::size_t b = 0; b < n / block; ++b) {
    inverse_first3<A>(data, n, b * (block / 16), (b + 1) * (block / 16), w, wq, c);
    std::size_t mb = n >> 4;
    std::size_t gb = 8;
    if (odd) {
      inverse_radix2<A>(data, n, mb, gb, b * (block / 16), (b + 1) * (block / 16), w, wq, c);
      mb >>= 1;
      gb <<= 1;
    }
    for (; mb > 1 && 4 * gb <= block; mb >>= 2, gb <<= 2) {
      const std::size_t per_block = block / (4 * gb);
      inverse_radix4<A>(data, n, mb, gb, b * per_block, (b + 1) * per_block, w, wq, c);
    }
    m = mb;
    g = gb;
  }
  for (; m > 1; m >>= 2, g <<= 2) inverse_radix4<A>(data, n, m, g, 0, m / 2, w, wq, c);
  // Last stage, one block of gap n/2: x <- (u + v) / N, y <- (u - v) * w / N, fully reduced.
  // u + v < 2B is a valid mul_lazy input, so no reduction before the multiply.
  const auto inv_n = broadcast_root<A>(tab, tab + 1, 0);
  const auto inv_n_w = broadcast_root<A>(tab + 2, tab + 3, 0);
  std::uint64_t* x = data;
  std::uint64_t* y = data + g;
  for (std::size_t j = 0; j < g; j += 8) {
    const Vec u = load(x + j);
    const Vec v = load(y + j);
    const Vec s = A::mul_lazy(add(u, v), inv_n, c);
    const Vec d = A::mul_lazy(sub(add(u, c.bound), v), inv_n_w, c);
    store(x + j, A::reduce(s, c));
    store(y + j, A::reduce(d, c));
  }
}

}  // namespace
}  // namespace ei::math::ntt_simd
