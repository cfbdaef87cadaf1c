#include "engine/rlwe/context.h"

#include <sodium.h>

#include <bit>
#include <cstring>

#include "engine/limits.h"
#include "engine/math/primes.h"

namespace ei::rlwe {
namespace {

void append_le(std::vector<std::uint8_t>& out, std::uint64_t word) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(word >> (8 * i)));
}

// Bit count of the product of the moduli, computed exactly with a small bignum.
int product_bit_count(std::span<const math::Modulus> moduli) {
  std::vector<std::uint64_t> acc{1};
  for (const auto& q : moduli) {
    math::uint128_t carry = 0;
    for (auto& w : acc) {
      math::uint128_t t = static_cast<math::uint128_t>(w) * q.value() + carry;
      w = static_cast<std::uint64_t>(t);
      carry = t >> 64;
    }
    if (carry != 0) acc.push_back(static_cast<std::uint64_t>(carry));
  }
  while (acc.size() > 1 && acc.back() == 0) acc.pop_back();
  return static_cast<int>((acc.size() - 1) * 64) + static_cast<int>(std::bit_width(acc.back()));
}

Status validate_literal(const EncryptionParameters& parms) {
  if (parms.scheme != SchemeType::ckks) {
    return {Code::UNSUPPORTED_SCHEME, "only the CKKS scheme (2) is supported"};
  }
  const std::uint64_t n = parms.poly_modulus_degree;
  if (!std::has_single_bit(n) || n < limits::kMinPolyDegree || n > limits::kMaxPolyDegree) {
    return {Code::INVALID_PARAMETERS, "poly_modulus_degree " + std::to_string(n) +
                                          " is not a power of two in [1024, 32768]"};
  }
  if (parms.coeff_modulus.empty() || parms.coeff_modulus.size() > limits::kMaxCoeffModulusCount) {
    return {Code::INVALID_PARAMETERS, "coeff_modulus must hold 1 to " +
                                          std::to_string(limits::kMaxCoeffModulusCount) + " primes"};
  }
  if (parms.plain_modulus != 0) {
    return {Code::INVALID_PARAMETERS, "CKKS plain_modulus must be 0"};
  }
  for (std::size_t i = 0; i < parms.coeff_modulus.size(); ++i) {
    const std::uint64_t q = parms.coeff_modulus[i];
    if (q < 2 || std::bit_width(q) > limits::kMaxUserPrimeBits) {
      return {Code::INVALID_PARAMETERS,
              "coeff_modulus[" + std::to_string(i) + "] is not in [2, 2^60)"};
    }
    if (q % (2 * n) != 1) {
      return {Code::INVALID_PARAMETERS,
              "coeff_modulus[" + std::to_string(i) + "] is not congruent to 1 mod 2N"};
    }
  }
  return Status::Ok();
}

}  // namespace

std::string parms_id_hex(const ParmsId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (std::uint8_t b : id) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xF]);
  }
  return out;
}

ParmsId compute_parms_id(const EncryptionParameters& parms) {
  std::vector<std::uint8_t> words;
  words.reserve(8 * (parms.coeff_modulus.size() + 3));
  append_le(words, static_cast<std::uint64_t>(parms.scheme));
  append_le(words, parms.poly_modulus_degree);
  for (std::uint64_t q : parms.coeff_modulus) append_le(words, q);
  append_le(words, parms.plain_modulus);
  ParmsId id{};
  // Unkeyed BLAKE2b-256, exactly SEAL's HashFunction::hash (seal-compat.md §2).
  crypto_generichash(id.data(), id.size(), words.data(), words.size(), nullptr, 0);
  return id;
}

Result<EncryptionParameters> make_ckks_parameters(std::uint64_t poly_modulus_degree,
                                                  std::span<const int> bit_sizes) {
  EI_ASSIGN_OR_RETURN(auto primes, math::coeff_modulus_create(poly_modulus_degree, bit_sizes));
  EncryptionParameters parms;
  parms.scheme = SchemeType::ckks;
  parms.poly_modulus_degree = poly_modulus_degree;
  for (const auto& q : primes) parms.coeff_modulus.push_back(q.value());
  return parms;
}

Result<std::shared_ptr<const Context>> Context::create(const EncryptionParameters& parms,
                                                       SecurityLevel security) {
  EI_RETURN_IF_ERROR(validate_literal(parms));
  const std::uint64_t n = parms.poly_modulus_degree;
  const int log_n = std::countr_zero(n);

  std::vector<math::Modulus> moduli;
  for (std::uint64_t q : parms.coeff_modulus) moduli.emplace_back(q);

  const int key_bits = product_bit_count(moduli);
  if (security == SecurityLevel::kTc128) {
    const int bound = math::he_standard_max_bits_tc128(n);
    if (key_bits > bound) {
      return Status(Code::INSECURE_PARAMETERS,
                    "total coeff_modulus bits " + std::to_string(key_bits) +
                        " exceed the 128-bit security bound " + std::to_string(bound) +
                        " for N = " + std::to_string(n) + " (use the insecure option to override)");
    }
  }
  // Pairwise coprimality (SEAL's RNSBase check) is done by RnsBase::create.
  auto key_base = math::RnsBase::create(moduli);
  if (!key_base.ok()) {
    return Status(Code::INVALID_PARAMETERS,
                  "coeff_modulus primes are not pairwise coprime: " + key_base.status().detail());
  }

  auto tables = std::make_shared<std::vector<math::NttTables>>();
  tables->reserve(moduli.size());
  for (std::size_t i = 0; i < moduli.size(); ++i) {
    auto t = math::NttTables::create(log_n, moduli[i]);
    if (!t.ok()) {
      return Status(Code::INVALID_PARAMETERS, "coeff_modulus[" + std::to_string(i) +
                                                  "] does not support the NTT for N = " +
                                                  std::to_string(n));
    }
    tables->push_back(std::move(t).value());
  }
  std::shared_ptr<const std::vector<math::NttTables>> shared_tables = std::move(tables);

  auto key_rns = std::make_shared<const math::RnsBase>(std::move(key_base).value());

  std::shared_ptr<Context> ctx(new Context());
  ctx->security_ = security;
  // Key level first, then drop the last prime until one remains (SEAL's expand_mod_chain).
  for (std::size_t count = moduli.size(); count >= 1; --count) {
    auto data = std::make_unique<ContextData>();
    data->parms_ = parms;
    data->parms_.coeff_modulus.resize(count);
    data->parms_id_ = compute_parms_id(data->parms_);
    if (data->parms_id_ == kParmsIdZero) {
      return Status(Code::INVALID_PARAMETERS, "parms_id hashed to zero");
    }
    data->n_ = static_cast<std::size_t>(n);
    data->log_n_ = log_n;
    data->moduli_.assign(moduli.begin(), moduli.begin() + static_cast<std::ptrdiff_t>(count));
    if (count == moduli.size()) {
      data->rns_base_ = key_rns;
    } else {
      EI_ASSIGN_OR_RETURN(auto base, math::RnsBase::create(data->moduli_));
      data->rns_base_ = std::make_shared<const math::RnsBase>(std::move(base));
    }
    data->ntt_ = shared_tables;
    data->total_bits_ = product_bit_count(data->moduli_);
    const math::Modulus& last = data->moduli_.back();
    for (std::size_t i = 0; i + 1 < count; ++i) {
      auto inv = math::inv_mod(math::reduce(last.value(), data->moduli_[i]), data->moduli_[i]);
      if (!inv) return Status(Code::INVALID_PARAMETERS, "coeff_modulus primes are not coprime");
      data->inv_last_.push_back(*inv);
    }
    data->chain_index_ = count - 1;
    ctx->levels_.push_back(std::move(data));
    if (count == 1) break;
  }
  for (std::size_t i = 0; i < ctx->levels_.size(); ++i) {
    if (i + 1 < ctx->levels_.size()) ctx->levels_[i]->next_ = ctx->levels_[i + 1].get();
    if (i > 0) ctx->levels_[i]->prev_ = ctx->levels_[i - 1].get();
    ctx->by_id_.emplace(ctx->levels_[i]->parms_id_, ctx->levels_[i].get());
  }
  // SEAL: with more than one prime, the first data level drops the special prime.
  ctx->first_ = ctx->levels_.size() > 1 ? ctx->levels_[1].get() : ctx->levels_[0].get();
  return std::shared_ptr<const Context>(std::move(ctx));
}

const ContextData* Context::get_context_data(const ParmsId& id) const noexcept {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

}  // namespace ei::rlwe
