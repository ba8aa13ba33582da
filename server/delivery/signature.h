// Webhook signatures: `X-Hwload-Signature: sha256=<hex HMAC-SHA256 of the body with
// the subscription's secret>` (PRODUCT.md "Webhook delivery").
#pragma once

#include <string>
#include <string_view>

namespace hwload::delivery {

// Lower-case hex HMAC-SHA256 of `body` keyed with `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);
// The header value: "sha256=" + hmac_sha256_hex(secret, body).
std::string signature_header(std::string_view secret, std::string_view body);
// Constant-time check of a received header value against the expected one.
bool verify_signature(std::string_view secret, std::string_view body, std::string_view header);

}  // namespace hwload::delivery
