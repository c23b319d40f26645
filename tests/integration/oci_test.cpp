// `cloister oci`: the OCI runtime's commands driven as container engines drive them, each a
// process of its own, on bundles made here from busybox-static (a rootfs holding /bin/busybox
// and hard links for its applets). Root's bundles use the host's ids (no user namespace),
// uid 65534's map uid and gid 0 onto its own (one id each, no cgroup asked). Every test checks
// that what the container was is gone afterwards: its processes (by PID and PID namespace),
// its cgroup directories, its state directory, any mount under the test's directory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace cloister_it {
namespace {

using Json = nlohmann::json;

constexpr const char* kBusybox = "/bin/busybox";
constexpr const char* kApplets[] = {"sh",       "sleep", "cat", "echo", "id",
                                    "hostname", "true",  "tty", "stty"};

std::string busybox_or_why() {
  struct stat st {};
  if (::stat(kBusybox, &st) != 0 || !S_ISREG(st.st_mode))
    return std::string(kBusybox) + " is missing (Debian: busybox-static)";
  const std::string head = read_text(kBusybox).substr(0, 4);
  if (head !=
      "\x7f"
      "ELF")
    return std::string(kBusybox) + " is not an ELF binary";
  return "";
}

#define REQUIRE_BUSYBOX() \
  if (const auto why = busybox_or_why(); !why.empty()) GTEST_SKIP() << why

#define REQUIRE_ROOT(what) \
  if (!is_root()) GTEST_SKIP() << what << " needs root here (cgroups are not delegated)"

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream data;
  data << in.rdbuf();
  return data.str();
}

// Reads `path` until it exists and is not empty, within `timeout`.
std::string wait_for_file(const std::string& path, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::string text = exists(path) ? file_contents(path) : "";
    if (!text.empty() || Clock::now() >= deadline) return text;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

unsigned long pid_namespace_of(pid_t pid) {
  struct stat st {};
  if (::stat(("/proc/" + std::to_string(pid) + "/ns/pid").c_str(), &st) != 0) return 0;
  return static_cast<unsigned long>(st.st_ino);
}

// cgroup directories of runtime process `pid`: cloister names them sandbox-<pid>-... (under
// the caller's cgroup) or cloister-<pid>-... (under a parent).
std::vector<std::string> cgroups_named_after(pid_t pid) {
  const std::string id = std::to_string(pid);
  std::vector<std::string> found, todo = {"/sys/fs/cgroup"};
  while (!todo.empty() && todo.size() < 20000) {
    const std::string dir = todo.back();
    todo.pop_back();
    for (const auto& name : list_dir(dir)) {
      const std::string path = dir + "/" + name;
      struct stat st {};
      if (name.empty() || name[0] == '<' || ::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        continue;
      for (const std::string prefix : {"sandbox-", "cloister-"})
        if (name.rfind(prefix + id + "-", 0) == 0) found.push_back(path);
      todo.push_back(path);
    }
  }
  return found;
}

// What a container engine does with --console-socket: listens, takes one connection and the
// terminal's master end that arrives over it (SCM_RIGHTS).
class ConsoleListener {
 public:
  explicit ConsoleListener(const std::string& path) : path_(path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    fd_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    bound_ = fd_.get() >= 0 &&
             ::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
             ::listen(fd_.get(), 1) == 0;
  }
  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The master end, or an invalid Fd once `timeout` passed.
  Fd receive_master(milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return Fd();
    Fd connection(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (connection.get() < 0) return Fd();
    char name[256];
    iovec data{name, sizeof name};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &data;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(connection.get(), &msg, MSG_CMSG_CLOEXEC) <= 0) return Fd();
    const cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return Fd();
    int master = -1;
    std::memcpy(&master, CMSG_DATA(c), sizeof master);
    return Fd(master);
  }

 private:
  std::string path_;
  Fd fd_;
  bool bound_ = false;
};

// Everything the terminal shows until its last peer closes (the master reads EIO then).
std::string read_terminal(int master, milliseconds timeout) {
  std::string text;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) < 0 && errno != EINTR) break;
    if (!(p.revents & (POLLIN | POLLHUP))) continue;
    char buffer[512];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// One test's bundle, runtime state directory and outputs, all under one temporary directory.
class OciTest : public testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_BUSYBOX();
    dir_.mkdir("bundle");
    rootfs_ = dir_.mkdir("bundle/rootfs");
    for (const char* d : {"bin", "proc", "dev", "out", "tmp"})
      dir_.mkdir("bundle/rootfs/" + std::string(d));
    out_ = dir_.mkdir("out", 0777);
    dir_.write("bundle/rootfs/bin/busybox", file_contents(kBusybox), 0755);
    for (const char* applet : kApplets) {
      const std::string link = rootfs_ + "/bin/" + applet;
      if (::link((rootfs_ + "/bin/busybox").c_str(), link.c_str()) != 0)
        FAIL() << "link " << link << ": " << errno_name(errno);
    }
    root_ = dir_ / "state";
  }

  void TearDown() override {
    // What a failed test left is said, then ended, so that the next tests find a clean host.
    if (!root_.empty() && exists(root_))
      for (const auto& id : list_dir(root_)) {
        ADD_FAILURE() << "container " << id << " left";
        call({"delete", "--force", id});
      }
    for (pid_t pid : pids_) {
      if (wait_gone(pid, milliseconds(5000))) continue;
      ADD_FAILURE() << "pid " << pid << " left";
      Fd fd(open_pidfd(pid));
      kill_by_pidfd(fd.get(), SIGKILL);
      wait_gone(pid, milliseconds(5000));
    }
    for (const auto& path : cgroups_) {
      if (!exists(path)) continue;
      ADD_FAILURE() << "cgroup left: " << path;
      ::rmdir(path.c_str());  // its processes ended above: empty
    }
    // Nothing of the container is mounted on the host.
    for (const auto& line : lines_of(read_text("/proc/self/mountinfo")))
      EXPECT_EQ(line.find(dir_.path()), std::string::npos) << "mount left: " << line;
  }

  std::string bundle() const { return dir_ / "bundle"; }
  std::string out(const std::string& name) const { return out_ + "/" + name; }
  std::string state_dir(const std::string& id) const { return root_ + "/" + id; }

  // A config running `script` with /bin/sh in the container: its own PID, mount, IPC, UTS and
  // network namespaces, hostname oci-test, /proc, cloister's /dev, the test's out directory
  // on /out. uid 65534 adds a user namespace mapping 0 onto its own ids.
  Json config(const std::string& script) const {
    Json c = {
        {"ociVersion", "1.0.2"},
        {"process",
         {{"user", {{"uid", 0}, {"gid", 0}}},
          {"args", {"/bin/sh", "-c", script}},
          {"cwd", "/"},
          {"env", {"PATH=/bin"}}}},
        {"root", {{"path", "rootfs"}}},
        {"hostname", "oci-test"},
        {"mounts",
         {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
          {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"}},
          {{"destination", "/out"}, {"type", "bind"}, {"source", out_}, {"options", {"rbind"}}}}},
        {"linux",
         {{"namespaces",
           {{{"type", "pid"}},
            {{"type", "mount"}},
            {{"type", "ipc"}},
            {{"type", "uts"}},
            {{"type", "network"}}}}}}};
    if (!is_root()) add_user_namespace(c);
    return c;
  }

  static void add_user_namespace(Json& c) {
    c["linux"]["namespaces"].push_back({{"type", "user"}});
    c["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", ::geteuid()}, {"size", 1}}};
    c["linux"]["gidMappings"] = {{{"containerID", 0}, {"hostID", ::getegid()}, {"size", 1}}};
  }

  void write_config(const Json& c) const { dir_.write("bundle/config.json", c.dump(2)); }

  Argv oci(const Argv& args) const {
    Argv argv = {kCloister, "oci", "--root", root_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // The runtime with its stdout and stderr in files: a created container inherits them and
  // outlives the call, which a pipe's reader would wait for.
  Argv to_files(const Argv& argv, const std::string& name) const {
    Argv wrapped = {"/bin/sh", "-c", "exec \"$@\" >\"$0.out\" 2>\"$0.err\"", dir_ / name};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
  }

  RunResult call(const Argv& args) {
    const std::string name = "call-" + std::to_string(++calls_);
    RunResult r = run(to_files(oci(args), name));
    r.out = file_contents(dir_ / (name + ".out"));
    r.err = file_contents(dir_ / (name + ".err"));
    return r;
  }

  Json state(const std::string& id) {
    auto r = call({"state", id});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    Json j = Json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object()) << r.describe();
    return j.is_object() ? j : Json::object();
  }

  // state.json as create saved it (cgroup_paths, cgroup_parents_made), read before delete.
  Json saved_state(const std::string& id) const {
    Json j = Json::parse(file_contents(state_dir(id) + "/state.json"), nullptr, false);
    return j.is_object() ? j : Json::object();
  }

  // The container's pid and cgroups, checked to be gone at the end of the test.
  pid_t track(const std::string& id) {
    Json saved = saved_state(id);
    const pid_t pid = saved.value("pid", 0);
    EXPECT_GT(pid, 0) << saved.dump();
    if (pid > 0) pids_.push_back(pid);
    for (const auto& p : saved.value("cgroup_paths", std::vector<std::string>{}))
      cgroups_.push_back(p);
    for (const auto& p : saved.value("cgroup_parents_made", std::vector<std::string>{}))
      cgroups_.push_back(p);
    if (is_root()) {
      EXPECT_FALSE(saved.value("cgroup_paths", std::vector<std::string>{}).empty());
    }
    return pid;
  }

  // Everything of container `id` gone now: its state, its process, its PID namespace's.
  void expect_gone(const std::string& id, pid_t pid, unsigned long pid_ns) {
    EXPECT_FALSE(exists(state_dir(id))) << list_dir(state_dir(id)).size();
    if (pid > 0) {
      EXPECT_TRUE(wait_gone(pid, milliseconds(5000))) << "container pid " << pid;
    }
    if (pid_ns) {
      EXPECT_TRUE(pid_namespace_empties(pid_ns, milliseconds(5000)));
    }
    for (const auto& path : cgroups_) EXPECT_FALSE(exists(path)) << path;
  }

  TempDir dir_;
  std::string rootfs_, out_, root_;
  std::vector<pid_t> pids_;
  std::vector<std::string> cgroups_;
  int calls_ = 0;
};

// A container that ends on SIGTERM (its shell traps it; as PID 1 of its namespace it would
// ignore an untrapped one), after saying it runs.
constexpr const char* kWaitForTerm =
    "trap 'echo terminated > /out/terminated; exit 0' TERM; echo started > /out/started; "
    "sleep 1000 & wait";

TEST_F(OciTest, CreateStartKillDelete) {
  write_config(config(kWaitForTerm));
  auto r = call({"create", "--bundle", bundle(), "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("c1");
  Json s = state("c1");
  EXPECT_EQ(s.value("status", ""), "created") << s.dump();
  EXPECT_EQ(s.value("pid", 0), pid);
  EXPECT_EQ(s.value("id", ""), "c1");
  EXPECT_EQ(s.value("bundle", ""), bundle());
  // Set up and blocked before its program: alive, and the program has not run.
  EXPECT_TRUE(alive(pid));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(exists(out("started")));
  const unsigned long pid_ns = pid_namespace_of(pid);
  EXPECT_NE(pid_ns, own_namespace("pid"));

  r = call({"start", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
  EXPECT_EQ(state("c1").value("status", ""), "running");
  // Another container of the same id is refused, and this one is left as it was.
  r = call({"create", "--bundle", bundle(), "c1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("a container with this id exists"), std::string::npos) << r.describe();
  EXPECT_EQ(state("c1").value("status", ""), "running");
  EXPECT_TRUE(alive(pid));
  // A second start is refused: it is running.
  r = call({"start", "c1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is running"), std::string::npos) << r.describe();

  r = call({"kill", "c1", "TERM"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(wait_for_file(out("terminated"), milliseconds(5000)), "terminated\n");
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  s = state("c1");
  EXPECT_EQ(s.value("status", ""), "stopped") << s.dump();
  EXPECT_FALSE(s.contains("pid")) << s.dump();
  // Killing a stopped container is no error (engines race with its exit).
  r = call({"kill", "c1", "KILL"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();

  r = call({"delete", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("c1", pid, pid_ns);
  r = call({"state", "c1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no container 'c1'"), std::string::npos) << r.describe();
}

TEST_F(OciTest, ListShowsContainersAndDeleteOfARunningOneNeedsForce) {
  write_config(config(kWaitForTerm));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "l1"}).exit_code, 0);
  const pid_t pid = track("l1");
  auto r = call({"list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("l1\t" + std::to_string(pid) + "\trunning\t" + bundle()), std::string::npos)
      << r.describe();
  r = call({"delete", "l1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("delete --force"), std::string::npos) << r.describe();
  EXPECT_TRUE(alive(pid));
  ASSERT_EQ(call({"delete", "--force", "l1"}).exit_code, 0);
  expect_gone("l1", pid, 0);
}

// ps lists the container's processes, its init among them: as JSON (containerd's shim asks
// `ps --format json` for `ctr task ps`) and as a table; from its cgroup, or (uid 65534's,
// without one) its PID namespace. A stopped container with a PID namespace of its own has
// none left.
TEST_F(OciTest, PsListsTheContainersProcesses) {
  write_config(config("sleep 1000 & echo started > /out/started; wait"));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "ps1"}).exit_code, 0);
  const pid_t pid = track("ps1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
  auto r = call({"ps", "--format", "json", "ps1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json pids = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(pids.is_array()) << r.describe();
  ASSERT_EQ(pids.size(), 2u) << r.describe();  // sh and its sleep
  EXPECT_TRUE(pids[0] == pid || pids[1] == pid) << r.describe() << " init " << pid;
  for (const auto& p : pids)
    EXPECT_EQ(pid_namespace_of(p.get<pid_t>()), pid_ns) << r.describe();

  r = call({"ps", "ps1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out.rfind("PID\tCMD\n", 0), 0u) << r.describe();
  EXPECT_NE(r.out.find(std::to_string(pid) + "\t/bin/sh -c sleep 1000"), std::string::npos)
      << r.describe();
  EXPECT_NE(r.out.find("\tsleep 1000\n"), std::string::npos) << r.describe();
  r = call({"ps", "ps1", "-ef"});  // runc passes these to ps(1); cloister has no ps(1) to run
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("takes no ps(1) options"), std::string::npos) << r.describe();
  r = call({"ps", "--format", "yaml", "ps1"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();

  ASSERT_EQ(call({"kill", "--all", "ps1", "KILL"}).exit_code, 0);
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  EXPECT_TRUE(pid_namespace_empties(pid_ns, milliseconds(5000)));
  r = call({"ps", "--format", "json", "ps1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "[]\n");
  ASSERT_EQ(call({"delete", "ps1"}).exit_code, 0);
  expect_gone("ps1", pid, pid_ns);
  r = call({"ps", "--format", "json", "ps1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("no container 'ps1'"), std::string::npos) << r.describe();
}

// kill --all reaches every process of the container: through its cgroup, or (uid 65534's,
// without one) its PID namespace. A plain kill reaches its first process alone.
TEST_F(OciTest, KillAllReachesEveryProcess) {
  write_config(
      config("(trap 'echo child > /out/child-term; exit 0' TERM; while :; do sleep 1; done) & "
             "trap 'echo pid1 >> /out/pid1-term' TERM; echo started > /out/started; "
             "while :; do sleep 1; done"));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "ka1"}).exit_code, 0);
  const pid_t pid = track("ka1");
  ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
  auto r = call({"kill", "ka1", "TERM"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(wait_for_file(out("pid1-term"), milliseconds(5000)), "pid1\n");
  std::this_thread::sleep_for(milliseconds(1500));  // the child's sleep 1 ends: no trap ran
  EXPECT_FALSE(exists(out("child-term")));
  r = call({"kill", "--all", "ka1", "TERM"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(wait_for_file(out("child-term"), milliseconds(5000)), "child\n");
  const auto deadline = Clock::now() + milliseconds(5000);
  while (file_contents(out("pid1-term")) != "pid1\npid1\n" && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(file_contents(out("pid1-term")), "pid1\npid1\n");
  EXPECT_EQ(state("ka1").value("status", ""), "running");  // PID 1 trapped it
  r = call({"kill", "ka1", "KILL"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  EXPECT_EQ(state("ka1").value("status", ""), "stopped");
  ASSERT_EQ(call({"delete", "ka1"}).exit_code, 0);
  expect_gone("ka1", pid, 0);
}

TEST_F(OciTest, CreateWithAMissingProgramFailsAndLeavesNothing) {
  Json c = config("");
  c["process"]["args"] = {"/bin/no-such-program", "arg"};
  write_config(c);
  Process p(to_files(oci({"create", "--bundle", bundle(), "m1"}), "create"), {});
  const pid_t runtime = p.pid();
  auto r = p.finish();
  r.err = file_contents(dir_ / "create.err");
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("/bin/no-such-program"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("m1")));
  EXPECT_EQ(cgroups_named_after(runtime), std::vector<std::string>{});
}

TEST_F(OciTest, DeleteOfACreatedContainerEndsIt) {
  write_config(config(kWaitForTerm));
  ASSERT_EQ(call({"create", "--bundle", bundle(), "d1"}).exit_code, 0);
  const pid_t pid = track("d1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  ASSERT_TRUE(alive(pid));
  auto r = call({"delete", "d1"});  // created, not running: no --force needed
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("d1", pid, pid_ns);
  EXPECT_FALSE(exists(out("started")));  // its program never ran
}

// --root below directories that do not exist yet, as containerd's runc shim gives it
// (/run/containerd/runc/NAMESPACE): create makes each missing one, 0700 as runc does.
TEST_F(OciTest, CreateMakesTheRootWithItsMissingParents) {
  root_ = dir_ / "runtime/namespace";
  write_config(config(kWaitForTerm));
  auto r = call({"create", "--bundle", bundle(), "n1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("n1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  for (const std::string& dir : {dir_ / "runtime", root_}) {
    struct stat st {};
    ASSERT_EQ(::stat(dir.c_str(), &st), 0) << dir << ": " << errno_name(errno);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << dir;
  }
  r = call({"delete", "n1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("n1", pid, pid_ns);
}

// The runtime dies (SIGKILL) while a createRuntime hook runs: the container, its cgroup and
// its state outlive it, and `delete --force` later removes them all.
TEST_F(OciTest, RuntimeKilledDuringCreateIsCleanedUpByDeleteForce) {
  Json c = config(kWaitForTerm);
  c["hooks"]["createRuntime"] = {
      {{"path", "/bin/sh"},
       {"args", {"sh", "-c", "echo $$ > " + out("hook.pid") + "; exec sleep 60"}},
       {"env", {"PATH=/usr/bin:/bin"}}}};
  write_config(c);
  Process runtime(to_files(oci({"create", "--bundle", bundle(), "k1"}), "create"), {});
  const std::string hook_pid_text = wait_for_file(out("hook.pid"), milliseconds(10000));
  ASSERT_FALSE(hook_pid_text.empty()) << file_contents(dir_ / "create.err");
  const pid_t hook = std::stoi(hook_pid_text);
  Fd hook_fd(open_pidfd(hook));
  pids_.push_back(hook);
  runtime.signal(SIGKILL);
  EXPECT_EQ(runtime.finish().term_signal, SIGKILL);
  kill_by_pidfd(hook_fd.get(), SIGKILL);  // the hook is the runtime's child, not the container's

  const pid_t pid = track("k1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  EXPECT_TRUE(alive(pid));
  EXPECT_EQ(state("k1").value("status", ""), "created");
  auto r = call({"delete", "--force", "k1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("k1", pid, pid_ns);
}

TEST_F(OciTest, RunPropagatesTheExitCode) {
  write_config(config("echo hello from $(hostname); exit 42"));
  Process p(oci({"run", "--bundle", bundle(), "r1"}), {});
  const pid_t runtime = p.pid();
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 42) << r.describe();
  EXPECT_NE(r.out.find("hello from oci-test"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("r1")));
  EXPECT_EQ(cgroups_named_after(runtime), std::vector<std::string>{});
}

// What each key of process and linux becomes, seen from inside the container.
TEST_F(OciTest, ConfigTakesEffectInsideTheContainer) {
  dir_.write("bundle/rootfs/masked", "secret\n");
  Json c = config(
      "echo env=$FOO; echo inherited=${CLOISTER_IT:-none}; echo cwd=$(pwd); echo umask=$(umask); "
      "echo nofile=$(ulimit -n); echo oom=$(cat /proc/self/oom_score_adj); "
      "while read k v; do [ \"$k\" = CapEff: ] && echo capeff=$v; done < /proc/self/status; "
      "echo masked=$(cat /masked); echo forward=$(cat /proc/sys/net/ipv4/ip_forward); "
      "if echo x > /new 2>/dev/null; then echo root=writable; else echo root=read-only; fi; "
      "if echo x > /tmp/new 2>/dev/null; then echo tmp=writable; else echo tmp=read-only; fi; "
      "echo groups=$(id -G)");
  c["process"]["env"] = {"PATH=/bin", "FOO=bar baz"};
  c["process"]["cwd"] = "/tmp";
  c["process"]["user"]["umask"] = 027;
  c["process"]["rlimits"] = {{{"type", "RLIMIT_NOFILE"}, {"soft", 100}, {"hard", 200}}};
  c["process"]["oomScoreAdj"] = 500;
  const Json caps = {"CAP_NET_BIND_SERVICE"};
  c["process"]["capabilities"] = {{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
  c["root"]["readonly"] = true;
  c["mounts"].push_back({{"destination", "/tmp"}, {"type", "tmpfs"}, {"options", {"mode=1777"}}});
  c["linux"]["maskedPaths"] = {"/masked"};
  c["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  if (is_root()) c["process"]["user"]["additionalGids"] = {5, 27};
  write_config(c);
  const std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");
  auto r = run(oci({"run", "--bundle", bundle(), "cfg1"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("env"), "bar baz") << r.describe();
  EXPECT_EQ(r.value("inherited"), "none");  // the runtime's own environment stays out
  EXPECT_EQ(r.value("cwd"), "/tmp");
  EXPECT_EQ(r.value("umask"), "0027");
  EXPECT_EQ(r.value("nofile"), "100");
  EXPECT_EQ(r.value("oom"), "500");
  EXPECT_EQ(r.value("capeff"), "0000000000000400");  // CAP_NET_BIND_SERVICE alone
  EXPECT_EQ(r.value("masked"), "");
  EXPECT_EQ(r.value("forward"), "1");
  EXPECT_EQ(r.value("root"), "read-only");
  EXPECT_EQ(r.value("tmp"), "writable");
  if (is_root()) {
    EXPECT_EQ(r.value("groups"), "0 5 27");
  }
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/ip_forward"), host_forward) << "the host's changed";
}

// /proc/sys is read-only where the config's readonlyPaths say so (podman's default), not
// otherwise (podman --privileged): the knob written is the container's own network
// namespace's, never the host's.
TEST_F(OciTest, ProcSysIsReadOnlyExactlyWhereReadonlyPathsSay) {
  const std::string host_forward = read_text("/proc/sys/net/ipv4/ip_forward");
  for (const bool listed : {false, true}) {
    Json c = config(
        "if echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null; then echo sys=written; "
        "else echo sys=read-only; fi");
    const Json caps = {"CAP_NET_ADMIN"};  // the knob's own check (podman --privileged has it)
    c["process"]["capabilities"] = {{"bounding", caps}, {"permitted", caps}, {"effective", caps}};
    if (listed) c["linux"]["readonlyPaths"] = {"/proc/sys"};
    write_config(c);
    auto r = run(oci({"run", "--bundle", bundle(), listed ? "ro1" : "rw1"}));
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.value("sys"), listed ? "read-only" : "written") << r.describe();
  }
  EXPECT_EQ(read_text("/proc/sys/net/ipv4/ip_forward"), host_forward) << "the host's changed";
}

// --preserve-fds N: the runtime's descriptors 3 .. 3+N-1 are the container's; any other the
// runtime inherited is not.
TEST_F(OciTest, PreserveFdsPassesExactlyThoseDescriptors) {
  write_config(
      config("cat <&3; if [ -e /proc/self/fd/4 ]; then echo fd4=open; else echo fd4=closed; fi"));
  Fd three = data_fd("through fd 3\n");
  Fd four = data_fd("not passed\n");
  auto r = run(oci({"run", "--preserve-fds", "1", "--bundle", bundle(), "fd1"}),
               with_fds({{3, three.get()}, {4, four.get()}}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "through fd 3\nfd4=closed\n") << r.describe();
}

TEST_F(OciTest, SigtermToRunIsForwardedToTheContainer) {
  write_config(config("trap 'echo got-term; exit 7' TERM; echo ready; sleep 1000 & wait"));
  Process p(oci({"run", "--bundle", bundle(), "t1"}), {});
  ASSERT_TRUE(p.wait_for_output("ready", milliseconds(10000))) << p.out();
  const pid_t pid = track("t1");
  p.signal(SIGTERM);
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 7) << r.describe();
  EXPECT_NE(r.out.find("got-term"), std::string::npos) << r.describe();
  expect_gone("t1", pid, 0);
}

TEST_F(OciTest, RunDetachedThenDeleteForce) {
  write_config(config(kWaitForTerm));
  auto r = call({"run", "--detach", "--pid-file", out("pid"), "--bundle", bundle(), "x1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("x1");
  EXPECT_EQ(file_contents(out("pid")), std::to_string(pid));
  EXPECT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
  EXPECT_EQ(state("x1").value("status", ""), "running");
  const unsigned long pid_ns = pid_namespace_of(pid);
  r = call({"delete", "--force", "x1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("x1", pid, pid_ns);
  EXPECT_FALSE(exists(out("terminated")));  // SIGKILL, no SIGTERM first
}

TEST_F(OciTest, ExecIntoARunningContainer) {
  write_config(config(kWaitForTerm));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "e1"}).exit_code, 0);
  const pid_t pid = track("e1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");

  auto r = run(oci({"exec", "e1", "hostname"}));
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "oci-test\n") << r.describe();
  r = run(
      oci({"exec", "--env", "GREETING=hi", "e1", "sh", "-c", "echo $GREETING $(id -u); exit 3"}));
  EXPECT_EQ(r.exit_code, 3) << r.describe();
  EXPECT_EQ(r.out, "hi 0\n") << r.describe();
  r = run(oci({"exec", "e1", "/bin/no-such-program"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("/bin/no-such-program"), std::string::npos) << r.describe();

  // --process: a whole process object instead of config.json's.
  const Json process = {{"user", {{"uid", 0}, {"gid", 0}}},
                        {"args", {"sh", "-c", "echo $X in $(pwd); exit 5"}},
                        {"env", {"PATH=/bin", "X=from-file"}},
                        {"cwd", "/tmp"}};
  const std::string process_file = dir_.write("process.json", process.dump());
  r = run(oci({"exec", "--process", process_file, "e1"}));
  EXPECT_EQ(r.exit_code, 5) << r.describe();
  EXPECT_EQ(r.out, "from-file in /tmp\n") << r.describe();
  if (is_root()) {  // uid 65534's container maps uid 0 alone
    r = run(oci({"exec", "--user", "1000:1001", "e1", "id"}));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_EQ(r.out, "uid=1000 gid=1001\n") << r.describe();
  }

  r = call({"exec", "--detach", "--pid-file", out("exec.pid"), "e1", "sleep", "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::string text = file_contents(out("exec.pid"));
  ASSERT_FALSE(text.empty());
  const pid_t exec_pid = std::stoi(text);
  pids_.push_back(exec_pid);
  EXPECT_TRUE(alive(exec_pid));
  EXPECT_EQ(pid_namespace_of(exec_pid), pid_ns);  // in the container's PID namespace

  r = call({"delete", "--force", "e1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("e1", pid, pid_ns);
  EXPECT_TRUE(wait_gone(exec_pid, milliseconds(5000)));
}

TEST_F(OciTest, ExecIntoAStoppedContainerIsRefused) {
  write_config(config("exit 0"));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "s1"}).exit_code, 0);
  const pid_t pid = track("s1");
  ASSERT_TRUE(wait_gone(pid, milliseconds(5000)));
  auto r = run(oci({"exec", "s1", "true"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is stopped"), std::string::npos) << r.describe();
  ASSERT_EQ(call({"delete", "s1"}).exit_code, 0);
  expect_gone("s1", pid, 0);
}

// Without a PID namespace of its own, what the container forks (a daemon's double fork
// included) is found through its cgroup: `kill --all` signals it, `delete --force` ends it.
// Where the caller may make no cgroup (uid 65534 here; rootless podman --pid=host) the
// container runs without one, and create says what that costs.
TEST_F(OciTest, WithoutAPidNamespaceKillAllAndDeleteReachWhatItForked) {
  Json c = config(
      "(sleep 1000 & echo $! > /out/daemon); sleep 1000 & echo $! > /out/child; "
      "echo started > /out/started; wait");
  Json namespaces = Json::array();
  for (const auto& n : c["linux"]["namespaces"])
    if (n["type"] != "pid") namespaces.push_back(n);
  c["linux"]["namespaces"] = namespaces;
  c["mounts"].erase(0);  // /proc: the host's PID namespace's is not this test's business
  write_config(c);
  for (const std::string id : {"a1", "a2"}) {
    auto r = call({"run", "--detach", "--bundle", bundle(), id});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const pid_t pid = track(id);
    if (saved_state(id).value("cgroup_paths", Json::array()).empty()) {
      ASSERT_FALSE(is_root()) << "root's container got no cgroup: " << r.describe();
      EXPECT_NE(r.err.find("running without a cgroup"), std::string::npos) << r.describe();
      EXPECT_NE(r.err.find("reach only the container's process"), std::string::npos)
          << r.describe();
      ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
      for (const char* name : {"daemon", "child"}) {
        const pid_t p = std::stoi(file_contents(out(name)));
        Fd fd(open_pidfd(p));
        kill_by_pidfd(fd.get(), SIGKILL);  // what nothing else could reach: ended by PID
        pids_.push_back(p);
      }
      ASSERT_EQ(call({"delete", "--force", id}).exit_code, 0);
      expect_gone(id, pid, 0);
      return;
    }
    ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
    std::vector<pid_t> forked;
    for (const char* name : {"daemon", "child"}) {
      const pid_t p = std::stoi(file_contents(out(name)));
      forked.push_back(p);
      pids_.push_back(p);
      EXPECT_TRUE(alive(p)) << name;
    }
    if (id == "a1") {
      r = call({"kill", "--all", id, "KILL"});
      ASSERT_EQ(r.exit_code, 0) << r.describe();
      for (pid_t p : forked) EXPECT_TRUE(wait_gone(p, milliseconds(5000))) << p;
      EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
      EXPECT_EQ(state(id).value("status", ""), "stopped");
      r = call({"delete", id});
    } else {
      r = call({"delete", "--force", id});
    }
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    for (pid_t p : forked) EXPECT_TRUE(wait_gone(p, milliseconds(5000))) << p;
    expect_gone(id, pid, 0);
    for (const char* name : {"daemon", "child", "started"}) ::unlink(out(name).c_str());
  }
}

TEST_F(OciTest, MemoryLimitIsWrittenToTheContainersCgroup) {
  REQUIRE_ROOT("a memory limit");
  Json c = config(kWaitForTerm);
  const std::string parent = "cloister-oci-it-" + std::to_string(::getpid());
  c["linux"]["cgroupsPath"] = "/" + parent + "/mem1";
  c["linux"]["resources"]["memory"] = {{"limit", 64 << 20}};
  write_config(c);
  auto r = call({"create", "--bundle", bundle(), "mem1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("mem1");
  const Json saved = saved_state("mem1");
  std::string limit;
  for (const auto& path : saved.value("cgroup_paths", std::vector<std::string>{})) {
    EXPECT_EQ(path.substr(path.size() - 5), "/mem1") << path;  // the exact leaf asked for
    for (const char* file : {"/memory.max", "/memory.limit_in_bytes"})
      if (exists(path + file)) limit = read_text(path + file);
  }
  EXPECT_EQ(limit, std::to_string(64 << 20) + "\n") << saved.dump();
  EXPECT_FALSE(saved.value("cgroup_parents_made", std::vector<std::string>{}).empty())
      << saved.dump();
  ASSERT_EQ(call({"delete", "mem1"}).exit_code, 0);
  expect_gone("mem1", pid, 0);
}

// CPU shares reach the cgroup as asked: v1's cpu.shares is the number (runc writes 512), v2's
// cpu.weight its conversion, 1 + (512 - 2) * 9999 / 262142 = 20. Where /sys/fs/cgroup is v1
// the container is in the freezer hierarchy too (pause needs it), under the exact leaf.
TEST_F(OciTest, CpuSharesAreWrittenAsAskedAndTheFreezerIsJoined) {
  REQUIRE_ROOT("CPU shares");
  Json c = config(kWaitForTerm);
  const std::string parent = "cloister-oci-it-" + std::to_string(::getpid());
  c["linux"]["cgroupsPath"] = "/" + parent + "/cpu1";
  c["linux"]["resources"]["cpu"] = {{"shares", 512}};
  write_config(c);
  auto r = call({"create", "--bundle", bundle(), "cpu1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("cpu1");
  const Json saved = saved_state("cpu1");
  std::string shares, weight;
  bool in_freezer = false;
  for (const auto& path : saved.value("cgroup_paths", std::vector<std::string>{})) {
    EXPECT_EQ(path.substr(path.size() - 5), "/cpu1") << path;
    if (exists(path + "/cpu.shares")) shares = read_text(path + "/cpu.shares");
    if (exists(path + "/cpu.weight")) weight = read_text(path + "/cpu.weight");
    in_freezer = in_freezer || exists(path + "/freezer.state") || exists(path + "/cgroup.freeze");
  }
  const bool v1_host = exists("/sys/fs/cgroup/cpu/cpu.shares");
  if (v1_host)
    EXPECT_EQ(shares, "512\n") << saved.dump();
  else
    EXPECT_EQ(weight, "20\n") << saved.dump();
  EXPECT_TRUE(in_freezer) << saved.dump();
  ASSERT_EQ(call({"delete", "cpu1"}).exit_code, 0);
  expect_gone("cpu1", pid, 0);
}

// The number a container's counter loop last wrote to /out/count ("" between its truncate and
// its write).
constexpr const char* kCounter =
    "i=0; while :; do i=$((i + 1)); echo $i > /out/count; sleep 0.05; done";

// pause freezes every process of the container and state says paused; resume thaws it. A
// paused container is refused a second pause, a resume-less delete and exec; delete --force
// ends it, cgroup and all. uid 65534's container has no cgroup here: pause says it needs one.
TEST_F(OciTest, PauseFreezesTheContainerAndResumeThawsIt) {
  write_config(config(kCounter));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "pz1"}).exit_code, 0);
  const pid_t pid = track("pz1");
  const unsigned long pid_ns = pid_namespace_of(pid);
  ASSERT_FALSE(wait_for_file(out("count"), milliseconds(5000)).empty());
  if (saved_state("pz1").value("cgroup_paths", Json::array()).empty()) {
    ASSERT_FALSE(is_root()) << "root's container got no cgroup";
    auto r = call({"pause", "pz1"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("container 'pz1' has no cgroup"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("pause freezes or thaws the container's cgroup"), std::string::npos)
        << r.describe();
    EXPECT_EQ(state("pz1").value("status", ""), "running");
    ASSERT_EQ(call({"delete", "--force", "pz1"}).exit_code, 0);
    expect_gone("pz1", pid, pid_ns);
    return;
  }
  auto r = call({"resume", "pz1"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("container 'pz1' is running"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("only a paused container can be resumed"), std::string::npos)
      << r.describe();

  r = call({"pause", "pz1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(state("pz1").value("status", ""), "paused");
  r = call({"list"});
  EXPECT_NE(r.out.find("pz1\t" + std::to_string(pid) + "\tpaused\t"), std::string::npos)
      << r.describe();
  const std::string frozen_at = file_contents(out("count"));
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(file_contents(out("count")), frozen_at) << "the paused container ran";
  r = call({"pause", "pz1"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("it is paused already"), std::string::npos) << r.describe();
  r = call({"delete", "pz1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("container 'pz1' is paused"), std::string::npos) << r.describe();
  r = run(oci({"exec", "pz1", "true"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("resume it first"), std::string::npos) << r.describe();

  r = call({"resume", "pz1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(state("pz1").value("status", ""), "running");
  const auto deadline = Clock::now() + milliseconds(5000);
  std::string now = frozen_at;
  while ((now == frozen_at || now.empty()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    now = file_contents(out("count"));
  }
  EXPECT_NE(now, frozen_at) << "the resumed container does not run";

  ASSERT_EQ(call({"pause", "pz1"}).exit_code, 0);
  r = call({"delete", "--force", "pz1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  expect_gone("pz1", pid, pid_ns);
}

// SIGKILL to a paused container ends it (cgroup v1 delivers it only once thawed: kill thaws
// after sending it, as runc does); kill --all likewise.
TEST_F(OciTest, SigkillEndsAPausedContainer) {
  REQUIRE_ROOT("pause");
  for (const bool all : {false, true}) {
    const std::string id = all ? "pk2" : "pk1";
    write_config(config(kCounter));
    ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), id}).exit_code, 0);
    const pid_t pid = track(id);
    ASSERT_EQ(call({"pause", id}).exit_code, 0);
    Argv kill = {"kill", id, "KILL"};
    if (all) kill.insert(kill.begin() + 1, "--all");
    auto r = call(kill);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
    EXPECT_EQ(state(id).value("status", ""), "stopped");
    ASSERT_EQ(call({"delete", id}).exit_code, 0);
    expect_gone(id, pid, 0);
  }
}

// pause and resume take one container id; one that does not exist or has stopped is named.
TEST_F(OciTest, PauseAndResumeArgumentErrors) {
  for (const char* command : {"pause", "resume"}) {
    auto r = call({command});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("needs a container id"), std::string::npos) << r.describe();
    r = call({command, "a", "b"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find("takes one container id"), std::string::npos) << r.describe();
    r = call({command, "--bogus", "a"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    r = call({command, "never-made"});
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_NE(r.err.find("no container 'never-made'"), std::string::npos) << r.describe();
  }
  write_config(config("exit 0"));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "ps0"}).exit_code, 0);
  const pid_t pid = track("ps0");
  ASSERT_TRUE(wait_gone(pid, milliseconds(5000)));
  auto r = call({"pause", "ps0"});
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.err.find("container 'ps0' is stopped"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("only a created or running container can be paused"), std::string::npos)
      << r.describe();
  ASSERT_EQ(call({"delete", "ps0"}).exit_code, 0);
  expect_gone("ps0", pid, 0);
}

// A limit needs a cgroup: where the caller may make none, create says so and leaves nothing
// (a container asking for no limit runs without one: UserNamespaceMappedOntoTheCallersOwnIds).
TEST_F(OciTest, ALimitWithoutACgroupToPutItInIsRefused) {
  if (is_root()) GTEST_SKIP() << "root makes cgroups: MemoryLimitIsWrittenToTheContainersCgroup";
  Json c = config(kWaitForTerm);
  c["linux"]["resources"]["pids"] = {{"limit", 50}};
  write_config(c);
  Process p(to_files(oci({"create", "--bundle", bundle(), "p1"}), "create"), {});
  const pid_t runtime = p.pid();
  auto r = p.finish();
  r.err = file_contents(dir_ / "create.err");
  if (r.exit_code == 0) {
    track("p1");
    EXPECT_EQ(call({"delete", "--force", "p1"}).exit_code, 0);
    GTEST_SKIP() << "this user may make cgroups here (a delegated subtree)";
  }
  EXPECT_NE(r.err.find("not delegated"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("p1")));
  EXPECT_EQ(cgroups_named_after(runtime), std::vector<std::string>{});
}

TEST_F(OciTest, HooksGetTheStateOnStdin) {
  Json c = config(kWaitForTerm);
  auto hook = [this](const std::string& name) {
    return Json{{"path", "/bin/sh"},
                {"args", {"sh", "-c", "cat > " + out(name + ".json")}},
                {"env", {"PATH=/usr/bin:/bin"}}};
  };
  c["hooks"] = {{"createRuntime", Json::array({hook("createRuntime")})},
                {"poststart", Json::array({hook("poststart")})},
                {"poststop", Json::array({hook("poststop")})}};
  c["annotations"] = {{"com.example.test", "hooks"}};
  write_config(c);
  ASSERT_EQ(call({"create", "--bundle", bundle(), "h1"}).exit_code, 0);
  const pid_t pid = track("h1");
  Json created = Json::parse(file_contents(out("createRuntime.json")), nullptr, false);
  EXPECT_EQ(created.value("status", ""), "created") << created.dump();
  EXPECT_EQ(created.value("pid", 0), pid);
  EXPECT_EQ(created.value("id", ""), "h1");
  EXPECT_EQ(created.value("bundle", ""), bundle());
  EXPECT_EQ(created.value("ociVersion", "").substr(0, 2), "1.");
  EXPECT_EQ(created["annotations"].value("com.example.test", ""), "hooks") << created.dump();
  EXPECT_FALSE(exists(out("poststart.json")));

  ASSERT_EQ(call({"start", "h1"}).exit_code, 0);
  Json started = Json::parse(file_contents(out("poststart.json")), nullptr, false);
  EXPECT_EQ(started.value("status", ""), "running") << started.dump();
  EXPECT_EQ(started.value("pid", 0), pid);
  EXPECT_FALSE(exists(out("poststop.json")));

  ASSERT_EQ(call({"kill", "h1", "KILL"}).exit_code, 0);
  ASSERT_TRUE(wait_gone(pid, milliseconds(5000)));
  ASSERT_EQ(call({"delete", "h1"}).exit_code, 0);
  Json stopped = Json::parse(file_contents(out("poststop.json")), nullptr, false);
  EXPECT_EQ(stopped.value("status", ""), "stopped") << stopped.dump();
  EXPECT_EQ(stopped.value("id", ""), "h1");
  expect_gone("h1", pid, 0);
}

// Hooks start with no signal blocked or ignored, whichever command runs them (`run` blocks
// those it forwards to the container). grep itself is the hook: a shell would clear its mask.
TEST_F(OciTest, HooksOfRunStartWithNoSignalBlocked) {
  Json c = config("true");
  const Json hook = {{"path", "/usr/bin/grep"},
                     {"args", {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}}};
  c["hooks"] = {{"createRuntime", Json::array({hook})},
                {"poststart", Json::array({hook})},
                {"poststop", Json::array({hook})}};
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "sig1"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const std::vector<std::string> clear = {"SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"};
  std::vector<std::string> want;
  for (int hook_run = 0; hook_run < 3; ++hook_run)
    want.insert(want.end(), clear.begin(), clear.end());
  EXPECT_EQ(lines_of(r.out), want) << r.describe();
}

TEST_F(OciTest, FailingCreateRuntimeHookFailsCreateAndCleansUp) {
  Json c = config(kWaitForTerm);
  c["hooks"]["createRuntime"] = {{{"path", "/bin/sh"},
                                  {"args", {"sh", "-c", "cat > " + out("state.json") + "; exit 3"}},
                                  {"env", {"PATH=/usr/bin:/bin"}}}};
  write_config(c);
  Process p(to_files(oci({"create", "--bundle", bundle(), "f1"}), "create"), {});
  const pid_t runtime = p.pid();
  auto r = p.finish();
  r.err = file_contents(dir_ / "create.err");
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("hooks.createRuntime[0]"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("exited with status 3"), std::string::npos) << r.describe();
  // The container existed when the hook ran, and is gone with everything it had.
  Json seen = Json::parse(file_contents(out("state.json")), nullptr, false);
  const pid_t pid = seen.is_object() ? seen.value("pid", 0) : 0;
  ASSERT_GT(pid, 0) << file_contents(out("state.json"));
  pids_.push_back(pid);
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  EXPECT_FALSE(exists(state_dir("f1")));
  EXPECT_EQ(cgroups_named_after(runtime), std::vector<std::string>{});
  EXPECT_FALSE(exists(out("started")));
}

TEST_F(OciTest, JsonLogGetsTheError) {
  Json c = config("");
  c["process"]["args"] = {"/bin/no-such-program"};
  write_config(c);
  const std::string log = dir_ / "runtime.log";
  auto r = call({"--log", log, "--log-format", "json", "create", "--bundle", bundle(), "j1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  bool found = false;
  for (const auto& line : lines_of(file_contents(log))) {
    Json j = Json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not a JSON line: " << line;
    EXPECT_TRUE(j.contains("time")) << line;
    if (j.value("level", "") == "error" &&
        j.value("msg", "").find("/bin/no-such-program") != std::string::npos)
      found = true;
  }
  EXPECT_TRUE(found) << file_contents(log);
  EXPECT_FALSE(exists(state_dir("j1")));
}

TEST_F(OciTest, SystemdCgroupIsRefusedWithUsageExit) {
  write_config(config("true"));
  auto r = call({"--systemd-cgroup", "create", "--bundle", bundle(), "y1"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_NE(r.err.find("--systemd-cgroup"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("cgroupfs"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("y1")));
}

TEST_F(OciTest, UnknownConfigKeyIsNamed) {
  Json c = config("true");
  c["linux"]["frobnicator"] = {{"level", 11}};
  write_config(c);
  auto r = call({"create", "--bundle", bundle(), "u1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("config.json: linux.'frobnicator': is not supported by cloister"),
            std::string::npos)
      << r.describe();
  EXPECT_FALSE(exists(state_dir("u1")));
}

TEST_F(OciTest, InvokedAsCloisterOciAndFeatures) {
  const std::string link = dir_.symlink(kCloister, "cloister-oci");
  auto r = run({link, "features"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  Json f = Json::parse(r.out, nullptr, false);
  ASSERT_TRUE(f.is_object()) << r.describe();
  EXPECT_EQ(f.value("ociVersionMin", ""), "1.0.0");
  EXPECT_TRUE(f.contains("mountOptions"));
  r = run({link, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("cloister-oci version ", 0), 0u) << r.describe();
  r = run({link, "frobnicate", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("cloister-oci: unknown command 'frobnicate'", 0), 0u) << r.describe();
}

// A user namespace mapping uid and gid 0 onto the caller's own ids (one each), no cgroup
// asked: what a rootless engine gives. Runs for root too (0 onto 0).
TEST_F(OciTest, UserNamespaceMappedOntoTheCallersOwnIds) {
  Json c = config("id; hostname; echo written > /out/file");
  if (is_root()) add_user_namespace(c);
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "n1"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.out.find("uid=0 gid=0"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("oci-test"), std::string::npos) << r.describe();
  // Written as uid 0 inside: the caller's own uid outside.
  struct stat st {};
  ASSERT_EQ(::stat(out("file").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(st.st_gid, ::getegid());
  EXPECT_FALSE(exists(state_dir("n1")));
}

// process.terminal: the container's process gets a terminal of the container's own devpts
// as stdio and controlling terminal, sized by consoleSize; its master end reaches the engine
// over --console-socket. exec --tty does the same for an exec'd process.
TEST_F(OciTest, TerminalGoesOverTheConsoleSocket) {
  Json c = config("tty; stty size; test -t 0 && test -t 2 && echo stdio-is-terminal; exit 7");
  c["process"]["terminal"] = true;
  c["process"]["consoleSize"] = {{"height", 33}, {"width", 101}};
  write_config(c);
  ConsoleListener listener(dir_ / "console.sock");
  ASSERT_TRUE(listener.bound()) << errno_name(errno);
  Process p(oci({"run", "--console-socket", listener.path(), "--bundle", bundle(), "t1"}), {});
  Fd master = listener.receive_master(milliseconds(10000));
  ASSERT_GE(master.get(), 0) << "no terminal arrived on the console socket";
  const std::string shown = read_terminal(master.get(), milliseconds(10000));
  auto r = p.finish();
  EXPECT_EQ(r.exit_code, 7) << r.describe();
  EXPECT_NE(shown.find("/dev/pts/0"), std::string::npos) << shown;
  EXPECT_NE(shown.find("33 101"), std::string::npos) << shown;
  EXPECT_NE(shown.find("stdio-is-terminal"), std::string::npos) << shown;
  EXPECT_EQ(r.out, "") << "the container's output went to the terminal, not the runtime's stdout";
  EXPECT_FALSE(exists(state_dir("t1")));

  // exec --tty into a container running without one.
  write_config(config(kWaitForTerm));
  ASSERT_EQ(call({"run", "--detach", "--bundle", bundle(), "t2"}).exit_code, 0);
  const pid_t pid = track("t2");
  const unsigned long pid_ns = pid_namespace_of(pid);
  ASSERT_EQ(wait_for_file(out("started"), milliseconds(5000)), "started\n");
  ConsoleListener exec_listener(dir_ / "exec.sock");
  ASSERT_TRUE(exec_listener.bound()) << errno_name(errno);
  Process e(oci({"exec", "--tty", "--console-socket", exec_listener.path(), "t2", "tty"}), {});
  Fd exec_master = exec_listener.receive_master(milliseconds(10000));
  ASSERT_GE(exec_master.get(), 0) << "exec --tty sent no terminal";
  EXPECT_NE(read_terminal(exec_master.get(), milliseconds(10000)).find("/dev/pts/"),
            std::string::npos);
  EXPECT_EQ(e.finish().exit_code, 0);
  ASSERT_EQ(call({"delete", "--force", "t2"}).exit_code, 0);
  expect_gone("t2", pid, pid_ns);
}

// A terminal without a socket to send it over, or a socket without a terminal, is named.
TEST_F(OciTest, TerminalAndConsoleSocketComeTogether) {
  Json c = config("true");
  c["process"]["terminal"] = true;
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "t3"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("process.terminal"), std::string::npos) << r.describe();
  EXPECT_NE(r.err.find("--console-socket"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("t3")));

  write_config(config("true"));
  r = run(oci({"run", "--console-socket", dir_ / "nobody.sock", "--bundle", bundle(), "t4"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("--console-socket"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("t4")));

  // Nobody listens: connect's error, the socket's path.
  c["process"]["terminal"] = true;
  write_config(c);
  r = run(oci({"run", "--console-socket", dir_ / "nobody.sock", "--bundle", bundle(), "t5"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("nobody.sock"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("t5")));
}

// org.cloister.profile: the profile's [seccomp] is a filter of its own, installed as well as
// linux.seccomp's (none, one allowing all, or one denying something else: both hold), and
// what the profile sets that a container cannot take is said, not applied.
TEST_F(OciTest, ProfileAnnotationStacksItsSeccompFilter) {
  const std::string profile =
      dir_.write("deny-mkdir.toml",
                 "[seccomp]\nbase = \"none\"\n"
                 "deny = [{ name = \"mkdir\", action = \"errno:EPERM\" },\n"
                 "        { name = \"mkdirat\", action = \"errno:EPERM\" }]\n"
                 "[network]\nmode = \"host\"\n");
  // /tmp/gone is there for each run to remove; each run makes a directory of its own name (the
  // rootfs outlives the runs).
  auto restore_gone = [&] {
    if (!exists(rootfs_ + "/tmp/gone")) dir_.mkdir("bundle/rootfs/tmp/gone");
  };
  restore_gone();
  auto container = [&](const std::string& name, const Json* seccomp, bool annotated) {
    Json c = config("/bin/busybox mkdir /tmp/" + name + " 2>&1; echo mkdir=$?; " +
                    "/bin/busybox rmdir /tmp/gone 2>&1; echo rmdir=$?");
    if (seccomp) c["linux"]["seccomp"] = *seccomp;
    if (annotated) c["annotations"] = {{"org.cloister.profile", profile}};
    write_config(c);
    return run(oci({"run", "--bundle", bundle(), "p-" + name}));
  };

  auto r = container("plain", nullptr, false);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mkdir"), "0") << r.describe();
  ASSERT_TRUE(exists(rootfs_ + "/tmp/plain"));
  restore_gone();

  r = container("profiled", nullptr, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mkdir"), "1") << r.describe();
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(rootfs_ + "/tmp/profiled"));
  EXPECT_EQ(r.value("rmdir"), "0") << r.describe();  // the profile denies mkdir alone
  restore_gone();
  EXPECT_NE(r.err.find("annotations.org.cloister.profile: profile '" + profile + "': [network] (" +
                       profile + ":5:1) not applied"),
            std::string::npos)
      << r.describe();

  const Json allow_all = {{"defaultAction", "SCMP_ACT_ALLOW"}};
  r = container("allowed", &allow_all, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mkdir"), "1") << r.describe();
  EXPECT_NE(r.out.find("Operation not permitted"), std::string::npos) << r.describe();
  restore_gone();

  // config.json's filter denies rmdir, the profile's mkdir: both are refused.
  const Json deny_rmdir = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls", {{{"names", {"rmdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EACCES}}}}};
  r = container("both", &deny_rmdir, true);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mkdir"), "1") << r.describe();
  EXPECT_EQ(r.value("rmdir"), "1") << r.describe();
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.describe();
  EXPECT_TRUE(exists(rootfs_ + "/tmp/gone"));
  r = container("config-only", &deny_rmdir, false);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.value("mkdir"), "0") << r.describe();
  EXPECT_EQ(r.value("rmdir"), "1") << r.describe();

  // A profile that is not there: create fails naming the annotation, and leaves nothing.
  Json c = config("true");
  c["annotations"] = {{"org.cloister.profile", dir_ / "missing.toml"}};
  write_config(c);
  r = run(oci({"run", "--bundle", bundle(), "p-missing"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("annotations.org.cloister.profile"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("p-missing")));
}

// A file without #! is not run by /bin/sh (glibc's execvp retry): the exec fails with
// ENOEXEC, as in runc and crun, said on the process's stderr (after start nothing else reads).
TEST_F(OciTest, AFileWithoutShebangIsAnExecFormatError) {
  dir_.write("bundle/rootfs/bin/plain", "echo ran > /out/ran\n", 0755);
  Json c = config("");
  c["process"]["args"] = {"/bin/plain"};
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "x1"}));
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_FALSE(exists(out("ran"))) << "run by a shell";
  EXPECT_NE(r.err.find("cloister-oci: exec /bin/plain: Exec format error (/bin/plain is neither "
                       "a program for this machine nor a script starting with #!)\n"),
            std::string::npos)
      << r.describe();
  // Found through PATH: the same.
  c["process"]["args"] = {"plain"};
  write_config(c);
  r = run(oci({"run", "--bundle", bundle(), "x2"}));
  EXPECT_EQ(r.exit_code, 126) << r.describe();
  EXPECT_FALSE(exists(out("ran"))) << "run by a shell";
  EXPECT_NE(r.err.find("cloister-oci: exec plain: Exec format error (/bin/plain, found in PATH, "
                       "is neither "),
            std::string::npos)
      << r.describe();
  EXPECT_FALSE(exists(state_dir("x1")));
  EXPECT_FALSE(exists(state_dir("x2")));
}

// A script whose interpreter is missing is found at create (it exists) and fails only at
// exec, after start: the process says so on its own stderr, which the engine shows.
TEST_F(OciTest, AnExecFailingAfterStartIsSaidOnTheProcessStderr) {
  dir_.write("bundle/rootfs/bin/script", "#!/bin/no-such-shell\necho ran\n", 0755);
  Json c = config("");
  c["process"]["args"] = {"/bin/script"};
  write_config(c);
  auto r = call({"create", "--bundle", bundle(), "i1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const pid_t pid = track("i1");
  const std::string container_stderr = dir_ / ("call-" + std::to_string(calls_) + ".err");
  r = call({"start", "i1"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(wait_gone(pid, milliseconds(5000)));
  // create's own warnings come first in that file (uid 65534: no cgroup).
  const std::string said =
      "cloister-oci: exec /bin/script: No such file or directory (/bin/script exists, but the "
      "interpreter its #! line names is missing: /bin/no-such-shell)\n";
  const auto deadline = Clock::now() + milliseconds(5000);
  while (file_contents(container_stderr).find(said) == std::string::npos && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  const std::string text = file_contents(container_stderr);
  EXPECT_EQ(text.size() >= said.size() ? text.substr(text.size() - said.size()) : text, said)
      << text;
  ASSERT_EQ(call({"delete", "i1"}).exit_code, 0);
  expect_gone("i1", pid, 0);
}

// runc refuses a directory as the program at create; so does cloister (access(X_OK) alone
// would let it through: a directory is searchable).
TEST_F(OciTest, CreateRefusesADirectoryAsTheProgram) {
  Json c = config("");
  c["process"]["args"] = {"/bin"};
  write_config(c);
  Process p(to_files(oci({"create", "--bundle", bundle(), "dir1"}), "create"), {});
  const pid_t runtime = p.pid();
  auto r = p.finish();
  r.err = file_contents(dir_ / "create.err");
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("cloister-oci: exec /bin: Permission denied (/bin is a directory)\n"),
            std::string::npos)
      << r.describe();
  EXPECT_FALSE(exists(state_dir("dir1")));
  EXPECT_EQ(cgroups_named_after(runtime), std::vector<std::string>{});
}

// HOME as runc and crun set it where process.env has none: the uid's home in the container's
// /etc/passwd, "/" when it is not listed there. No PWD is added (runc and crun add none).
TEST_F(OciTest, HomeFromTheContainersPasswdAndNoPwd) {
  dir_.mkdir("bundle/rootfs/etc");
  // The shell's initial environment, as the runtime gave it (a shell sets PWD itself later);
  // `; true`: cat is forked, the shell does not become it.
  Json c = config("cat /proc/$$/environ > /out/environ; true");
  auto environ_of = [&](const std::string& id) {
    ::unlink(out("environ").c_str());
    write_config(c);
    auto r = run(oci({"run", "--bundle", bundle(), id}));
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::vector<std::string> entries;
    std::string text = file_contents(out("environ"));
    for (std::size_t at = 0; at < text.size();) {
      auto end = text.find('\0', at);
      if (end == std::string::npos) end = text.size();
      entries.push_back(text.substr(at, end - at));
      at = end + 1;
    }
    return entries;
  };
  dir_.write("bundle/rootfs/etc/passwd",
             "daemon:x:1:1::/usr/sbin:/bin/sh\nroot:x:0:0:root:/root:/bin/sh\n");
  EXPECT_EQ(environ_of("h1"), (std::vector<std::string>{"PATH=/bin", "HOME=/root"}));
  dir_.write("bundle/rootfs/etc/passwd", "daemon:x:1:1::/usr/sbin:/bin/sh\n");
  EXPECT_EQ(environ_of("h2"), (std::vector<std::string>{"PATH=/bin", "HOME=/"}));
  c["process"]["env"] = {"PATH=/bin", "HOME=/given"};
  EXPECT_EQ(environ_of("h3"), (std::vector<std::string>{"PATH=/bin", "HOME=/given"}));
}

// The five sets of process.capabilities as given (podman's root process: no inheritable, no
// ambient capabilities), then what the kernel makes of them at exec.
TEST_F(OciTest, CapabilitySetsAreSetAsGiven) {
  Json c = config("while read k v; do case $k in Cap*) echo $k$v;; esac; done < /proc/self/status");
  c["process"]["capabilities"] = {{"bounding", {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"}},
                                  {"permitted", {"CAP_CHOWN", "CAP_KILL"}},
                                  {"effective", {"CAP_CHOWN", "CAP_KILL"}},
                                  {"inheritable", Json::array()},
                                  {"ambient", Json::array()}};
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "caps1"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out,
            "CapInh:0000000000000000\nCapPrm:0000000000000021\nCapEff:0000000000000021\n"
            "CapBnd:0000000000000421\nCapAmb:0000000000000000\n")
      << r.describe();
  c["process"]["capabilities"]["inheritable"] = {"CAP_KILL"};
  c["process"]["capabilities"]["ambient"] = {"CAP_KILL"};
  write_config(c);
  r = run(oci({"run", "--bundle", bundle(), "caps2"}));
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out,
            "CapInh:0000000000000020\nCapPrm:0000000000000021\nCapEff:0000000000000021\n"
            "CapBnd:0000000000000421\nCapAmb:0000000000000020\n")
      << r.describe();
}

// A limit the kernel or the caller refuses is named by its key in config.json: RLIMIT_NOFILE
// above fs.nr_open (root), above the caller's hard limit (anyone else).
TEST_F(OciTest, RlimitErrorsNameTheConfigKey) {
  Json c = config("true");
  c["process"]["rlimits"] = {{{"type", "RLIMIT_CORE"}, {"soft", 0}, {"hard", 0}},
                             {{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 1ULL << 40}}};
  write_config(c);
  auto r = run(oci({"run", "--bundle", bundle(), "rl1"}));
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("cloister-oci: process.rlimits[1]: "), std::string::npos) << r.describe();
  EXPECT_EQ(r.err.find("--rlimit"), std::string::npos) << r.describe();
  EXPECT_FALSE(exists(state_dir("rl1")));
}

// delete --force of a container that is not there: done, as with runc and crun (engines call
// it after a failed create); without --force, an error naming it.
TEST_F(OciTest, DeleteForceOfAMissingContainerSucceeds) {
  auto r = call({"delete", "--force", "never-made"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  r = call({"delete", "never-made"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("never-made"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace cloister_it
