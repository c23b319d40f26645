// `features`: what this runtime supports, in the runtime spec's features document. Engines
// read it to decide what they may ask; the unit tests check each entry against the reader.
#include <iostream>

#include "kernel/capability_names.hpp"
#include "oci/features.hpp"
#include "oci/runtime.hpp"

namespace cloister::oci {

const std::vector<std::string>& supported_mount_options() {
  static const std::vector<std::string> options = {
      "ro",         "rw",         "noexec",        "exec",          "bind",    "rbind",
      "dev",        "nosuid",     "nodev",         "private",       "rprivate", "slave",
      "rslave",     "relatime",   "norelatime",    "strictatime",   "nostrictatime",
      "noatime",    "atime",      "nodiratime",    "diratime",      "sync",    "async",
      "tmpcopyup"};
  return options;
}

Json features_json() {
  Json caps = Json::array();
  for (int cap = 0; cap <= caps::last_cap(); ++cap) {
    std::string name = "CAP_";
    for (char ch : caps::name_of(cap)) name += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    caps.push_back(name);
  }
  return Json{
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", "1.1.0"},
      {"hooks", {"prestart", "createRuntime", "poststart", "poststop"}},
      {"mountOptions", supported_mount_options()},
      {"linux",
       {{"namespaces", {"pid", "network", "mount", "ipc", "uts", "user", "cgroup"}},
        {"capabilities", caps},
        {"cgroup", {{"v1", true}, {"v2", true}, {"systemd", false}, {"systemdUser", false}}},
        {"seccomp",
         {{"enabled", true},
          {"actions",
           {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG"}},
          {"operators",
           {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_GT",
            "SCMP_CMP_GE", "SCMP_CMP_MASKED_EQ"}}}},
        {"apparmor", {{"enabled", false}}},
        {"selinux", {{"enabled", false}}}}},
      {"annotations",
       {{"org.cloister.version", CLOISTER_VERSION},
        {"org.cloister.landlock", "read, write, exec, ioctl-dev (paths), scope, mode"},
        {"org.cloister.profile",
         "a cloister profile (shipped name or absolute path): its seccomp filter stacked, its "
         "Landlock rules, its lower rlimits"}}}};
}

int features() {
  std::cout << features_json().dump(2) << std::endl;
  return 0;
}

}  // namespace cloister::oci
