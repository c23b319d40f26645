#include "oci/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "isolate/cgroups.hpp"
#include "kernel/io.hpp"
#include "plan/plan.hpp"

namespace cloister::oci {
namespace {

Json hook_json(const Hook& h) {
  Json j{{"path", h.path}, {"args", h.args}, {"env", h.env}, {"origin", h.origin}};
  if (h.timeout_s) j["timeout"] = *h.timeout_s;
  return j;
}

Hook hook_of(const Json& j) {
  Hook h;
  h.path = j.value("path", "");
  h.args = j.value("args", std::vector<std::string>{});
  h.env = j.value("env", std::vector<std::string>{});
  h.origin = j.value("origin", "");
  if (j.contains("timeout")) h.timeout_s = j["timeout"].get<int>();
  return h;
}

// The root and whatever parents of it are missing, each 0700 as runc makes them: container
// ids and pids are nobody else's business. Engines name a root below a directory of their own
// that need not exist yet (containerd's runc shim: /run/containerd/runc/NAMESPACE).
Status make_root(const std::string& root) {
  for (std::size_t slash = root.find('/', 1);; slash = root.find('/', slash + 1)) {
    const std::string dir = root.substr(0, slash);
    if (!dir.empty() && dir.back() != '/' && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return Error{"--root", "mkdir", dir, errno,
                   "--root must name a directory, or a path where one can be made"};
    if (slash == std::string::npos) return ok_status();
  }
}

}  // namespace

Status write_file_atomically(const std::string& path, const std::string& text, const char* step,
                             mode_t mode) {
  const std::string tmp = path + ".cloister-tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return Error{step, "open", tmp, errno, ""};
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(fd.get()) != 0)
    return Error{step, "write", tmp, errno, ""};
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Error{step, "rename", path, errno, ""};
  return ok_status();
}

Status write_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return ok_status();
  return write_file_atomically(path, std::to_string(pid), "--pid-file", 0644);
}

std::string status_name(ContainerStatus status) {
  switch (status) {
    case ContainerStatus::Creating: return "creating";
    case ContainerStatus::Created: return "created";
    case ContainerStatus::Running: return "running";
    case ContainerStatus::Paused: return "paused";
    case ContainerStatus::Stopped: return "stopped";
  }
  return "stopped";
}

// Root of a user namespace other than the host's (rootless podman runs its runtime so) cannot
// write /run: like runc and crun it keeps its state under XDG_RUNTIME_DIR when that is set.
std::string default_root() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  const bool has_xdg = xdg && *xdg;
  if (current_caller().host_root || (::geteuid() == 0 && !has_xdg)) return "/run/cloister-oci";
  if (has_xdg) return std::string(xdg) + "/cloister-oci";
  return "/tmp/cloister-oci-" + std::to_string(::geteuid());
}

Status check_id(const std::string& id) {
  const auto bad = [&id](const char* why) {
    return Error{"container id", why, quote(id), 0,
                 "an id is letters, digits and _ + - . (runc's rule)"};
  };
  if (id.empty()) return bad("is empty");
  if (id == "." || id == "..") return bad("is not a name");
  if (id.size() > 1024) return bad("is too long");
  for (char ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '+' || ch == '-' ||
          ch == '.'))
      return bad("has a character not allowed");
  return ok_status();
}

StateDir::StateDir(std::string root, std::string id)
    : root_(std::move(root)), id_(std::move(id)), dir_(root_ + "/" + id_) {}

Status StateDir::make() const {
  CLOISTER_TRY(make_root(root_));
  if (::mkdir(dir_.c_str(), 0700) != 0) {
    const int err = errno;
    return Error{"create", "mkdir", dir_, err,
                 err == EEXIST ? "a container with this id exists: delete it first" : ""};
  }
  return ok_status();
}

bool StateDir::exists() const {
  struct stat st {};
  return ::stat(dir_.c_str(), &st) == 0;
}

Status StateDir::save(const State& s) const {
  Json j{{"id", s.id},
         {"bundle", s.bundle},
         {"pid", s.pid},
         {"start_time", s.start_time},
         {"created", s.created},
         {"annotations", s.annotations},
         {"cgroup_paths", s.cgroup_paths},
         {"cgroup_parents_made", s.cgroup_parents_made}};
  for (auto [name, list] : {std::pair{"poststart", &s.poststart}, std::pair{"poststop", &s.poststop}}) {
    Json hooks = Json::array();
    for (const auto& h : *list) hooks.push_back(hook_json(h));
    j[name] = hooks;
  }
  return write_file_atomically(dir_ + "/state.json", j.dump(), "state", 0600);
}

Result<State> StateDir::load() const {
  const std::string path = dir_ + "/state.json";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    const int err = errno;
    if (err == ENOENT && exists())
      return Error{"state", "container " + quote(id_) + " is being created", "", EBUSY, ""};
    return Error{"state", "no container " + quote(id_), root_, err,
                 err == ENOENT ? "`list` the directory given as --root to see the containers" : ""};
  }
  auto text = io::read_all(fd.get());
  Json j = text ? Json::parse(*text, nullptr, false) : Json();
  if (!j.is_object()) return Error{"state", "parse", path, 0, "the state file is damaged"};
  State s;
  s.id = j.value("id", id_);
  s.bundle = j.value("bundle", "");
  s.pid = j.value("pid", 0);
  s.start_time = j.value("start_time", std::uint64_t{0});
  s.created = j.value("created", "");
  s.annotations = j.value("annotations", std::map<std::string, std::string>{});
  s.cgroup_paths = j.value("cgroup_paths", std::vector<std::string>{});
  s.cgroup_parents_made = j.value("cgroup_parents_made", std::vector<std::string>{});
  for (auto [name, list] : {std::pair{"poststart", &s.poststart}, std::pair{"poststop", &s.poststop}})
    if (j.contains(name) && j[name].is_array())
      for (const auto& h : j[name]) list->push_back(hook_of(h));
  return s;
}

ContainerStatus StateDir::status(const State& s) const {
  const auto started = live_start_time(s.pid);
  if (s.pid <= 0 || !started || *started != s.start_time) return ContainerStatus::Stopped;
  // Frozen whether created or started, as runc says of a paused container.
  if (const auto freezer = cgroups::freezer_of(s.cgroup_paths);
      !freezer.empty() && cgroups::is_frozen(freezer))
    return ContainerStatus::Paused;
  struct stat st {};
  if (::lstat(fifo().c_str(), &st) == 0) return ContainerStatus::Created;
  return ContainerStatus::Running;
}

Status StateDir::remove() const {
  for (const char* name : {"state.json", "state.json.cloister-tmp", "exec.fifo"}) {
    const std::string path = dir_ + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return Error{"delete", "unlink", path, errno, ""};
  }
  if (::rmdir(dir_.c_str()) != 0 && errno != ENOENT)
    return Error{"delete", "rmdir", dir_, errno, ""};
  return ok_status();
}

std::optional<std::uint64_t> live_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  UniqueFd fd(::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  auto text = io::read_all(fd.get());
  if (!text) return std::nullopt;
  // The command name may hold spaces and parentheses: fields count from the last ')'.
  const auto close = text->rfind(')');
  if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
  const char state = (*text)[close + 2];
  if (state == 'Z' || state == 'X') return std::nullopt;
  const char* p = text->c_str() + close + 2;
  for (int field = 3; field < 22; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return std::nullopt;
    ++p;
  }
  return std::strtoull(p, nullptr, 10);
}

std::string state_json(const State& s, ContainerStatus status) {
  Json j{{"ociVersion", "1.0.2"},
         {"id", s.id},
         {"status", status_name(status)},
         {"bundle", s.bundle},
         {"annotations", s.annotations}};
  if (status != ContainerStatus::Stopped) j["pid"] = s.pid;
  j["created"] = s.created;
  return j.dump();
}

std::string now_rfc3339() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ts.tv_nsec);
  return buf;
}

}  // namespace cloister::oci
