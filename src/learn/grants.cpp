#include "learn/grants.hpp"

#include <algorithm>

namespace cloister::learn {
namespace {

using Set = std::map<std::string, std::string>;  // path -> why it is wider than used

std::string parent(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::size_t depth(const std::string& path) {
  return path == "/" ? 0 : static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

// Some proper ancestor of `path` (or `path` itself, when `inclusive`) is in `set`.
bool covered(const std::string& path, const Set& set, bool inclusive) {
  if (inclusive && set.count(path)) return true;
  for (std::string p = path; p != "/";) {
    p = parent(p);
    if (set.count(p)) return true;
  }
  return false;
}

void collapse(Set& set) {
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, std::vector<std::string>> by_parent;
    for (const auto& entry : set)
      if (entry.first != "/") by_parent[parent(entry.first)].push_back(entry.first);
    for (const auto& [dir, children] : by_parent) {
      if (depth(dir) < 2 || children.size() < kCollapseAt) continue;
      for (const auto& c : children) set.erase(c);
      set[dir] =
          std::to_string(children.size()) + " entries used in it: granted for everything beneath";
      changed = true;
      break;  // the parents changed: group again
    }
  }
}

void drop_covered(Set& set, const Set* by = nullptr) {
  for (auto it = set.begin(); it != set.end();)
    it = covered(it->first, set, false) || (by && covered(it->first, *by, true)) ? set.erase(it)
                                                                                 : std::next(it);
}

std::vector<Grant> listed(const Set& set) {
  std::vector<Grant> out;
  for (const auto& [path, why] : set) out.push_back({path, why});
  return out;
}

}  // namespace

Grants grants_for(const std::map<std::string, PathUse>& paths) {
  Set read, write, exec, ioctl;
  for (const auto& [path, use] : paths) {
    if (use.exec) exec.emplace(path, "");
    if (use.write) write.emplace(path, "");
    if (use.create || use.remove)
      write.emplace(parent(path), "entries created or removed in it: writing anything beneath");
    if (use.ioctl_dev) ioctl.emplace(path, "");
    if (path == "/proc" && use.read)
      read.emplace(path, "per-process entries are new in every process: all of procfs");
    else if (use.list)
      read.emplace(path, "listed: reading anything beneath");
    else if (use.read)
      read.emplace(path, "");
  }
  for (Set* set : {&exec, &write, &read}) {
    collapse(*set);
    drop_covered(*set);
  }
  drop_covered(read, &write);  // write includes read (cloister's write rule)
  drop_covered(read, &exec);   // and exec too
  return Grants{listed(read), listed(write), listed(exec), listed(ioctl)};
}

}  // namespace cloister::learn
