// The malformed-input table: each case mutates a valid object (or builds hostile bytes) and names
// the documented error code `load` must return. Runs under ASan+UBSan in CI: a crash, leak or
// unbounded allocation fails it as surely as a wrong code.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <string>

#include "engine/serialization/serialization.h"
#include "tests/engine/serialization/test_objects.h"

namespace ei::ser {
namespace {

using Bytes = std::vector<std::uint8_t>;

enum class Kind { kCiphertext, kPlaintext, kSecretKey, kPublicKey, kRelinKeys, kGaloisKeys, kParameters };

struct Case {
  std::string name;
  Kind kind;
  std::function<Bytes()> make;
  Code expected;
};

// Ciphertext field offsets (compression none): header 0, parms_id 16, NTT flag 48, size 49, N 57,
// L 65, scale 73, correction factor 81, DynArray header 89 (its size at 97), count 105, data 113.
constexpr std::size_t kCtParms = 16, kCtNtt = 48, kCtSize = 49, kCtN = 57, kCtL = 65, kCtScale = 73,
                      kCtCf = 81, kCtArr = 89, kCtCount = 105, kCtData = 113;
// Plaintext: parms_id 16, coeff_count 48, scale 56, DynArray header 64, count 80, data 88.
constexpr std::size_t kPtParms = 16, kPtCount = 48, kPtScale = 56, kPtData = 88;
// KSwitchKeys: parms_id 16, dim1 48, first dim2 56, first inner key 64.
constexpr std::size_t kKsParms = 16, kKsDim1 = 48, kKsDim2 = 56;
// Parameters: scheme 16, N 17, count 25, first Modulus 33 (value at 49).
constexpr std::size_t kParScheme = 16, kParN = 17, kParCount = 25, kParQ0 = 49;

const rlwe::Context& ctx() { return *test::small_context(); }

std::mt19937_64& rng() {
  static std::mt19937_64 r(7);
  return r;
}

Bytes ct_bytes_in(Compression c) {
  return *save(test::random_ciphertext(ctx().first_context_data(), 2, 1099511627776.0, rng()), {c});
}
Bytes ct_bytes() { return ct_bytes_in(Compression::none); }
Bytes seeded_ct_bytes() {
  return *save(test::random_seeded_ciphertext(ctx().first_context_data(), 1099511627776.0, rng()),
               {Compression::none, SeedMode::kRequired});
}
Bytes pt_bytes() { return *save(test::random_plaintext(ctx().first_context_data(), 1099511627776.0, rng()), {}); }
Bytes sk_bytes() { return *save(test::random_secret_key(ctx(), rng()), {}); }
Bytes pk_bytes() { return *save(test::random_public_key(ctx(), false, rng()), {}); }
Bytes rk_bytes() { return *save(test::random_relin_keys(ctx(), false, rng()), {}); }
Bytes gk_bytes() { return *save(test::random_galois_keys(ctx(), {3, 2047}, false, rng()), {}); }
Bytes par_bytes() { return *save(ctx().key_context_data().parms(), {}); }

// Rewrites the top-level header's size field to the buffer length (after a length change).
Bytes fix_size(Bytes b) {
  test::put_u64(b, 8, b.size());
  return b;
}
template <typename F>
std::function<Bytes()> mutate(Bytes (*base)(), F f) {
  return [base, f] {
    Bytes b = base();
    f(b);
    return b;
  };
}
// Wraps a raw compressed payload in a SEAL header declaring compression `mode`.
Bytes wrap(std::uint8_t mode, const Bytes& payload) {
  Bytes b = {0x5e, 0xa1, 0x10, 0x04, 0x01, mode, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  b.insert(b.end(), payload.begin(), payload.end());
  return fix_size(b);
}
Bytes zstd_of(const Bytes& raw) {
  Bytes out(ZSTD_compressBound(raw.size()));
  out.resize(ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), 3));
  return out;
}
Bytes zlib_of(const Bytes& raw) {
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  Bytes out(n);
  compress2(out.data(), &n, raw.data(), static_cast<uLong>(raw.size()), 6);
  out.resize(n);
  return out;
}
Bytes bomb_raw() { return Bytes(64U << 20, 0); }  // 64 MiB of zeros: a few KiB compressed

Status load_as(Kind kind, const Bytes& b) {
  switch (kind) {
    case Kind::kCiphertext: return load_ciphertext(ctx(), b).status();
    case Kind::kPlaintext: return load_plaintext(ctx(), b).status();
    case Kind::kSecretKey: return load_secret_key(ctx(), b).status();
    case Kind::kPublicKey: return load_public_key(ctx(), b).status();
    case Kind::kRelinKeys: return load_relin_keys(ctx(), b).status();
    case Kind::kGaloisKeys: return load_galois_keys(ctx(), b).status();
    case Kind::kParameters: return load_parameters(b).status();
  }
  return {};
}

std::vector<Case> cases() {
  using K = Kind;
  std::vector<Case> c;
  auto add = [&](std::string name, Kind k, std::function<Bytes()> make, Code code) {
    c.push_back({std::move(name), k, std::move(make), code});
  };
  // --- header
  add("empty_input", K::kCiphertext, [] { return Bytes{}; }, Code::TRUNCATED);
  add("truncated_header", K::kCiphertext, [] { Bytes b = ct_bytes(); b.resize(15); return b; }, Code::TRUNCATED);
  add("wrong_magic", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[0] = 0x5f; }), Code::BAD_MAGIC);
  add("swapped_magic", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { std::swap(b[0], b[1]); }), Code::BAD_MAGIC);
  add("header_size_17", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[2] = 17; }), Code::BAD_HEADER);
  add("version_4_4", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[4] = 4; }), Code::UNSUPPORTED_VERSION);
  add("version_4_0", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[4] = 0; }), Code::UNSUPPORTED_VERSION);
  add("version_3_6", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[3] = 3; b[4] = 6; }), Code::UNSUPPORTED_VERSION);
  add("version_5_1", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[3] = 5; }), Code::UNSUPPORTED_VERSION);
  add("compression_byte_3", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[5] = 3; }), Code::UNSUPPORTED_COMPRESSION);
  add("compression_byte_255", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[5] = 255; }), Code::UNSUPPORTED_COMPRESSION);
  add("declared_size_larger_than_buffer", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, 8, b.size() + 1); }), Code::TRUNCATED);
  add("declared_size_2_pow_63", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, 8, std::uint64_t{1} << 63); }), Code::TRUNCATED);
  add("declared_size_below_header", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, 8, 8); }), Code::SIZE_MISMATCH);
  add("trailing_byte", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b.push_back(0); }), Code::TRAILING_BYTES);
  add("declared_size_smaller_than_buffer", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, 8, b.size() - 8); }), Code::TRAILING_BYTES);
  add("truncated_data", K::kCiphertext, [] { Bytes b = ct_bytes(); b.resize(b.size() - 8); return fix_size(b); }, Code::TRUNCATED);
  add("truncated_in_metadata", K::kCiphertext, [] { Bytes b = ct_bytes(); b.resize(60); return fix_size(b); }, Code::TRUNCATED);
  // --- metadata
  add("parms_id_random", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[kCtParms] ^= 0xff; }), Code::PARMS_ID_UNKNOWN);
  add("parms_id_of_other_parameters", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) {
        const auto& id = test::other_context()->first_parms_id();
        std::copy(id.begin(), id.end(), b.begin() + kCtParms);
      }), Code::PARMS_ID_UNKNOWN);
  add("parms_id_key_level", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) {
        const auto& id = ctx().key_parms_id();
        std::copy(id.begin(), id.end(), b.begin() + kCtParms);
      }), Code::LEVEL_NOT_ALLOWED);
  add("parms_id_lower_level_dims_mismatch", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) {
        const auto& id = ctx().last_context_data().parms_id();
        std::copy(id.begin(), id.end(), b.begin() + kCtParms);
      }), Code::DIMENSION_MISMATCH);
  add("ntt_flag_2", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[kCtNtt] = 2; }), Code::INVALID_FIELD);
  add("not_ntt_form", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[kCtNtt] = 0; }), Code::NOT_NTT_FORM);
  add("size_0", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 0); }), Code::INVALID_SIZE);
  add("size_1", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 1); }), Code::INVALID_SIZE);
  add("size_17", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 17); }), Code::INVALID_SIZE);
  add("size_2_pow_40", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, std::uint64_t{1} << 40); }), Code::INVALID_SIZE);
  add("size_3_with_data_of_2", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 3); }), Code::SIZE_MISMATCH);
  add("n_mismatch", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtN, 2048); }), Code::DIMENSION_MISMATCH);
  add("n_huge", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtN, ~std::uint64_t{0}); }), Code::DIMENSION_MISMATCH);
  add("limb_count_mismatch", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtL, 4); }), Code::DIMENSION_MISMATCH);
  add("scale_zero", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, 0.0); }), Code::INVALID_SCALE);
  add("scale_nan", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, std::nan("")); }), Code::INVALID_SCALE);
  add("scale_inf", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, INFINITY); }), Code::INVALID_SCALE);
  add("scale_negative", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, -1099511627776.0); }), Code::INVALID_SCALE);
  add("scale_tiny", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, 1e-300); }), Code::INVALID_SCALE);
  add("scale_beyond_modulus", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, std::ldexp(1.0, 100)); }), Code::INVALID_SCALE);
  add("correction_factor_2", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtCf, 2); }), Code::INVALID_CORRECTION_FACTOR);
  // --- coefficient array
  add("array_count_plus_one", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtCount, test::get_u64(b, kCtCount) + 1); }), Code::SIZE_MISMATCH);
  add("array_count_2_pow_61", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtCount, std::uint64_t{1} << 61); }), Code::SIZE_MISMATCH);
  add("array_header_size_wrong", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, kCtArr + 8, 24); }), Code::SIZE_MISMATCH);
  add("array_magic_wrong", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[kCtArr] = 0; }), Code::BAD_MAGIC);
  add("array_marked_compressed", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { b[kCtArr + 5] = 1; }), Code::UNSUPPORTED_COMPRESSION);
  add("coefficient_equals_modulus", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) {
        test::put_u64(b, kCtData, ctx().first_context_data().coeff_modulus()[0].value());
      }), Code::COEFF_OUT_OF_RANGE);
  add("coefficient_all_ones_in_c1", K::kCiphertext, mutate(ct_bytes, [](Bytes& b) { test::put_u64(b, b.size() - 8, ~std::uint64_t{0}); }), Code::COEFF_OUT_OF_RANGE);
  // --- seeded form
  add("seeded_prng_type_0", K::kCiphertext, mutate(seeded_ct_bytes, [](Bytes& b) { b[b.size() - 65] = 0; }), Code::INVALID_PRNG);
  add("seeded_prng_type_3", K::kCiphertext, mutate(seeded_ct_bytes, [](Bytes& b) { b[b.size() - 65] = 3; }), Code::INVALID_PRNG);
  add("seeded_prng_header_size", K::kCiphertext, mutate(seeded_ct_bytes, [](Bytes& b) { test::put_u64(b, b.size() - 81 + 8, 80); }), Code::SIZE_MISMATCH);
  add("seeded_missing_prng_info", K::kCiphertext, [] { Bytes b = seeded_ct_bytes(); b.resize(b.size() - 81); return fix_size(b); }, Code::TRUNCATED);
  add("seeded_with_size_3", K::kCiphertext, mutate(seeded_ct_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 3); }), Code::SIZE_MISMATCH);
  // --- compression
  add("zlib_corrupt_stream", K::kCiphertext, mutate(+[] { return ct_bytes_in(Compression::zlib); }, [](Bytes& b) { b[16] ^= 0xff; b[17] ^= 0xff; }), Code::DECOMPRESSION_FAILED);
  add("zlib_truncated_stream", K::kCiphertext, [] { Bytes b = ct_bytes_in(Compression::zlib); b.resize(b.size() - 10); return fix_size(b); }, Code::DECOMPRESSION_FAILED);
  add("zlib_trailing_garbage", K::kCiphertext, [] { Bytes b = ct_bytes_in(Compression::zlib); b.push_back(1); return fix_size(b); }, Code::DECOMPRESSION_FAILED);
  add("zlib_bomb", K::kCiphertext, [] { return wrap(1, zlib_of(bomb_raw())); }, Code::LIMIT_EXCEEDED);
  add("zstd_corrupt_frame", K::kCiphertext, mutate(+[] { return ct_bytes_in(Compression::zstd); }, [](Bytes& b) { b[16] ^= 0xff; }), Code::DECOMPRESSION_FAILED);
  add("zstd_truncated_frame", K::kCiphertext, [] { Bytes b = ct_bytes_in(Compression::zstd); b.resize(b.size() - 10); return fix_size(b); }, Code::DECOMPRESSION_FAILED);
  add("zstd_trailing_garbage", K::kCiphertext, [] { Bytes b = ct_bytes_in(Compression::zstd); b.push_back(1); return fix_size(b); }, Code::DECOMPRESSION_FAILED);
  add("zstd_bomb", K::kCiphertext, [] { return wrap(2, zstd_of(bomb_raw())); }, Code::LIMIT_EXCEEDED);
  // Key sets may legitimately be large (bound 1 GiB), so only the expansion-ratio cap stops this.
  add("galois_keys_zstd_bomb_ratio", K::kGaloisKeys, [] { return wrap(2, zstd_of(bomb_raw())); }, Code::LIMIT_EXCEEDED);
  add("relin_keys_zlib_bomb_ratio", K::kRelinKeys, [] { return wrap(1, zlib_of(bomb_raw())); }, Code::LIMIT_EXCEEDED);
  add("zstd_decompresses_to_garbage", K::kCiphertext, [] { return wrap(2, zstd_of(Bytes(100, 7))); }, Code::PARMS_ID_UNKNOWN);
  add("zstd_empty_payload", K::kCiphertext, [] { return wrap(2, Bytes{}); }, Code::DECOMPRESSION_FAILED);
  // --- plaintext and secret key
  add("plaintext_coeff_count_mismatch", K::kPlaintext, mutate(pt_bytes, [](Bytes& b) { test::put_u64(b, kPtCount, 1024); }), Code::DIMENSION_MISMATCH);
  add("plaintext_coefficient_form", K::kPlaintext, mutate(pt_bytes, [](Bytes& b) { std::fill(b.begin() + kPtParms, b.begin() + kPtParms + 32, 0); }), Code::NOT_NTT_FORM);
  add("plaintext_scale_nan", K::kPlaintext, mutate(pt_bytes, [](Bytes& b) { test::put_f64(b, kPtScale, std::nan("")); }), Code::INVALID_SCALE);
  add("plaintext_coefficient_out_of_range", K::kPlaintext, mutate(pt_bytes, [](Bytes& b) { test::put_u64(b, kPtData, ~std::uint64_t{0}); }), Code::COEFF_OUT_OF_RANGE);
  add("plaintext_at_key_level", K::kPlaintext, [] { return sk_bytes(); }, Code::LEVEL_NOT_ALLOWED);
  add("secret_key_at_data_level", K::kSecretKey, [] { return pt_bytes(); }, Code::LEVEL_NOT_ALLOWED);
  add("secret_key_scale_not_one", K::kSecretKey, mutate(sk_bytes, [](Bytes& b) { test::put_f64(b, kPtScale, 2.0); }), Code::INVALID_SCALE);
  // --- public key and key-switching keys
  add("public_key_at_data_level", K::kPublicKey, [] { return ct_bytes(); }, Code::LEVEL_NOT_ALLOWED);
  add("public_key_size_3", K::kPublicKey, mutate(pk_bytes, [](Bytes& b) { test::put_u64(b, kCtSize, 3); }), Code::INVALID_SIZE);
  add("public_key_scale_not_one", K::kPublicKey, mutate(pk_bytes, [](Bytes& b) { test::put_f64(b, kCtScale, 2.0); }), Code::INVALID_SCALE);
  add("relin_keys_wrong_parms_id", K::kRelinKeys, mutate(rk_bytes, [](Bytes& b) { b[kKsParms] ^= 1; }), Code::PARMS_ID_UNKNOWN);
  add("relin_keys_dim1_huge", K::kRelinKeys, mutate(rk_bytes, [](Bytes& b) { test::put_u64(b, kKsDim1, std::uint64_t{1} << 62); }), Code::LIMIT_EXCEEDED);
  add("relin_keys_dim2_wrong", K::kRelinKeys, mutate(rk_bytes, [](Bytes& b) { test::put_u64(b, kKsDim2, 2); }), Code::SIZE_MISMATCH);
  add("relin_keys_truncated", K::kRelinKeys, [] { Bytes b = rk_bytes(); b.resize(b.size() / 2); return fix_size(b); }, Code::TRUNCATED);
  add("relin_keys_inner_coefficient_out_of_range", K::kRelinKeys, mutate(rk_bytes, [](Bytes& b) { test::put_u64(b, b.size() - 8, ~std::uint64_t{0}); }), Code::COEFF_OUT_OF_RANGE);
  add("galois_keys_dim1_over_n", K::kGaloisKeys, mutate(gk_bytes, [](Bytes& b) { test::put_u64(b, kKsDim1, 1025); }), Code::LIMIT_EXCEEDED);
  add("galois_keys_inner_not_key_level", K::kGaloisKeys, mutate(gk_bytes, [](Bytes& b) {
        // Entry (3-1)/2 = 1: dim1 at 48, entry 0's dim2 (0) at 56, entry 1's dim2 at 64, its key at 72.
        b[72 + 16] ^= 0x55;
      }), Code::PARMS_ID_UNKNOWN);
  // --- parameters
  add("parameters_scheme_bfv", K::kParameters, mutate(par_bytes, [](Bytes& b) { b[kParScheme] = 1; }), Code::UNSUPPORTED_SCHEME);
  add("parameters_scheme_9", K::kParameters, mutate(par_bytes, [](Bytes& b) { b[kParScheme] = 9; }), Code::UNSUPPORTED_SCHEME);
  add("parameters_n_2_pow_20", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParN, 1 << 20); }), Code::LIMIT_EXCEEDED);
  add("parameters_count_0", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParCount, 0); }), Code::LIMIT_EXCEEDED);
  add("parameters_count_1000", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParCount, 1000); }), Code::LIMIT_EXCEEDED);
  add("parameters_count_5_of_4", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParCount, 5); }), Code::TRUNCATED);
  add("parameters_modulus_1", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParQ0, 1); }), Code::INVALID_PARAMETERS);
  add("parameters_modulus_2_pow_62", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, kParQ0, std::uint64_t{1} << 62); }), Code::INVALID_PARAMETERS);
  add("parameters_plain_modulus_nonzero", K::kParameters, mutate(par_bytes, [](Bytes& b) { test::put_u64(b, b.size() - 8, 65537); }), Code::INVALID_PARAMETERS);
  return c;
}

// Test names and failure messages show the case name, not the bytes of the std::function.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class MalformedTest : public ::testing::TestWithParam<Case> {};

TEST_P(MalformedTest, RejectedWithDocumentedCode) {
  const Case& c = GetParam();
  const Bytes bytes = c.make();
  const Status s = load_as(c.kind, bytes);
  EXPECT_EQ(code_name(s.code()), code_name(c.expected)) << c.name << ": " << s.to_string();
  EXPECT_FALSE(s.detail().empty()) << "every rejection carries a message";
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) { return param_info.param.name; });

TEST(MalformedTable, HasAtLeastFortyCasesAndValidBasesLoad) {
  EXPECT_GE(cases().size(), 40U);
  // The unmutated bases load: every failure above is caused by its mutation.
  EXPECT_TRUE(load_ciphertext(ctx(), ct_bytes()).ok());
  EXPECT_TRUE(load_ciphertext(ctx(), ct_bytes_in(Compression::zlib)).ok());
  EXPECT_TRUE(load_ciphertext(ctx(), ct_bytes_in(Compression::zstd)).ok());
  EXPECT_TRUE(load_ciphertext(ctx(), seeded_ct_bytes()).ok());
  EXPECT_TRUE(load_plaintext(ctx(), pt_bytes()).ok());
  EXPECT_TRUE(load_secret_key(ctx(), sk_bytes()).ok());
  EXPECT_TRUE(load_public_key(ctx(), pk_bytes()).ok());
  EXPECT_TRUE(load_relin_keys(ctx(), rk_bytes()).ok());
  EXPECT_TRUE(load_galois_keys(ctx(), gk_bytes()).ok());
  EXPECT_TRUE(load_parameters(par_bytes()).ok());
}

}  // namespace
}  // namespace ei::ser
