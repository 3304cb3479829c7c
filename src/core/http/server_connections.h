// The open connections of one listener: enforces max_connections and lets
// stop() close every one of them. Thread safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace acmekit::http {

// Something close_all() can close from any thread.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void close() = 0;
};

class Connections {
 public:
  explicit Connections(std::size_t max) : max_(max) {}

  // Registers a new connection. Returns its id (never 0), or 0 when the
  // limit is reached or close_all() has run: the caller then drops it.
  uint64_t admit(std::weak_ptr<Connection> connection);
  // Unregisters id (a connection's destructor calls this; 0 is ignored).
  void remove(uint64_t id);
  // Refuses new connections from now on and closes the open ones.
  void close_all();
  // Waits until no connection is left, at most `timeout`; true if none is.
  bool wait_empty(std::chrono::milliseconds timeout);

 private:
  const std::size_t max_;
  std::mutex mu_;
  std::condition_variable empty_;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> open_;
  uint64_t next_id_ = 1;
  bool closing_ = false;
};

}  // namespace acmekit::http
