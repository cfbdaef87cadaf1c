#include "tests/interop/interop_util.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace ei::interop {

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const Bytes& b) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::vector<double> read_f64(const fs::path& p) {
  Bytes b = read_bytes(p);
  if (b.size() % 8 != 0) throw std::runtime_error(p.string() + " is not a whole number of doubles");
  std::vector<double> v(b.size() / 8);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

void write_f64(const fs::path& p, const std::vector<double>& v) {
  Bytes b(v.size() * 8);
  std::memcpy(b.data(), v.data(), b.size());
  write_bytes(p, b);
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  return nlohmann::json::parse(in);
}

fs::path vec_root() {
  const char* v = std::getenv("EI_INTEROP_VEC");
  return v == nullptr ? fs::path() : fs::path(v);
}

std::vector<std::string> required_oracles() {
  std::vector<std::string> out;
  const char* v = std::getenv("EI_INTEROP_REQUIRE");
  if (v == nullptr) return out;
  std::string s(v);
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> present_oracles() {
  std::vector<std::string> out;
  for (const char* o : {"node-seal", "pyfhel"}) {
    if (fs::exists(vec_root() / o)) out.emplace_back(o);
  }
  return out;
}

}  // namespace ei::interop
