#!/usr/bin/env bash
# Runs the README's examples as written: every line of a ```sh block that begins with
# `cloister` (it must exit 0, or with the status a trailing "# exits N" gives; "as root"
# there: only checked when run as root), and every "$ cloister ..." line of a ```console
# block (its output, stdout and stderr together, must be the lines shown under it).
# `cloister` is the built binary; ~ is a scratch directory whose src/ holds a Makefile and
# hello.c, owned as a user's own tree is: by the host identity the sandbox runs as (nobody for
# root, whose sandbox is not host root). Exits 77 (skipped) where the kernel refuses namespace
# sandboxes.
#
#   tests/readme_examples.sh CLOISTER README
set -uo pipefail
cloister=$(realpath "$1")
readme=$(realpath "$2")

# `cloister run` needs a user namespace (root's too: its sandbox maps onto nobody).
probe=(unshare --user --map-root-user --mount)
if ! refusal=$("${probe[@]}" sh -c 'mount --make-rprivate /' 2>&1); then
  echo "SKIP: the kernel refuses namespace sandboxes here (${probe[*]}: $refusal)"
  exit 77
fi

scratch=$(mktemp -d /tmp/cloister-readme.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
mkdir -p "$scratch/bin" "$scratch/home/src"
ln -s "$cloister" "$scratch/bin/cloister"
printf 'hello: hello.c\n\tcc -o hello hello.c\n' > "$scratch/home/src/Makefile"
printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' \
  > "$scratch/home/src/hello.c"
[ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$scratch/home/src"
cd "$scratch/home"
export HOME="$scratch/home"
export PATH="$scratch/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

passed=0 failed=0 skipped=0
fail() {
  echo "FAIL: $1"
  echo "$2" | sed 's/^/    /'
  failed=$((failed + 1))
}

run_sh_example() {
  local line=$1 expected=0 output status
  if [[ $line =~ \#.*exits\ ([0-9]+) ]]; then expected=${BASH_REMATCH[1]}; fi
  if [[ $line =~ \#.*as\ root ]] && [ "$(id -u)" -ne 0 ]; then
    echo "skip (needs root): $line"
    skipped=$((skipped + 1))
    return
  fi
  output=$(timeout 120 bash -c "$line" 2>&1)
  status=$?
  if [ "$status" -eq "$expected" ]; then
    echo "ok: $line"
    passed=$((passed + 1))
  else
    fail "$line (exit status $status, expected $expected)" "$output"
  fi
}

run_console_example() {
  local command=$1 expected=$2 output
  output=$(timeout 120 bash -c "$command" 2>&1)
  if [ "$output" == "$expected" ]; then
    echo "ok: $command"
    passed=$((passed + 1))
  else
    # Files, not process substitutions (diff would leave their shells for PID 1 to reap).
    echo "$expected" >"$scratch/expected"
    echo "$output" >"$scratch/output"
    fail "$command (output differs)" "$(diff "$scratch/expected" "$scratch/output")"
  fi
}

block="" command="" expected=""
flush_console() {
  if [ -n "$command" ]; then run_console_example "$command" "$expected"; fi
  command="" expected=""
}
while IFS= read -r line; do
  case "$block:$line" in
    :'```sh'*) block=sh ;;
    :'```console'*) block=console ;;
    :'```'*) block=other ;;
    *:'```') flush_console; block="" ;;
    sh:cloister\ *) run_sh_example "$line" ;;
    console:'$ '*) flush_console; command=${line#\$ } ;;
    console:*) if [ -n "$command" ]; then expected+="${expected:+$'\n'}$line"; fi ;;
  esac
done < "$readme"

echo "README examples: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
