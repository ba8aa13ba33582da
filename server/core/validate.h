// Field rules for untrusted input. Each returns OK or an INVALID_ARGUMENT Status
// naming the field (relative to the message checked) and the rule it breaks.
#pragma once

#include <string_view>

#include "core/status.h"
#include "hwload/v1/hwload.pb.h"

namespace hwload::core {

namespace pb = ::hwload::v1;

// Identifiers travel in URL paths: 1-64 characters of [A-Za-z0-9._:-].
Status check_id(std::string_view field, std::string_view value);
Status check_date(std::string_view field, std::string_view value);
Status check_text(std::string_view field, std::string_view value, size_t max_bytes, bool required);

Status validate_school(const pb::School& school);
Status validate_class(const pb::Class& klass);
Status validate_calendar(const pb::Calendar& calendar);
// Also normalizes nothing: callers normalize tier before comparing records.
Status validate_assignment(const pb::Assignment& a);
Status validate_timing_report(const pb::TimingReport& report);
Status validate_subscription(const pb::Subscription& s);

// TIER_UNSPECIFIED means REQUIRED: stored and compared as REQUIRED.
void normalize(pb::Assignment& a);

}  // namespace hwload::core
