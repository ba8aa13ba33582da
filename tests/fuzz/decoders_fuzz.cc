// A fuzz target for every decoder of untrusted input: protobuf and JSON bodies of
// each request message, request targets (path and query), and the CLI's CSV reader.
// Built as a libFuzzer target with clang (-DHWLOAD_FUZZ=ON), and replayed with
// deterministic inputs by tests/integration/decoders_fuzz_test.cc on every test run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/csv.h"
#include "http/codec.h"
#include "http/router.h"
#include "hwload/v1/hwload.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  hwload::http::Request req;
  req.body.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  req.content_type = (selector & 1) ? "application/json" : "application/x-protobuf";
  switch ((selector >> 1) % 8) {
    case 0: {
      hwload::v1::AssignmentBatch m;
      (void)hwload::http::decode(req, m);
      break;
    }
    case 1: {
      hwload::v1::TimingBatch m;
      (void)hwload::http::decode(req, m);
      break;
    }
    case 2: {
      hwload::v1::Calendar m;
      (void)hwload::http::decode(req, m);
      break;
    }
    case 3: {
      hwload::v1::Assignment m;
      if (hwload::http::decode(req, m).is_ok()) (void)hwload::http::encode(m, hwload::http::Format::kJson);
      break;
    }
    case 4: {
      std::string path;
      std::map<std::string, std::string> query;
      if (hwload::http::split_target(req.body, path, query)) {
        hwload::http::Router router;
        router.add("GET", "/v1/schools/{school_id}/classes/{class_id}/load", {});
        router.add("POST", "/v1/breaches/{breach_id}:acknowledge", {});
        (void)router.match("GET", path);
        (void)router.match("POST", path);
      }
      break;
    }
    case 5:
      (void)hwload::cli::parse_csv(req.body);
      break;
    case 6: {
      hwload::v1::Subscription m;
      (void)hwload::http::decode(req, m);
      break;
    }
    default: {
      hwload::v1::School m;
      (void)hwload::http::decode(req, m);
      break;
    }
  }
  return 0;
}
