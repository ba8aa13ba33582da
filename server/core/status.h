// Errors as values. One Status type for the whole server; http/status_map.cc is
// the one place that turns a Code into an HTTP status.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace hwload {

enum class Code {
  kOk,
  kInvalidArgument,       // 400
  kNotFound,              // 404
  kConflict,              // 409
  kUnauthenticated,       // 401
  kPermissionDenied,      // 403
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kMethodNotAllowed,      // 405
  kResourceExhausted,     // 429
  kUnavailable,           // 503
  kInternal,              // 500
};

const char* code_name(Code code);

struct FieldViolation {
  std::string field;  // e.g. "assignments[2].estimated_minutes"
  std::string rule;   // e.g. "must be between 0 and 600"
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::vector<FieldViolation> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  static Status ok() { return {}; }
  // A 400 naming the field and the rule it breaks: "<field>: <rule>".
  static Status invalid(std::string field, std::string rule) {
    std::string message = field + ": " + rule;
    return Status(Code::kInvalidArgument, std::move(message), {{std::move(field), std::move(rule)}});
  }
  static Status not_found(std::string message) { return Status(Code::kNotFound, std::move(message)); }
  static Status conflict(std::string message) { return Status(Code::kConflict, std::move(message)); }
  static Status internal(std::string message) { return Status(Code::kInternal, std::move(message)); }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldViolation>& details() const { return details_; }

  // Prefixes every field path with `prefix` (e.g. "assignments[3].").
  Status with_field_prefix(const std::string& prefix) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<FieldViolation> details_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define HWLOAD_RETURN_IF_ERROR(expr) \
  do {                               \
    ::hwload::Status _st = (expr);   \
    if (!_st.is_ok()) return _st;    \
  } while (0)

}  // namespace hwload
