#include "core/status.h"

namespace hwload {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kConflict:
      return "CONFLICT";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kPayloadTooLarge:
      return "PAYLOAD_TOO_LARGE";
    case Code::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case Code::kMethodNotAllowed:
      return "METHOD_NOT_ALLOWED";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kInternal:
      return "INTERNAL";
  }
  return "INTERNAL";
}

Status Status::with_field_prefix(const std::string& prefix) const {
  if (is_ok()) return *this;
  std::vector<FieldViolation> details = details_;
  for (auto& d : details) d.field = prefix + d.field;
  std::string message = details_.size() == 1 ? prefix + message_ : message_;
  return Status(code_, std::move(message), std::move(details));
}

}  // namespace hwload
