#include "policy/profile.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "kernel/io.hpp"
#include "policy/profile_input.hpp"
#include "policy/profile_sections.hpp"
#include "policy/profile_table.hpp"
#include "policy/rlimit_parse.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/tables.hpp"

namespace cloister::profile {
namespace {

constexpr int kMaxIncludeDepth = 16;
// Past this many problems the rest are counted, not listed.
constexpr std::size_t kMaxProblems = 50;

class Loader {
 public:
  explicit Loader(Policy& policy) : policy_(policy) {}

  // `via`: where the file was named, as a problem's location ("a.toml:3:12: include
  // 'b.toml'"), or empty for a file given on its own.
  void file(const std::string& path, int depth, const std::string& via = "") {
    auto fail = [&](const std::string& what) {
      problem_at(via.empty() ? bounded(path, 4096) : via, what);
    };
    if (depth > kMaxIncludeDepth) return fail("includes nested more than 16 deep");
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec).string();
    if (!loading_.insert(canonical).second) return fail("includes itself (a cycle)");
    auto content = read_profile(path);
    if (content)
      text(*content, path, depth);
    else
      fail(content.error().message());
    loading_.erase(canonical);
  }

  void text(const std::string& content, const std::string& name, int depth) {
    if (auto bad = unsafe_character_problem(content, name)) return problem_line(*bad);
    auto parsed = toml::parse(std::string_view(content), std::string_view(name));
    if (!parsed) {
      const auto& e = parsed.error();
      return problem(name, e.source(), bounded(e.description(), 512));  // it quotes the input
    }
    profile_table(parsed.table(), name, depth);
  }

  // The keys of a profile, in the table `root` of the file `name`.
  void profile_table(const toml::table& root, const std::string& name, int depth) {
    name_ = name;
    for (const auto& [key, node] : root) {
      if (keys_ && key != "include")
        keys_->push_back({std::string(key.str()),
                          node.source().begin.line ? origin(node) : bounded(name_, 4096)});
      if (key == "include")
        includes(node, name, depth);
      else if (key == "seccomp")
        seccomp(node);
      else if (key == "rlimits")
        limits(node);
      else if (key == "cgroup")
        cgroup(node);
      else if (key == "landlock")
        landlock(node);
      else if (key == "network")
        network(node, policy_, reporter());
      else if (key == "filesystem")
        filesystem(node, policy_, reporter(), process_environment);
      else if (key == "process")
        process(node, policy_, reporter(), process_environment);
      else if (key == "namespaces")
        namespaces(node, policy_, reporter());
      else if (key == "sandbox")
        sandbox_mode(node, policy_, reporter());
      else
        problem(name, node.source(), "unknown key " + quote(std::string(key.str())));
    }
  }

  // Only [cgroup]'s keys, in the file `name` (a group file's [service.NAME.cgroup]).
  void cgroup_table(const toml::node& node, const std::string& name) {
    name_ = name;
    cgroup(node);
  }

  // Problems go to `sink` as they are found instead of into result().
  void report_to(ProblemSink sink) { sink_ = std::move(sink); }

  // Each top-level key read (but include) is added to `keys`.
  void list_keys_in(std::vector<TopLevelKey>& keys) { keys_ = &keys; }

  Status result() const {
    if (problems_.empty()) return ok_status();
    if (problems_.size() == 1) return Error{"profile", problems_.front(), "", 0, ""};
    std::string all = std::to_string(problems_.size() + dropped_) + " problems:";
    for (const auto& p : problems_) all += "\n  " + p;
    if (dropped_ > 0) all += "\n  ... and " + std::to_string(dropped_) + " more";
    return Error{"profile", all, "", 0, ""};
  }

 private:
  // Every problem is "FILE:LINE:COLUMN: what" (or "FILE: what" for the file as a whole).
  void problem_at(const std::string& location, const std::string& what) {
    problem_line(location + ": " + what);
  }
  void problem_line(const std::string& line) {
    if (sink_)
      sink_(line);
    else if (problems_.size() < kMaxProblems)
      problems_.push_back(line);
    else
      ++dropped_;
  }
  void problem(const std::string& file, const toml::source_region& where, const std::string& what) {
    std::string loc = bounded(file, 4096);
    if (where.begin.line)
      loc += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
    problem_at(loc, what);
  }
  void problem(const toml::node& at, const std::string& what) { problem(name_, at.source(), what); }

  Reporter reporter() {
    return {[this](const toml::node& at, const std::string& what) { problem(at, what); }};
  }

  std::string origin(const toml::node& at) const {
    return bounded(name_, 4096) + ":" + std::to_string(at.source().begin.line) + ":" +
           std::to_string(at.source().begin.column);
  }

  void includes(const toml::node& node, const std::string& from, int depth) {
    const auto* list = node.as_array();
    if (!list) return problem(node, "include must be an array of paths");
    const std::string saved = name_;
    for (const auto& item : *list) {
      const auto* path = item.as_string();
      if (!path) {
        problem(item, "include entries must be strings");
        continue;
      }
      std::filesystem::path target(path->get());
      if (target.is_relative()) target = std::filesystem::path(from).parent_path() / target;
      const std::string included = target.string();
      file(included, depth + 1, origin(item) + ": include " + quote(included, 4096));
      name_ = saved;
    }
  }

  void seccomp(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "[seccomp] must be a table");
    std::vector<SeccompRule> layer;
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      if (k == "base")
        base(value);
      else if (k == "default")
        default_action(value);
      else if (k == "allow")
        rules(value, true, layer);
      else if (k == "deny")
        rules(value, false, layer);
      else if (k == "allow-x32")
        flag(value, policy_.seccomp.allow_x32);
      else if (k == "allow-i386")
        flag(value, policy_.seccomp.allow_i386);
      else
        problem(value, "unknown key " + quote(k) + " in [seccomp]");
    }
    policy_.seccomp.layers.push_back(std::move(layer));
  }

  // [rlimits] nofile = 1024 | "1024:4096" | "unlimited"
  void limits(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "[rlimits] must be a table");
    for (const auto& [key, value] : *table) {
      std::string text(key.str());
      if (const auto* i = value.as_integer())
        text += "=" + std::to_string(i->get());
      else if (const auto* s = value.as_string())
        text += "=" + s->get();
      else {
        problem(value, "a limit is a number or \"SOFT:HARD\" or \"unlimited\"");
        continue;
      }
      auto limit = rlimits::parse(text, "[rlimits]");
      if (!limit) {
        problem(value, limit.error().message());
        continue;
      }
      limit->origin = "[rlimits] " + std::string(key.str());
      policy_.rlimits.push_back(*limit);
    }
  }

  // [cgroup] memory-max = "512M", memory-swap-max, pids-max = 100, cpus = 1.5 or
  // cpu-max = "50000/100000", cpu-weight, io-weight, parent = "path", mode = "best-effort"
  void cgroup(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "[cgroup] must be a table");
    auto& cg = policy_.cgroup;
    for (const auto& [key, entry] : *table) {
      const std::string k(key.str());
      const toml::node& value = entry;  // lambdas cannot capture structured bindings (clang 14)
      auto text = [&value]() -> std::optional<std::string> {
        if (const auto* s = value.as_string()) return s->get();
        if (const auto* i = value.as_integer()) return std::to_string(i->get());
        if (const auto* f = value.as_floating_point()) return std::to_string(f->get());
        return std::nullopt;
      }();
      if (!text) {
        problem(value, k + " must be a number or a string");
        continue;
      }
      auto bytes = [&]() -> std::optional<std::uint64_t> {
        auto b = io::parse_bytes(*text);
        if (!b || *b == 0) problem(value, k + " expects BYTES with an optional K, M or G suffix");
        return b && *b ? b : std::nullopt;
      };
      auto count = [&](std::uint64_t lo, std::uint64_t hi) -> std::optional<std::uint64_t> {
        std::uint64_t n = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
        if (ec != std::errc{} || end != text->data() + text->size() || n < lo || n > hi) {
          problem(value, k + " expects a whole number from " + std::to_string(lo) + " to " +
                             std::to_string(hi));
          return std::nullopt;
        }
        return n;
      };
      if (k == "memory-max") {
        if (auto b = bytes()) cg.memory_max = b;
      } else if (k == "memory-swap-max") {
        if (auto b = bytes()) cg.memory_swap_max = b;
      } else if (k == "pids-max") {
        if (auto n = count(1, UINT32_MAX)) cg.pids_max = n;
      } else if (k == "cpu-weight") {
        if (auto n = count(1, 10000)) cg.cpu_weight = n;
      } else if (k == "io-weight") {
        if (auto n = count(1, 10000)) cg.io_weight = n;
      } else if (k == "cpus") {
        char* end = nullptr;
        const double n = std::strtod(text->c_str(), &end);
        if (*end != '\0' || !(n >= 0.01) || n > 4096) {
          problem(value, "cpus expects a number such as 0.5 or 1.5");
          continue;
        }
        cg.cpu_period_us = 100000;
        cg.cpu_quota_us = static_cast<std::uint64_t>(n * 100000 + 0.5);
      } else if (k == "cpu-max") {
        const auto slash = text->find('/');
        std::uint64_t quota = 0, period = 0;
        const bool ok =
            slash != std::string::npos &&
            std::from_chars(text->data(), text->data() + slash, quota).ec == std::errc{} &&
            std::from_chars(text->data() + slash + 1, text->data() + text->size(), period).ec ==
                std::errc{} &&
            quota >= 1000 && period >= 1000 && period <= 1000000;
        if (!ok) {
          problem(value, "cpu-max expects \"QUOTA/PERIOD\" in microseconds, e.g. \"50000/100000\"");
          continue;
        }
        cg.cpu_quota_us = quota;
        cg.cpu_period_us = period;
      } else if (k == "parent") {
        if (io::has_dotdot(*text))
          problem(value, "parent must not contain '..' (a cgroup below the cgroup root)");
        else
          cg.parent = *text;
      } else if (k == "mode") {
        if (*text != "required" && *text != "best-effort") {
          problem(value, "mode must be \"required\" or \"best-effort\"");
          continue;
        }
        cg.best_effort = *text == "best-effort";
      } else {
        problem(value, "unknown key " + quote(k) + " in [cgroup]");
      }
    }
  }

  std::optional<std::vector<std::string>> strings(const toml::node& value, const std::string& key) {
    const auto* list = value.as_array();
    std::vector<std::string> out;
    if (list)
      for (const auto& item : *list)
        if (const auto* str = item.as_string()) out.push_back(str->get());
    if (!list || out.size() != list->size()) {
      problem(value, key + " must be an array of strings");
      return std::nullopt;
    }
    return out;
  }

  std::optional<std::vector<std::uint16_t>> ports(const toml::node& value, const std::string& key) {
    const auto* list = value.as_array();
    std::vector<std::uint16_t> out;
    if (list)
      for (const auto& item : *list)
        if (const auto* i = item.as_integer(); i && i->get() >= 0 && i->get() <= 65535)
          out.push_back(static_cast<std::uint16_t>(i->get()));
    if (!list || out.size() != list->size()) {
      problem(value, key + " must be an array of TCP ports (0 to 65535)");
      return std::nullopt;
    }
    return out;
  }

  // [landlock] read = [...], write = [...], exec = [...], ioctl-dev = [...],
  // allow-bind = [ports], allow-connect = [ports], scope = ["abstract-unix", "signal"],
  // mode = "required" | "best-effort" | "off"
  void landlock(const toml::node& node) {
    const auto* table = node.as_table();
    if (!table) return problem(node, "[landlock] must be a table");
    auto& ll = policy_.landlock;
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      if (k == "read" || k == "write" || k == "exec" || k == "ioctl-dev") {
        auto paths = strings(value, k);
        if (!paths) continue;
        for (const auto& path : *paths) {
          if (path.empty() || path[0] != '/') {
            problem(value, k + " paths must be absolute");
            break;
          }
          ll.paths.push_back({path, k != "ioctl-dev", k == "write", k == "exec", k == "ioctl-dev"});
        }
      } else if (k == "allow-bind" || k == "allow-connect") {
        auto list = ports(value, k);
        if (!list) continue;
        auto& target = k == "allow-bind" ? ll.bind_ports : ll.connect_ports;
        target.insert(target.end(), list->begin(), list->end());
        if (ll.ports_origin.empty() && !list->empty()) ll.ports_origin = origin(value) + " " + k;
      } else if (k == "scope") {
        auto scopes = strings(value, k);
        if (!scopes) continue;
        for (const auto& scope : *scopes) {
          if (scope == "abstract-unix")
            ll.scope_abstract_unix = true;
          else if (scope == "signal")
            ll.scope_signal = true;
          else
            problem(value, "unknown scope " + quote(scope) + " (abstract-unix or signal)");
        }
      } else if (k == "mode") {
        const auto* mode = value.as_string();
        if (mode && mode->get() == "required")
          ll.mode = LandlockPolicy::Mode::Required;
        else if (mode && mode->get() == "best-effort")
          ll.mode = LandlockPolicy::Mode::BestEffort;
        else if (mode && mode->get() == "off")
          ll.mode = LandlockPolicy::Mode::Off;
        else
          problem(value, "mode must be \"required\", \"best-effort\" or \"off\"");
      } else {
        problem(value, "unknown key " + quote(k) + " in [landlock]");
      }
    }
  }

  void base(const toml::node& value) {
    const auto* s = value.as_string();
    if (!s || (s->get() != "default" && s->get() != "strict-daemon" && s->get() != "none"))
      return problem(value, "base must be \"default\", \"strict-daemon\" or \"none\"");
    policy_.seccomp.base = s->get();
  }

  void default_action(const toml::node& value) {
    const auto* s = value.as_string();
    if (!s) return problem(value, "default must be an action string");
    auto action = seccomp::parse_action(s->get());
    if (!action) return problem(value, action.error().message());
    policy_.seccomp.default_action = *action;
  }

  void flag(const toml::node& value, bool& out) {
    const auto* b = value.as_boolean();
    if (!b) return problem(value, "must be true or false");
    out = b->get();
  }

  void rules(const toml::node& value, bool allow, std::vector<SeccompRule>& layer) {
    const auto* list = value.as_array();
    if (!list) return problem(value, std::string(allow ? "allow" : "deny") + " must be an array");
    for (const auto& item : *list) {
      SeccompRule r;
      r.origin = origin(item);
      r.action = allow ? SeccompAction{SeccompAction::Kind::Allow, 0}
                       : SeccompAction{SeccompAction::Kind::Errno, EPERM};
      if (const auto* name = item.as_string()) {
        r.name = name->get();
      } else if (const auto* t = item.as_table()) {
        if (!rule_table(*t, allow, r)) continue;
      } else {
        problem(item, "entries must be a syscall name, a @group or { name = ..., args = [...] }");
        continue;
      }
      if (!r.name.empty() && r.name[0] == '@' && !seccomp::find_group(r.name)) {
        problem(item,
                "unknown syscall group " + quote(r.name) + " (see cloister explain --groups)");
        continue;
      }
      if (!r.name.empty() && r.name[0] != '@' &&
          seccomp::classify(r.name) == seccomp::SyscallName::Unknown) {
        problem(item,
                "unknown syscall " + quote(r.name) + " (names as in syscalls(2), or a @group)");
        continue;
      }
      layer.push_back(std::move(r));
    }
  }

  bool rule_table(const toml::table& t, bool allow, SeccompRule& r) {
    bool ok = true;
    for (const auto& [key, value] : t) {
      const std::string k(key.str());
      if (k == "name") {
        if (const auto* s = value.as_string())
          r.name = s->get();
        else {
          problem(value, "name must be a string");
          ok = false;
        }
      } else if (k == "args") {
        ok &= conditions(value, r.conditions);
      } else if (k == "action") {
        const auto* s = value.as_string();
        auto action = s ? seccomp::parse_action(s->get())
                        : Result<SeccompAction>(Error{"", "must be a string", "", 0, ""});
        if (!action) {
          problem(value, "action " + action.error().message());
          ok = false;
        } else if (allow && action->kind != SeccompAction::Kind::Allow &&
                   action->kind != SeccompAction::Kind::Log) {
          problem(value, "an allow entry cannot have action " + s->get() + " (put it under deny)");
          ok = false;
        } else
          r.action = *action;
      } else {
        problem(value, "unknown key " + quote(k) + " in a rule");
        ok = false;
      }
    }
    if (r.name.empty()) {
      problem(t, "a rule needs a name");
      ok = false;
    }
    return ok;
  }

  bool conditions(const toml::node& value, std::vector<SeccompCondition>& out) {
    const auto* list = value.as_array();
    if (!list) {
      problem(value, "args must be an array of { index, op, value }");
      return false;
    }
    bool ok = true;
    for (const auto& item : *list) {
      const auto* t = item.as_table();
      if (!t) {
        problem(item, "each condition must be { index = N, op = \"==\", value = V }");
        ok = false;
        continue;
      }
      SeccompCondition c;
      ok &= condition(*t, c);
      out.push_back(c);
    }
    return ok;
  }

  bool condition(const toml::table& t, SeccompCondition& c) {
    bool ok = true, have_index = false, have_value = false, have_mask = false;
    for (const auto& [key, value] : t) {
      const std::string k(key.str());
      if (k == "index") {
        const auto* i = value.as_integer();
        if (!i || i->get() < 0 || i->get() > 5) {
          problem(value, "index must be 0 to 5");
          ok = false;
        } else {
          c.index = static_cast<unsigned>(i->get());
          have_index = true;
        }
      } else if (k == "op") {
        const auto* s = value.as_string();
        auto op = s ? parse_op(s->get()) : std::nullopt;
        if (!op) {
          problem(value, "op must be one of ==, !=, <, <=, >, >=, masked==");
          ok = false;
        } else
          c.op = *op;
      } else if (k == "value" || k == "mask") {
        auto v = number(value);
        if (!v) {
          ok = false;
          continue;
        }
        (k == "value" ? c.value : c.mask) = *v;
        (k == "value" ? have_value : have_mask) = true;
      } else {
        problem(value, "unknown key " + quote(k) + " in a condition");
        ok = false;
      }
    }
    if (!have_index || !have_value) {
      problem(t, "a condition needs index and value");
      ok = false;
    }
    if (have_mask != (c.op == SeccompCondition::Op::MaskedEq)) {
      problem(t, "mask goes with op = \"masked==\" and only with it");
      ok = false;
    }
    return ok;
  }

  static std::optional<SeccompCondition::Op> parse_op(const std::string& s) {
    using Op = SeccompCondition::Op;
    if (s == "==") return Op::Eq;
    if (s == "!=") return Op::Ne;
    if (s == "<") return Op::Lt;
    if (s == "<=") return Op::Le;
    if (s == ">") return Op::Gt;
    if (s == ">=") return Op::Ge;
    if (s == "masked==") return Op::MaskedEq;
    return std::nullopt;
  }

  // An integer, or constants joined with '|' ("CLONE_NEWUSER|CLONE_NEWNET", "0x40").
  std::optional<std::uint64_t> number(const toml::node& value) {
    if (const auto* i = value.as_integer()) return static_cast<std::uint64_t>(i->get());
    const auto* s = value.as_string();
    if (!s) {
      problem(value, "value must be a number or a constant name");
      return std::nullopt;
    }
    std::uint64_t total = 0;
    std::string_view rest = s->get();
    while (!rest.empty()) {
      const auto bar = rest.find('|');
      std::string_view part = rest.substr(0, bar);
      rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      if (auto c = seccomp::constant(part)) {
        total |= *c;
        continue;
      }
      std::uint64_t n = 0;
      const bool hex = part.size() > 2 && part[0] == '0' && (part[1] == 'x' || part[1] == 'X');
      const char* begin = part.data() + (hex ? 2 : 0);
      auto [end, ec] = std::from_chars(begin, part.data() + part.size(), n, hex ? 16 : 10);
      if (ec != std::errc{} || end != part.data() + part.size() || part.empty()) {
        problem(value, "unknown constant " + quote(std::string(part)));
        return std::nullopt;
      }
      total |= n;
    }
    return total;
  }

  Policy& policy_;
  std::string name_;
  std::set<std::string> loading_;
  std::vector<std::string> problems_;
  std::size_t dropped_ = 0;
  ProblemSink sink_;
  std::vector<TopLevelKey>* keys_ = nullptr;
};

}  // namespace

Status load_file(const std::string& path, Policy& policy) {
  Loader loader(policy);
  loader.file(path, 0);
  return loader.result();
}

Status load_file(const std::string& path, Policy& policy, std::vector<TopLevelKey>& keys) {
  Loader loader(policy);
  loader.list_keys_in(keys);
  loader.file(path, 0);
  return loader.result();
}

Status load_text(const std::string& text, const std::string& name, Policy& policy) {
  Loader loader(policy);
  loader.text(text, name, 0);
  return loader.result();
}

void load_named_file(const std::string& path, const std::string& via, Policy& policy,
                     const ProblemSink& sink) {
  Loader loader(policy);
  loader.report_to(sink);
  loader.file(path, 0, via);
}

void load_table(const toml::table& table, const std::string& file, Policy& policy,
                const ProblemSink& sink) {
  Loader loader(policy);
  loader.report_to(sink);
  loader.profile_table(table, file, 0);
}

void load_cgroup_table(const toml::node& node, const std::string& file, Policy& policy,
                       const ProblemSink& sink) {
  Loader loader(policy);
  loader.report_to(sink);
  loader.cgroup_table(node, file);
}

}  // namespace cloister::profile
