// The avx512_ifma NTT backend: AVX-512 IFMA (vpmadd52luq / vpmadd52huq), eight 52-bit lanes.
//
// Shoup multiplication in radix 2^52: for a root w < q with wq = floor(w * 2^52 / q) and any
// x < 2^52, qhat = floor(x * wq / 2^52) (madd52hi) is floor(x * w / q) or one less, so
// x * w - qhat * q lies in [0, 2q). That value is below 2^52, so it equals
// (lo52(x * w) + lo52(qhat * (2^52 - q))) mod 2^52: two madd52lo and a mask. The butterflies keep
// values below 4q, hence the backend's bound 4q < 2^52, i.e. q < 2^50 (ntt_simd::kIfmaModulusBound).
// Cost: 3 IFMA + 1 AND per eight products.
#if defined(__x86_64__)

#define EI_NTT_SIMD_TARGET __attribute__((target("avx512f,avx512dq,avx512vl,avx512ifma")))
#include "engine/math/ntt_avx512_core.h"  // first: it must be the first to include <immintrin.h>

namespace ei::math::ntt_simd {
namespace {

struct IfmaArith {
  struct Consts {
    Vec q;
    Vec bound;  // B = 2q: mul_lazy's output bound
    Vec neg_q;  // 2^52 - q
    Vec mask;   // 2^52 - 1
  };
  struct Root {
    Vec w;
    Vec wq;  // floor(w * 2^52 / q)
  };
  EI_NTT_INLINE static Consts consts(std::uint64_t q) {
    constexpr std::uint64_t kMask = (std::uint64_t{1} << 52) - 1;
    return {set1(q), set1(2 * q), set1((kMask + 1) - q), set1(kMask)};
  }
  EI_NTT_INLINE static Root root(Vec w, Vec wq) { return {w, wq}; }
  // x * w mod q in [0, 2q). REQUIRES: x < 2^52 (every x < 4q = 2B).
  EI_NTT_INLINE static Vec mul_lazy(Vec x, const Root& r, const Consts& c) {
    const Vec zero = _mm512_setzero_si512();
    const Vec qhat = _mm512_madd52hi_epu64(zero, x, r.wq);
    const Vec xw = _mm512_madd52lo_epu64(zero, x, r.w);
    return _mm512_and_si512(_mm512_madd52lo_epu64(xw, qhat, c.neg_q), c.mask);
  }
  // x mod q for x < 2q.
  EI_NTT_INLINE static Vec reduce(Vec x, const Consts& c) { return sub_if_geq(x, c.q); }
};

}  // namespace

EI_NTT_SIMD_TARGET void forward_avx512_ifma(const NttTables& t, std::uint64_t* data) noexcept {
  forward_core<IfmaArith>(t, data);
}

EI_NTT_SIMD_TARGET void inverse_avx512_ifma(const NttTables& t, std::uint64_t* data) noexcept {
  inverse_core<IfmaArith>(t, data);
}

}  // namespace ei::math::ntt_simd

#else  // not x86-64: never selected (cpu_has_avx512_ifma() is false)

#include "engine/math/ntt.h"
#include "engine/math/ntt_simd.h"

namespace ei::math::ntt_simd {
void forward_avx512_ifma(const NttTables& /*t*/, std::uint64_t* /*data*/) noexcept {}
void inverse_avx512_ifma(const NttTables& /*t*/, std::uint64_t* /*data*/) noexcept {}
}  // namespace ei::math::ntt_simd

#endif
