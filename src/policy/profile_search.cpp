#include "policy/profile_search.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace cloister::profile {
namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string running_binary() {
  char exe[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  return n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

bool is_profile_name(const std::string& text) {
  if (text.empty() || text.size() > 64 || text.front() == '-') return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::vector<std::string> search_path() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("CLOISTER_PROFILE_PATH"); env && *env) {
    std::string list(env);
    std::size_t start = 0;
    while (start <= list.size()) {
      auto end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      if (end > start) dirs.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }
  const std::string exe = running_binary();
  if (!exe.empty()) dirs.push_back(directory_of(directory_of(exe)) + "/share/cloister/profiles");
#ifdef CLOISTER_PROFILE_DATADIR
  dirs.push_back(CLOISTER_PROFILE_DATADIR);
#endif
#if defined(CLOISTER_BUILD_DIR) && defined(CLOISTER_SOURCE_PROFILES)
  if (!exe.empty() && directory_of(exe) == CLOISTER_BUILD_DIR) dirs.push_back(CLOISTER_SOURCE_PROFILES);
#endif
  return dirs;
}

Result<std::string> locate(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  if (!is_profile_name(name_or_path)) return name_or_path;
  std::string searched;
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/" + name_or_path + ".toml";
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0) return candidate;
    searched += (searched.empty() ? "" : ", ") + bounded(dir, 256);
  }
  return Error{"--profile", "no shipped profile named " + quote(name_or_path), "", ENOENT,
               "searched " + (searched.empty() ? std::string("no directory") : searched) +
                   "; a path needs a '/' or '.toml' (./" + bounded(name_or_path, 64) + ".toml)"};
}

}  // namespace cloister::profile
