#include "http/codec.h"

#include <google/protobuf/util/json_util.h>

#include "hwload/v1/hwload.pb.h"

namespace hwload::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The media type without parameters, lower-cased and trimmed.
std::string media_type(std::string_view value) {
  const auto semi = value.find(';');
  std::string_view t = value.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return lower(t);
}

}  // namespace

std::optional<Format> body_format(std::string_view content_type) {
  const std::string t = media_type(content_type);
  if (t == kProtobufType || t == "application/protobuf" || t == "application/vnd.google.protobuf") {
    return Format::kProtobuf;
  }
  if (t == kJsonType) return Format::kJson;
  return std::nullopt;
}

Format response_format(const Request& req) {
  // The first acceptable type listed in Accept wins.
  std::string_view accept = req.accept;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    const std::string t = media_type(accept.substr(0, comma));
    if (auto f = body_format(t)) return *f;
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  if (auto f = body_format(req.content_type)) return *f;
  return Format::kJson;
}

Status decode(const Request& req, google::protobuf::Message& msg) {
  if (req.body.empty()) return {};
  const auto format = body_format(req.content_type);
  if (!format) {
    return Status(Code::kUnsupportedMediaType,
                  "Content-Type must be application/x-protobuf or application/json (got \"" +
                      req.content_type.substr(0, 80) + "\")");
  }
  if (*format == Format::kProtobuf) {
    if (!msg.ParseFromString(req.body)) {
      return Status::invalid("body", "is not a valid " + msg.GetTypeName() + " in protobuf binary encoding");
    }
    // Fields a newer client knows and this server does not are dropped: they are not
    // stored, so they must not make a retried record look different.
    msg.DiscardUnknownFields();
    return {};
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto st = google::protobuf::util::JsonStringToMessage(req.body, &msg, options);
  if (!st.ok()) {
    return Status::invalid("body", "is not a valid " + msg.GetTypeName() + " in JSON: " + std::string(st.message()));
  }
  return {};
}

std::string encode(const google::protobuf::Message& msg, Format format) {
  std::string out;
  if (format == Format::kProtobuf) {
    msg.SerializeToString(&out);
    return out;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(msg, &out, options);
  out += '\n';
  return out;
}

Response respond(const Request& req, const google::protobuf::Message& msg, int status) {
  Response res;
  res.status = status;
  const Format f = response_format(req);
  res.content_type = std::string(f == Format::kProtobuf ? kProtobufType : kJsonType);
  res.body = encode(msg, f);
  return res;
}

int http_status(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kMethodNotAllowed:
      return 405;
    case Code::kConflict:
      return 409;
    case Code::kPayloadTooLarge:
      return 413;
    case Code::kUnsupportedMediaType:
      return 415;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response respond_error(const Request& req, const Status& status) {
  v1::Error err;
  err.set_code(code_name(status.code()));
  err.set_message(status.message());
  for (const auto& d : status.details()) {
    auto* pd = err.add_details();
    pd->set_field(d.field);
    pd->set_rule(d.rule);
  }
  Response res = respond(req, err, http_status(status.code()));
  if (status.code() == Code::kUnavailable || status.code() == Code::kResourceExhausted) {
    res.headers.emplace_back("Retry-After", "1");
  }
  return res;
}

}  // namespace hwload::http
