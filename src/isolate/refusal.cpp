#include "isolate/refusal.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace cloister::refusal {
namespace {

// The first line of a /proc file, "" when it cannot be read (absent on this kernel).
std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// A field of /proc/self/status ("Seccomp" -> "2").
std::string status_field(const std::string& name) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      const auto start = line.find_first_not_of(" \t", name.size() + 1);
      return start == std::string::npos ? "" : line.substr(start);
    }
  return "";
}

bool same_file(const char* a, const char* b) {
  struct stat sa {
  }, sb{};
  return ::stat(a, &sa) == 0 && ::stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Root may compare its root with that of PID 1 in the same mount namespace: a different one
// means chrooted, even into a mount point.
bool root_differs_from_init() {
  return same_file("/proc/self/ns/mnt", "/proc/1/ns/mnt") && !same_file("/", "/proc/1/root/");
}

const char* kChroot =
    "cloister runs in a chroot: the kernel refuses user namespaces to chrooted processes, and "
    "a root that is not a mount point cannot have its mounts made private; run cloister "
    "outside the chroot (or enter the directory with pivot_root, as containers do), or as "
    "root with --sandbox=chroot";

// Causes other than a chroot, most specific first.
std::string other_cause(int err) {
  if (first_line("/proc/sys/user/max_user_namespaces") == "0")
    return "user namespaces are disabled here: sysctl user.max_user_namespaces is 0";
  if (::geteuid() != 0 && first_line("/proc/sys/kernel/unprivileged_userns_clone") == "0")
    return "unprivileged user namespaces are disabled here: sysctl "
           "kernel.unprivileged_userns_clone is 0";
  if (first_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1")
    return "AppArmor restricts unprivileged user namespaces here "
           "(kernel.apparmor_restrict_unprivileged_userns = 1): a profile for cloister that "
           "allows userns, or that sysctl at 0, lifts it";
  if (status_field("Seccomp") == "2")
    return "a seccomp filter on cloister's own process refuses it (a container's profile, such "
           "as Docker's default, denies namespace creation): run the container with a profile "
           "that allows it";
  if (err == ENOSPC || err == EUSERS)
    return "the limit on nested or total namespaces is reached (sysctl user.max_*_namespaces)";
  return "the kernel refused to create the namespaces (a container?)";
}

}  // namespace

bool root_is_not_a_mount_point() {
  // Mount points are shown relative to this process's root; a mount on the root itself
  // shows as "/". None does when the root is a directory inside some mount (a chroot).
  std::ifstream in("/proc/self/mountinfo");
  if (!in) return false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    fields >> id >> parent >> devno >> root >> mount_point;
    if (mount_point == "/") return false;
  }
  return true;
}

std::string cause(int err) {
  if (root_is_not_a_mount_point() || (::geteuid() == 0 && root_differs_from_init())) return kChroot;
  return other_cause(err) + "; --sandbox=auto falls back to chroot mode where they are refused";
}

}  // namespace cloister::refusal
