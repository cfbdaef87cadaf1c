// Our engine against real SEAL: node-seal 6.0.3 (wasm) and Pyfhel 3.5.0 (native SEAL 4.1.2).
// Vectors are generated at test time by gen_node_seal.js / gen_pyfhel.py (FORMAT.md).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "engine/ckks/encoder.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"
#include "engine/serialization/serialization.h"
#include "tests/interop/interop_util.h"

namespace ei::interop {
namespace {

using ser::Compression;
using ser::SeedMode;

const char* const kCompressions[] = {"none", "zlib", "zstd"};

// Index of the first differing byte, or -1.
long first_difference(const Bytes& a, const Bytes& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<long>(i);
  return a.size() == b.size() ? -1 : static_cast<long>(n);
}

#define EXPECT_SAME_BYTES(ours, theirs, what)                                                      \
  do {                                                                                             \
    const long diff_at = first_difference((ours), (theirs));                                       \
    EXPECT_EQ(diff_at, -1) << (what) << ": ours " << (ours).size() << " bytes, SEAL's " << (theirs).size() \
                           << " bytes, first difference at byte " << diff_at;                      \
  } while (0)

rlwe::ContextPtr context_for(std::uint64_t n, const std::vector<int>& bits) {
  static std::map<std::pair<std::uint64_t, std::vector<int>>, rlwe::ContextPtr> cache;
  auto key = std::make_pair(n, bits);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto parms = rlwe::make_ckks_parameters(n, bits);
  if (!parms.ok()) throw std::runtime_error(parms.status().to_string());
  auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
  if (!ctx.ok()) throw std::runtime_error(ctx.status().to_string());
  cache[key] = *ctx;
  return *ctx;
}

std::vector<fs::path> set_dirs(const std::string& oracle) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(vec_root() / oracle)) {
    if (e.is_directory() && fs::exists(e.path() / "meta.json")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool missing(const nlohmann::json& meta, const std::string& name) {
  if (!meta.contains("missing")) return false;
  for (const auto& m : meta["missing"])
    if (m.get<std::string>() == name || name.rfind(m.get<std::string>(), 0) == 0) return true;
  return false;
}

double max_abs_error(const std::vector<double>& want, const std::vector<double>& have) {
  double worst = 0;
  for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(want[i] - have.at(i)));
  return worst;
}

// The decryption bound for fresh ciphertexts at `scale`. Fresh public-key noise is about 2^14
// units of 1/scale at these N (measured: 2^-27 at 2^40, N = 8192; 2^-16 at 2^30, N = 16384), so
// 2^17/scale leaves a margin of 8 and is 2^-23 at scale 2^40 — tighter than the 2^-20 bar.
double fresh_bound(double scale) { return std::ldexp(1.0, 17) / scale; }

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (vec_root().empty()) GTEST_SKIP() << "EI_INTEROP_VEC not set: run through ctest";
  }
};

TEST_F(InteropTest, RequiredOraclesProducedVectors) {
  for (const auto& o : required_oracles()) {
    EXPECT_TRUE(fs::exists(vec_root() / o)) << "oracle " << o << " produced no vectors in " << vec_root();
  }
  EXPECT_FALSE(present_oracles().empty());
}

TEST_F(InteropTest, PrimesAndParmsIdPerLevelMatchSeal) {
  std::set<std::pair<std::uint64_t, std::vector<int>>> combos;
  for (const auto& oracle : present_oracles()) {
    const fs::path path = vec_root() / oracle / "params.json";
    if (!fs::exists(path)) continue;
    for (const auto& entry : read_json(path)) {
      const auto n = entry["n"].get<std::uint64_t>();
      const auto bits = entry["bits"].get<std::vector<int>>();
      SCOPED_TRACE(oracle + " n=" + std::to_string(n) + " bits=" + entry["bits"].dump());
      auto parms = rlwe::make_ckks_parameters(n, bits);
      ASSERT_TRUE(parms.ok()) << parms.status().to_string();
      auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
      ASSERT_TRUE(ctx.ok()) << ctx.status().to_string();
      const auto& levels = entry["levels"];
      ASSERT_EQ(levels.size(), (*ctx)->level_count());
      for (std::size_t i = 0; i < levels.size(); ++i) {
        const auto& ours = (*ctx)->level(i);
        EXPECT_EQ(levels[i]["chain_index"].get<std::size_t>(), ours.chain_index());
        EXPECT_EQ(levels[i]["parms_id"].get<std::string>(), rlwe::parms_id_hex(ours.parms_id()));
        std::vector<std::string> primes;
        for (const auto& q : ours.coeff_modulus()) primes.push_back(std::to_string(q.value()));
        EXPECT_EQ(levels[i]["primes"].get<std::vector<std::string>>(), primes);
      }
      combos.insert({n, bits});
    }
  }
  EXPECT_GE(combos.size(), 12U) << "acceptance: ≥ 12 (N, bit-list) combinations compared";
}

// Each kind loaded from SEAL's none/zlib/zstd output and saved with compression none equals SEAL's
// own uncompressed bytes; seeded forms expand to SEAL's expanded bytes and re-save seeded exactly.
class ObjectSetTest : public InteropTest {
 protected:
  template <typename LoadFn>
  void check_kind(const fs::path& dir, const nlohmann::json& meta, const std::string& stem, LoadFn load,
                  int& compared) {
    const fs::path none = dir / (stem + ".none.bin");
    if (missing(meta, stem) || !fs::exists(none)) {
      ADD_FAILURE() << dir.filename() << ": " << stem << " missing and not listed in meta.missing";
      return;
    }
    const Bytes want = read_bytes(none);
    for (const char* c : kCompressions) {
      const fs::path p = dir / (stem + "." + c + ".bin");
      if (!fs::exists(p)) {
        ADD_FAILURE() << p << " missing";
        continue;
      }
      auto obj = load(read_bytes(p));
      ASSERT_TRUE(obj.ok()) << p << ": " << obj.status().to_string();
      auto again = ser::save(*obj, {Compression::none, SeedMode::kNever});
      ASSERT_TRUE(again.ok());
      EXPECT_SAME_BYTES(*again, want, p.filename().string());
      ++compared;
    }
  }

  template <typename LoadFn>
  void check_seeded(const fs::path& dir, const nlohmann::json& meta, const std::string& stem, LoadFn load,
                    int& compared) {
    const fs::path seeded = dir / (stem + ".seeded.none.bin");
    if (missing(meta, stem + ".seeded")) return;
    if (!fs::exists(seeded)) {
      ADD_FAILURE() << seeded << " missing and not listed in meta.missing";
      return;
    }
    const Bytes seeded_bytes = read_bytes(seeded);
    const Bytes expanded = read_bytes(dir / (stem + ".seeded.expanded.bin"));
    for (const char* c : kCompressions) {
      const fs::path p = dir / (stem + ".seeded." + c + ".bin");
      if (!fs::exists(p)) continue;
      auto obj = load(read_bytes(p));
      ASSERT_TRUE(obj.ok()) << p << ": " << obj.status().to_string();
      EXPECT_SAME_BYTES(*ser::save(*obj, {Compression::none, SeedMode::kNever}), expanded,
                        p.filename().string() + " expanded");
      EXPECT_SAME_BYTES(*ser::save(*obj, {Compression::none, SeedMode::kIfAvailable}), seeded_bytes,
                        p.filename().string() + " re-saved seeded");
      ++compared;
    }
  }
};

TEST_F(ObjectSetTest, EveryKindRoundTripsToSealBytesAndDecrypts) {
  int sets = 0;
  for (const auto& oracle : present_oracles()) {
    for (const auto& dir : set_dirs(oracle)) {
      SCOPED_TRACE(oracle + "/" + dir.filename().string());
      const auto meta = read_json(dir / "meta.json");
      const auto n = meta["n"].get<std::uint64_t>();
      const auto bits = meta["bits"].get<std::vector<int>>();
      const double scale = meta["scale"].get<double>();
      const rlwe::ContextPtr ctx = context_for(n, bits);
      const auto& c = *ctx;
      int compared = 0;

      check_kind(dir, meta, "parms", [](const Bytes& b) { return ser::load_parameters(b); }, compared);
      check_kind(dir, meta, "secret_key", [&](const Bytes& b) { return ser::load_secret_key(c, b); }, compared);
      check_kind(dir, meta, "public_key", [&](const Bytes& b) { return ser::load_public_key(c, b); }, compared);
      check_kind(dir, meta, "relin_keys", [&](const Bytes& b) { return ser::load_relin_keys(c, b); }, compared);
      check_kind(dir, meta, "galois_keys", [&](const Bytes& b) { return ser::load_galois_keys(c, b); }, compared);
      check_kind(dir, meta, "plaintext", [&](const Bytes& b) { return ser::load_plaintext(c, b); }, compared);
      check_kind(dir, meta, "ct_pk", [&](const Bytes& b) { return ser::load_ciphertext(c, b); }, compared);
      check_seeded(dir, meta, "public_key", [&](const Bytes& b) { return ser::load_public_key(c, b); }, compared);
      check_seeded(dir, meta, "relin_keys", [&](const Bytes& b) { return ser::load_relin_keys(c, b); }, compared);
      check_seeded(dir, meta, "galois_keys", [&](const Bytes& b) { return ser::load_galois_keys(c, b); }, compared);
      check_seeded(dir, meta, "ct_sym", [&](const Bytes& b) { return ser::load_ciphertext(c, b); }, compared);
      EXPECT_GE(compared, 21) << "every kind in all three compressions";

      // Decrypt SEAL's ciphertexts with SEAL's secret key through our decryptor and decoder.
      auto sk = ser::load_secret_key(c, read_bytes(dir / "secret_key.none.bin"));
      ASSERT_TRUE(sk.ok()) << sk.status().to_string();
      rlwe::Decryptor decryptor(ctx, *sk);
      ckks::Encoder encoder(ctx);
      auto decrypt_check = [&](const std::string& file, const std::string& values_file) {
        if (!fs::exists(dir / file)) {
          if (!missing(meta, file.substr(0, file.rfind(".none.bin")))) ADD_FAILURE() << file << " missing";
          return;
        }
        auto ct = ser::load_ciphertext(c, read_bytes(dir / file));
        ASSERT_TRUE(ct.ok()) << file << ": " << ct.status().to_string();
        rlwe::Plaintext pt;
        ASSERT_TRUE(decryptor.decrypt(*ct, pt).ok());
        std::vector<double> got;
        ASSERT_TRUE(encoder.decode(pt, got).ok());
        const auto want = read_f64(dir / values_file);
        const double err = max_abs_error(want, got);
        EXPECT_LE(err, fresh_bound(scale)) << file << " decrypted with max abs error " << err;
        std::printf("[interop] %s/%s %s: max abs error %.3g (bound %.3g)\n", oracle.c_str(),
                    dir.filename().c_str(), file.c_str(), err, fresh_bound(scale));
      };
      decrypt_check("ct_pk.none.bin", "ct_pk.values.f64");
      decrypt_check("ct_sym.seeded.none.bin", "ct_sym.values.f64");
      decrypt_check("ct_pk.level1.none.bin", "ct_pk.values.f64");

      // The mod-switched ciphertext round-trips too (a lower level).
      if (fs::exists(dir / "ct_pk.level1.none.bin")) {  // absent where SEAL refuses the switch
        const Bytes l1 = read_bytes(dir / "ct_pk.level1.none.bin");
        auto ct = ser::load_ciphertext(c, l1);
        ASSERT_TRUE(ct.ok()) << ct.status().to_string();
        EXPECT_EQ(ct->coeff_modulus_size, c.first_context_data().coeff_modulus_size() - 1);
        EXPECT_SAME_BYTES(*ser::save(*ct, {}), l1, "ct_pk.level1");
      }

      // Our encoder reproduces SEAL's plaintext bytes for the same values and scale.
      if (oracle == "pyfhel" || scale <= std::ldexp(1.0, 40)) {
        rlwe::Plaintext pt;
        const auto values = read_f64(dir / "plaintext.values.f64");
        ASSERT_TRUE(encoder.encode(values, c.first_parms_id(), scale, pt).ok());
        EXPECT_SAME_BYTES(*ser::save(pt, {}), read_bytes(dir / "plaintext.none.bin"), "encoded plaintext");
      }
      ++sets;
    }
  }
  EXPECT_GE(sets, 3) << "object sets compared";
}

TEST_F(InteropTest, EncoderIsByteIdenticalToSeal) {
  std::map<std::string, int> compared;
  for (const auto& oracle : present_oracles()) {
    const fs::path dir = vec_root() / oracle / "encode";
    if (!fs::exists(dir / "cases.json")) {
      ADD_FAILURE() << oracle << " wrote no encoder cases";
      continue;
    }
    std::set<double> scales;
    int complex_cases = 0;
    for (const auto& cs : read_json(dir / "cases.json")) {
      const std::string id = cs["id"].get<std::string>();
      SCOPED_TRACE(oracle + "/" + id);
      const auto ctx = context_for(cs["n"].get<std::uint64_t>(), cs["bits"].get<std::vector<int>>());
      ckks::Encoder encoder(ctx);
      const double scale = cs["scale"].get<double>();
      const bool is_complex = cs["complex"].get<bool>();
      const auto raw = read_f64(dir / (id + ".values.f64"));
      rlwe::Plaintext pt;
      Status s;
      if (is_complex) {
        std::vector<std::complex<double>> v(raw.size() / 2);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = {raw[2 * i], raw[2 * i + 1]};
        s = encoder.encode(v, ctx->first_parms_id(), scale, pt);
        ++complex_cases;
      } else {
        s = encoder.encode(raw, ctx->first_parms_id(), scale, pt);
      }
      ASSERT_TRUE(s.ok()) << s.to_string();
      EXPECT_SAME_BYTES(*ser::save(pt, {}), read_bytes(dir / (id + ".plain.bin")), id);
      scales.insert(scale);
      ++compared[oracle];
    }
    std::printf("[interop] %s encoder: %d cases byte-identical over %zu scales (%d complex)\n", oracle.c_str(),
                compared[oracle], scales.size(), complex_cases);
  }
  if (fs::exists(vec_root() / "pyfhel")) {
    EXPECT_GE(compared["pyfhel"], 100) << "acceptance: ≥ 100 vectors vs native SEAL";
  }
  if (fs::exists(vec_root() / "node-seal")) {
    EXPECT_GE(compared["node-seal"], 20);
  }
}

// Writes our objects for the oracles' check scripts (FORMAT.md, "ours-for-<oracle>").
TEST_F(InteropTest, WriteOurObjectsForOracles) {
  for (const auto& oracle : present_oracles()) {
    for (const auto& dir : set_dirs(oracle)) {
      SCOPED_TRACE(oracle + "/" + dir.filename().string());
      const auto meta = read_json(dir / "meta.json");
      const auto ctx = context_for(meta["n"].get<std::uint64_t>(), meta["bits"].get<std::vector<int>>());
      const double scale = meta["scale"].get<double>();
      const fs::path out = vec_root() / ("ours-for-" + oracle) / dir.filename();
      fs::create_directories(out / "own");
      ckks::Encoder encoder(ctx);
      std::mt19937_64 rng(0x5eed);
      std::uniform_real_distribution<double> uni(-1.0, 1.0);
      std::vector<double> values(encoder.slot_count());
      for (auto& v : values) v = uni(rng);
      rlwe::Plaintext pt;
      ASSERT_TRUE(encoder.encode(values, ctx->first_parms_id(), scale, pt).ok());
      const nlohmann::json bound = {{"max_abs_error", fresh_bound(scale)}};
      auto write_ct = [&](const fs::path& path, const rlwe::Ciphertext& ct, SeedMode mode, Compression c) {
        auto bytes = ser::save(ct, {c, mode});
        ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
        write_bytes(path, *bytes);
      };
      auto write_values = [&](const fs::path& stem) {
        write_f64(stem.string() + ".values.f64", values);
        const std::string b = bound.dump();
        write_bytes(stem.string() + ".bound.json", Bytes(b.begin(), b.end()));
      };
      // Public-key encryption under SEAL's public key.
      auto pk = ser::load_public_key(*ctx, read_bytes(dir / "public_key.none.bin"));
      ASSERT_TRUE(pk.ok()) << pk.status().to_string();
      rlwe::Ciphertext ct;
      ASSERT_TRUE(rlwe::Encryptor(ctx, *pk).encrypt(pt, ct).ok());
      write_ct(out / "ct_pk.none.bin", ct, SeedMode::kNever, Compression::none);
      write_values(out / "ct_pk");
      // Seeded symmetric encryption under SEAL's secret key.
      auto sk = ser::load_secret_key(*ctx, read_bytes(dir / "secret_key.none.bin"));
      ASSERT_TRUE(sk.ok()) << sk.status().to_string();
      ASSERT_TRUE(rlwe::Encryptor(ctx, *sk).encrypt_symmetric(pt, ct).ok());
      write_ct(out / "ct_sym.seeded.none.bin", ct, SeedMode::kRequired, Compression::none);
      write_ct(out / "ct_sym.seeded.zstd.bin", ct, SeedMode::kRequired, Compression::zstd);
      write_values(out / "ct_sym");
      // Keys we generate: SEAL decrypts our public-key ciphertext with our secret key.
      rlwe::KeyGenerator keygen(ctx);
      write_bytes(out / "own" / "secret_key.none.bin", *ser::save(keygen.secret_key(), {}));
      const rlwe::PublicKey own_pk = keygen.create_public_key();
      write_bytes(out / "own" / "public_key.none.bin", *ser::save(own_pk, {}));
      ASSERT_TRUE(rlwe::Encryptor(ctx, own_pk).encrypt(pt, ct).ok());
      write_ct(out / "own" / "ct.none.bin", ct, SeedMode::kNever, Compression::none);
      write_values(out / "own" / "ct");
      // Our evaluation keys, seeded as SEAL's Serializable keys are: the oracle relinearizes and
      // rotates our ciphertext with them (check_node_seal.js).
      auto rk = keygen.create_relin_keys();
      ASSERT_TRUE(rk.ok()) << rk.status().to_string();
      write_bytes(out / "own" / "relin_keys.none.bin", *ser::save(*rk, {Compression::none, SeedMode::kRequired}));
      const int steps[] = {1};
      auto gk = keygen.create_galois_keys_for_steps(steps);
      ASSERT_TRUE(gk.ok()) << gk.status().to_string();
      write_bytes(out / "own" / "galois_keys.none.bin", *ser::save(*gk, {Compression::none, SeedMode::kRequired}));
      write_bytes(out / "parms.none.bin", *ser::save(ctx->key_context_data().parms(), {}));
    }
  }
}

}  // namespace
}  // namespace ei::interop
