// COMMAND's program: found in PATH and run as execvp finds and runs it, but by cloister, with
// execve, so that a file the kernel cannot run (no #! line, not ELF for this machine) fails
// with ENOEXEC instead of being run again by /bin/sh, glibc's execvp retry (runc and crun
// fail the same way). Also the checks and hints an OCI runtime gives about it.
#pragma once

#include <string>

#include "cloister/error.hpp"

namespace cloister::program {

// The value of envp's PATH, or `fallback` where it has none. Allocates nothing.
const char* path_of(char* const* envp, const char* fallback);

// Runs `name` with argv and envp: a name holding a '/' as it is; any other in each directory of
// `path` in turn (an empty entry is the current directory), past those where it is missing
// (ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT) or may not be run (EACCES: the error when
// nothing else runs). With `shell_fallback` it is execvp itself, /bin/sh retry included
// (`path` unused: execvp reads PATH from envp). Returns only when nothing ran, with the
// errno. Allocates nothing (it may run in a vfork child).
int exec(const char* name, char* const* argv, char* const* envp, const char* path,
         bool shell_fallback);

// What exec would run, checked without running it: 0 when some candidate is executable
// (access X_OK) and not a directory, else the errno exec would fail with (EACCES for a
// directory, as execve says).
int check(const std::string& name, const std::string& path);

// The file exec found or would find for `name` (a name holding a '/' as it is; else the
// first DIR/name of `path` that exists), "" when none exists.
std::string locate(const std::string& name, const std::string& path);

// Why an exec of `name` that failed with `err` failed, as far as the file tells (read after
// the failure): "/x is a directory", "the interpreter /bin/bash of /x (its #! line) is
// missing", ... "" when it tells nothing more than the error.
std::string failure_hint(const std::string& name, const std::string& path, int err);

// An exec failure as an OCI runtime says it, naming process.args[0]: "exec ARG0: ERROR
// (HINT)", the hint from failure_hint, or where a missing program was looked for.
Error oci_error(const std::string& name, const std::string& path, int err);

// The exit status for an exec that failed with `err`: 127 not found, 126 any other failure.
int exit_code_for(int err);

}  // namespace cloister::program
