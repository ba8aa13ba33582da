// Google Benchmarks of the wire codec, through the functions the server's handlers
// use (server/http/codec.h): http::decode for request bodies, http::encode and
// http::respond for replies, in protobuf binary and in JSON.
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "core/status.h"
#include "http/codec.h"
#include "http/message.h"
#include "hwload/v1/hwload.pb.h"
#include "synthetic.h"

namespace hwload::bench {
namespace {

namespace pb = hwload::v1;
using http::Format;

std::string format_name(Format f) { return f == Format::kProtobuf ? "protobuf" : "json"; }

// A request carrying `body` in format `f` and asking for replies in the same format.
http::Request request_in(Format f, std::string body) {
  http::Request req;
  req.method = "POST";
  req.content_type = std::string(f == Format::kProtobuf ? http::kProtobufType : http::kJsonType);
  req.accept = req.content_type;
  req.body = std::move(body);
  return req;
}

// A request body as a client sends it: protobuf, or JSON printed with default
// options (no default-valued fields), as the client SDK does.
std::string client_body(const google::protobuf::Message& msg, Format f) {
  std::string out;
  if (f == Format::kProtobuf) {
    msg.SerializeToString(&out);
  } else {
    (void)google::protobuf::util::MessageToJsonString(msg, &out);
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Synthetic messages.

// `n` written assignments of one school's grade-7 classes for one evening, all
// fields a teacher's app fills in.
pb::AssignmentBatch assignment_batch(int n) {
  Synth synth(7001u + static_cast<uint32_t>(n));
  pb::AssignmentBatch batch;
  for (int i = 0; i < n; ++i) {
    pb::Assignment* a = batch.add_assignments();
    a->set_assignment_id(synth.uuid());
    a->set_school_id("sch-410102-017");
    a->set_class_id("g7c" + std::to_string(1 + i % 12));
    a->set_teacher_id("t-" + std::to_string(1000 + synth.uniform(0, 80)));
    a->set_subject(std::string(synth.subject(i)));
    a->set_assigned_date("2026-11-24");
    a->set_type(pb::WRITTEN);
    a->set_tier(pb::REQUIRED);
    a->set_estimated_minutes(synth.estimate_minutes());
    a->set_title("第" + std::to_string(synth.uniform(1, 12)) + "单元 课时练习");
    a->set_content("完成练习册第" + std::to_string(synth.uniform(10, 90)) +
                   "页第1-6题，订正今天课堂小测中的错题，并预习下一课的生字词。");
  }
  return batch;
}

// One class's report for one assignment: 40 students, ~3% unfinished.
pb::TimingBatch timing_batch() {
  Synth synth(7002u);
  pb::TimingBatch batch;
  pb::TimingReport* report = batch.add_reports();
  report->set_assignment_id(synth.uuid());
  for (int seat = 1; seat <= kStudentsPerClass; ++seat) {
    pb::StudentTiming* t = report->add_students();
    t->set_student_key(student_key(seat));
    t->set_minutes(synth.reported_minutes(20));
    t->set_unfinished(synth.chance(0.03));
  }
  return batch;
}

// GET /v1/schools/{id}/grades/{g}/weeks/{w}: `classes` grade-8 classes, 7 days each;
// school days carry 3-6 subjects, over-cap days their open breaches.
pb::GradeWeek grade_week(int classes) {
  Synth synth(7003u + static_cast<uint32_t>(classes));
  pb::GradeWeek week;
  week.set_school_id("sch-410102-017");
  week.set_grade(8);
  week.set_week("2026-W48");
  for (int c = 1; c <= classes; ++c) {
    pb::ClassLoad* cl = week.add_classes();
    cl->set_school_id(week.school_id());
    cl->set_class_id("g8c" + std::to_string(c));
    cl->set_class_name("八年级" + std::to_string(c) + "班");
    cl->set_grade(8);
    for (int i = 0; i < 7; ++i) {
      pb::DayLoad* d = cl->add_days();
      d->set_date("2026-11-" + std::to_string(23 + i));
      const bool school_day = i < 5;
      d->set_day_kind(school_day ? pb::SCHOOL_DAY : pb::WEEKEND);
      d->set_cap_minutes(90);
      if (!school_day) continue;
      int planned = 0;
      double measured = 0;
      const int subjects = synth.uniform(3, 6);
      for (int s = 0; s < subjects; ++s) {
        pb::SubjectLoad* sl = d->add_subjects();
        sl->set_subject(std::string(synth.subject(s)));
        sl->set_planned_minutes(synth.estimate_minutes());
        sl->set_measured_mean_minutes(sl->planned_minutes() * (0.8 + 0.4 * synth.uniform(0, 100) / 100.0));
        planned += sl->planned_minutes();
        measured += sl->measured_mean_minutes();
      }
      d->set_planned_minutes(planned);
      d->set_measured_mean_minutes(measured);
      d->set_measured_p90_minutes(static_cast<int>(measured * 1.3));
      d->set_students_reported(synth.uniform(34, 40));
      d->set_students_over_cap(measured > 90 ? synth.uniform(10, 30) : synth.uniform(0, 4));
      d->set_students_unfinished(synth.uniform(0, 2));
      if (planned > 90) {
        pb::Breach* b = d->add_breaches();
        b->set_breach_id(synth.uuid());
        b->set_kind(pb::PLANNED_OVER_CAP);
        b->set_severity(pb::WARNING);
        b->set_school_id(week.school_id());
        b->set_class_id(cl->class_id());
        b->set_grade(8);
        b->set_date(d->date());
        b->set_load_minutes(planned);
        b->set_cap_minutes(90);
        b->set_detail("planned written homework " + std::to_string(planned) + " min exceeds the 90 min cap");
        b->set_state(pb::OPEN);
        b->set_opened_at(d->date() + "T19:42:07Z");
      }
    }
  }
  return week;
}

// ---------------------------------------------------------------------------------
// Decoding a request body into a fresh message (each request gets its own, as in
// the handlers). Items are the records in the body; bytes are the body's.

template <typename Msg>
void decode_loop(benchmark::State& state, const Msg& sample, Format f, int64_t items, bool as_client) {
  const http::Request req = request_in(f, as_client ? client_body(sample, f) : http::encode(sample, f));
  {
    Msg check;
    if (Status st = http::decode(req, check); !st.is_ok()) {
      state.SkipWithError(st.message().c_str());
      return;
    }
  }
  for (auto _ : state) {
    Msg msg;
    Status st = http::decode(req, msg);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(msg);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * items);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(req.body.size()));
  state.SetLabel(format_name(f) + ", " + std::to_string(req.body.size()) + " B");
}

// Encoding a message with http::encode (what http::respond does after choosing the
// format). Items are the records encoded; bytes are the output's.
void encode_loop(benchmark::State& state, const google::protobuf::Message& msg, Format f, int64_t items) {
  size_t size = 0;
  for (auto _ : state) {
    std::string out = http::encode(msg, f);
    size = out.size();
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * items);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
  state.SetLabel(format_name(f) + ", " + std::to_string(size) + " B");
}

// POST /v1/assignments with Arg(0) assignments. Items are assignments.
void BM_DecodeAssignmentBatch(benchmark::State& state, Format f) {
  const int n = static_cast<int>(state.range(0));
  decode_loop(state, assignment_batch(n), f, n, true);
}
void BM_EncodeAssignmentBatch(benchmark::State& state, Format f) {
  const int n = static_cast<int>(state.range(0));
  encode_loop(state, assignment_batch(n), f, n);
}
BENCHMARK_CAPTURE(BM_DecodeAssignmentBatch, protobuf, Format::kProtobuf)->ArgName("items")->Arg(1)->Arg(100);
BENCHMARK_CAPTURE(BM_DecodeAssignmentBatch, json, Format::kJson)->ArgName("items")->Arg(1)->Arg(100);
BENCHMARK_CAPTURE(BM_EncodeAssignmentBatch, protobuf, Format::kProtobuf)->ArgName("items")->Arg(1)->Arg(100);
BENCHMARK_CAPTURE(BM_EncodeAssignmentBatch, json, Format::kJson)->ArgName("items")->Arg(1)->Arg(100);

// POST /v1/timings with one class's report on one assignment. Items are student timings.
void BM_DecodeTimingBatch(benchmark::State& state, Format f) {
  decode_loop(state, timing_batch(), f, kStudentsPerClass, true);
}
void BM_EncodeTimingBatch(benchmark::State& state, Format f) {
  encode_loop(state, timing_batch(), f, kStudentsPerClass);
}
BENCHMARK_CAPTURE(BM_DecodeTimingBatch, protobuf, Format::kProtobuf)->ArgName("students")->Arg(kStudentsPerClass);
BENCHMARK_CAPTURE(BM_DecodeTimingBatch, json, Format::kJson)->ArgName("students")->Arg(kStudentsPerClass);
BENCHMARK_CAPTURE(BM_EncodeTimingBatch, protobuf, Format::kProtobuf)->ArgName("students")->Arg(kStudentsPerClass);
BENCHMARK_CAPTURE(BM_EncodeTimingBatch, json, Format::kJson)->ArgName("students")->Arg(kStudentsPerClass);

// A grade's week: the server's reply through http::respond (Accept parsing, content
// type, encoding), and a client decoding that reply. Items are class-days.
void BM_RespondGradeWeek(benchmark::State& state, Format f) {
  const int classes = static_cast<int>(state.range(0));
  const pb::GradeWeek week = grade_week(classes);
  http::Request req = request_in(f, "");
  req.method = "GET";
  req.content_type.clear();
  size_t size = 0;
  for (auto _ : state) {
    http::Response res = http::respond(req, week);
    size = res.body.size();
    benchmark::DoNotOptimize(res);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * classes * 7);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
  state.SetLabel(format_name(f) + ", " + std::to_string(size) + " B");
}
void BM_DecodeGradeWeek(benchmark::State& state, Format f) {
  const int classes = static_cast<int>(state.range(0));
  decode_loop(state, grade_week(classes), f, classes * 7, false);
}
BENCHMARK_CAPTURE(BM_RespondGradeWeek, protobuf, Format::kProtobuf)->ArgName("classes")->Arg(8);
BENCHMARK_CAPTURE(BM_RespondGradeWeek, json, Format::kJson)->ArgName("classes")->Arg(8);
BENCHMARK_CAPTURE(BM_DecodeGradeWeek, protobuf, Format::kProtobuf)->ArgName("classes")->Arg(8);
BENCHMARK_CAPTURE(BM_DecodeGradeWeek, json, Format::kJson)->ArgName("classes")->Arg(8);

// ---------------------------------------------------------------------------------
// Baseline for the protobuf decodes above: Message::ParseFromString alone, without
// what http::decode adds (the Content-Type lookup and DiscardUnknownFields, which
// walks the parsed message by reflection).

template <typename Msg>
void parse_only_loop(benchmark::State& state, const Msg& sample, int64_t items) {
  const std::string body = sample.SerializeAsString();
  for (auto _ : state) {
    Msg msg;
    bool ok = msg.ParseFromString(body);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(msg);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * items);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel("protobuf, " + std::to_string(body.size()) + " B");
}
void BM_ParseBaselineAssignmentBatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  parse_only_loop(state, assignment_batch(n), n);
}
void BM_ParseBaselineTimingBatch(benchmark::State& state) {
  parse_only_loop(state, timing_batch(), kStudentsPerClass);
}
void BM_ParseBaselineGradeWeek(benchmark::State& state) {
  const int classes = static_cast<int>(state.range(0));
  parse_only_loop(state, grade_week(classes), classes * 7);
}
BENCHMARK(BM_ParseBaselineAssignmentBatch)->ArgName("items")->Arg(1)->Arg(100);
BENCHMARK(BM_ParseBaselineTimingBatch)->ArgName("students")->Arg(kStudentsPerClass);
BENCHMARK(BM_ParseBaselineGradeWeek)->ArgName("classes")->Arg(8);

}  // namespace
}  // namespace hwload::bench
