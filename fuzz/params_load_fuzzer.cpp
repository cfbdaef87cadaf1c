// Fuzz target: ser::load_parameters, then rlwe::Context::create (tc128 and insecure) whenever the
// parameters load. Parameters are the one SEAL object read without a context.
//
// Invariants:
// - every input yields an error Status with a catalogued code other than INTERNAL, or parameters;
// - loaded parameters are structurally valid (CKKS, N ≤ kMaxPolyDegree, 1 ≤ L ≤
//   kMaxCoeffModulusCount, each modulus 0 or in [2, 2^61), plain_modulus 0) and re-save (none and
//   the input's compression) to bytes that load again and re-save identically;
// - Context::create returns a context or one of its documented codes, never INTERNAL; a created
//   context's key level has the loaded parameters and parms_id, and tc128 success implies
//   insecure success.
#include <bit>
#include <cstddef>
#include <cstdint>

#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"

namespace {

using ei::Code;
using ei::fuzz::check_error_status;

void check_create(const ei::rlwe::EncryptionParameters& parms, ei::rlwe::SecurityLevel level, bool& created) {
  auto ctx = ei::rlwe::Context::create(parms, level);
  created = ctx.ok();
  if (!ctx.ok()) {
    check_error_status(ctx.status(), "Context::create");
    const Code c = ctx.status().code();
    EI_FUZZ_CHECK(c == Code::INVALID_PARAMETERS || c == Code::INSECURE_PARAMETERS || c == Code::UNSUPPORTED_SCHEME,
                  "Context::create returned an undocumented code: " + ctx.status().to_string());
    return;
  }
  const auto& key = ctx.value()->key_context_data();
  EI_FUZZ_CHECK(key.parms() == parms, "key level parameters differ from the loaded ones");
  EI_FUZZ_CHECK(key.parms_id() == ei::rlwe::compute_parms_id(parms), "key parms_id differs");
  EI_FUZZ_CHECK(ctx.value()->level_count() == parms.coeff_modulus.size(), "chain length != L");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = ei::fuzz::as_span(data, size);
  auto parms = ei::ser::load_parameters(input);
  if (!parms.ok()) {
    check_error_status(parms.status(), "load_parameters");
    return 0;
  }
  const auto& p = parms.value();
  EI_FUZZ_CHECK(p.scheme == ei::rlwe::SchemeType::ckks, "loaded non-CKKS parameters");
  EI_FUZZ_CHECK(p.poly_modulus_degree <= ei::limits::kMaxPolyDegree, "N above the limit");
  EI_FUZZ_CHECK(!p.coeff_modulus.empty() && p.coeff_modulus.size() <= ei::limits::kMaxCoeffModulusCount,
                "coeff_modulus count out of range");
  for (std::uint64_t q : p.coeff_modulus) {
    EI_FUZZ_CHECK(q != 1 && std::bit_width(q) <= ei::limits::kMaxModulusBits, "modulus out of range");
  }
  EI_FUZZ_CHECK(p.plain_modulus == 0, "non-zero plain_modulus");
  auto reload = [](std::span<const std::uint8_t> b) { return ei::ser::load_parameters(b); };
  ei::fuzz::check_round_trips(p, reload, input, "load_parameters", {ei::ser::SeedMode::kNever});

  bool secure = false;
  bool insecure = false;
  check_create(p, ei::rlwe::SecurityLevel::kTc128, secure);
  check_create(p, ei::rlwe::SecurityLevel::kInsecure, insecure);
  EI_FUZZ_CHECK(!secure || insecure, "tc128 accepted parameters that insecure rejected");
  return 0;
}
