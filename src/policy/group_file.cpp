// The group file of `cloister supervise` (see group_file.hpp for the format). Read in two
// passes: every table and key as written (each problem with its FILE:LINE:COLUMN), then what
// needs all services at once: file order, identities from the ranges, `after`'s names,
// cycles and the start order.
#include "policy/group_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <queue>
#include <set>
#include <tuple>

#include "kernel/io.hpp"
#include "policy/profile_input.hpp"
#include "policy/profile_search.hpp"
#include "policy/profile_table.hpp"

namespace cloister::group {
namespace {

// Past this many problems the rest are counted, not listed (as profiles).
constexpr std::size_t kMaxProblems = 50;
// Durations are seconds, up to a day.
constexpr double kMaxSeconds = 86400;
// A readiness descriptor: from 3 (0, 1 and 2 are the service's standard streams) to below
// the usual descriptor limit.
constexpr std::int64_t kMaxReadyFd = 1023;
// A cycle in `after` is named with at most this many services.
constexpr std::size_t kMaxCycleShown = 12;

// A service's name: the log prefix, part of its cgroup's name; a group's name likewise.
bool is_unit_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

const char* const kNameRule =
    "1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-'";

// A signal: "SIGTERM", "TERM" or a number from 1 to 64.
std::optional<int> signal_number(const toml::node& value) {
  if (const auto* i = value.as_integer()) {
    if (i->get() >= 1 && i->get() <= 64) return static_cast<int>(i->get());
    return std::nullopt;
  }
  const auto* s = value.as_string();
  if (!s) return std::nullopt;
  std::string_view name = s->get();
  if (name.substr(0, 3) == "SIG") name.remove_prefix(3);
  for (int n = 1; n < 32; ++n)
    if (const char* abbrev = ::sigabbrev_np(n); abbrev && name == abbrev) return n;
  return std::nullopt;
}

// A service as written, with what the second pass needs to settle it and to say where.
struct Draft {
  Service service;
  toml::source_position at;          // where [service.NAME] was written: file order
  const toml::node* node = nullptr;  // the service's table
  const toml::node* uid_node = nullptr;
  const toml::node* gid_node = nullptr;
  std::optional<std::uint32_t> uid;  // given as a number
  std::optional<std::uint32_t> gid;
  bool uid_wrong = false;  // neither a number nor "next": no uid of the range either
  std::vector<const toml::node*> after_nodes;  // one per entry of service.after
  const toml::node* delay_node = nullptr;
  const toml::node* delay_max_node = nullptr;
};

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  void text(const std::string& content) {
    if (auto bad = profile::unsafe_character_problem(content, file_)) return problem_line(*bad);
    auto parsed = toml::parse(std::string_view(content), std::string_view(file_));
    if (!parsed) {
      const auto& e = parsed.error();
      return problem_at(where(e.source().begin), bounded(e.description(), 512));
    }
    document(parsed.table());
  }

  void unreadable(const std::string& what) { problem_line(bounded(file_, 4096) + ": " + what); }

  Result<Group> result() {
    if (problems_.empty()) return std::move(group_);
    if (problems_.size() == 1) return Error{"group file", problems_.front(), "", 0, ""};
    std::string all = std::to_string(problems_.size() + dropped_) + " problems:";
    for (const auto& p : problems_) all += "\n  " + p;
    if (dropped_ > 0) all += "\n  ... and " + std::to_string(dropped_) + " more";
    return Error{"group file", all, "", 0, ""};
  }

 private:
  // ---- problems ----

  void problem_line(const std::string& line) {
    if (problems_.size() < kMaxProblems)
      problems_.push_back(line);
    else
      ++dropped_;
  }
  void problem_at(const std::string& location, const std::string& what) {
    problem_line(location + ": " + what);
  }
  void problem(const toml::node& at, const std::string& what) {
    problem_at(where(at.source().begin), what);
  }
  std::string where(const toml::source_position& at) const {
    std::string loc = bounded(file_, 4096);
    if (at.line) loc += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    return loc;
  }
  profile::ProblemSink sink() {
    return [this](const std::string& line) { problem_line(line); };
  }

  // ---- the document ----

  void document(const toml::table& root) {
    for (const auto& [key, node] : root) {
      const std::string k(key.str());
      if (k != "group" && k != "service") problem(node, "unknown key " + quote(k));
    }
    group_.file = file_;
    if (const auto* g = root.get("group")) group_table(*g);
    if (group_.name.empty()) default_name();
    if (const auto* s = root.get("service"))
      services(*s);
    else
      problem_at(bounded(file_, 4096), "no [service.NAME] table: a group needs a service");
    settle();
  }

  // Without [group] name: the file's name without .toml.
  void default_name() {
    const std::string stem = std::filesystem::path(file_).stem().string();
    if (is_unit_name(stem))
      group_.name = stem;
    else
      problem_at(bounded(file_, 4096), "the group needs a name: [group] name (the file's name " +
                                           quote(stem) + " is not one: " + kNameRule + ")");
  }

  // [group] name, shutdown-timeout, uid-range, gid-range, shared, profile
  void group_table(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "group must be a table: [group]");
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      if (k == "name") {
        const auto* s = value.as_string();
        if (s && is_unit_name(s->get()))
          group_.name = s->get();
        else
          problem(value, std::string("name must be ") + kNameRule);
      } else if (k == "shutdown-timeout") {
        if (auto ms = duration(value, k, 0)) group_.shutdown_timeout_ms = *ms;
      } else if (k == "uid-range") {
        group_.uids = id_range(value, k);
        uid_range_node_ = &value;
      } else if (k == "gid-range") {
        group_.gids = id_range(value, k);
        gid_range_node_ = &value;
      } else if (k == "shared") {
        group_shared(value);
      } else if (k == "profile") {
        default_profile_ = Policy{};
        service_defaults(*default_profile_);
        profile(value, *default_profile_);
      } else {
        problem(value, "unknown key " + quote(k) + " in [group]");
      }
    }
    // gid-range: the same numbers as uid-range unless given.
    if (!gid_range_node_ && group_.uids) group_.gids = group_.uids;
  }

  // Seconds, an integer or a float from `min_seconds` to a day, in milliseconds.
  std::optional<std::uint32_t> duration(const toml::node& value, const std::string& key,
                                        double min_seconds) {
    std::optional<double> seconds;
    if (const auto* i = value.as_integer())
      seconds = static_cast<double>(i->get());
    else if (const auto* f = value.as_floating_point())
      seconds = f->get();
    if (!seconds || !(*seconds >= min_seconds) || *seconds > kMaxSeconds) {
      problem(value, key + " must be a number of seconds from " +
                         (min_seconds > 0 ? std::string("0.001") : std::string("0")) + " to 86400");
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(std::llround(*seconds * 1000));
  }

  // { first = N, count = M }: ids N to N+M-1, none of them 0 (root).
  std::optional<IdRange> id_range(const toml::node& value, const std::string& key) {
    const auto* table = value.as_table();
    if (!table) {
      problem(value, key + " must be a table: { first = 200000, count = 100 }");
      return std::nullopt;
    }
    std::optional<std::int64_t> first, count;
    bool ok = true;
    for (const auto& [name, entry] : *table) {
      const std::string k(name.str());
      const auto* i = entry.as_integer();
      if (k != "first" && k != "count") {
        problem(entry, "unknown key " + quote(k) + " in " + key + " (first, count)");
        ok = false;
      } else if (!i || i->get() < 0 || i->get() > UINT32_MAX) {
        problem(entry, key + " " + k + " must be a number from 0 to 4294967295");
        ok = false;
      } else {
        (k == "first" ? first : count) = i->get();
      }
    }
    if (!ok) return std::nullopt;
    if (!first || !count) {
      problem(value, key + " needs first and count");
      return std::nullopt;
    }
    if (*count == 0) {
      problem(value, key + " is empty (count = 0)");
      return std::nullopt;
    }
    if (*first == 0) {
      problem(value, key + " includes 0 (root): start it at 1 or above");
      return std::nullopt;
    }
    // (uid_t)-1 is "no id" to the kernel's set*id calls.
    if (*first + *count - 1 >= UINT32_MAX) {
      problem(value, key + " reaches past 4294967294");
      return std::nullopt;
    }
    return IdRange{static_cast<std::uint32_t>(*first), static_cast<std::uint32_t>(*count)};
  }

  std::optional<std::vector<std::pair<std::string, const toml::node*>>> strings(
      const toml::node& value, const std::string& key) {
    const auto* list = value.as_array();
    std::vector<std::pair<std::string, const toml::node*>> out;
    if (list)
      for (const auto& item : *list)
        if (const auto* s = item.as_string()) out.emplace_back(s->get(), &item);
    if (!list || out.size() != list->size()) {
      problem(value, key + " must be an array of strings");
      return std::nullopt;
    }
    return out;
  }

  void group_shared(const toml::node& value) {
    auto paths = strings(value, "shared");
    if (!paths) return;
    for (const auto& [path, item] : *paths) {
      if (path.empty() || path[0] != '/' || io::has_dotdot(path)) {
        problem(*item, "shared paths must be absolute, without '..': " + quote(path, 256));
        continue;
      }
      if (std::find(group_.shared.begin(), group_.shared.end(), path) == group_.shared.end())
        group_.shared.push_back(path);
    }
  }

  // What every service's sandbox starts from before its profile: cloister run's namespaces
  // but those the manager decides (the user namespace and ids, the PID namespace the group
  // shares), so a profile's [namespaces] and [network] change them as under cloister run.
  static void service_defaults(Policy& policy) {
    policy.ns.net = policy.ns.ipc = policy.ns.uts = Want::Yes;
    policy.ns.cgroup = Want::Try;
  }

  // profile = "NAME" | "PATH" | { a profile's keys }, into `policy`.
  void profile(const toml::node& value, Policy& policy) {
    if (const auto* table = value.as_table())
      return profile::load_table(*table, file_, policy, sink());
    const auto* s = value.as_string();
    if (!s || s->get().empty())
      return problem(value,
                     "profile must be a shipped profile's name, a path or a table of a "
                     "profile's keys");
    std::string name = s->get();
    // A path is relative to the group file, as a profile's include is to the profile.
    if (!profile::is_profile_name(name) && name[0] != '/')
      name = (std::filesystem::path(file_).parent_path() / name).string();
    auto path = profile::locate(name, profile::search_path());
    if (!path) {
      const Error& e = path.error();
      return problem(value, e.op + " (" + e.hint + ")");
    }
    profile::load_named_file(*path, where(value.source().begin) + ": profile " + quote(*path, 4096),
                             policy, sink());
  }

  // ---- services ----

  void services(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "service must be tables: [service.NAME]");
    for (const auto& [key, value] : *table) {
      const std::string name(key.str());
      if (!is_unit_name(name)) {
        problem(value, "service name " + quote(name) + ": " + kNameRule);
        continue;
      }
      const auto* service = value.as_table();
      if (!service) {
        problem(value, "a service is a table: [service." + name + "]");
        continue;
      }
      drafts_.push_back(draft(name, *service));
    }
    // toml++ keeps a table's keys sorted: file order is where each was written.
    std::stable_sort(drafts_.begin(), drafts_.end(), [](const Draft& a, const Draft& b) {
      return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
    });
  }

  Draft draft(const std::string& name, const toml::table& table) {
    Draft d;
    d.service.name = name;
    d.at = table.source().begin;
    d.node = &table;
    d.service.origin = where(d.at);
    const toml::node* profile_node = nullptr;
    const toml::node* cgroup_node = nullptr;
    const toml::node* shared_node = nullptr;
    bool command = false;
    for (const auto& [key, value] : table) {
      const std::string k(key.str());
      if (k == "command") {
        command = true;
        auto words = strings(value, "command");
        if (!words) continue;
        if (words->empty() || words->front().first.empty())
          problem(value, "command is empty: [\"program\", \"argument\", ...]");
        for (auto& word : *words) d.service.policy.argv.push_back(word.first);
      } else if (k == "profile") {
        profile_node = &value;
      } else if (k == "cgroup") {
        cgroup_node = &value;
      } else if (k == "shared") {
        shared_node = &value;
      } else if (k == "uid") {
        d.uid_node = &value;
        d.uid = id(value, k, d.uid_wrong);
      } else if (k == "gid") {
        d.gid_node = &value;
        bool wrong = false;
        d.gid = id(value, k, wrong);
      } else if (k == "after") {
        if (auto names = strings(value, "after"))
          for (auto& [after, item] : *names) {
            d.service.after.push_back(after);
            d.after_nodes.push_back(item);
          }
      } else if (k == "restart") {
        restart(value, d.service.restart);
      } else if (k == "restart-delay") {
        d.delay_node = &value;
        if (auto ms = duration(value, k, 0.001)) d.service.restart_delay_ms = *ms;
      } else if (k == "restart-delay-max") {
        d.delay_max_node = &value;
        if (auto ms = duration(value, k, 0.001)) d.service.restart_delay_max_ms = *ms;
      } else if (k == "ready") {
        ready(value, d.service.ready);
      } else if (k == "stop-signal") {
        if (auto n = signal_number(value))
          d.service.stop_signal = *n;
        else
          problem(value,
                  "stop-signal must be a signal's name (\"SIGTERM\", \"TERM\") or a number "
                  "from 1 to 64");
      } else {
        problem(value, "unknown key " + quote(k) + " in [service." + name + "]");
      }
    }
    if (!command) problem(table, "[service." + name + "] needs a command");
    if (d.service.restart_delay_max_ms < d.service.restart_delay_ms)
      problem(d.delay_max_node ? *d.delay_max_node : *d.delay_node,
              "restart-delay-max is below restart-delay");
    sandbox(d, profile_node, cgroup_node, shared_node);
    return d;
  }

  // The service's Policy: its profile (else the group's, else cloister run's default view),
  // its command, its [cgroup] limits and its shared paths.
  void sandbox(Draft& d, const toml::node* profile_node, const toml::node* cgroup_node,
               const toml::node* shared_node) {
    Policy policy;
    if (profile_node) {
      service_defaults(policy);
      profile(*profile_node, policy);
    } else if (default_profile_) {
      policy = *default_profile_;
    } else {
      service_defaults(policy);
    }
    // As cloister run: the default view unless a profile chose root = "empty".
    if (!policy.root_chosen) policy.default_root = true;
    policy.argv = std::move(d.service.policy.argv);
    if (cgroup_node) profile::load_cgroup_table(*cgroup_node, file_, policy, sink());
    if (shared_node) shared(*shared_node, policy);
    d.service.policy = std::move(policy);
  }

  // A service's shared paths: read-write binds of those the group lists.
  void shared(const toml::node& value, Policy& policy) {
    auto paths = strings(value, "shared");
    if (!paths) return;
    std::set<std::string> seen;
    for (const auto& [path, item] : *paths) {
      if (std::find(group_.shared.begin(), group_.shared.end(), path) == group_.shared.end()) {
        problem(*item, quote(path, 256) + " is not one of [group] shared");
        continue;
      }
      if (!seen.insert(path).second) continue;
      FsOp bind;
      bind.kind = FsOp::Kind::Bind;
      bind.source = path;
      bind.dest = path;
      policy.fs.push_back(std::move(bind));
    }
  }

  // uid or gid: a number, or "next" (nullopt, as when the number is not one).
  std::optional<std::uint32_t> id(const toml::node& value, const std::string& key, bool& wrong) {
    if (const auto* s = value.as_string(); s && s->get() == "next") return std::nullopt;
    const auto* i = value.as_integer();
    if (!i || i->get() < 0 || i->get() >= UINT32_MAX) {
      problem(value, key + " must be a number or \"next\"");
      wrong = true;
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(i->get());
  }

  void restart(const toml::node& value, Restart& out) {
    const auto* s = value.as_string();
    const std::string word = s ? s->get() : "";
    if (word == "no")
      out = Restart::No;
    else if (word == "on-failure")
      out = Restart::OnFailure;
    else if (word == "always")
      out = Restart::Always;
    else
      problem(value, "restart must be \"no\", \"on-failure\" or \"always\"");
  }

  // ready = "none" | { fd = N } | { socket = "/path" }
  void ready(const toml::node& value, Readiness& out) {
    if (const auto* s = value.as_string(); s && s->get() == "none") {
      out = Readiness{};
      return;
    }
    const auto* table = value.as_table();
    if (!table || table->size() != 1) {
      problem(value, "ready must be \"none\", { fd = N } or { socket = \"/path\" }");
      return;
    }
    const auto& [key, entry] = *table->begin();
    const std::string k(key.str());
    if (k == "fd") {
      const auto* i = entry.as_integer();
      if (!i || i->get() < 3 || i->get() > kMaxReadyFd) {
        problem(entry,
                "ready fd must be a descriptor from 3 to 1023 (0, 1 and 2 are the "
                "service's standard streams)");
        return;
      }
      out.kind = Readiness::Kind::Fd;
      out.fd = static_cast<int>(i->get());
    } else if (k == "socket") {
      const auto* s = entry.as_string();
      if (!s || s->get().empty() || s->get()[0] != '/') {
        problem(entry, "ready socket must be an absolute path (as the service sees it)");
        return;
      }
      out.kind = Readiness::Kind::Socket;
      out.socket = s->get();
    } else {
      problem(entry, "unknown key " + quote(k) + " in ready (fd or socket)");
    }
  }

  // ---- the second pass ----

  void settle() {
    assign_uids();
    assign_gids();
    const auto order = start_order();
    for (std::size_t i : order) group_.services.push_back(std::move(drafts_[i].service));
  }

  // Explicit uids inside the range and each once; "next" the lowest free one, in file order.
  void assign_uids() {
    if (uid_range_node_ && !group_.uids) return;  // a uid-range written wrongly: reported
    std::map<std::uint32_t, const Draft*> taken;
    for (auto& d : drafts_) {
      if (!d.uid) continue;
      if (!group_.uids) {
        problem(*d.uid_node, "a numeric uid needs [group] uid-range");
        continue;
      }
      if (!group_.uids->contains(*d.uid)) {
        problem(*d.uid_node, "uid " + std::to_string(*d.uid) + " is outside uid-range (" +
                                 span(*group_.uids) + ")");
        continue;
      }
      auto [it, fresh] = taken.emplace(*d.uid, &d);
      if (!fresh) {
        problem(*d.uid_node, "uid " + std::to_string(*d.uid) + " is service " +
                                 quote(it->second->service.name) + "'s as well (" +
                                 it->second->service.origin + ")");
        continue;
      }
      d.service.uid = *d.uid;
    }
    if (!group_.uids) return;
    std::uint64_t next = group_.uids->first;
    const std::uint64_t end = std::uint64_t{group_.uids->first} + group_.uids->count;
    std::size_t without = 0;
    for (auto& d : drafts_) {
      if (d.uid || d.uid_wrong) continue;
      while (next < end && taken.count(static_cast<std::uint32_t>(next))) ++next;
      if (next >= end) {
        ++without;
        continue;
      }
      d.service.uid = static_cast<uid_t>(next++);
    }
    if (without > 0)
      problem(*uid_range_node_, "uid-range (" + span(*group_.uids) + ") is too small for its " +
                                    std::to_string(drafts_.size()) + " services");
  }

  // A numeric gid inside gid-range; otherwise the gid of the service's uid number, which
  // must lie inside gid-range as well.
  void assign_gids() {
    // A range written wrongly was reported: the ids are not checked against it.
    if ((gid_range_node_ ? gid_range_node_ : uid_range_node_) && !group_.gids) return;
    for (auto& d : drafts_) {
      if (d.gid) {
        if (!group_.gids)
          problem(*d.gid_node, "a numeric gid needs [group] gid-range or uid-range");
        else if (!group_.gids->contains(*d.gid))
          problem(*d.gid_node, "gid " + std::to_string(*d.gid) + " is outside gid-range (" +
                                   span(*group_.gids) + ")");
        else
          d.service.gid = *d.gid;
        continue;
      }
      if (!d.service.uid || !group_.gids) continue;
      if (!group_.gids->contains(*d.service.uid)) {
        const toml::node& at = d.gid_node ? *d.gid_node : d.uid_node ? *d.uid_node : *d.node;
        problem(at, "gid " + std::to_string(*d.service.uid) +
                        " (the service's uid) is outside gid-range (" + span(*group_.gids) +
                        "): give the service a gid");
        continue;
      }
      d.service.gid = *d.service.uid;
    }
  }

  static std::string span(const IdRange& r) {
    return std::to_string(r.first) + " to " + std::to_string(std::uint64_t{r.first} + r.count - 1);
  }

  // Every service after those it names, ties in file order; empty on a problem.
  std::vector<std::size_t> start_order() {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < drafts_.size(); ++i) index.emplace(drafts_[i].service.name, i);
    // deps[i]: the services i is after, once each, with the entry that names them.
    std::vector<std::vector<std::pair<std::size_t, const toml::node*>>> deps(drafts_.size());
    bool ok = true;
    for (std::size_t i = 0; i < drafts_.size(); ++i) {
      const auto& d = drafts_[i];
      for (std::size_t a = 0; a < d.service.after.size(); ++a) {
        auto it = index.find(d.service.after[a]);
        if (it == index.end()) {
          problem(*d.after_nodes[a], "after names no service: " + quote(d.service.after[a]));
          ok = false;
          continue;
        }
        const bool again = std::any_of(deps[i].begin(), deps[i].end(),
                                       [&](const auto& dep) { return dep.first == it->second; });
        if (!again) deps[i].emplace_back(it->second, d.after_nodes[a]);
      }
    }
    ok &= no_cycles(deps);
    if (!ok) return {};
    // Kahn's algorithm, always taking the first service in file order that may start.
    std::vector<std::size_t> waiting(drafts_.size());
    std::vector<std::vector<std::size_t>> unblocks(drafts_.size());
    for (std::size_t i = 0; i < deps.size(); ++i) {
      waiting[i] = deps[i].size();
      for (const auto& dep : deps[i]) unblocks[dep.first].push_back(i);
    }
    std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
    for (std::size_t i = 0; i < waiting.size(); ++i)
      if (waiting[i] == 0) ready.push(i);
    std::vector<std::size_t> order;
    while (!ready.empty()) {
      const std::size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (std::size_t next : unblocks[i])
        if (--waiting[next] == 0) ready.push(next);
    }
    return order;
  }

  // A depth-first walk in file order (iterative: a long chain must not exhaust the stack);
  // each edge back to a service still on the path closes a cycle, named from that service.
  bool no_cycles(const std::vector<std::vector<std::pair<std::size_t, const toml::node*>>>& deps) {
    enum : std::uint8_t { Unseen, OnPath, Done };
    std::vector<std::uint8_t> state(deps.size(), Unseen);
    bool ok = true;
    for (std::size_t root = 0; root < deps.size(); ++root) {
      if (state[root] != Unseen) continue;
      std::vector<std::pair<std::size_t, std::size_t>> path = {{root, 0}};  // service, next dep
      state[root] = OnPath;
      while (!path.empty()) {
        auto& [at, next] = path.back();
        if (next == deps[at].size()) {
          state[at] = Done;
          path.pop_back();
          continue;
        }
        const auto [to, entry] = deps[at][next++];
        if (state[to] == OnPath) {
          problem(*entry, "a cycle in after: " + cycle(path, to));
          ok = false;
        } else if (state[to] == Unseen) {
          state[to] = OnPath;
          path.emplace_back(to, 0);
        }
      }
    }
    return ok;
  }

  // "a -> b -> a" (a is after b, b after a), from `to` along the path back to it.
  std::string cycle(const std::vector<std::pair<std::size_t, std::size_t>>& path,
                    std::size_t to) const {
    std::size_t start = 0;
    while (path[start].first != to) ++start;
    const std::size_t length = path.size() - start;
    std::string out;
    for (std::size_t i = start; i < path.size(); ++i) {
      if (i - start == kMaxCycleShown - 1 && length > kMaxCycleShown) {
        out += "... (" + std::to_string(length - kMaxCycleShown) + " more) -> ";
        i = path.size() - 1;
      }
      out += drafts_[path[i].first].service.name + " -> ";
    }
    return out + drafts_[to].service.name;
  }

  std::string file_;
  Group group_;
  std::optional<Policy> default_profile_;
  const toml::node* uid_range_node_ = nullptr;
  const toml::node* gid_range_node_ = nullptr;
  std::vector<Draft> drafts_;
  std::vector<std::string> problems_;
  std::size_t dropped_ = 0;
};

}  // namespace

Result<Group> load_file(const std::string& path) {
  Loader loader(path);
  auto content = profile::read_profile(path);
  if (content)
    loader.text(*content);
  else
    loader.unreadable(content.error().message());
  return loader.result();
}

Result<Group> load_text(const std::string& text, const std::string& name) {
  Loader loader(name);
  loader.text(text);
  return loader.result();
}

}  // namespace cloister::group
