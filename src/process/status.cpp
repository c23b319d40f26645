#include "process/status.hpp"

#include <unistd.h>

#include <array>

#include "isolate/namespaces.hpp"

namespace cloister::status {
namespace {

constexpr std::array<std::pair<const char*, const char*>, 6> kNamespaces = {
    {{"cgroup", "cgroup-namespace"},
     {"ipc", "ipc-namespace"},
     {"mnt", "mnt-namespace"},
     {"net", "net-namespace"},
     {"pid", "pid-namespace"},
     {"uts", "uts-namespace"}}};

void write_text(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;  // the reader went away: status is advisory, COMMAND still runs
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string start_record(pid_t child, bool pretty) {
  const char* sep = pretty ? ",\n    " : ", ";
  std::string out = pretty ? "{\n    " : "{ ";
  out += "\"child-pid\": " + std::to_string(child);
  // Like bwrap: only the namespaces the child does not share with cloister.
  for (const auto& [file, key] : kNamespaces) {
    const unsigned long id = ns::namespace_id(child, file);
    if (id != 0 && id != ns::namespace_id(::getpid(), file))
      out += sep + std::string("\"") + key + "\": " + std::to_string(id);
  }
  out += pretty ? "\n}\n" : " }\n";
  return out;
}

void write_start(const Plan& plan, pid_t child) {
  if (plan.info_fd < 0 && plan.json_status_fd < 0) return;
  if (plan.info_fd >= 0) write_text(plan.info_fd, start_record(child, true));
  if (plan.json_status_fd < 0) return;
  std::string record = start_record(child, false);
  // Best-effort Landlock rights the kernel could not enforce, said where tools look.
  if (!plan.landlock_unenforced.empty()) {
    std::string list;
    for (const auto& u : plan.landlock_unenforced) {
      std::string escaped;
      for (char c : u)
        escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
      list += (list.empty() ? "\"" : ", \"") + escaped + "\"";
    }
    record.insert(record.size() - 3, ", \"landlock-unenforced\": [" + list + "]");
  }
  write_text(plan.json_status_fd, record);
}

std::string exit_record(int exit_code, const std::optional<cgroups::Stats>& stats) {
  std::string out = "{ \"exit-code\": " + std::to_string(exit_code);
  if (stats) {
    if (stats->memory_peak_bytes)
      out += ", \"memory-peak\": " + std::to_string(*stats->memory_peak_bytes);
    if (stats->cpu_usec) out += ", \"cpu-usec\": " + std::to_string(*stats->cpu_usec);
    if (stats->oom_kills) out += ", \"oom-kills\": " + std::to_string(*stats->oom_kills);
  }
  return out + " }\n";
}

void write_exit(const Plan& plan, int exit_code, const std::optional<cgroups::Stats>& stats) {
  if (plan.json_status_fd >= 0) write_text(plan.json_status_fd, exit_record(exit_code, stats));
}

}  // namespace cloister::status
