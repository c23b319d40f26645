// describe() for every step kind and Error::message()'s format.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "cloister/error.hpp"
#include "plan/plan.hpp"

namespace cloister {
namespace {

TEST(Describe, Bind) {
  step::Bind ro;
  ro.source = "/usr";
  ro.dest = "/usr";
  ro.read_only = true;
  ro.option = "--ro-bind";
  EXPECT_EQ(describe(ro), "ro-bind /usr -> /usr");

  step::Bind plain;  // option defaults to --bind
  plain.source = "/home/u/src";
  plain.dest = "/src";
  EXPECT_EQ(describe(plain), "bind /home/u/src -> /src");

  step::Bind dev_try;
  dev_try.source = "/dev/dri";
  dev_try.dest = "/dev/dri";
  dev_try.devices = true;
  dev_try.option = "--dev-bind-try";
  EXPECT_EQ(describe(dev_try), "dev-bind-try /dev/dri -> /dev/dri");

  step::Bind by_fd;
  by_fd.source = "/srv/data";
  by_fd.dest = "/data";
  by_fd.option = "--ro-bind-fd";
  EXPECT_EQ(describe(by_fd), "ro-bind-fd /srv/data -> /data");
}

TEST(Describe, MountsAndDirectories) {
  EXPECT_EQ(describe(step::RemountRo{"/etc"}), "remount-ro /etc");
  EXPECT_EQ(describe(step::Tmpfs{"/tmp", 01777, {}}), "tmpfs /tmp (mode 1777)");
  EXPECT_EQ(describe(step::Tmpfs{"/run", 0755, 1048576}), "tmpfs /run (mode 0755, size 1048576)");
  EXPECT_EQ(describe(step::Tmpfs{"/x", 0, {}}), "tmpfs /x (mode 0000)");
  EXPECT_EQ(describe(step::Proc{"/proc"}), "proc /proc");
  EXPECT_EQ(describe(step::Dev{"/dev", "", std::nullopt}), "dev /dev");
  EXPECT_EQ(describe(step::Mqueue{"/dev/mqueue"}), "mqueue /dev/mqueue");
  EXPECT_EQ(describe(step::Dir{"/var", 0755}), "dir /var (mode 0755)");
  EXPECT_EQ(describe(step::Dir{"/private", 0700}), "dir /private (mode 0700)");
}

TEST(Describe, LinksFilesAndTheRest) {
  EXPECT_EQ(describe(step::Symlink{"usr/bin", "/bin"}), "symlink /bin -> usr/bin");
  EXPECT_EQ(describe(step::File{"/etc/motd", "hello", 0644}),
            "file /etc/motd (5 bytes, mode 0644)");
  EXPECT_EQ(describe(step::File{"/empty", "", 0666}), "file /empty (0 bytes, mode 0666)");
  EXPECT_EQ(describe(step::BindData{"/etc/passwd", "root:x:0:0\n", 0600, false}),
            "bind-data /etc/passwd (11 bytes)");
  EXPECT_EQ(describe(step::BindData{"/etc/group", "abc", 0600, true}),
            "ro-bind-data /etc/group (3 bytes)");
  EXPECT_EQ(describe(step::Chmod{"/srv", 0750}), "chmod 0750 /srv");
  EXPECT_EQ(describe(step::Chmod{"/tmp", 01777}), "chmod 1777 /tmp");
  EXPECT_EQ(describe(step::LockFile{"/run/lock"}), "lock-file /run/lock");
  EXPECT_EQ(describe(step::SealRoot{}), "remount-ro / (root only)");
}

TEST(ErrorMessage, AllParts) {
  Error e{"ro-bind /usr -> /usr", "open_tree", "/usr", ENOENT, "check the path"};
  EXPECT_EQ(e.message(), std::string("ro-bind /usr -> /usr: open_tree /usr: ") +
                             std::strerror(ENOENT) + " (check the path)");
}

TEST(ErrorMessage, PartsOmittedWhenEmpty) {
  const std::string eperm = std::strerror(EPERM);
  EXPECT_EQ((Error{"clone", "clone3", "", EPERM, ""}).message(), "clone: clone3: " + eperm);
  EXPECT_EQ((Error{"--tmpfs", "takes an argument", "", 0, "see --help"}).message(),
            "--tmpfs: takes an argument (see --help)");
  EXPECT_EQ((Error{"--uid", "needs --unshare-user", "", 0, ""}).message(),
            "--uid: needs --unshare-user");
  EXPECT_EQ((Error{"step", "", "/obj", 0, ""}).message(), "step: /obj");
  EXPECT_EQ((Error{"", "mount", "/x", EBUSY, ""}).message(),
            std::string("mount /x: ") + std::strerror(EBUSY));
  EXPECT_EQ((Error{"step", "", "", EACCES, ""}).message(),
            std::string("step: ") + std::strerror(EACCES));
  EXPECT_EQ((Error{"only-step", "", "", 0, ""}).message(), "only-step");
  EXPECT_EQ((Error{}).message(), "");
}

TEST(ErrorMessage, UsageErrorNamesTheOption) {
  Error e = usage_error("--bind", "takes two arguments");
  EXPECT_EQ(e.step, "--bind");
  EXPECT_EQ(e.op, "takes two arguments");
  EXPECT_EQ(e.err, 0);
  EXPECT_EQ(e.message(), "--bind: takes two arguments");
}

TEST(ResultType, ValueOrError) {
  Result<int> good = 5;
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(static_cast<bool>(good));
  EXPECT_EQ(*good, 5);
  Result<int> bad = Error{"s", "o", "", EINVAL, ""};
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().err, EINVAL);
  Error taken = bad.take_error();
  EXPECT_EQ(taken.step, "s");
  EXPECT_TRUE(ok_status().ok());
}

Status fails_through_try() {
  CLOISTER_TRY(Status(Error{"inner", "op", "", EIO, ""}));
  return Error{"not reached", "", "", 0, ""};
}

TEST(ResultType, TryMacroPropagatesTheError) {
  auto s = fails_through_try();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().step, "inner");
  EXPECT_EQ(s.error().err, EIO);
}

}  // namespace
}  // namespace cloister
