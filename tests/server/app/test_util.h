// Shared helpers of the server/app tests: a registry loaded once per process, App construction,
// request builders, problem checks, and a v1.0-style client (engine keys, encryption, hex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/ckks/encoder.h"
#include "engine/rlwe/decryptor.h"
#include "engine/rlwe/encryptor.h"
#include "engine/rlwe/keygen.h"
#include "engine/serialization/serialization.h"
#include "protocol/error_catalogue.h"
#include "server/app/app.h"

namespace ei::server::test {

inline const std::string kSourceDir = EI_SOURCE_DIR;

// The bundled models plus test models (logistic_v1 0.9.0, an older copy; quadratic_demo 1.0.0, a
// degree-2 model that needs relinearization keys), loaded once.
std::shared_ptr<const ModelRegistry> shared_registry();
// Only the bundled models (as ei-server without --models).
std::shared_ptr<const ModelRegistry> bundled_registry();

// Defaults with request logs off and rate limits loose.
Config test_config();
std::unique_ptr<App> make_app(const Config& config = test_config(),
                              std::shared_ptr<const ModelRegistry> registry = nullptr);

using Headers = std::map<std::string, std::string>;
HttpRequest get(const std::string& target, Headers headers = {});
HttpRequest del(const std::string& target, Headers headers = {});
HttpRequest post(const std::string& target, std::string body, Headers headers = {});

nlohmann::json body_of(const HttpResponse& resp);
// Header value (case-insensitive name), or nullopt.
std::optional<std::string> header_of(const HttpResponse& resp, const std::string& name);

// Checks a problem response completely: status = catalogue status, Content-Type, API-Version,
// type/title/status/code/retryable/request_id (= X-Request-ID)/api_version/detail, errors[]
// only for SCHEMA_VIOLATION, Retry-After when the catalogue says so. Returns the body.
nlohmann::json expect_problem(const HttpResponse& resp, protocol::ErrorCode code);

std::string read_file(const std::string& path);

// A client of one model: keys generated locally, public-key or symmetric encryption.
class Client {
 public:
  explicit Client(const Model& model);
  const Model& model() const { return model_; }
  const rlwe::ContextPtr& context() const { return ctx_; }

  rlwe::Ciphertext encrypt(const std::vector<double>& slots, const rlwe::ParmsId& parms_id, double scale,
                           bool symmetric = false) const;
  std::vector<double> decrypt(const rlwe::Ciphertext& ct) const;
  std::vector<double> decrypt_payload(const std::string& payload, const std::string& encoding) const;
  static std::string encode(const rlwe::Ciphertext& ct, const std::string& encoding,
                            ser::Compression compression = ser::Compression::none, bool seeded = false);

  // feature_columns request body for `samples` (batch × d), v1.0 shape plus `extra` members.
  std::string feature_columns_body(const std::vector<std::vector<double>>& samples, const std::string& encoding = "hex",
                                   const nlohmann::json& extra = nlohmann::json::object(), bool symmetric = false) const;
  // packed_rows body (one ciphertext).
  std::string packed_rows_body(const std::vector<std::vector<double>>& samples, const std::string& context_id,
                               const std::string& encoding = "base64", bool symmetric = true) const;
  // The inputs[] item list of a feature_columns request (for building variants).
  std::vector<rlwe::Ciphertext> feature_columns_cts(const std::vector<std::vector<double>>& samples,
                                                    bool symmetric = false) const;

  rlwe::GaloisKeys galois_keys(const std::vector<std::uint64_t>& elements) const;
  rlwe::RelinKeys relin_keys() const;

 private:
  const Model& model_;
  rlwe::ContextPtr ctx_;
  rlwe::KeyGenerator keygen_;
  rlwe::PublicKey pk_;
  std::unique_ptr<rlwe::Encryptor> pk_enc_;
  std::unique_ptr<rlwe::Encryptor> sk_enc_;
  std::unique_ptr<rlwe::Decryptor> dec_;
  std::unique_ptr<ckks::Encoder> encoder_;
};

std::string make_body(const nlohmann::json& j);

// Application log records emitted since the last clear (tests capture them instead of stderr).
std::vector<std::string> captured_logs();
void clear_captured_logs();
std::vector<std::vector<double>> random_samples(std::size_t batch, std::size_t d, std::uint64_t seed,
                                                double bound = 1.0);
double plain_reference(const Model& model, const std::vector<double>& x);

}  // namespace ei::server::test
