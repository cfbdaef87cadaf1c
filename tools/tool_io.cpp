#include "tools/tool_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/limits.h"
#include "engine/serialization/serialization.h"

namespace ei::tool {

Result<std::vector<std::uint8_t>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status(Code::INVALID_ARGUMENT, "cannot open '" + path + "'");
  const auto size = static_cast<std::uint64_t>(in.tellg());
  if (size > limits::kMaxObjectBytes + limits::kSealHeaderBytes) {
    return Status(Code::LIMIT_EXCEEDED, "'" + path + "' is larger than 1 GiB");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size != 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    return Status(Code::INVALID_ARGUMENT, "cannot read '" + path + "'");
  }
  return bytes;
}

Status write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool private_file) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_file ? 0600 : 0644);
  if (fd < 0) return {Code::INVALID_ARGUMENT, "cannot create '" + tmp + "': " + std::strerror(errno)};
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      ::unlink(tmp.c_str());
      return {Code::INVALID_ARGUMENT, "cannot write '" + tmp + "': " + std::strerror(errno)};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return {Code::INVALID_ARGUMENT, "cannot flush '" + tmp + "'"};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return {Code::INVALID_ARGUMENT, "cannot rename to '" + path + "': " + std::strerror(errno)};
  }
  return Status::Ok();
}

Result<double> parse_scale(const std::string& text) {
  if (text.rfind("2^", 0) == 0) {
    int e = 0;
    auto [p, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), e);
    if (ec != std::errc() || p != text.data() + text.size() || e < 0 || e > 1000) {
      return Status(Code::INVALID_ARGUMENT, "scale '" + text + "' is not 2^E with 0 ≤ E ≤ 1000");
    }
    return std::ldexp(1.0, e);
  }
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v) || v <= 0) {
    return Status(Code::INVALID_ARGUMENT, "scale '" + text + "' is not a positive finite number or 2^E");
  }
  return v;
}

Result<std::vector<int>> parse_bits(const std::string& text) {
  std::vector<int> bits;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end) {
    int b = 0;
    auto [next, ec] = std::from_chars(p, end, b);
    if (ec != std::errc()) return Status(Code::INVALID_ARGUMENT, "bit list '" + text + "' is not comma-separated integers");
    bits.push_back(b);
    p = next;
    if (p < end) {
      if (*p != ',') return Status(Code::INVALID_ARGUMENT, "bit list '" + text + "' is not comma-separated integers");
      ++p;
    }
  }
  if (bits.empty()) return Status(Code::INVALID_ARGUMENT, "bit list is empty");
  return bits;
}

Result<Values> read_values(const std::string& path) {
  EI_ASSIGN_OR_RETURN(auto bytes, read_file(path));
  nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) {
    return Status(Code::INVALID_ARGUMENT, "'" + path + "' is not a JSON array of numbers or [re, im] pairs");
  }
  Values out;
  for (const auto& v : j) {
    if (v.is_number()) {
      out.values.emplace_back(v.get<double>(), 0.0);
    } else if (v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number()) {
      out.values.emplace_back(v[0].get<double>(), v[1].get<double>());
      out.complex = true;
    } else {
      return Status(Code::INVALID_ARGUMENT, "'" + path + "' holds an element that is neither a number nor [re, im]");
    }
  }
  return out;
}

Result<rlwe::ContextPtr> load_context(const std::string& params_path, bool insecure) {
  EI_ASSIGN_OR_RETURN(auto bytes, read_file(params_path));
  EI_ASSIGN_OR_RETURN(auto parms, ser::load_parameters(bytes));
  return rlwe::Context::create(parms, insecure ? rlwe::SecurityLevel::kInsecure : rlwe::SecurityLevel::kTc128);
}

}  // namespace ei::tool
