// Child-to-parent error records, the --info-fd / --json-status-fd records, init's exit code
// and capability names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <string>

#include "isolate/capabilities.hpp"
#include "kernel/capability_names.hpp"
#include "process/init.hpp"
#include "process/report.hpp"
#include "process/status.hpp"

namespace cloister {
namespace {

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// ---------------------------------------------------------------------------------------
// report

TEST(Report, EncodeDecodeRoundTrip) {
  const Error e{"ro-bind /usr -> /usr", "open_tree", "/usr", ENOENT, "does it exist?"};
  const report::Record r = report::encode(e, 125);
  EXPECT_EQ(r.err, ENOENT);
  EXPECT_EQ(r.exit_code, 125);
  const Error d = report::decode(r);
  EXPECT_EQ(d.step, e.step);
  EXPECT_EQ(d.op, e.op);
  EXPECT_EQ(d.object, e.object);
  EXPECT_EQ(d.err, e.err);
  EXPECT_EQ(d.hint, e.hint);
  EXPECT_EQ(d.message(), e.message());
}

TEST(Report, EmptyFieldsStayEmpty) {
  const Error d = report::decode(report::encode(Error{"clone", "", "", 0, ""}, 1));
  EXPECT_EQ(d.step, "clone");
  EXPECT_TRUE(d.op.empty());
  EXPECT_TRUE(d.object.empty());
  EXPECT_TRUE(d.hint.empty());
  EXPECT_EQ(d.err, 0);
}

TEST(Report, LongStringsAreTruncatedToTheirFieldsAndTerminated) {
  const Error e{std::string(1000, 's'), std::string(1000, 'o'), std::string(5000, 'b'), EPERM,
                std::string(1000, 'h')};
  const report::Record r = report::encode(e, 1);
  const Error d = report::decode(r);
  EXPECT_EQ(d.step, std::string(sizeof r.step - 1, 's'));
  EXPECT_EQ(d.op, std::string(sizeof r.op - 1, 'o'));
  EXPECT_EQ(d.object, std::string(sizeof r.object - 1, 'b'));
  EXPECT_EQ(d.hint, std::string(sizeof r.hint - 1, 'h'));
  EXPECT_EQ(d.err, EPERM);
  EXPECT_EQ(r.step[sizeof r.step - 1], '\0');
  EXPECT_EQ(r.object[sizeof r.object - 1], '\0');
}

TEST(Report, StringsThatExactlyFitAreKept) {
  report::Record probe;
  const std::string step(sizeof probe.step - 1, 'x');
  const Error d = report::decode(report::encode(Error{step, "", "", 0, ""}, 0));
  EXPECT_EQ(d.step, step);
}

TEST(Report, DecodeToleratesAnUnterminatedField) {
  report::Record r;
  std::memset(r.op, 'q', sizeof r.op);  // no NUL at all
  const Error d = report::decode(r);
  EXPECT_EQ(d.op, std::string(sizeof r.op, 'q'));
}

TEST(Report, RecordFitsOneAtomicPipeWrite) {
  EXPECT_LE(sizeof(report::Record), static_cast<std::size_t>(PIPE_BUF));
}

TEST(Report, FailWritesOneRecordAndExitsWithTheCode) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const Error e{"pivot_root", "pivot_root", "/newroot", EINVAL, "hint"};
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    report::fail(fds[1], e, 42);
  }
  ::close(fds[1]);
  const std::string bytes = read_all(fds[0]);
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  ASSERT_EQ(bytes.size(), sizeof(report::Record));
  report::Record r;
  std::memcpy(&r, bytes.data(), sizeof r);
  EXPECT_EQ(r.exit_code, 42);
  const Error d = report::decode(r);
  EXPECT_EQ(d.message(), e.message());
}

// ---------------------------------------------------------------------------------------
// status

unsigned long ns_inode(pid_t pid, const char* name) {
  struct stat st {};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + name;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<unsigned long>(st.st_ino);
}

std::string expected_record(pid_t pid, bool pretty) {
  const char* names[][2] = {{"cgroup", "cgroup-namespace"}, {"ipc", "ipc-namespace"},
                            {"mnt", "mnt-namespace"},       {"net", "net-namespace"},
                            {"pid", "pid-namespace"},       {"uts", "uts-namespace"}};
  std::string out = pretty ? "{\n    \"child-pid\": " : "{ \"child-pid\": ";
  out += std::to_string(pid);
  for (const auto& n : names) {
    const unsigned long id = ns_inode(pid, n[0]);
    if (id == 0 || id == ns_inode(::getpid(), n[0])) continue;  // shared ones are not listed
    out += pretty ? ",\n    \"" : ", \"";
    out += std::string(n[1]) + "\": " + std::to_string(id);
  }
  out += pretty ? "\n}\n" : " }\n";
  return out;
}

// A child in a UTS namespace of its own, alive until destroyed: in a user namespace of its
// own too when unprivileged; root needs none (and gets none in a chroot, which refuses it).
class ChildInNewNamespaces {
 public:
  ChildInNewNamespaces() {
    int ready[2];
    EXPECT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(release_, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(release_[1]);  // EOF on release_[0] once the parent closes its end
      const int flags = ::geteuid() == 0 ? CLONE_NEWUTS : CLONE_NEWUSER | CLONE_NEWUTS;
      int err = ::unshare(flags) == 0 ? 0 : errno;
      if (::write(ready[1], &err, sizeof err) != sizeof err) ::_exit(1);
      char byte;
      ::read(release_[0], &byte, 1);
      ::_exit(0);
    }
    ::close(ready[1]);
    EXPECT_EQ(::read(ready[0], &err_, sizeof err_), static_cast<ssize_t>(sizeof err_));
    ::close(ready[0]);
  }
  ~ChildInNewNamespaces() {
    ::close(release_[1]);
    ::close(release_[0]);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  // Why the kernel refused the namespaces ("" when it did not), for a skip.
  std::string refused() const {
    if (err_ == 0) return "";
    return std::string("the kernel refuses the test child its namespaces here (unshare: ") +
           std::strerror(err_) + "; a chroot, or user namespaces disabled for this user)";
  }

 private:
  int release_[2] = {-1, -1};
  pid_t pid_ = -1;
  int err_ = -1;
};

#define NEW_NAMESPACES_OR_SKIP(child) \
  if (!(child).refused().empty()) GTEST_SKIP() << (child).refused()

TEST(Status, StartRecordOfAProcessSharingEveryNamespaceHasOnlyThePid) {
  const pid_t self = ::getpid();
  EXPECT_EQ(status::start_record(self, false), "{ \"child-pid\": " + std::to_string(self) + " }\n");
}

TEST(Status, StartRecordIsBubblewrapsOneLineJson) {
  ChildInNewNamespaces child;
  NEW_NAMESPACES_OR_SKIP(child);
  const std::string record = status::start_record(child.pid(), false);
  EXPECT_EQ(record, expected_record(child.pid(), false));
  EXPECT_EQ(record, "{ \"child-pid\": " + std::to_string(child.pid()) + ", \"uts-namespace\": " +
                        std::to_string(ns_inode(child.pid(), "uts")) + " }\n");
  EXPECT_EQ(record.find("mnt-namespace"), std::string::npos) << record;
}

TEST(Status, StartRecordPrettyFormForInfoFd) {
  ChildInNewNamespaces child;
  NEW_NAMESPACES_OR_SKIP(child);
  const std::string record = status::start_record(child.pid(), true);
  EXPECT_EQ(record, expected_record(child.pid(), true));
  EXPECT_EQ(record, "{\n    \"child-pid\": " + std::to_string(child.pid()) +
                        ",\n    \"uts-namespace\": " +
                        std::to_string(ns_inode(child.pid(), "uts")) + "\n}\n");
}

TEST(Status, StartRecordOfAGonePidHasOnlyThePid) {
  const pid_t gone = 2147483000;  // above any pid_max
  EXPECT_EQ(status::start_record(gone, false), "{ \"child-pid\": 2147483000 }\n");
  EXPECT_EQ(status::start_record(gone, true), "{\n    \"child-pid\": 2147483000\n}\n");
}

TEST(Status, WriteStartAndExitGoToTheirFds) {
  ChildInNewNamespaces child;  // before the pipes, so it holds no end of them
  NEW_NAMESPACES_OR_SKIP(child);
  int info[2], json[2];
  ASSERT_EQ(::pipe2(info, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(json, O_CLOEXEC), 0);
  Plan plan;
  plan.info_fd = info[1];
  plan.json_status_fd = json[1];
  const pid_t self = child.pid();
  status::write_start(plan, self);
  status::write_exit(plan, 3);
  ::close(info[1]);
  ::close(json[1]);
  EXPECT_EQ(read_all(info[0]), expected_record(self, true));
  EXPECT_EQ(read_all(json[0]), expected_record(self, false) + "{ \"exit-code\": 3 }\n");
  ::close(info[0]);
  ::close(json[0]);
}

// ---------------------------------------------------------------------------------------
// init

TEST(Init, ExitCodeOfRawStatuses) {
  EXPECT_EQ(init::exit_code_of(0), 0);
  EXPECT_EQ(init::exit_code_of(7 << 8), 7);
  EXPECT_EQ(init::exit_code_of(255 << 8), 255);
  EXPECT_EQ(init::exit_code_of(SIGKILL), 128 + SIGKILL);
  EXPECT_EQ(init::exit_code_of(SIGTERM | 0x80), 128 + SIGTERM);  // core dumped
  EXPECT_EQ(init::exit_code_of((SIGSTOP << 8) | 0x7f), 255);     // stopped: neither
}

int status_of_child(void (*body)()) {
  const pid_t child = ::fork();
  if (child == 0) {
    body();
    ::_exit(99);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

TEST(Init, ExitCodeOfRealChildren) {
  EXPECT_EQ(init::exit_code_of(status_of_child([] { ::_exit(0); })), 0);
  EXPECT_EQ(init::exit_code_of(status_of_child([] { ::_exit(3); })), 3);
  EXPECT_EQ(init::exit_code_of(status_of_child([] { ::_exit(200); })), 200);
  EXPECT_EQ(init::exit_code_of(status_of_child([] {
              ::signal(SIGTERM, SIG_DFL);
              ::raise(SIGTERM);
            })),
            128 + SIGTERM);
  EXPECT_EQ(init::exit_code_of(status_of_child([] { ::raise(SIGKILL); })), 128 + SIGKILL);
}

// ---------------------------------------------------------------------------------------
// capability names

TEST(Caps, FromNameAcceptsEverySpelling) {
  EXPECT_EQ(caps::from_name("CAP_NET_RAW"), 13);
  EXPECT_EQ(caps::from_name("cap_net_raw"), 13);
  EXPECT_EQ(caps::from_name("net_raw"), 13);
  EXPECT_EQ(caps::from_name("NET_RAW"), 13);
  EXPECT_EQ(caps::from_name("Cap_Net_Raw"), 13);
  EXPECT_EQ(caps::from_name("CAP_CHOWN"), 0);
  EXPECT_EQ(caps::from_name("CAP_NET_ADMIN"), 12);
  EXPECT_EQ(caps::from_name("CAP_NET_BIND_SERVICE"), 10);
  EXPECT_EQ(caps::from_name("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(caps::from_name("CAP_SETFCAP"), 31);
  EXPECT_EQ(caps::from_name("CAP_MAC_OVERRIDE"), 32);
  EXPECT_EQ(caps::from_name("CAP_PERFMON"), 38);
  EXPECT_EQ(caps::from_name("CAP_BPF"), 39);
  EXPECT_EQ(caps::from_name("CAP_CHECKPOINT_RESTORE"), 40);
}

TEST(Caps, FromNameRejectsUnknownNames) {
  for (const char* bad :
       {"", "CAP_", "cap", "ALL", "CAP_FLY", "NET RAW", "CAP_NET_RAW ", "13", "CAP_CAP_NET_RAW"}) {
    EXPECT_FALSE(caps::from_name(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(Caps, NameOfAndBack) {
  EXPECT_EQ(caps::name_of(13), "net_raw");
  EXPECT_EQ(caps::name_of(0), "chown");
  EXPECT_EQ(caps::name_of(40), "checkpoint_restore");
  EXPECT_EQ(caps::name_of(-1), "unknown");
  EXPECT_EQ(caps::name_of(41), "unknown");
  EXPECT_EQ(caps::name_of(63), "unknown");
  for (int cap = 0; cap <= 40; ++cap) {
    const auto name = caps::name_of(cap);
    ASSERT_NE(name, "unknown") << cap;
    EXPECT_EQ(caps::from_name(name), cap) << name;
    EXPECT_EQ(caps::from_name("CAP_" + std::string(name)), cap) << name;
  }
}

TEST(Caps, LastCapMatchesTheKernel) {
  const int last = caps::last_cap();
  EXPECT_GE(last, 40);
  EXPECT_LE(last, 63);
  EXPECT_GE(::prctl(PR_CAPBSET_READ, last, 0, 0, 0), 0);
  EXPECT_LT(::prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0), 0);
}

}  // namespace
}  // namespace cloister
