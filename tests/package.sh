#!/usr/bin/env bash
# The Debian package: built with `dpkg-buildpackage -us -uc -b` from a copy of the source tree
# in a scratch directory, installed into this system with dpkg -i, tried (cloister --version,
# cloister run -- true and cloister run --profile shell -- true from the installed package, as
# root and as uid 65534; the man pages, completions and profiles where Debian's tools look),
# then purged. The purge and the scratch directory's removal run on every way out.
# Needs root (it installs a package); skipped (77), saying why, without root, without the
# build dependencies, or where a cloister not from this package is installed.
#   tests/package.sh SOURCE_DIR
set -uo pipefail
src=$(realpath "$1")

skip() {
  echo "SKIP: $*"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
command -v dpkg-buildpackage >/dev/null || skip "no dpkg-buildpackage (scripts/deps.sh dpkg-dev debhelper)"
if ! missing=$(cd "$src" && dpkg-checkbuilddeps 2>&1); then
  skip "build dependencies missing: $missing"
fi
if dpkg-query -W -f='${Status}' cloister 2>/dev/null | grep -qx 'install ok installed'; then
  skip "a cloister package is installed already; this test installs and purges its own"
fi
for path in /usr/bin/cloister /usr/share/cloister; do
  [ ! -e "$path" ] || skip "$path exists and belongs to no package: installing would overwrite it"
done

work=$(mktemp -d /tmp/cloister-package.XXXXXX)
installed=no
cleanup() {
  if [ "$installed" = yes ]; then
    dpkg --purge cloister >"$work/purge.log" 2>&1 || { echo "FAIL: dpkg --purge cloister:"; cat "$work/purge.log"; }
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
check() {  # check WHAT COMMAND...: COMMAND must succeed
  local what=$1 output
  shift
  if output=$("$@" 2>&1); then
    echo "ok: $what"
    passed=$((passed + 1))
  else
    echo "FAIL: $what ($*):"
    echo "$output" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

# A copy of the tree as git sees it (committed and uncommitted files, no build directories), or
# of the whole directory where it is not a git checkout.
mkdir "$work/cloister"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
    tar -xf - -C "$work/cloister"
else
  (cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$work/cloister"
fi

started=$SECONDS
# No debug symbols package: nothing here uses it, and it takes the build a while to make.
if ! (cd "$work/cloister" &&
      DEB_BUILD_OPTIONS="noautodbgsym parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
    >"$work/build.log" 2>&1; then
  echo "FAIL: dpkg-buildpackage -us -uc -b; its log ends:"
  tail -n 40 "$work/build.log"
  exit 1
fi
echo "ok: dpkg-buildpackage -us -uc -b ($((SECONDS - started)) s)"
debs=("$work"/cloister_*.deb)
[ -e "${debs[0]}" ] || { echo "FAIL: no cloister_*.deb in $work"; exit 1; }
version=$(dpkg-deb -f "${debs[0]}" Version)

if ! dpkg -i "${debs[0]}" >"$work/install.log" 2>&1; then
  installed=yes  # whatever dpkg left half-installed is purged as well
  echo "FAIL: dpkg -i ${debs[0]}:"
  cat "$work/install.log"
  exit 1
fi
installed=yes
echo "ok: dpkg -i $(basename "${debs[0]}")"

as_nobody=(setpriv --reuid 65534 --regid 65534 --clear-groups env HOME=/tmp)
check "cloister --version names the package's version" \
  sh -c "/usr/bin/cloister --version | head -n 1 | grep -qx 'cloister $version'"
check "cloister --version as uid 65534" \
  sh -c "${as_nobody[*]} /usr/bin/cloister --version | grep -q '^this kernel'"
for who in root nobody; do
  prefix=()
  [ "$who" = nobody ] && prefix=("${as_nobody[@]}")
  check "cloister run -- true as $who" "${prefix[@]}" /usr/bin/cloister run -- true
  check "cloister run --profile shell -- true as $who (the installed profile)" \
    "${prefix[@]}" env -u CLOISTER_PROFILE_PATH /usr/bin/cloister run --profile shell -- true
done
# The name is found in the installed data directory, first after $CLOISTER_PROFILE_PATH.
check "--profile NAME searches /usr/share/cloister/profiles" \
  sh -c "env -u CLOISTER_PROFILE_PATH /usr/bin/cloister run --profile no-such-profile -- true 2>&1 |
         grep -q 'searched /usr/share/cloister/profiles'"
check "dpkg lists every shipped profile" \
  sh -c "for f in '$src'/profiles/*.toml; do dpkg -L cloister | grep -qx \"/usr/share/cloister/profiles/\$(basename \$f)\" || exit 1; done"
check "man finds and formats cloister-run(1) and cloister-profile(5)" \
  sh -c "MANWIDTH=80 man cloister-run | grep -q 'run a program in a sandbox' &&
         MANWIDTH=80 man 5 cloister-profile | grep -q 'the TOML profile format'"
check "bash-completion's directory holds the completion, which bash parses" \
  bash -n /usr/share/bash-completion/completions/cloister
check "zsh's vendor completions hold _cloister" \
  test -f /usr/share/zsh/vendor-completions/_cloister

if dpkg --purge cloister >"$work/purge.log" 2>&1; then
  installed=no
  echo "ok: dpkg --purge cloister"
else
  echo "FAIL: dpkg --purge cloister:"
  cat "$work/purge.log"
  failed=$((failed + 1))
fi
check "nothing of the package is left" \
  sh -c '! dpkg-query -W cloister >/dev/null 2>&1 && [ ! -e /usr/bin/cloister ] && [ ! -e /usr/share/cloister ]'

echo "$passed passed, $failed failed ($((SECONDS - started)) s)"
[ "$failed" -eq 0 ]
