// Fuzz target: ser::load_ciphertext and ser::unsafe_load_ciphertext (the server's input path),
// against the small N = 1024 context and the logistic_v1 context, every compression (the input's
// header chooses it).
//
// Invariants:
// - every input yields an error Status with a catalogued code other than INTERNAL, or a ciphertext;
// - a ciphertext re-saves (none and the input's compression; seeded when it has a seed, and
//   expanded) to bytes that load again and re-save identically; save_size is exact;
// - load accepts a subset of what unsafe_load accepts, and both decode the same object;
// - a fully loaded ciphertext meets what load promises (NTT form, size 2…16, scale finite and
//   ≥ 1, every coefficient below its modulus, data size = size·N·L).
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"

namespace {

using ei::fuzz::check_error_status;
using ei::rlwe::Ciphertext;
using ei::rlwe::Context;

void check_loaded(const Context& ctx, const Ciphertext& ct) {
  const auto* level = ctx.get_context_data(ct.parms_id);
  EI_FUZZ_CHECK(level != nullptr, "loaded ciphertext's parms_id is not in the chain");
  EI_FUZZ_CHECK(ct.size >= ei::limits::kMinCiphertextSize && ct.size <= ei::limits::kMaxCiphertextSize,
                "loaded ciphertext size out of range");
  EI_FUZZ_CHECK(ct.poly_modulus_degree == level->poly_modulus_degree(), "N disagrees with the level");
  EI_FUZZ_CHECK(ct.coeff_modulus_size == level->coeff_modulus_size(), "L disagrees with the level");
  EI_FUZZ_CHECK(ct.data.size() == ct.size * ct.poly_words(), "data size != size * N * L");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = ei::fuzz::as_span(data, size);
  for (const Context* ctx : ei::fuzz::fixed_contexts()) {
    auto full = ei::ser::load_ciphertext(*ctx, input);
    auto unsafe = ei::ser::unsafe_load_ciphertext(*ctx, input);
    if (!full.ok()) check_error_status(full.status(), "load_ciphertext");
    if (!unsafe.ok()) check_error_status(unsafe.status(), "unsafe_load_ciphertext");
    if (full.ok()) {
      EI_FUZZ_CHECK(unsafe.ok(), "load accepted what unsafe_load rejected: " + unsafe.status().to_string());
      EI_FUZZ_CHECK(full.value() == unsafe.value(), "load and unsafe_load decoded different ciphertexts");
    }
    if (unsafe.ok()) {
      const Ciphertext& ct = unsafe.value();
      check_loaded(*ctx, ct);
      for (auto mode : {ei::ser::SeedMode::kNever, ei::ser::SeedMode::kIfAvailable}) {
        auto bytes = ei::ser::save(ct, {ei::ser::Compression::none, mode});
        EI_FUZZ_CHECK(bytes.ok(), "save failed: " + bytes.status().to_string());
        EI_FUZZ_CHECK(bytes->size() == ei::ser::save_size(ct, mode), "save_size is not exact");
      }
      if (!full.ok()) {  // (when load succeeded too, the round trip below covers this object)
        auto reload_unsafe = [ctx](std::span<const std::uint8_t> b) {
          return ei::ser::unsafe_load_ciphertext(*ctx, b);
        };
        ei::fuzz::check_round_trips(ct, reload_unsafe, input, "unsafe_load_ciphertext",
                                    {ei::ser::SeedMode::kIfAvailable, ei::ser::SeedMode::kNever});
      }
    }
    if (full.ok()) {
      const Ciphertext& ct = full.value();
      const auto* level = ctx->get_context_data(ct.parms_id);
      EI_FUZZ_CHECK(ct.is_ntt_form, "load returned a ciphertext not in NTT form");
      EI_FUZZ_CHECK(std::isfinite(ct.scale) && ct.scale >= ei::limits::kMinScale, "load returned a bad scale");
      EI_FUZZ_CHECK(ct.correction_factor == 1, "load returned correction factor != 1");
      const auto moduli = level->coeff_modulus();
      const std::size_t n = level->poly_modulus_degree();
      for (std::size_t p = 0; p < ct.size; ++p) {
        for (std::size_t j = 0; j < moduli.size(); ++j) {
          const std::uint64_t* limb = ct.data.data() + (p * moduli.size() + j) * n;
          for (std::size_t i = 0; i < n; ++i) {
            EI_FUZZ_CHECK(limb[i] < moduli[j].value(), "load returned a coefficient not below its modulus");
          }
        }
      }
      auto reload_full = [ctx](std::span<const std::uint8_t> b) { return ei::ser::load_ciphertext(*ctx, b); };
      ei::fuzz::check_round_trips(ct, reload_full, input, "load_ciphertext",
                                  {ei::ser::SeedMode::kIfAvailable, ei::ser::SeedMode::kNever});
    }
  }
  return 0;
}
