#!/usr/bin/env bash
# The man pages tools/gen_docs wrote, formatted by man(1) and by groff with every warning on
# (and the man macros' style checks): any warning fails. Each page must also render its NAME
# line. A page with a mistake in it is formatted first, to show that warnings are caught.
#   tests/man_pages.sh DOCS_DIR
set -uo pipefail
docs=$1
for tool in man groff; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: no $tool here (scripts/deps.sh man-db groff-base installs it)"
    exit 77
  fi
done
export LC_ALL=C.UTF-8 MANWIDTH=80

scratch=$(mktemp -d /tmp/cloister-man.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# Everything man and groff say on stderr about PAGE.
warnings() {
  man --warnings=w -E UTF-8 -l "$1" 2>&1 >/dev/null
  groff -man -Tutf8 -ww -z -rCHECKSTYLE=3 "$1" 2>&1
}

printf '.TH BROKEN 1\n.SH NAME\nbroken \\- a page with mistakes\n.SH DESCRIPTION\n.XY unknown request\n\\fBunclosed\n' >"$scratch/broken.1"
if [ -z "$(warnings "$scratch/broken.1")" ]; then
  echo "FAIL: a page with an unknown request and an unknown escape draws no warning; the check is blind"
  exit 1
fi

pages=("$docs"/man/man*/*.[1-9])
if [ ! -e "${pages[0]}" ]; then
  echo "FAIL: no man pages under $docs/man"
  exit 1
fi
failed=0
for page in "${pages[@]}"; do
  name=$(basename "$page")
  name=${name%.*}
  said=$(warnings "$page")
  if [ -n "$said" ]; then
    echo "FAIL: $page:"
    echo "$said" | sed 's/^/    /'
    failed=$((failed + 1))
  elif ! man -E UTF-8 -l "$page" 2>/dev/null | grep -q "^ *$name - "; then
    echo "FAIL: $page has no NAME line for $name"
    failed=$((failed + 1))
  else
    echo "ok: $page"
  fi
done
for expected in man1/cloister.1 man1/cloister-run.1 man5/cloister-profile.5; do
  if [ ! -e "$docs/man/$expected" ]; then
    echo "FAIL: $docs/man/$expected is missing"
    failed=$((failed + 1))
  fi
done
echo "${#pages[@]} pages, $failed failed"
[ "$failed" -eq 0 ]
