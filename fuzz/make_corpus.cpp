// make_corpus: writes seed inputs for the fuzz harnesses from real objects made by our engine.
//
// Usage: make_corpus OUT_DIR small|logistic|dict
//   small     the N = 1024 [30, 30, 30] (insecure) context: every object kind, every compression,
//             seeded and expanded forms, plus protocol text seeds. Small enough to commit
//             (fuzz/corpus/, about 1 MB); regenerate only when the formats change.
//   logistic  the logistic_v1 context (N = 16384, [60, 30, 30, 60]): parameters, ciphertexts and
//             plaintexts at every data level, secret and public keys, all compressions, and
//             all-zero ciphertexts/plaintexts (which compress to a few hundred bytes). Generated
//             at fuzz time into build/fuzz/corpus-gen (too large to commit); relinearization and
//             Galois keys are left out (megabytes each; the key loaders are the same code at N = 1024).
//   dict      prints the parms_id of every level of both contexts as libFuzzer dictionary entries
//             (pasted into fuzz/dict/seal.dict; OUT_DIR is ignored).
// Writes OUT_DIR/<harness>/<name> for harness in seal_header, params_load, ciphertext_load,
// plaintext_load, keys_load, inspect, hex_base64, json_request.
//
// Exit status: 0 on success, 1 on any engine error or I/O error (message on stderr).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"
#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"
#include "protocol/encoding.h"

namespace {

namespace fs = std::filesystem;
using ei::ser::Compression;
using ei::ser::SeedMode;
using Bytes = std::vector<std::uint8_t>;

constexpr Compression kModes[] = {Compression::none, Compression::zlib, Compression::zstd};

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "make_corpus: %s\n", why.c_str());
  std::exit(1);
}

template <typename T>
T take(ei::Result<T> r, const char* what) {
  if (!r.ok()) die(std::string(what) + ": " + r.status().to_string());
  return std::move(r).value();
}

void check(const ei::Status& s, const char* what) {
  if (!s.ok()) die(std::string(what) + ": " + s.to_string());
}

class Writer {
 public:
  explicit Writer(fs::path root) : root_(std::move(root)) {}

  void put(std::string_view harness, const std::string& name, const Bytes& bytes) {
    const fs::path dir = root_ / std::string(harness);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) die("cannot create " + dir.string() + ": " + ec.message());
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) die("cannot write " + (dir / name).string());
  }
  void put_text(std::string_view harness, const std::string& name, std::string_view text) {
    put(harness, name, Bytes(text.begin(), text.end()));
  }

 private:
  fs::path root_;
};

std::string level_name(const ei::rlwe::Context& ctx, const ei::rlwe::ParmsId& id) {
  const auto* level = ctx.get_context_data(id);
  return "c" + std::to_string(level == nullptr ? 99 : level->chain_index());
}

// Saves `obj` in every compression (and seed mode where given) into each listed harness.
template <typename T>
void put_all(Writer& w, std::initializer_list<std::string_view> harnesses, const std::string& stem, const T& obj,
             std::initializer_list<SeedMode> seed_modes = {SeedMode::kNever}) {
  for (SeedMode sm : seed_modes) {
    for (Compression c : kModes) {
      auto bytes = take(ei::ser::save(obj, {c, sm}), "save");
      const std::string name =
          stem + (sm == SeedMode::kNever ? "" : ".seeded") + "." + std::string(ei::ser::compression_name(c)) + ".bin";
      for (auto h : harnesses) w.put(h, name, bytes);
    }
  }
}

std::vector<double> random_values(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Objects of one context. `with_kswitch` adds relinearization and Galois keys.
void objects(Writer& w, const ei::rlwe::ContextPtr& ctx, const std::string& tag, double scale, bool with_kswitch) {
  std::mt19937_64 rng(20240601);
  const auto& parms = ctx->key_context_data().parms();
  put_all(w, {"params_load", "seal_header", "inspect"}, tag + ".parms", parms);

  ei::rlwe::KeyGenerator keygen(ctx);
  const auto& sk = keygen.secret_key();
  put_all(w, {"keys_load"}, tag + ".secret_key", sk);
  auto pk = keygen.create_public_key();
  put_all(w, {"keys_load"}, tag + ".public_key", pk, {SeedMode::kIfAvailable, SeedMode::kNever});
  w.put("inspect", tag + ".secret_key.none.bin", take(ei::ser::save(sk), "save"));
  w.put("inspect", tag + ".public_key.seeded.zstd.bin",
        take(ei::ser::save(pk, {Compression::zstd, SeedMode::kIfAvailable}), "save"));
  ei::rlwe::RelinKeys rk;
  if (with_kswitch) {
    rk = take(keygen.create_relin_keys(), "create_relin_keys");
    put_all(w, {"keys_load"}, tag + ".relin_keys", rk, {SeedMode::kIfAvailable, SeedMode::kNever});
    const int steps[] = {1};
    auto gk = take(keygen.create_galois_keys_for_steps(steps), "create_galois_keys");
    put_all(w, {"keys_load"}, tag + ".galois_keys_step1", gk, {SeedMode::kIfAvailable, SeedMode::kNever});
    w.put("inspect", tag + ".relin_keys.seeded.none.bin",
          take(ei::ser::save(rk, {Compression::none, SeedMode::kIfAvailable}), "save"));
    w.put("inspect", tag + ".galois_keys_step1.seeded.zlib.bin",
          take(ei::ser::save(gk, {Compression::zlib, SeedMode::kIfAvailable}), "save"));
  }

  ei::ckks::Encoder encoder(ctx);
  ei::ckks::Evaluator evaluator(ctx);
  ei::rlwe::Encryptor enc_pk(ctx, pk);
  ei::rlwe::Encryptor enc_sk(ctx, sk);
  // Every data level, first (highest) down to the last.
  for (const auto* level = &ctx->first_context_data(); level != nullptr; level = level->next()) {
    const std::string lv = tag + "." + level_name(*ctx, level->parms_id());
    const double s = level == &ctx->first_context_data() ? scale : std::ldexp(1.0, 20);
    ei::rlwe::Plaintext pt;
    check(encoder.encode(random_values(encoder.slot_count(), rng), level->parms_id(), s, pt), "encode");
    put_all(w, {"plaintext_load"}, lv + ".plaintext", pt);
    if (level == &ctx->first_context_data())
      w.put("inspect", lv + ".plaintext.none.bin", take(ei::ser::save(pt), "save"));

    ei::rlwe::Ciphertext ct_pk;
    check(enc_pk.encrypt(pt, ct_pk), "encrypt");
    put_all(w, {"ciphertext_load"}, lv + ".ct_pk", ct_pk);
    ei::rlwe::Ciphertext ct_sym;
    check(enc_sk.encrypt_symmetric(pt, ct_sym), "encrypt_symmetric");
    put_all(w, {"ciphertext_load"}, lv + ".ct_sym", ct_sym, {SeedMode::kIfAvailable, SeedMode::kNever});
    if (level == &ctx->first_context_data()) {
      w.put("inspect", lv + ".ct_sym.seeded.zstd.bin",
            take(ei::ser::save(ct_sym, {Compression::zstd, SeedMode::kIfAvailable}), "save"));
      w.put("inspect", lv + ".ct_pk.none.bin", take(ei::ser::save(ct_pk), "save"));
      // Header-only prefixes for the header harness.
      for (Compression c : kModes) {
        auto bytes = take(ei::ser::save(ct_sym, {c, SeedMode::kIfAvailable}), "save");
        bytes.resize(16);
        w.put("seal_header", lv + ".ct_sym.header." + std::string(ei::ser::compression_name(c)) + ".bin", bytes);
      }
      // A size-3 product, and (with relinearization keys) its relinearized and rescaled result.
      ei::rlwe::Ciphertext prod;
      check(evaluator.multiply(ct_pk, ct_sym, prod), "multiply");
      put_all(w, {"ciphertext_load"}, lv + ".ct_size3", prod);
      if (with_kswitch && level->next() != nullptr) {
        ei::rlwe::Ciphertext relin;
        ei::rlwe::Ciphertext down;
        check(evaluator.relinearize(prod, rk, relin), "relinearize");
        check(evaluator.rescale_to_next(relin, down), "rescale_to_next");
        put_all(w, {"ciphertext_load"}, tag + "." + level_name(*ctx, down.parms_id) + ".ct_product", down);
      }
    }
    // All-zero objects: valid for load (coefficients 0, NTT form) and tiny once compressed.
    ei::rlwe::Ciphertext zero;
    zero.parms_id = level->parms_id();
    zero.size = 2;
    zero.poly_modulus_degree = level->poly_modulus_degree();
    zero.coeff_modulus_size = level->coeff_modulus_size();
    zero.scale = s;
    zero.data.assign(2 * zero.poly_words(), 0);
    for (Compression c : {Compression::zlib, Compression::zstd}) {
      w.put("ciphertext_load", lv + ".ct_zero." + std::string(ei::ser::compression_name(c)) + ".bin",
            take(ei::ser::save(zero, {c, SeedMode::kNever}), "save"));
    }
    ei::rlwe::Plaintext zpt;
    zpt.parms_id = level->parms_id();
    zpt.coeff_count = level->poly_modulus_degree() * level->coeff_modulus_size();
    zpt.scale = s;
    zpt.data.assign(zpt.coeff_count, 0);
    w.put("plaintext_load", lv + ".pt_zero.zstd.bin", take(ei::ser::save(zpt, {Compression::zstd}), "save"));
  }
}

// Standard parameter sets (no keys): node-seal's interop sets and the N = 32768 maximum.
void more_parameters(Writer& w) {
  struct Set {
    std::uint64_t n;
    std::vector<int> bits;
  };
  const Set sets[] = {{4096, {40, 20, 40}}, {8192, {60, 40, 40, 60}}, {32768, {60, 40, 40, 40, 40, 40, 40, 60}}};
  for (const auto& s : sets) {
    auto parms = take(ei::rlwe::make_ckks_parameters(s.n, s.bits), "make_ckks_parameters");
    put_all(w, {"params_load"}, "n" + std::to_string(s.n) + ".parms", parms);
  }
}

void text_seeds(Writer& w) {
  const std::vector<std::string> texts = {"00",           "ff",       "FF",       "0aB1",     "5ea110040100000000",
                                          "AA==",         "AAA=",     "AAAA",     "3q2+7w==", "+/+/",
                                          "XqEQBAEAAAA=", "Zm9vYmFy", "Zm9vYmE=", "Zm9vYg==", "Zg==",
                                          "Zh==",         "AB=C",     "A-_B",     "hex",      "base64"};
  int i = 0;
  for (const auto& t : texts) w.put_text("hex_base64", "text" + std::to_string(i++), t);
}

void json_seeds(Writer& w, const ei::rlwe::ContextPtr& ctx) {
  // A realistic small infer body: a real (seeded, zstd) ciphertext of the small context.
  ei::rlwe::KeyGenerator keygen(ctx);
  ei::rlwe::Encryptor enc(ctx, keygen.secret_key());
  ei::ckks::Encoder encoder(ctx);
  ei::rlwe::Plaintext pt;
  std::mt19937_64 rng(7);
  check(encoder.encode(random_values(8, rng), ctx->first_parms_id(), std::ldexp(1.0, 25), pt), "encode");
  ei::rlwe::Ciphertext ct;
  check(enc.encrypt_symmetric(pt, ct), "encrypt_symmetric");
  const auto bytes = take(ei::ser::save(ct, {Compression::zstd, SeedMode::kIfAvailable}), "save");
  const std::string b64 = ei::protocol::encode_base64(bytes);
  const std::string hex = ei::protocol::encode_hex(std::span<const std::uint8_t>(bytes).first(64));
  w.put_text(
      "json_request", "infer-real-base64.json",
      R"({"model_id":"logistic_v1","version":"1.0.0","batch_size":1,"inputs":[{"encoding":"base64","payload":")" + b64 +
          R"("}],"layout":"feature_columns","result_compression":"zstd"})");
  w.put_text(
      "json_request", "infer-hex.json",
      R"({"api_version":"1.1","model_id":"m","version":"1","batch_size":2.0,"inputs":[{"encoding":"hex","payload":")" +
          hex + R"("},{"encoding":"hex","payload":"5ea1"}],"context_id":")" + std::string(64, 'a') + R"("})");
  w.put_text("json_request", "plain-batch.json",
             R"({"model_id":"logistic_v1","version":"1.0.0","inputs":[[0.5,-0.25,1e-3,0,1,-1,0.125,2e11],[1,2,3]]})");
  w.put_text("json_request", "plain-single.json",
             R"({"model_id":"logistic_v1","version":"1.0.0","inputs":[0.5,-0.25]})");
  w.put_text(
      "json_request", "context.json",
      R"({"model_id":"logistic_v1","version":"1.0.0","relin_keys":{"encoding":"base64","payload":"XqEQBAEAAAA="},"galois_keys":{"encoding":"hex","payload":"5ea11004"},"ttl_seconds":3600})");
  w.put_text(
      "json_request", "schema-errors.json",
      R"({"model_id":"","version":7,"batch_size":-1,"inputs":[{"encoding":"b64","payload":""},{}],"extra~/x":null,"api_version":"2.0"})");
  w.put_text("json_request", "duplicate.json", R"({"model_id":"a","model_id":"b"})");
  w.put_text("json_request", "unicode.json",
             "{\"model_id\":\"\\ud83d\\ude00\xc3\xa9\",\"version\":\"\\u0000\",\"inputs\":[]}");
  w.put_text("json_request", "deep.json", std::string(40, '[') + std::string(40, ']'));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_corpus OUT_DIR small|logistic|dict\n");
    return 2;
  }
  Writer w{fs::path(argv[1])};
  const std::string_view set = argv[2];
  if (set == "small") {
    objects(w, ei::fuzz::small_context(), "n1024", std::ldexp(1.0, 25), true);
    more_parameters(w);
    text_seeds(w);
    json_seeds(w, ei::fuzz::small_context());
  } else if (set == "dict") {
    // parms_id of every level of both fixed contexts, as libFuzzer dictionary lines (stdout).
    for (const auto* ctx : ei::fuzz::fixed_contexts()) {
      for (std::size_t i = 0; i < ctx->level_count(); ++i) {
        const auto& level = ctx->level(i);
        std::printf("parms_id_n%zu_c%zu=\"", level.poly_modulus_degree(), level.chain_index());
        for (std::uint8_t b : level.parms_id()) std::printf("\\x%02X", b);
        std::printf("\"\n");
      }
    }
  } else if (set == "logistic") {
    objects(w, ei::fuzz::logistic_context(), "logistic", std::ldexp(1.0, 30), false);
  } else {
    std::fprintf(stderr, "unknown set '%s'\n", argv[2]);
    return 2;
  }
  return 0;
}
