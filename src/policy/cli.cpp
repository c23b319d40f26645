#include "policy/cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "kernel/capability_names.hpp"
#include "kernel/io.hpp"
#include "policy/profile.hpp"
#include "policy/profile_search.hpp"
#include "policy/rlimit_parse.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/tables.hpp"

namespace cloister::cli {
namespace {

using Kind = FsOp::Kind;

// bubblewrap's largest --size (SIZE_MAX / 2), refused beyond in the bwrap dialect.
constexpr std::uint64_t kMaxTmpfsBytes = SIZE_MAX / 2;

struct UsageFailure {
  Error error;
};

// cloister run's options that the bwrap dialect refuses, and the hint saying why.
const std::map<std::string, std::string>& run_only_options() {
  static const std::map<std::string, std::string> options = {
      {"--keep-fd", "bwrap passes on every inherited descriptor"},
      {"--host-ids", "bubblewrap has no such option; cloister run has it"},
      {"--parent-pid", "bubblewrap has --die-with-parent only; cloister run has it"},
      {"--parent-pidfd", "bubblewrap has --die-with-parent only; cloister run has it"},
      {"--stop-timeout", "bubblewrap passes signals on without a deadline; cloister run has it"},
  };
  return options;
}

[[noreturn]] void fail(const std::string& option, const std::string& what,
                       const std::string& hint = "") {
  throw UsageFailure{Error{option, what, "", 0, hint}};
}

template <class Int>
Int parse_int(const std::string& option, const std::string& text, int base = 10) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    fail(option, "expects a number, got " + quote(text));
  return value;
}

int parse_fd(const std::string& option, const std::string& text) {
  int fd = parse_int<int>(option, text);
  if (fd < 0) fail(option, "expects a file descriptor, got " + quote(text));
  return fd;
}

mode_t parse_mode(const std::string& option, const std::string& text) {
  unsigned mode = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || mode > 07777)
    fail(option, "expects an octal mode up to 07777 (e.g. 0755), got " + quote(text));
  return static_cast<mode_t>(mode);
}

// (uid_t)-1 means "no change" to the kernel's set*id calls and cannot be mapped.
constexpr std::uint64_t kIdLimit = 4294967295ULL;

std::uint32_t parse_id(const std::string& option, const std::string& text) {
  auto id = parse_int<std::uint64_t>(option, text);
  if (id >= kIdLimit) fail(option, "expects an id from 0 to 4294967294, got " + quote(text));
  return static_cast<std::uint32_t>(id);
}

// A cgroup path below the cgroup root; ".." would lead out of the hierarchy.
std::string parse_cgroup_parent(const std::string& option, const std::string& text) {
  if (io::has_dotdot(text))
    fail(option, "must not contain '..', got " + quote(text),
         "name a cgroup below the cgroup root, e.g. cloister or system.slice/cloister");
  return text;
}

// BYTES with an optional K, M or G suffix; 0 would mean "unlimited" to tmpfs, so it is refused.
std::uint64_t parse_size(const std::string& option, const std::string& text) {
  auto value = io::parse_bytes(text);
  if (!value) fail(option, "expects BYTES with an optional K, M or G suffix, got " + quote(text));
  if (*value == 0) fail(option, "takes a non-zero number of bytes");
  return *value;
}

std::optional<NetMode> parse_net_mode(const std::string& value) {
  if (value == "none") return NetMode::None;
  if (value == "unix") return NetMode::Unix;
  if (value == "host") return NetMode::Host;
  if (value == "tcp") return NetMode::Tcp;
  if (value == "pasta") return NetMode::Pasta;
  return std::nullopt;
}

std::uint16_t parse_port(const std::string& option, const std::string& text) {
  auto port = parse_int<unsigned>(option, text);
  if (port > 65535) fail(option, "expects a TCP port (0 to 65535), got " + quote(text));
  return static_cast<std::uint16_t>(port);
}

std::uint64_t parse_weight(const std::string& option, const std::string& text) {
  auto w = parse_int<std::uint64_t>(option, text);
  if (w < 1 || w > 10000) fail(option, "expects a weight from 1 to 10000, got " + quote(text));
  return w;
}

// A process id: 1 or more (0 would name no process, negative ones process groups).
pid_t parse_pid(const std::string& option, const std::string& text) {
  auto pid = parse_int<long long>(option, text);
  if (pid < 1 || pid > std::numeric_limits<pid_t>::max())
    fail(option, "expects a process id (1 or more), got " + quote(text));
  return static_cast<pid_t>(pid);
}

// SECONDS, fractions allowed ("0.5"), up to a day; kept in milliseconds.
std::uint32_t parse_stop_timeout(const std::string& option, const std::string& text) {
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(seconds >= 0) || seconds > 86400)
    fail(option,
         "expects SECONDS from 0 to 86400 (fractions allowed, e.g. 2.5), got " + quote(text));
  return static_cast<std::uint32_t>(seconds * 1000 + 0.5);
}

IdRange parse_range(const std::string& option, const std::string& text) {
  IdRange r;
  auto first = text.find(':');
  auto second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos) fail(option, "expects INSIDE:OUTSIDE:COUNT, got " + quote(text));
  r.inside = parse_id(option, text.substr(0, first));
  r.outside = parse_id(option, text.substr(first + 1, second - first - 1));
  r.count = parse_id(option, text.substr(second + 1));
  if (r.count == 0) fail(option, "COUNT must be at least 1");
  if (r.inside + std::uint64_t{r.count} > kIdLimit || r.outside + std::uint64_t{r.count} > kIdLimit)
    fail(option, "the range " + quote(text) + " goes past id 4294967294",
         "INSIDE+COUNT and OUTSIDE+COUNT must not exceed 4294967295");
  return r;
}

class Parser {
 public:
  using Handler = std::function<void(Parser&, const std::string&)>;

  Parser(std::vector<std::string> args, Dialect dialect)
      : args_(std::move(args)), dialect_(dialect) {}

  // Every option, by name ("--bind"); --net=MODE and the other joined forms are the same
  // entries, reached through dispatch's prefix checks.
  static const std::map<std::string, Handler>& table();

  Parsed run() {
    if (dialect_ == Dialect::Run)
      run_defaults();
    else
      bwrap_defaults();
    while (pos_ < args_.size()) {
      const std::string arg = args_[pos_];
      if (arg == "--") {
        ++pos_;
        break;
      }
      if (arg.size() < 2 || arg[0] != '-') break;
      ++pos_;
      dispatch(arg);
      if (out_.help || out_.version) return std::move(out_);
    }
    check_pending_used();
    if (dialect_ == Dialect::Bwrap) bwrap_checks();
    out_.policy.argv.assign(args_.begin() + static_cast<long>(pos_), args_.end());
    // `cloister run` starts from the default view and filesystem options add to it;
    // --empty-root (and `cloister bwrap`, always) starts from an empty root, as does a
    // profile's root = "empty" (the command line's --empty-root overrides a profile).
    if (dialect_ == Dialect::Run) {
      if (empty_root_)
        out_.policy.default_root = false;
      else if (!out_.policy.root_chosen)
        out_.policy.default_root = true;
    }
    return std::move(out_);
  }

 private:
  // bubblewrap: uid 0 in the sandbox keeps its capabilities; no seccomp filter of its own;
  // COMMAND found and run by execvp, a file without #! run by /bin/sh.
  void bwrap_defaults() {
    out_.policy.root_keeps_caps = true;
    out_.policy.seccomp.base = "none";
    out_.policy.inherit_fds = true;
    out_.policy.exit_record_only_if_ran = true;
    out_.policy.exec.shell_fallback = true;
  }

  void run_defaults() {
    auto& ns = out_.policy.ns;
    ns.user = Want::Try;
    ns.pid = ns.net = ns.ipc = ns.uts = Want::Yes;
    ns.cgroup = Want::Try;
    out_.policy.id.root_maps_onto = kNobody;
  }

  static constexpr std::uint32_t kNobody = 65534;

  static constexpr const char* kPermsUse =
      "must be followed directly by --tmpfs, --dir, --file, --bind-data or --ro-bind-data";
  static constexpr const char* kSizeUse = "must be followed directly by --tmpfs";

  // --perms and --size modify the option right after them and nothing else (as in bwrap).
  void check_pending_used() {
    if (pending_perms_) fail("--perms", kPermsUse);
    if (pending_size_) fail("--size", kSizeUse);
  }

  std::string next(const std::string& option) {
    if (pos_ >= args_.size()) fail(option, "takes an argument", "see --help");
    return args_[pos_++];
  }

  // bubblewrap's words, which its users' scripts and tests look for.
  [[noreturn]] static void fail_bwrap(const std::string& words) {
    throw UsageFailure{Error{"", words, "", 0, ""}};
  }

  int fd_arg(const std::string& option) {
    const std::string text = next(option);
    if (dialect_ != Dialect::Bwrap) return parse_fd(option, text);
    int fd = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), fd);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || fd < 0)
      fail_bwrap("Invalid fd: " + bounded(text, 64));
    return fd;
  }

  // bubblewrap refuses a tmpfs size above SIZE_MAX / 2.
  std::uint64_t size_arg(const std::string& option) {
    const std::uint64_t size = parse_size(option, next(option));
    if (dialect_ == Dialect::Bwrap && size > kMaxTmpfsBytes)
      fail(option, "is limited to " + std::to_string(kMaxTmpfsBytes) + " bytes (for tmpfs)");
    return size;
  }

  // What bubblewrap refuses once every option is read.
  void bwrap_checks() {
    const auto& ns = out_.policy.ns;
    if (ns.disable_userns && ns.user != Want::Yes)
      fail_bwrap("--disable-userns requires --unshare-user");
    if (ns.disable_userns && out_.policy.userns_block_fd >= 0)
      fail_bwrap("--disable-userns is not compatible with --userns-block-fd");
  }

  void seccomp_fd(const std::string& option, bool replaces) {
    auto& sc = out_.policy.seccomp;
    const bool bwrap = dialect_ == Dialect::Bwrap;
    if (replaces && !sc.bpf_fds.empty() && !sc.bpf_replaces_builtin && bwrap)
      fail_bwrap("--seccomp cannot be combined with --add-seccomp-fd");
    if (!replaces && sc.bpf_replaces_builtin && bwrap)
      fail_bwrap("--add-seccomp-fd cannot be combined with --seccomp");
    if (replaces && (sc.bpf_replaces_builtin || !sc.bpf_fds.empty()))
      fail(option, "given twice, or with --add-seccomp-fd");
    if (!replaces && sc.bpf_replaces_builtin) fail(option, "cannot be combined with --seccomp");
    const int fd = fd_arg(option);
    // bwrap reads and closes each program's fd as it parses it: naming it again finds it closed.
    if (bwrap && std::find(sc.bpf_fds.begin(), sc.bpf_fds.end(), fd) != sc.bpf_fds.end())
      throw UsageFailure{Error{option, "read", "fd " + std::to_string(fd), EBADF,
                               "each program is read from its own descriptor"}};
    sc.bpf_fds.push_back(fd);
    sc.bpf_replaces_builtin = replaces && bwrap;
  }

  // --seccomp-allow NAME and --seccomp-deny NAME: one rule in a layer of its own, above the
  // filter so far (the base, profiles and earlier flags), as a profile's allow and deny entries.
  void seccomp_rule(const std::string& option, bool allow) {
    const std::string name = next(option);
    const bool group = !name.empty() && name[0] == '@';
    if (group && !seccomp::find_group(name))
      fail(option, "unknown syscall group " + quote(name), "cloister explain --groups lists them");
    if (!group && seccomp::classify(name) == seccomp::SyscallName::Unknown)
      fail(option, "unknown syscall " + quote(name), "names as in syscalls(2), or a @group");
    SeccompRule rule;
    rule.name = name;
    rule.action = allow ? SeccompAction{SeccompAction::Kind::Allow, 0}
                        : SeccompAction{SeccompAction::Kind::Errno, EPERM};
    rule.origin = option;
    out_.policy.seccomp.layers.push_back({std::move(rule)});
  }

  void fs(Kind kind, std::string source, std::string dest, int fd = -1, bool optional = false) {
    FsOp op{kind, std::move(source), std::move(dest), fd, optional, {}, {}};
    const bool takes_perms = kind == Kind::Tmpfs || kind == Kind::Dir || kind == Kind::File ||
                             kind == Kind::BindData || kind == Kind::RoBindData;
    if (pending_perms_ && !takes_perms) fail("--perms", kPermsUse);
    if (pending_size_ && kind != Kind::Tmpfs) fail("--size", kSizeUse);
    op.perms = std::exchange(pending_perms_, std::nullopt);
    op.size = std::exchange(pending_size_, std::nullopt);
    out_.policy.fs.push_back(std::move(op));
  }

  void two_paths(Kind kind, const std::string& option, bool optional) {
    auto src = next(option);
    auto dest = next(option);
    fs(kind, std::move(src), std::move(dest), -1, optional);
  }

  void fd_and_path(Kind kind, const std::string& option) {
    int fd = fd_arg(option);
    fs(kind, "", next(option), fd);
  }

  void read_args_fd(const std::string& option) {
    int fd = fd_arg(option);
    out_.policy.consumed_fds.push_back(fd);
    auto read = io::read_all(fd);
    if (!read) throw UsageFailure{Error{option, "read", "fd " + std::to_string(fd), errno, ""}};
    const std::string& data = *read;
    std::vector<std::string> more;
    std::size_t start = 0;
    while (start < data.size()) {
      auto end = data.find('\0', start);
      if (end == std::string::npos) end = data.size();
      more.push_back(data.substr(start, end - start));
      start = end + 1;
    }
    args_.insert(args_.begin() + static_cast<long>(pos_), more.begin(), more.end());
  }

  void cap(bool add, const std::string& option) {
    auto name = next(option);
    if (name == "ALL" || name == "all") {
      out_.policy.caps.push_back({add, -1});
      if (add) {
        for (int c = 0; c <= caps::last_cap(); ++c) out_.policy.caps.push_back({true, c});
      }
      return;
    }
    auto cap = caps::from_name(name);
    if (!cap)
      fail(option, "unknown capability " + quote(name),
           "names as in capabilities(7), e.g. CAP_NET_BIND_SERVICE");
    out_.policy.caps.push_back({add, *cap});
  }

  // QUOTA/PERIOD in microseconds ("50000/100000"), or "max".
  void cpu_max(const std::string& option, const std::string& value) {
    const auto slash = value.find('/');
    auto& cg = out_.policy.cgroup;
    if (slash == std::string::npos)
      fail(option, "expects QUOTA/PERIOD in microseconds, e.g. 50000/100000");
    cg.cpu_quota_us = parse_int<std::uint64_t>(option, value.substr(0, slash));
    cg.cpu_period_us = parse_int<std::uint64_t>(option, value.substr(slash + 1));
    if (*cg.cpu_quota_us < 1000 || cg.cpu_period_us < 1000 || cg.cpu_period_us > 1000000)
      fail(option, "quota at least 1000, period 1000 to 1000000 microseconds");
  }

  // --cpus 1.5: one and a half CPUs' worth of time per 100 ms period.
  void cpus(const std::string& option, const std::string& value) {
    char* end = nullptr;
    const double n = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(n >= 0.01) || n > 4096)
      fail(option, "expects a number of CPUs such as 0.5 or 1.5, got " + quote(value));
    out_.policy.cgroup.cpu_period_us = 100000;
    out_.policy.cgroup.cpu_quota_us = static_cast<std::uint64_t>(n * 100000 + 0.5);
  }

  void landlock_path(const std::string& option, bool read, bool write, bool exec, bool ioctl) {
    auto path = next(option);
    if (path.empty() || path[0] != '/') fail(option, "expects an absolute path inside the sandbox");
    out_.policy.landlock.paths.push_back({path, read, write, exec, ioctl});
  }

  void port(const std::string& option, std::vector<std::uint16_t>& ports) {
    ports.push_back(parse_port(option, next(option)));
    auto& origin = out_.policy.landlock.ports_origin;
    if (origin.empty()) origin = option;
  }

  void landlock_mode(const std::string& option, const std::string& value) {
    using Mode = LandlockPolicy::Mode;
    auto& mode = out_.policy.landlock.mode;
    if (value == "required")
      mode = Mode::Required;
    else if (value == "best-effort")
      mode = Mode::BestEffort;
    else if (value == "off")
      mode = Mode::Off;
    else
      fail(option, "unknown mode " + quote(value), "required, best-effort or off");
  }

  void net_mode(const std::string& option, const std::string& value) {
    auto mode = parse_net_mode(value);
    if (!mode) fail(option, "unknown mode " + quote(value), "one of none, unix, host, tcp, pasta");
    out_.policy.net = *mode;
  }

  void cgroup_mode(const std::string& option, const std::string& value) {
    if (value != "required" && value != "best-effort")
      fail(option, "unknown mode " + quote(value), "required or best-effort");
    out_.policy.cgroup.best_effort = value == "best-effort";
  }

  void sandbox_mode(const std::string& option, const std::string& value) {
    auto& mode = out_.policy.mode;
    if (value == "namespace")
      mode = SandboxMode::Namespace;
    else if (value == "chroot")
      mode = SandboxMode::Chroot;
    else if (value == "auto")
      mode = SandboxMode::Auto;
    else
      fail(option, "unknown mode " + quote(value), "one of namespace, chroot, auto");
  }

  // --parent-pid and --parent-pidfd name one process, once; either implies --die-with-parent.
  void parent(const std::string& option, pid_t pid, int pidfd) {
    auto& p = out_.policy;
    if (p.parent_pid != 0 || p.parent_pidfd >= 0)
      fail(option, "names cloister's parent a second time",
           "give one of --parent-pid and --parent-pidfd, once");
    p.parent_pid = pid;
    p.parent_pidfd = pidfd;
    p.die_with_parent = true;
  }

  void dispatch(const std::string& arg);

  std::vector<std::string> args_;
  std::size_t pos_ = 0;
  Dialect dialect_;
  Parsed out_;
  bool empty_root_ = false;
  std::optional<mode_t> pending_perms_;
  std::optional<std::uint64_t> pending_size_;
};

const std::map<std::string, Parser::Handler>& Parser::table() {
  static const std::map<std::string, Handler> table = {
      {"--help", [](Parser& s, const std::string&) { s.out_.help = true; }},
      {"-h", [](Parser& s, const std::string&) { s.out_.help = true; }},
      {"--version", [](Parser& s, const std::string&) { s.out_.version = true; }},
      // namespaces
      {"--unshare-user", [](Parser& s, const std::string&) { s.out_.policy.ns.user = Want::Yes; }},
      {"--unshare-user-try", [](Parser& s, const std::string&) {
         if (s.out_.policy.ns.user == Want::No) s.out_.policy.ns.user = Want::Try; }},
      {"--unshare-ipc", [](Parser& s, const std::string&) { s.out_.policy.ns.ipc = Want::Yes; }},
      {"--unshare-pid", [](Parser& s, const std::string&) { s.out_.policy.ns.pid = Want::Yes; }},
      {"--unshare-net", [](Parser& s, const std::string&) {
         s.out_.policy.ns.net = Want::Yes;
         s.out_.policy.net_namespace_explicit = true; }},
      {"--unshare-uts", [](Parser& s, const std::string&) { s.out_.policy.ns.uts = Want::Yes; }},
      {"--unshare-cgroup", [](Parser& s, const std::string&) { s.out_.policy.ns.cgroup = Want::Yes; }},
      {"--unshare-cgroup-try", [](Parser& s, const std::string&) {
         if (s.out_.policy.ns.cgroup == Want::No) s.out_.policy.ns.cgroup = Want::Try; }},
      {"--unshare-all", [](Parser& s, const std::string&) {
         auto& n = s.out_.policy.ns;
         if (n.user == Want::No) n.user = Want::Try;
         if (n.cgroup == Want::No) n.cgroup = Want::Try;
         n.ipc = n.pid = n.net = n.uts = Want::Yes; }},
      {"--share-net", [](Parser& s, const std::string&) {
         s.out_.policy.ns.net = Want::No;
         s.out_.policy.net_namespace_explicit = true; }},
      {"--net", [](Parser& s, const std::string& o) { s.net_mode(o, s.next(o)); }},
      {"--forward", [](Parser& s, const std::string& o) { s.out_.policy.forwards.push_back(s.next(o)); }},
      {"--userns", [](Parser& s, const std::string& o) { s.out_.policy.ns.userns_fd = s.fd_arg(o); }},
      {"--pidns", [](Parser& s, const std::string& o) { s.out_.policy.ns.pidns_fd = s.fd_arg(o); }},
      {"--disable-userns", [](Parser& s, const std::string&) { s.out_.policy.ns.disable_userns = true; }},
      {"--assert-userns-disabled", [](Parser& s, const std::string&) { s.out_.policy.ns.assert_userns_disabled = true; }},
      {"--uid", [](Parser& s, const std::string& o) { s.out_.policy.id.uid = parse_id(o, s.next(o)); }},
      {"--gid", [](Parser& s, const std::string& o) { s.out_.policy.id.gid = parse_id(o, s.next(o)); }},
      {"--host-ids", [](Parser& s, const std::string&) { s.out_.policy.id.host_ids = true; }},
      {"--uid-map", [](Parser& s, const std::string& o) { s.out_.policy.id.uid_map.push_back(parse_range(o, s.next(o))); }},
      {"--gid-map", [](Parser& s, const std::string& o) { s.out_.policy.id.gid_map.push_back(parse_range(o, s.next(o))); }},
      {"--hostname", [](Parser& s, const std::string& o) { s.out_.policy.hostname = s.next(o); }},
      // filesystem
      {"--empty-root", [](Parser& s, const std::string&) { s.empty_root_ = true; }},
      {"--bind", [](Parser& s, const std::string& o) { s.two_paths(Kind::Bind, o, false); }},
      {"--bind-try", [](Parser& s, const std::string& o) { s.two_paths(Kind::Bind, o, true); }},
      {"--ro-bind", [](Parser& s, const std::string& o) { s.two_paths(Kind::RoBind, o, false); }},
      {"--ro-bind-try", [](Parser& s, const std::string& o) { s.two_paths(Kind::RoBind, o, true); }},
      {"--dev-bind", [](Parser& s, const std::string& o) { s.two_paths(Kind::DevBind, o, false); }},
      {"--dev-bind-try", [](Parser& s, const std::string& o) { s.two_paths(Kind::DevBind, o, true); }},
      {"--bind-fd", [](Parser& s, const std::string& o) { s.fd_and_path(Kind::BindFd, o); }},
      {"--ro-bind-fd", [](Parser& s, const std::string& o) { s.fd_and_path(Kind::RoBindFd, o); }},
      {"--remount-ro", [](Parser& s, const std::string& o) { s.fs(Kind::RemountRo, "", s.next(o)); }},
      {"--tmpfs", [](Parser& s, const std::string& o) { s.fs(Kind::Tmpfs, "", s.next(o)); }},
      {"--proc", [](Parser& s, const std::string& o) { s.fs(Kind::Proc, "", s.next(o)); }},
      {"--dev", [](Parser& s, const std::string& o) { s.fs(Kind::Dev, "", s.next(o)); }},
      {"--mqueue", [](Parser& s, const std::string& o) { s.fs(Kind::Mqueue, "", s.next(o)); }},
      {"--dir", [](Parser& s, const std::string& o) { s.fs(Kind::Dir, "", s.next(o)); }},
      {"--symlink", [](Parser& s, const std::string& o) { s.two_paths(Kind::Symlink, o, false); }},
      {"--file", [](Parser& s, const std::string& o) { s.fd_and_path(Kind::File, o); }},
      {"--bind-data", [](Parser& s, const std::string& o) { s.fd_and_path(Kind::BindData, o); }},
      {"--ro-bind-data", [](Parser& s, const std::string& o) { s.fd_and_path(Kind::RoBindData, o); }},
      {"--chmod", [](Parser& s, const std::string& o) {
         auto mode = parse_mode(o, s.next(o));
         s.fs(Kind::Chmod, "", s.next(o));
         s.out_.policy.fs.back().perms = mode; }},
      {"--lock-file", [](Parser& s, const std::string& o) { s.fs(Kind::LockFile, "", s.next(o)); }},
      {"--perms", [](Parser& s, const std::string& o) {
         if (s.pending_perms_) fail(o, "given twice for the same operation");
         s.pending_perms_ = parse_mode(o, s.next(o)); }},
      {"--size", [](Parser& s, const std::string& o) {
         if (s.pending_size_) fail(o, "given twice for the same operation");
         s.pending_size_ = s.size_arg(o); }},
      // process
      {"--chdir", [](Parser& s, const std::string& o) { s.out_.policy.chdir = s.next(o); }},
      {"--setenv", [](Parser& s, const std::string& o) {
         auto name = s.next(o);
         auto value = s.next(o);
         s.out_.policy.env.push_back({EnvOp::Kind::Set, std::move(name), std::move(value)}); }},
      {"--unsetenv", [](Parser& s, const std::string& o) { s.out_.policy.env.push_back({EnvOp::Kind::Unset, s.next(o), ""}); }},
      {"--clearenv", [](Parser& s, const std::string&) { s.out_.policy.env.push_back({EnvOp::Kind::Clear, "", ""}); }},
      {"--argv0", [](Parser& s, const std::string& o) { s.out_.policy.argv0 = s.next(o); }},
      {"--die-with-parent", [](Parser& s, const std::string&) { s.out_.policy.die_with_parent = true; }},
      {"--parent-pid", [](Parser& s, const std::string& o) { s.parent(o, parse_pid(o, s.next(o)), -1); }},
      {"--parent-pidfd", [](Parser& s, const std::string& o) { s.parent(o, 0, s.fd_arg(o)); }},
      {"--stop-timeout", [](Parser& s, const std::string& o) { s.out_.policy.stop_timeout_ms = parse_stop_timeout(o, s.next(o)); }},
      {"--new-session", [](Parser& s, const std::string&) { s.out_.policy.new_session = true; }},
      {"--as-pid-1", [](Parser& s, const std::string&) { s.out_.policy.as_pid_1 = true; }},
      {"--cap-add", [](Parser& s, const std::string& o) { s.cap(true, o); }},
      {"--cap-drop", [](Parser& s, const std::string& o) { s.cap(false, o); }},
      {"--args", [](Parser& s, const std::string& o) { s.read_args_fd(o); }},
      {"--json-status-fd", [](Parser& s, const std::string& o) { s.out_.policy.json_status_fd = s.fd_arg(o); }},
      {"--info-fd", [](Parser& s, const std::string& o) { s.out_.policy.info_fd = s.fd_arg(o); }},
      {"--sync-fd", [](Parser& s, const std::string& o) { s.out_.policy.sync_fd = s.fd_arg(o); }},
      {"--block-fd", [](Parser& s, const std::string& o) { s.out_.policy.block_fd = s.fd_arg(o); }},
      {"--userns-block-fd", [](Parser& s, const std::string& o) { s.out_.policy.userns_block_fd = s.fd_arg(o); }},
      {"--sandbox", [](Parser& s, const std::string& o) { s.sandbox_mode(o, s.next(o)); }},
      {"--rlimit", [](Parser& s, const std::string& o) {
         auto limit = rlimits::parse(s.next(o), o);
         if (!limit) throw UsageFailure{limit.take_error()};
         s.out_.policy.rlimits.push_back(*limit); }},
      {"--memory-max", [](Parser& s, const std::string& o) { s.out_.policy.cgroup.memory_max = parse_size(o, s.next(o)); }},
      {"--memory-swap-max", [](Parser& s, const std::string& o) {
         auto text = s.next(o);
         s.out_.policy.cgroup.memory_swap_max = text == "0" ? 0 : parse_size(o, text); }},
      {"--pids-max", [](Parser& s, const std::string& o) {
         auto n = parse_int<std::uint64_t>(o, s.next(o));
         if (n == 0) fail(o, "must be at least 1");
         s.out_.policy.cgroup.pids_max = n; }},
      {"--cpu-max", [](Parser& s, const std::string& o) { s.cpu_max(o, s.next(o)); }},
      {"--cpus", [](Parser& s, const std::string& o) { s.cpus(o, s.next(o)); }},
      {"--cpu-weight", [](Parser& s, const std::string& o) { s.out_.policy.cgroup.cpu_weight = parse_weight(o, s.next(o)); }},
      {"--io-weight", [](Parser& s, const std::string& o) { s.out_.policy.cgroup.io_weight = parse_weight(o, s.next(o)); }},
      {"--cgroup", [](Parser& s, const std::string& o) { s.cgroup_mode(o, s.next(o)); }},
      {"--cgroup-parent", [](Parser& s, const std::string& o) { s.out_.policy.cgroup.parent = parse_cgroup_parent(o, s.next(o)); }},
      {"--landlock-read", [](Parser& s, const std::string& o) { s.landlock_path(o, true, false, false, false); }},
      {"--landlock-write", [](Parser& s, const std::string& o) { s.landlock_path(o, true, true, false, false); }},
      {"--landlock-exec", [](Parser& s, const std::string& o) { s.landlock_path(o, true, false, true, false); }},
      {"--landlock-ioctl-dev", [](Parser& s, const std::string& o) { s.landlock_path(o, false, false, false, true); }},
      {"--allow-bind", [](Parser& s, const std::string& o) { s.port(o, s.out_.policy.landlock.bind_ports); }},
      {"--allow-connect", [](Parser& s, const std::string& o) { s.port(o, s.out_.policy.landlock.connect_ports); }},
      {"--landlock-scope", [](Parser& s, const std::string& o) {
         auto scope = s.next(o);
         if (scope == "abstract-unix") s.out_.policy.landlock.scope_abstract_unix = true;
         else if (scope == "signal") s.out_.policy.landlock.scope_signal = true;
         else fail(o, "unknown scope " + quote(scope), "abstract-unix or signal"); }},
      {"--landlock", [](Parser& s, const std::string& o) { s.landlock_mode(o, s.next(o)); }},
      {"--trace-setup", [](Parser& s, const std::string&) { s.out_.policy.trace_setup = true; }},
      {"--keep-fd", [](Parser& s, const std::string& o) { s.out_.policy.keep_fds.push_back(parse_fd(o, s.next(o))); }},
      // not available (yet): a clear refusal rather than a silently weaker sandbox
      {"--seccomp", [](Parser& s, const std::string& o) { s.seccomp_fd(o, true); }},
      {"--add-seccomp-fd", [](Parser& s, const std::string& o) { s.seccomp_fd(o, false); }},
      {"--profile", [](Parser& s, const std::string& o) {
         auto path = profile::locate(s.next(o), profile::search_path());
         if (!path) throw UsageFailure{path.take_error()};
         auto st = profile::load_file(*path, s.out_.policy);
         if (!st) throw UsageFailure{st.take_error()}; }},
      {"--seccomp-policy", [](Parser& s, const std::string& o) {
         auto base = s.next(o);
         if (base != "default" && base != "strict-daemon" && base != "none")
           fail(o, "unknown policy " + quote(base), "one of default, strict-daemon, none");
         s.out_.policy.seccomp.base = base; }},
      {"--seccomp-allow", [](Parser& s, const std::string& o) { s.seccomp_rule(o, true); }},
      {"--seccomp-deny", [](Parser& s, const std::string& o) { s.seccomp_rule(o, false); }},
      {"--exec-label", [](Parser&, const std::string& o) { fail(o, "is not supported", "cloister does not set SELinux labels"); }},
      {"--file-label", [](Parser&, const std::string& o) { fail(o, "is not supported", "cloister does not set SELinux labels"); }},
  };
  return table;
}

void Parser::dispatch(const std::string& arg) {
  if (arg.rfind("--sandbox=", 0) == 0) return sandbox_mode("--sandbox", arg.substr(10));
  if (arg.rfind("--cgroup=", 0) == 0) return cgroup_mode("--cgroup", arg.substr(9));
  if (arg.rfind("--landlock=", 0) == 0) return landlock_mode("--landlock", arg.substr(11));
  if (arg.rfind("--net=", 0) == 0) return net_mode("--net", arg.substr(6));

  auto it = table().find(arg);
  if (it == table().end()) fail(bounded(arg, 64), "is not a known option", "see --help");
  if (dialect_ == Dialect::Bwrap)
    if (auto run_only = run_only_options().find(arg); run_only != run_only_options().end())
      fail(arg, "is cloister run's", run_only->second);
  static const std::set<std::string> modifiers_and_their_targets = {
      "--perms", "--size", "--tmpfs", "--dir", "--file", "--bind-data", "--ro-bind-data"};
  if (!modifiers_and_their_targets.count(arg)) check_pending_used();
  it->second(*this, arg);
}

}  // namespace

Result<Parsed> parse(const std::vector<std::string>& args, Dialect dialect) {
  try {
    return Parser(args, dialect).run();
  } catch (UsageFailure& failure) {
    return std::move(failure.error);
  }
}

std::vector<std::string> option_names(Dialect dialect) {
  std::vector<std::string> names;
  for (const auto& [name, handler] : Parser::table())
    if (dialect == Dialect::Run || !run_only_options().count(name)) names.push_back(name);
  return names;
}

}  // namespace cloister::cli
