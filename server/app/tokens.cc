#include "app/tokens.h"

#include <unistd.h>

#include <cstdio>
#include <ostream>

#include "auth/policy.h"
#include "auth/token.h"
#include "core/validate.h"
#include "store/store.h"

namespace hwload::app {
namespace {

// Which scope options each role takes: the scope is exactly what it names.
std::string check_scope(const TokenCommand& c, store::Store& store) {
  const bool school = !c.school_id.empty(), district = !c.district.empty(), grade = c.grade != 0,
             classes = !c.classes.empty();
  auto only = [&](bool want_school, bool want_district, bool want_grade, bool want_classes) -> std::string {
    if (school != want_school) return want_school ? "needs --school" : "takes no --school";
    if (district != want_district) return want_district ? "needs --district" : "takes no --district";
    if (grade != want_grade) return want_grade ? "needs --grade" : "takes no --grade";
    if (classes != want_classes) return want_classes ? "needs --classes" : "takes no --classes";
    return "";
  };
  std::string problem;
  if (c.role == "teacher") problem = only(true, false, false, true);
  if (c.role == "grade_leader") problem = only(true, false, true, false);
  if (c.role == "school_admin") problem = only(true, false, false, false);
  if (c.role == "bureau") problem = only(false, true, false, false);
  if (c.role == "operator") problem = only(false, false, false, false);
  if (!problem.empty()) return "role " + c.role + " " + problem;
  if (grade && (c.grade < 1 || c.grade > 9)) return "--grade must be between 1 and 9";
  if (school) {
    if (Status st = core::check_id("school", c.school_id); !st.is_ok()) return st.message();
    if (!store.school(c.school_id)) return "no school \"" + c.school_id + "\" is registered: register it first";
  }
  for (const auto& k : c.classes) {
    if (!store.klass(c.school_id, k)) return "no class \"" + k + "\" in school " + c.school_id;
  }
  if (district && c.district.size() > 100) return "--district must be at most 100 bytes";
  return "";
}

// The audit log's record of a token issued or revoked here: by whoever runs this
// command on the server's machine.
void audit(store::Store& store, const Clock& clock, const std::string& what, const store::TokenRecord& t) {
  store::AuditEntry e;
  e.at = format_rfc3339(clock.now());
  e.token_id = "-";
  e.role = "command-line";
  e.remote = "local uid " + std::to_string(::getuid());
  e.method = "CLI";
  e.route = "hwload-server token " + what;
  e.target = "token " + t.token_id + " role " + t.role;
  e.school_id = t.school_id;
  e.district = t.district;
  if (e.district.empty() && !t.school_id.empty()) {
    if (auto school = store.school(t.school_id)) e.district = school->district();
  }
  e.status = 0;
  store.insert_audit(e);
}

int create(const TokenCommand& c, store::Store& store, const Clock& clock, std::ostream& out, std::ostream& err) {
  if (!auth::parse_role(c.role)) {
    err << "hwload-server token create: --role must be one of teacher, grade_leader, school_admin, bureau, operator\n";
    return 1;
  }
  if (const std::string problem = check_scope(c, store); !problem.empty()) {
    err << "hwload-server token create: " << problem << "\n";
    return 1;
  }
  const auth::NewToken fresh = auth::generate_token();
  store::TokenRecord t;
  t.token_id = fresh.token_id;
  t.secret_hash = fresh.secret_hash;
  t.role = c.role;
  t.district = c.district;
  t.school_id = c.school_id;
  t.grade = c.grade;
  t.classes = c.classes;
  t.label = c.label;
  t.created_at = format_rfc3339(clock.now());
  {
    store::Transaction tx(store.db());
    store.insert_token(t);
    audit(store, clock, "create", t);
    tx.commit();
  }
  out << "token " << t.token_id << " created: role " << t.role;
  if (!t.district.empty()) out << ", district " << t.district;
  if (!t.school_id.empty()) out << ", school " << t.school_id;
  if (t.grade) out << ", grade " << t.grade;
  if (!t.classes.empty()) {
    out << ", classes ";
    for (size_t i = 0; i < t.classes.size(); ++i) out << (i ? "," : "") << t.classes[i];
  }
  out << "\nthe token is shown only now; keep it secret:\n" << fresh.token << "\n";
  return 0;
}

int list(store::Store& store, std::ostream& out) {
  out << "token_id          role          scope                          created                   revoked\n";
  for (const auto& t : store.tokens()) {
    std::string scope = t.district;
    if (!t.school_id.empty()) scope = t.school_id;
    if (t.grade) scope += " grade " + std::to_string(t.grade);
    if (!t.classes.empty()) {
      scope += " classes ";
      for (size_t i = 0; i < t.classes.size(); ++i) scope += (i ? "," : "") + t.classes[i];
    }
    if (scope.empty()) scope = "-";
    char line[512];
    std::snprintf(line, sizeof line, "%-17s %-13s %-30s %-25s %s\n", t.token_id.c_str(), t.role.c_str(), scope.c_str(),
                  t.created_at.c_str(), t.revoked_at.empty() ? "-" : t.revoked_at.c_str());
    out << line;
  }
  return 0;
}

}  // namespace

int run_token_command(const TokenCommand& c, const Clock& clock, std::ostream& out, std::ostream& err) {
  try {
    auto store = store::Store::open(c.db);
    if (c.action == "create") return create(c, *store, clock, out, err);
    if (c.action == "list") return list(*store, out);
    if (c.action == "revoke") {
      store::Transaction tx(store->db());
      if (!store->revoke_token(c.token_id, format_rfc3339(clock.now()))) {
        err << "hwload-server token revoke: no token " << c.token_id << " in force\n";
        return 1;
      }
      audit(*store, clock, "revoke", *store->token(c.token_id));
      tx.commit();
      out << "token " << c.token_id << " revoked\n";
      return 0;
    }
    err << "hwload-server token: unknown action " << c.action << "\n";
    return 1;
  } catch (const std::exception& e) {
    err << "hwload-server token: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace hwload::app
