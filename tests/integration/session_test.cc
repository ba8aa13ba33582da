// Browser session cookies and CSRF tokens (server/auth/session.h).
#include <gtest/gtest.h>

#include <set>

#include "auth/session.h"

namespace hwload::auth {
namespace {

TEST(Session, CookieValueIsFoundAmongOthers) {
  EXPECT_EQ(cookie_value("a=1; hwload_session=abc; b=2", kSessionCookie), "abc");
  EXPECT_EQ(cookie_value("hwload_session=abc", kSessionCookie), "abc");
  EXPECT_EQ(cookie_value(" hwload_session = abc ;", kSessionCookie), "abc");
  EXPECT_FALSE(cookie_value("a=1; b=2", kSessionCookie));
  EXPECT_FALSE(cookie_value("", kSessionCookie));
  EXPECT_FALSE(cookie_value("xhwload_session=abc", kSessionCookie));
}

TEST(Session, SessionCookieIsHttpOnlyStrictAndSecureOnlyOverTls) {
  const std::string plain = session_set_cookie("abc", std::chrono::hours(8), false);
  EXPECT_EQ(plain, "hwload_session=abc; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict");
  EXPECT_EQ(session_set_cookie("abc", std::chrono::hours(8), true), plain + "; Secure");
  EXPECT_EQ(session_clear_cookie(false), "hwload_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST(Session, SessionIdsAreLongAndDifferent) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_session_id();
    EXPECT_EQ(id.size(), 43u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(Session, CsrfTokenMatchesOnlyItsSessionAndKey) {
  const std::string t = csrf_token("server-key", "session-1");
  EXPECT_EQ(t.size(), 64u);
  EXPECT_TRUE(csrf_matches("server-key", "session-1", t));
  EXPECT_FALSE(csrf_matches("server-key", "session-2", t));
  EXPECT_FALSE(csrf_matches("other-key", "session-1", t));
  EXPECT_FALSE(csrf_matches("server-key", "session-1", ""));
  EXPECT_FALSE(csrf_matches("server-key", "session-1", t.substr(0, 63)));
  // RFC 4231 test case 2, to pin the construction to HMAC-SHA256.
  EXPECT_EQ(csrf_token("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace hwload::auth
