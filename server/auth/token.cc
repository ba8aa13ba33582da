#include "auth/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace hwload::auth {
namespace {

constexpr std::string_view kPrefix = "hwl_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;
constexpr size_t kSecretChars = 43;  // base64url of 32 bytes, unpadded

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("no randomness available for a token (RAND_bytes failed)");
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

// RFC 4648 base64url without padding.
std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (bytes.size() - i == 2) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

bool is_hex(std::string_view s) {
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_base64url(std::string_view s) {
  for (const char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string sha256(std::string_view data) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up again on every
  // digest, and every request's token is hashed. The handle is immutable and
  // thread-safe, and kept for the life of the process.
  static EVP_MD* const kFetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  const EVP_MD* md = kFetched ? kFetched : EVP_sha256();  // should the fetch fail, the implicit lookup
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), len);
}

NewToken generate_token() {
  NewToken t;
  t.token_id = hex(random_bytes(kIdBytes));
  const std::string secret = base64url(random_bytes(kSecretBytes));
  t.secret_hash = sha256(secret);
  t.token = std::string(kPrefix) + t.token_id + "_" + secret;
  return t;
}

std::optional<PresentedToken> parse_token(std::string_view token) {
  if (token.size() != kPrefix.size() + 2 * kIdBytes + 1 + kSecretChars) return std::nullopt;
  if (token.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  const std::string_view id = token.substr(kPrefix.size(), 2 * kIdBytes);
  if (token[kPrefix.size() + 2 * kIdBytes] != '_') return std::nullopt;
  const std::string_view secret = token.substr(kPrefix.size() + 2 * kIdBytes + 1);
  if (!is_hex(id) || !is_base64url(secret)) return std::nullopt;
  return PresentedToken{std::string(id), std::string(secret)};
}

std::optional<PresentedToken> parse_bearer(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kScheme[i]) return std::nullopt;
  }
  std::string_view rest = authorization.substr(kScheme.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  return parse_token(rest);
}

bool secret_matches(std::string_view secret, std::string_view stored_hash) {
  return digest_matches(sha256(secret), stored_hash);
}

bool digest_matches(std::string_view digest, std::string_view stored_hash) {
  return digest.size() == stored_hash.size() && CRYPTO_memcmp(digest.data(), stored_hash.data(), digest.size()) == 0;
}

}  // namespace hwload::auth
