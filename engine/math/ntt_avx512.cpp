// The avx512 NTT backend: AVX-512F/DQ, eight 64-bit lanes, for any modulus (q < 2^61), and the CPU
// checks for both AVX-512 backends.
//
// Shoup multiplication with the 64-bit quotient wq = floor(w * 2^64 / q) (SEAL's). AVX-512 has no
// 64x64->128 high product, so the quotient estimate is built from three 32x32->64 products
// (vpmuludq): with x = x1*2^32 + x0 and wq = w1*2^32 + w0,
//   qhat = x1*w1 + floor(x1*w0 / 2^32) + floor(x0*w1 / 2^32),
// which drops the x0*w0 term and the carries of the middle column, so it is at most 2 below the
// exact floor(x * wq / 2^64). The exact Shoup remainder is in [0, 2q), so
// x*w - qhat*q (two vpmullq, wrapping) is in [0, 4q) — exact, since 4q < 2^63. That is left as
// it is: the butterflies run with bound B = 4q instead of Harvey's 2q (forward values in [0, 8q),
// inverse in [0, 4q); 8q < 2^64 for every q < 2^61), which saves a conditional subtraction per
// product. Cost: 3 vpmuludq + 2 vpmullq + 6 cheap ops per eight products.
#if defined(__x86_64__)

#define EI_NTT_SIMD_TARGET __attribute__((target("avx512f,avx512dq,avx512vl")))
#include "engine/math/ntt_avx512_core.h"  // first: it must be the first to include <immintrin.h>

namespace ei::math::ntt_simd {

bool cpu_has_avx512() noexcept {
  static const bool has =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return has;
}

bool cpu_has_avx512_ifma() noexcept {
  static const bool has = cpu_has_avx512() && __builtin_cpu_supports("avx512ifma");
  return has;
}

namespace {

struct Avx512Arith {
  struct Consts {
    Vec q;
    Vec two_q;
    Vec bound;  // B = 4q: mul_lazy's output bound (8q < 2^64 for every q < 2^61)
  };
  struct Root {
    Vec w;
    Vec wq;     // floor(w * 2^64 / q)
    Vec wq_hi;  // wq >> 32
  };
  EI_NTT_INLINE static Consts consts(std::uint64_t q) { return {set1(q), set1(2 * q), set1(4 * q)}; }
  EI_NTT_INLINE static Root root(Vec w, Vec wq) { return {w, wq, _mm512_srli_epi64(wq, 32)}; }
  // x * w mod q in [0, 4q) for any 64-bit x (4q < 2^63, so the wrapping arithmetic is exact).
  EI_NTT_INLINE static Vec mul_lazy(Vec x, const Root& r, const Consts& c) {
    const Vec x_hi = _mm512_srli_epi64(x, 32);
    const Vec hh = _mm512_mul_epu32(x_hi, r.wq_hi);
    const Vec hl = _mm512_mul_epu32(x_hi, r.wq);  // vpmuludq reads the low 32 bits of each lane
    const Vec lh = _mm512_mul_epu32(x, r.wq_hi);
    const Vec qhat = add(hh, add(_mm512_srli_epi64(hl, 32), _mm512_srli_epi64(lh, 32)));
    return sub(_mm512_mullo_epi64(x, r.w), _mm512_mullo_epi64(qhat, c.q));  // [0, 4q)
  }
  // x mod q for x < 4q.
  EI_NTT_INLINE static Vec reduce(Vec x, const Consts& c) { return sub_if_geq(sub_if_geq(x, c.two_q), c.q); }
};

}  // namespace

EI_NTT_SIMD_TARGET void forward_avx512(const NttTables& t, std::uint64_t* data) noexcept {
  forward_core<Avx512Arith>(t, data);
}

EI_NTT_SIMD_TARGET void inverse_avx512(const NttTables& t, std::uint64_t* data) noexcept {
  inverse_core<Avx512Arith>(t, data);
}

}  // namespace ei::math::ntt_simd

#else  // not x86-64: the SIMD backends are never available

#include "engine/math/ntt_simd.h"

namespace ei::math::ntt_simd {
bool cpu_has_avx512() noexcept {
  return false;
}
bool cpu_has_avx512_ifma() noexcept {
  return false;
}
void forward_avx512(const NttTables& /*t*/, std::uint64_t* /*data*/) noexcept {}
void inverse_avx512(const NttTables& /*t*/, std::uint64_t* /*data*/) noexcept {}
}  // namespace ei::math::ntt_simd

#endif
