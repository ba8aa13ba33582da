#include "auth/session.h"

#include <openssl/crypto.h>

#include "auth/token.h"
#include "delivery/signature.h"

namespace hwload::auth {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    const std::string_view pair = trim(header.substr(0, semi));
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) {
      return std::string(trim(pair.substr(eq + 1)));
    }
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

std::string session_set_cookie(std::string_view session_id, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(session_id) +
         "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict" +
         (secure ? "; Secure" : "");
}

std::string session_clear_cookie(bool secure) {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string new_session_id() {
  // A token's secret is 256 random bits in base64url: the same will do here.
  return parse_token(generate_token().token)->secret;
}

std::string csrf_token(std::string_view key, std::string_view data) { return delivery::hmac_sha256_hex(key, data); }

bool csrf_matches(std::string_view key, std::string_view data, std::string_view presented) {
  const std::string expected = csrf_token(key, data);
  return presented.size() == expected.size() && CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace hwload::auth
