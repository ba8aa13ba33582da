// Group commit (issue 6), as leveldb's DBImpl::Write does it: requests that wait
// for the store thread together are handled together. Their changes go into one
// SQLite transaction (each request's own transaction nests in it as a SAVEPOINT),
// which commits once, with one fsync, and only then is each answered. A request
// refused or rolled back inside the group changes nothing of the others.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "http/server.h"
#include "store/sqlite.h"

namespace hwload::app {

class GroupCommit {
 public:
  // Why a group could not be stored (SQLite's error), and how many changes it held:
  // each of them is answered 503.
  using Failed = std::function<void(const std::string& why, size_t changes)>;

  // Work runs on `store_io`'s thread, the only user of `db`, with `handler` (the
  // API over `db`). `committed`, when given, runs on that thread after each group
  // that committed changes, before its answers are sent; `failed` after each group
  // that could not be stored, before its 503s are sent.
  GroupCommit(boost::asio::io_context& store_io, store::Db& db, http::RequestHandler handler,
              std::function<void()> committed = {}, Failed failed = {})
      : store_io_(store_io),
        db_(db),
        handler_(std::move(handler)),
        committed_(std::move(committed)),
        failed_(std::move(failed)) {}

  // From any thread: queues the request; the store thread takes every queued one at
  // its next turn.
  void post(http::Work work);

  struct Counters {
    unsigned long long groups = 0, requests = 0, largest = 0;
  };
  Counters counters() const;

 private:
  void drain();  // on the store thread

  boost::asio::io_context& store_io_;
  store::Db& db_;
  http::RequestHandler handler_;
  std::function<void()> committed_;
  Failed failed_;
  mutable std::mutex mu_;
  std::vector<http::Work> queue_;
  bool scheduled_ = false;
  Counters counters_;
};

}  // namespace hwload::app
