#include "app/read_pool.h"

#include "hwload/thread_name.h"

namespace hwload::app {

ReadPool::ReadPool(std::vector<http::RequestHandler> handlers) : handlers_(std::move(handlers)) {
  threads_.reserve(handlers_.size());
  for (std::size_t i = 0; i < handlers_.size(); ++i) {
    threads_.emplace_back([this, i] {
      name_this_thread("hwload-read-" + std::to_string(i));
      run(handlers_[i]);
    });
  }
}

ReadPool::~ReadPool() { stop(); }

void ReadPool::post(http::Work work) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(work));
  }
  ready_.notify_one();
}

void ReadPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ReadPool::run(const http::RequestHandler& handler) {
  for (;;) {
    http::Work job;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.reply(job.run(handler));
  }
}

}  // namespace hwload::app
