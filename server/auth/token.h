// Access tokens (issue 5): `hwl_<id>_<secret>`. The id is public (it names the
// token in lists, the audit log and revocation); the secret is 256 random bits,
// shown once when the token is made. Only SHA-256 of the secret is stored, and a
// presented secret is compared with it in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hwload::auth {

struct NewToken {
  std::string token_id;     // 16 hex digits
  std::string secret_hash;  // SHA-256 of the secret, 32 bytes
  std::string token;        // what the holder sends: hwl_<id>_<secret>
};

// A fresh token from the operating system's random source (OpenSSL RAND_bytes).
// Throws std::runtime_error if no randomness can be had.
NewToken generate_token();

struct PresentedToken {
  std::string token_id;
  std::string secret;
};
// Splits `hwl_<id>_<secret>`; nullopt when it is not of that form.
std::optional<PresentedToken> parse_token(std::string_view token);
// The token from an `Authorization: Bearer <token>` header value; nullopt when the
// header is not a Bearer credential of the right form.
std::optional<PresentedToken> parse_bearer(std::string_view authorization);

std::string sha256(std::string_view data);
// Whether SHA-256 of `secret` equals `stored_hash`, in time independent of where
// they differ.
bool secret_matches(std::string_view secret, std::string_view stored_hash);
// The same for a secret already hashed (sha256 of it).
bool digest_matches(std::string_view digest, std::string_view stored_hash);

}  // namespace hwload::auth
