// Fuzz target: ser::load_plaintext and ser::unsafe_load_plaintext against the small N = 1024
// context and the logistic_v1 context, every compression.
//
// Invariants:
// - every input yields an error Status with a catalogued code other than INTERNAL, or a plaintext;
// - a plaintext re-saves (none and the input's compression) to bytes that load again and re-save
//   identically; save_size is exact;
// - load accepts a subset of what unsafe_load accepts, and both decode the same plaintext;
// - a fully loaded plaintext is in NTT form at a data level, coeff_count = N·L = data.size(),
//   every coefficient below its modulus, scale finite and ≥ 1.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"

namespace {

using ei::fuzz::check_error_status;
using ei::rlwe::Context;
using ei::rlwe::Plaintext;

void check_shape(const Context& ctx, const Plaintext& pt) {
  EI_FUZZ_CHECK(pt.is_ntt_form(), "loaded plaintext has a zero parms_id");
  const auto* level = ctx.get_context_data(pt.parms_id);
  EI_FUZZ_CHECK(level != nullptr, "loaded plaintext's parms_id is not in the chain");
  EI_FUZZ_CHECK(!(ctx.using_keyswitching() && level == &ctx.key_context_data()), "plaintext loaded at the key level");
  EI_FUZZ_CHECK(pt.coeff_count == level->poly_modulus_degree() * level->coeff_modulus_size(), "coeff_count != N*L");
  EI_FUZZ_CHECK(pt.data.size() == pt.coeff_count, "data size != coeff_count");
  auto bytes = ei::ser::save(pt);
  EI_FUZZ_CHECK(bytes.ok(), "save failed: " + bytes.status().to_string());
  EI_FUZZ_CHECK(bytes->size() == ei::ser::save_size(pt), "save_size is not exact");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = ei::fuzz::as_span(data, size);
  for (const Context* ctx : ei::fuzz::fixed_contexts()) {
    auto full = ei::ser::load_plaintext(*ctx, input);
    auto unsafe = ei::ser::unsafe_load_plaintext(*ctx, input);
    if (!full.ok()) check_error_status(full.status(), "load_plaintext");
    if (!unsafe.ok()) check_error_status(unsafe.status(), "unsafe_load_plaintext");
    if (full.ok()) {
      EI_FUZZ_CHECK(unsafe.ok(), "load accepted what unsafe_load rejected: " + unsafe.status().to_string());
      EI_FUZZ_CHECK(full.value() == unsafe.value(), "load and unsafe_load decoded different plaintexts");
      const Plaintext& pt = full.value();
      check_shape(*ctx, pt);
      EI_FUZZ_CHECK(std::isfinite(pt.scale) && pt.scale >= ei::limits::kMinScale, "load returned a bad scale");
      const auto* level = ctx->get_context_data(pt.parms_id);
      const auto moduli = level->coeff_modulus();
      const std::size_t n = level->poly_modulus_degree();
      for (std::size_t j = 0; j < moduli.size(); ++j) {
        for (std::size_t i = 0; i < n; ++i) {
          EI_FUZZ_CHECK(pt.data[j * n + i] < moduli[j].value(), "load returned a coefficient not below its modulus");
        }
      }
      auto reload = [ctx](std::span<const std::uint8_t> b) { return ei::ser::load_plaintext(*ctx, b); };
      ei::fuzz::check_round_trips(pt, reload, input, "load_plaintext", {ei::ser::SeedMode::kNever});
    } else if (unsafe.ok()) {
      check_shape(*ctx, unsafe.value());
      auto reload = [ctx](std::span<const std::uint8_t> b) { return ei::ser::unsafe_load_plaintext(*ctx, b); };
      ei::fuzz::check_round_trips(unsafe.value(), reload, input, "unsafe_load_plaintext", {ei::ser::SeedMode::kNever});
    }
  }
  return 0;
}
