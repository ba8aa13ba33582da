// Browser sessions for the /ui/ pages (issue 5): the cookie that carries a session
// id, and the CSRF token each state-changing form carries. Pure functions; the
// session records themselves live with the server.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hwload::auth {

inline constexpr std::string_view kSessionCookie = "hwload_session";

// The value of cookie `name` in a Cookie request header ("a=1; b=2"); nullopt when
// absent.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

// A Set-Cookie value for a session: HttpOnly, SameSite=Strict, Path=/, Max-Age,
// and Secure when the server speaks TLS.
std::string session_set_cookie(std::string_view session_id, std::chrono::seconds max_age, bool secure);
// A Set-Cookie value that removes the session cookie (logout).
std::string session_clear_cookie(bool secure);

// A new random session id: 256 bits, base64url.
std::string new_session_id();

// CSRF tokens: HMAC-SHA256(key, data), hex. Forms carry one; a post is accepted
// only when it matches (compared in constant time). The server keys it with the
// session id itself, which only the browser (in an HttpOnly cookie) and the server
// know, so a page of another site can neither read nor compute it.
std::string csrf_token(std::string_view key, std::string_view data);
bool csrf_matches(std::string_view key, std::string_view data, std::string_view presented);

}  // namespace hwload::auth
