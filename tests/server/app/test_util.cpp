#include "test_util.h"

#include <algorithm>
#include <unistd.h>
#include <cstdlib>
#include <mutex>
#include <fstream>
#include <random>
#include <sstream>

#include "protocol/encoding.h"
#include "protocol/problem.h"
#include "server/app/app_log.h"

namespace ei::server::test {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::string model_variant(const std::string& version) {
  auto j = nlohmann::ordered_json::parse(read_file(kSourceDir + "/models/logistic_v1.json"));
  j["version"] = version;
  return j.dump();
}

std::string quadratic_model() {
  return R"JSON({
    "model_id": "quadratic_demo",
    "version": "1.0.0",
    "description": "Test model: degree-2 activation (needs relinearization keys)",
    "he_scheme": "CKKS",
    "encryption_parameters": {"poly_modulus_degree": 16384, "scale": 1099511627776,
                              "coeff_modulus_bits": [60, 40, 40, 40, 60], "max_multiplicative_depth": 3},
    "inference": {"input_dimension": 4, "output_dimension": 1, "activation": "polynomial"},
    "parameters": {"weights": [0.25, -0.5, 0.125, 0.75], "bias": 0.1},
    "activation_parameters": {"kind": "polynomial", "coefficients": [0.5, 0.2, -0.05]},
    "constraints": {"max_batch_size": 64},
    "layouts": [{"name": "feature_columns",
                 "precision": {"input_domain": {"min": -1.0, "max": 1.0}, "max_abs_error": 1e-05, "bits": 16.6,
                               "samples": 10}}]
  })JSON";
}

}  // namespace

std::shared_ptr<const ModelRegistry> shared_registry() {
  static std::shared_ptr<const ModelRegistry> reg = [] {
    std::vector<std::pair<std::string, std::string>> files = bundled_model_files();
    files.emplace_back("test:logistic_v1-0.9.0.json", model_variant("0.9.0"));
    files.emplace_back("test:quadratic_demo.json", quadratic_model());
    auto r = ModelRegistry::load_texts(files, Config{});
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      return std::shared_ptr<const ModelRegistry>();
    }
    return r.value();
  }();
  return reg;
}

std::shared_ptr<const ModelRegistry> bundled_registry() {
  static std::shared_ptr<const ModelRegistry> reg = [] {
    auto r = ModelRegistry::load_bundled(Config{});
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      return std::shared_ptr<const ModelRegistry>();
    }
    return r.value();
  }();
  return reg;
}

Config test_config() {
  Config c;
  c.log_requests = false;
  c.rate_limit.submit_rate = 10000;
  c.rate_limit.submit_burst = 10000;
  c.rate_limit.read_rate = 10000;
  c.rate_limit.read_burst = 10000;
  c.sync_wait_ms = 20000;
  return c;
}

namespace {

// With EI_RESPONSE_DUMP_DIR set, every exchange is appended (one JSON line) to
// <dir>/responses-<pid>.jsonl for tests/server/app/test_response_schemas.py. Long payload strings
// are cut to a prefix (the schema patterns still apply to it).
void shorten_payloads(nlohmann::json& j) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if (k == "payload" && v.is_string() && v.get<std::string>().size() > 64) {
        v = v.get<std::string>().substr(0, 64);
      } else {
        shorten_payloads(v);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) shorten_payloads(v);
  }
}

void dump_exchange(const std::string& route, const HttpRequest& req, const HttpResponse& resp) {
  static const char* dir = std::getenv("EI_RESPONSE_DUMP_DIR");
  if (dir == nullptr) return;
  static std::mutex mu;
  nlohmann::json line;
  line["route"] = route;
  line["method"] = req.method;
  line["target"] = req.target;
  line["status"] = resp.status;
  line["content_type"] = header_of(resp, "Content-Type").value_or("");
  line["headers"] = nlohmann::json::object();
  for (const auto& [k, v] : resp.headers) line["headers"][k] = v;
  if (line["content_type"] == "application/json" || line["content_type"] == "application/problem+json") {
    auto body = nlohmann::json::parse(resp.body, nullptr, false);
    if (!body.is_discarded()) shorten_payloads(body);
    line["body"] = body.is_discarded() ? nlohmann::json("<<not JSON>>") : body;
    line["raw_body_is_json"] = !body.is_discarded();
  } else {
    line["body_bytes"] = resp.body.size();
  }
  std::lock_guard<std::mutex> lock(mu);
  std::ofstream out(std::string(dir) + "/responses-" + std::to_string(::getpid()) + ".jsonl", std::ios::app);
  out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace

std::unique_ptr<App> make_app(const Config& config, std::shared_ptr<const ModelRegistry> registry) {
  if (!registry) registry = shared_registry();
  auto app = App::create(config, registry);
  if (!app.ok()) {
    ADD_FAILURE() << app.status().to_string();
    return nullptr;
  }
  app.value()->set_exchange_observer(dump_exchange);
  return std::move(app).value();
}

namespace {
HttpRequest make(const std::string& method, const std::string& target, std::string body, Headers headers) {
  HttpRequest r;
  r.method = method;
  r.target = target;
  r.body = std::move(body);
  for (auto& [k, v] : headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    r.headers[name] = v;
  }
  r.remote_address = "127.0.0.1";
  return r;
}
}  // namespace

HttpRequest get(const std::string& target, Headers headers) { return make("GET", target, "", std::move(headers)); }
HttpRequest del(const std::string& target, Headers headers) { return make("DELETE", target, "", std::move(headers)); }
HttpRequest post(const std::string& target, std::string body, Headers headers) {
  if (headers.count("Content-Type") == 0 && headers.count("content-type") == 0) {
    headers["Content-Type"] = "application/json";
  }
  return make("POST", target, std::move(body), std::move(headers));
}

nlohmann::json body_of(const HttpResponse& resp) {
  auto j = nlohmann::json::parse(resp.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << resp.body.substr(0, 300);
  return j;
}

std::optional<std::string> header_of(const HttpResponse& resp, const std::string& name) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  for (const auto& [k, v] : resp.headers) {
    if (lower(k) == lower(name)) return v;
  }
  return std::nullopt;
}

nlohmann::json expect_problem(const HttpResponse& resp, protocol::ErrorCode code) {
  const auto& e = protocol::entry(code);
  EXPECT_EQ(resp.status, e.http_status) << e.name << ": " << resp.body.substr(0, 400);
  EXPECT_EQ(header_of(resp, "Content-Type"), "application/problem+json");
  EXPECT_EQ(header_of(resp, "API-Version"), "1.1.0");
  auto j = body_of(resp);
  if (!j.is_object()) return j;
  EXPECT_EQ(j.value("code", ""), std::string(e.name)) << j.dump().substr(0, 400);
  EXPECT_EQ(j.value("type", ""), "urn:ei:problem:" + std::string(e.name));
  EXPECT_EQ(j.value("title", ""), std::string(e.title));
  EXPECT_EQ(j.value("status", 0), e.http_status);
  EXPECT_EQ(j.value("retryable", !e.retryable), e.retryable);
  EXPECT_EQ(j.value("api_version", ""), "1.1.0");
  EXPECT_TRUE(j.contains("detail") && j["detail"].is_string() && !j["detail"].get<std::string>().empty());
  EXPECT_EQ(j.value("request_id", ""), header_of(resp, "X-Request-ID").value_or("?"));
  EXPECT_EQ(j.contains("errors"), code == protocol::ErrorCode::SCHEMA_VIOLATION);
  if (e.retry_after) {
    auto ra = header_of(resp, "Retry-After");
    EXPECT_TRUE(ra.has_value() && std::stoi(*ra) >= 1) << e.name;
  }
  if (code == protocol::ErrorCode::UNAUTHENTICATED) {
    EXPECT_EQ(header_of(resp, "WWW-Authenticate"), "Bearer realm=\"ei\"");
  }
  if (code == protocol::ErrorCode::METHOD_NOT_ALLOWED) {
    EXPECT_TRUE(header_of(resp, "Allow").has_value());
  }
  return j;
}

// ------------------------------------------------------------------------------------ Client

Client::Client(const Model& model)
    : model_(model), ctx_(model.context), keygen_(model.context), pk_(keygen_.create_public_key()) {
  pk_enc_ = std::make_unique<rlwe::Encryptor>(ctx_, pk_);
  sk_enc_ = std::make_unique<rlwe::Encryptor>(ctx_, keygen_.secret_key());
  dec_ = std::make_unique<rlwe::Decryptor>(ctx_, keygen_.secret_key());
  encoder_ = std::make_unique<ckks::Encoder>(ctx_);
}

rlwe::Ciphertext Client::encrypt(const std::vector<double>& slots, const rlwe::ParmsId& parms_id, double scale,
                                 bool symmetric) const {
  rlwe::Plaintext pt;
  Status st = encoder_->encode(slots, parms_id, scale, pt);
  EXPECT_TRUE(st.ok()) << st.to_string();
  rlwe::Ciphertext ct;
  st = symmetric ? sk_enc_->encrypt_symmetric(pt, ct) : pk_enc_->encrypt(pt, ct);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return ct;
}

std::vector<double> Client::decrypt(const rlwe::Ciphertext& ct) const {
  rlwe::Plaintext pt;
  Status st = dec_->decrypt(ct, pt);
  EXPECT_TRUE(st.ok()) << st.to_string();
  std::vector<double> out;
  st = encoder_->decode(pt, out);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return out;
}

std::vector<double> Client::decrypt_payload(const std::string& payload, const std::string& encoding) const {
  auto bytes = protocol::decode(*protocol::parse_encoding(encoding), payload);
  EXPECT_TRUE(std::holds_alternative<std::vector<std::uint8_t>>(bytes));
  if (!std::holds_alternative<std::vector<std::uint8_t>>(bytes)) return {};
  auto ct = ser::load_ciphertext(*ctx_, std::get<std::vector<std::uint8_t>>(bytes));
  EXPECT_TRUE(ct.ok()) << ct.status().to_string();
  if (!ct.ok()) return {};
  return decrypt(ct.value());
}

std::string Client::encode(const rlwe::Ciphertext& ct, const std::string& encoding, ser::Compression compression,
                           bool seeded) {
  auto bytes = ser::save(ct, ser::SaveOptions{compression, seeded ? ser::SeedMode::kIfAvailable : ser::SeedMode::kNever});
  EXPECT_TRUE(bytes.ok()) << bytes.status().to_string();
  return protocol::encode(*protocol::parse_encoding(encoding), bytes.value());
}

std::vector<rlwe::Ciphertext> Client::feature_columns_cts(const std::vector<std::vector<double>>& samples,
                                                          bool symmetric) const {
  const ModelLayout* layout = model_.layout("feature_columns");
  std::vector<rlwe::Ciphertext> out;
  for (std::size_t i = 0; i < model_.input_dimension; ++i) {
    std::vector<double> column;
    for (const auto& s : samples) column.push_back(s[i]);
    out.push_back(encrypt(column, layout->plan.input_parms_id, layout->plan.input_scale, symmetric));
  }
  return out;
}

std::string Client::feature_columns_body(const std::vector<std::vector<double>>& samples, const std::string& encoding,
                                         const nlohmann::json& extra, bool symmetric) const {
  nlohmann::json j;
  j["model_id"] = model_.model_id;
  j["version"] = model_.version;
  j["batch_size"] = samples.size();
  j["inputs"] = nlohmann::json::array();
  for (const auto& ct : feature_columns_cts(samples, symmetric)) {
    j["inputs"].push_back({{"encoding", encoding}, {"payload", encode(ct, encoding)}});
  }
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j.dump();
}

std::string Client::packed_rows_body(const std::vector<std::vector<double>>& samples, const std::string& context_id,
                                     const std::string& encoding, bool symmetric) const {
  const ModelLayout* layout = model_.layout("packed_rows");
  const std::size_t s = layout->plan.stride;
  std::vector<double> slots(samples.size() * s, 0.0);
  for (std::size_t j = 0; j < samples.size(); ++j) {
    for (std::size_t i = 0; i < samples[j].size(); ++i) slots[j * s + i] = samples[j][i];
  }
  auto ct = encrypt(slots, layout->plan.input_parms_id, layout->plan.input_scale, symmetric);
  nlohmann::json j;
  j["model_id"] = model_.model_id;
  j["version"] = model_.version;
  j["batch_size"] = samples.size();
  j["layout"] = "packed_rows";
  if (!context_id.empty()) j["context_id"] = context_id;
  j["inputs"] = {{{"encoding", encoding}, {"payload", encode(ct, encoding, ser::Compression::none, symmetric)}}};
  return j.dump();
}

rlwe::GaloisKeys Client::galois_keys(const std::vector<std::uint64_t>& elements) const {
  auto keys = keygen_.create_galois_keys(elements);
  EXPECT_TRUE(keys.ok()) << keys.status().to_string();
  return std::move(keys).value();
}

rlwe::RelinKeys Client::relin_keys() const {
  auto keys = keygen_.create_relin_keys();
  EXPECT_TRUE(keys.ok()) << keys.status().to_string();
  return std::move(keys).value();
}

std::string make_body(const nlohmann::json& j) { return j.dump(); }

namespace {
std::mutex& log_mutex() {
  static std::mutex mu;
  return mu;
}
std::vector<std::string>& log_lines() {
  static std::vector<std::string> lines;
  return lines;
}
// Captures application logs for the whole test binary (set EI_TEST_LOGS=1 to see them on stderr).
const bool kLogSinkInstalled = [] {
  if (std::getenv("EI_TEST_LOGS") != nullptr) return false;
  set_app_log_sink([](std::string_view line) {
    std::lock_guard<std::mutex> lock(log_mutex());
    if (log_lines().size() < 100000) log_lines().emplace_back(line);
  });
  return true;
}();
}  // namespace

std::vector<std::string> captured_logs() {
  (void)kLogSinkInstalled;
  std::lock_guard<std::mutex> lock(log_mutex());
  return log_lines();
}

void clear_captured_logs() {
  std::lock_guard<std::mutex> lock(log_mutex());
  log_lines().clear();
}

std::vector<std::vector<double>> random_samples(std::size_t batch, std::size_t d, std::uint64_t seed, double bound) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-bound, bound);
  std::vector<std::vector<double>> out(batch, std::vector<double>(d));
  for (auto& row : out) {
    for (auto& v : row) v = dist(rng);
  }
  return out;
}

double plain_reference(const Model& model, const std::vector<double>& x) {
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += model.weights[i] * x[i];
  const double z = s + model.bias;
  double y = 0.0;
  for (std::size_t k = model.coefficients.size(); k-- > 0;) y = y * z + model.coefficients[k];
  return y;
}

}  // namespace ei::server::test
