// ei::Status and ei::Result<T>: how every fallible engine API reports failure.
//
// Thread-safety: values; no shared state.
// Ownership: a Status owns its detail string; Result<T> owns its value.
// Errors: the codes are the engine's documented error catalogue (docs/engine-errors.md). They are
// stable and append-only: tools and the server switch on them, never on the detail text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ei {

// X-macro keeps the enum, the name table and the docs check in one place.
#define EI_ENGINE_CODES(X)                                                                         \
  X(OK, "no error")                                                                                \
  X(INVALID_ARGUMENT, "an API argument violates a documented precondition")                        \
  X(INVALID_PARAMETERS, "encryption parameters are not a valid CKKS parameter set")                \
  X(INSECURE_PARAMETERS, "total modulus bits exceed the 128-bit HE-standard bound for N")          \
  X(PRIME_SEARCH_FAILED, "not enough NTT-friendly primes of a requested bit size")                 \
  X(TRUNCATED, "the input ends before the object it declares")                                     \
  X(BAD_MAGIC, "the SEAL header magic is not 0xA15E")                                              \
  X(BAD_HEADER, "the SEAL header size field is not 16 or a reserved field is invalid")             \
  X(UNSUPPORTED_VERSION, "the SEAL serialization version is not 4.1 (or 3.4+)")                    \
  X(UNSUPPORTED_COMPRESSION, "the compression byte is not none (0), zlib (1) or zstd (2)")         \
  X(SIZE_MISMATCH, "a declared size disagrees with the bytes present or with another field")       \
  X(TRAILING_BYTES, "bytes follow the end of the object")                                          \
  X(DECOMPRESSION_FAILED, "the zlib or zstd payload is corrupt or incomplete")                     \
  X(LIMIT_EXCEEDED, "a declared size exceeds a bound in engine/limits.h")                          \
  X(UNSUPPORTED_SCHEME, "the scheme byte is not CKKS")                                             \
  X(PARMS_ID_UNKNOWN, "the parms_id is not in the context's modulus chain")                        \
  X(LEVEL_NOT_ALLOWED, "the object is at a level this kind of object may not use")                 \
  X(DIMENSION_MISMATCH, "N or the number of RNS limbs disagrees with the object's level")          \
  X(INVALID_SIZE, "the number of polynomials is out of range for this object")                     \
  X(COEFF_OUT_OF_RANGE, "a coefficient is not below its RNS modulus")                              \
  X(INVALID_SCALE, "the scale is zero, negative, not finite, or too large for the level")          \
  X(NOT_NTT_FORM, "a CKKS ciphertext or key is not in NTT form")                                   \
  X(INVALID_CORRECTION_FACTOR, "the ciphertext correction factor is not 1")                        \
  X(INVALID_PRNG, "the seeded object names an unknown PRNG")                                       \
  X(ENCODE_OVERFLOW, "values times scale do not fit in the level's modulus")                       \
  X(KEY_MISMATCH, "a key does not belong to this context or level")                                \
  X(INVALID_FIELD, "a field holds a value outside its domain (e.g. an NTT flag byte other than 0/1)")\
  X(UNKNOWN_OBJECT_KIND, "the bytes do not look like any SEAL object kind the engine knows")        \
  X(SCALE_MISMATCH, "operands of an evaluator operation have scales that are not close")            \
  X(LEVEL_MISMATCH, "operands of an evaluator operation are at different levels (parms_id)")        \
  X(TRANSPARENT_RESULT, "the result would be a transparent ciphertext (every c1.. polynomial zero)") \
  X(END_OF_MODULUS_CHAIN, "the operation needs a lower level than the chain has")                   \
  X(MISSING_KEY, "the evaluation key needed (relinearization or a Galois element) is absent")       \
  X(INTERNAL, "an engine invariant failed (a bug)")

enum class Code : std::uint16_t {
#define EI_CODE_ENUM(name, text) name,
  EI_ENGINE_CODES(EI_CODE_ENUM)
#undef EI_CODE_ENUM
};

// Stable UPPER_SNAKE name of a code, e.g. "COEFF_OUT_OF_RANGE".
[[nodiscard]] std::string_view code_name(Code code) noexcept;
// One-line description of when the code occurs.
[[nodiscard]] std::string_view code_description(Code code) noexcept;

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(Code code, std::string detail) : code_(code), detail_(std::move(detail)) {}

  [[nodiscard]] bool ok() const noexcept { return code_ == Code::OK; }
  [[nodiscard]] Code code() const noexcept { return code_; }
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
  // "CODE: detail", for logs and CLI output.
  [[nodiscard]] std::string to_string() const;

  static Status Ok() noexcept { return Status(); }

 private:
  Code code_ = Code::OK;
  std::string detail_;
};

// A value or a non-OK Status. Accessing value() of an error is a programming error (checked).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) v_ = Status(Code::INTERNAL, "Result built from an OK Status");
  }

  [[nodiscard]] bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  [[nodiscard]] const Status& status() const noexcept {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  [[nodiscard]] T& value() & { return std::get<T>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(v_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ei

// Propagate a non-OK Status from an expression yielding Status.
#define EI_RETURN_IF_ERROR(expr)                 \
  do {                                           \
    ::ei::Status ei_status_tmp_ = (expr);        \
    if (!ei_status_tmp_.ok()) return ei_status_tmp_; \
  } while (0)

#define EI_CONCAT_INNER_(a, b) a##b
#define EI_CONCAT_(a, b) EI_CONCAT_INNER_(a, b)
// Assign the value of a Result<T> expression to `lhs`, or return its Status.
#define EI_ASSIGN_OR_RETURN(lhs, expr) EI_ASSIGN_OR_RETURN_IMPL_(EI_CONCAT_(ei_result_, __LINE__), lhs, expr)
#define EI_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// Debug-only precondition checks for math kernels (which return no Status).
#ifdef NDEBUG
#define EI_DCHECK(cond) ((void)0)
#else
#include <cstdio>
#include <cstdlib>
#define EI_DCHECK(cond)                                                              \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: EI_DCHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
#endif
