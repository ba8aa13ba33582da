#pragma once

#include <pthread.h>

#include <string>

namespace hwload {

// Names the calling thread for top -H, perf and /proc/PID/task/*/comm
// (at most 15 characters are kept).
inline void name_this_thread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace hwload
