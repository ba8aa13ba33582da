// Demo data for a first run (--demo): one school in 衡阳 under the `hengyang`
// profile, grades 1-9 with two classes each, the week 2026-W47 of homework and
// student timings, and a few breaches of different kinds. Loaded through the
// Service like any client's data; skipped when the demo school already exists.
#pragma once

#include <spdlog/logger.h>

#include "core/service.h"

namespace hwload::app {

inline constexpr const char* kDemoSchoolId = "hy-yanfeng-01";
inline constexpr const char* kDemoDistrict = "衡阳市雁峰区";

void load_demo(core::Service& service, spdlog::logger& log);

}  // namespace hwload::app
