#include "plan/default_view.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <climits>
#include <cstdlib>
#include <type_traits>

namespace cloister::default_view {
namespace {

// The parts of /etc that ordinary programs read: identity, name service, dynamic linker,
// time zone, TLS roots, terminal and shell setup. Secrets (shadow, ssh keys) stay out.
constexpr std::array<const char*, 27> kEtcEntries = {
    "passwd",       "group",           "nsswitch.conf", "hosts",        "host.conf",
    "resolv.conf",  "gai.conf",        "services",      "protocols",    "localtime",
    "timezone",     "ld.so.cache",     "ld.so.conf",    "ld.so.conf.d", "alternatives",
    "ssl",          "ca-certificates", "mime.types",    "os-release",   "debian_version",
    "profile",      "bash.bashrc",     "inputrc",       "shells",       "terminfo",
    "locale.alias", "environment"};

constexpr std::array<const char*, 6> kRootLinks = {"bin",   "sbin",  "lib",
                                                   "lib32", "lib64", "libx32"};

// A read-only bind of the host's `path` at the same place, when the host has it.
void add_ro_bind(std::vector<FsStep>& steps, const std::string& path) {
  char real[PATH_MAX];
  struct stat st {};
  if (!::realpath(path.c_str(), real) || ::stat(real, &st) != 0) return;
  step::Bind b;
  b.source = real;
  b.dest = path;
  b.read_only = true;
  b.source_is_dir = S_ISDIR(st.st_mode);
  b.dev = st.st_dev;
  b.ino = st.st_ino;
  b.option = "--ro-bind";
  steps.emplace_back(std::move(b));
}

std::vector<FsStep> full_view(const std::string& console, bool host_pid_namespace) {
  std::vector<FsStep> steps;
  add_ro_bind(steps, "/usr");
  for (const char* name : kRootLinks) {
    const std::string path = std::string("/") + name;
    char target[PATH_MAX];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
    if (n > 0)
      steps.emplace_back(step::Symlink{std::string(target, static_cast<std::size_t>(n)), path});
    else
      add_ro_bind(steps, path);
  }
  steps.emplace_back(step::Dir{"/etc", 0755});
  for (const char* name : kEtcEntries) add_ro_bind(steps, std::string("/etc/") + name);
  steps.emplace_back(step::Tmpfs{"/tmp", 01777, {}});
  steps.emplace_back(step::Dir{"/var", 0755});
  steps.emplace_back(step::Tmpfs{"/var/tmp", 01777, {}});
  steps.emplace_back(step::Proc{"/proc", host_pid_namespace});
  steps.emplace_back(step::Dev{"/dev", console, std::nullopt});
  return steps;
}

// The user step that hides `def`, if any.
const FsStep* replacement_for(const FsStep& def, const std::vector<FsStep>& user) {
  const std::string dest = dest_of(def);
  for (const auto& u : user) {
    if (!places_something(u)) continue;
    const std::string theirs = dest_of(u);
    if (dest == theirs || (mounts_tree(u) && at_or_below(dest, theirs))) return &u;
  }
  return nullptr;
}

}  // namespace

std::string normalise(const std::string& path) {
  std::string out;
  std::size_t pos = 0;
  while (pos < path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    const std::string part = path.substr(pos, slash - pos);
    if (!part.empty() && part != ".") out += "/" + part;
    pos = slash + 1;
  }
  return out.empty() ? "/" : out;
}

bool at_or_below(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.compare(0, dir.size(), dir) == 0 &&
         (path.size() == dir.size() || path[dir.size()] == '/');
}

std::string dest_of(const FsStep& s) {
  return normalise(std::visit(
      [](const auto& st) -> std::string {
        using T = std::decay_t<decltype(st)>;
        if constexpr (std::is_same_v<T, step::Chmod>)
          return st.path;
        else if constexpr (std::is_same_v<T, step::SealRoot>)
          return "/";
        else
          return st.dest;
      },
      s));
}

bool places_something(const FsStep& s) {
  return !std::holds_alternative<step::RemountRo>(s) && !std::holds_alternative<step::Chmod>(s) &&
         !std::holds_alternative<step::LockFile>(s) && !std::holds_alternative<step::SealRoot>(s);
}

bool mounts_tree(const FsStep& s) {
  if (const auto* b = std::get_if<step::Bind>(&s)) return b->source_is_dir;
  return std::holds_alternative<step::Tmpfs>(s) || std::holds_alternative<step::Proc>(s) ||
         std::holds_alternative<step::Dev>(s) || std::holds_alternative<step::Mqueue>(s);
}

View build(const std::vector<FsStep>& user, const std::string& console, bool host_pid_namespace) {
  View view;
  for (const auto& u : user)
    if (places_something(u) && mounts_tree(u) && dest_of(u) == "/") {
      view.seal = false;
      view.replaced.push_back("the whole default view (by " + describe(u) + ")");
      return view;
    }
  for (auto& def : full_view(console, host_pid_namespace)) {
    if (const FsStep* by = replacement_for(def, user))
      view.replaced.push_back(describe(def) + " (by " + describe(*by) + ")");
    else
      view.steps.push_back(std::move(def));
  }
  return view;
}

}  // namespace cloister::default_view
