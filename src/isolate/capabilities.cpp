#include "isolate/capabilities.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>

#include "kernel/capability_names.hpp"

namespace cloister::caps {
namespace {

// /proc/self/setgroups says "deny" (read into a fixed buffer: runs in the sandbox's child).
bool setgroups_denied() {
  const int fd = ::open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char text[16] = {};
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  return n >= 4 && std::string_view(text, 4) == "deny";
}

Error cap_error(const char* op, int err) { return Error{"capabilities", op, "", err, ""}; }

Status drop_bounding_except(std::uint64_t keep, int last) {
  for (int cap = 0; cap <= last; ++cap) {
    if (keep & (1ULL << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    // Without CAP_SETPCAP a drop fails even for a capability that is already gone.
    if (errno != EPERM || ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0)
      return cap_error("PR_CAPBSET_DROP", errno);
  }
  return ok_status();
}

Status capset(std::uint64_t effective, std::uint64_t permitted, std::uint64_t inheritable,
              const char* eperm_hint) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  for (std::size_t i = 0; i < 2; ++i) {
    auto half = [i](std::uint64_t set) { return static_cast<std::uint32_t>(set >> (32 * i)); };
    data[i] = {half(effective), half(permitted), half(inheritable)};
  }
  if (::syscall(SYS_capset, &header, data.data()) != 0) {
    auto e = cap_error("capset", errno);
    if (e.err == EPERM) e.hint = eperm_hint;
    return e;
  }
  return ok_status();
}

Status set_three(std::uint64_t effective_permitted, std::uint64_t inheritable) {
  return capset(effective_permitted, effective_permitted, inheritable,
                "a capability to keep (--cap-add) is not held by cloister");
}

// tolerant: the kernel refuses (EPERM) a capability missing from the inheritable set; it
// stays out of the ambient set, as in bubblewrap. Any other failure is an error.
Status raise_ambient(std::uint64_t keep, int last, bool tolerant) {
  for (int cap = 0; cap <= last; ++cap) {
    if (!(keep & (1ULL << cap))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0) continue;
    if (tolerant && (errno == EPERM || errno == EINVAL)) continue;
    return Error{"capabilities", "PR_CAP_AMBIENT_RAISE", std::string(name_of(cap)), errno, ""};
  }
  return ok_status();
}

}  // namespace

Status apply_keep_only(std::uint64_t keep, bool only_if_permitted, bool sets_as_caller) {
  if (only_if_permitted) keep &= permitted_now();
  const int last = last_cap();
  CLOISTER_TRY(drop_bounding_except(keep, last));
  if (!only_if_permitted) {
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
      return cap_error("PR_CAP_AMBIENT_CLEAR_ALL", errno);
    CLOISTER_TRY(set_three(keep, keep));
    return raise_ambient(keep, last, false);
  }
  // bubblewrap's rule for uid 0: without --cap-add/--cap-drop the caller's sets stay as they
  // are (inheritable and ambient included); with them, all three become what is kept.
  if (!sets_as_caller) CLOISTER_TRY(set_three(keep, keep));
  return raise_ambient(keep, last, true);
}

Status apply_sets(const CapabilitySets& sets) {
  const int last = last_cap();
  CLOISTER_TRY(drop_bounding_except(sets.bounding, last));
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return cap_error("PR_CAP_AMBIENT_CLEAR_ALL", errno);
  CLOISTER_TRY(capset(sets.effective, sets.permitted, sets.inheritable,
                      "a permitted capability is not held by the runtime, or an inheritable one "
                      "is not in the bounding set"));
  return raise_ambient(sets.ambient, last, false);
}

Status keep_only_a_guard() {
  constexpr int kGuard = CAP_WAKE_ALARM;  // alarms that wake a suspended machine: harmless
  const int last = last_cap();
  if (last < kGuard || !(permitted_now() & (std::uint64_t{1} << kGuard))) return apply_keep_only(0);
  const std::uint64_t guard = std::uint64_t{1} << kGuard;
  CLOISTER_TRY(drop_bounding_except(guard, last));
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
    return cap_error("PR_CAP_AMBIENT_CLEAR_ALL", errno);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  data[1].permitted = static_cast<std::uint32_t>(guard >> 32);
  if (::syscall(SYS_capset, &header, data.data()) != 0) return cap_error("capset", errno);
  return ok_status();
}

Status set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return Error{"no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)", "", errno, ""};
  return ok_status();
}

Status switch_ids_keeping_caps(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return cap_error("PR_SET_KEEPCAPS", errno);
  // In a user namespace whose setgroups is denied (an unprivileged caller's, which mapped its
  // own gid) no process can change its groups: one entering it (OCI exec) keeps those it came
  // with, as the namespace's first process did. Only groups asked for are then an error.
  if (::setgroups(groups.size(), groups.data()) != 0) {
    const int err = errno;
    if (!(err == EPERM && groups.empty() && setgroups_denied()))
      return Error{"host ids", "setgroups", "", err, ""};
  }
  if (::setresgid(gid, gid, gid) != 0)
    return Error{"host ids", "setresgid", std::to_string(gid), errno, ""};
  if (::setresuid(uid, uid, uid) != 0)
    return Error{"host ids", "setresuid", std::to_string(uid), errno, ""};
  ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return cap_error("capget", errno);
  for (auto& d : data) d.effective = d.permitted;
  if (::syscall(SYS_capset, &header, data.data()) != 0) return cap_error("capset", errno);
  return ok_status();
}

}  // namespace cloister::caps
