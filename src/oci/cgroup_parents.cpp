#include "oci/cgroup_parents.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "plan/cgroup_plan.hpp"

namespace cloister::oci {
namespace {

// The cgroup filesystems cloister may make a container's directory in: the v2 mount and the
// v1 hierarchies a container joins (plan/cgroup_plan.hpp: joinable_v1_mount).
std::vector<std::string> cgroup_mounts() {
  std::vector<std::string> mounts;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, point, word;
    fields >> id >> parent >> devno >> root >> point;
    while (fields >> word && word != "-") {
    }
    std::string fstype, source, options;
    fields >> fstype >> source >> options;
    if (fstype == "cgroup2") {
      mounts.push_back(point);
    } else if (fstype == "cgroup") {
      if (joinable_v1_mount(options)) mounts.push_back(point);
    }
  }
  return mounts;
}

}  // namespace

Result<std::vector<std::string>> make_cgroup_parents(const std::string& parent) {
  std::vector<std::string> made;
  if (parent.empty() || parent == "/") return made;
  for (const auto& mount : cgroup_mounts()) {
    std::string dir = mount;
    std::istringstream parts(parent);
    for (std::string part; std::getline(parts, part, '/');) {
      if (part.empty()) continue;
      dir += "/" + part;
      if (::mkdir(dir.c_str(), 0755) == 0) {
        made.push_back(dir);
        continue;
      }
      if (errno == EEXIST) continue;
      const int err = errno;
      remove_cgroup_parents(made);
      return Error{"cgroup parent", "mkdir", dir, err,
                   "linux.cgroupsPath's parent must be creatable by the runtime"};
    }
  }
  return made;
}

void remove_cgroup_parents(const std::vector<std::string>& made) {
  for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
}

}  // namespace cloister::oci
