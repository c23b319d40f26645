#include "kernel/rlimit_names.hpp"

#include <sys/resource.h>

#include <array>
#include <cctype>
#include <string>

namespace cloister::rlimits {
namespace {

struct Name {
  std::string_view name;
  int resource;
};

constexpr std::array<Name, 16> kNames = {{{"as", RLIMIT_AS},
                                          {"core", RLIMIT_CORE},
                                          {"cpu", RLIMIT_CPU},
                                          {"data", RLIMIT_DATA},
                                          {"fsize", RLIMIT_FSIZE},
                                          {"locks", RLIMIT_LOCKS},
                                          {"memlock", RLIMIT_MEMLOCK},
                                          {"msgqueue", RLIMIT_MSGQUEUE},
                                          {"nice", RLIMIT_NICE},
                                          {"nofile", RLIMIT_NOFILE},
                                          {"nproc", RLIMIT_NPROC},
                                          {"rss", RLIMIT_RSS},
                                          {"rtprio", RLIMIT_RTPRIO},
                                          {"rttime", RLIMIT_RTTIME},
                                          {"sigpending", RLIMIT_SIGPENDING},
                                          {"stack", RLIMIT_STACK}}};

}  // namespace

std::optional<int> resource_from_name(std::string_view name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("rlimit_", 0) == 0) lower.erase(0, 7);
  for (const auto& n : kNames)
    if (n.name == lower) return n.resource;
  return std::nullopt;
}

std::string_view name_of(int resource) {
  for (const auto& n : kNames)
    if (n.resource == resource) return n.name;
  return "?";
}

}  // namespace cloister::rlimits
