#include "kernel/capability_names.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <string>

namespace cloister::caps {
namespace {

constexpr std::array<std::string_view, 41> kNames = {"chown",
                                                     "dac_override",
                                                     "dac_read_search",
                                                     "fowner",
                                                     "fsetid",
                                                     "kill",
                                                     "setgid",
                                                     "setuid",
                                                     "setpcap",
                                                     "linux_immutable",
                                                     "net_bind_service",
                                                     "net_broadcast",
                                                     "net_admin",
                                                     "net_raw",
                                                     "ipc_lock",
                                                     "ipc_owner",
                                                     "sys_module",
                                                     "sys_rawio",
                                                     "sys_chroot",
                                                     "sys_ptrace",
                                                     "sys_pacct",
                                                     "sys_admin",
                                                     "sys_boot",
                                                     "sys_nice",
                                                     "sys_resource",
                                                     "sys_time",
                                                     "sys_tty_config",
                                                     "mknod",
                                                     "lease",
                                                     "audit_write",
                                                     "audit_control",
                                                     "setfcap",
                                                     "mac_override",
                                                     "mac_admin",
                                                     "syslog",
                                                     "wake_alarm",
                                                     "block_suspend",
                                                     "audit_read",
                                                     "perfmon",
                                                     "bpf",
                                                     "checkpoint_restore"};

}  // namespace

std::optional<int> from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("cap_", 0) == 0) lower.erase(0, 4);
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == lower) return static_cast<int>(i);
  return std::nullopt;
}

std::string_view name_of(int cap) {
  if (cap < 0 || static_cast<std::size_t>(cap) >= kNames.size()) return "unknown";
  return kNames[static_cast<std::size_t>(cap)];
}

int last_cap() {
  // Probed once per process; resolve() calls it in the parent so the child inherits it. The
  // kernel says it in one file; without /proc, PR_CAPBSET_READ is asked cap by cap (EINVAL
  // past the last one).
  static const int last = [] {
    int from_proc = -1;
    if (std::FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
      if (std::fscanf(f, "%d", &from_proc) != 1) from_proc = -1;
      std::fclose(f);
    }
    if (from_proc >= 0 && from_proc < 64) return from_proc;
    int cap = 0;
    while (cap < 63 && ::prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0) ++cap;
    return cap;
  }();
  return last;
}

std::uint64_t permitted_now() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return 0;
  return static_cast<std::uint64_t>(data[0].permitted) |
         (static_cast<std::uint64_t>(data[1].permitted) << 32);
}

}  // namespace cloister::caps
