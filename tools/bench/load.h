// The load generator's transport: N keep-alive HTTP/1.1 connections driven
// asynchronously on a few threads (one by default), each sending one request at a
// time and the next as soon as the answer is in. The requests and what their answers
// mean come from the client SDK's wire code (hwload::client::wire), the same the
// SDK's own calls use; only the socket work is here, so that the generator takes
// little of the cores it shares with the server it measures.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hwload/client/client.h"

namespace hwload::bench {

using Clock = std::chrono::steady_clock;

// What one connection saw.
struct Tally {
  std::vector<int64_t> latency_ns;  // of the requests that succeeded
  int64_t requests = 0, failed = 0, records = 0;
  int64_t resent = 0;  // sent again on a new connection: the server had closed the kept-alive one
  std::vector<std::string> acked;  // assignment ids acknowledged (stored)
  std::string first_error;
};

void fail(Tally& t, const std::string& what);

// A request and what its answer means: `answer` returns true when the request
// succeeded, false (with `error` set) when it did not. It may count records and
// acknowledged ids in the tally.
struct Exchange {
  client::wire::Request request;
  std::function<bool(const client::RawResponse& raw, Tally& tally, std::string& error)> answer;
};

struct LoadOptions {
  std::string base_url;  // http://HOST:PORT or https://HOST:PORT
  std::string token;     // sent as `Authorization: Bearer`; empty: none
  std::string ca_file;   // extra CAs for https
  int connections = 64;
  int threads = 1;
  Clock::time_point stop_at;
  std::chrono::seconds timeout{30};  // per request
};

// Runs the connections until `stop_at` or until `next(connection)` has no more
// exchanges for each; tallies[i] gets connection i's counts. A connection that fails
// is counted as a failed request and opened again for its next one. Returns an error
// text when the load cannot start at all (bad URL, unresolvable host, unreadable CA
// file), else empty.
std::string run_load(const LoadOptions& options, const std::function<std::optional<Exchange>(int connection)>& next,
                     std::vector<Tally>& tallies);

}  // namespace hwload::bench
