// Our CKKS Evaluator against SEAL 4.1's (node-seal 6.0.3): for every case in
// $EI_INTEROP_VEC/node-seal-eval/cases.json (written by gen_node_seal_eval.js, FORMAT.md
// "node-seal-eval") we load SEAL's inputs and keys, apply our Evaluator, save the result with
// compression none and require SEAL's exact bytes; we decrypt our result with SEAL's secret key
// and check it against float64 math on the recorded input values; and for the cases SEAL rejects
// we require the corresponding ei::Code.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "engine/ckks/encoder.h"
#include "engine/ckks/evaluator.h"
#include "engine/rlwe/decryptor.h"
#include "engine/serialization/serialization.h"
#include "tests/interop/interop_util.h"

namespace ei::interop {
namespace {

using nlohmann::json;

constexpr const char* kOracleDir = "node-seal-eval";

// Issue 4, item 1: every operation must be compared on every set at ≥ 2 levels.
// (mod_switch_to_next_plain is mod_switch_to_next on a Plaintext.)
const char* const kRequiredOps[] = {
    "add",           "sub",          "negate",           "add_plain",          "sub_plain",
    "multiply_plain", "multiply",    "square",           "relinearize",        "rescale_to_next",
    "mod_switch_to_next", "mod_switch_to_next_plain", "mod_switch_to", "mod_switch_to_plain",
    "rotate_vector", "complex_conjugate", "apply_galois", "multiply_scalar",   "add_scalar",
};
// Error cases the brief requires, by code.
const char* const kRequiredErrorCodes[] = {"SCALE_MISMATCH", "LEVEL_MISMATCH", "TRANSPARENT_RESULT",
                                           "END_OF_MODULUS_CHAIN"};

fs::path eval_root() { return vec_root() / kOracleDir; }

long first_difference(const Bytes& a, const Bytes& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return static_cast<long>(i);
  return a.size() == b.size() ? -1 : static_cast<long>(n);
}

// Where byte `off` of a SEAL Ciphertext / Plaintext save (compression none) lies.
std::string describe_offset(long off, bool plaintext, std::uint64_t n, std::uint64_t limbs) {
  std::ostringstream s;
  s << "byte " << off << " (";
  const auto u = static_cast<std::uint64_t>(off);
  if (u < 16) {
    s << "SEAL header";
  } else if (u < 48) {
    s << "parms_id";
  } else if (!plaintext) {
    if (u == 48) s << "is_ntt_form";
    else if (u < 57) s << "size";
    else if (u < 65) s << "poly_modulus_degree";
    else if (u < 73) s << "coeff_modulus_size";
    else if (u < 81) s << "scale";
    else if (u < 89) s << "correction_factor";
    else if (u < 113) s << "data header/count";
    else {
      const std::uint64_t w = (u - 113) / 8, per_poly = n * limbs;
      s << "data: poly " << w / per_poly << ", limb " << (w % per_poly) / n << ", coeff " << w % n;
    }
  } else {
    if (u < 56) s << "coeff_count";
    else if (u < 64) s << "scale";
    else if (u < 88) s << "data header/count";
    else {
      const std::uint64_t w = (u - 88) / 8;
      s << "data: limb " << w / n << ", coeff " << w % n;
    }
  }
  s << ")";
  return s.str();
}

// Number of differing 64-bit data words (only meaningful when the sizes agree).
std::size_t differing_words(const Bytes& a, const Bytes& b, std::size_t data_offset) {
  if (a.size() != b.size() || a.size() < data_offset) return 0;
  std::size_t count = 0;
  for (std::size_t off = data_offset; off + 8 <= a.size(); off += 8)
    if (!std::equal(a.begin() + static_cast<long>(off), a.begin() + static_cast<long>(off + 8),
                    b.begin() + static_cast<long>(off)))
      ++count;
  return count;
}

// One parameter set: context, SEAL's keys, our evaluator / encoder / decryptor.
struct SetData {
  json meta;
  rlwe::ContextPtr ctx;
  std::optional<rlwe::SecretKey> sk;
  std::optional<rlwe::RelinKeys> rk;
  std::optional<rlwe::GaloisKeys> gk;
  std::unique_ptr<ckks::Evaluator> ev;
  std::unique_ptr<ckks::Encoder> encoder;
  std::unique_ptr<rlwe::Decryptor> decryptor;
};

class EvalInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (vec_root().empty()) GTEST_SKIP() << "EI_INTEROP_VEC not set: run through ctest";
    if (!fs::exists(eval_root() / "cases.json")) {
      const auto req = required_oracles();
      if (std::find(req.begin(), req.end(), kOracleDir) != req.end())
        FAIL() << "required oracle " << kOracleDir << " wrote no cases.json in " << eval_root();
      GTEST_SKIP() << eval_root() / "cases.json" << " missing: run gen_node_seal_eval.js";
    }
  }

  static SetData& set_data(const std::string& name) {
    static std::map<std::string, std::unique_ptr<SetData>> cache;
    auto& slot = cache[name];
    if (slot) return *slot;
    auto d = std::make_unique<SetData>();
    const fs::path dir = eval_root() / name;
    d->meta = read_json(dir / "meta.json");
    const auto n = d->meta["n"].get<std::uint64_t>();
    const auto bits = d->meta["bits"].get<std::vector<int>>();
    auto parms = rlwe::make_ckks_parameters(n, bits);
    if (!parms.ok()) throw std::runtime_error(name + ": " + parms.status().to_string());
    auto ctx = rlwe::Context::create(*parms, rlwe::SecurityLevel::kInsecure);
    if (!ctx.ok()) throw std::runtime_error(name + ": " + ctx.status().to_string());
    d->ctx = *ctx;
    const rlwe::Context& c = *d->ctx;
    auto sk = ser::load_secret_key(c, read_bytes(dir / "secret_key.bin"));
    if (!sk.ok()) throw std::runtime_error(name + " secret_key: " + sk.status().to_string());
    d->sk.emplace(std::move(*sk));
    auto rk = ser::load_relin_keys(c, read_bytes(dir / "relin_keys.bin"));
    if (!rk.ok()) throw std::runtime_error(name + " relin_keys: " + rk.status().to_string());
    d->rk.emplace(std::move(*rk));
    auto gk = ser::load_galois_keys(c, read_bytes(dir / "galois_keys.bin"));
    if (!gk.ok()) throw std::runtime_error(name + " galois_keys: " + gk.status().to_string());
    d->gk.emplace(std::move(*gk));
    d->ev = std::make_unique<ckks::Evaluator>(d->ctx);
    d->encoder = std::make_unique<ckks::Encoder>(d->ctx);
    d->decryptor = std::make_unique<rlwe::Decryptor>(d->ctx, *d->sk);
    slot = std::move(d);
    return *slot;
  }

  static const json& cases() {
    static const json all = read_json(eval_root() / "cases.json");
    return all;
  }
};

// An operand or a result.
using Object = std::variant<rlwe::Ciphertext, rlwe::Plaintext>;

Result<Object> load_object(const rlwe::Context& ctx, const std::string& kind, const std::string& rel) {
  const Bytes bytes = read_bytes(eval_root() / rel);
  if (kind == "ciphertext") {
    auto ct = ser::load_ciphertext(ctx, bytes);
    if (!ct.ok()) return ct.status();
    return Object(std::move(*ct));
  }
  if (kind == "plaintext") {
    auto pt = ser::load_plaintext(ctx, bytes);
    if (!pt.ok()) return pt.status();
    return Object(std::move(*pt));
  }
  return Status(Code::INVALID_ARGUMENT, "unknown input kind " + kind);
}

Result<rlwe::ParmsId> parms_id_arg(const rlwe::Context& ctx, const json& args) {
  const std::string hex = args.at("parms_id").get<std::string>();
  for (std::size_t i = 0; i < ctx.level_count(); ++i)
    if (rlwe::parms_id_hex(ctx.level(i).parms_id()) == hex) return ctx.level(i).parms_id();
  return Status(Code::PARMS_ID_UNKNOWN, "parms_id " + hex + " is not in our chain");
}

// Applies our Evaluator for case `cs` to `in`; the result goes to `out`.
Status apply(const json& cs, SetData& d, std::vector<Object>& in, Object& out) {
  const std::string op = cs.at("op").get<std::string>();
  const json& args = cs.at("args");
  const ckks::Evaluator& ev = *d.ev;
  auto ct = [&](std::size_t i) -> const rlwe::Ciphertext& { return std::get<rlwe::Ciphertext>(in.at(i)); };
  auto pt = [&](std::size_t i) -> const rlwe::Plaintext& { return std::get<rlwe::Plaintext>(in.at(i)); };
  auto out_ct = [&]() -> rlwe::Ciphertext& { return out.emplace<rlwe::Ciphertext>(); };
  auto out_pt = [&]() -> rlwe::Plaintext& { return out.emplace<rlwe::Plaintext>(); };
  if (op == "add") return ev.add(ct(0), ct(1), out_ct());
  if (op == "sub") return ev.sub(ct(0), ct(1), out_ct());
  if (op == "negate") return ev.negate(ct(0), out_ct());
  if (op == "add_plain") return ev.add_plain(ct(0), pt(1), out_ct());
  if (op == "sub_plain") return ev.sub_plain(ct(0), pt(1), out_ct());
  if (op == "multiply_plain") return ev.multiply_plain(ct(0), pt(1), out_ct());
  if (op == "multiply") return ev.multiply(ct(0), ct(1), out_ct());
  if (op == "square") return ev.square(ct(0), out_ct());
  if (op == "relinearize") return ev.relinearize(ct(0), *d.rk, out_ct());
  if (op == "rescale_to_next") return ev.rescale_to_next(ct(0), out_ct());
  if (op == "mod_switch_to_next") return ev.mod_switch_to_next(ct(0), out_ct());
  if (op == "mod_switch_to_next_plain") return ev.mod_switch_to_next(pt(0), out_pt());
  if (op == "mod_switch_to" || op == "mod_switch_to_plain") {
    auto target = parms_id_arg(*d.ctx, args);
    if (!target.ok()) return target.status();
    if (op == "mod_switch_to") return ev.mod_switch_to(ct(0), *target, out_ct());
    return ev.mod_switch_to(pt(0), *target, out_pt());
  }
  if (op == "rotate_vector") return ev.rotate_vector(ct(0), args.at("steps").get<int>(), *d.gk, out_ct());
  if (op == "complex_conjugate") return ev.complex_conjugate(ct(0), *d.gk, out_ct());
  if (op == "apply_galois") return ev.apply_galois(ct(0), args.at("galois_elt").get<std::uint64_t>(), *d.gk, out_ct());
  if (op == "multiply_scalar") {
    std::optional<double> scale;
    if (!args.value("scale_is_default", false)) scale = args.at("scale").get<double>();
    return ev.multiply_scalar(ct(0), args.at("value").get<double>(), out_ct(), scale);
  }
  if (op == "add_scalar") return ev.add_scalar(ct(0), args.at("value").get<double>(), out_ct());
  return Status(Code::INVALID_ARGUMENT, "eval_interop_test does not know op " + op);
}

Result<Bytes> save_object(const Object& o) {
  if (const auto* c = std::get_if<rlwe::Ciphertext>(&o)) return ser::save(*c, {});
  return ser::save(std::get<rlwe::Plaintext>(o), {});
}

// Expected values (FORMAT.md): a string is a .f64 file, a number a constant, [op, args...].
std::vector<double> eval_expr(const json& e, std::size_t slots, std::map<std::string, std::vector<double>>& files) {
  if (e.is_string()) {
    const std::string rel = e.get<std::string>();
    auto it = files.find(rel);
    if (it == files.end()) it = files.emplace(rel, read_f64(eval_root() / rel)).first;
    std::vector<double> v = it->second;
    v.resize(slots, 0.0);
    return v;
  }
  if (e.is_number()) return std::vector<double>(slots, e.get<double>());
  const std::string op = e.at(0).get<std::string>();
  std::vector<double> x = eval_expr(e.at(1), slots, files);
  if (op == "neg") {
    for (double& v : x) v = -v;
  } else if (op == "conj") {
    // real values: unchanged
  } else if (op == "rot") {
    const long k = e.at(2).get<long>(), s = static_cast<long>(slots);
    std::vector<double> r(slots);
    for (long i = 0; i < s; ++i) r[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>((((i + k) % s) + s) % s)];
    x = std::move(r);
  } else if (op == "add" || op == "sub" || op == "mul") {
    const std::vector<double> y = eval_expr(e.at(2), slots, files);
    for (std::size_t i = 0; i < slots; ++i) x[i] = op == "add" ? x[i] + y[i] : op == "sub" ? x[i] - y[i] : x[i] * y[i];
  } else {
    throw std::runtime_error("unknown expression op " + op);
  }
  return x;
}

struct OpTally {
  int compared = 0;
  int identical = 0;
  std::vector<std::string> mismatches;
};

TEST_F(EvalInteropTest, OutputsAreByteIdenticalToSealAndDecryptCorrectly) {
  std::map<std::string, OpTally> by_op;
  // coverage[set][op] = levels where the op was compared
  std::map<std::string, std::map<std::string, std::set<int>>> coverage;
  std::map<std::string, double> worst_ratio;  // set -> max error/bound
  std::map<std::string, std::vector<double>> files;
  int scalar_plain_checks = 0;
  for (const json& cs : cases()) {
    if (cs.at("output").is_null()) continue;
    const std::string id = cs.at("id").get<std::string>();
    const std::string op = cs.at("op").get<std::string>();
    const std::string set = cs.at("set").get<std::string>();
    SCOPED_TRACE(id);
    SetData& d = set_data(set);
    const rlwe::Context& c = *d.ctx;
    std::vector<Object> in;
    bool loaded = true;
    for (std::size_t i = 0; i < cs.at("inputs").size(); ++i) {
      auto o = load_object(c, cs["input_kinds"][i].get<std::string>(), cs["inputs"][i].get<std::string>());
      if (!o.ok()) {
        ADD_FAILURE() << "loading " << cs["inputs"][i] << ": " << o.status().to_string();
        loaded = false;
        break;
      }
      in.push_back(std::move(*o));
    }
    if (!loaded) continue;
    OpTally& tally = by_op[op];
    Object out;
    const Status st = apply(cs, d, in, out);
    ++tally.compared;
    coverage[set][op].insert(cs.at("level").get<int>());
    if (!st.ok()) {
      ADD_FAILURE() << op << " failed where SEAL succeeded: " << st.to_string();
      tally.mismatches.push_back(id + ": returned " + st.to_string());
      continue;
    }
    const bool is_plain = std::holds_alternative<rlwe::Plaintext>(out);
    const Bytes want = read_bytes(eval_root() / cs.at("output").get<std::string>());
    auto ours = save_object(out);
    ASSERT_TRUE(ours.ok()) << ours.status().to_string();
    const long diff = first_difference(*ours, want);
    const auto n = d.meta["n"].get<std::uint64_t>();
    const auto limbs = cs.at("output_limbs").get<std::uint64_t>();
    if (diff == -1) {
      ++tally.identical;
    } else {
      std::ostringstream m;
      m << id << ": ours " << ours->size() << " bytes, SEAL's " << want.size() << ", first difference at "
        << describe_offset(diff, is_plain, n, limbs) << ", " << differing_words(*ours, want, is_plain ? 88 : 113)
        << " data words differ";
      if (!is_plain) {
        const auto& o = std::get<rlwe::Ciphertext>(out);
        m << "; ours size " << o.size << " limbs " << o.coeff_modulus_size << " scale " << o.scale << ", SEAL's size "
          << cs.value("output_size", 0) << " limbs " << limbs << " scale " << cs.value("output_scale", 0.0);
      }
      tally.mismatches.push_back(m.str());
      ADD_FAILURE() << m.str();
    }

    // multiply_scalar / add_scalar: SEAL's scalar plaintext (input 1) must equal our encoder's
    // encode(double), and multiply_plain / add_plain with it must give the same bytes.
    if (op == "multiply_scalar" || op == "add_scalar") {
      const auto& a = std::get<rlwe::Ciphertext>(in.at(0));
      const auto& sp = std::get<rlwe::Plaintext>(in.at(1));
      rlwe::Plaintext enc;
      const double value = cs["args"]["value"].get<double>(), scale = cs["args"]["scale"].get<double>();
      ASSERT_TRUE(d.encoder->encode(value, a.parms_id, scale, enc).ok());
      EXPECT_EQ(first_difference(*ser::save(enc, {}), read_bytes(eval_root() / cs["inputs"][1].get<std::string>())), -1)
          << "our encode(double " << value << ", scale " << scale << ") differs from SEAL's scalar plaintext";
      rlwe::Ciphertext via_plain;
      const Status s2 = op == "multiply_scalar" ? d.ev->multiply_plain(a, sp, via_plain) : d.ev->add_plain(a, sp, via_plain);
      ASSERT_TRUE(s2.ok()) << s2.to_string();
      EXPECT_EQ(first_difference(*ser::save(via_plain, {}), want), -1)
          << (op == "multiply_scalar" ? "multiply_plain" : "add_plain") << " with SEAL's scalar plaintext differs from SEAL";
      ++scalar_plain_checks;
    }

    // Precision: our result, decrypted with SEAL's secret key, against float64 math.
    rlwe::Plaintext dec;
    if (is_plain) {
      dec = std::get<rlwe::Plaintext>(out);
    } else {
      const Status ds = d.decryptor->decrypt(std::get<rlwe::Ciphertext>(out), dec);
      if (!ds.ok()) {
        ADD_FAILURE() << "decrypt: " << ds.to_string();
        continue;
      }
    }
    std::vector<double> got;
    const Status dd = d.encoder->decode(dec, got);
    if (!dd.ok()) {
      ADD_FAILURE() << "decode: " << dd.to_string();
      continue;
    }
    const std::vector<double> want_v = eval_expr(cs.at("expect"), got.size(), files);
    double err = 0;
    for (std::size_t i = 0; i < got.size(); ++i) err = std::max(err, std::abs(got[i] - want_v[i]));
    const double bound = cs.at("bound").get<double>();
    EXPECT_LE(err, bound) << "max abs error vs float64 (SEAL's own: " << cs.value("seal_max_abs_error", -1.0) << ")";
    worst_ratio[set] = std::max(worst_ratio[set], err / bound);
  }

  // Report.
  std::printf("[eval-interop] %-26s %9s %9s\n", "op", "compared", "identical");
  int total = 0, same = 0;
  for (const auto& [op, t] : by_op) {
    std::printf("[eval-interop] %-26s %9d %9d%s\n", op.c_str(), t.compared, t.identical,
                t.compared == t.identical ? "" : "  <-- MISMATCH");
    total += t.compared;
    same += t.identical;
  }
  std::printf("[eval-interop] total: %d of %d outputs byte-identical to SEAL; %d scalar-plaintext cross-checks\n", same,
              total, scalar_plain_checks);
  for (const auto& [op, t] : by_op)
    for (std::size_t i = 0; i < t.mismatches.size() && i < 3; ++i)
      std::printf("[eval-interop]   %s\n", t.mismatches[i].c_str());
  for (const auto& [set, r] : worst_ratio)
    std::printf("[eval-interop] %s: worst decryption error / bound = %.3f\n", set.c_str(), r);

  // Coverage: ≥ 3 sets including N = 8192 and 16384; every op on every set at ≥ 2 levels.
  std::set<std::uint64_t> ns;
  for (const auto& [set, ops] : coverage) {
    ns.insert(set_data(set).meta["n"].get<std::uint64_t>());
    for (const char* op : kRequiredOps) {
      auto it = ops.find(op);
      const std::size_t levels = it == ops.end() ? 0 : it->second.size();
      EXPECT_GE(levels, 2U) << set << ": " << op << " compared at " << levels << " level(s)";
    }
  }
  EXPECT_GE(coverage.size(), 3U) << "parameter sets compared";
  EXPECT_TRUE(ns.count(8192) && ns.count(16384)) << "acceptance: N = 8192 and N = 16384";
}

TEST_F(EvalInteropTest, ErrorCasesReturnTheCodeForSealsException) {
  std::map<std::string, std::set<std::string>> codes_seen;  // set -> codes
  int cases_run = 0;
  for (const json& cs : cases()) {
    if (!cs.at("output").is_null()) continue;
    const std::string id = cs.at("id").get<std::string>();
    const std::string set = cs.at("set").get<std::string>();
    SCOPED_TRACE(id);
    SetData& d = set_data(set);
    std::vector<Object> in;
    bool loaded = true;
    for (std::size_t i = 0; i < cs.at("inputs").size(); ++i) {
      auto o = load_object(*d.ctx, cs["input_kinds"][i].get<std::string>(), cs["inputs"][i].get<std::string>());
      if (!o.ok()) {
        ADD_FAILURE() << "loading " << cs["inputs"][i] << ": " << o.status().to_string();
        loaded = false;
        break;
      }
      in.push_back(std::move(*o));
    }
    if (!loaded) continue;
    Object out;
    const Status st = apply(cs, d, in, out);
    const json& err = cs.at("error");
    const std::string seal_msg = err.at("seal_message").get<std::string>();
    ++cases_run;
    if (st.ok()) {
      ADD_FAILURE() << "succeeded where SEAL threw \"" << seal_msg << "\"";
      continue;
    }
    const std::string ours(code_name(st.code()));
    if (!err.at("code").is_null()) {
      const std::string want = err.at("code").get<std::string>();
      EXPECT_EQ(ours, want) << "SEAL: \"" << seal_msg << "\"; ours: " << st.to_string();
      if (ours == want) codes_seen[set].insert(ours);
    }
    std::printf("[eval-interop] %-58s SEAL \"%s\" -> %s\n", id.c_str(), seal_msg.c_str(), ours.c_str());
  }
  EXPECT_GE(codes_seen.size(), 3U) << "error cases on ≥ 3 sets";
  for (const auto& [set, codes] : codes_seen)
    for (const char* code : kRequiredErrorCodes) EXPECT_TRUE(codes.count(code)) << set << ": no passing case for " << code;
  std::printf("[eval-interop] %d error cases\n", cases_run);
}

// Our context reproduces SEAL's saved parameters and chain (so the cases run on the same primes).
TEST_F(EvalInteropTest, ContextsMatchSealParameters) {
  std::set<std::string> sets;
  for (const json& cs : cases()) sets.insert(cs.at("set").get<std::string>());
  for (const auto& set : sets) {
    SCOPED_TRACE(set);
    SetData& d = set_data(set);
    EXPECT_EQ(first_difference(*ser::save(d.ctx->key_context_data().parms(), {}), read_bytes(eval_root() / set / "parms.bin")), -1);
    for (const auto& [chain, hex] : d.meta["parms_id"].items()) {
      bool found = false;
      for (std::size_t i = 0; i < d.ctx->level_count(); ++i) {
        if (std::to_string(d.ctx->level(i).chain_index()) == chain) {
          EXPECT_EQ(rlwe::parms_id_hex(d.ctx->level(i).parms_id()), hex.get<std::string>()) << "chain index " << chain;
          found = true;
        }
      }
      EXPECT_TRUE(found) << "chain index " << chain;
    }
  }
}

}  // namespace
}  // namespace ei::interop
