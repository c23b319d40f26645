#!/usr/bin/env bash
# The completions tools/gen_docs wrote: the bash one sourced into a bash with no startup files
# and asked for real cases (COMP_WORDS as bash splits the line, COMPREPLY checked); the zsh one
# checked for syntax by zsh and typed into an interactive zsh (tests/completion.zsh), both
# skipped, saying so, where zsh is not installed.
#   tests/completion.sh DOCS_DIR PROFILES_DIR
set -uo pipefail
here=$(dirname "$(realpath "$0")")
docs=$(realpath "$1")
profiles=$(realpath "$2")
bash_completion=$docs/completions/cloister
zsh_completion=$docs/completions/_cloister

scratch=$(mktemp -d /tmp/cloister-completion.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# File names are completed too: an empty working directory keeps them out of the answers.
mkdir "$scratch/empty" "$scratch/more"
cd "$scratch/empty" || exit 1

passed=0 failed=0

# COMPREPLY, one a line, for the words given (the last one being completed).
complete_words() {
  env -i PATH="$PATH" HOME="$scratch" CLOISTER_PROFILE_PATH="${CLOISTER_PROFILE_PATH:-}" \
    bash --norc --noprofile -c '
      source "$1" || exit 3
      shift
      COMP_WORDS=("$@")
      COMP_CWORD=$(($# - 1))
      COMP_LINE="$*"
      COMP_POINT=${#COMP_LINE}
      _cloister cloister "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
      printf "%s\n" "${COMPREPLY[@]}"' completion "$bash_completion" "$@" | sort
}

# expect WANT... -- WORDS...: every WANT is offered (a WANT of "!X" must not be).
expect() {
  local want=() words=() answer missing=""
  while [ "$1" != -- ]; do
    want+=("$1")
    shift
  done
  shift
  words=("$@")
  answer=$(complete_words "${words[@]}")
  for w in "${want[@]}"; do
    if [[ $w == !* ]]; then
      grep -qxF -- "${w#!}" <<<"$answer" && missing+=" (offered: ${w#!})"
    else
      grep -qxF -- "$w" <<<"$answer" || missing+=" $w"
    fi
  done
  if [ -z "$missing" ]; then
    echo "ok: '${words[*]}' -> $(echo "$answer" | head -n 8 | tr '\n' ' ')"
    passed=$((passed + 1))
  else
    echo "FAIL: '${words[*]}': missing$missing; offered:"
    echo "$answer" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

expect_only() {  # expect_only "A B" -- WORDS...: exactly these
  local want=$1 answer
  shift 2
  answer=$(complete_words "$@" | tr '\n' ' ')
  if [ "$answer" == "$want " ]; then
    echo "ok: '$*' -> $answer"
    passed=$((passed + 1))
  else
    echo "FAIL: '$*': expected '$want', offered '$answer'"
    failed=$((failed + 1))
  fi
}

# Subcommands and the top-level options.
expect_only "run" -- cloister ru
expect bwrap check explain learn run supervise --version -- cloister ""
# An option prefix, per subcommand; explain and learn take cloister run's options as well.
expect_only "--unshare-user --unshare-user-try --unshare-uts" -- cloister run --unshare-u
expect --json --groups --net '!--output' -- cloister explain --
expect --output --append --landlock-read -- cloister learn --
expect_only "--help --json" -- cloister check --
expect --keep-fd -- cloister run --kee
expect '!--keep-fd' --ro-bind -- cloister bwrap --
# --profile offers every shipped profile, and those in $CLOISTER_PROFILE_PATH.
shipped=()
for f in "$profiles"/*.toml; do
  name=$(basename "$f" .toml)
  shipped+=("$name")
done
expect "${shipped[@]}" -- cloister run --profile ""
expect_only "shell" -- cloister run --profile sh
touch "$scratch/more/my-own.toml" "$scratch/more/Not_A_Name.toml"
CLOISTER_PROFILE_PATH=$scratch/more expect my-own '!Not_A_Name' -- cloister run --profile my
# Syscall groups and names after --seccomp-allow / --seccomp-deny.
expect @file-system @basic-io -- cloister run --seccomp-allow @
expect_only "@file-system" -- cloister explain --seccomp-deny @file
expect ptrace -- cloister run --seccomp-deny ptr
# Choices, written --net MODE or --net=MODE (bash splits the latter at '=').
expect_only "host" -- cloister run --net ho
expect none unix host tcp pasta -- cloister run --net =
expect_only "tcp" -- cloister run --net = t
expect_only "best-effort" -- cloister run --landlock = b
expect_only "strict-daemon" -- cloister run --seccomp-policy st
expect CAP_NET_BIND_SERVICE -- cloister run --cap-add CAP_NET_B
# Paths for both of --bind's arguments, then options again after them.
expect /usr -- cloister run --bind /us
expect /usr -- cloister run --bind /usr /us
expect --ro-bind -- cloister run --bind /usr /usr --ro
expect --ro-bind -- cloister run --net = host --ro
# No completion for a descriptor; COMMAND and its arguments after the options.
expect_only "" -- cloister run --json-status-fd ""
expect echo -- cloister run --tmpfs /t -- ech
expect '!--help' -- cloister run -- --he
expect /usr -- cloister run -- ls /us
# supervise: its own options, then the group file.
expect_only "--parent-pid --parent-pidfd" -- cloister supervise --parent-p
expect_only "" -- cloister supervise --status-fd ""
expect /usr '!--explain' -- cloister supervise --parent-pid 1 /us

if command -v zsh >/dev/null; then
  if zsh -n "$zsh_completion" && head -n 1 "$zsh_completion" | grep -qx '#compdef cloister'; then
    echo "ok: zsh -n $zsh_completion"
    passed=$((passed + 1))
  else
    echo "FAIL: zsh finds $zsh_completion malformed"
    failed=$((failed + 1))
  fi
  # Typed into an interactive zsh (tests/completion.zsh).
  if TMPDIR=$scratch zsh -f "$here/completion.zsh" "$docs/completions"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
else
  echo "skip: zsh is not installed here (scripts/deps.sh zsh installs it): only bash was checked"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
