// The home directory of a uid in a passwd(5) file: an OCI runtime's HOME for a process whose
// environment has none.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace cloister::passwd {

// The home field of the first line of `text` (name:password:uid:gid:gecos:home:shell) for
// `uid`; nothing when no line has it.
std::optional<std::string> home_in(std::string_view text, uid_t uid);

// HOME for `uid` as runc and crun set it: its home in `file` (the container's /etc/passwd),
// "/" when the file lists it nowhere, is unreadable, missing or not a regular file.
std::string home_of(uid_t uid, const char* file = "/etc/passwd");

}  // namespace cloister::passwd
