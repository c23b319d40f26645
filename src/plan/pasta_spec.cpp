#include "plan/pasta_spec.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace cloister::pasta {
namespace {

bool parse_port(std::string_view text, unsigned& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 1 && out <= 65535;
}

}  // namespace

Result<Forward> parse_forward(const std::string& text) {
  Forward f;
  const auto first = text.find(':');
  const auto second = first == std::string::npos ? first : text.find(':', first + 1);
  const std::string proto = text.substr(0, first);
  if (second == std::string::npos ||
      (proto != "TCP" && proto != "UDP" && proto != "tcp" && proto != "udp") ||
      !parse_port(std::string_view(text).substr(first + 1, second - first - 1), f.host_port) ||
      !parse_port(std::string_view(text).substr(second + 1), f.sandbox_port))
    return Error{"--forward", "expects TCP:HOSTPORT:PORT or UDP:HOSTPORT:PORT", text, 0, ""};
  f.udp = proto == "UDP" || proto == "udp";
  return f;
}

Result<std::string> find_binary() {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string candidate = std::string(dirs.substr(0, colon)) + "/pasta";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return Error{"--net=pasta", "needs pasta, not found in PATH", "", ENOENT,
               "install Debian's passt package (apt-get install passt)"};
}

}  // namespace cloister::pasta
