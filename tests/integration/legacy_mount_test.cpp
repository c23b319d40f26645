// The mount(2) fallback for kernels without the new mount API, forced on this kernel with
// CLOISTER_LEGACY_MOUNT_API=1: the same guarantees must hold on that path.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace cloister_it {
namespace {

RunOptions legacy() {
  RunOptions options;
  options.env = default_env();
  options.env->push_back("CLOISTER_LEGACY_MOUNT_API=1");
  return options;
}

TEST(LegacyMountApi, ReadOnlyBindsCoverSubmounts) {
  TempDir dir;
  dir.write("file", "x\n");
  auto r = run_sandbox({"--ro-bind", dir.path(), "/data", "--ro-bind", "/dev", "/hostdev"},
                       {"write", "/data/new", "+", "write", "/hostdev/shm/cloister-legacy-test"},
                       legacy());
  EXPECT_EQ(r.value("write:/data/new"), "EROFS") << r.describe();
  EXPECT_EQ(r.value("write:/hostdev/shm/cloister-legacy-test"), "EROFS") << r.describe();
  EXPECT_FALSE(exists(dir / "new"));
  EXPECT_FALSE(exists("/dev/shm/cloister-legacy-test"));
}

TEST(LegacyMountApi, TmpfsProcDevAndWritableBinds) {
  TempDir dir;
  dir.writable_by_sandbox();
  auto r = run_sandbox({"--bind", dir.path(), "/data", "--size", "1M", "--tmpfs", "/t"},
                       {"write", "/data/new", "+", "write", "/t/x", "+", "pids", "+", "ls", "/dev"},
                       legacy());
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("write:/data/new"), "ok") << r.describe();
  EXPECT_EQ(r.value("write:/t/x"), "ok") << r.describe();
  EXPECT_EQ(r.value("pid"), "2") << r.describe();
  EXPECT_NE(r.value("entries:/dev").find("null"), std::string::npos) << r.describe();
  EXPECT_TRUE(exists(dir / "new"));
}

TEST(LegacyMountApi, DefaultRootIsSealed) {
  RunOptions options = legacy();
  auto r =
      run_default({}, {"write", "/x", "+", "write", "/usr/x", "+", "write", "/tmp/x"}, options);
  EXPECT_EQ(r.value("write:/x"), "EROFS") << r.describe();
  EXPECT_EQ(r.value("write:/usr/x"), "EROFS") << r.describe();
  EXPECT_EQ(r.value("write:/tmp/x"), "ok") << r.describe();
}

}  // namespace
}  // namespace cloister_it
