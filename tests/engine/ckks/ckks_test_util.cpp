#include "tests/engine/ckks/ckks_test_util.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ei::ckks::testing {
namespace {

std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b, std::uint64_t q) {
  return static_cast<std::uint64_t>(static_cast<u128>(a) * b % q);
}

std::uint64_t pow_mod(std::uint64_t b, std::uint64_t e, std::uint64_t q) {
  std::uint64_t r = 1 % q;
  b %= q;
  for (; e != 0; e >>= 1) {
    if (e & 1) r = mul_mod(r, b, q);
    b = mul_mod(b, b, q);
  }
  return r;
}

// words *= k (little-endian, grows as needed).
void mul_small(std::vector<std::uint64_t>& words, std::uint64_t k) {
  u128 carry = 0;
  for (auto& w : words) {
    const u128 t = static_cast<u128>(w) * k + carry;
    w = static_cast<std::uint64_t>(t);
    carry = t >> 64;
  }
  if (carry != 0) words.push_back(static_cast<std::uint64_t>(carry));
}

// a += b (a at least as long as b; grows on carry).
void add_to(std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  u128 carry = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const u128 t = static_cast<u128>(a[i]) + (i < b.size() ? b[i] : 0) + carry;
    a[i] = static_cast<std::uint64_t>(t);
    carry = t >> 64;
  }
  if (carry != 0) a.push_back(static_cast<std::uint64_t>(carry));
}

int compare(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = n; i-- > 0;) {
    const std::uint64_t x = i < a.size() ? a[i] : 0;
    const std::uint64_t y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

void sub_from(std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::uint64_t y = i < b.size() ? b[i] : 0;
    const u128 t = static_cast<u128>(a[i]) - y - borrow;
    a[i] = static_cast<std::uint64_t>(t);
    borrow = (t >> 64) != 0 ? 1 : 0;
  }
}

std::vector<std::uint64_t> modulus_product(const rlwe::ContextData& level) {
  std::vector<std::uint64_t> q{1};
  for (const auto& m : level.coeff_modulus()) mul_small(q, m.value());
  q.resize(level.coeff_modulus_size(), 0);
  return q;
}

std::uint64_t reverse_bits(std::uint64_t x, int bits) {
  std::uint64_t r = 0;
  for (int i = 0; i < bits; ++i, x >>= 1) r = (r << 1) | (x & 1);
  return r;
}

}  // namespace

rlwe::ContextPtr make_context(std::size_t n, std::vector<int> bit_sizes) {
  auto parms = rlwe::make_ckks_parameters(n, bit_sizes);
  if (!parms.ok()) throw std::runtime_error(parms.status().to_string());
  auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
  if (!ctx.ok()) throw std::runtime_error(ctx.status().to_string());
  return *ctx;
}

std::vector<double> random_reals(std::size_t count, double bound, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-bound, bound);
  std::vector<double> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

std::vector<std::complex<double>> random_complex(std::size_t count, double bound,
                                                 std::mt19937_64& rng) {
  std::uniform_real_distribution<double> d(-bound, bound);
  std::vector<std::complex<double>> v(count);
  for (auto& x : v) x = {d(rng), d(rng)};
  return v;
}

std::uint64_t exact_abs_mod(double a, std::uint64_t q) {
  a = std::fabs(a);
  if (a < 18446744073709551616.0) return static_cast<std::uint64_t>(a) % q;
  int e = 0;
  const double f = std::frexp(a, &e);  // a = f · 2^e, f ∈ [0.5, 1)
  const auto mantissa = static_cast<std::uint64_t>(std::ldexp(f, 53));
  return mul_mod(mantissa % q, pow_mod(2, static_cast<std::uint64_t>(e - 53), q), q);
}

std::uint64_t exact_round_mod(double x, std::uint64_t q) {
  const double c = std::round(x);
  const std::uint64_t r = exact_abs_mod(c, q);
  return (c < 0 && r != 0) ? q - r : r;
}

std::vector<std::uint64_t> to_coefficients(const rlwe::ContextData& level,
                                           const rlwe::Plaintext& plain) {
  std::vector<std::uint64_t> c = plain.data;
  const std::size_t n = level.poly_modulus_degree();
  for (std::size_t j = 0; j < level.coeff_modulus_size(); ++j) level.ntt(j).inverse(c.data() + j * n);
  return c;
}

std::vector<std::uint64_t> crt_compose(const rlwe::ContextData& level,
                                       const std::vector<std::uint64_t>& residues, std::size_t i) {
  const std::size_t n = level.poly_modulus_degree();
  const std::size_t limbs = level.coeff_modulus_size();
  const auto moduli = level.coeff_modulus();
  const std::vector<std::uint64_t> q = modulus_product(level);
  std::vector<std::uint64_t> acc(limbs, 0);
  for (std::size_t j = 0; j < limbs; ++j) {
    const std::uint64_t qj = moduli[j].value();
    std::vector<std::uint64_t> punctured{1};
    std::uint64_t punctured_mod = 1;
    for (std::size_t k = 0; k < limbs; ++k) {
      if (k == j) continue;
      mul_small(punctured, moduli[k].value());
      punctured_mod = mul_mod(punctured_mod, moduli[k].value() % qj, qj);
    }
    const std::uint64_t inv = pow_mod(punctured_mod, qj - 2, qj);  // q_j prime
    mul_small(punctured, mul_mod(residues[j * n + i], inv, qj));
    add_to(acc, punctured);
  }
  while (compare(acc, q) >= 0) sub_from(acc, q);
  acc.resize(limbs);
  return acc;
}

long double centered_value(const rlwe::ContextData& level, const std::vector<std::uint64_t>& x) {
  const std::vector<std::uint64_t> q = modulus_product(level);
  std::vector<std::uint64_t> twice = x;
  mul_small(twice, 2);
  bool negative = compare(twice, q) >= 0;
  std::vector<std::uint64_t> mag = x;
  if (negative) {
    mag = q;
    sub_from(mag, x);
  }
  long double v = 0;
  for (std::size_t j = mag.size(); j-- > 0;) v = v * 18446744073709551616.0L + static_cast<long double>(mag[j]);
  return negative ? -v : v;
}

SealReference::SealReference(std::size_t n)
    : n_(n), slots_(n / 2), logn_(std::countr_zero(n)), m_(2 * n) {
  constexpr double kPi = 3.1415926535897932384626433832795028842;
  roots_.resize(m_ / 8 + 1);
  for (std::size_t i = 0; i <= m_ / 8; ++i) {
    roots_[i] = std::polar<double>(1.0, 2 * kPi * static_cast<double>(i) / static_cast<double>(m_));
  }
  map_.resize(n_);
  std::uint64_t pos = 1;
  for (std::size_t i = 0; i < slots_; ++i) {
    const std::uint64_t index1 = (pos - 1) >> 1;
    const std::uint64_t index2 = (m_ - pos - 1) >> 1;
    map_[i] = static_cast<std::size_t>(reverse_bits(index1, logn_));
    map_[slots_ | i] = static_cast<std::size_t>(reverse_bits(index2, logn_));
    pos *= 3;
    pos &= (m_ - 1);
  }
  root_powers_.resize(n_);
  inv_root_powers_.resize(n_);
  for (std::size_t i = 1; i < n_; ++i) {
    root_powers_[i] = get_root(static_cast<std::size_t>(reverse_bits(i, logn_)));
    inv_root_powers_[i] = std::conj(get_root(static_cast<std::size_t>(reverse_bits(i - 1, logn_) + 1)));
  }
}

std::complex<double> SealReference::get_root(std::size_t index) const {
  index &= m_ - 1;
  auto mirror = [](std::complex<double> a) { return std::complex<double>{a.imag(), a.real()}; };
  if (index <= m_ / 8) return roots_[index];
  if (index <= m_ / 4) return mirror(roots_[m_ / 4 - index]);
  if (index <= m_ / 2) return -std::conj(get_root(m_ / 2 - index));
  if (index <= 3 * m_ / 4) return -get_root(index - m_ / 2);
  return std::conj(get_root(m_ - index));
}

std::vector<double> SealReference::encode_coeffs(std::span<const std::complex<double>> values,
                                                 double scale) const {
  std::vector<std::complex<double>> v(n_, std::complex<double>(0.0));
  for (std::size_t i = 0; i < values.size(); ++i) {
    v[map_[i]] = values[i];
    v[map_[i + slots_]] = std::conj(values[i]);
  }
  const double fix = scale / static_cast<double>(n_);
  // transform_from_rev(values, logn, inv_root_powers, &fix), as written.
  const std::complex<double>* roots = inv_root_powers_.data();
  std::complex<double>* values_ptr = v.data();
  std::size_t gap = 1;
  std::size_t m = n_ >> 1;
  for (; m > 1; m >>= 1) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < m; i++) {
      const std::complex<double> r = *++roots;
      std::complex<double>* x = values_ptr + offset;
      std::complex<double>* y = x + gap;
      for (std::size_t j = 0; j < gap; j++) {
        const std::complex<double> u = *x;
        const std::complex<double> w = *y;
        *x++ = u + w;
        *y++ = (u - w) * r;
      }
      offset += gap << 1;
    }
    gap <<= 1;
  }
  const std::complex<double> r = *++roots;
  const std::complex<double> scaled_r = r * fix;
  std::complex<double>* x = values_ptr;
  std::complex<double>* y = x + gap;
  for (std::size_t j = 0; j < gap; j++) {
    const std::complex<double> u = *x;
    const std::complex<double> w = *y;
    *x++ = (u + w) * fix;
    *y++ = (u - w) * scaled_r;
  }
  std::vector<double> out(n_);
  for (std::size_t i = 0; i < n_; ++i) out[i] = v[i].real();
  return out;
}

std::vector<std::complex<double>> SealReference::decode(const rlwe::ContextData& level,
                                                        const rlwe::Plaintext& plain) const {
  const std::size_t limbs = level.coeff_modulus_size();
  const std::vector<std::uint64_t> coeffs = to_coefficients(level, plain);
  const std::vector<std::uint64_t> q = modulus_product(level);
  std::vector<std::uint64_t> thr = q;  // (Q + 1) >> 1
  add_to(thr, std::vector<std::uint64_t>{1});
  thr.resize(limbs);
  for (std::size_t w = 0; w < limbs; ++w) {
    thr[w] = (thr[w] >> 1) | (w + 1 < limbs ? thr[w + 1] << 63 : 0);
  }
  const double inv_scale = double(1.0) / plain.scale;
  const double two_pow_64 = std::pow(2.0, 64);
  std::vector<std::complex<double>> res(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    const std::vector<std::uint64_t> x = crt_compose(level, coeffs, i);
    res[i] = 0.0;
    if (compare(x, thr) >= 0) {
      double scaled_two_pow_64 = inv_scale;
      for (std::size_t j = 0; j < limbs; j++, scaled_two_pow_64 *= two_pow_64) {
        if (x[j] > q[j]) {
          auto diff = x[j] - q[j];
          res[i] += diff ? static_cast<double>(diff) * scaled_two_pow_64 : 0.0;
        } else {
          auto diff = q[j] - x[j];
          res[i] -= diff ? static_cast<double>(diff) * scaled_two_pow_64 : 0.0;
        }
      }
    } else {
      double scaled_two_pow_64 = inv_scale;
      for (std::size_t j = 0; j < limbs; j++, scaled_two_pow_64 *= two_pow_64) {
        auto curr_coeff = x[j];
        res[i] += curr_coeff ? static_cast<double>(curr_coeff) * scaled_two_pow_64 : 0.0;
      }
    }
  }
  // transform_to_rev(res, logn, root_powers), as written.
  const std::complex<double>* roots = root_powers_.data();
  std::complex<double>* values = res.data();
  std::size_t gap = n_ >> 1;
  std::size_t m = 1;
  for (; m < (n_ >> 1); m <<= 1) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < m; i++) {
      const std::complex<double> r = *++roots;
      std::complex<double>* x = values + offset;
      std::complex<double>* y = x + gap;
      for (std::size_t j = 0; j < gap; j++) {
        const std::complex<double> u = *x;
        const std::complex<double> v = *y * r;
        *x++ = u + v;
        *y++ = u - v;
      }
      offset += gap << 1;
    }
    gap >>= 1;
  }
  for (std::size_t i = 0; i < m; i++) {
    const std::complex<double> r = *++roots;
    const std::complex<double> u = values[0];
    const std::complex<double> v = values[1] * r;
    values[0] = u + v;
    values[1] = u - v;
    values += 2;
  }
  std::vector<std::complex<double>> out(slots_);
  for (std::size_t i = 0; i < slots_; ++i) out[i] = res[map_[i]];
  return out;
}

std::vector<long double> math_reference_coeffs(std::size_t n,
                                               std::span<const std::complex<double>> values,
                                               double scale) {
  const std::size_t m = 2 * n;
  std::vector<long double> cos_t(m), sin_t(m);
  const long double pi = 3.141592653589793238462643383279502884L;
  for (std::size_t t = 0; t < m; ++t) {
    const long double a = 2 * pi * static_cast<long double>(t) / static_cast<long double>(m);
    cos_t[t] = std::cos(a);
    sin_t[t] = std::sin(a);
  }
  std::vector<std::size_t> pos(values.size());
  std::size_t p = 1;
  for (std::size_t k = 0; k < values.size(); ++k, p = (p * 3) % m) pos[k] = p;
  std::vector<long double> c(n);
  for (std::size_t i = 0; i < n; ++i) {
    long double acc = 0;
    for (std::size_t k = 0; k < values.size(); ++k) {
      const std::size_t t = (pos[k] * i) % m;
      // Re(z · e^{−iθ}) = zr cos θ + zi sin θ
      acc += static_cast<long double>(values[k].real()) * cos_t[t] +
             static_cast<long double>(values[k].imag()) * sin_t[t];
    }
    c[i] = 2 * acc * static_cast<long double>(scale) / static_cast<long double>(n);
  }
  return c;
}

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

}  // namespace ei::ckks::testing
