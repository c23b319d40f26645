// config.json's root, mounts, linux.maskedPaths, linux.readonlyPaths and linux.devices, as
// filesystem operations in order: the bundle's rootfs bound on "/", each mount, the masks.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "oci/spec.hpp"

namespace cloister::oci {
namespace {

using Kind = FsOp::Kind;

// One mount of config.json's mounts, as read.
struct Mount {
  std::string key;
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

// Its options, sorted into what cloister applies.
struct Options {
  bool read_only = false;
  bool noexec = false;
  bool bind = false;
  bool devices = false;  // "dev": device nodes under it usable
  bool tmpcopyup = false;
  std::optional<mode_t> mode;
  std::optional<std::uint64_t> size;
  std::vector<std::string> fs_data;  // newinstance, ptmxmode=..., gid=...: checked per type
};

FsOp make_op(Kind kind, std::string source, std::string dest) {
  FsOp op;
  op.kind = kind;
  op.source = std::move(source);
  op.dest = std::move(dest);
  return op;
}

bool one_of(const std::string& word, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return word == w; });
}

Result<std::uint64_t> parse_size(const std::string& text, const std::string& key) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return spec_error(key, "size " + quote(text) + " is not a number");
  std::uint64_t scale = 1;
  const std::string suffix(end);
  if (suffix == "k" || suffix == "K") scale = 1ULL << 10;
  else if (suffix == "m" || suffix == "M") scale = 1ULL << 20;
  else if (suffix == "g" || suffix == "G") scale = 1ULL << 30;
  else if (!suffix.empty()) return spec_error(key, "size " + quote(text) + " has an unknown unit");
  return static_cast<std::uint64_t>(n) * scale;
}

Result<Options> read_options(const Mount& m) {
  Options o;
  const auto key = member(m.key, "options");
  for (std::size_t i = 0; i < m.options.size(); ++i) {
    const auto& word = m.options[i];
    const auto k = element(key, i);
    const auto eq = word.find('=');
    const auto name = word.substr(0, eq);
    const auto value = eq == std::string::npos ? std::string() : word.substr(eq + 1);
    if (word == "ro") o.read_only = true;
    else if (word == "rw") o.read_only = false;
    else if (word == "noexec") o.noexec = true;
    else if (word == "exec") o.noexec = false;
    else if (word == "bind" || word == "rbind") o.bind = true;  // always recursive: see manual
    else if (word == "dev") o.devices = true;
    else if (word == "tmpcopyup") o.tmpcopyup = true;
    // Always applied by cloister: nosuid, nodev (outside device binds).
    else if (one_of(word, {"nosuid", "nodev"})) continue;
    // Mount events never propagate between host and container: every mount is private.
    else if (one_of(word, {"private", "rprivate", "slave", "rslave"})) continue;
    // Access time updates confine nothing.
    else if (one_of(word, {"relatime", "norelatime", "strictatime", "nostrictatime", "noatime",
                           "atime", "nodiratime", "diratime", "sync", "async"}))
      continue;
    else if (name == "mode") {
      char* end = nullptr;
      const unsigned long mode = std::strtoul(value.c_str(), &end, 8);
      if (value.empty() || *end || mode > 07777) return spec_error(k, "mode must be octal");
      o.mode = static_cast<mode_t>(mode);
    } else if (name == "size") {
      auto size = parse_size(value, k);
      if (!size) return size.take_error();
      o.size = *size;
    } else if (one_of(name, {"newinstance", "ptmxmode", "gid", "uid"})) {
      o.fs_data.push_back(word);
    } else {
      return spec_error(k, quote(word) + " is not supported by cloister",
                        word == "suid" ? "set-id bits never take effect in a cloister container"
                                       : "");
    }
  }
  return o;
}

bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

class MountReader {
 public:
  explicit MountReader(Container& c) : c_(c) {}

  Status root(const Json& config) {
    const Json* root = find(config, "root");
    if (!root) return spec_error("root", "is missing");
    CLOISTER_TRY(known_keys(*root, "root", {"path", "readonly"}));
    const Json* path = find(*root, "path");
    if (!path) return spec_error("root.path", "is missing");
    auto p = string_of(*path, "root.path");
    if (!p) return p.take_error();
    rootfs_ = p->front() == '/' ? *p : c_.bundle + "/" + *p;
    if (const Json* ro = find(*root, "readonly")) {
      auto r = bool_of(*ro, "root.readonly");
      if (!r) return r.take_error();
      c_.policy.root_read_only = *r;
    }
    struct stat st {};
    if (::stat(rootfs_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return spec_error("root.path", quote(rootfs_) + " is not a directory");
    add(Kind::Bind, rootfs_, "/");
    return ok_status();
  }

  Status mount(const Mount& m) {
    auto o = read_options(m);
    if (!o) return o.take_error();
    if (m.destination.empty() || m.destination.front() != '/')
      return spec_error(member(m.key, "destination"), "must be an absolute path");
    if (o->bind || m.type == "bind") return bind(m, *o);
    if (o->tmpcopyup && m.type != "tmpfs")
      return spec_error(member(m.key, "options"), "tmpcopyup is for tmpfs");
    if (m.type == "tmpfs") return tmpfs(m, *o);
    CLOISTER_TRY(no_fs_data(m, *o));
    if (m.type == "proc") return special(Kind::Proc, m, *o);
    if (m.type == "mqueue") return special(Kind::Mqueue, m, *o);
    if (m.type == "sysfs") return special(Kind::Sysfs, m, *o);
    if (m.type == "cgroup" || m.type == "cgroup2") {
      // Mounted outside a cgroup namespace it would show the host's whole tree: the container
      // gets one of its own, rooted at its cgroup.
      const auto& joins = c_.policy.ns.joins;
      const bool joined = std::any_of(joins.begin(), joins.end(),
                                      [](const auto& j) { return j.type == CLONE_NEWCGROUP; });
      if (c_.policy.ns.cgroup == Want::No && !joined) {
        c_.policy.ns.cgroup = Want::Yes;
        c_.notices.push_back(m.destination +
                             ": a cgroup namespace of the container's own is added for its "
                             "cgroup filesystem");
      }
      return special(Kind::Cgroup2, m, *o);
    }
    return spec_error(member(m.key, "type"), quote(m.type) + " is not supported by cloister",
                      "cloister mounts bind, tmpfs, proc, sysfs, cgroup, mqueue and devpts");
  }

  void remember(const Mount& m) { mounts_.push_back(m); }

  // linux.maskedPaths: what exists is covered (a directory by an empty read-only tmpfs, a
  // file by /dev/null); what does not exist needs no mask.
  Status masked(const std::vector<std::string>& paths, const std::string& key) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const auto& path = paths[i];
      if (path.empty() || path.front() != '/')
        return spec_error(element(key, i), "must be an absolute path");
      auto st = host_view(path);
      if (!st) continue;
      if (S_ISDIR(st->st_mode)) {
        FsOp op = make_op(Kind::Tmpfs, "", path);
        op.read_only = true;
        op.perms = 0755;
        c_.policy.fs.push_back(op);
      } else {
        // The null device, usable (not nodev): reading a masked file gives nothing.
        add(Kind::DevBind, "/dev/null", path);
      }
    }
    return ok_status();
  }

  Status read_only(const std::vector<std::string>& paths, const std::string& key) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const auto& path = paths[i];
      if (path.empty() || path.front() != '/')
        return spec_error(element(key, i), "must be an absolute path");
      if (host_view(path)) add(Kind::ReadOnlyPath, "", path);
    }
    return ok_status();
  }

  Status devices(const Json& list, const std::string& key) {
    if (!list.is_array()) return spec_error(key, "must be an array");
    for (std::size_t i = 0; i < list.size(); ++i) CLOISTER_TRY(device(list[i], element(key, i)));
    return ok_status();
  }

 private:
  void add(Kind kind, std::string source, std::string dest) {
    c_.policy.fs.push_back(make_op(kind, std::move(source), std::move(dest)));
  }

  Status no_fs_data(const Mount& m, const Options& o) {
    if (!o.fs_data.empty())
      return spec_error(member(m.key, "options"),
                        quote(o.fs_data.front()) + " is not supported for type " + m.type);
    if (o.mode || o.size)
      return spec_error(member(m.key, "options"), "mode= and size= are for tmpfs");
    return ok_status();
  }

  Status special(Kind kind, const Mount& m, const Options& o) {
    FsOp op = make_op(kind, "", m.destination);
    op.read_only = o.read_only;
    op.proc_knobs_writable = kind == Kind::Proc;  // readonlyPaths say what is read-only
    if (o.read_only && (kind == Kind::Proc || kind == Kind::Mqueue))
      return spec_error(member(m.key, "options"), "ro is not supported for type " + m.type);
    c_.policy.fs.push_back(op);
    return ok_status();
  }

  Status bind(const Mount& m, const Options& o) {
    if (!o.fs_data.empty() || o.mode || o.size || o.tmpcopyup)
      return spec_error(member(m.key, "options"), "a bind mount takes no filesystem options");
    if (m.source.empty()) return spec_error(member(m.key, "source"), "is missing");
    const auto source = m.source.front() == '/' ? m.source : c_.bundle + "/" + m.source;
    FsOp op = make_op(o.devices ? Kind::DevBind : (o.read_only ? Kind::RoBind : Kind::Bind), source,
            m.destination);
    if (o.devices && o.read_only)
      return spec_error(member(m.key, "options"), "dev together with ro is not supported");
    op.noexec = o.noexec;
    c_.policy.fs.push_back(op);
    return ok_status();
  }

  // The spec's /dev (a tmpfs there) is cloister's: the default devices (null, zero, full,
  // random, urandom, tty), devpts at /dev/pts, /dev/shm, the standard links.
  Status tmpfs(const Mount& m, const Options& o) {
    if (o.tmpcopyup) CLOISTER_TRY(check_nothing_to_copy(m));
    if (!o.fs_data.empty())
      return spec_error(member(m.key, "options"),
                        quote(o.fs_data.front()) + " is not supported for tmpfs");
    if (m.destination == "/dev") {
      if (o.read_only)
        return spec_error(member(m.key, "options"), "a read-only /dev is not supported");
      FsOp op = make_op(Kind::Dev, "", "/dev");
      op.size = o.size;
      c_.policy.fs.push_back(op);
      dev_made_ = true;
      return ok_status();
    }
    FsOp op = make_op(Kind::Tmpfs, "", m.destination);
    op.perms = o.mode.value_or(01777);
    op.size = o.size;
    op.read_only = o.read_only;
    op.noexec = o.noexec;
    c_.policy.fs.push_back(op);
    return ok_status();
  }

 public:
  // devpts on /dev/pts: the new instance cloister's /dev holds already.
  Status devpts(const Mount& m) {
    if (m.destination != "/dev/pts" || !dev_made_)
      return spec_error(member(m.key, "type"),
                        "devpts is supported on /dev/pts, after a tmpfs on /dev");
    for (std::size_t i = 0; i < m.options.size(); ++i) {
      const auto& w = m.options[i];
      if (one_of(w, {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "mode=620",
                     "gid=5", "relatime", "rprivate", "private"}))
        continue;
      return spec_error(element(member(m.key, "options"), i),
                        quote(w) + " is not supported for /dev/pts",
                        "cloister's devpts: newinstance, ptmxmode=0666, mode=0620");
    }
    return ok_status();
  }

 private:
  // tmpcopyup copies the image's directory into the new tmpfs: with nothing there, there is
  // nothing to copy, and cloister does no copying.
  Status check_nothing_to_copy(const Mount& m) {
    const auto dir = rootfs_ + m.destination;
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return ok_status();
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    DIR* d = fd ? ::fdopendir(::dup(fd.get())) : nullptr;
    bool empty = true;
    if (d) {
      while (dirent* e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") empty = false;
      ::closedir(d);
    }
    if (empty) return ok_status();
    return spec_error(member(m.key, "options"),
                      "tmpcopyup: the image's " + m.destination +
                          " is not empty, and cloister does not copy it into the tmpfs",
                      "empty it in the image, or mount without tmpcopyup");
  }

  // Whether `path` exists in the container, told from the host: the mount it is under (the
  // last one covering it) says where to look. Symlinks are not followed: a masked path that
  // is a link in the image is not a file to cover.
  std::optional<struct stat> host_view(const std::string& path) {
    std::string base = rootfs_ + path;
    for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it) {
      if (!is_under(path, it->destination)) continue;
      const auto rest = path.substr(it->destination == "/" ? 0 : it->destination.size());
      if (it->type == "proc") base = "/proc" + rest;
      else if (it->type == "sysfs") base = "/sys" + rest;
      else if (it->type == "bind" || !it->source.empty()) base = it->source + rest;
      else return std::nullopt;  // a fresh filesystem: only what cloister makes in it
      break;
    }
    struct stat st {};
    if (::lstat(base.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return std::nullopt;
    return st;
  }

  Status device(const Json& d, const std::string& key) {
    CLOISTER_TRY(known_keys(d, key, {"type", "path", "major", "minor", "fileMode", "uid", "gid"}));
    const Json* path = find(d, "path");
    const Json* type = find(d, "type");
    if (!path || !type) return spec_error(key, "needs path and type");
    auto p = string_of(*path, member(key, "path"));
    if (!p) return p.take_error();
    auto t = string_of(*type, member(key, "type"));
    if (!t) return t.take_error();
    struct stat st {};
    if (::stat(p->c_str(), &st) != 0)
      return spec_error(member(key, "path"), quote(*p) + " does not exist on the host",
                        "cloister binds the host's node at the same path; it makes no nodes");
    const bool is_char = S_ISCHR(st.st_mode), is_block = S_ISBLK(st.st_mode);
    if (!((*t == "c" || *t == "u") && is_char) && !(*t == "b" && is_block) &&
        !(*t == "p" && S_ISFIFO(st.st_mode)))
      return spec_error(member(key, "type"), "the host's " + *p + " is not of type " + *t);
    for (const auto& [name, value] : {std::pair{"major", major(st.st_rdev)},
                                      std::pair{"minor", minor(st.st_rdev)}}) {
      const Json* n = find(d, name);
      if (!n) continue;
      auto v = int_of(*n, member(key, name));
      if (!v) return v.take_error();
      if (*v != static_cast<std::int64_t>(value))
        return spec_error(member(key, name), "differs from the host's " + *p);
    }
    if (const Json* mode = find(d, "fileMode")) {
      auto m = uint_of(*mode, member(key, "fileMode"));
      if (!m) return m.take_error();
      if ((*m & 07777) != (st.st_mode & 07777))
        return spec_error(member(key, "fileMode"), "differs from the host node's mode",
                          "cloister binds the host's node and cannot change its mode");
    }
    add(Kind::DevBind, *p, *p);
    return ok_status();
  }

  Container& c_;
  std::string rootfs_;
  std::vector<Mount> mounts_;
  bool dev_made_ = false;
};

Result<Mount> read_mount(const Json& value, const std::string& key) {
  CLOISTER_TRY(known_keys(value, key, {"destination", "type", "source", "options", "uidMappings",
                                       "gidMappings"}));
  if (find(value, "uidMappings") || find(value, "gidMappings"))
    return spec_error(key, "id-mapped mounts are not supported by cloister");
  Mount m;
  m.key = key;
  const Json* dest = find(value, "destination");
  if (!dest) return spec_error(member(key, "destination"), "is missing");
  auto d = string_of(*dest, member(key, "destination"));
  if (!d) return d.take_error();
  m.destination = std::move(*d);
  while (m.destination.size() > 1 && m.destination.back() == '/') m.destination.pop_back();
  if (const Json* type = find(value, "type")) {
    auto t = string_of(*type, member(key, "type"));
    if (!t) return t.take_error();
    m.type = std::move(*t);
  }
  if (const Json* source = find(value, "source")) {
    auto s = string_of(*source, member(key, "source"));
    if (!s) return s.take_error();
    m.source = std::move(*s);
  }
  if (const Json* options = find(value, "options")) {
    auto o = strings_of(*options, member(key, "options"));
    if (!o) return o.take_error();
    m.options = std::move(*o);
  }
  // Fresh filesystems: the source is a name only.
  if (m.type != "bind" && std::find(m.options.begin(), m.options.end(), "bind") == m.options.end() &&
      std::find(m.options.begin(), m.options.end(), "rbind") == m.options.end())
    m.source.clear();
  else if (m.type.empty() || m.type == "none")
    m.type = "bind";
  return m;
}

Result<std::vector<std::string>> path_list(const Json& linux_section, std::string_view name) {
  const Json* list = find(linux_section, name);
  if (!list) return std::vector<std::string>{};
  return strings_of(*list, member("linux", name));
}

}  // namespace

Status read_mounts(const Json& config, Container& c) {
  MountReader reader(c);
  CLOISTER_TRY(reader.root(config));
  if (const Json* mounts = find(config, "mounts")) {
    if (!mounts->is_array()) return spec_error("mounts", "must be an array");
    for (std::size_t i = 0; i < mounts->size(); ++i) {
      auto m = read_mount((*mounts)[i], element("mounts", i));
      if (!m) return m.take_error();
      if (m->type == "devpts")
        CLOISTER_TRY(reader.devpts(*m));
      else
        CLOISTER_TRY(reader.mount(*m));
      reader.remember(*m);
    }
  }
  const Json* linux_section = find(config, "linux");
  if (!linux_section) return ok_status();
  if (const Json* devices = find(*linux_section, "devices"))
    CLOISTER_TRY(reader.devices(*devices, "linux.devices"));
  auto masked = path_list(*linux_section, "maskedPaths");
  if (!masked) return masked.take_error();
  CLOISTER_TRY(reader.masked(*masked, "linux.maskedPaths"));
  auto read_only = path_list(*linux_section, "readonlyPaths");
  if (!read_only) return read_only.take_error();
  return reader.read_only(*read_only, "linux.readonlyPaths");
}

}  // namespace cloister::oci
