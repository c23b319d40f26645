// Why COMMAND or a path is missing from the sandbox, worked out from the plan and the host:
// no sandbox is started, plans are resolved from command lines over temporary host trees.
#include "plan/diagnose.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "policy/cli.hpp"

namespace cloister {
namespace {

using Args = std::vector<std::string>;

const Caller kCaller{0, 0, "/", 1};

Plan plan_for(const Args& args, const Caller& caller = kCaller) {
  auto parsed = cli::parse(args, cli::Dialect::Run);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message());
  auto plan = resolve(parsed->policy, caller);
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message());
  return std::move(*plan);
}

Error exec_error(const std::string& command, int err) {
  return Error{"exec", "execvp", command, err, "COMMAND must exist inside the sandbox"};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string notes_of(const diagnose::Explanation& e) {
  std::string all;
  for (const auto& n : e.notes) all += n + "\n";
  return all;
}

// usr/bin/tool -> <tree>/alt/tool (absolute, a host path), alt/tool, a script whose
// interpreter is nowhere, and an unreadable-free copy of nothing else.
class HostTree {
 public:
  HostTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cloister-diag-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp";
    root_ = tmpl;
    std::filesystem::create_directories(root_ + "/usr/bin");
    std::filesystem::create_directories(root_ + "/alt");
    std::ofstream(root_ + "/alt/tool") << "#!/bin/sh\n";
    std::filesystem::create_symlink(root_ + "/alt/tool", root_ + "/usr/bin/tool");
    std::ofstream(root_ + "/usr/bin/script") << "#!/opt/cloister-no-such/interp -x\necho\n";
  }
  ~HostTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  HostTree(const HostTree&) = delete;
  HostTree& operator=(const HostTree&) = delete;
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  std::string top() const { return "/" + root_.substr(1, root_.find('/', 1) - 1); }

 private:
  std::string root_;
};

TEST(Diagnose, SymlinkLeavingTheViewNamesTheGapAndTheBindThatFillsIt) {
  HostTree tree;
  const Plan plan = plan_for({"--empty-root", "--ro-bind", tree.path("usr"), "/usr", "true"});
  const auto why = diagnose::explain(plan, exec_error("/usr/bin/tool", ENOENT));
  EXPECT_TRUE(has(why.hint, "/usr/bin/tool -> " + tree.path("alt/tool"))) << why.hint;
  EXPECT_TRUE(has(why.hint, "nothing is bound or created at " + tree.top())) << why.hint;
  EXPECT_TRUE(has(why.hint, "--ro-bind " + tree.path("alt/tool") + " " + tree.path("alt/tool")))
      << why.hint;
  EXPECT_TRUE(has(notes_of(why), "the sandbox's / holds: usr\n")) << notes_of(why);
  EXPECT_TRUE(has(notes_of(why), "--empty-root")) << notes_of(why);
}

TEST(Diagnose, CommandInNoDirectoryOfPath) {
  const Plan plan = plan_for({"--setenv", "PATH", "/usr/bin:/bin", "cloister-no-such-command"});
  const auto why = diagnose::explain(plan, exec_error("cloister-no-such-command", ENOENT));
  EXPECT_TRUE(has(why.hint,
                  "'cloister-no-such-command' is in no directory of the sandbox's PATH "
                  "(/usr/bin:/bin), nor in the host's"))
      << why.hint;
  EXPECT_TRUE(has(notes_of(why), "usr")) << notes_of(why);
  EXPECT_FALSE(has(notes_of(why), "--empty-root")) << "the default view is there";
}

// The file is there; what the kernel runs first for it is not.
TEST(Diagnose, MissingDynamicLoaderOrInterpreter) {
  char self[PATH_MAX];
  ASSERT_TRUE(::realpath("/proc/self/exe", self));
  const Plan elf = plan_for({"--empty-root", "--ro-bind", self, "/prog", "true"});
  const auto loader = diagnose::explain(elf, exec_error("/prog", ENOENT));
  EXPECT_TRUE(has(loader.hint, "/prog is in the sandbox, but its dynamic loader /")) << loader.hint;
  EXPECT_TRUE(has(loader.hint, "nothing is bound or created at /")) << loader.hint;

  HostTree tree;
  const Plan script = plan_for({"--ro-bind", tree.path("usr/bin/script"), "/s", "true"});
  const auto interp = diagnose::explain(script, exec_error("/s", ENOENT));
  EXPECT_TRUE(has(interp.hint,
                  "/s is in the sandbox, but its interpreter "
                  "/opt/cloister-no-such/interp is not"))
      << interp.hint;
}

TEST(Diagnose, RelativeCommandWhenTheCurrentDirectoryIsNotBound) {
  const Caller away{0, 0, "/cloister-no-such-dir", 1};
  const Plan plan = plan_for({"./run.sh"}, away);
  const auto why = diagnose::explain(plan, exec_error("./run.sh", ENOENT));
  EXPECT_TRUE(has(why.hint, "/run.sh is not in the sandbox")) << why.hint;
  EXPECT_TRUE(has(notes_of(why),
                  "COMMAND started in /: the current directory "
                  "/cloister-no-such-dir is not in the sandbox (--bind "
                  "/cloister-no-such-dir /cloister-no-such-dir --chdir"))
      << notes_of(why);
}

TEST(Diagnose, PathsInATmpfsOrDevOrNowhere) {
  const Plan plan = plan_for({"--tmpfs", "/t", "true"});
  EXPECT_TRUE(has(diagnose::explain(plan, exec_error("/t/prog", ENOENT)).hint,
                  "/t/prog lies in the tmpfs /t (mode 0755), which starts empty"));
  EXPECT_TRUE(has(diagnose::explain(plan, exec_error("/dev/sda", ENOENT)).hint,
                  "the sandbox's /dev holds only null, zero"));
  const auto chdir = diagnose::explain(plan, Error{"--chdir", "chdir", "/src", ENOENT, ""});
  EXPECT_EQ(chdir.hint, "/src is not in the sandbox: nothing is bound or created at /src");
  EXPECT_TRUE(has(notes_of(chdir), ", t, tmp, usr")) << notes_of(chdir);
  const auto landlock =
      diagnose::explain(plan, Error{"landlock", "open", "/x/y", ENOENT, "the path must exist"});
  EXPECT_EQ(landlock.hint, "/x/y is not in the sandbox: nothing is bound or created at /x");
  // Present paths and other errors: nothing to add.
  EXPECT_TRUE(diagnose::explain(plan, Error{"--chdir", "chdir", "/t", ENOENT, ""}).hint.empty());
  EXPECT_TRUE(diagnose::explain(plan, Error{"clone3", "", "", EPERM, ""}).hint.empty());
}

TEST(Diagnose, DestinationInAReadOnlyBindThroughASymlink) {
  HostTree tree;
  const Plan plan = plan_for(
      {"--empty-root", "--ro-bind", tree.path("usr"), "/ro", "--symlink", "ro", "/link", "true"});
  const auto why =
      diagnose::explain(plan, Error{"symlink /link/x -> /y", "symlink", "/link/x", EROFS, ""});
  EXPECT_EQ(why.hint,
            "/link/x would be made in /ro (through /link -> ro), inside the read-only bind of /ro: "
            "put it elsewhere, or mount something writable there first (--tmpfs DIR or --bind SRC "
            "DIR)");
}

TEST(Diagnose, LandlockExecRefusalNamesLandlock) {
  const Plan plan =
      plan_for({"--landlock=best-effort", "--landlock-read", "/usr", "/bin/sh", "-c", "true"});
  const auto why = diagnose::explain(plan, exec_error("/bin/sh", EACCES));
  EXPECT_TRUE(has(why.hint, "Landlock refused it: /usr/")) << why.hint;
  EXPECT_TRUE(has(why.hint,
                  "is beneath no --landlock-exec path (none given); --landlock-exec /usr "
                  "allows what lies beneath"))
      << why.hint;
  const Plan granted = plan_for({"--landlock=best-effort", "--landlock-exec", "/usr", "/bin/sh"});
  EXPECT_TRUE(diagnose::explain(granted, exec_error("/bin/sh", EACCES)).hint.empty());
  const Plan none = plan_for({"/bin/sh"});
  EXPECT_TRUE(diagnose::explain(none, exec_error("/bin/sh", EACCES)).hint.empty());
}

// The read end of a pipe holding `data`; the caller closes it.
int data_fd(const std::string& data) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  EXPECT_EQ(::write(fds[1], data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ::close(fds[1]);
  return fds[0];
}

std::string tcp_dns_notice(const std::string& resolv_conf, const Args& more) {
  const int fd = data_fd(resolv_conf);
  Args args = {"--net=tcp", "--landlock=best-effort", "--ro-bind-data", std::to_string(fd),
               "/etc/resolv.conf"};
  args.insert(args.end(), more.begin(), more.end());
  args.push_back("true");
  const Plan plan = plan_for(args);
  ::close(fd);
  return diagnose::tcp_mode_dns(plan);
}

// --net=tcp has no UDP: the notice says so when the sandbox's resolv.conf needs it.
TEST(Diagnose, TcpModeSaysWhenDnsCannotWork) {
  EXPECT_EQ(tcp_dns_notice("nameserver 192.0.2.1\nnameserver 192.0.2.2\n", {}),
            "--net=tcp: no DNS: /etc/resolv.conf names 192.0.2.1, 192.0.2.2, asked over UDP, "
            "which this mode refuses. Use addresses, --net=host or --net=pasta, or bind a "
            "resolv.conf with 'options use-vc' (DNS over TCP) over /etc/resolv.conf and add "
            "--allow-connect 53");
  EXPECT_EQ(tcp_dns_notice("nameserver 192.0.2.1\noptions use-vc\n", {}),
            "--net=tcp: no DNS: /etc/resolv.conf asks 192.0.2.1 over TCP, but port 53 is not "
            "among the --allow-connect ports: add --allow-connect 53");
  EXPECT_EQ(tcp_dns_notice("nameserver 192.0.2.1\noptions use-vc\n", {"--allow-connect", "53"}),
            "");
  EXPECT_EQ(tcp_dns_notice("# no resolver\n", {}), "");
}

}  // namespace
}  // namespace cloister
