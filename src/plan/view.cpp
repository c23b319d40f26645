#include "plan/view.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <sstream>

#include "plan/default_view.hpp"

namespace cloister::view {
namespace {

std::deque<std::string> components(const std::string& path) {
  std::deque<std::string> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string read_link(const std::string& path) {
  char target[4096];
  const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
  return n < 0 ? "" : std::string(target, static_cast<std::size_t>(n));
}

// What cloister's --dev puts in /dev, and what each entry is.
enum class Kind { Missing, Dir, File, Symlink, Present };

struct DevEntry {
  const char* name;
  Kind kind;
  const char* target;
};
constexpr DevEntry kDevEntries[] = {
    {"null", Kind::File, ""},
    {"zero", Kind::File, ""},
    {"full", Kind::File, ""},
    {"random", Kind::File, ""},
    {"urandom", Kind::File, ""},
    {"tty", Kind::File, ""},
    {"pts", Kind::Dir, ""},
    {"shm", Kind::Dir, ""},
    {"ptmx", Kind::Symlink, "pts/ptmx"},
    {"fd", Kind::Symlink, "/proc/self/fd"},
    {"stdin", Kind::Symlink, "/proc/self/fd/0"},
    {"stdout", Kind::Symlink, "/proc/self/fd/1"},
    {"stderr", Kind::Symlink, "/proc/self/fd/2"},
    {"core", Kind::Symlink, "/proc/kcore"},
};

}  // namespace

struct Model::Entry {
  Kind kind = Kind::Missing;
  std::string target;  // symlinks
  std::string host;    // from a bind
  std::string why;     // missing
  bool in_bind = false;

  static Entry of(Kind kind, std::string target = "") {
    return {kind, std::move(target), "", "", false};
  }
  static Entry bound(Kind kind, std::string host, std::string target = "") {
    return {kind, std::move(target), std::move(host), "", true};
  }
  static Entry missing(std::string why, bool in_bind = false) {
    return {Kind::Missing, "", "", std::move(why), in_bind};
  }
};

Model::Entry Model::inside_mount(const FsStep& mount, const std::string& path) const {
  const std::string dest = default_view::dest_of(mount);
  const std::string rest = dest == "/" ? path : path.substr(dest.size());
  if (const auto* b = std::get_if<step::Bind>(&mount)) {
    const std::string host = b->source == "/" ? rest : b->source + rest;
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0)
      return Entry::missing("the host's " + b->source + " (bound at " + dest + ") has no " +
                                host.substr(b->source == "/" ? 0 : b->source.size() + 1),
                            true);
    if (S_ISLNK(st.st_mode)) return Entry::bound(Kind::Symlink, host, read_link(host));
    return Entry::bound(S_ISDIR(st.st_mode) ? Kind::Dir : Kind::File, host);
  }
  if (std::holds_alternative<step::Proc>(mount)) return Entry::of(Kind::Present);
  if (const auto* d = std::get_if<step::Dev>(&mount)) {
    const std::string name = components(rest).front();
    if (rest.find('/', 1) != std::string::npos) return Entry::of(Kind::Present);
    for (const auto& e : kDevEntries)
      if (name == e.name) return Entry::of(e.kind, e.target);
    if (name == "console" && !d->console.empty()) return Entry::of(Kind::File);
    return Entry::missing("the sandbox's " + dest +
                          " holds only null, zero, full, random, urandom, tty, pts, ptmx, shm and "
                          "the fd links");
  }
  return Entry::missing(path + " lies in the " + describe(mount) + ", which starts empty");
}

// The latest step decides: one at `path` itself, or a mount above it. A step below `path`
// only implies a directory there (made as its parent) when nothing else defines it.
Model::Entry Model::entry_at(const std::string& path) const {
  const auto& fs = plan_.fs;
  bool implied = false;
  for (std::size_t i = fs.size(); i-- > 0;) {
    const FsStep& s = fs[i];
    if (!default_view::places_something(s)) continue;
    const std::string dest = default_view::dest_of(s);
    if (dest == path) {
      if (const auto* b = std::get_if<step::Bind>(&s))
        return Entry::bound(b->source_is_dir ? Kind::Dir : Kind::File, b->source);
      if (const auto* l = std::get_if<step::Symlink>(&s))
        return Entry::of(Kind::Symlink, l->target);
      const bool file =
          std::holds_alternative<step::File>(s) || std::holds_alternative<step::BindData>(s);
      return Entry::of(file ? Kind::File : Kind::Dir);
    }
    if (default_view::mounts_tree(s) && default_view::at_or_below(path, dest)) {
      auto inside = inside_mount(s, path);
      return implied && inside.kind == Kind::Missing ? Entry::of(Kind::Dir) : inside;
    }
    implied = implied || default_view::at_or_below(dest, path);
  }
  if (path == "/" || implied) return Entry::of(Kind::Dir);
  return Entry::missing("nothing is bound or created at " + path);
}

Lookup Model::resolve(const std::string& path, bool follow_last) const {
  Lookup out;
  auto todo = components(path);
  std::string cur = "/";
  Entry last = Entry::of(Kind::Dir);
  int hops = 0;
  while (!todo.empty()) {
    const std::string name = todo.front();
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      cur = parent_of(cur);
      continue;
    }
    const std::string at = join(cur, name);
    Entry e = entry_at(at);
    if (e.kind == Kind::Missing || (e.kind == Kind::File && !todo.empty())) {
      out.path = at;
      out.why = e.kind == Kind::File ? at + " is a file, not a directory" : e.why;
      std::string wanted = at;
      for (const auto& rest : todo) wanted = join(wanted, rest);
      struct stat st {};
      if (!e.in_bind && e.kind == Kind::Missing)
        for (const auto& candidate : {wanted, at})
          if (::lstat(candidate.c_str(), &st) == 0) {
            out.host_candidate = candidate;
            break;
          }
      return out;
    }
    if (e.kind == Kind::Symlink && (!todo.empty() || follow_last)) {
      if (++hops > 40) {
        out.looped = true;
        out.path = at;
        out.why = "too many levels of symbolic links at " + at;
        return out;
      }
      out.chain.push_back(at + " -> " + e.target);
      auto parts = components(e.target);
      todo.insert(todo.begin(), parts.begin(), parts.end());
      if (!e.target.empty() && e.target[0] == '/')
        cur.assign(1, '/');  // GCC 12 -Wrestrict bug 105329 on = "/"
      continue;
    }
    cur = at;
    last = std::move(e);
  }
  out.found = true;
  out.path = cur;
  out.is_dir = last.kind == Kind::Dir || last.kind == Kind::Present;
  out.host = last.host;
  for (std::size_t i = plan_.fs.size(); i-- > 0 && !out.mount;)
    if (default_view::mounts_tree(plan_.fs[i]) &&
        default_view::at_or_below(cur, default_view::dest_of(plan_.fs[i])))
      out.mount = &plan_.fs[i];
  return out;
}

std::optional<std::string> Model::contents(const std::string& path) const {
  const auto l = resolve(path);
  if (!l.found || l.is_dir) return std::nullopt;
  if (!l.host.empty()) {
    std::ifstream in(l.host, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream data;
    data << in.rdbuf();
    return data.str();
  }
  for (std::size_t i = plan_.fs.size(); i-- > 0;) {
    if (default_view::dest_of(plan_.fs[i]) != l.path) continue;
    if (const auto* f = std::get_if<step::File>(&plan_.fs[i])) return f->data;
    if (const auto* d = std::get_if<step::BindData>(&plan_.fs[i])) return d->data;
    break;
  }
  return std::nullopt;
}

std::string Model::root_listing() const {
  std::map<std::string, std::string> top;  // name -> " -> target" for symlinks
  for (const auto& s : plan_.fs) {
    if (!default_view::places_something(s)) continue;
    const std::string dest = default_view::dest_of(s);
    if (dest == "/") {
      top.clear();  // a mount on "/": what was there is hidden; list what it shows
      const auto* b = std::get_if<step::Bind>(&s);
      DIR* dir = b ? ::opendir(b->source.c_str()) : nullptr;
      while (dirent* e = dir ? ::readdir(dir) : nullptr)
        if (e->d_name[0] != '.') top[e->d_name] = "";
      if (dir) ::closedir(dir);
      continue;
    }
    const std::string name = components(dest).front();
    const auto* l = std::get_if<step::Symlink>(&s);
    top[name] = l && dest == "/" + name ? " -> " + l->target : "";
  }
  if (top.empty()) return "nothing";
  std::string out;
  std::size_t shown = 0;
  for (const auto& [name, link] : top) {
    if (++shown > 30) return out + ", ... (" + std::to_string(top.size()) + " entries)";
    out += (out.empty() ? "" : ", ") + name + link;
  }
  return out;
}

std::string Model::normalised(const std::string& path) { return default_view::normalise(path); }

bool Model::empty_root() const {
  return plan_.fs_user_begin == 0 && plan_.fs_replaced.empty() &&
         std::none_of(plan_.fs.begin(), plan_.fs.end(),
                      [](const FsStep& s) { return std::holds_alternative<step::SealRoot>(s); });
}

}  // namespace cloister::view
