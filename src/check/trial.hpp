// `cloister check` finds every answer by trying: each attempt runs in a throwaway child
// (forked, so namespaces it creates, filters it installs and ids it drops end with it) and
// reports which step failed and the errno.
#pragma once

#include <functional>
#include <string>

namespace cloister::check {

struct Attempt {
  int err = 0;       // 0: everything worked
  std::string step;  // the operation that failed ("unshare(CLONE_NEWUSER)")
  std::string note;  // what the attempt learned on the way (an ABI number, a version)
  bool ok() const { return err == 0; }
};

// Runs `body` in a forked child and returns what it reported; a child that dies without a
// report is an attempt that failed at "child" with EINTR, a hang past `timeout_ms` is killed.
Attempt in_child(const std::function<Attempt()>& body, int timeout_ms = 10000);

// errno as its symbol ("EPERM"); the number when unknown.
std::string errno_name(int err);

}  // namespace cloister::check
