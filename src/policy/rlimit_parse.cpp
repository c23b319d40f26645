#include "policy/rlimit_parse.hpp"

#include <sys/resource.h>

#include "kernel/io.hpp"
#include "kernel/rlimit_names.hpp"

namespace cloister::rlimits {
namespace {

std::optional<rlim_t> parse_value(std::string_view text) {
  if (text == "unlimited" || text == "infinity") return RLIM_INFINITY;
  auto n = io::parse_bytes(text);
  if (!n || *n >= RLIM_INFINITY) return std::nullopt;
  return static_cast<rlim_t>(*n);
}

}  // namespace

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
  return RlimitSetting{*resource, *soft, *hard, option};
}

}  // namespace cloister::rlimits
