#include "engine/math/ntt.h"

#include <algorithm>
#include <string>

namespace ei::math {

namespace {

// ---- Portable backend -----------------------------------------------------------------------
// Harvey's lazy butterflies (values kept in [0, 4q) forward, [0, 2q) inverse) with Shoup
// multiplication; requires 4q < 2^64, which every Modulus (< 2^61) satisfies. The last stage of
// each direction is fused with the final reduction, so each transform makes log_n passes.
// Measured compute-bound (three 64-bit multiplies per butterfly, ~1 ns each on the dev box);
// cache blocking of the later stages was tried and gained nothing up to N = 32768.

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

// Cooley-Tukey, natural-order input, bit-reversed output (SEAL's DWTHandler::transform_to_rev).
void forward_portable(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const Modulus modulus = t.modulus();  // a local copy: stores through `data` cannot alias it
  const std::uint64_t q = modulus.value();
  const std::uint64_t two_q = q << 1;
  const ShoupOperand* roots = t.forward_roots().data();

  std::size_t gap = n >> 1;
  std::size_t m = 1;
  for (; m < (n >> 1); m <<= 1, gap >>= 1) {
    std::uint64_t* block = data;
    for (std::size_t i = 0; i < m; ++i, block += gap << 1) {
      const ShoupOperand w = roots[m + i];
      std::uint64_t* x = block;
      std::uint64_t* y = block + gap;
      for (std::size_t j = 0; j < gap; ++j) {
        std::uint64_t u = x[j];
        u = u >= two_q ? u - two_q : u;                          // [0, 2q)
        const std::uint64_t v = mul_mod_shoup_lazy(y[j], w, modulus);  // [0, 2q)
        x[j] = u + v;                                            // [0, 4q)
        y[j] = u + two_q - v;                                    // (0, 4q)
      }
    }
  }
  // Last stage (gap 1, m = n/2 blocks), fused with the reduction from [0, 4q) to [0, q).
  for (std::size_t i = 0; i < m; ++i, data += 2) {
    const ShoupOperand w = roots[m + i];
    std::uint64_t u = data[0];
    u = sub_if_geq(u, two_q);
    const std::uint64_t v = mul_mod_shoup_lazy(data[1], w, modulus);
    std::uint64_t a = u + v;
    std::uint64_t b = u + two_q - v;
    a = sub_if_geq(sub_if_geq(a, two_q), q);
    b = sub_if_geq(sub_if_geq(b, two_q), q);
    data[0] = a;
    data[1] = b;
  }
}

// Gentleman-Sande, bit-reversed input, natural-order output, N^-1 folded into the last stage
// (SEAL's DWTHandler::transform_from_rev with the inv_degree scalar).
void inverse_portable(const NttTables& t, std::uint64_t* data) noexcept {
  const std::size_t n = t.n();
  const Modulus modulus = t.modulus();  // a local copy: stores through `data` cannot alias it
  const std::uint64_t q = modulus.value();
  const std::uint64_t two_q = q << 1;
  const ShoupOperand* roots = t.inverse_roots().data();
  std::size_t k = 1;  // roots are consumed in storage order 1, 2, ..., n-1

  std::size_t gap = 1;
  for (std::size_t m = n >> 1; m > 1; m >>= 1, gap <<= 1) {
    std::uint64_t* block = data;
    for (std::size_t i = 0; i < m; ++i, block += gap << 1) {
      const ShoupOperand w = roots[k++];
      std::uint64_t* x = block;
      std::uint64_t* y = block + gap;
      for (std::size_t j = 0; j < gap; ++j) {
        const std::uint64_t u = x[j];
        const std::uint64_t v = y[j];
        const std::uint64_t s = u + v;                                // [0, 4q)
        x[j] = s >= two_q ? s - two_q : s;                            // [0, 2q)
        y[j] = mul_mod_shoup_lazy(u + two_q - v, w, modulus);         // [0, 2q)
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
    return Status(Code::INVALID_PARAMETERS, "modulus " + std::to_string(q.value()) +
                                                " has no primitive " + std::to_string(2 * n) +
                                                "-th root of unity (it is not 1 mod 2N)");
  }
  NttTables t;
  t.n_ = n;
  t.log_n_ = log_n;
  t.modulus_ = q;
  t.root_ = *psi;
  switch (backend) {
    case NttBackend::automatic:
    case NttBackend::portable:
      t.backend_ = NttBackend::portable;
      t.forward_fn_ = &forward_portable;
      t.inverse_fn_ = &inverse_portable;
      break;
    default:
      return Status(Code::INVALID_ARGUMENT, "requested NTT backend is not available");
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
  const unsigned bits = static_cast<unsigned>(log_n);
  for (std::size_t i = 1; i < n; ++i) {
    t.fwd_roots_[reverse_bits(i, static_cast<int>(bits))] = make_shoup(power, q);
    t.inv_roots_[reverse_bits(i - 1, static_cast<int>(bits)) + 1] = make_shoup(inv_power, q);
    power = mul_mod(power, *psi, q);
    inv_power = mul_mod(inv_power, *inv_psi, q);
  }
  t.inv_degree_ = make_shoup(*inv_n, q);
  t.inv_degree_last_root_ = make_shoup(mul_mod(t.inv_roots_[n - 1].operand, *inv_n, q), q);
  return t;
}

}  // namespace ei::math
