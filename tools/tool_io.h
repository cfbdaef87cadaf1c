// File and value helpers shared by ckks-tool's subcommands.
#pragma once

#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/status.h"

namespace ei::tool {

// Whole file as bytes. Errors: INVALID_ARGUMENT (cannot open or read), LIMIT_EXCEEDED (> 1 GiB).
Result<std::vector<std::uint8_t>> read_file(const std::string& path);
// Writes atomically (temporary file + rename). `private_file` creates it with mode 0600.
Status write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool private_file = false);

// "2^40", "1099511627776" or "1.5e12". Errors: INVALID_ARGUMENT.
Result<double> parse_scale(const std::string& text);
// "60,40,40,60". Errors: INVALID_ARGUMENT.
Result<std::vector<int>> parse_bits(const std::string& text);

// A JSON file holding an array of numbers (real) or of [re, im] pairs (complex).
struct Values {
  std::vector<std::complex<double>> values;
  bool complex = false;
};
Result<Values> read_values(const std::string& path);

// Loads an EncryptionParameters file and builds its context. Errors: those of load_parameters
// and Context::create (INSECURE_PARAMETERS unless `insecure`).
Result<rlwe::ContextPtr> load_context(const std::string& params_path, bool insecure);

}  // namespace ei::tool
