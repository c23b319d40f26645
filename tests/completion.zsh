#!/usr/bin/env zsh
# The zsh completion at work: an interactive zsh on a pseudo-terminal (zsh/zpty) loads it with
# compinit, a line is typed with TAB after it, and the screen must show the word expected.
#   zsh -f tests/completion.zsh COMPLETIONS_DIR
zmodload zsh/zpty || exit 77
dir=$1
passed=0 failed=0
all=""

# Output of the terminal until it matches the glob PATTERN ($1) or $2 seconds pass.
read_until() {
  local chunk deadline=$((SECONDS + $2))
  all=""
  while ((SECONDS < deadline)); do
    if zpty -rt z chunk 2>/dev/null; then
      all+=$chunk
      [[ $all == ${~1} ]] && return 0
    else
      sleep 0.1
    fi
  done
  return 1
}

zpty z "env -i HOME=${TMPDIR:-/tmp} TERM=xterm PATH=/usr/bin:/bin zsh -f -i"
{
  zpty -w z "PS1='ready> '; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -D -u; print -r compinit-done"
  if ! read_until '*compinit-done*ready> *' 30; then
    print -r -- "FAIL: zsh did not start its completion system: ${all}"
    exit 1
  fi
  # line typed | a word the completion must show (not already in the line)
  for line want in \
      'cloister ex' explain \
      'cloister run --net ' pasta \
      'cloister run --profile sh' shell \
      'cloister run --seccomp-allow @fi' @file-system \
      'cloister learn -o x --new-s' --new-session \
      'cloister check --j' --json \
      'cloister supervise --exp' --explain \
      'cloister run --cap-add CAP_NET_BI' CAP_NET_BIND_SERVICE; do
    zpty -w -n z "${line}"$'\t'
    if read_until "*${want}*" 15; then
      print -r -- "ok (zsh): '${line}' shows ${want}"
      ((passed++))
    else
      print -r -- "FAIL (zsh): '${line}' does not show ${want}; the terminal shows:"
      print -r -- "${all}" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g; s/^/    /'
      ((failed++))
    fi
    # A fresh line for the next case; typing before zle has settled on it loses keys.
    zpty -w -n z $'\C-c'
    read_until '*ready> *' 10
    sleep 0.5
    zpty -rt z all 2>/dev/null
  done
} always {
  zpty -d z
}
print -r -- "zsh: $passed passed, $failed failed"
((failed == 0))
