#include "learn/recording.hpp"

namespace cloister::learn {
namespace {

struct Conditioned {
  std::string_view name;
  int index;
};
// Every syscall a built-in base refines with conditions is here (a unit test checks it): a
// learned unconditional rule for one of them would override the base's denials.
constexpr Conditioned kConditioned[] = {{"socket", 0},     {"socketpair", 0}, {"ioctl", 1},
                                        {"clone", 0},      {"unshare", 0},    {"prctl", 0},
                                        {"personality", 0}};

}  // namespace

int conditioned_argument(std::string_view syscall) {
  for (const auto& c : kConditioned)
    if (c.name == syscall) return c.index;
  return -1;
}

void Recording::merge(const Recording& o) {
  syscalls.insert(o.syscalls.begin(), o.syscalls.end());
  for (const auto& [name, set] : o.values) values[name].insert(set.begin(), set.end());
  for (const auto& [path, use] : o.paths) paths[path].merge(use);
  tcp_bind.insert(o.tcp_bind.begin(), o.tcp_bind.end());
  tcp_connect.insert(o.tcp_connect.begin(), o.tcp_connect.end());
  inet |= o.inet;
  not_tcp |= o.not_tcp;
  abstract_unix |= o.abstract_unix;
  notifications += o.notifications;
}

}  // namespace cloister::learn
