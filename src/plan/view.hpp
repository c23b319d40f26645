// A model of the sandbox's filesystem as a plan builds it, read from the plan's steps and the
// host (what binds show), to tell after a failure what a path inside the sandbox is and why
// it is missing. Looks only; changes nothing. Approximate where the sandbox itself decides
// (/proc, the insides of /dev/pts): those count as present.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"

namespace cloister::view {

struct Lookup {
  bool found = false;
  bool is_dir = false;
  std::string path;                // where resolution ended, inside the sandbox
  std::string host;                // the host object it shows, when it comes from a bind
  std::vector<std::string> chain;  // symlinks followed on the way: "/bin -> usr/bin"
  const FsStep* mount = nullptr;   // the mount it lies in (nullptr: the root tmpfs)
  // When missing: why, in words ("nothing is bound or created at /opt").
  std::string why;
  // When missing: the host object that would fill the gap, if the host has one.
  std::string host_candidate;
  bool looped = false;  // too many symlinks
};

class Model {
 public:
  explicit Model(const Plan& plan) : plan_(plan) {}

  // Resolves `path` (absolute) as the sandbox would, symlinks included (the last one too
  // unless `follow_last` is false).
  Lookup resolve(const std::string& path, bool follow_last = true) const;

  // The contents of the file at `path` as the sandbox would read them (from the host file a
  // bind shows, or the data of --file/--bind-data); nullopt when missing or unreadable.
  std::optional<std::string> contents(const std::string& path) const;

  // The top of the sandbox's root, "bin -> usr/bin, dev, etc, ...".
  std::string root_listing() const;

  // True when the plan has no step of cloister's default view (--empty-root).
  bool empty_root() const;

  // "/a//b/" -> "/a/b", as the model compares paths.
  static std::string normalised(const std::string& path);

 private:
  struct Entry;
  Entry entry_at(const std::string& path) const;
  Entry inside_mount(const FsStep& mount, const std::string& path) const;

  const Plan& plan_;
};

}  // namespace cloister::view
