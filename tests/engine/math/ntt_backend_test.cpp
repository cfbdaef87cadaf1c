// NTT backends: every SIMD backend this CPU supports gives word-for-word the portable path's output,
// forward and inverse, at N = 16 … 131072 and primes of 20 … 61 bits (including the 49/50/51-bit
// edges of the IFMA range and the largest primes of each size, which stress the lazy bounds);
// inverse∘forward = id; `automatic` vs `portable` on the same data; EI_FORCE_PORTABLE; errors.
// Backends the CPU lacks are skipped (the test names the backends it ran on).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/math/ntt.h"
#include "engine/math/primes.h"

namespace ei::math {
namespace {

constexpr NttBackend kSimdBackends[] = {NttBackend::avx512_ifma, NttBackend::avx512};

// Largest prime below 2^61 that is 1 mod 2N (the top of Modulus' range).
std::uint64_t top_ntt_prime(std::uint64_t n) {
  const std::uint64_t step = 2 * n;
  for (std::uint64_t v = ((1ULL << 61) - 1) / step * step + 1;; v -= step) {
    if (is_prime(v)) return v;
  }
}

// Smallest prime above 2^(bits-1) that is 1 mod 2N, if below 2^bits.
std::optional<std::uint64_t> bottom_ntt_prime(std::uint64_t n, int bits) {
  const std::uint64_t step = 2 * n;
  const std::uint64_t lo = 1ULL << (bits - 1);
  for (std::uint64_t v = (lo / step + 1) * step + 1; v < (lo << 1); v += step) {
    if (is_prime(v)) return v;
  }
  return std::nullopt;
}

// For N: the two largest NTT primes of each size 20 … 60 bits (SEAL's CoeffModulus::Create picks
// them from the top down; one where only one exists), the smallest of some sizes, and the 61-bit
// top prime. Above N = 32768 (beyond our parameter sets, but allowed by create()) a shorter list
// keeps the test fast: the largest 50- and 60-bit primes and the smallest of four sizes.
std::vector<std::uint64_t> primes_for(std::uint64_t n) {
  const bool big = n > 32768;
  std::vector<std::uint64_t> out;
  const std::vector<int> sizes =
      big ? std::vector<int>{50, 60} : std::vector<int>{20, 24, 30, 36, 40, 44, 48, 49, 50, 51, 52, 55, 58, 60};
  for (const int bits : sizes) {
    if ((1ULL << bits) <= 4 * n) continue;
    auto r = coeff_modulus_create(n, std::vector<int>{bits, bits});
    if (!r.ok()) r = coeff_modulus_create(n, std::vector<int>{bits});  // 20 bits at N = 32768: only one
    EXPECT_TRUE(r.ok()) << "bits " << bits << " n " << n;
    if (!r.ok()) continue;
    for (const auto& m : *r) out.push_back(m.value());
  }
  for (const int bits : {30, 50, 51, 60}) {
    if (auto p = bottom_ntt_prime(n, bits)) out.push_back(*p);
  }
  out.push_back(top_ntt_prime(n));
  return out;
}

std::vector<std::uint64_t> random_words(std::mt19937_64& rng, std::size_t n, std::uint64_t bound) {
  std::vector<std::uint64_t> a(n);
  for (auto& x : a) x = rng() % bound;
  return a;
}

NttTables make(int log_n, std::uint64_t q, NttBackend b) {
  auto t = NttTables::create(log_n, Modulus(q), b);
  EXPECT_TRUE(t.ok()) << to_string(b) << " q=" << q << ": " << t.status().to_string();
  return std::move(t).value();
}

std::string describe(NttBackend b, int log_n, std::uint64_t q) {
  return std::string(to_string(b)) + " log_n=" + std::to_string(log_n) + " q=" + std::to_string(q) + " (" +
         std::to_string(Modulus(q).bit_count()) + " bits)";
}

bool any_simd_backend() {
  for (const NttBackend b : kSimdBackends) {
    if (ntt_backend_available(b, 10, Modulus(12289))) return true;
  }
  return false;
}

TEST(NttBackend, ReportsWhatThisMachineRuns) {
  for (const NttBackend b : kSimdBackends) {
    std::printf("  %-12s %s\n", std::string(to_string(b)).c_str(),
                ntt_backend_available(b, 13, Modulus(12289)) ? "available (tested)" : "not available (skipped)");
  }
  EXPECT_EQ(to_string(NttBackend::portable), "portable");
  EXPECT_EQ(to_string(NttBackend::automatic), "automatic");
  EXPECT_EQ(to_string(static_cast<NttBackend>(200)), "unknown");
}

// The core property: identical words to the portable path, both directions, for every size and
// prime the backend accepts, including the accepted lazy input ranges ([0, 4q) forward, [0, 2q)
// inverse) and the extreme inputs.
// Counts the (N, q, backend) combinations checked in *checked.
void check_simd_matches_portable(int min_log_n, int max_log_n, int* checked) {
  std::mt19937_64 rng(91 + static_cast<unsigned>(min_log_n));
  for (int log_n = min_log_n; log_n <= max_log_n; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    for (const std::uint64_t q : primes_for(n)) {
      std::vector<NttTables> simd;
      for (const NttBackend b : kSimdBackends) {
        if (ntt_backend_available(b, log_n, Modulus(q))) simd.push_back(make(log_n, q, b));
      }
      if (simd.empty()) continue;
      const NttTables portable = make(log_n, q, NttBackend::portable);
      // Reduced inputs (random and extreme), then the accepted lazy ranges: forward takes words
      // < 4q, inverse words < 2q; outputs are in [0, q) either way.
      const std::vector<std::vector<std::uint64_t>> inputs = {
          random_words(rng, n, q), std::vector<std::uint64_t>(n, q - 1), std::vector<std::uint64_t>(n, 0)};
      const std::vector<std::uint64_t> lazy4 = random_words(rng, n, 4 * q);
      const std::vector<std::uint64_t> lazy2 = random_words(rng, n, 2 * q);
      std::vector<std::uint64_t> lazy4_want = lazy4;
      std::vector<std::uint64_t> lazy2_want = lazy2;
      portable.forward(lazy4_want.data());
      portable.inverse(lazy2_want.data());
      for (const auto& a : inputs) {
        std::vector<std::uint64_t> fwd_want = a;
        std::vector<std::uint64_t> inv_want = a;
        portable.forward(fwd_want.data());
        portable.inverse(inv_want.data());
        for (const NttTables& t : simd) {
          EXPECT_NE(t.backend(), NttBackend::portable);
          const std::string what = describe(t.backend(), log_n, q);
          std::vector<std::uint64_t> got = a;
          t.forward(got.data());
          ASSERT_EQ(got, fwd_want) << "forward " << what;
          t.inverse(got.data());
          ASSERT_EQ(got, a) << "inverse(forward(a)) != a " << what;
          t.inverse(got.data());
          ASSERT_EQ(got, inv_want) << "inverse " << what;
          t.forward(got.data());
          ASSERT_EQ(got, a) << "forward(inverse(a)) != a " << what;
        }
      }
      for (const NttTables& t : simd) {
        const std::string what = describe(t.backend(), log_n, q);
        std::vector<std::uint64_t> got = lazy4;
        t.forward(got.data());
        ASSERT_EQ(got, lazy4_want) << "forward of [0, 4q) input " << what;
        got = lazy2;
        t.inverse(got.data());
        ASSERT_EQ(got, lazy2_want) << "inverse of [0, 2q) input " << what;
        for (const auto x : got) ASSERT_LT(x, q) << what;
        ++*checked;
      }
    }
  }
}

TEST(NttBackend, SimdMatchesPortableWordForWord) {
  if (!any_simd_backend()) GTEST_SKIP() << "no SIMD NTT backend on this CPU";
  int checked = 0;
  check_simd_matches_portable(NttTables::kMinLogN, 15, &checked);  // N <= 32768: every prime size
  EXPECT_GT(checked, 100);
}

TEST(NttBackend, SimdMatchesPortableWordForWordLargeN) {
  if (!any_simd_backend()) GTEST_SKIP() << "no SIMD NTT backend on this CPU";
  int checked = 0;
  check_simd_matches_portable(16, NttTables::kMaxLogN, &checked);  // N = 65536, 131072
  EXPECT_GT(checked, 10);
}

// Data need not be aligned: the kernels use unaligned loads and stores.
TEST(NttBackend, UnalignedDataGivesTheSameWords) {
  if (!any_simd_backend()) GTEST_SKIP() << "no SIMD NTT backend on this CPU";
  std::mt19937_64 rng(92);
  const int log_n = 12;
  const std::size_t n = 4096;
  for (const int bits : {40, 60}) {
    const std::uint64_t q = (*coeff_modulus_create(n, std::vector<int>{bits}))[0].value();
    const NttTables portable = make(log_n, q, NttBackend::portable);
    for (const NttBackend b : kSimdBackends) {
      if (!ntt_backend_available(b, log_n, Modulus(q))) continue;
      const NttTables simd = make(log_n, q, b);
      for (const std::size_t offset : {1U, 3U, 5U}) {
        std::vector<std::uint64_t> buf(n + 8, 0);
        const std::vector<std::uint64_t> a = random_words(rng, n, q);
        std::copy(a.begin(), a.end(), buf.begin() + static_cast<std::ptrdiff_t>(offset));
        std::vector<std::uint64_t> want = a;
        portable.forward(want.data());
        simd.forward(buf.data() + offset);
        ASSERT_TRUE(std::equal(want.begin(), want.end(), buf.begin() + static_cast<std::ptrdiff_t>(offset)))
            << describe(b, log_n, q) << " offset " << offset;
        EXPECT_EQ(buf[offset - 1], 0U);  // neighbours untouched
        EXPECT_EQ(buf[n + offset], 0U);
        simd.inverse(buf.data() + offset);
        ASSERT_TRUE(std::equal(a.begin(), a.end(), buf.begin() + static_cast<std::ptrdiff_t>(offset)));
      }
    }
  }
}

// What EI_FORCE_PORTABLE=1 gives (an explicit portable construction) against what `automatic`
// gives, on the same data, for the bench and published parameter shapes.
TEST(NttBackend, AutomaticAndPortableAgreeOnTheSameData) {
  std::mt19937_64 rng(93);
  for (const int log_n : {10, 12, 13, 14, 15}) {
    const std::size_t n = std::size_t{1} << log_n;
    auto moduli = coeff_modulus_create(n, std::vector<int>{60, 40, 40, 50, 30, 60});
    ASSERT_TRUE(moduli.ok());
    for (const auto& m : *moduli) {
      const NttTables forced = make(log_n, m.value(), NttBackend::portable);
      const NttTables automatic = make(log_n, m.value(), NttBackend::automatic);
      EXPECT_EQ(automatic.backend(), ntt_automatic_backend(log_n, m));
      EXPECT_NE(automatic.backend(), NttBackend::automatic);
      const std::vector<std::uint64_t> a = random_words(rng, n, m.value());
      std::vector<std::uint64_t> x = a;
      std::vector<std::uint64_t> y = a;
      forced.forward(x.data());
      automatic.forward(y.data());
      ASSERT_EQ(x, y) << describe(automatic.backend(), log_n, m.value());
      forced.inverse(x.data());
      automatic.inverse(y.data());
      ASSERT_EQ(x, y) << describe(automatic.backend(), log_n, m.value());
      ASSERT_EQ(x, a);
    }
  }
}

// Restores an environment variable on scope exit.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);  // NOLINT(concurrency-mt-unsafe)
    if (value != nullptr) {
      setenv(name, value, 1);  // NOLINT(concurrency-mt-unsafe): single-threaded test
    } else {
      unsetenv(name);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
    } else {
      unsetenv(name_);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(NttBackend, ForcePortableEnvironmentVariable) {
  const Modulus q40 = (*coeff_modulus_create(8192, std::vector<int>{40}))[0];
  const Modulus q60 = (*coeff_modulus_create(8192, std::vector<int>{60}))[0];
  {
    const ScopedEnv env("EI_FORCE_PORTABLE", "1");
    EXPECT_EQ(ntt_automatic_backend(13, q40), NttBackend::portable);
    EXPECT_EQ(ntt_automatic_backend(13, q60), NttBackend::portable);
    EXPECT_EQ(make(13, q40.value(), NttBackend::automatic).backend(), NttBackend::portable);
    // Explicit requests are honoured regardless.
    for (const NttBackend b : kSimdBackends) {
      if (ntt_backend_available(b, 13, q40)) {
        EXPECT_EQ(make(13, q40.value(), b).backend(), b);
      }
    }
  }
  {
    const ScopedEnv env("EI_FORCE_PORTABLE", "0");
    const NttBackend want40 = ntt_backend_available(NttBackend::avx512_ifma, 13, q40) ? NttBackend::avx512_ifma
                              : ntt_backend_available(NttBackend::avx512, 13, q40)    ? NttBackend::avx512
                                                                                      : NttBackend::portable;
    EXPECT_EQ(ntt_automatic_backend(13, q40), want40);
    const NttBackend want60 =
        ntt_backend_available(NttBackend::avx512, 13, q60) ? NttBackend::avx512 : NttBackend::portable;
    EXPECT_EQ(ntt_automatic_backend(13, q60), want60);
  }
}

TEST(NttBackend, AvailabilityAndErrors) {
  const Modulus q50((*coeff_modulus_create(8192, std::vector<int>{50}))[0]);
  const Modulus q51((*coeff_modulus_create(8192, std::vector<int>{51}))[0]);
  ASSERT_LT(q50.value(), 1ULL << 50);
  ASSERT_GT(q51.value(), 1ULL << 50);
  // IFMA never takes q >= 2^50, whatever the CPU.
  EXPECT_FALSE(ntt_backend_available(NttBackend::avx512_ifma, 13, q51));
  EXPECT_EQ(NttTables::create(13, q51, NttBackend::avx512_ifma).status().code(), Code::INVALID_ARGUMENT);
  if (ntt_backend_available(NttBackend::avx512_ifma, 13, q50)) {
    EXPECT_EQ(ntt_automatic_backend(13, q50), NttBackend::avx512_ifma);
  }
  // SIMD backends need N >= 16; automatic falls back to portable below that.
  const Modulus small(12289);
  for (const NttBackend b : kSimdBackends) {
    EXPECT_FALSE(ntt_backend_available(b, 3, small));
    EXPECT_EQ(NttTables::create(3, small, b).status().code(), Code::INVALID_ARGUMENT);
  }
  EXPECT_EQ(make(3, 12289, NttBackend::automatic).backend(), NttBackend::portable);
  EXPECT_TRUE(ntt_backend_available(NttBackend::portable, 1, small));
  EXPECT_FALSE(ntt_backend_available(static_cast<NttBackend>(200), 13, small));
}

}  // namespace
}  // namespace ei::math
