// The escape attempts (attempts.cpp) and the host side they run against (fixture.cpp): a
// directory holding secrets the sandbox must not read, listeners it must not reach, processes
// it must not touch, descriptors it must not inherit.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness.hpp"

namespace cloister_sec {

using cloister_it::Argv;
using cloister_it::Fd;

enum class Verdict { Blocked, Escaped, Inconclusive };
const char* name_of(Verdict v);

struct Paths {
  std::string attack;           // the attack binary on the host
  std::string profile_dir;      // the shipped profiles
  std::string default_profile;  // [filesystem] root = "default": cloister run's default root
};

struct Pty {
  Fd master, slave;
};
Pty open_pty();

class Fixture {
 public:
  explicit Fixture(const Paths& paths);
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture();

  // Descriptor numbers every sandbox inherits from its caller (none marked close-on-exec):
  // the fixture's directory and its root-only subdirectory.
  static constexpr int kDirFd = 5;
  static constexpr int kRootOnlyFd = 6;

  std::string secret_path() const { return dir_ / "secret"; }  // 0644, holds a token
  std::string shared() const { return dir_ / "shared"; }       // world-writable, bound at /data
  std::string victim() const { return dir_ / "victim"; }       // must stay empty
  std::string jail() const { return dir_ / "jail"; }           // chroot mode's root
  int tcp_port() const { return tcp_port_; }
  std::string abstract_name() const { return abstract_name_; }
  std::string host_pid() const;     // a process of the caller's, outside any sandbox
  std::string sibling_pid() const;  // the init of another cloister run sandbox

  std::vector<std::string> tokens() const { return tokens_; }
  std::vector<std::string> environment() const;
  std::vector<cloister_it::FdMapping> inherited() const;

  void before_run();  // empties the shared and victim directories, restarts what was killed
  std::string host_damage();  // what happened to the host's processes and listeners, or ""
  std::vector<std::string> victim_entries() const;
  int forks_possible();  // the host can still start processes: how many of 20 started

 private:
  void start_processes();
  int drain(int listener);

  cloister_it::TempDir dir_;
  std::vector<std::string> tokens_;
  Fd dir_fd_, root_only_fd_, tcp_, abstract_;
  int tcp_port_ = 0;
  std::string abstract_name_;
  std::unique_ptr<cloister_it::Process> sleeper_, sibling_;
  pid_t sibling_pid_ = -1;
  Fd sibling_status_;
};

// A weaker sandbox, and what the attempt does there.
struct Weaker {
  Weaker(std::string l, Verdict v, std::function<Argv(const Fixture&)> o = {})
      : label(std::move(l)), expected(v) {
    if (o) options = std::move(o);
  }
  std::string label;  // as the table says it
  Verdict expected;
  // Added after the default sandbox's options (a later option wins where they conflict).
  std::function<Argv(const Fixture&)> options = [](const Fixture&) { return Argv{}; };
  bool bwrap = false;      // instead: cloister bwrap --ro-bind / / --proc /proc --dev /dev
  bool replaces = false;   // instead of the attempt's own options, not after them
  bool root_only = false;  // e.g. --uid-map needs root
  bool nobody_only = false;
};

struct Attempt {
  Attempt(std::string n, std::string a) : name(std::move(n)), attack(std::move(a)) {}
  std::string name;
  std::string attack;
  std::function<Argv(const Fixture&)> args = [](const Fixture&) { return Argv{}; };
  std::function<Argv(const Fixture&)> options = [](const Fixture&) { return Argv{}; };
  // What the attempt did to the host: empty, or what escaped (after the sandbox ended).
  std::function<std::string(Fixture&)> host_check = [](Fixture&) { return std::string(); };
  std::vector<Weaker> weaker;
  std::function<void(Fixture&)> prepare = [](Fixture&) {};  // before each run
  std::string only_root;     // non-empty: why the attempt means nothing for other callers
  // Non-empty: why this machine cannot run the attempt for this caller (printed as a skip).
  std::function<std::string()> unavailable = [] { return std::string(); };
  // The attack ends by a signal that a limit sends (an OOM kill), or cloister refuses to set
  // the sandbox up: a verdict of blocked, when nothing escaped.
  bool killed_is_blocked = false;
  bool refusal_is_blocked = false;
  bool on_terminal = false;  // cloister's stdin is a pty that is its controlling terminal
  bool chroot_mode = false;  // --sandbox=chroot into the fixture's jail (the attack copied in)
};

std::vector<Attempt> all_attempts();

}  // namespace cloister_sec
