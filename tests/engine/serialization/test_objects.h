// Synthetic SEAL objects for serialization tests: structurally valid, random coefficients below
// their moduli (no encryption needed to test the wire format).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/rlwe/context.h"
#include "engine/rlwe/objects.h"

namespace ei::test {

// N = 1024, bits {40, 30, 30, 40}: small, fast, three data levels. Insecure by design (tests only).
rlwe::ContextPtr small_context();
// A second, unrelated context (different primes) for mismatch cases.
rlwe::ContextPtr other_context();

void fill_random(std::vector<std::uint64_t>& data, const rlwe::ContextData& level, std::size_t polys,
                 std::mt19937_64& rng);
rlwe::Ciphertext random_ciphertext(const rlwe::ContextData& level, std::size_t size, double scale,
                                   std::mt19937_64& rng);
// Size-2 ciphertext whose c1 is the expansion of a seed (what symmetric encryption produces).
rlwe::Ciphertext random_seeded_ciphertext(const rlwe::ContextData& level, double scale, std::mt19937_64& rng);
rlwe::Plaintext random_plaintext(const rlwe::ContextData& level, double scale, std::mt19937_64& rng);
rlwe::SecretKey random_secret_key(const rlwe::Context& ctx, std::mt19937_64& rng);
rlwe::PublicKey random_public_key(const rlwe::Context& ctx, bool seeded, std::mt19937_64& rng);
rlwe::RelinKeys random_relin_keys(const rlwe::Context& ctx, bool seeded, std::mt19937_64& rng);
rlwe::GaloisKeys random_galois_keys(const rlwe::Context& ctx, const std::vector<std::uint64_t>& elts, bool seeded,
                                    std::mt19937_64& rng);

// Little-endian field patching.
void put_u64(std::vector<std::uint8_t>& b, std::size_t at, std::uint64_t v);
std::uint64_t get_u64(const std::vector<std::uint8_t>& b, std::size_t at);
void put_f64(std::vector<std::uint8_t>& b, std::size_t at, double v);

}  // namespace ei::test
