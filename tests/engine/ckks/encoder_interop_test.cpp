// Byte-identity of our encoder with real SEAL (tests/interop/FORMAT.md, "encoder vectors"): for
// every case in $EI_INTEROP_VEC/<oracle>/encode/cases.json, encode <id>.values.f64 and compare
// with the oracle's <id>.plain.bin word for word. Skips only when EI_INTEROP_VEC is unset.
#include <gtest/gtest.h>

#include <bit>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/ckks/encoder.h"

namespace ei::ckks {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<double> read_f64(const fs::path& p) {
  const std::vector<std::uint8_t> b = read_bytes(p);
  std::vector<double> v(b.size() / 8);
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * 8);
  return v;
}

// A tiny reader of SEAL's uncompressed Plaintext layout: SEALHeader(16) | parms_id(32) |
// u64 coeff_count | f64 scale | DynArray: SEALHeader(16) | u64 count | count words.
struct SealPlain {
  rlwe::ParmsId parms_id{};
  std::uint64_t coeff_count = 0;
  double scale = 0;
  std::vector<std::uint64_t> data;
};

std::optional<SealPlain> parse_plain(const std::vector<std::uint8_t>& b, std::string* why) {
  std::size_t off = 0;
  auto need = [&](std::size_t k) { return off + k <= b.size(); };
  auto u64 = [&]() {
    std::uint64_t v;
    std::memcpy(&v, b.data() + off, 8);
    off += 8;
    return v;
  };
  auto header = [&](const char* what) -> bool {
    if (!need(16)) return *why = std::string(what) + ": truncated header", false;
    if (b[off] != 0x5E || b[off + 1] != 0xA1 || b[off + 2] != 0x10) {
      return *why = std::string(what) + ": bad magic/header size", false;
    }
    if (b[off + 5] != 0) return *why = std::string(what) + ": compressed (expected none)", false;
    off += 16;
    return true;
  };
  SealPlain p;
  if (!header("plaintext")) return std::nullopt;
  if (!need(32 + 16)) return *why = "truncated members", std::nullopt;
  std::memcpy(p.parms_id.data(), b.data() + off, 32);
  off += 32;
  p.coeff_count = u64();
  p.scale = std::bit_cast<double>(u64());
  if (!header("dynarray")) return std::nullopt;
  if (!need(8)) return *why = "truncated count", std::nullopt;
  const std::uint64_t count = u64();
  if (count > (b.size() - off) / 8) return *why = "truncated data", std::nullopt;
  p.data.resize(count);
  if (count != 0) std::memcpy(p.data.data(), b.data() + off, count * 8);
  off += count * 8;
  if (off != b.size()) return *why = "trailing bytes", std::nullopt;
  return p;
}

// Contexts from params.json (the oracle's own primes, key level first) when listed, otherwise
// from our CoeffModulus::Create. Always insecure: the tests reproduce whatever the oracle made.
class ContextCache {
 public:
  explicit ContextCache(const fs::path& oracle_dir) {
    std::ifstream in(oracle_dir / "params.json");
    if (in) params_ = json::parse(in, nullptr, false);
  }

  rlwe::ContextPtr get(std::uint64_t n, const std::vector<int>& bits, std::string* why) {
    auto key = std::make_pair(n, bits);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    rlwe::EncryptionParameters parms;
    bool found = false;
    if (params_.is_array()) {
      for (const auto& e : params_) {
        if (e.value("n", std::uint64_t{0}) == n && e.value("bits", std::vector<int>{}) == bits &&
            e.contains("levels") && !e["levels"].empty()) {
          parms.scheme = rlwe::SchemeType::ckks;
          parms.poly_modulus_degree = n;
          for (const auto& q : e["levels"][0]["primes"]) {
            parms.coeff_modulus.push_back(std::stoull(q.get<std::string>()));
          }
          found = true;
          break;
        }
      }
    }
    if (!found) {
      auto made = rlwe::make_ckks_parameters(n, bits);
      if (!made.ok()) return *why = made.status().to_string(), nullptr;
      parms = *made;
    }
    auto ctx = rlwe::Context::create(parms, rlwe::SecurityLevel::kInsecure);
    if (!ctx.ok()) return *why = ctx.status().to_string(), nullptr;
    cache_[key] = *ctx;
    return *ctx;
  }

 private:
  json params_;
  std::map<std::pair<std::uint64_t, std::vector<int>>, rlwe::ContextPtr> cache_;
};

const rlwe::ContextData* level_of(const rlwe::Context& ctx, const json& level) {
  if (level.is_string()) {
    const std::string s = level.get<std::string>();
    if (s == "first") return &ctx.first_context_data();
    if (s == "last") return &ctx.last_context_data();
    if (s == "key") return &ctx.key_context_data();
    if (s.size() == 64) {  // a parms_id in hex
      for (std::size_t i = 0; i < ctx.level_count(); ++i) {
        if (rlwe::parms_id_hex(ctx.level(i).parms_id()) == s) return &ctx.level(i);
      }
    }
    return nullptr;
  }
  if (level.is_number_unsigned()) {  // chain_index
    const auto idx = level.get<std::size_t>();
    for (std::size_t i = 0; i < ctx.level_count(); ++i) {
      if (ctx.level(i).chain_index() == idx) return &ctx.level(i);
    }
  }
  return nullptr;
}

class EncoderInteropTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EncoderInteropTest, EncodeIsByteIdenticalToOracle) {
  const char* vec = std::getenv("EI_INTEROP_VEC");
  if (vec == nullptr || *vec == '\0') {
    GTEST_SKIP() << "EI_INTEROP_VEC is not set; the interop suite (ctest) sets it to the oracle "
                    "vector directory (tests/interop/FORMAT.md)";
  }
  const fs::path oracle_dir = fs::path(vec) / GetParam();
  const fs::path dir = oracle_dir / "encode";
  std::ifstream in(dir / "cases.json");
  ASSERT_TRUE(in) << "missing " << (dir / "cases.json");
  const json cases = json::parse(in, nullptr, false);
  ASSERT_TRUE(cases.is_array()) << "cases.json is not a JSON array";
  ASSERT_FALSE(cases.empty());

  ContextCache contexts(oracle_dir);
  // Every SIMD level the CPU supports must produce the oracle's bytes.
  std::map<rlwe::ContextPtr, std::vector<Encoder>> encoders;
  std::size_t checked = 0, failed = 0;
  for (const json& c : cases) {
    const std::string id = c.at("id").get<std::string>();
    SCOPED_TRACE(GetParam() + "/" + id);
    const auto n = c.at("n").get<std::uint64_t>();
    const auto bits = c.at("bits").get<std::vector<int>>();
    const double scale = c.at("scale").get<double>();
    const bool is_complex = c.value("complex", false);
    std::string why;
    const rlwe::ContextPtr ctx = contexts.get(n, bits, &why);
    ASSERT_NE(ctx, nullptr) << why;
    auto& encs = encoders[ctx];
    if (encs.empty()) {
      for (SimdLevel want : {SimdLevel::kGeneric, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
        Encoder e(ctx, want);
        if (e.simd_level() == want) encs.push_back(std::move(e));
      }
    }
    const rlwe::ContextData* level = level_of(*ctx, c.value("level", json("first")));
    ASSERT_NE(level, nullptr) << "unknown level " << c.value("level", json("first")).dump();

    const std::vector<double> raw = read_f64(dir / (id + ".values.f64"));
    const std::vector<std::uint8_t> bytes = read_bytes(dir / (id + ".plain.bin"));
    ASSERT_FALSE(bytes.empty()) << "missing " << id << ".plain.bin";
    const auto want = parse_plain(bytes, &why);
    ASSERT_TRUE(want.has_value()) << id << ".plain.bin: " << why;

    for (const Encoder& enc : encs) {
      SCOPED_TRACE("simd level " + std::to_string(static_cast<int>(enc.simd_level())));
      rlwe::Plaintext got;
      Status st;
      if (is_complex) {
        std::vector<std::complex<double>> v(raw.size() / 2);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = {raw[2 * i], raw[2 * i + 1]};
        if (c.contains("count")) {
          ASSERT_EQ(v.size(), c["count"].get<std::size_t>());
        }
        st = enc.encode(v, level->parms_id(), scale, got);
      } else {
        if (c.contains("count")) {
          ASSERT_EQ(raw.size(), c["count"].get<std::size_t>());
        }
        st = enc.encode(raw, level->parms_id(), scale, got);
      }
      ASSERT_TRUE(st.ok()) << st.to_string();
      ++checked;
      bool same = got.parms_id == want->parms_id && got.coeff_count == want->coeff_count &&
                  std::bit_cast<std::uint64_t>(got.scale) ==
                      std::bit_cast<std::uint64_t>(want->scale) &&
                  got.data.size() == want->data.size();
      std::size_t first_diff = 0, diffs = 0;
      if (same) {
        for (std::size_t i = 0; i < got.data.size(); ++i) {
          if (got.data[i] != want->data[i] && diffs++ == 0) first_diff = i;
        }
        same = diffs == 0;
      }
      if (!same) {
        ++failed;
        ADD_FAILURE() << "plaintext differs: parms_id "
                      << (got.parms_id == want->parms_id ? "same" : "differs") << ", coeff_count "
                      << got.coeff_count << " vs " << want->coeff_count << ", scale " << got.scale
                      << " vs " << want->scale << ", " << diffs << " words differ (first at "
                      << first_diff << ", limb " << (n == 0 ? 0 : first_diff / n) << ")";
      }
    }
  }
  std::printf("[interop] %s: %zu cases × SIMD levels = %zu encodes, %zu byte-identical\n",
              GetParam().c_str(), cases.size(), checked, checked - failed);
}

INSTANTIATE_TEST_SUITE_P(Oracles, EncoderInteropTest, ::testing::Values("node-seal", "pyfhel"),
                         [](const auto& p) {
                           return p.param == "node-seal" ? std::string("node_seal")
                                                            : std::string(p.param);
                         });

}  // namespace
}  // namespace ei::ckks
