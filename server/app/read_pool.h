// Reads apart from writes (issue 6): a few threads, each with its own read-only
// SQLite connection and the API over it, take the GET requests. WAL lets them read
// beside the writer, so a read never waits for a group commit, and the store
// thread only writes.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "http/server.h"

namespace hwload::app {

class ReadPool {
 public:
  // One thread per handler; handler i is used only by thread i.
  explicit ReadPool(std::vector<http::RequestHandler> handlers);
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // From any thread: queues a read for the next free reader.
  void post(http::Work work);
  // Answers what is queued, then joins the threads.
  void stop();

 private:
  void run(const http::RequestHandler& handler);

  std::vector<http::RequestHandler> handlers_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<http::Work> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hwload::app
