#include "app/config.h"

#include <toml++/toml.h>

namespace hwload::app {
namespace {

template <typename T>
Status read_int(const toml::table& t, const char* section, const char* key, T& out, long long lo, long long hi) {
  const auto node = t[section][key];
  if (!node) return {};
  const auto v = node.value<int64_t>();
  const std::string name = std::string(section) + "." + key;
  if (!v) return Status::invalid(name, "must be an integer");
  if (*v < lo || *v > hi) {
    return Status::invalid(name, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  out = static_cast<T>(*v);
  return {};
}

// A rate or burst: a number >= 0 (0 turns the limit off).
Status read_rate(const toml::table& t, const char* section, const char* key, double& out) {
  const auto node = t[section][key];
  if (!node) return {};
  const auto v = node.value<double>();
  if (!v || *v < 0 || *v > 1e9) return Status::invalid(std::string(section) + "." + key, "must be a number >= 0");
  out = *v;
  return {};
}

Status read_caps(const toml::table& p, const std::string& prefix, const char* key, analytics::BandCaps& out,
                 bool& present) {
  present = false;
  const auto* arr = p[key].as_array();
  if (!p[key]) return {};
  const std::string name = prefix + key;
  if (!arr || arr->size() != 3) return Status::invalid(name, "must be an array of 3 minutes (grades 1-2, 3-6, 7-9)");
  for (size_t i = 0; i < 3; ++i) {
    const auto v = (*arr)[i].value<int64_t>();
    if (!v || *v < 0 || *v > 600) return Status::invalid(name, "each cap must be an integer 0-600");
    out[i] = static_cast<int>(*v);
  }
  present = true;
  return {};
}

Status read_profile(const std::string& name, const toml::table& p, analytics::PolicyProfile& out) {
  const std::string prefix = "profiles." + name + ".";
  bool present = false;
  HWLOAD_RETURN_IF_ERROR(read_caps(p, prefix, "school_day_caps", out.school_day_caps, present));
  const std::pair<const char*, analytics::DayKind> kinds[] = {{"weekend_caps", analytics::DayKind::kWeekend},
                                                              {"holiday_caps", analytics::DayKind::kHoliday},
                                                              {"vacation_caps", analytics::DayKind::kVacation}};
  for (const auto& [key, kind] : kinds) {
    analytics::BandCaps caps{};
    HWLOAD_RETURN_IF_ERROR(read_caps(p, prefix, key, caps, present));
    if (present) out.day_kind_caps[kind] = caps;
  }
  if (auto v = p["no_homework_day"]) {
    if (!v.is_boolean()) return Status::invalid(prefix + "no_homework_day", "must be true or false");
    out.no_homework_day = *v.value<bool>();
  }
  if (const auto* g = p["no_homework_grades"].as_array()) {
    auto lo = g->size() == 2 ? (*g)[0].value<int64_t>() : std::nullopt;
    auto hi = g->size() == 2 ? (*g)[1].value<int64_t>() : std::nullopt;
    if (!lo || !hi || *lo < 1 || *hi > 9 || *lo > *hi) {
      return Status::invalid(prefix + "no_homework_grades", "must be [first, last] grades within 1-9");
    }
    out.no_homework_min_grade = static_cast<int>(*lo);
    out.no_homework_max_grade = static_cast<int>(*hi);
  }
  if (auto v = p["repeated_count"]) {
    auto n = v.value<int64_t>();
    if (!n || *n < 2 || *n > 31) return Status::invalid(prefix + "repeated_count", "must be an integer 2-31");
    out.repeated_count = static_cast<int>(*n);
  }
  if (auto v = p["repeated_window_days"]) {
    auto n = v.value<int64_t>();
    if (!n || *n < 1 || *n > 62) return Status::invalid(prefix + "repeated_window_days", "must be an integer 1-62");
    out.repeated_window_days = static_cast<int>(*n);
  }
  if (auto v = p["alert_min_severity"]) {
    auto s = v.value<std::string>();
    if (s && *s == "WARNING") {
      out.alert_min_severity = analytics::Severity::kWarning;
    } else if (s && *s == "BREACH") {
      out.alert_min_severity = analytics::Severity::kBreach;
    } else if (s && *s == "SERIOUS") {
      out.alert_min_severity = analytics::Severity::kSerious;
    } else {
      return Status::invalid(prefix + "alert_min_severity", "must be WARNING, BREACH or SERIOUS");
    }
  }
  return {};
}

}  // namespace

Status load_config_file(const std::string& path, Config& c) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::invalid(path, std::string(e.description()) + " at line " + std::to_string(e.source().begin.line));
  }
  if (auto v = t["server"]["listen"].value<std::string>()) c.listen = *v;
  if (auto v = t["server"]["db"].value<std::string>()) c.db = *v;
  if (auto v = t["server"]["log_level"].value<std::string>()) c.log_level = *v;
  HWLOAD_RETURN_IF_ERROR(read_int(t, "server", "threads", c.threads, 1, 64));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "server", "read_threads", c.read_threads, 0, 64));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "server", "utc_offset_minutes", c.utc_offset_minutes, -720, 840));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "server", "sweep_interval_seconds", c.sweep_interval_seconds, 10, 86400));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "body_limit_bytes", c.body_limit_bytes, 1024, 1LL << 30));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "header_limit_bytes", c.header_limit_bytes, 1024, 1 << 20));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "idle_timeout_seconds", c.idle_timeout_seconds, 1, 3600));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "read_timeout_seconds", c.read_timeout_seconds, 1, 3600));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "drain_timeout_seconds", c.drain_timeout_seconds, 0, 600));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "max_connections", c.max_connections, 1, 1000000));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "max_batch_items", c.max_batch_items, 1, 1000000));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "limits", "max_connections_per_address", c.max_connections_per_address, 0, 1000000));
  HWLOAD_RETURN_IF_ERROR(read_rate(t, "limits", "per_address_rps", c.per_address_rps));
  HWLOAD_RETURN_IF_ERROR(read_rate(t, "limits", "per_address_burst", c.per_address_burst));
  HWLOAD_RETURN_IF_ERROR(read_rate(t, "limits", "per_token_rps", c.per_token_rps));
  HWLOAD_RETURN_IF_ERROR(read_rate(t, "limits", "per_token_burst", c.per_token_burst));
  if (auto v = t["server"]["tls_cert"].value<std::string>()) c.tls_cert_file = *v;
  if (auto v = t["server"]["tls_key"].value<std::string>()) c.tls_key_file = *v;
  if (auto v = t["auth"]["metrics_public"]) {
    if (!v.is_boolean()) return Status::invalid("auth.metrics_public", "must be true or false");
    c.metrics_public = *v.value<bool>();
  }
  HWLOAD_RETURN_IF_ERROR(read_int(t, "auth", "session_minutes", c.session_minutes, 1, 60 * 24 * 30));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "timeout_ms", c.delivery_timeout_ms, 10, 600000));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "first_retry_ms", c.delivery_first_retry_ms, 1, 2000));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "max_backoff_seconds", c.delivery_max_backoff_seconds, 1, 86400));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "give_up_hours", c.delivery_give_up_hours, 1, 24 * 365));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "poll_interval_ms", c.delivery_poll_interval_ms, 10, 60000));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "delivery", "max_in_flight", c.delivery_max_in_flight, 1, 10000));
  if (auto v = t["delivery"]["ca_file"].value<std::string>()) c.delivery_ca_file = *v;
  if (auto v = t["notices"]["public_url"].value<std::string>()) {
    if (!v->empty() && v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0) {
      return Status::invalid("notices.public_url", "must start with http:// or https://");
    }
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  }
  HWLOAD_RETURN_IF_ERROR(read_int(t, "notices", "check_interval_seconds", c.notice_check_interval_seconds, 1, 3600));
  HWLOAD_RETURN_IF_ERROR(read_int(t, "notices", "catch_up_days", c.notice_catch_up_days, 1, 60));
  if (const auto* profiles = t["profiles"].as_table()) {
    const analytics::ProfileSet builtin;
    for (const auto& [key, node] : *profiles) {
      const std::string name(key.str());
      const auto* p = node.as_table();
      if (!p) return Status::invalid("profiles." + name, "must be a table");
      const auto* base = builtin.find(name);
      analytics::PolicyProfile profile = base ? *base : *builtin.find("national");
      profile.name = name;
      if (!base) profile.source = "configuration";
      HWLOAD_RETURN_IF_ERROR(read_profile(name, *p, profile));
      c.profiles.push_back(std::move(profile));
    }
  }
  return {};
}

Status split_listen(const std::string& listen, std::string& host, uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::invalid("listen", "must be HOST:PORT");
  host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 65535) {
    return Status::invalid("listen", "port must be 0-65535");
  }
  port = static_cast<uint16_t>(std::stoi(p));
  return {};
}

}  // namespace hwload::app
