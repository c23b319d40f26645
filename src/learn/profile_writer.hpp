// A recording as a TOML profile that `cloister run --profile` reads (policy/profile.cpp):
// a seccomp allowlist with argument conditions, Landlock grants and the narrowest network
// mode that fits. And back: an earlier learned profile as a recording, for --append.
#pragma once

#include <string>

#include "cloister/error.hpp"
#include "cloister/policy.hpp"
#include "learn/recording.hpp"

namespace cloister::learn {

// The network the learning run had.
struct LearnedIn {
  NetMode mode = NetMode::Unset;      // --net, if given
  bool private_network = true;        // a network namespace of its own (only lo, or pasta)
  std::string base = "default";       // the sandbox's seccomp base, kept under the allowlist
  NetMode previous = NetMode::Unset;  // --append: the earlier profile's network
};

// The narrowest --net mode under which what was recorded works again.
NetMode network_for(const Recording& r, const LearnedIn& in);
const char* net_mode_name(NetMode mode);

struct ProfileText {
  std::string text;
  std::size_t allowed = 0;  // syscalls in the allowlist (with or without conditions)
};

ProfileText profile_text(const Recording& r, const LearnedIn& in, const std::string& command);

// --append: what an earlier learned profile allows, as if recorded; `mode` gets its network.
Status load_previous(const std::string& path, Recording& into, NetMode& mode);

// The wider of two network modes (--append of runs that needed different networks).
NetMode wider(NetMode a, NetMode b);

}  // namespace cloister::learn
