// Reading the oracle vectors of FORMAT.md.
#pragma once

#include <complex>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ei::interop {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

Bytes read_bytes(const fs::path& p);
void write_bytes(const fs::path& p, const Bytes& b);
std::vector<double> read_f64(const fs::path& p);
void write_f64(const fs::path& p, const std::vector<double>& v);
nlohmann::json read_json(const fs::path& p);
// Vector root from EI_INTEROP_VEC (empty when unset).
fs::path vec_root();
// Oracles that must be present (EI_INTEROP_REQUIRE, comma-separated).
std::vector<std::string> required_oracles();
std::vector<std::string> present_oracles();

}  // namespace ei::interop
