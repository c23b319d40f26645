#include "isolate/landlock.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "kernel/fd.hpp"

namespace cloister::landlock {
namespace {

// UAPI (linux/landlock.h, newer than the 6.1 headers): defined here, probed at run time.
constexpr std::uint64_t kExecute = 1ULL << 0, kWriteFile = 1ULL << 1, kReadFile = 1ULL << 2,
                        kReadDir = 1ULL << 3, kRemoveDir = 1ULL << 4, kRemoveFile = 1ULL << 5,
                        kMakeChar = 1ULL << 6, kMakeDir = 1ULL << 7, kMakeReg = 1ULL << 8,
                        kMakeSock = 1ULL << 9, kMakeFifo = 1ULL << 10, kMakeBlock = 1ULL << 11,
                        kMakeSym = 1ULL << 12, kRefer = 1ULL << 13, kTruncate = 1ULL << 14,
                        kIoctlDev = 1ULL << 15;
constexpr std::uint64_t kNetBindTcp = 1ULL << 0, kNetConnectTcp = 1ULL << 1;
constexpr std::uint64_t kScopeAbstractUnix = 1ULL << 0, kScopeSignal = 1ULL << 1;
constexpr int kRulePathBeneath = 1, kRuleNetPort = 2;

struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};
struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};
struct NetPortAttr {
  std::uint64_t allowed_access;
  std::uint64_t port;
};

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

// Every filesystem right the ABI knows: handled, so denied unless a rule grants it.
std::uint64_t fs_rights(int abi) {
  std::uint64_t rights = kExecute | kWriteFile | kReadFile | kReadDir | kRemoveDir | kRemoveFile |
                         kMakeChar | kMakeDir | kMakeReg | kMakeSock | kMakeFifo | kMakeBlock |
                         kMakeSym;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

std::uint64_t rights_of(const LandlockPolicy::PathRule& r, int abi) {
  std::uint64_t rights = 0;
  if (r.read) rights |= kReadFile | kReadDir;
  if (r.write)
    rights |= kWriteFile | kRemoveDir | kRemoveFile | kMakeChar | kMakeDir | kMakeReg | kMakeSock |
              kMakeFifo | kMakeBlock | kMakeSym | kRefer | kTruncate;
  if (r.exec) rights |= kExecute | kReadFile;
  if (r.ioctl_dev) rights |= kIoctlDev;
  return rights & fs_rights(abi);
}

bool wants_net(const LandlockPolicy& p) {
  return p.restrict_tcp || !p.bind_ports.empty() || !p.connect_ports.empty();
}

Status add_path_rule(int ruleset, const LandlockPolicy::PathRule& r, int abi) {
  UniqueFd fd(::open(r.path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd && r.implicit && errno == ENOENT) return ok_status();  // a sandbox without that node
  if (!fd)
    return Error{"landlock", "open", r.path, errno, "the path must exist inside the sandbox"};
  std::uint64_t rights = rights_of(r, abi);
  // A rule on a file (not a directory) may only carry file rights.
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && !S_ISDIR(st.st_mode))
    rights &= kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
  PathBeneathAttr attr{rights, fd.get()};
  if (::syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &attr, 0) != 0)
    return Error{"landlock", "landlock_add_rule", r.path, errno, ""};
  return ok_status();
}

Status add_port_rule(int ruleset, std::uint16_t port, std::uint64_t access) {
  NetPortAttr attr{access, port};
  if (::syscall(SYS_landlock_add_rule, ruleset, kRuleNetPort, &attr, 0) != 0)
    return Error{"landlock", "landlock_add_rule", "port " + std::to_string(port), errno, ""};
  return ok_status();
}

}  // namespace

Status apply(const LandlockPolicy& p, int abi) {
  if (abi <= 0) return ok_status();
  RulesetAttr attr{};
  if (!p.paths.empty()) attr.handled_access_fs = fs_rights(abi);
  if (abi >= 4 && wants_net(p)) attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
  if (abi >= 6) {
    if (p.scope_abstract_unix) attr.scoped |= kScopeAbstractUnix;
    if (p.scope_signal) attr.scoped |= kScopeSignal;
  }
  // Older kernels reject fields they do not know: pass only the prefix the ABI has.
  const std::size_t size = abi >= 6   ? sizeof attr
                           : abi >= 4 ? 2 * sizeof(std::uint64_t)
                                      : sizeof(std::uint64_t);
  if (attr.handled_access_fs == 0 && attr.handled_access_net == 0 && attr.scoped == 0)
    return ok_status();
  UniqueFd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, size, 0)));
  if (!ruleset) return Error{"landlock", "landlock_create_ruleset", "", errno, ""};
  for (const auto& r : p.paths) CLOISTER_TRY(add_path_rule(ruleset.get(), r, abi));
  if (attr.handled_access_net) {
    for (auto port : p.bind_ports) CLOISTER_TRY(add_port_rule(ruleset.get(), port, kNetBindTcp));
    for (auto port : p.connect_ports)
      CLOISTER_TRY(add_port_rule(ruleset.get(), port, kNetConnectTcp));
  }
  // The kernel wants no_new_privs here unless the caller holds CAP_SYS_ADMIN, which root in
  // a container may lack; every sandbox gets no_new_privs anyway, so it is set already now.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return Error{"landlock", "prctl(PR_SET_NO_NEW_PRIVS)", "", errno, ""};
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0)
    return Error{"landlock", "landlock_restrict_self", "", errno,
                 errno == EPERM ? "needs no_new_privs or CAP_SYS_ADMIN" : ""};
  return ok_status();
}

}  // namespace cloister::landlock
