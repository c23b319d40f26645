#include <cstdio>

#include "plan/plan.hpp"

namespace cloister {
namespace {

std::string octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode));
  return buf;
}

struct Describer {
  std::string operator()(const step::Bind& s) const {
    const auto name = s.option.rfind("--", 0) == 0 ? s.option.substr(2) : s.option;
    return name + " " + s.source + " -> " + s.dest + (s.noexec ? " (noexec)" : "");
  }
  std::string operator()(const step::RemountRo& s) const { return "remount-ro " + s.dest; }
  std::string operator()(const step::Tmpfs& s) const {
    return "tmpfs " + s.dest + " (mode " + octal(s.mode) +
           (s.size ? ", size " + std::to_string(*s.size) : std::string()) +
           (s.read_only ? ", read-only" : "") + (s.noexec ? ", noexec" : "") + ")";
  }
  std::string operator()(const step::Proc& s) const {
    return "proc " + s.dest + (s.knobs_read_only ? "" : " (sys, sysrq-trigger, irq, bus writable)");
  }
  std::string operator()(const step::Dev& s) const { return "dev " + s.dest; }
  std::string operator()(const step::Mqueue& s) const { return "mqueue " + s.dest; }
  std::string operator()(const step::Dir& s) const {
    return "dir " + s.dest + " (mode " + octal(s.mode) + ")";
  }
  std::string operator()(const step::Symlink& s) const {
    return "symlink " + s.dest + " -> " + s.target;
  }
  std::string operator()(const step::File& s) const {
    return "file " + s.dest + " (" + std::to_string(s.data.size()) + " bytes, mode " +
           octal(s.mode) + ")";
  }
  std::string operator()(const step::BindData& s) const {
    return std::string(s.read_only ? "ro-bind-data " : "bind-data ") + s.dest + " (" +
           std::to_string(s.data.size()) + " bytes)";
  }
  std::string operator()(const step::Chmod& s) const {
    return "chmod " + octal(s.mode) + " " + s.path;
  }
  std::string operator()(const step::LockFile& s) const { return "lock-file " + s.dest; }
  std::string operator()(const step::SealRoot&) const { return "remount-ro / (root only)"; }
  std::string operator()(const step::Sysfs& s) const {
    return "sysfs " + s.dest + (s.read_only ? " (read-only)" : "");
  }
  std::string operator()(const step::CgroupFs& s) const {
    return "cgroup2 " + s.dest + (s.read_only ? " (read-only)" : "");
  }
};

}  // namespace

std::string describe(const FsStep& s) { return std::visit(Describer{}, s); }

}  // namespace cloister
