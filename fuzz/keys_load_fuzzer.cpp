// Fuzz target: the key loaders a server or tool reads from clients: ser::load_secret_key,
// load_public_key, load_relin_keys / unsafe_load_relin_keys and load_galois_keys /
// unsafe_load_galois_keys, against the small N = 1024 context and the logistic_v1 context, every
// compression and the seeded forms. Each input goes through every loader (SEAL bytes do not name
// their kind).
//
// Invariants:
// - every input yields an error Status with a catalogued code other than INTERNAL, or a key;
// - a key re-saves (none and the input's compression; seeded where it has seeds, and expanded) to
//   bytes that load again and re-save identically;
// - load accepts a subset of what unsafe_load accepts, and both decode the same keys;
// - loaded keys are at the key level with the documented shape (size-2 components with scale 1,
//   at most 14 relinearization entries, at most N Galois entries, each entry empty or with one
//   component per data-level prime).
#include <cstddef>
#include <cstdint>

#include "engine/serialization/serialization.h"
#include "fuzz/fuzz_common.h"

namespace {

using ei::fuzz::check_error_status;
using ei::rlwe::Context;
using ei::ser::SeedMode;

constexpr std::initializer_list<SeedMode> kSeedModes = {SeedMode::kIfAvailable, SeedMode::kNever};

void check_key_ciphertext(const Context& ctx, const ei::rlwe::Ciphertext& ct, bool full) {
  EI_FUZZ_CHECK(ct.parms_id == ctx.key_parms_id(), "key component not at the key level");
  EI_FUZZ_CHECK(ct.size == 2, "key component size != 2");
  EI_FUZZ_CHECK(ct.data.size() == ct.size * ct.poly_words(), "key component data size != 2 * N * K");
  EI_FUZZ_CHECK(ct.poly_modulus_degree == ctx.key_context_data().poly_modulus_degree(), "key component N");
  EI_FUZZ_CHECK(ct.coeff_modulus_size == ctx.key_context_data().coeff_modulus_size(), "key component K");
  if (full) {
    EI_FUZZ_CHECK(ct.scale == 1.0, "loaded key component scale != 1");
    EI_FUZZ_CHECK(ct.is_ntt_form, "loaded key component not in NTT form");
  }
}

void check_kswitch(const Context& ctx, const ei::rlwe::KSwitchKeys& keys, std::size_t max_entries, bool full) {
  EI_FUZZ_CHECK(keys.parms_id == ctx.key_parms_id(), "key-switching keys not at the key level");
  EI_FUZZ_CHECK(keys.keys.size() <= max_entries, "too many key-switching entries");
  const std::size_t decomp = ctx.first_context_data().coeff_modulus_size();
  for (const auto& entry : keys.keys) {
    EI_FUZZ_CHECK(entry.empty() || entry.size() == decomp, "entry with the wrong number of components");
    for (const auto& pk : entry) check_key_ciphertext(ctx, pk.data, full);
  }
}

template <typename Keys, typename FullFn, typename UnsafeFn>
void fuzz_kswitch(const Context& ctx, std::span<const std::uint8_t> input, FullFn&& load_full, UnsafeFn&& load_unsafe,
                  std::size_t max_entries, const char* what) {
  auto full = load_full(input);
  auto unsafe = load_unsafe(input);
  if (!full.ok()) check_error_status(full.status(), what);
  if (!unsafe.ok()) check_error_status(unsafe.status(), what);
  if (full.ok()) {
    EI_FUZZ_CHECK(unsafe.ok(),
                  std::string(what) + ": load accepted what unsafe_load rejected: " + unsafe.status().to_string());
    EI_FUZZ_CHECK(static_cast<const ei::rlwe::KSwitchKeys&>(full.value()) ==
                      static_cast<const ei::rlwe::KSwitchKeys&>(unsafe.value()),
                  std::string(what) + ": load and unsafe_load decoded different keys");
    check_kswitch(ctx, full.value(), max_entries, true);
    ei::fuzz::check_round_trips(full.value(), load_full, input, what, kSeedModes);
  } else if (unsafe.ok()) {
    check_kswitch(ctx, unsafe.value(), max_entries, false);
    ei::fuzz::check_round_trips(unsafe.value(), load_unsafe, input, what, kSeedModes);
  }
}

void fuzz_context(const Context& ctx, std::span<const std::uint8_t> input) {
  {
    auto sk = ei::ser::load_secret_key(ctx, input);
    if (!sk.ok()) {
      check_error_status(sk.status(), "load_secret_key");
    } else {
      const auto& pt = sk->data();
      EI_FUZZ_CHECK(pt.parms_id == ctx.key_parms_id(), "secret key not at the key level");
      EI_FUZZ_CHECK(pt.scale == 1.0, "secret key scale != 1");
      EI_FUZZ_CHECK(pt.data.size() == pt.coeff_count, "secret key data size != coeff_count");
      auto reload = [&ctx](std::span<const std::uint8_t> b) { return ei::ser::load_secret_key(ctx, b); };
      ei::fuzz::check_round_trips(sk.value(), reload, input, "load_secret_key", {SeedMode::kNever});
    }
  }
  {
    auto pk = ei::ser::load_public_key(ctx, input);
    if (!pk.ok()) {
      check_error_status(pk.status(), "load_public_key");
    } else {
      check_key_ciphertext(ctx, pk->data, true);
      auto reload = [&ctx](std::span<const std::uint8_t> b) { return ei::ser::load_public_key(ctx, b); };
      ei::fuzz::check_round_trips(pk.value(), reload, input, "load_public_key", kSeedModes);
    }
  }
  fuzz_kswitch<ei::rlwe::RelinKeys>(
      ctx, input, [&ctx](std::span<const std::uint8_t> b) { return ei::ser::load_relin_keys(ctx, b); },
      [&ctx](std::span<const std::uint8_t> b) { return ei::ser::unsafe_load_relin_keys(ctx, b); },
      ei::limits::kMaxRelinKeyCount, "relin keys");
  fuzz_kswitch<ei::rlwe::GaloisKeys>(
      ctx, input, [&ctx](std::span<const std::uint8_t> b) { return ei::ser::load_galois_keys(ctx, b); },
      [&ctx](std::span<const std::uint8_t> b) { return ei::ser::unsafe_load_galois_keys(ctx, b); },
      ctx.key_context_data().poly_modulus_degree(), "Galois keys");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = ei::fuzz::as_span(data, size);
  for (const Context* ctx : ei::fuzz::fixed_contexts()) fuzz_context(*ctx, input);
  return 0;
}
