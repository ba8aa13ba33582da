// The wire encodings: protobuf binary and the canonical proto3 JSON mapping, with
// PRODUCT.md's Content-Type / Accept rules. One Status -> HTTP mapping lives here.
#pragma once

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/message.h"

namespace hwload::http {

inline constexpr std::string_view kProtobufType = "application/x-protobuf";
inline constexpr std::string_view kJsonType = "application/json";

// The format of a request body from its Content-Type; nullopt when unsupported.
// A body-less request has no format.
std::optional<Format> body_format(std::string_view content_type);
// The response format: what Accept asks for, else the request's type, else JSON.
Format response_format(const Request& req);

// Parses `req.body` into `msg`. An empty body is an empty message.
Status decode(const Request& req, google::protobuf::Message& msg);

std::string encode(const google::protobuf::Message& msg, Format format);
Response respond(const Request& req, const google::protobuf::Message& msg, int status = 200);
Response respond_error(const Request& req, const Status& status);
// The one Status -> HTTP status mapping.
int http_status(Code code);

}  // namespace hwload::http
