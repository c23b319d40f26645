#include "plan/features.hpp"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "kernel/rlimit_names.hpp"

namespace cloister {

namespace landlock {
namespace {

constexpr unsigned kCreateRulesetVersion = 1U << 0;

bool wants_net(const LandlockPolicy& p) {
  return p.restrict_tcp || !p.bind_ports.empty() || !p.connect_ports.empty();
}

}  // namespace

int abi() {
  long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return v < 0 ? 0 : static_cast<int>(v);
}

std::vector<std::string> unenforceable(const LandlockPolicy& p, int abi) {
  std::vector<std::string> out;
  auto need = [&](bool wanted, int version, const std::string& what) {
    if (wanted && abi < version)
      out.push_back(what + ": needs Landlock ABI " + std::to_string(version) + ", the kernel has " +
                    (abi ? std::to_string(abi) : std::string("no Landlock")));
  };
  need(!p.paths.empty(), 1, "filesystem rules (--landlock-read/-write/-exec)");
  bool ioctl = false, write = false;
  // cloister's own grants (the terminal's ioctls) are not something the user asked for.
  for (const auto& r : p.paths)
    if (!r.implicit) ioctl |= r.ioctl_dev, write |= r.write;
  need(ioctl, 5, "device ioctl rules (--landlock-ioctl-dev)");
  need(wants_net(p), 4, "TCP port rules (--allow-bind/--allow-connect)");
  need(p.scope_abstract_unix, 6, "the abstract-unix scope");
  need(p.scope_signal, 6, "the signal scope");
  return out;
}

}  // namespace landlock

namespace rlimits {
namespace {

bool caller_has_sys_resource() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return false;
  return data[CAP_SYS_RESOURCE / 32].effective & (1U << (CAP_SYS_RESOURCE % 32));
}

std::string text_of(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

Status check_against_caller(const RlimitSetting& s, const std::string& origin) {
  rlimit current{};
  if (::getrlimit(s.resource, &current) != 0)
    return Error{origin, "getrlimit", std::string(name_of(s.resource)), errno, ""};
  if (s.hard > current.rlim_max && !caller_has_sys_resource())
    return Error{origin, "hard limit above the caller's",
                 std::string(name_of(s.resource)) + "=" + text_of(s.hard), EPERM,
                 "the caller's hard limit is " + text_of(current.rlim_max) +
                     "; raising it needs CAP_SYS_RESOURCE"};
  return ok_status();
}

}  // namespace rlimits

}  // namespace cloister
