#include "isolate/rlimits.hpp"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>

#include "kernel/io.hpp"

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

std::optional<rlim_t> parse_value(std::string_view text) {
  if (text == "unlimited" || text == "infinity") return RLIM_INFINITY;
  auto n = io::parse_bytes(text);
  if (!n || *n >= RLIM_INFINITY) return std::nullopt;
  return static_cast<rlim_t>(*n);
}

bool caller_has_sys_resource() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  std::array<__user_cap_data_struct, 2> data{};
  if (::syscall(SYS_capget, &header, data.data()) != 0) return false;
  return data[CAP_SYS_RESOURCE / 32].effective & (1U << (CAP_SYS_RESOURCE % 32));
}

std::string text_of(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

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

Result<RlimitSetting> parse(std::string_view text, const std::string& option) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos)
    return Error{option, "expects NAME=SOFT[:HARD]", std::string(text), 0,
                 "e.g. nofile=1024:4096, core=0, as=unlimited"};
  auto resource = resource_from_name(text.substr(0, eq));
  if (!resource)
    return Error{option, "unknown resource", std::string(text.substr(0, eq)), 0,
                 "one of as core cpu data fsize locks memlock msgqueue nice nofile nproc rss "
                 "rtprio rttime sigpending stack"};
  const auto values = text.substr(eq + 1);
  const auto colon = values.find(':');
  auto soft = parse_value(values.substr(0, colon));
  auto hard = colon == std::string_view::npos ? soft : parse_value(values.substr(colon + 1));
  if (!soft || !hard)
    return Error{option, "expects a number (K, M, G suffixes) or unlimited", std::string(values), 0,
                 ""};
  if (*soft > *hard) return Error{option, "soft limit above hard limit", std::string(text), 0, ""};
  return RlimitSetting{*resource, *soft, *hard};
}

Status check_against_caller(const RlimitSetting& s, const std::string& origin) {
  rlimit current{};
  if (::getrlimit(s.resource, &current) != 0)
    return Error{origin, "getrlimit", std::string(name_of(s.resource)), errno, ""};
  if (s.hard > current.rlim_max && !caller_has_sys_resource())
    return Error{origin, "hard limit above the caller's",
                 std::string(name_of(s.resource)) + "=" + text_of(s.hard), EPERM,
                 "the caller's hard limit is " + text_of(current.rlim_max) +
                     "; raising it needs CAP_SYS_RESOURCE"};
  return ok_status();
}

Status apply(const RlimitSetting& s) {
  const rlimit limit{s.soft, s.hard};
  if (::setrlimit(s.resource, &limit) != 0)
    return Error{"--rlimit", "setrlimit", std::string(name_of(s.resource)), errno,
                 errno == EPERM ? "raising a hard limit needs CAP_SYS_RESOURCE" : ""};
  return ok_status();
}

}  // namespace cloister::rlimits
