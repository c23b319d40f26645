// Filesystem isolation (child side): private mounts, a fresh tmpfs root built from the plan's
// steps, pivot_root into it with the old root detached; or chroot for chroot mode.
#pragma once

#include <vector>

#include "cloister/error.hpp"
#include "kernel/fd.hpp"
#include "plan/plan.hpp"

namespace cloister::fs {

// State while the root is built. The host's root is reachable under /oldroot until
// finish() detaches it; the new root is a tmpfs mounted on /newroot.
class RootBuilder {
 public:
  // Makes every mount private (nothing propagates back to the host), mounts the scratch
  // tmpfs and pivots into it.
  static Result<RootBuilder> begin();

  Status apply(const FsStep& step);

  // Detaches the host's root and pivots into the new root; chdir to `cwd`, or when that
  // does not exist and `cwd_required` is false, to `fallback` and then "/".
  Status finish(const std::string& cwd, bool cwd_required, const std::string& fallback);

  // Lock-file descriptors, held for as long as the sandbox lives.
  std::vector<UniqueFd>& held_fds() { return held_; }

 private:
  UniqueFd root_;  // /newroot
  std::vector<UniqueFd> held_;
  unsigned data_files_ = 0;
};

// Chroot mode: chroot(dir) and chdir("/") (the caller drops CAP_SYS_CHROOT afterwards).
Status enter_chroot(const std::string& dir, const std::string& cwd);

}  // namespace cloister::fs
