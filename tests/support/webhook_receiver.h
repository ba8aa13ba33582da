// Test support: a real HTTP receiver for webhooks, on port 0 in the test process,
// that can fail a share of attempts (500) and hang past the sender's timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hwload/v1/hwload.pb.h"
#include "support/certs.h"  // make_self_signed_cert, for https receivers

namespace hwload::testing {

class WebhookReceiver {
 public:
  struct Options {
    double fail_rate = 0;  // answer 500
    double hang_rate = 0;  // read the request, then answer nothing for `hang_for`, then close
    std::chrono::milliseconds hang_for{1500};
    std::chrono::milliseconds delay{0};  // before every answer
    uint32_t seed = 1;
    std::string fail_school;  // always answer 500 to alerts of this school
    // When set, the receiver speaks https with this certificate and key (PEM files).
    std::string tls_cert_file, tls_key_file;
  };
  struct Received {
    std::string alert_id;   // X-Hwload-Alert-Id
    std::string signature;  // X-Hwload-Signature
    std::string content_type;
    std::string body;
    v1::Alert alert;   // decoded from the body
    int answered = 0;  // status sent; 0 when it hung
  };

  explicit WebhookReceiver(Options options);
  ~WebhookReceiver();
  uint16_t port() const;
  std::string url(const std::string& path = "/hooks/hwload") const;  // http:// or https://
  std::vector<Received> received() const;                            // every attempt, in arrival order
  void set_options(Options options);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hwload::testing
