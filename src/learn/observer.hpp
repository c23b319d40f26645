// Turns one seccomp notification into what a profile needs: the syscall (with the argument
// value profiles condition on), the paths it opens, executes, creates, lists or removes
// (read from the caller's memory, resolved inside the sandbox) and the sockets it uses.
#pragma once

#include <functional>

#include "learn/recording.hpp"
#include "isolate/seccomp_notify.hpp"

namespace cloister::learn {

class Observer {
 public:
  explicit Observer(Recording& recording) : recording_(recording) {}

  // Reads the caller's memory, then asks `still_waiting` whether the caller still waits on
  // this notification (so what was read is its own, not a reused pid's) before keeping it.
  void observe(const seccomp::notify::Notification& n, const std::function<bool()>& still_waiting);

 private:
  Recording& recording_;
};

}  // namespace cloister::learn
