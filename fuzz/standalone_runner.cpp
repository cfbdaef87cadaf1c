// Replays files through a fuzz target without libFuzzer: the ctest side of fuzzing (cpp-httplib's
// standalone_fuzz_target_runner, extended to directories). Linked with one *_fuzzer.cpp into
// fuzz_replay_<surface> by fuzz/regression/CMakeLists.txt, built by the project's normal compiler
// (and sanitizers, in the ASan tree).
//
// Usage: fuzz_replay_<surface> [--prefix=P] PATH...
//   Each PATH is a file or a directory (every regular file in it, recursively, sorted; names
//   starting with '.' and README* are skipped). --prefix=P restricts the directories that follow
//   to files whose name starts with P (fuzz/regressions/ holds every surface's crashers, named
//   <surface>-<hash>); --prefix= clears it. A PATH that does not exist is an error unless it is
//   given as ?PATH (optional: e.g. generated corpora that may not have been built).
// Memory: a replayed crasher may be an unbounded allocation. Under ASan the runner's default
//   options cap single allocations at 2 GiB and RSS at 3 GiB (ASAN_OPTIONS still overrides);
//   without ASan it sets RLIMIT_AS to 4 GiB, so such inputs fail fast (std::bad_alloc → abort)
//   instead of exhausting a shared machine.
// Exit status: 0 when every input ran (an invariant violation aborts the process, so ctest sees
//   the failure with the harness's message); 2 on usage or I/O errors.
//
// Thread-safety: single-threaded program.
#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define EI_FUZZ_RUNNER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EI_FUZZ_RUNNER_ASAN 1
#endif
#endif

#ifdef EI_FUZZ_RUNNER_ASAN
// Read by the ASan runtime at startup; ASAN_OPTIONS from the environment is applied after it.
extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "max_allocation_size_mb=2048:hard_rss_limit_mb=3072:allocator_may_return_null=0";
}
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& p, std::vector<std::uint8_t>& out) {
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec) return false;
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out.resize(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  return static_cast<std::size_t>(in.gcount()) == out.size();
}

bool skipped(const fs::path& p, std::string_view prefix) {
  const std::string name = p.filename().string();
  if (name.empty() || name[0] == '.' || name.rfind("README", 0) == 0) return true;
  return !prefix.empty() && name.rfind(prefix, 0) != 0;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef EI_FUZZ_RUNNER_ASAN
  // ASan reserves terabytes of shadow address space, so RLIMIT_AS only without it.
  const rlimit cap{std::uint64_t{4} << 30, std::uint64_t{4} << 30};
  (void)setrlimit(RLIMIT_AS, &cap);
#endif
  std::string prefix;
  std::size_t ran = 0;
  std::vector<std::uint8_t> buf;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg.rfind("--prefix=", 0) == 0) {
      prefix = std::string(arg.substr(9));
      continue;
    }
    bool optional = false;
    if (!arg.empty() && arg[0] == '?') {
      optional = true;
      arg.remove_prefix(1);
    }
    const fs::path root{std::string(arg)};
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(root, ec)) {
      for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec) && !skipped(it->path(), prefix)) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
    } else if (optional) {
      std::fprintf(stderr, "skipping %s (absent)\n", root.c_str());
      continue;
    } else {
      std::fprintf(stderr, "error: %s is neither a file nor a directory\n", root.c_str());
      return 2;
    }
    if (ec) {
      std::fprintf(stderr, "error: cannot list %s: %s\n", root.c_str(), ec.message().c_str());
      return 2;
    }
    for (const auto& f : files) {
      if (!read_file(f, buf)) {
        std::fprintf(stderr, "error: cannot read %s\n", f.c_str());
        return 2;
      }
      std::fprintf(stderr, "running %s (%zu bytes)\n", f.c_str(), buf.size());
      // A copy sized exactly to the input, so ASan sees reads past its end.
      std::vector<std::uint8_t> exact(buf);
      LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
      ++ran;
    }
  }
  std::fprintf(stderr, "%zu inputs replayed, no invariant violated\n", ran);
  return 0;
}
