#include "engine/serialization/inspect.h"

#include <bit>
#include <cstring>

#include "engine/limits.h"
#include "engine/serialization/compression.h"

namespace ei::ser {
namespace {

constexpr std::size_t kHeader = limits::kSealHeaderBytes;

// Bounds-checked little-endian field reads over the decompressed members.
bool read_u64(std::span<const std::uint8_t> b, std::size_t at, std::uint64_t& v) {
  if (at > b.size() || b.size() - at < 8) return false;
  v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{b[at + i]} << (8 * i);
  return true;
}
bool has_magic(std::span<const std::uint8_t> b, std::size_t at) {
  return at + 2 <= b.size() && b[at] == 0x5E && b[at + 1] == 0xA1;
}

constexpr std::size_t kCtMeta = 73;  // parms_id, ntt flag, size, N, L, scale, correction factor

void fill_ciphertext(std::span<const std::uint8_t> m, std::size_t at, ObjectInfo& info) {
  rlwe::ParmsId id{};
  std::memcpy(id.data(), m.data() + at, 32);
  info.parms_id = id;
  info.ntt_form = m[at + 32] != 0;
  (void)read_u64(m, at + 33, info.size);
  (void)read_u64(m, at + 41, info.poly_modulus_degree);
  (void)read_u64(m, at + 49, info.coeff_modulus_size);
  std::uint64_t scale_bits = 0;
  (void)read_u64(m, at + 57, scale_bits);
  info.scale = std::bit_cast<double>(scale_bits);
  std::uint64_t count = 0;
  (void)read_u64(m, at + kCtMeta + kHeader, count);
  info.seeded = info.size == 2 && count == info.poly_modulus_degree * info.coeff_modulus_size &&
                count != 0;
}

void fill_plaintext(std::span<const std::uint8_t> m, ObjectInfo& info) {
  rlwe::ParmsId id{};
  std::memcpy(id.data(), m.data(), 32);
  info.parms_id = id;
  info.ntt_form = id != rlwe::kParmsIdZero;
  (void)read_u64(m, 32, info.coeff_count);
  std::uint64_t scale_bits = 0;
  (void)read_u64(m, 40, scale_bits);
  info.scale = std::bit_cast<double>(scale_bits);
}

bool looks_like_parameters(std::span<const std::uint8_t> m) {
  std::uint64_t count = 0;
  if (m.empty() || m[0] > 3 || !read_u64(m, 9, count) || count > limits::kMaxCoeffModulusCount) return false;
  return m.size() == 17 + 24 * (count + 1) && has_magic(m, 17);
}

void fill_parameters(std::span<const std::uint8_t> m, ObjectInfo& info) {
  info.scheme = m[0];
  (void)read_u64(m, 1, info.poly_modulus_degree);
  std::uint64_t count = 0;
  (void)read_u64(m, 9, count);
  info.coeff_modulus_size = count;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t q = 0;
    (void)read_u64(m, 17 + 24 * i + kHeader, q);
    info.coeff_modulus.push_back(q);
  }
}

// Walks KSwitchKeys structure: dim1, then per entry dim2 and inner objects (sized by headers).
bool fill_kswitch(std::span<const std::uint8_t> m, ObjectInfo& info) {
  rlwe::ParmsId id{};
  std::memcpy(id.data(), m.data(), 32);
  info.parms_id = id;
  std::uint64_t dim1 = 0;
  if (!read_u64(m, 32, dim1) || dim1 > limits::kMaxPolyDegree) return false;
  info.key_entries = dim1;
  std::size_t at = 40;
  for (std::uint64_t i = 0; i < dim1; ++i) {
    std::uint64_t dim2 = 0;
    if (!read_u64(m, at, dim2) || dim2 > limits::kMaxCoeffModulusCount) return false;
    at += 8;
    if (dim2 != 0) info.galois_elts.push_back(2 * i + 1);
    for (std::uint64_t j = 0; j < dim2; ++j) {
      std::uint64_t size = 0;
      if (!has_magic(m, at) || !read_u64(m, at + 8, size) || size < kHeader + kCtMeta ||
          size > m.size() - at) {
        return false;
      }
      ObjectInfo inner;
      fill_ciphertext(m, at + kHeader, inner);
      if (info.key_components == 0) {
        info.poly_modulus_degree = inner.poly_modulus_degree;
        info.coeff_modulus_size = inner.coeff_modulus_size;
        info.ntt_form = inner.ntt_form;
      }
      info.key_components += 1;
      info.seeded_components += inner.seeded ? 1 : 0;
      at += static_cast<std::size_t>(size);
    }
  }
  info.seeded = info.key_components != 0 && info.seeded_components == info.key_components;
  return at == m.size();
}

// Infers the kind from the layout (see inspect.h).
Result<ObjectKind> infer_kind(std::span<const std::uint8_t> m, const rlwe::Context* ctx, bool& certain) {
  certain = true;
  if (looks_like_parameters(m)) return ObjectKind::kParameters;
  if (m.size() >= kCtMeta + kHeader && m[32] <= 1 && has_magic(m, kCtMeta)) {
    ObjectInfo probe;
    fill_ciphertext(m, 0, probe);
    if (ctx != nullptr) return probe.parms_id == ctx->key_parms_id() ? ObjectKind::kPublicKey : ObjectKind::kCiphertext;
    certain = false;
    return probe.scale == 1.0 && probe.size == 2 ? ObjectKind::kPublicKey : ObjectKind::kCiphertext;
  }
  std::uint64_t at40 = 0;
  if (m.size() >= 48 && read_u64(m, 40, at40)) {
    if (at40 <= limits::kMaxCoeffModulusCount) {  // a key entry count, not a double scale ≥ 1
      std::uint64_t dim1 = 0;
      (void)read_u64(m, 32, dim1);
      certain = ctx != nullptr;
      if (ctx != nullptr) return dim1 == ctx->key_context_data().poly_modulus_degree() || dim1 > limits::kMaxRelinKeyCount
                                     ? ObjectKind::kGaloisKeys : ObjectKind::kRelinKeys;
      return dim1 > limits::kMaxRelinKeyCount ? ObjectKind::kGaloisKeys : ObjectKind::kRelinKeys;
    }
    if (has_magic(m, 48)) {
      ObjectInfo probe;
      fill_plaintext(m, probe);
      if (ctx != nullptr) return probe.parms_id == ctx->key_parms_id() ? ObjectKind::kSecretKey : ObjectKind::kPlaintext;
      certain = false;
      return probe.scale == 1.0 ? ObjectKind::kSecretKey : ObjectKind::kPlaintext;
    }
  }
  return Status(Code::UNKNOWN_OBJECT_KIND, "the layout matches no SEAL object kind");
}

}  // namespace

Result<ObjectInfo> inspect(std::span<const std::uint8_t> bytes, const rlwe::Context* ctx,
                           std::optional<ObjectKind> kind) {
  EI_ASSIGN_OR_RETURN(SealHeader h, parse_header(bytes));
  if (h.size < kHeader || h.size > bytes.size()) {
    return Status(Code::TRUNCATED, "header declares " + std::to_string(h.size) + " bytes, " +
                                       std::to_string(bytes.size()) + " present");
  }
  if (h.size < bytes.size()) {
    return Status(Code::TRAILING_BYTES, std::to_string(bytes.size() - h.size) + " bytes follow the object");
  }
  EI_ASSIGN_OR_RETURN(auto members, decompress(static_cast<Compression>(h.compr_mode),
                                               bytes.subspan(kHeader), limits::kMaxObjectBytes));
  ObjectInfo info;
  info.header = h;
  info.wire_bytes = h.size;
  info.uncompressed_bytes = kHeader + members.size();
  std::span<const std::uint8_t> m(members);
  if (kind) {
    info.kind = *kind;
    info.kind_certain = true;
  } else {
    EI_ASSIGN_OR_RETURN(info.kind, infer_kind(m, ctx, info.kind_certain));
  }
  switch (info.kind) {
    case ObjectKind::kParameters:
      if (m.size() < 17) return Status(Code::TRUNCATED, "parameters too short");
      fill_parameters(m, info);
      break;
    case ObjectKind::kCiphertext:
    case ObjectKind::kPublicKey:
      if (m.size() < kCtMeta + kHeader + 8) return Status(Code::TRUNCATED, "ciphertext too short");
      fill_ciphertext(m, 0, info);
      break;
    case ObjectKind::kPlaintext:
    case ObjectKind::kSecretKey:
      if (m.size() < 48) return Status(Code::TRUNCATED, "plaintext too short");
      fill_plaintext(m, info);
      break;
    case ObjectKind::kRelinKeys:
    case ObjectKind::kGaloisKeys:
      if (m.size() < 40 || !fill_kswitch(m, info)) {
        return Status(Code::SIZE_MISMATCH, "key-switching key structure is inconsistent");
      }
      break;
  }
  return info;
}

Status validate(std::span<const std::uint8_t> bytes, const rlwe::Context& ctx, ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kParameters: {
      EI_ASSIGN_OR_RETURN(auto parms, load_parameters(bytes));
      auto created = rlwe::Context::create(parms, ctx.security());
      if (!created.ok()) return created.status();
      if (rlwe::compute_parms_id(parms) != ctx.key_parms_id()) {
        return {Code::KEY_MISMATCH, "parameters differ from the context's"};
      }
      return Status::Ok();
    }
    case ObjectKind::kPlaintext: return load_plaintext(ctx, bytes).status();
    case ObjectKind::kCiphertext: return load_ciphertext(ctx, bytes).status();
    case ObjectKind::kSecretKey: return load_secret_key(ctx, bytes).status();
    case ObjectKind::kPublicKey: return load_public_key(ctx, bytes).status();
    case ObjectKind::kRelinKeys: return load_relin_keys(ctx, bytes).status();
    case ObjectKind::kGaloisKeys: return load_galois_keys(ctx, bytes).status();
  }
  return {Code::INVALID_ARGUMENT, "unknown kind"};
}

}  // namespace ei::ser
