// The HTML pages of hwload as a browser shows them: headless Chromium, driven over
// the DevTools Protocol, loads the daily and weekly disclosure notices, the notice
// index and the grade leader's review page of the demo school from the real
// hwload-server, at a phone's width (390 px) and a desktop's (1280 px). Each page
// must load with 200 and declare zh-CN; lay out without horizontal overflow and
// without text too small, clipped, or (dates, numbers) broken across lines; and draw
// its Chinese text in a CJK font (not tofu). The public notice pages carry no script.
// A full-page PNG of every case is kept in
// HWLOAD_ARTIFACTS_DIR/screenshots/<page>-<width>.png for a human to look at.
#include <gtest/gtest.h>

#include <unistd.h>

#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "browser/cdp.h"
#include "hwload/client/client.h"
#include "support/process.h"
#include "support/test_server.h"

namespace hwload::testing {
namespace {

constexpr char kSchool[] = "hy-yanfeng-01";
constexpr auto kTimeout = std::chrono::seconds(30);
constexpr int kViewportHeight = 800;
constexpr int kPhoneWidth = 390;
constexpr int kDesktopWidth = 1280;
constexpr int kMinReadableFontPx = 12;

enum class PageKind { kDailyNotice, kWeeklyNotice, kGradeReview, kNoticeIndex, kLogin };

struct PageCase {
  std::string name;  // the screenshot's file stem
  PageKind kind;
  int width;
};

// For test names in ctest and failure messages: "daily-notice at 390 px".
void PrintTo(const PageCase& c, std::ostream* os) { *os << c.name << " at " << c.width << " px"; }

std::string chromium_binary() {
  const char* from_env = std::getenv("HWLOAD_CHROMIUM");
  return from_env != nullptr && *from_env != '\0' ? from_env : "/usr/bin/chromium";
}

std::string truncated(const std::string& text, std::size_t limit = 800) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

client::ClientOptions json_client(const ServerProcess& server) {
  client::ClientOptions options;
  options.base_url = server.url();
  options.token = server.operator_token();
  options.encoding = client::Encoding::kJson;
  options.timeout = kTimeout;
  return options;
}

// One hwload-server with the demo school, its two notices published, and one
// Chromium, shared by the cases of a test suite. Each failure is kept as text for
// the cases that need the part that failed.
struct SharedSetup {
  TempDir dir;
  std::unique_ptr<ServerProcess> server;
  std::string server_error;
  std::map<PageKind, std::string> paths;  // what to GET on the server, per page
  std::map<PageKind, std::string> path_errors;
  std::string browser_error;
  std::unique_ptr<cdp::Browser> browser;
  std::unique_ptr<cdp::Connection> connection;  // declared last: closed first
};

// POSTs a notice request and returns the notice's htmlUrl; on failure leaves it
// empty and says why in `error`.
std::string publish_notice(client::Client& http, const std::string& body, std::string& error) {
  const std::string target = "/v1/schools/" + std::string(kSchool) + "/notices";
  auto response =
      http.send_raw("POST", target, body, {{"Content-Type", "application/json"}, {"Accept", "application/json"}});
  if (!response.ok()) {
    error = "POST " + target + " " + body + ": " + response.error().to_string();
    return "";
  }
  if (response->status < 200 || response->status > 299) {
    error = "POST " + target + " " + body + " answered " + std::to_string(response->status) + ": " +
            truncated(response->body);
    return "";
  }
  cdp::JsonObject notice;
  if (!google::protobuf::util::JsonStringToMessage(response->body, &notice).ok()) {
    error = "POST " + target + " answered with a body that is not JSON: " + truncated(response->body);
    return "";
  }
  const cdp::Json* html_url = cdp::find(notice, "htmlUrl");
  if (html_url == nullptr || html_url->string_value().rfind('/', 0) != 0) {
    error = "the published notice has no htmlUrl path (/notices/...): " + truncated(response->body);
    return "";
  }
  return html_url->string_value();
}

// Logs the browser in as grade 5's leader through the login page, as a person
// would: the page's form, a token pasted in, and back to the review page. The
// session cookie then carries every later visit of a /ui/ page.
void log_in_as_grade_leader(SharedSetup& shared) {
  std::string& error = shared.path_errors[PageKind::kGradeReview];
  try {
    const std::string db = (shared.dir.path() / "hwload.db").string();
    const std::string token = create_token(HWLOAD_SERVER_BIN, db,
                                           {"--role", "grade_leader", "--school", kSchool, "--grade", "5", "--label",
                                            "五年级组长"});
    const std::string review = shared.paths[PageKind::kGradeReview];
    cdp::Page page(*shared.connection);
    page.navigate(shared.server->url() + "/ui/login?next=" + client::Client::escape(review));
    page.evaluate_and_wait_for_load("document.querySelector('input[name=token]').value = '" + token +
                                    "'; document.querySelector('form.login').submit(); true");
    const std::string landed = page.evaluate("location.pathname").string_value();
    if (landed != review) error = "logging in through /ui/login landed on " + landed + ", not " + review;
  } catch (const std::exception& e) {
    error = std::string("logging in through /ui/login failed: ") + e.what();
  }
  if (!error.empty()) shared.paths[PageKind::kGradeReview].clear();
}

std::unique_ptr<SharedSetup> set_up_shared() {
  auto shared = std::make_unique<SharedSetup>();
  try {
    shared->server = std::make_unique<ServerProcess>(HWLOAD_SERVER_BIN, (shared->dir.path() / "hwload.db").string(),
                                                     shared->dir.path().string(), std::vector<std::string>{"--demo"});
    client::Client http(json_client(*shared->server));
    auto& paths = shared->paths;
    auto& errors = shared->path_errors;
    paths[PageKind::kDailyNotice] = publish_notice(http, R"({"date":"2026-11-17"})", errors[PageKind::kDailyNotice]);
    paths[PageKind::kWeeklyNotice] =
        publish_notice(http, R"({"week":"2026-W47","grade":5})", errors[PageKind::kWeeklyNotice]);
    paths[PageKind::kGradeReview] = "/ui/schools/" + std::string(kSchool) + "/grades/5/weeks/2026-W47";
    paths[PageKind::kNoticeIndex] = "/notices/" + std::string(kSchool);
    paths[PageKind::kLogin] = "/ui/login";
  } catch (const std::exception& e) {
    shared->server_error = std::string("starting hwload-server --demo failed: ") + e.what();
  }

  const std::string binary = chromium_binary();
  if (access(binary.c_str(), X_OK) != 0) {
    shared->browser_error = "no Chromium at " + binary +
                            " (or set HWLOAD_CHROMIUM); the browser tests need Debian's headless Chromium and "
                            "fonts-noto-cjk: run `bash deploy/install-deps.sh --tests`";
    return shared;
  }
  try {
    shared->browser = std::make_unique<cdp::Browser>(binary, kTimeout);
    shared->connection = std::make_unique<cdp::Connection>(shared->browser->websocket_url(), kTimeout);
  } catch (const std::exception& e) {
    shared->browser_error = std::string("starting Chromium failed: ") + e.what();
    return shared;
  }
  if (shared->server) log_in_as_grade_leader(*shared);
  return shared;
}

// --- What is checked in the page ----------------------------------------------

// A JavaScript helper: "tag.class1.class2 "first 40 characters of text"".
constexpr char kDescribe[] = R"JS(
  const describe = (e) => {
    const cls = typeof e.className === 'string' && e.className.trim()
        ? '.' + e.className.trim().split(/\s+/).join('.') : '';
    const txt = (e.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return e.tagName.toLowerCase() + cls + ' "' + txt + '"';
  };
  const ownText = (e) => [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join('').trim();
)JS";

// The facts the expectations are about, as one object.
constexpr char kFactsScript[] = R"JS((() => {
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    href: location.href,
    readyState: document.readyState,
    status: nav ? nav.responseStatus : -1,
    title: document.title,
    lang: document.documentElement.lang,
    charset: document.characterSet,
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    scripts: document.scripts.length,
    cjkFontAvailable: document.fonts.check('16px "Noto Sans CJK SC"'),
  };
})())JS";

// Elements that stick out to the right of `width`, outside any container that
// scrolls or clips them (those do not widen the page).
std::string overflow_script(int width) {
  return std::string("(() => {") + kDescribe + "  const w = " + std::to_string(width) + ";" + R"JS(
  const contained = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 1 && !contained(e)) out.push(describe(e) + ' right=' + Math.round(r.right));
    if (out.length >= 20) break;
  }
  return out.join('\n');
})())JS";
}

// Visible text drawn smaller than kMinReadableFontPx CSS px. SVG text counts at the
// size it is drawn: its font-size scaled by the SVG's viewBox transform.
std::string small_text_script() {
  return std::string("(() => {") + kDescribe + "  const min = " + std::to_string(kMinReadableFontPx) + ";" + R"JS(
  const out = [];
  for (const e of document.querySelectorAll('body, body *')) {
    if (!ownText(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    let size = parseFloat(getComputedStyle(e).fontSize);
    if (e instanceof SVGGraphicsElement) {
      const m = e.getScreenCTM();
      if (m) size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
    }
    if (size < min - 0.05) out.push(describe(e) + ' drawn at ' + size.toFixed(1) + 'px');
    if (out.length >= 20) break;
  }
  return out.join('\n');
})())JS";
}

// Dates, times, week ids and numbers ("11/16", "2026-W46", "85.0") that the layout
// breaks across lines: a cell or line too narrow for them.
constexpr char kBrokenTokensScript[] = R"JS((() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node && out.length < 20; node = walker.nextNode()) {
    for (const m of node.data.matchAll(/[0-9A-Za-z][0-9A-Za-z\/:.%-]*[0-9A-Za-z%]/g)) {
      if (!/[0-9]/.test(m[0])) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.bottom)));
      if (lines.size > 1) {
        const e = node.parentElement;
        out.push('"' + m[0] + '" in ' + e.tagName.toLowerCase() + ' (' + Math.round(e.getBoundingClientRect().width) +
                 ' px wide) on ' + lines.size + ' lines');
      }
    }
  }
  return out.join('\n');
})())JS";

// Text cut off by its own box: wider or taller than the box, which hides the rest.
std::string clipped_text_script() {
  return std::string("(() => {") + kDescribe + R"JS(
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!ownText(e)) continue;
    const s = getComputedStyle(e);
    const clipsX = s.overflowX === 'hidden' || s.overflowX === 'clip';
    const clipsY = s.overflowY === 'hidden' || s.overflowY === 'clip';
    if ((clipsX && e.scrollWidth > e.clientWidth + 1) || (clipsY && e.scrollHeight > e.clientHeight + 1)) {
      out.push(describe(e) + ' box ' + e.clientWidth + 'x' + e.clientHeight + ' content ' + e.scrollWidth + 'x' +
               e.scrollHeight);
    }
    if (out.length >= 20) break;
  }
  return out.join('\n');
})())JS";
}

// Marks (an attribute) up to 40 elements whose own text has Chinese characters.
constexpr char kMarkCjkTextScript[] = R"JS((() => {
  const cjk = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
  let n = 0;
  for (const e of document.querySelectorAll('body, body *')) {
    if ([...e.childNodes].some((t) => t.nodeType === 3 && cjk.test(t.data))) {
      e.setAttribute('data-hwload-cjk-probe', '');
      if (++n >= 40) break;
    }
  }
  return n;
})())JS";

// Glyphs drawn per font family for the text of the elements marked by
// kMarkCjkTextScript, as Chromium's font machinery reports them.
std::map<std::string, int> fonts_rendering_cjk_text(cdp::Page& page) {
  page.call("DOM.enable");
  page.call("CSS.enable");
  const cdp::JsonObject document = page.call("DOM.getDocument", cdp::object({{"depth", cdp::number(0)}}));
  const cdp::JsonObject found =
      page.call("DOM.querySelectorAll", cdp::object({{"nodeId", cdp::number(cdp::number_at(document, "root.nodeId"))},
                                                     {"selector", cdp::text("[data-hwload-cjk-probe]")}}));
  std::map<std::string, int> glyphs;
  const cdp::Json* node_ids = cdp::find(found, "nodeIds");
  if (node_ids == nullptr) return glyphs;
  for (const auto& node_id : node_ids->list_value().values()) {
    const cdp::JsonObject fonts = page.call("CSS.getPlatformFontsForNode", cdp::object({{"nodeId", node_id}}));
    const cdp::Json* list = cdp::find(fonts, "fonts");
    if (list == nullptr) continue;
    for (const auto& font : list->list_value().values()) {
      glyphs[cdp::string_at(font.struct_value(), "familyName")] +=
          static_cast<int>(cdp::number_at(font.struct_value(), "glyphCount"));
    }
  }
  return glyphs;
}

struct Expected {
  std::string href;  // empty: not checked
  bool http_ok = true;
  bool forbid_scripts = false;
};

// Navigates `page` to `url` at `width` and checks everything the file comment
// promises; saves the screenshot as <name>-<width>.png.
void check_page(cdp::Page& page, const std::string& url, const std::string& name, int width, const Expected& expected) {
  SCOPED_TRACE(name + " at " + std::to_string(width) + " px: " + truncated(url, 100));
  const bool phone = width < 600;
  page.call("Emulation.setDeviceMetricsOverride", cdp::object({{"width", cdp::number(width)},
                                                               {"height", cdp::number(kViewportHeight)},
                                                               {"deviceScaleFactor", cdp::number(1)},
                                                               {"mobile", cdp::boolean(phone)}}));
  page.navigate(url);

  const cdp::Json facts_value = page.evaluate(kFactsScript);
  ASSERT_TRUE(facts_value.has_struct_value()) << cdp::to_json(facts_value);
  const cdp::JsonObject& facts = facts_value.struct_value();
  if (!expected.href.empty()) {
    EXPECT_EQ(cdp::string_at(facts, "href"), expected.href) << "the load event came from another page";
  }
  EXPECT_EQ(cdp::string_at(facts, "readyState"), "complete");
  if (expected.http_ok) {
    EXPECT_EQ(cdp::number_at(facts, "status"), 200) << "HTTP status of the navigation";
  }
  const std::string title = cdp::string_at(facts, "title");
  EXPECT_FALSE(title.empty()) << "the page has no <title>";
  for (const char* error_sign : {"404", "500", "Not Found", "Error", "127.0.0.1"}) {
    EXPECT_EQ(title.find(error_sign), std::string::npos) << "the title looks like an error page: " << title;
  }
  EXPECT_EQ(cdp::string_at(facts, "lang"), "zh-CN") << "<html lang> decides which CJK glyph variants are used";
  EXPECT_EQ(cdp::string_at(facts, "charset"), "UTF-8");
  EXPECT_TRUE(facts.fields().at("cjkFontAvailable").bool_value()) << "document.fonts.check(\"Noto Sans CJK SC\")";
  if (expected.forbid_scripts) {
    EXPECT_EQ(cdp::number_at(facts, "scripts"), 0) << "public notices carry no script";
  }

  // A phone widens its layout viewport beyond the device width (and shows the page
  // zoomed out) when the page has no width=device-width viewport, or content wider
  // than the screen; the page must fit the device width either way.
  const double inner_width = cdp::number_at(facts, "innerWidth");
  if (phone) {
    EXPECT_EQ(inner_width, width) << "the layout viewport is wider than the phone, so it shows the page zoomed "
                                     "out: the page lacks <meta name=\"viewport\" content=\"width=device-width, "
                                     "initial-scale=1\"> or has content wider than the screen (see below)";
  }
  const double scroll_width = cdp::number_at(facts, "scrollWidth");
  if (scroll_width > width) {
    ADD_FAILURE() << "horizontal overflow: the page is " << scroll_width << " px wide on a " << width
                  << " px screen; sticking out:\n"
                  << page.evaluate(overflow_script(width)).string_value();
  }
  const std::string small_text = page.evaluate(small_text_script()).string_value();
  EXPECT_TRUE(small_text.empty()) << "text smaller than " << kMinReadableFontPx << " px:\n" << small_text;
  const std::string broken_tokens = page.evaluate(kBrokenTokensScript).string_value();
  EXPECT_TRUE(broken_tokens.empty()) << "dates or numbers broken across lines:\n" << broken_tokens;
  const std::string clipped_text = page.evaluate(clipped_text_script()).string_value();
  EXPECT_TRUE(clipped_text.empty()) << "text cut off by its box:\n" << clipped_text;

  const std::string png = page.screenshot_png();
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << "the screenshot is not a PNG";
  const std::filesystem::path dir = std::filesystem::path(HWLOAD_ARTIFACTS_DIR) / "screenshots";
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / (name + "-" + std::to_string(width) + ".png");
  std::ofstream(file, std::ios::binary) << png;

  // Last, as it marks elements with an attribute.
  const double cjk_elements = page.evaluate(kMarkCjkTextScript).number_value();
  EXPECT_GT(cjk_elements, 0) << "no Chinese text on the page";
  const auto glyphs = fonts_rendering_cjk_text(page);
  int cjk_glyphs = 0;
  std::ostringstream used;
  for (const auto& [family, count] : glyphs) {
    used << " " << family << " (" << count << " glyphs)";
    if (family.find("CJK") != std::string::npos) cjk_glyphs += count;
  }
  EXPECT_GT(cjk_glyphs, 0) << "no Chinese text is drawn in a CJK font (tofu); fonts used:" << used.str();
  std::cout << "[ browser  ] " << file.string() << ": viewport " << inner_width << " px, page " << scroll_width
            << " px wide; Chinese text drawn in" << used.str() << "\n";
}

std::string percent_encoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 0xf]};
    }
  }
  return out;
}

// --- The tests ----------------------------------------------------------------

class BrowserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = set_up_shared().release(); }
  // A case that timed out leaves the connection broken; the next case gets a new one.
  void SetUp() override {
    if (shared_->connection != nullptr && shared_->connection->broken()) {
      shared_->connection.reset();
      try {
        shared_->connection = std::make_unique<cdp::Connection>(shared_->browser->websocket_url(), kTimeout);
      } catch (const std::exception& e) {
        shared_->browser_error = std::string("reconnecting to Chromium failed: ") + e.what();
      }
    }
  }
  static void TearDownTestSuite() {
    delete shared_;  // kills Chromium and the server, removes their files
    shared_ = nullptr;
  }
  static SharedSetup* shared_;
};

SharedSetup* BrowserTest::shared_ = nullptr;

// The machinery itself, on a page of known content: if this fails, the pages'
// failures say nothing about the pages.
TEST_F(BrowserTest, RendersAKnownChinesePageFromADataUrl) {
  ASSERT_TRUE(shared_->browser_error.empty()) << shared_->browser_error;
  const std::string html =
      "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>浏览器自检</title></head>"
      "<body style=\"font-family: sans-serif\"><h1>五年级作业公示</h1><p>数学 分数除法练习 45 分钟</p></body></html>";
  const std::string url = "data:text/html;charset=utf-8," + percent_encoded(html);
  for (const int width : {kPhoneWidth, kDesktopWidth}) {
    cdp::Page page(*shared_->connection);
    check_page(page, url, "self-test", width, {.href = "", .http_ok = false, .forbid_scripts = true});
  }
}

// Pages of a PDF: its "/Type /Page" objects (not the "/Type /Pages" tree).
int pdf_page_count(const std::string& pdf) {
  static const std::regex kPage(R"(/Type\s*/Page[^s])");
  return static_cast<int>(std::distance(std::sregex_iterator(pdf.begin(), pdf.end(), kPage), std::sregex_iterator()));
}

// A school whose grade 5 has twelve classes with five assignments each: a large
// grade on a busy evening. Returns its daily notice's htmlUrl.
std::string publish_large_grade(client::Client& http) {
  auto put = [&](const std::string& target, const std::string& body) {
    auto r = http.send_raw("PUT", target, body, {{"Content-Type", "application/json"}});
    EXPECT_TRUE(r.ok() && r->status == 200) << target << ": " << (r.ok() ? r->body : r.error().to_string());
  };
  put("/v1/schools/print-1", R"({"name":"打印测试学校","district":"海淀区","profile":"national"})");
  const std::vector<std::array<std::string, 3>> homework = {
      {"语文", "课文《草船借箭》复述", "复述课文，抄写第 5 课生字词各两遍"},
      {"数学", "分数除法练习", "练习册第 32 页 1-8 题"},
      {"英语", "Unit 4 单词", "抄写 Unit 4 单词并朗读课文两遍"},
      {"科学", "观察记录", "观察豆芽生长，记录高度"},
      {"语文", "课外阅读", "阅读《西游记》第十回，摘抄好词好句"}};
  std::string items;
  for (int c = 1; c <= 12; ++c) {
    const std::string id = "g5c" + std::to_string(c);
    put("/v1/schools/print-1/classes/" + id,
        R"({"grade":5,"name":"五年级)" + std::to_string(c) + R"(班","studentCount":45})");
    for (size_t k = 0; k < homework.size(); ++k) {
      items += std::string(items.empty() ? "" : ",") + R"({"assignmentId":")" + id + "-" + std::to_string(k) +
               R"(","schoolId":"print-1","classId":")" + id + R"(","teacherId":"t","subject":")" + homework[k][0] +
               R"(","assignedDate":"2026-11-17","type":")" + (k < 3 ? "WRITTEN" : "READING") +
               R"(","estimatedMinutes":15,"title":")" + homework[k][1] + R"(","content":")" + homework[k][2] + "\"}";
    }
  }
  auto posted = http.send_raw("POST", "/v1/assignments", R"({"assignments":[)" + items + "]}",
                              {{"Content-Type", "application/json"}});
  EXPECT_TRUE(posted.ok() && posted->status == 200) << (posted.ok() ? posted->body : posted.error().to_string());
  auto published = http.send_raw("POST", "/v1/schools/print-1/notices", R"({"date":"2026-11-17"})",
                                 {{"Content-Type", "application/json"}});
  if (!published.ok() || published->status != 200) return "";
  cdp::JsonObject notice;
  if (!google::protobuf::util::JsonStringToMessage(published->body, &notice).ok()) return "";
  const cdp::Json* html_url = cdp::find(notice, "htmlUrl");
  return html_url ? html_url->string_value() : "";
}

// Printed, a daily notice is one A4 sheet per grade: the demo school's nine grades
// are nine pages, and a grade of twelve busy classes still fits its one sheet.
TEST_F(BrowserTest, PrintedDailyNoticeIsOneA4SheetPerGrade) {
  ASSERT_TRUE(shared_->server_error.empty()) << shared_->server_error;
  ASSERT_TRUE(shared_->browser_error.empty()) << shared_->browser_error;
  const std::string demo = shared_->paths[PageKind::kDailyNotice];
  ASSERT_FALSE(demo.empty()) << shared_->path_errors[PageKind::kDailyNotice];
  client::Client http(json_client(*shared_->server));
  const std::string large = publish_large_grade(http);
  ASSERT_FALSE(large.empty());

  const std::filesystem::path dir = std::filesystem::path(HWLOAD_ARTIFACTS_DIR) / "print";
  std::filesystem::create_directories(dir);
  for (const auto& [name, path, sheets] :
       {std::tuple{"demo-daily-notice", demo, 9}, std::tuple{"large-grade-daily-notice", large, 1}}) {
    cdp::Page page(*shared_->connection);
    page.navigate(shared_->server->url() + path);
    const std::string pdf = page.print_pdf();
    ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u) << name;
    std::ofstream(dir / (std::string(name) + ".pdf"), std::ios::binary) << pdf;
    EXPECT_EQ(pdf_page_count(pdf), sheets) << name << ": see " << (dir / (std::string(name) + ".pdf")).string();
  }
}

class BrowserPageTest : public BrowserTest, public ::testing::WithParamInterface<PageCase> {};

TEST_P(BrowserPageTest, RendersReadablyAndWithoutOverflow) {
  ASSERT_TRUE(shared_->server_error.empty()) << shared_->server_error;
  ASSERT_TRUE(shared_->browser_error.empty()) << shared_->browser_error;
  const PageCase& c = GetParam();
  const std::string path = shared_->paths[c.kind];
  ASSERT_FALSE(path.empty()) << shared_->path_errors[c.kind];

  // As any HTTP client gets it, so a missing route fails here with the server's words.
  client::Client http(json_client(*shared_->server));
  auto response = http.send_raw("GET", path, "", {{"Accept", "text/html"}});
  ASSERT_TRUE(response.ok()) << "GET " << path << ": " << response.error().to_string();
  ASSERT_EQ(response->status, 200) << "GET " << path << ": " << truncated(response->body);
  EXPECT_EQ(response->content_type.rfind("text/html", 0), 0u) << "GET " << path << ": " << response->content_type;

  cdp::Page page(*shared_->connection);
  const std::string url = shared_->server->url() + path;
  const bool public_notice = path.rfind("/notices/", 0) == 0;
  check_page(page, url, c.name, c.width, {.href = url, .http_ok = true, .forbid_scripts = public_notice});
  if (c.kind == PageKind::kGradeReview) {
    // Seen through the session: who is logged in, a logout button, and the
    // session's CSRF token in every form that changes something.
    EXPECT_TRUE(page.evaluate("document.querySelector('.viewer').innerText.includes('五年级组长')").bool_value());
    EXPECT_TRUE(page.evaluate("[...document.forms].length > 1 && [...document.forms].every(f => "
                              "f.querySelector('input[name=csrf]') && f.csrf.value.length == 64)")
                    .bool_value());
  }
}

INSTANTIATE_TEST_SUITE_P(Pages, BrowserPageTest,
                         ::testing::Values(PageCase{"daily-notice", PageKind::kDailyNotice, kPhoneWidth},
                                           PageCase{"daily-notice", PageKind::kDailyNotice, kDesktopWidth},
                                           PageCase{"weekly-notice", PageKind::kWeeklyNotice, kPhoneWidth},
                                           PageCase{"weekly-notice", PageKind::kWeeklyNotice, kDesktopWidth},
                                           PageCase{"grade-review", PageKind::kGradeReview, kPhoneWidth},
                                           PageCase{"grade-review", PageKind::kGradeReview, kDesktopWidth},
                                           PageCase{"notice-index", PageKind::kNoticeIndex, kPhoneWidth},
                                           PageCase{"notice-index", PageKind::kNoticeIndex, kDesktopWidth},
                                           PageCase{"login", PageKind::kLogin, kPhoneWidth},
                                           PageCase{"login", PageKind::kLogin, kDesktopWidth}),
                         [](const ::testing::TestParamInfo<PageCase>& param_info) {
                           const PageCase& c = param_info.param;
                           std::string name = c.name + "_" + std::to_string(c.width);
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace hwload::testing
