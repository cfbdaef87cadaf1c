#include "server/app/model_registry.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "engine/rlwe/galois.h"
#include "engine/serialization/serialization.h"
#include "protocol/encoding.h"
#include "protocol/json.h"
#include "protocol/problem.h"
#include "protocol/syntax.h"
#include "server/app/json_util.h"

namespace ei::server {
namespace {

using nlohmann::json;

// A model-file failure at a JSON Pointer; converted to a Status naming the file at the edge.
struct LoadError : std::runtime_error {
  LoadError(std::string pointer, const std::string& message)
      : std::runtime_error(message), pointer_(std::move(pointer)) {}
  std::string pointer_;
};

[[noreturn]] void fail(const std::string& pointer, const std::string& message) { throw LoadError(pointer, message); }

// ---- schema checks of schemas/model-file.json (closed objects, types, ranges) ----------------

const json& member(const json& obj, const std::string& ptr, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end()) fail(ptr, std::string("missing required member \"") + name + "\"");
  return *it;
}

void closed(const json& obj, const std::string& ptr, std::initializer_list<std::string_view> allowed,
            std::initializer_list<const char*> required) {
  if (!obj.is_object()) fail(ptr, "must be an object");
  for (const char* r : required) member(obj, ptr, r);
  for (const auto& item : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      fail(ptr + "/" + protocol::pointer_escape(item.key()), "unknown member (model files are closed)");
    }
  }
}

std::string get_string(const json& v, const std::string& ptr, std::size_t min_len, std::size_t max_len) {
  if (!v.is_string()) fail(ptr, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  const std::size_t n = protocol::utf8_length(s);
  if (n < min_len || n > max_len) {
    fail(ptr, "must have " + std::to_string(min_len) + " to " + std::to_string(max_len) + " characters");
  }
  return s;
}

double get_number(const json& v, const std::string& ptr, double min, double max) {
  if (!v.is_number()) fail(ptr, "must be a number");
  const double d = v.get<double>();
  if (!(d >= min && d <= max)) {
    fail(ptr, "must be in [" + json(min).dump() + ", " + json(max).dump() + "]");
  }
  return d;
}

std::int64_t get_integer(const json& v, const std::string& ptr, std::int64_t min, std::int64_t max) {
  if (!v.is_number() || !protocol::is_integral_number(v)) fail(ptr, "must be an integer");
  const double d = v.get<double>();
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    fail(ptr, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<std::int64_t>(d);
}

const json& get_array(const json& v, const std::string& ptr, std::size_t min_items, std::size_t max_items) {
  if (!v.is_array()) fail(ptr, "must be an array");
  if (v.size() < min_items || v.size() > max_items) {
    fail(ptr, "must have " + std::to_string(min_items) + " to " + std::to_string(max_items) + " items (has " +
                  std::to_string(v.size()) + ")");
  }
  return v;
}

// defs.json#/$defs/precision
void check_precision(const json& p, const std::string& ptr) {
  if (!p.is_object()) fail(ptr, "must be an object");
  const json& domain = member(p, ptr, "input_domain");
  closed(domain, ptr + "/input_domain", {"min", "max"}, {"min", "max"});
  const double lo = get_number(domain["min"], ptr + "/input_domain/min", -1e308, 1e308);
  const double hi = get_number(domain["max"], ptr + "/input_domain/max", -1e308, 1e308);
  if (lo > hi) fail(ptr + "/input_domain", "min must not exceed max");
  const double err = get_number(member(p, ptr, "max_abs_error"), ptr + "/max_abs_error", 0.0, 1e308);
  if (!(err > 0.0)) fail(ptr + "/max_abs_error", "must be > 0");
  get_number(member(p, ptr, "bits"), ptr + "/bits", 0.0, 1e308);
  get_integer(member(p, ptr, "samples"), ptr + "/samples", 1, std::int64_t{1} << 53);
  if (p.contains("method")) get_string(p["method"], ptr + "/method", 0, 1u << 20);
}

// SEAL's HE-standard bounds on total coefficient-modulus bits (CoeffModulus::MaxBitCount).
int max_bit_count(std::uint64_t n, const std::string& level) {
  struct Row {
    std::uint64_t n;
    int tc128, tc192, tc256;
  };
  static constexpr Row kRows[] = {{1024, 27, 19, 14},   {2048, 54, 37, 29},    {4096, 109, 75, 58},
                                  {8192, 218, 152, 118}, {16384, 438, 305, 237}, {32768, 881, 611, 476}};
  for (const auto& r : kRows) {
    if (r.n == n) return level == "tc256" ? r.tc256 : level == "tc192" ? r.tc192 : r.tc128;
  }
  return 0;
}

std::uint64_t ciphertext_bytes(std::uint64_t n, std::size_t limbs) { return 113 + 16 * n * limbs; }

std::string prime_string(std::uint64_t p) { return std::to_string(p); }

ojson mapping_in(const ModelLayout& l) {
  ojson m;
  m["ciphertext_stride"] = l.input_ciphertext_stride;
  m["sample_stride"] = l.input_sample_stride;
  m["feature_stride"] = l.input_feature_stride;
  return m;
}

ojson eval_keys_json(const LayoutPlan& plan) {
  ojson k;
  k["relinearization"] = plan.relinearization;
  k["galois_elements"] = plan.galois_elements;
  k["galois_steps"] = plan.galois_steps;
  return k;
}

ojson numbers(const std::vector<double>& v) {
  ojson a = ojson::array();
  for (double d : v) a.push_back(d);
  return a;
}

void build_documents(Model& m, const Config& config) {
  const rlwe::Context& ctx = *m.context;
  // encryption_parameters, v1.0 members first.
  ojson ep;
  ep["poly_modulus_degree"] = m.poly_modulus_degree;
  ep["scale"] = json_number(m.scale);
  ep["coeff_modulus_bits"] = m.coeff_modulus_bits;
  ep["max_multiplicative_depth"] = m.max_multiplicative_depth;
  ojson ep10 = ep;
  ojson primes = ojson::array();
  for (auto q : ctx.key_context_data().parms().coeff_modulus) primes.push_back(prime_string(q));
  ep["coeff_modulus"] = primes;
  ep["slot_count"] = m.poly_modulus_degree / 2;
  ep["security_level"] = m.security_level;
  ep["parms_blob"] = m.parms_blob_base64;
  ep["key_parms_id"] = rlwe::parms_id_hex(ctx.key_parms_id());
  ep["first_parms_id"] = rlwe::parms_id_hex(ctx.first_parms_id());

  ojson inference;
  inference["input_dimension"] = m.input_dimension;
  inference["output_dimension"] = 1;
  inference["activation"] = m.activation;
  ojson parameters;
  parameters["weights"] = numbers(m.weights);
  parameters["bias"] = m.bias;
  ojson activation;
  activation["kind"] = m.activation;
  activation["coefficients"] = numbers(m.coefficients);
  ojson constraints;
  constraints["max_batch_size"] = m.max_batch_size;

  ojson layouts = ojson::array();
  ojson eval_keys = ojson::object();
  for (const auto& l : m.layouts) {
    ojson lj;
    lj["name"] = l.name;
    lj["input_count"] = l.input_count;
    lj["max_batch_size"] = l.max_batch_size;
    if (l.plan.kind == LayoutKind::kPackedRows) lj["stride"] = l.plan.stride;
    ojson in;
    in["chain_index"] = l.plan.input_chain_index;
    in["parms_id"] = rlwe::parms_id_hex(l.plan.input_parms_id);
    in["scale"] = json_number(l.plan.input_scale);
    in["max_input_bytes"] = l.max_input_bytes;
    in["mapping"] = mapping_in(l);
    lj["input"] = in;
    ojson out;
    out["chain_index"] = l.plan.output_chain_index;
    out["parms_id"] = rlwe::parms_id_hex(l.plan.output_parms_id);
    out["mapping"] = {{"offset", l.output_offset}, {"sample_stride", l.output_sample_stride}};
    lj["output"] = out;
    lj["evaluation_keys"] = eval_keys_json(l.plan);
    lj["precision"] = l.precision;
    layouts.push_back(lj);
    eval_keys[l.name] = eval_keys_json(l.plan);
  }

  ojson card;
  card["api_version"] = std::string(protocol::kApiVersion);
  card["model_id"] = m.model_id;
  card["version"] = m.version;
  card["description"] = m.description;
  card["he_scheme"] = "CKKS";
  card["encryption_parameters"] = ep;
  card["inference"] = inference;
  card["parameters"] = parameters;
  card["activation_parameters"] = activation;
  card["constraints"] = constraints;
  if (m.feature_names) card["feature_names"] = *m.feature_names;
  card["layouts"] = layouts;
  card["limits"] = {{"max_request_bytes", m.max_request_bytes}, {"max_batch_size", m.max_batch_size}};
  card["v1_0_compatible"] = m.v1_0_compatible;
  m.card = std::move(card);

  if (m.v1_0_compatible) {
    ojson e;
    e["model_id"] = m.model_id;
    e["version"] = m.version;
    e["description"] = m.description;
    e["he_scheme"] = "CKKS";
    e["encryption_parameters"] = ep10;
    e["inference"] = inference;
    e["parameters"] = parameters;
    e["activation_parameters"] = activation;
    e["constraints"] = constraints;
    m.v10_entry = std::move(e);
  }

  ojson k;
  k["model_id"] = m.model_id;
  k["version"] = m.version;
  k["he_scheme"] = "CKKS";
  k["poly_modulus_degree"] = m.poly_modulus_degree;
  k["slot_count"] = m.poly_modulus_degree / 2;
  k["scale"] = json_number(m.scale);
  k["coeff_modulus_bits"] = m.coeff_modulus_bits;
  k["coeff_modulus"] = primes;
  k["parms_blob"] = m.parms_blob_base64;
  k["key_parms_id"] = rlwe::parms_id_hex(ctx.key_parms_id());
  ojson levels = ojson::array();
  const std::size_t first_index = ctx.first_context_data().chain_index();
  for (std::size_t i = 0; i < ctx.level_count(); ++i) {
    const rlwe::ContextData& level = ctx.level(i);
    ojson lv;
    lv["chain_index"] = level.chain_index();
    lv["parms_id"] = rlwe::parms_id_hex(level.parms_id());
    ojson lp = ojson::array();
    for (auto q : level.parms().coeff_modulus) lp.push_back(prime_string(q));
    lv["primes"] = lp;
    lv["role"] = i == 0 ? "key" : level.chain_index() == first_index ? "first_data" : "data";
    levels.push_back(lv);
  }
  k["levels"] = levels;
  k["evaluation_keys"] = eval_keys;
  m.keys_entry = std::move(k);
  (void)config;
}

// Parses "1.2.3-alpha.1+build" per semver 2.0.0; nullopt when not a semantic version.
struct SemVer {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;
};

bool numeric_id(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<SemVer> parse_semver(std::string_view v) {
  if (auto plus = v.find('+'); plus != std::string_view::npos) v = v.substr(0, plus);
  std::string_view pre;
  if (auto dash = v.find('-'); dash != std::string_view::npos) {
    pre = v.substr(dash + 1);
    v = v.substr(0, dash);
    if (pre.empty()) return std::nullopt;
  }
  SemVer out;
  std::uint64_t* parts[] = {&out.major, &out.minor, &out.patch};
  for (int i = 0; i < 3; ++i) {
    auto dot = v.find('.');
    std::string_view num = i < 2 ? v.substr(0, dot) : v;
    if (i < 2 && dot == std::string_view::npos) return std::nullopt;
    if (!numeric_id(num) || num.size() > 18 || (num.size() > 1 && num[0] == '0')) return std::nullopt;
    *parts[i] = std::stoull(std::string(num));
    if (i < 2) v = v.substr(dot + 1);
  }
  while (!pre.empty()) {
    auto dot = pre.find('.');
    std::string_view id = pre.substr(0, dot);
    if (id.empty()) return std::nullopt;
    out.pre.emplace_back(id);
    if (dot == std::string_view::npos) break;
    pre = pre.substr(dot + 1);
    if (pre.empty()) return std::nullopt;
  }
  return out;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.pre.empty() || b.pre.empty()) {
    if (a.pre.empty() && b.pre.empty()) return 0;
    return a.pre.empty() ? 1 : -1;  // a release is newer than its pre-releases
  }
  for (std::size_t i = 0; i < std::min(a.pre.size(), b.pre.size()); ++i) {
    const bool an = numeric_id(a.pre[i]);
    const bool bn = numeric_id(b.pre[i]);
    if (an && bn) {
      if (a.pre[i].size() != b.pre[i].size()) return a.pre[i].size() < b.pre[i].size() ? -1 : 1;
      if (a.pre[i] != b.pre[i]) return a.pre[i] < b.pre[i] ? -1 : 1;
    } else if (an != bn) {
      return an ? -1 : 1;  // numeric identifiers have lower precedence
    } else if (a.pre[i] != b.pre[i]) {
      return a.pre[i] < b.pre[i] ? -1 : 1;
    }
  }
  if (a.pre.size() == b.pre.size()) return 0;
  return a.pre.size() < b.pre.size() ? -1 : 1;
}

std::unique_ptr<Model> parse_and_check(const std::string& name, std::string_view text, const Config& config) {
  auto parsed = protocol::parse_json(text, protocol::JsonLimits{32, std::size_t{64} << 20});
  if (const auto* err = std::get_if<protocol::JsonError>(&parsed)) fail("", err->detail);
  const json& f = std::get<json>(parsed);

  closed(f, "",
         {"$schema", "model_id", "version", "description", "he_scheme", "encryption_parameters", "inference",
          "parameters", "activation_parameters", "constraints", "feature_names", "layouts"},
         {"model_id", "version", "description", "he_scheme", "encryption_parameters", "inference", "parameters",
          "activation_parameters", "constraints", "layouts"});
  if (f.contains("$schema")) get_string(f["$schema"], "/$schema", 0, 4096);

  auto m = std::make_unique<Model>();
  m->source = name;
  m->model_id = get_string(f["model_id"], "/model_id", 1, 128);
  if (!protocol::is_registry_model_id(m->model_id)) fail("/model_id", "must match ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$");
  m->version = get_string(f["version"], "/version", 1, 64);
  if (!protocol::is_registry_version(m->version)) fail("/version", "must match ^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$");
  m->description = get_string(f["description"], "/description", 1, 1024);
  if (f["he_scheme"] != "CKKS") fail("/he_scheme", "must be \"CKKS\"");

  const json& ep = f["encryption_parameters"];
  closed(ep, "/encryption_parameters",
         {"poly_modulus_degree", "scale", "coeff_modulus_bits", "max_multiplicative_depth", "security_level"},
         {"poly_modulus_degree", "scale", "coeff_modulus_bits", "max_multiplicative_depth"});
  m->poly_modulus_degree = static_cast<std::uint64_t>(
      get_integer(ep["poly_modulus_degree"], "/encryption_parameters/poly_modulus_degree", 1024, 32768));
  if ((m->poly_modulus_degree & (m->poly_modulus_degree - 1)) != 0) {
    fail("/encryption_parameters/poly_modulus_degree", "must be one of 1024, 2048, 4096, 8192, 16384, 32768");
  }
  m->scale = get_number(ep["scale"], "/encryption_parameters/scale", 1.0, 1e308);
  const json& bits = get_array(ep["coeff_modulus_bits"], "/encryption_parameters/coeff_modulus_bits", 2, 64);
  for (std::size_t i = 0; i < bits.size(); ++i) {
    m->coeff_modulus_bits.push_back(static_cast<int>(
        get_integer(bits[i], "/encryption_parameters/coeff_modulus_bits/" + std::to_string(i), 2, 60)));
  }
  m->max_multiplicative_depth = static_cast<int>(
      get_integer(ep["max_multiplicative_depth"], "/encryption_parameters/max_multiplicative_depth", 0, 62));
  if (ep.contains("security_level")) {
    m->security_level = get_string(ep["security_level"], "/encryption_parameters/security_level", 1, 16);
    if (m->security_level != "tc128" && m->security_level != "tc192" && m->security_level != "tc256") {
      fail("/encryption_parameters/security_level", "must be one of tc128, tc192, tc256");
    }
  }

  const json& inf = f["inference"];
  closed(inf, "/inference", {"input_dimension", "output_dimension", "activation"},
         {"input_dimension", "output_dimension", "activation"});
  m->input_dimension = static_cast<std::size_t>(get_integer(inf["input_dimension"], "/inference/input_dimension", 1, 4096));
  if (!(inf["output_dimension"].is_number() && protocol::is_integral_number(inf["output_dimension"]) &&
        inf["output_dimension"].get<double>() == 1.0)) {
    fail("/inference/output_dimension", "must be 1");
  }
  m->activation = get_string(inf["activation"], "/inference/activation", 1, 64);
  if (m->activation != "polynomial_sigmoid_v1" && m->activation != "polynomial") {
    fail("/inference/activation", "unknown activation (known: polynomial_sigmoid_v1, polynomial)");
  }

  const json& par = f["parameters"];
  closed(par, "/parameters", {"weights", "bias"}, {"weights", "bias"});
  const json& w = get_array(par["weights"], "/parameters/weights", 1, 4096);
  for (std::size_t i = 0; i < w.size(); ++i) {
    m->weights.push_back(get_number(w[i], "/parameters/weights/" + std::to_string(i), -1e6, 1e6));
  }
  m->bias = get_number(par["bias"], "/parameters/bias", -1e6, 1e6);

  const json& act = f["activation_parameters"];
  closed(act, "/activation_parameters", {"kind", "coefficients"}, {"kind", "coefficients"});
  const std::string kind = get_string(act["kind"], "/activation_parameters/kind", 1, 64);
  if (kind != "polynomial_sigmoid_v1" && kind != "polynomial") {
    fail("/activation_parameters/kind", "unknown activation (known: polynomial_sigmoid_v1, polynomial)");
  }
  const json& coeffs = get_array(act["coefficients"], "/activation_parameters/coefficients", 2, 8);
  for (std::size_t i = 0; i < coeffs.size(); ++i) {
    m->coefficients.push_back(
        get_number(coeffs[i], "/activation_parameters/coefficients/" + std::to_string(i), -1e6, 1e6));
  }
  if (kind == "polynomial_sigmoid_v1" && m->coefficients.size() != 3) {
    fail("/activation_parameters/coefficients", "polynomial_sigmoid_v1 has exactly 3 coefficients");
  }

  const json& con = f["constraints"];
  closed(con, "/constraints", {"max_batch_size"}, {"max_batch_size"});
  m->max_batch_size = static_cast<std::uint64_t>(get_integer(con["max_batch_size"], "/constraints/max_batch_size", 1, 16384));

  if (f.contains("feature_names")) {
    const json& names = get_array(f["feature_names"], "/feature_names", 0, 4096);
    std::vector<std::string> out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      out.push_back(get_string(names[i], "/feature_names/" + std::to_string(i), 1, 128));
    }
    m->feature_names = std::move(out);
  }

  const json& layouts = get_array(f["layouts"], "/layouts", 1, 2);

  // ---- semantic checks (docs/api.md §8.1) ---------------------------------------------------
  if (m->weights.size() != m->input_dimension) {
    fail("/parameters/weights", "has " + std::to_string(m->weights.size()) + " items; input_dimension is " +
                                    std::to_string(m->input_dimension));
  }
  if (kind != m->activation) {
    fail("/activation_parameters/kind", "must equal inference.activation (\"" + m->activation + "\")");
  }
  if (m->feature_names && m->feature_names->size() != m->input_dimension) {
    fail("/feature_names", "has " + std::to_string(m->feature_names->size()) + " items; input_dimension is " +
                               std::to_string(m->input_dimension));
  }
  if (m->max_batch_size > m->poly_modulus_degree / 2) {
    fail("/constraints/max_batch_size", "exceeds the slot count N/2 = " + std::to_string(m->poly_modulus_degree / 2));
  }
  int total_bits = 0;
  for (int b : m->coeff_modulus_bits) total_bits += b;
  const int bound = max_bit_count(m->poly_modulus_degree, m->security_level);
  if (total_bits > bound) {
    fail("/encryption_parameters/coeff_modulus_bits",
         "total " + std::to_string(total_bits) + " bits exceed the " + m->security_level + " bound of " +
             std::to_string(bound) + " bits for N = " + std::to_string(m->poly_modulus_degree));
  }

  auto parms = rlwe::make_ckks_parameters(m->poly_modulus_degree, m->coeff_modulus_bits);
  if (!parms.ok()) fail("/encryption_parameters", "no SEAL parameters for these values: " + parms.status().detail());
  auto ctx = rlwe::Context::create(parms.value(), rlwe::SecurityLevel::kTc128);
  if (!ctx.ok()) fail("/encryption_parameters", "not a valid CKKS parameter set: " + ctx.status().detail());
  m->context = ctx.value();
  if (!m->context->using_keyswitching()) {
    fail("/encryption_parameters/coeff_modulus_bits", "needs at least two primes (a special prime and data primes)");
  }
  // Scale consistent with the primes: encodable at the first data level, and within one bit of
  // every prime a rescale divides by (else rescaling drifts the scale away from the model's).
  {
    const int scale_bits = static_cast<int>(std::floor(std::log2(m->scale)));
    if (scale_bits + 1 >= m->context->first_context_data().total_coeff_modulus_bit_count()) {
      fail("/encryption_parameters/scale", "does not fit the first data level's modulus");
    }
  }
  auto blob = ser::save(m->context->key_context_data().parms());
  if (!blob.ok()) fail("/encryption_parameters", "cannot serialize the parameters: " + blob.status().detail());
  m->parms_blob_base64 = protocol::encode_base64(blob.value());

  LinearModel lm;
  lm.weights = m->weights;
  lm.bias = m->bias;
  lm.coefficients = m->coefficients;
  lm.scale = m->scale;
  lm.max_batch_size = m->max_batch_size;
  auto runtime = ModelRuntime::create(m->context, lm);
  if (!runtime.ok()) fail("/encryption_parameters", runtime.status().detail());
  m->runtime = std::move(runtime).value();

  std::set<std::string> seen_layouts;
  const std::uint64_t n = m->poly_modulus_degree;
  const std::uint64_t slots = n / 2;
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    const std::string ptr = "/layouts/" + std::to_string(i);
    const json& lj = layouts[i];
    closed(lj, ptr, {"name", "input_level", "precision"}, {"name", "precision"});
    ModelLayout l;
    l.name = get_string(lj["name"], ptr + "/name", 1, 64);
    LayoutKind lk;
    if (l.name == "feature_columns") {
      lk = LayoutKind::kFeatureColumns;
    } else if (l.name == "packed_rows") {
      lk = LayoutKind::kPackedRows;
    } else {
      fail(ptr + "/name", "unknown layout (known: feature_columns, packed_rows)");
    }
    if (!seen_layouts.insert(l.name).second) fail(ptr + "/name", "layout listed twice");
    InputLevel level = lk == LayoutKind::kFeatureColumns ? InputLevel::kFirst : InputLevel::kLowest;
    if (lj.contains("input_level")) {
      const std::string il = get_string(lj["input_level"], ptr + "/input_level", 1, 16);
      if (il == "first") {
        level = InputLevel::kFirst;
      } else if (il == "lowest") {
        level = InputLevel::kLowest;
      } else {
        fail(ptr + "/input_level", "must be \"first\" or \"lowest\"");
      }
    }
    check_precision(lj["precision"], ptr + "/precision");
    l.precision = ojson::parse(lj["precision"].dump());

    double input_bound = 1.0;
    {
      const json& dom = lj["precision"]["input_domain"];
      input_bound = std::max(std::fabs(dom["min"].get<double>()), std::fabs(dom["max"].get<double>()));
      if (!(input_bound > 0)) input_bound = 1.0;
    }
    auto plan = m->runtime->plan(lk, level, input_bound);
    if (!plan.ok()) fail(ptr, "the evaluation plan does not fit the parameters: " + plan.status().detail());
    l.plan = plan.value();
    if (l.plan.depth > m->max_multiplicative_depth) {
      fail(ptr, "the evaluation plan needs multiplicative depth " + std::to_string(l.plan.depth) +
                    " > max_multiplicative_depth " + std::to_string(m->max_multiplicative_depth));
    }
    const rlwe::ContextData* in_level = m->context->get_context_data(l.plan.input_parms_id);
    if (in_level == nullptr) fail(ptr, "the plan's input level is not in the modulus chain");
    l.max_input_bytes = [&] {
      const std::uint64_t s = ciphertext_bytes(n, in_level->coeff_modulus_size());
      return s + s / 256 + 144;
    }();
    if (lk == LayoutKind::kFeatureColumns) {
      l.input_count = m->input_dimension;
      l.max_batch_size = std::min<std::uint64_t>(m->max_batch_size, slots);
      l.input_ciphertext_stride = 1;
      l.input_sample_stride = 1;
      l.input_feature_stride = 0;
      l.output_offset = 0;
      l.output_sample_stride = 1;
    } else {
      l.input_count = 1;
      const std::uint64_t capacity = l.plan.stride == 0 ? 0 : slots / l.plan.stride;
      if (capacity == 0) fail(ptr, "the stride exceeds the slot count");
      l.max_batch_size = std::min<std::uint64_t>(m->max_batch_size, capacity);
      l.input_ciphertext_stride = 0;
      l.input_sample_stride = l.plan.stride;
      l.input_feature_stride = 1;
      l.output_offset = 0;
      l.output_sample_stride = l.plan.stride;
    }
    m->layouts.push_back(std::move(l));
  }

  m->max_request_bytes = config.limits.max_body_bytes;
  for (const auto& l : m->layouts) {
    const std::uint64_t need = ModelRegistry::largest_request_bytes(*m, l);
    if (need > config.limits.max_body_bytes) {
      fail("/layouts", "the largest valid request for layout " + l.name + " is " + std::to_string(need) +
                           " bytes, above limits.max_body_bytes (" + std::to_string(config.limits.max_body_bytes) +
                           ")");
    }
  }
  const ModelLayout* fc = m->layout("feature_columns");
  m->v1_0_compatible = m->activation == "polynomial_sigmoid_v1" && m->coefficients.size() == 3 && fc != nullptr &&
                       fc->plan.input_parms_id == m->context->first_parms_id() && fc->plan.input_scale == m->scale &&
                       !fc->plan.relinearization && fc->plan.galois_elements.empty() &&
                       m->max_request_bytes >= ModelRegistry::v10_request_bytes(*m);
  build_documents(*m, config);
  return m;
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ok = false;
    return {};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  ok = true;
  return ss.str();
}

}  // namespace

const ModelLayout* Model::layout(std::string_view name) const noexcept {
  for (const auto& l : layouts) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

std::string Model::layout_names() const {
  std::string out;
  for (const auto& l : layouts) {
    if (!out.empty()) out += ", ";
    out += l.name;
  }
  return out;
}

bool version_newer(std::string_view a, std::string_view b) {
  auto sa = parse_semver(a);
  auto sb = parse_semver(b);
  if (sa && sb) {
    const int c = compare_semver(*sa, *sb);
    if (c != 0) return c > 0;
  }
  return a > b;
}

std::uint64_t ModelRegistry::v10_request_bytes(const Model& model) {
  // {"model_id": "<id>", "version": "<v>", "batch_size": <B>, "inputs": [{"encoding": "hex",
  // "payload": "<hex>"}, ...]} as Python's json.dumps writes it (the published client).
  const std::uint64_t ct = 113 + 16 * model.poly_modulus_degree * model.context->first_context_data().coeff_modulus_size();
  const std::uint64_t d = model.input_dimension;
  auto len = [](std::string_view s) { return static_cast<std::uint64_t>(s.size()); };
  const std::uint64_t item = len(R"({"encoding": "hex", "payload": ")") + 2 * ct + len(R"("})");
  return len(R"({"model_id": )") + dump_json(ojson(model.model_id)).size() + len(R"(, "version": )") +
         dump_json(ojson(model.version)).size() + len(R"(, "batch_size": )") +
         std::to_string(model.max_batch_size).size() + len(R"(, "inputs": [)") + d * item + (d - 1) * 2 + len("]}");
}

std::uint64_t ModelRegistry::largest_request_bytes(const Model& model, const ModelLayout& layout) {
  // Every input as hex at max_input_bytes, plus the members with generous room for optional ones.
  const std::uint64_t per_input = 2 * layout.max_input_bytes + 64;
  return layout.input_count * per_input + 1024 + model.model_id.size() + model.version.size();
}

Result<std::unique_ptr<Model>> ModelRegistry::load_model(const std::string& name, std::string_view text,
                                                         const Config& config) {
  try {
    return parse_and_check(name, text, config);
  } catch (const LoadError& e) {
    return Status(Code::INVALID_ARGUMENT, name + ": " + (e.pointer_.empty() ? std::string("(document)") : e.pointer_) +
                                              ": " + e.what());
  } catch (const std::exception& e) {
    return Status(Code::INVALID_ARGUMENT, name + ": " + e.what());
  }
}

Result<std::shared_ptr<const ModelRegistry>> ModelRegistry::load_texts(
    const std::vector<std::pair<std::string, std::string>>& files, const Config& config) {
  auto reg = std::shared_ptr<ModelRegistry>(new ModelRegistry());
  if (files.empty()) return Status(Code::INVALID_ARGUMENT, "no model files");
  for (const auto& [name, text] : files) {
    auto model = load_model(name, text, config);
    if (!model.ok()) return model.status();
    auto key = std::make_pair(model.value()->model_id, model.value()->version);
    if (reg->by_key_.count(key) != 0) {
      return Status(Code::INVALID_ARGUMENT, name + ": /version: model " + key.first + " version " + key.second +
                                                " is already defined by " + reg->by_key_.at(key)->source);
    }
    reg->by_key_[key] = model.value().get();
    reg->models_.push_back(std::move(model).value());
  }
  for (const auto& m : reg->models_) reg->ordered_.push_back(m.get());
  std::sort(reg->ordered_.begin(), reg->ordered_.end(), [](const Model* a, const Model* b) {
    if (a->model_id != b->model_id) return a->model_id < b->model_id;
    return version_newer(a->version, b->version);
  });

  ojson root;
  root["api_version"] = "1.0.0";
  root["models"] = ojson::array();
  ojson v1;
  v1["api_version"] = std::string(protocol::kApiVersion);
  v1["models"] = ojson::array();
  ojson keys;
  keys["api_version"] = std::string(protocol::kApiVersion);
  keys["key_policy"] = {
      {"server_holds_secret_keys", false},
      {"server_issues_keys", false},
      {"client_generated", {"secret_key", "public_key", "relin_keys", "galois_keys"}},
      {"statement",
       "This server holds no secret key and issues no keys. Clients generate every key locally from the parameters "
       "below; the secret key never leaves the client. Evaluation keys (relinearization, Galois) are uploaded only "
       "through POST /v1/contexts."}};
  keys["models"] = ojson::array();
  for (const Model* m : reg->ordered_) {
    if (m->v1_0_compatible) root["models"].push_back(m->v10_entry);
    v1["models"].push_back(m->card);
    keys["models"].push_back(m->keys_entry);
  }
  reg->root_models_ = dump_json(root);
  reg->v1_models_ = dump_json(v1);
  reg->keys_ = dump_json(keys);
  return std::shared_ptr<const ModelRegistry>(std::move(reg));
}

Result<std::shared_ptr<const ModelRegistry>> ModelRegistry::load_dir(const std::string& dir, const Config& config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status(Code::INVALID_ARGUMENT, dir + ": not a directory");
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  if (ec) return Status(Code::INVALID_ARGUMENT, dir + ": cannot list the directory: " + ec.message());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) return Status(Code::INVALID_ARGUMENT, dir + ": no *.json model files");
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& p : paths) {
    bool ok = false;
    std::string text = read_file(p, ok);
    if (!ok) return Status(Code::INVALID_ARGUMENT, p + ": cannot read the file");
    files.emplace_back(p, std::move(text));
  }
  return load_texts(files, config);
}

Result<std::shared_ptr<const ModelRegistry>> ModelRegistry::load_bundled(const Config& config) {
  return load_texts(bundled_model_files(), config);
}

const Model* ModelRegistry::find(std::string_view model_id, std::string_view version) const noexcept {
  auto it = by_key_.find(std::make_pair(std::string(model_id), std::string(version)));
  return it == by_key_.end() ? nullptr : it->second;
}

bool ModelRegistry::has_model_id(std::string_view model_id) const noexcept {
  for (const Model* m : ordered_) {
    if (m->model_id == model_id) return true;
  }
  return false;
}

}  // namespace ei::server
