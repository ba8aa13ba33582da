#include "app/group_commit.h"

#include <boost/asio/post.hpp>

#include "http/codec.h"

namespace hwload::app {
void GroupCommit::post(http::Work work) {
  bool schedule = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(work));
    schedule = !std::exchange(scheduled_, true);
  }
  if (schedule) boost::asio::post(store_io_, [this] { drain(); });
}

GroupCommit::Counters GroupCommit::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void GroupCommit::drain() {
  std::vector<http::Work> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(queue_);
    scheduled_ = false;
  }
  std::vector<http::Work*> writes;
  // Reads see only what is committed: they run first, outside the group.
  for (auto& job : jobs) {
    if (!job.request->may_change()) {
      job.reply(job.run(handler_));
    } else {
      writes.push_back(&job);
    }
  }
  if (writes.empty()) return;
  {
    std::lock_guard lock(mu_);
    counters_.groups += 1;
    counters_.requests += writes.size();
    counters_.largest = std::max<unsigned long long>(counters_.largest, writes.size());
  }
  std::vector<http::Response> answers;
  answers.reserve(writes.size());
  bool committed = false;
  std::string why;
  try {
    store::Transaction group(db_);
    for (auto* job : writes) {
      answers.push_back(job->run(handler_));
      // A failure SQLite answers by rolling back the whole transaction (a full
      // disk, an I/O error): what the group did so far is gone.
      if (!db_.in_transaction()) throw store::StoreError(0, "the group's transaction was rolled back");
    }
    group.commit();
    committed = true;
  } catch (const store::StoreError& e) {
    committed = false;
    why = e.what();
  }
  if (committed && committed_) committed_();
  if (!committed && failed_) failed_(why, writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    if (committed) {
      writes[i]->reply(std::move(answers[i]));
    } else {
      writes[i]->reply(http::respond_error(
          *writes[i]->request, Status(Code::kUnavailable, "storage is unavailable; nothing was stored")));
    }
  }
}

}  // namespace hwload::app
