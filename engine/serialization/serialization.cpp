#include "engine/serialization/serialization.h"

#include <sodium.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/limits.h"
#include "engine/math/prng.h"
#include "engine/math/sampling.h"
#include "engine/serialization/compression.h"

namespace ei::ser {
namespace {

using rlwe::Ciphertext;
using rlwe::Context;
using rlwe::ContextData;
using rlwe::ParmsId;
using rlwe::Plaintext;

constexpr std::uint16_t kMagic = 0xA15E;
constexpr std::uint64_t kHeaderBytes = limits::kSealHeaderBytes;
constexpr std::uint64_t kModulusBytes = kHeaderBytes + 8;
constexpr std::uint64_t kPrngInfoBytes = kHeaderBytes + 1 + sizeof(math::PrngSeed);
// Ciphertext fixed members: parms_id, ntt flag, size, N, L, scale, correction factor.
constexpr std::uint64_t kCiphertextMetaBytes = 32 + 1 + 8 + 8 + 8 + 8 + 8;
// Plaintext fixed members: parms_id, coeff_count, scale.
constexpr std::uint64_t kPlaintextMetaBytes = 32 + 8 + 8;

// ---------------------------------------------------------------- writing

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void words(const std::uint64_t* w, std::size_t n) {
    const std::size_t at = out_.size();
    out_.resize(at + 8 * n);
    if constexpr (std::endian::native == std::endian::little) {
      if (n != 0) std::memcpy(out_.data() + at, w, 8 * n);
    } else {
      for (std::size_t i = 0; i < n; ++i)
        for (int b = 0; b < 8; ++b) out_[at + 8 * i + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(w[i] >> (8 * b));
    }
  }
  void header(std::uint64_t total_size, Compression c = Compression::none) {
    u16(kMagic);
    u8(static_cast<std::uint8_t>(kHeaderBytes));
    u8(4);
    u8(1);
    u8(static_cast<std::uint8_t>(c));
    u16(0);
    u64(total_size);
  }
  void reserve(std::size_t n) { out_.reserve(n); }
  std::vector<std::uint8_t>& buffer() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

void write_dynarray(Writer& w, const std::uint64_t* data, std::uint64_t count) {
  w.header(kHeaderBytes + 8 + 8 * count);
  w.u64(count);
  w.words(data, static_cast<std::size_t>(count));
}

bool will_save_seed(const Ciphertext& ct, SeedMode mode) {
  // SEAL stores a seed only for size-2 objects with N·L ≥ ceil(81/8) + 1 words.
  return mode != SeedMode::kNever && ct.seed.has_value() && ct.size == 2 &&
         ct.poly_words() >= (kPrngInfoBytes + 7) / 8 + 1;
}

std::uint64_t ciphertext_members_size(const Ciphertext& ct, bool seeded) {
  const std::uint64_t words = seeded ? ct.poly_words() : ct.data.size();
  return kCiphertextMetaBytes + kHeaderBytes + 8 + 8 * words + (seeded ? kPrngInfoBytes : 0);
}

Status write_ciphertext_members(Writer& w, const Ciphertext& ct, SeedMode mode) {
  if (ct.data.size() != ct.size * ct.poly_words()) {
    return {Code::INVALID_ARGUMENT, "ciphertext data size disagrees with size * N * L"};
  }
  const bool seeded = will_save_seed(ct, mode);
  if (mode == SeedMode::kRequired && !seeded) {
    return {Code::INVALID_ARGUMENT, "the object has no seed to save (it was not freshly seeded)"};
  }
  w.bytes(ct.parms_id);
  w.u8(ct.is_ntt_form ? 1 : 0);
  w.u64(ct.size);
  w.u64(ct.poly_modulus_degree);
  w.u64(ct.coeff_modulus_size);
  w.f64(ct.scale);
  w.u64(ct.correction_factor);
  if (seeded) {
    write_dynarray(w, ct.data.data(), ct.poly_words());
    w.header(kPrngInfoBytes);
    w.u8(static_cast<std::uint8_t>(ct.seed->type));
    w.bytes(ct.seed->seed);
  } else {
    write_dynarray(w, ct.data.data(), ct.data.size());
  }
  return Status::Ok();
}

Status write_plaintext_members(Writer& w, const Plaintext& pt) {
  if (pt.data.size() != pt.coeff_count) {
    return {Code::INVALID_ARGUMENT, "plaintext data size disagrees with coeff_count"};
  }
  w.bytes(pt.parms_id);
  w.u64(pt.coeff_count);
  w.f64(pt.scale);
  write_dynarray(w, pt.data.data(), pt.coeff_count);
  return Status::Ok();
}

Status write_kswitch_members(Writer& w, const rlwe::KSwitchKeys& keys, SeedMode mode) {
  w.bytes(keys.parms_id);
  w.u64(keys.keys.size());
  for (const auto& component : keys.keys) {
    w.u64(component.size());
    for (const auto& pk : component) {
      const bool seeded = will_save_seed(pk.data, mode);
      w.header(kHeaderBytes + ciphertext_members_size(pk.data, seeded));
      EI_RETURN_IF_ERROR(write_ciphertext_members(w, pk.data, mode));
    }
  }
  return Status::Ok();
}

// Wraps raw members in a top-level header, compressing if asked.
Result<std::vector<std::uint8_t>> finish(std::vector<std::uint8_t>& members, Compression c) {
  std::vector<std::uint8_t> payload;
  if (c == Compression::none) {
    payload = std::move(members);
  } else {
    EI_ASSIGN_OR_RETURN(payload, compress(c, members));
  }
  Writer w;
  w.reserve(kHeaderBytes + payload.size());
  w.header(kHeaderBytes + payload.size(), c);
  w.bytes(payload);
  return std::move(w.buffer());
}

template <typename WriteFn>
Result<std::vector<std::uint8_t>> save_with(Compression c, std::size_t reserve, WriteFn&& write) {
  Writer w;
  w.reserve(reserve);
  EI_RETURN_IF_ERROR(write(w));
  return finish(w.buffer(), c);
}

// ---------------------------------------------------------------- reading

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  [[nodiscard]] std::size_t remaining() const { return b_.size() - pos_; }
  [[nodiscard]] std::size_t position() const { return pos_; }
  Status need(std::uint64_t n, const char* what) const {
    if (n > remaining()) {
      return {Code::TRUNCATED, std::string("input ends inside ") + what + " (needs " +
                                   std::to_string(n) + " bytes, " + std::to_string(remaining()) +
                                   " left)"};
    }
    return Status::Ok();
  }
  // REQUIRES: need() checked.
  std::uint8_t u8() { return b_[pos_++]; }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{b_[pos_ + static_cast<std::size_t>(i)]} << (8 * i);
    pos_ += 8;
    return v;
  }
  double f64() { return std::bit_cast<double>(u64()); }
  void bytes(std::span<std::uint8_t> out) {
    std::memcpy(out.data(), b_.data() + pos_, out.size());
    pos_ += out.size();
  }
  void words(std::uint64_t* out, std::size_t n) {
    if constexpr (std::endian::native == std::endian::little) {
      if (n != 0) std::memcpy(out, b_.data() + pos_, 8 * n);
      pos_ += 8 * n;
    } else {
      for (std::size_t i = 0; i < n; ++i) out[i] = u64();
    }
  }
  [[nodiscard]] std::span<const std::uint8_t> rest() const { return b_.subspan(pos_); }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

// A nested header (Modulus, DynArray, inner PublicKey, PRNG info): always compression none.
Result<SealHeader> read_nested_header(Reader& r, const char* what) {
  EI_RETURN_IF_ERROR(r.need(kHeaderBytes, what));
  EI_ASSIGN_OR_RETURN(SealHeader h, parse_header(r.rest()));
  if (h.compr_mode != 0) {
    return Status(Code::UNSUPPORTED_COMPRESSION, std::string(what) + " is compressed inside an object");
  }
  if (h.size < kHeaderBytes) {
    return Status(Code::SIZE_MISMATCH, std::string(what) + " header declares fewer than 16 bytes");
  }
  for (std::size_t i = 0; i < kHeaderBytes; ++i) r.u8();
  return h;
}

// Reads a DynArray<u64> whose count must be one of the allowed values; checks the bytes exist
// before allocating. Returns the count read.
Result<std::uint64_t> read_dynarray(Reader& r, std::span<const std::uint64_t> allowed_counts,
                                    std::vector<std::uint64_t>& out, std::uint64_t capacity_words) {
  EI_ASSIGN_OR_RETURN(SealHeader h, read_nested_header(r, "coefficient array"));
  EI_RETURN_IF_ERROR(r.need(8, "coefficient array count"));
  const std::uint64_t count = r.u64();
  bool ok = false;
  for (std::uint64_t a : allowed_counts) ok = ok || count == a;
  if (!ok) {
    return Status(Code::SIZE_MISMATCH, "coefficient array holds " + std::to_string(count) +
                                           " words; the metadata requires " +
                                           std::to_string(allowed_counts.front()));
  }
  if (count > (std::numeric_limits<std::uint64_t>::max() - kHeaderBytes - 8) / 8 ||
      h.size != kHeaderBytes + 8 + 8 * count) {
    return Status(Code::SIZE_MISMATCH, "coefficient array header size disagrees with its count");
  }
  EI_RETURN_IF_ERROR(r.need(8 * count, "coefficient array data"));
  out.assign(static_cast<std::size_t>(std::max(count, capacity_words)), 0);
  r.words(out.data(), static_cast<std::size_t>(count));
  return count;
}

// Returns the decompressed member bytes of a top-level object, after header, limit,
// compression and declared-size checks. `max_members` bounds the decompressed size.
Result<std::vector<std::uint8_t>> open_object(std::span<const std::uint8_t> bytes,
                                              std::uint64_t max_members) {
  EI_ASSIGN_OR_RETURN(SealHeader h, parse_header(bytes));
  if (h.size < kHeaderBytes) {
    return Status(Code::SIZE_MISMATCH, "header declares fewer bytes than the header itself");
  }
  if (h.size > bytes.size()) {
    return Status(Code::TRUNCATED, "header declares " + std::to_string(h.size) +
                                       " bytes but only " + std::to_string(bytes.size()) +
                                       " are present");
  }
  if (h.size < bytes.size()) {
    return Status(Code::TRAILING_BYTES, std::to_string(bytes.size() - h.size) +
                                            " bytes follow the end of the object");
  }
  if (h.size - kHeaderBytes > limits::kMaxObjectBytes) {
    return Status(Code::LIMIT_EXCEEDED, "object larger than the engine's limit");
  }
  auto payload = bytes.subspan(kHeaderBytes);
  std::uint64_t bound = std::min<std::uint64_t>(max_members, limits::kMaxObjectBytes);
  if (h.compr_mode != static_cast<std::uint8_t>(Compression::none)) {
    // SEAL objects are uniform residues and barely compress (≤ 2× for 30-bit primes, a little
    // more for empty Galois entries), so a payload that claims far more is a bomb: cap the
    // expansion before allocating anything.
    bound = std::min<std::uint64_t>(bound, limits::kMaxCompressionRatio * payload.size() + limits::kCompressionSlackBytes);
  }
  return decompress(static_cast<Compression>(h.compr_mode), payload, bound);
}

Status expect_consumed(const Reader& r, const char* what) {
  if (r.remaining() != 0) {
    return {Code::SIZE_MISMATCH, std::to_string(r.remaining()) + " bytes follow the members of the " +
                                     what + " (header size disagrees with its content)"};
  }
  return Status::Ok();
}

bool scale_in_range(double scale, const ContextData& level) {
  // Finite, ≥ 1, and log2(scale) below the level's modulus bits (SEAL's is_scale_within_bounds).
  if (!std::isfinite(scale) || scale < limits::kMinScale) return false;
  return static_cast<int>(std::log2(scale)) < level.total_coeff_modulus_bit_count();
}

Status check_coefficients(const std::uint64_t* data, std::size_t polys, const ContextData& level,
                          const char* what) {
  const std::size_t n = level.poly_modulus_degree();
  const auto moduli = level.coeff_modulus();
  for (std::size_t p = 0; p < polys; ++p) {
    for (std::size_t j = 0; j < moduli.size(); ++j) {
      const std::uint64_t q = moduli[j].value();
      const std::uint64_t* limb = data + (p * moduli.size() + j) * n;
      for (std::size_t i = 0; i < n; ++i) {
        if (limb[i] >= q) {
          return {Code::COEFF_OUT_OF_RANGE, std::string(what) + " polynomial " + std::to_string(p) +
                                                ", limb " + std::to_string(j) + ", coefficient " +
                                                std::to_string(i) + " is not below its modulus"};
        }
      }
    }
  }
  return Status::Ok();
}

enum class LevelRule { kDataLevel, kKeyLevel, kAnyLevel };

struct CiphertextRules {
  LevelRule level = LevelRule::kDataLevel;
  bool full = true;           // load (true) vs unsafe_load (false)
  bool key_object = false;    // keys: size 2, scale exactly 1
  const char* what = "ciphertext";
};

Result<const ContextData*> resolve_level(const Context& ctx, const ParmsId& id, LevelRule rule,
                                         const char* what) {
  const ContextData* level = ctx.get_context_data(id);
  if (level == nullptr) {
    return Status(Code::PARMS_ID_UNKNOWN, std::string(what) + " parms_id " + rlwe::parms_id_hex(id) +
                                              " is not in the context's modulus chain");
  }
  const bool is_key = level == &ctx.key_context_data() && ctx.using_keyswitching();
  if (rule == LevelRule::kDataLevel && is_key) {
    return Status(Code::LEVEL_NOT_ALLOWED, std::string(what) + " is at the key level");
  }
  if (rule == LevelRule::kKeyLevel && level != &ctx.key_context_data()) {
    return Status(Code::LEVEL_NOT_ALLOWED, std::string(what) + " is not at the key level");
  }
  return level;
}

Status read_ciphertext_members(Reader& r, const Context& ctx, const CiphertextRules& rules,
                               Ciphertext& ct) {
  EI_RETURN_IF_ERROR(r.need(kCiphertextMetaBytes, rules.what));
  r.bytes(ct.parms_id);
  const std::uint8_t ntt = r.u8();
  ct.size = r.u64();
  ct.poly_modulus_degree = r.u64();
  ct.coeff_modulus_size = r.u64();
  ct.scale = r.f64();
  ct.correction_factor = r.u64();
  EI_ASSIGN_OR_RETURN(const ContextData* level, resolve_level(ctx, ct.parms_id, rules.level, rules.what));
  if (ntt > 1) {
    return {Code::INVALID_FIELD, std::string(rules.what) + " NTT flag byte is " + std::to_string(ntt) +
                                     ", not 0 or 1"};
  }
  ct.is_ntt_form = ntt == 1;
  if (ct.poly_modulus_degree != level->poly_modulus_degree()) {
    return {Code::DIMENSION_MISMATCH, std::string(rules.what) + " declares N = " +
                                          std::to_string(ct.poly_modulus_degree) + ", its level has N = " +
                                          std::to_string(level->poly_modulus_degree())};
  }
  if (ct.coeff_modulus_size != level->coeff_modulus_size()) {
    return {Code::DIMENSION_MISMATCH, std::string(rules.what) + " declares " +
                                          std::to_string(ct.coeff_modulus_size) + " RNS limbs, its level has " +
                                          std::to_string(level->coeff_modulus_size())};
  }
  const std::uint64_t min_size = rules.key_object ? 2 : limits::kMinCiphertextSize;
  const std::uint64_t max_size = rules.key_object ? 2 : limits::kMaxCiphertextSize;
  if (ct.size < min_size || ct.size > max_size) {
    return {Code::INVALID_SIZE, std::string(rules.what) + " has " + std::to_string(ct.size) +
                                    " polynomials; allowed " + std::to_string(min_size) + " to " +
                                    std::to_string(max_size)};
  }
  if (ct.correction_factor != 1) {
    return {Code::INVALID_CORRECTION_FACTOR, std::string(rules.what) + " correction factor must be 1"};
  }
  // SEAL's metadata check: scale ≠ 0 even in unsafe_load; the full range check follows later.
  if (ct.scale == 0.0) return {Code::INVALID_SCALE, std::string(rules.what) + " scale is zero"};

  const std::uint64_t poly_words = ct.poly_modulus_degree * ct.coeff_modulus_size;
  const std::uint64_t full_words = ct.size * poly_words;  // ≤ 16 · 32768 · 64: no overflow
  const std::uint64_t allowed[] = {full_words, poly_words};
  std::span<const std::uint64_t> counts(allowed, ct.size == 2 ? 2 : 1);
  EI_ASSIGN_OR_RETURN(std::uint64_t count, read_dynarray(r, counts, ct.data, full_words));
  ct.seed.reset();
  if (count != full_words) {
    // Seeded form: c0 only, then the PRNG info whose expansion is c1 (seal-compat.md §4).
    EI_ASSIGN_OR_RETURN(SealHeader h, read_nested_header(r, "PRNG info"));
    if (h.size != kPrngInfoBytes) return {Code::SIZE_MISMATCH, "PRNG info header size is not 81"};
    EI_RETURN_IF_ERROR(r.need(kPrngInfoBytes - kHeaderBytes, "PRNG info"));
    rlwe::SeedInfo info;
    const std::uint8_t type = r.u8();
    r.bytes(info.seed);
    if (type != static_cast<std::uint8_t>(math::PrngType::blake2xb) &&
        type != static_cast<std::uint8_t>(math::PrngType::shake256)) {
      return {Code::INVALID_PRNG, "PRNG type " + std::to_string(type) + " is not blake2xb (1) or shake256 (2)"};
    }
    info.type = static_cast<math::PrngType>(type);
    auto prng = math::make_prng(info.type, info.seed);
    math::sample_poly_uniform(*prng, level->coeff_modulus(), level->poly_modulus_degree(),
                              ct.data.data() + poly_words);
    ct.seed = info;
  }
  if (!rules.full) return Status::Ok();

  EI_RETURN_IF_ERROR(check_coefficients(ct.data.data(), static_cast<std::size_t>(ct.size), *level, rules.what));
  if (rules.key_object ? ct.scale != 1.0 : !scale_in_range(ct.scale, *level)) {
    return {Code::INVALID_SCALE, std::string(rules.what) + " scale " + std::to_string(ct.scale) +
                                     (rules.key_object ? " is not 1"
                                                       : " is not finite, ≥ 1 and below the level's modulus")};
  }
  if (!ct.is_ntt_form) return {Code::NOT_NTT_FORM, std::string(rules.what) + " is not in NTT form"};
  return Status::Ok();
}

struct PlaintextRules {
  LevelRule level = LevelRule::kDataLevel;
  bool full = true;
  bool secret_key = false;
  const char* what = "plaintext";
};

Status read_plaintext_members(Reader& r, const Context& ctx, const PlaintextRules& rules, Plaintext& pt) {
  EI_RETURN_IF_ERROR(r.need(kPlaintextMetaBytes, rules.what));
  r.bytes(pt.parms_id);
  pt.coeff_count = r.u64();
  pt.scale = r.f64();
  if (pt.parms_id == rlwe::kParmsIdZero) {
    // Coefficient form: CKKS has no use for it (SEAL's data check fails for any non-empty one).
    return {Code::NOT_NTT_FORM, std::string(rules.what) + " is in coefficient form (parms_id zero)"};
  }
  EI_ASSIGN_OR_RETURN(const ContextData* level, resolve_level(ctx, pt.parms_id, rules.level, rules.what));
  const std::uint64_t expected = level->poly_modulus_degree() * level->coeff_modulus_size();
  if (pt.coeff_count != expected) {
    return {Code::DIMENSION_MISMATCH, std::string(rules.what) + " declares " +
                                          std::to_string(pt.coeff_count) + " coefficients; its level needs N·L = " +
                                          std::to_string(expected)};
  }
  const std::uint64_t allowed[] = {expected};
  EI_ASSIGN_OR_RETURN(std::uint64_t count, read_dynarray(r, allowed, pt.data, expected));
  (void)count;
  if (!rules.full) return Status::Ok();
  EI_RETURN_IF_ERROR(check_coefficients(pt.data.data(), 1, *level, rules.what));
  if (rules.secret_key ? pt.scale != 1.0 : !scale_in_range(pt.scale, *level)) {
    return {Code::INVALID_SCALE, std::string(rules.what) + " scale " + std::to_string(pt.scale) +
                                     (rules.secret_key ? " is not 1" : " is not finite, ≥ 1 and below the level's modulus")};
  }
  return Status::Ok();
}

// Upper bound of a ciphertext's member bytes at the key level (seeded or not).
std::uint64_t max_ciphertext_members(const Context& ctx, std::uint64_t max_polys) {
  const auto& key = ctx.key_context_data();
  return kCiphertextMetaBytes + kHeaderBytes + 8 +
         8 * max_polys * key.poly_modulus_degree() * key.coeff_modulus_size() + kPrngInfoBytes;
}

// Wipes a buffer on scope exit (decompressed secret-key bytes must not linger in freed memory).
struct WipeOnExit {
  std::vector<std::uint8_t>* buffer = nullptr;
  ~WipeOnExit() {
    if (buffer != nullptr && !buffer->empty()) sodium_memzero(buffer->data(), buffer->size());
  }
};

template <typename T, typename ReadFn>
Result<T> load_object(std::span<const std::uint8_t> bytes, std::uint64_t max_members, const char* what,
                      ReadFn&& read, bool secret = false) {
  EI_ASSIGN_OR_RETURN(auto members, open_object(bytes, max_members));
  WipeOnExit wipe{secret ? &members : nullptr};
  Reader r(members);
  T obj{};
  EI_RETURN_IF_ERROR(read(r, obj));
  EI_RETURN_IF_ERROR(expect_consumed(r, what));
  return obj;
}

Result<rlwe::Ciphertext> load_ciphertext_impl(const Context& ctx, std::span<const std::uint8_t> bytes, bool full) {
  CiphertextRules rules;
  rules.full = full;
  return load_object<Ciphertext>(bytes, max_ciphertext_members(ctx, limits::kMaxCiphertextSize), "ciphertext",
                                 [&](Reader& r, Ciphertext& ct) { return read_ciphertext_members(r, ctx, rules, ct); });
}

Result<rlwe::Plaintext> load_plaintext_impl(const Context& ctx, std::span<const std::uint8_t> bytes, bool full) {
  PlaintextRules rules;
  rules.full = full;
  const auto& key = ctx.key_context_data();
  const std::uint64_t max = kPlaintextMetaBytes + kHeaderBytes + 8 + 8 * key.poly_modulus_degree() * key.coeff_modulus_size();
  return load_object<Plaintext>(bytes, max, "plaintext",
                                [&](Reader& r, Plaintext& pt) { return read_plaintext_members(r, ctx, rules, pt); });
}

// KSwitchKeys: parms_id (key level), dim1, then per entry dim2 and dim2 full PublicKey objects.
Status read_kswitch_members(Reader& r, const Context& ctx, bool full, std::uint64_t max_dim1, const char* what,
                            rlwe::KSwitchKeys& keys) {
  if (!ctx.using_keyswitching()) {
    return {Code::KEY_MISMATCH, std::string(what) + " need a context with at least two primes"};
  }
  EI_RETURN_IF_ERROR(r.need(32 + 8, what));
  r.bytes(keys.parms_id);
  if (keys.parms_id != ctx.key_parms_id()) {
    return {Code::PARMS_ID_UNKNOWN, std::string(what) + " parms_id is not the context's key level"};
  }
  const std::uint64_t dim1 = r.u64();
  if (dim1 > max_dim1) {
    return {Code::LIMIT_EXCEEDED, std::string(what) + " declare " + std::to_string(dim1) +
                                      " entries; at most " + std::to_string(max_dim1) + " allowed"};
  }
  // Each entry needs at least its 8-byte count: bound dim1 by the bytes present before allocating.
  EI_RETURN_IF_ERROR(r.need(8 * dim1, what));
  const std::uint64_t decomp = ctx.first_context_data().coeff_modulus_size();
  keys.keys.assign(static_cast<std::size_t>(dim1), {});
  CiphertextRules rules;
  rules.level = LevelRule::kKeyLevel;
  rules.full = full;
  rules.key_object = true;
  rules.what = "key-switching key component";
  for (auto& entry : keys.keys) {
    EI_RETURN_IF_ERROR(r.need(8, what));
    const std::uint64_t dim2 = r.u64();
    if (dim2 != 0 && dim2 != decomp) {
      return {Code::SIZE_MISMATCH, std::string(what) + " entry has " + std::to_string(dim2) +
                                       " components; the context needs " + std::to_string(decomp)};
    }
    entry.resize(static_cast<std::size_t>(dim2));
    for (auto& pk : entry) {
      const std::size_t start = r.position();
      EI_ASSIGN_OR_RETURN(SealHeader h, read_nested_header(r, "key-switching key component"));
      EI_RETURN_IF_ERROR(read_ciphertext_members(r, ctx, rules, pk.data));
      if (r.position() - start != h.size) {
        return {Code::SIZE_MISMATCH, "key-switching key component header size disagrees with its content"};
      }
    }
  }
  return Status::Ok();
}

template <typename Keys>
Result<Keys> load_kswitch(const Context& ctx, std::span<const std::uint8_t> bytes, bool full,
                          std::uint64_t max_dim1, const char* what) {
  return load_object<Keys>(bytes, limits::kMaxObjectBytes, what, [&](Reader& r, Keys& keys) {
    return read_kswitch_members(r, ctx, full, max_dim1, what, keys);
  });
}

}  // namespace

std::string_view compression_name(Compression c) noexcept {
  switch (c) {
    case Compression::none: return "none";
    case Compression::zlib: return "zlib";
    case Compression::zstd: return "zstd";
  }
  return "unknown";
}

Result<Compression> parse_compression(std::string_view name) {
  if (name == "none") return Compression::none;
  if (name == "zlib") return Compression::zlib;
  if (name == "zstd") return Compression::zstd;
  return Status(Code::UNSUPPORTED_COMPRESSION, "compression must be none, zlib or zstd");
}

std::string_view object_kind_name(ObjectKind kind) noexcept {
  switch (kind) {
    case ObjectKind::kParameters: return "parameters";
    case ObjectKind::kPlaintext: return "plaintext";
    case ObjectKind::kCiphertext: return "ciphertext";
    case ObjectKind::kSecretKey: return "secret_key";
    case ObjectKind::kPublicKey: return "public_key";
    case ObjectKind::kRelinKeys: return "relin_keys";
    case ObjectKind::kGaloisKeys: return "galois_keys";
  }
  return "unknown";
}

Result<ObjectKind> parse_object_kind(std::string_view name) {
  for (auto k : {ObjectKind::kParameters, ObjectKind::kPlaintext, ObjectKind::kCiphertext, ObjectKind::kSecretKey,
                 ObjectKind::kPublicKey, ObjectKind::kRelinKeys, ObjectKind::kGaloisKeys}) {
    if (object_kind_name(k) == name) return k;
  }
  return Status(Code::INVALID_ARGUMENT, "unknown object kind '" + std::string(name) + "'");
}

Result<SealHeader> parse_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes) {
    return Status(Code::TRUNCATED, "input is shorter than the 16-byte SEAL header");
  }
  Reader r(bytes);
  SealHeader h;
  h.magic = static_cast<std::uint16_t>(r.u8() | (r.u8() << 8));
  h.header_size = r.u8();
  h.version_major = r.u8();
  h.version_minor = r.u8();
  h.compr_mode = r.u8();
  h.reserved = static_cast<std::uint16_t>(r.u8() | (r.u8() << 8));
  h.size = r.u64();
  if (h.magic != kMagic) return Status(Code::BAD_MAGIC, "SEAL header magic is not 0xA15E");
  if (h.header_size != kHeaderBytes) return Status(Code::BAD_HEADER, "SEAL header size field is not 16");
  if (h.version_major != 4 || h.version_minor != 1) {
    return Status(Code::UNSUPPORTED_VERSION, "SEAL version " + std::to_string(h.version_major) + "." +
                                                 std::to_string(h.version_minor) + " is not 4.1");
  }
  if (h.compr_mode > 2) {
    return Status(Code::UNSUPPORTED_COMPRESSION, "compression byte " + std::to_string(h.compr_mode) +
                                                     " is not none (0), zlib (1) or zstd (2)");
  }
  return h;
}

// ---------------------------------------------------------------- save

Result<std::vector<std::uint8_t>> save(const rlwe::EncryptionParameters& parms, SaveOptions o) {
  return save_with(o.compression, 64 + 24 * parms.coeff_modulus.size(), [&](Writer& w) {
    w.u8(static_cast<std::uint8_t>(parms.scheme));
    w.u64(parms.poly_modulus_degree);
    w.u64(parms.coeff_modulus.size());
    for (std::uint64_t q : parms.coeff_modulus) {
      w.header(kModulusBytes);
      w.u64(q);
    }
    w.header(kModulusBytes);
    w.u64(parms.plain_modulus);
    return Status::Ok();
  });
}

Result<std::vector<std::uint8_t>> save(const rlwe::Plaintext& plain, SaveOptions o) {
  return save_with(o.compression, static_cast<std::size_t>(save_size(plain)),
                   [&](Writer& w) { return write_plaintext_members(w, plain); });
}

Result<std::vector<std::uint8_t>> save(const rlwe::Ciphertext& ct, SaveOptions o) {
  return save_with(o.compression, static_cast<std::size_t>(save_size(ct, o.seed_mode)),
                   [&](Writer& w) { return write_ciphertext_members(w, ct, o.seed_mode); });
}

Result<std::vector<std::uint8_t>> save(const rlwe::SecretKey& sk, SaveOptions o) {
  auto out = save(sk.data(), o);
  return out;
}

Result<std::vector<std::uint8_t>> save(const rlwe::PublicKey& pk, SaveOptions o) { return save(pk.data, o); }

Result<std::vector<std::uint8_t>> save(const rlwe::KSwitchKeys& keys, SaveOptions o) {
  return save_with(o.compression, 64, [&](Writer& w) { return write_kswitch_members(w, keys, o.seed_mode); });
}

std::uint64_t save_size(const rlwe::Ciphertext& ct, SeedMode seed_mode) {
  return kHeaderBytes + ciphertext_members_size(ct, will_save_seed(ct, seed_mode));
}

std::uint64_t save_size(const rlwe::Plaintext& plain) {
  return kHeaderBytes + kPlaintextMetaBytes + kHeaderBytes + 8 + 8 * plain.coeff_count;
}

// ---------------------------------------------------------------- load

Result<rlwe::EncryptionParameters> load_parameters(std::span<const std::uint8_t> bytes) {
  const std::uint64_t max = 1 + 8 + 8 + kModulusBytes * (limits::kMaxCoeffModulusCount + 1);
  return load_object<rlwe::EncryptionParameters>(bytes, max, "encryption parameters",
                                                 [&](Reader& r, rlwe::EncryptionParameters& p) -> Status {
    EI_RETURN_IF_ERROR(r.need(1 + 8 + 8, "encryption parameters"));
    const std::uint8_t scheme = r.u8();
    if (scheme > 3) return {Code::UNSUPPORTED_SCHEME, "scheme byte " + std::to_string(scheme) + " is unknown"};
    if (scheme != static_cast<std::uint8_t>(rlwe::SchemeType::ckks)) {
      return {Code::UNSUPPORTED_SCHEME, "scheme " + std::to_string(scheme) + " is not CKKS (2)"};
    }
    p.scheme = rlwe::SchemeType::ckks;
    p.poly_modulus_degree = r.u64();
    if (p.poly_modulus_degree > limits::kMaxPolyDegree) {
      return {Code::LIMIT_EXCEEDED, "poly_modulus_degree " + std::to_string(p.poly_modulus_degree) +
                                        " exceeds " + std::to_string(limits::kMaxPolyDegree)};
    }
    const std::uint64_t count = r.u64();
    if (count == 0 || count > limits::kMaxCoeffModulusCount) {
      return {Code::LIMIT_EXCEEDED, "coeff_modulus count " + std::to_string(count) + " is not in [1, " +
                                        std::to_string(limits::kMaxCoeffModulusCount) + "]"};
    }
    EI_RETURN_IF_ERROR(r.need(kModulusBytes * (count + 1), "coeff_modulus"));
    auto read_modulus = [&](std::uint64_t& value) -> Status {
      EI_ASSIGN_OR_RETURN(SealHeader h, read_nested_header(r, "modulus"));
      if (h.size != kModulusBytes) return {Code::SIZE_MISMATCH, "modulus header size is not 24"};
      value = r.u64();
      if (value == 1 || std::bit_width(value) > limits::kMaxModulusBits) {
        return {Code::INVALID_PARAMETERS, "modulus value " + std::to_string(value) + " is not 0 or in [2, 2^61)"};
      }
      return Status::Ok();
    };
    p.coeff_modulus.resize(static_cast<std::size_t>(count));
    for (auto& q : p.coeff_modulus) EI_RETURN_IF_ERROR(read_modulus(q));
    EI_RETURN_IF_ERROR(read_modulus(p.plain_modulus));
    if (p.plain_modulus != 0) return {Code::INVALID_PARAMETERS, "CKKS plain_modulus must be 0"};
    return Status::Ok();
  });
}

Result<rlwe::Plaintext> load_plaintext(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_plaintext_impl(ctx, bytes, true);
}
Result<rlwe::Plaintext> unsafe_load_plaintext(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_plaintext_impl(ctx, bytes, false);
}
Result<rlwe::Ciphertext> load_ciphertext(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_ciphertext_impl(ctx, bytes, true);
}
Result<rlwe::Ciphertext> unsafe_load_ciphertext(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_ciphertext_impl(ctx, bytes, false);
}

Result<rlwe::SecretKey> load_secret_key(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  PlaintextRules rules;
  rules.level = LevelRule::kKeyLevel;
  rules.secret_key = true;
  rules.what = "secret key";
  const auto& key = ctx.key_context_data();
  const std::uint64_t max = kPlaintextMetaBytes + kHeaderBytes + 8 + 8 * key.poly_modulus_degree() * key.coeff_modulus_size();
  EI_ASSIGN_OR_RETURN(auto pt, load_object<Plaintext>(bytes, max, "secret key", [&](Reader& r, Plaintext& p) {
    return read_plaintext_members(r, ctx, rules, p);
  }, /*secret=*/true));
  rlwe::SecretKey sk(std::move(pt));
  return sk;
}

Result<rlwe::PublicKey> load_public_key(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  CiphertextRules rules;
  rules.level = LevelRule::kKeyLevel;
  rules.key_object = true;
  rules.what = "public key";
  EI_ASSIGN_OR_RETURN(auto ct, load_object<Ciphertext>(bytes, max_ciphertext_members(ctx, 2), "public key",
                                                        [&](Reader& r, Ciphertext& c) {
                                                          return read_ciphertext_members(r, ctx, rules, c);
                                                        }));
  return rlwe::PublicKey{std::move(ct)};
}

Result<rlwe::RelinKeys> load_relin_keys(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_kswitch<rlwe::RelinKeys>(ctx, bytes, true, limits::kMaxRelinKeyCount, "relinearization keys");
}
Result<rlwe::RelinKeys> unsafe_load_relin_keys(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_kswitch<rlwe::RelinKeys>(ctx, bytes, false, limits::kMaxRelinKeyCount, "relinearization keys");
}
Result<rlwe::GaloisKeys> load_galois_keys(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_kswitch<rlwe::GaloisKeys>(ctx, bytes, true, ctx.key_context_data().poly_modulus_degree(), "Galois keys");
}
Result<rlwe::GaloisKeys> unsafe_load_galois_keys(const rlwe::Context& ctx, std::span<const std::uint8_t> bytes) {
  return load_kswitch<rlwe::GaloisKeys>(ctx, bytes, false, ctx.key_context_data().poly_modulus_degree(), "Galois keys");
}

}  // namespace ei::ser
