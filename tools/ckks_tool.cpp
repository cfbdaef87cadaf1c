// ckks-tool: inspect, convert and produce SEAL 4.1 CKKS objects from the shell.
// Every subcommand prints JSON on stdout (or writes files) and, on failure, one line
// "error: CODE: detail" on stderr with exit status 2. `inspect --params` exits 1 when the object
// is invalid. See docs/ckks-tool.md.
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/math/primes.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/galois.h"
#include "engine/rlwe/keygen.h"
#include "engine/serialization/inspect.h"
#include "engine/serialization/serialization.h"
#include "tools/tool_io.h"

namespace {

using ei::Code;
using ei::Result;
using ei::Status;
using json = nlohmann::ordered_json;
namespace rlwe = ei::rlwe;
namespace ser = ei::ser;

constexpr int kExitInvalid = 1;
constexpr int kExitError = 2;

int fail(const Status& s) {
  std::cerr << "error: " << s.to_string() << "\n";
  return kExitError;
}

void print(const json& j) { std::cout << j.dump(2) << "\n"; }

json level_json(const rlwe::ContextData& level) {
  json primes = json::array();
  for (const auto& q : level.coeff_modulus()) primes.push_back(std::to_string(q.value()));
  return {{"chain_index", level.chain_index()},
          {"primes", primes},
          {"bits", level.total_coeff_modulus_bit_count()},
          {"parms_id", rlwe::parms_id_hex(level.parms_id())}};
}

// Level by SEAL chain index, or the first data level.
Result<const rlwe::ContextData*> pick_level(const rlwe::Context& ctx, std::optional<std::size_t> chain_index) {
  if (!chain_index) return &ctx.first_context_data();
  for (std::size_t i = 0; i < ctx.level_count(); ++i) {
    if (ctx.level(i).chain_index() == *chain_index) {
      if (&ctx.level(i) == &ctx.key_context_data() && ctx.using_keyswitching()) {
        return Status(Code::LEVEL_NOT_ALLOWED, "the key level cannot hold plaintexts or ciphertexts");
      }
      return &ctx.level(i);
    }
  }
  return Status(Code::INVALID_ARGUMENT, "no level with chain index " + std::to_string(*chain_index));
}

Status encode_values(const rlwe::Context& ctx, const rlwe::ContextPtr& ptr, const std::string& values_path,
                     double scale, std::optional<std::size_t> level_index, rlwe::Plaintext& pt) {
  EI_ASSIGN_OR_RETURN(auto values, ei::tool::read_values(values_path));
  EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, pick_level(ctx, level_index));
  ei::ckks::Encoder encoder(ptr);
  if (values.complex) return encoder.encode(values.values, level->parms_id(), scale, pt);
  std::vector<double> re;
  re.reserve(values.values.size());
  for (const auto& v : values.values) re.push_back(v.real());
  return encoder.encode(re, level->parms_id(), scale, pt);
}

// ---------------------------------------------------------------- params
struct ParamsCmd {
  std::uint64_t n = 0;
  std::string bits;
  std::string scheme = "ckks";
  std::string save;
  std::string compression = "none";
  bool insecure = false;
};

int run_params(const ParamsCmd& c) {
  if (c.scheme != "ckks") return fail({Code::UNSUPPORTED_SCHEME, "only --scheme ckks is supported"});
  auto bits = ei::tool::parse_bits(c.bits);
  if (!bits.ok()) return fail(bits.status());
  auto parms = rlwe::make_ckks_parameters(c.n, *bits);
  if (!parms.ok()) return fail(parms.status());
  // Report the security verdict even when it fails: build insecurely, then judge.
  auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
  if (!ctx.ok()) return fail(ctx.status());
  const int total = (*ctx)->key_context_data().total_coeff_modulus_bit_count();
  const int bound = ei::math::he_standard_max_bits_tc128(c.n);
  const bool secure = total <= bound;
  json levels = json::array();
  for (std::size_t i = 0; i < (*ctx)->level_count(); ++i) levels.push_back(level_json((*ctx)->level(i)));
  json out = {{"scheme", "ckks"},
              {"poly_modulus_degree", c.n},
              {"bit_sizes", *bits},
              {"total_bits", total},
              {"security", {{"level", "tc128"}, {"max_bits", bound}, {"secure", secure}}},
              {"key_parms_id", rlwe::parms_id_hex((*ctx)->key_parms_id())},
              {"first_parms_id", rlwe::parms_id_hex((*ctx)->first_parms_id())},
              {"levels", levels}};
  if (!c.save.empty()) {
    if (!secure && !c.insecure) {
      return fail({Code::INSECURE_PARAMETERS, "total bits " + std::to_string(total) + " exceed the 128-bit bound " +
                                                  std::to_string(bound) + "; pass --insecure to save anyway"});
    }
    auto mode = ser::parse_compression(c.compression);
    if (!mode.ok()) return fail(mode.status());
    auto bytes = ser::save(*parms, {*mode, ser::SeedMode::kNever});
    if (!bytes.ok()) return fail(bytes.status());
    if (auto s = ei::tool::write_file(c.save, *bytes); !s.ok()) return fail(s);
    out["saved"] = {{"path", c.save}, {"bytes", bytes->size()}};
  }
  print(out);
  return 0;
}

// ---------------------------------------------------------------- inspect
struct InspectCmd {
  std::string file;
  std::string params;
  std::string kind;
  bool insecure = false;
};

int run_inspect(const InspectCmd& c) {
  auto bytes = ei::tool::read_file(c.file);
  if (!bytes.ok()) return fail(bytes.status());
  rlwe::ContextPtr ctx;
  if (!c.params.empty()) {
    auto loaded = ei::tool::load_context(c.params, c.insecure);
    if (!loaded.ok()) return fail(loaded.status());
    ctx = *loaded;
  }
  std::optional<ser::ObjectKind> kind;
  if (!c.kind.empty()) {
    auto k = ser::parse_object_kind(c.kind);
    if (!k.ok()) return fail(k.status());
    kind = *k;
  }
  auto info = ser::inspect(*bytes, ctx.get(), kind);
  json out;
  if (!info.ok()) {
    // Structure unreadable: still a report, not a crash.
    out = {{"file", c.file}, {"bytes", bytes->size()}, {"valid", false},
           {"error", {{"code", ei::code_name(info.status().code())}, {"message", info.status().detail()}}}};
    print(out);
    return kExitInvalid;
  }
  const auto& i = *info;
  out = {{"file", c.file},
         {"kind", ser::object_kind_name(i.kind)},
         {"kind_certain", i.kind_certain},
         {"seal_version", std::to_string(i.header.version_major) + "." + std::to_string(i.header.version_minor)},
         {"compression", ser::compression_name(static_cast<ser::Compression>(i.header.compr_mode))},
         {"bytes", i.wire_bytes},
         {"uncompressed_bytes", i.uncompressed_bytes}};
  switch (i.kind) {
    case ser::ObjectKind::kParameters: {
      json primes = json::array();
      for (auto q : i.coeff_modulus) primes.push_back(std::to_string(q));
      out["scheme"] = i.scheme;
      out["poly_modulus_degree"] = i.poly_modulus_degree;
      out["coeff_modulus"] = primes;
      out["coeff_modulus_size"] = i.coeff_modulus_size;
      if (i.scheme == 2) {
        rlwe::EncryptionParameters p{rlwe::SchemeType::ckks, i.poly_modulus_degree, i.coeff_modulus, 0};
        out["parms_id"] = rlwe::parms_id_hex(rlwe::compute_parms_id(p));
      }
      break;
    }
    case ser::ObjectKind::kCiphertext:
    case ser::ObjectKind::kPublicKey:
      out["parms_id"] = rlwe::parms_id_hex(*i.parms_id);
      out["size"] = i.size;
      out["poly_modulus_degree"] = i.poly_modulus_degree;
      out["coeff_modulus_size"] = i.coeff_modulus_size;
      out["scale"] = i.scale;
      if (std::isfinite(i.scale) && i.scale > 0) out["scale_log2"] = std::log2(i.scale);
      out["ntt_form"] = i.ntt_form;
      out["seeded"] = i.seeded;
      break;
    case ser::ObjectKind::kPlaintext:
    case ser::ObjectKind::kSecretKey:
      out["parms_id"] = rlwe::parms_id_hex(*i.parms_id);
      out["coeff_count"] = i.coeff_count;
      out["scale"] = i.scale;
      if (std::isfinite(i.scale) && i.scale > 0) out["scale_log2"] = std::log2(i.scale);
      out["ntt_form"] = i.ntt_form;
      out["seeded"] = false;
      break;
    case ser::ObjectKind::kRelinKeys:
    case ser::ObjectKind::kGaloisKeys:
      out["parms_id"] = rlwe::parms_id_hex(*i.parms_id);
      out["entries"] = i.key_entries;
      out["components"] = i.key_components;
      out["poly_modulus_degree"] = i.poly_modulus_degree;
      out["coeff_modulus_size"] = i.coeff_modulus_size;
      out["ntt_form"] = i.ntt_form;
      out["seeded"] = i.seeded;
      out["seeded_components"] = i.seeded_components;
      if (i.kind == ser::ObjectKind::kGaloisKeys) out["galois_elts"] = i.galois_elts;
      break;
  }
  if (ctx) {
    if (i.parms_id) {
      const auto* level = ctx->get_context_data(*i.parms_id);
      out["chain_index"] = level != nullptr ? json(level->chain_index()) : json(nullptr);
    }
    Status s = ser::validate(*bytes, *ctx, i.kind);
    out["valid"] = s.ok();
    if (!s.ok()) out["error"] = {{"code", ei::code_name(s.code())}, {"message", s.detail()}};
    print(out);
    return s.ok() ? 0 : kExitInvalid;
  }
  print(out);
  return 0;
}

// ---------------------------------------------------------------- convert
struct ConvertCmd {
  std::string in, out, compression = "none", params, kind;
  bool insecure = false;
  bool keep_seed = false;
};

template <typename T>
int save_converted(const Result<T>& obj, const ConvertCmd& c, ser::SaveOptions opts, bool private_file = false) {
  if (!obj.ok()) return fail(obj.status());
  auto bytes = ser::save(*obj, opts);
  if (!bytes.ok()) return fail(bytes.status());
  if (auto s = ei::tool::write_file(c.out, *bytes, private_file); !s.ok()) return fail(s);
  print({{"in", c.in}, {"out", c.out}, {"compression", c.compression}, {"bytes", bytes->size()}});
  return 0;
}

int run_convert(const ConvertCmd& c) {
  auto bytes = ei::tool::read_file(c.in);
  if (!bytes.ok()) return fail(bytes.status());
  auto mode = ser::parse_compression(c.compression);
  if (!mode.ok()) return fail(mode.status());
  ser::SaveOptions opts{*mode, c.keep_seed ? ser::SeedMode::kIfAvailable : ser::SeedMode::kNever};
  rlwe::ContextPtr ctx;
  if (!c.params.empty()) {
    auto loaded = ei::tool::load_context(c.params, c.insecure);
    if (!loaded.ok()) return fail(loaded.status());
    ctx = *loaded;
  }
  std::optional<ser::ObjectKind> forced;
  if (!c.kind.empty()) {
    auto k = ser::parse_object_kind(c.kind);
    if (!k.ok()) return fail(k.status());
    forced = *k;
  }
  auto info = ser::inspect(*bytes, ctx.get(), forced);
  if (!info.ok()) return fail(info.status());
  if (info->kind == ser::ObjectKind::kParameters) return save_converted(ser::load_parameters(*bytes), c, opts);
  if (!ctx) return fail({Code::INVALID_ARGUMENT, "--params is required to convert a " +
                                                    std::string(ser::object_kind_name(info->kind))});
  switch (info->kind) {
    case ser::ObjectKind::kPlaintext: return save_converted(ser::load_plaintext(*ctx, *bytes), c, opts);
    case ser::ObjectKind::kCiphertext: return save_converted(ser::load_ciphertext(*ctx, *bytes), c, opts);
    case ser::ObjectKind::kSecretKey: return save_converted(ser::load_secret_key(*ctx, *bytes), c, opts, true);
    case ser::ObjectKind::kPublicKey: return save_converted(ser::load_public_key(*ctx, *bytes), c, opts);
    case ser::ObjectKind::kRelinKeys: return save_converted(ser::load_relin_keys(*ctx, *bytes), c, opts);
    case ser::ObjectKind::kGaloisKeys: return save_converted(ser::load_galois_keys(*ctx, *bytes), c, opts);
    case ser::ObjectKind::kParameters: break;
  }
  return fail({Code::INTERNAL, "unreachable"});
}

// ---------------------------------------------------------------- keygen
struct KeygenCmd {
  std::string params, out_dir, galois_steps, compression = "none";
  bool relin = false, galois = false, seeded = false, insecure = false;
};

int run_keygen(const KeygenCmd& c) {
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto mode = ser::parse_compression(c.compression);
  if (!mode.ok()) return fail(mode.status());
  ser::SaveOptions opts{*mode, c.seeded ? ser::SeedMode::kRequired : ser::SeedMode::kNever};
  rlwe::KeyGenerator keygen(*ctx);
  json written = json::object();
  auto put = [&](const std::string& name, const Result<std::vector<std::uint8_t>>& bytes, bool private_file) -> Status {
    if (!bytes.ok()) return bytes.status();
    const std::string path = c.out_dir + "/" + name;
    EI_RETURN_IF_ERROR(ei::tool::write_file(path, *bytes, private_file));
    written[name] = {{"path", path}, {"bytes", bytes->size()}};
    return Status::Ok();
  };
  if (auto s = put("secret_key.bin", ser::save(keygen.secret_key(), {*mode, ser::SeedMode::kNever}), true); !s.ok()) return fail(s);
  if (auto s = put("public_key.bin", ser::save(keygen.create_public_key(), opts), false); !s.ok()) return fail(s);
  if (c.relin) {
    auto rk = keygen.create_relin_keys();
    if (!rk.ok()) return fail(rk.status());
    if (auto s = put("relin_keys.bin", ser::save(*rk, opts), false); !s.ok()) return fail(s);
  }
  if (c.galois || !c.galois_steps.empty()) {
    Result<rlwe::GaloisKeys> gk = Status(Code::INTERNAL, "unset");
    if (c.galois_steps.empty()) {
      const auto elts = rlwe::default_galois_elts((*ctx)->key_context_data().poly_modulus_degree());
      gk = keygen.create_galois_keys(elts);
    } else {
      std::vector<int> steps;
      auto parsed = ei::tool::parse_bits(c.galois_steps);  // same syntax: comma-separated integers
      if (!parsed.ok()) return fail({Code::INVALID_ARGUMENT, "--galois-steps must be comma-separated integers"});
      gk = keygen.create_galois_keys_for_steps(*parsed);
    }
    if (!gk.ok()) return fail(gk.status());
    if (auto s = put("galois_keys.bin", ser::save(*gk, opts), false); !s.ok()) return fail(s);
  }
  print({{"out_dir", c.out_dir}, {"files", written}});
  return 0;
}

// ---------------------------------------------------------------- encode / encrypt / decrypt
struct EncodeCmd {
  std::string params, values, out, scale = "2^40", compression = "none";
  std::optional<std::size_t> level;
  bool insecure = false;
};

int run_encode(const EncodeCmd& c) {
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto scale = ei::tool::parse_scale(c.scale);
  if (!scale.ok()) return fail(scale.status());
  auto mode = ser::parse_compression(c.compression);
  if (!mode.ok()) return fail(mode.status());
  rlwe::Plaintext pt;
  if (auto s = encode_values(**ctx, *ctx, c.values, *scale, c.level, pt); !s.ok()) return fail(s);
  auto bytes = ser::save(pt, {*mode, ser::SeedMode::kNever});
  if (!bytes.ok()) return fail(bytes.status());
  if (auto s = ei::tool::write_file(c.out, *bytes); !s.ok()) return fail(s);
  print({{"out", c.out}, {"bytes", bytes->size()}, {"parms_id", rlwe::parms_id_hex(pt.parms_id)}, {"scale", pt.scale}});
  return 0;
}

struct EncryptCmd {
  std::string params, public_key, secret_key, values, out, scale = "2^40", compression = "none";
  std::optional<std::size_t> level;
  bool seeded = false, insecure = false;
};

int run_encrypt(const EncryptCmd& c) {
  if (c.public_key.empty() == c.secret_key.empty()) {
    return fail({Code::INVALID_ARGUMENT, "give exactly one of --public-key or --secret-key"});
  }
  if (c.seeded && c.secret_key.empty()) {
    return fail({Code::INVALID_ARGUMENT, "--seeded needs --secret-key (only symmetric encryption is seeded)"});
  }
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto scale = ei::tool::parse_scale(c.scale);
  if (!scale.ok()) return fail(scale.status());
  auto mode = ser::parse_compression(c.compression);
  if (!mode.ok()) return fail(mode.status());
  rlwe::Plaintext pt;
  if (auto s = encode_values(**ctx, *ctx, c.values, *scale, c.level, pt); !s.ok()) return fail(s);
  rlwe::Ciphertext ct;
  if (!c.public_key.empty()) {
    auto bytes = ei::tool::read_file(c.public_key);
    if (!bytes.ok()) return fail(bytes.status());
    auto pk = ser::load_public_key(**ctx, *bytes);
    if (!pk.ok()) return fail(pk.status());
    rlwe::Encryptor enc(*ctx, *pk);
    if (auto s = enc.encrypt(pt, ct); !s.ok()) return fail(s);
  } else {
    auto bytes = ei::tool::read_file(c.secret_key);
    if (!bytes.ok()) return fail(bytes.status());
    auto sk = ser::load_secret_key(**ctx, *bytes);
    sodium_memzero(bytes->data(), bytes->size());
    if (!sk.ok()) return fail(sk.status());
    rlwe::Encryptor enc(*ctx, *sk);
    if (auto s = enc.encrypt_symmetric(pt, ct); !s.ok()) return fail(s);
  }
  auto bytes = ser::save(ct, {*mode, c.seeded ? ser::SeedMode::kRequired : ser::SeedMode::kNever});
  if (!bytes.ok()) return fail(bytes.status());
  if (auto s = ei::tool::write_file(c.out, *bytes); !s.ok()) return fail(s);
  print({{"out", c.out}, {"bytes", bytes->size()}, {"parms_id", rlwe::parms_id_hex(ct.parms_id)},
         {"scale", ct.scale}, {"seeded", c.seeded}, {"compression", c.compression}});
  return 0;
}

struct DecryptCmd {
  std::string ct, params, secret_key, plaintext;
  std::size_t count = 0;
  bool complex = false, insecure = false;
};

json decoded_json(const ei::ckks::Encoder& encoder, const rlwe::Plaintext& pt, std::size_t count, bool complex,
                  Status& status) {
  json out = json::array();
  if (complex) {
    std::vector<std::complex<double>> v;
    status = encoder.decode(pt, v);
    if (!status.ok()) return out;
    if (count == 0 || count > v.size()) count = v.size();
    for (std::size_t i = 0; i < count; ++i) out.push_back({v[i].real(), v[i].imag()});
  } else {
    std::vector<double> v;
    status = encoder.decode(pt, v);
    if (!status.ok()) return out;
    if (count == 0 || count > v.size()) count = v.size();
    for (std::size_t i = 0; i < count; ++i) out.push_back(v[i]);
  }
  return out;
}

int run_decrypt(const DecryptCmd& c) {
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto ct_bytes = ei::tool::read_file(c.ct);
  if (!ct_bytes.ok()) return fail(ct_bytes.status());
  auto ct = ser::load_ciphertext(**ctx, *ct_bytes);
  if (!ct.ok()) return fail(ct.status());
  auto sk_bytes = ei::tool::read_file(c.secret_key);
  if (!sk_bytes.ok()) return fail(sk_bytes.status());
  auto sk = ser::load_secret_key(**ctx, *sk_bytes);
  sodium_memzero(sk_bytes->data(), sk_bytes->size());
  if (!sk.ok()) return fail(sk.status());
  rlwe::Decryptor dec(*ctx, *sk);
  rlwe::Plaintext pt;
  if (auto s = dec.decrypt(*ct, pt); !s.ok()) return fail(s);
  ei::ckks::Encoder encoder(*ctx);
  Status s;
  json out = decoded_json(encoder, pt, c.count, c.complex, s);
  if (!s.ok()) return fail(s);
  print(out);
  return 0;
}

int run_decode(const DecryptCmd& c) {
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto bytes = ei::tool::read_file(c.plaintext);
  if (!bytes.ok()) return fail(bytes.status());
  auto pt = ser::load_plaintext(**ctx, *bytes);
  if (!pt.ok()) return fail(pt.status());
  ei::ckks::Encoder encoder(*ctx);
  Status s;
  json out = decoded_json(encoder, *pt, c.count, c.complex, s);
  if (!s.ok()) return fail(s);
  print(out);
  return 0;
}

// ---------------------------------------------------------------- eval
struct EvalCmd {
  std::string op;
  std::vector<std::string> files;  // inputs…, output last
  std::string params, plain, relin_keys, galois_keys, compression = "none";
  int steps = 0;
  std::optional<std::size_t> level;
  bool insecure = false;
};

// Operand count per operation (ciphertext inputs before OUT).
Result<std::size_t> eval_arity(const std::string& op) {
  static const std::map<std::string, std::size_t> kArity = {
      {"add", 2}, {"sub", 2}, {"multiply", 2}, {"negate", 1}, {"square", 1}, {"add_plain", 1},
      {"sub_plain", 1}, {"multiply_plain", 1}, {"relinearize", 1}, {"rescale", 1}, {"mod_switch", 1},
      {"rotate", 1}, {"conjugate", 1}};
  auto it = kArity.find(op);
  if (it == kArity.end()) {
    return Status(Code::INVALID_ARGUMENT, "unknown operation '" + op +
                                              "'; one of add, sub, negate, multiply, square, add_plain, sub_plain, "
                                              "multiply_plain, relinearize, rescale, mod_switch, rotate, conjugate");
  }
  return it->second;
}

template <typename T, typename LoadFn>
Result<T> load_file(const std::string& path, LoadFn load) {
  EI_ASSIGN_OR_RETURN(auto bytes, ei::tool::read_file(path));
  return load(bytes);
}

Status run_eval_op(const EvalCmd& c, const rlwe::ContextPtr& ctx, rlwe::Ciphertext& out) {
  const rlwe::Context& cx = *ctx;
  auto load_ct = [&](const std::vector<std::uint8_t>& b) { return ser::load_ciphertext(cx, b); };
  EI_ASSIGN_OR_RETURN(auto a, load_file<rlwe::Ciphertext>(c.files[0], load_ct));
  ei::ckks::Evaluator ev(ctx);
  const std::string& op = c.op;
  if (op == "add" || op == "sub" || op == "multiply") {
    EI_ASSIGN_OR_RETURN(auto b, load_file<rlwe::Ciphertext>(c.files[1], load_ct));
    if (op == "add") return ev.add(a, b, out);
    if (op == "sub") return ev.sub(a, b, out);
    return ev.multiply(a, b, out);
  }
  if (op == "negate") return ev.negate(a, out);
  if (op == "square") return ev.square(a, out);
  if (op == "rescale") return ev.rescale_to_next(a, out);
  if (op == "mod_switch") {
    if (!c.level) return ev.mod_switch_to_next(a, out);
    EI_ASSIGN_OR_RETURN(const rlwe::ContextData* level, pick_level(cx, c.level));
    return ev.mod_switch_to(a, level->parms_id(), out);
  }
  if (op == "add_plain" || op == "sub_plain" || op == "multiply_plain") {
    if (c.plain.empty()) return {Code::INVALID_ARGUMENT, op + " needs --plain PT"};
    EI_ASSIGN_OR_RETURN(auto p, load_file<rlwe::Plaintext>(c.plain, [&](const std::vector<std::uint8_t>& b) {
                          return ser::load_plaintext(cx, b);
                        }));
    if (op == "add_plain") return ev.add_plain(a, p, out);
    if (op == "sub_plain") return ev.sub_plain(a, p, out);
    return ev.multiply_plain(a, p, out);
  }
  if (op == "relinearize") {
    if (c.relin_keys.empty()) return {Code::INVALID_ARGUMENT, "relinearize needs --relin-keys R"};
    EI_ASSIGN_OR_RETURN(auto rk, load_file<rlwe::RelinKeys>(c.relin_keys, [&](const std::vector<std::uint8_t>& b) {
                          return ser::load_relin_keys(cx, b);
                        }));
    return ev.relinearize(a, rk, out);
  }
  if (c.galois_keys.empty()) return {Code::INVALID_ARGUMENT, op + " needs --galois-keys G"};
  EI_ASSIGN_OR_RETURN(auto gk, load_file<rlwe::GaloisKeys>(c.galois_keys, [&](const std::vector<std::uint8_t>& b) {
                        return ser::load_galois_keys(cx, b);
                      }));
  if (op == "rotate") return ev.rotate_vector(a, c.steps, gk, out);
  return ev.complex_conjugate(a, gk, out);
}

int run_eval(const EvalCmd& c) {
  auto arity = eval_arity(c.op);
  if (!arity.ok()) return fail(arity.status());
  if (c.files.size() != *arity + 1) {
    return fail({Code::INVALID_ARGUMENT, c.op + " takes " + std::to_string(*arity) + " input ciphertext(s) and OUT"});
  }
  auto ctx = ei::tool::load_context(c.params, c.insecure);
  if (!ctx.ok()) return fail(ctx.status());
  auto mode = ser::parse_compression(c.compression);
  if (!mode.ok()) return fail(mode.status());
  rlwe::Ciphertext out;
  if (auto s = run_eval_op(c, *ctx, out); !s.ok()) return fail(s);
  auto bytes = ser::save(out, {*mode, ser::SeedMode::kNever});
  if (!bytes.ok()) return fail(bytes.status());
  const std::string& path = c.files.back();
  if (auto s = ei::tool::write_file(path, *bytes); !s.ok()) return fail(s);
  const auto* level = (*ctx)->get_context_data(out.parms_id);
  print({{"op", c.op}, {"out", path}, {"bytes", bytes->size()}, {"parms_id", rlwe::parms_id_hex(out.parms_id)},
         {"chain_index", level != nullptr ? json(level->chain_index()) : json(nullptr)},
         {"size", out.size}, {"scale", out.scale}});
  return 0;
}

}  // namespace

static int run_tool(int argc, char** argv) {
  CLI::App app{"ckks-tool: inspect, convert and produce SEAL 4.1 CKKS objects (see docs/ckks-tool.md)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ckks-tool 0.1.0 (SEAL 4.1 serialization)");

  ParamsCmd params;
  auto* p = app.add_subcommand("params", "print primes and parms_id per level; optionally save the parameters");
  p->add_option("--n", params.n, "poly_modulus_degree N (1024 … 32768)")->required();
  p->add_option("--bits", params.bits, "coeff_modulus bit sizes, e.g. 60,40,40,60")->required();
  p->add_option("--scheme", params.scheme, "scheme (only ckks)");
  p->add_option("--save", params.save, "write SEAL's EncryptionParameters blob here");
  p->add_option("--compression", params.compression, "none|zlib|zstd for --save");
  p->add_flag("--insecure", params.insecure, "allow saving parameters beyond the 128-bit bound");

  InspectCmd inspect;
  auto* i = app.add_subcommand("inspect", "describe a SEAL object; with --params also validate it");
  i->add_option("file", inspect.file, "SEAL object file")->required();
  i->add_option("--params", inspect.params, "EncryptionParameters file: run full validation");
  i->add_option("--kind", inspect.kind, "parameters|plaintext|ciphertext|secret_key|public_key|relin_keys|galois_keys");
  i->add_flag("--insecure", inspect.insecure, "accept parameters beyond the 128-bit bound");

  ConvertCmd convert;
  auto* cv = app.add_subcommand("convert", "re-save with another compression (expands seeded objects)");
  cv->add_option("in", convert.in)->required();
  cv->add_option("out", convert.out)->required();
  cv->add_option("--compression", convert.compression, "none|zlib|zstd")->required();
  cv->add_option("--params", convert.params, "EncryptionParameters file (required for all but parameters)");
  cv->add_option("--kind", convert.kind, "override the inferred object kind");
  cv->add_flag("--keep-seed", convert.keep_seed, "keep the seeded form where the input had one");
  cv->add_flag("--insecure", convert.insecure, "accept parameters beyond the 128-bit bound");

  KeygenCmd keygen;
  auto* k = app.add_subcommand("keygen", "generate secret, public and optionally evaluation keys");
  k->add_option("--params", keygen.params)->required();
  k->add_option("--out-dir", keygen.out_dir, "directory for secret_key.bin (mode 0600), public_key.bin, …")->required();
  k->add_flag("--relin", keygen.relin, "also write relin_keys.bin");
  k->add_flag("--galois", keygen.galois, "also write galois_keys.bin for SEAL's default elements");
  k->add_option("--galois-steps", keygen.galois_steps, "rotation steps for galois_keys.bin, e.g. 1,2,-1 (0 = conjugation)");
  k->add_flag("--seeded", keygen.seeded, "save public and evaluation keys in SEAL's seeded form");
  k->add_option("--compression", keygen.compression, "none|zlib|zstd");
  k->add_flag("--insecure", keygen.insecure, "accept parameters beyond the 128-bit bound");

  EncodeCmd encode;
  auto* e = app.add_subcommand("encode", "encode a JSON array into a plaintext");
  e->add_option("--params", encode.params)->required();
  e->add_option("--values", encode.values, "JSON array of numbers or [re, im] pairs")->required();
  e->add_option("--scale", encode.scale, "scale, e.g. 2^40");
  e->add_option("--level", encode.level, "SEAL chain index (default: first data level)");
  e->add_option("--out", encode.out)->required();
  e->add_option("--compression", encode.compression, "none|zlib|zstd");
  e->add_flag("--insecure", encode.insecure);

  EncryptCmd encrypt;
  auto* en = app.add_subcommand("encrypt", "encode and encrypt a JSON array");
  en->add_option("--params", encrypt.params)->required();
  en->add_option("--public-key", encrypt.public_key);
  en->add_option("--secret-key", encrypt.secret_key);
  en->add_flag("--seeded", encrypt.seeded, "symmetric only: save c1 as a 64-byte seed (about half the size)");
  en->add_option("--scale", encrypt.scale, "scale, e.g. 2^40");
  en->add_option("--values", encrypt.values)->required();
  en->add_option("--level", encrypt.level, "SEAL chain index (default: first data level)");
  en->add_option("--out", encrypt.out)->required();
  en->add_option("--compression", encrypt.compression, "none|zlib|zstd");
  en->add_flag("--insecure", encrypt.insecure);

  DecryptCmd decrypt;
  auto* d = app.add_subcommand("decrypt", "decrypt and print the real parts of the first K slots as JSON");
  d->add_option("ct", decrypt.ct)->required();
  d->add_option("--params", decrypt.params)->required();
  d->add_option("--secret-key", decrypt.secret_key)->required();
  d->add_option("--count", decrypt.count, "number of slots to print (default all)");
  d->add_flag("--complex", decrypt.complex, "print [re, im] pairs");
  d->add_flag("--insecure", decrypt.insecure);

  DecryptCmd decode;
  auto* dc = app.add_subcommand("decode", "decode a plaintext and print its slots as JSON");
  dc->add_option("plaintext", decode.plaintext)->required();
  dc->add_option("--params", decode.params)->required();
  dc->add_option("--count", decode.count);
  dc->add_flag("--complex", decode.complex);
  dc->add_flag("--insecure", decode.insecure);

  EvalCmd eval;
  auto* ev = app.add_subcommand("eval", "apply one evaluator operation to ciphertext files (SEAL semantics)");
  ev->add_option("op", eval.op, "add|sub|negate|multiply|square|add_plain|sub_plain|multiply_plain|relinearize|rescale|mod_switch|rotate|conjugate")
      ->required();
  ev->add_option("files", eval.files, "IN [IN2] OUT")->required()->expected(2, 3);
  ev->add_option("--params", eval.params)->required();
  ev->add_option("--plain", eval.plain, "plaintext operand for *_plain");
  ev->add_option("--relin-keys", eval.relin_keys, "RelinKeys for relinearize");
  ev->add_option("--galois-keys", eval.galois_keys, "GaloisKeys for rotate and conjugate");
  ev->add_option("--steps", eval.steps, "rotation steps (positive: left)");
  ev->add_option("--level", eval.level, "mod_switch target chain index (default: next level)");
  ev->add_option("--compression", eval.compression, "none|zlib|zstd for OUT");
  ev->add_flag("--insecure", eval.insecure);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    return app.exit(err) == 0 ? 0 : kExitError;
  }
  try {
    if (p->parsed()) return run_params(params);
    if (i->parsed()) return run_inspect(inspect);
    if (cv->parsed()) return run_convert(convert);
    if (k->parsed()) return run_keygen(keygen);
    if (e->parsed()) return run_encode(encode);
    if (en->parsed()) return run_encrypt(encrypt);
    if (d->parsed()) return run_decrypt(decrypt);
    if (dc->parsed()) return run_decode(decode);
    if (ev->parsed()) return run_eval(eval);
  } catch (const std::exception& ex) {
    // Nothing in the engine throws on bad input; this catches allocation failure and bugs.
    return fail({Code::INTERNAL, ex.what()});
  }
  return kExitError;
}

int main(int argc, char** argv) {
  try {
    return run_tool(argc, argv);
  } catch (...) {
    std::fputs("error: INTERNAL: unexpected failure while parsing arguments\n", stderr);
    return kExitError;
  }
}
