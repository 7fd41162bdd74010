#!/bin/bash -
# SPDX-License-Identifier: LGPL-2.1-or-later
# Copyright (C) 2026 the guestcell developers
#
# The Debian package, in two tests.
#
#   test-deb.sh build    dpkg-buildpackage -us -uc -b in a copy of the
#                        source tree (the files git tracks or would
#                        track), lintian clean but for
#                        debian/guestcell.lintian-overrides, its files
#                        (no virt-* in /usr/bin, no path into the build
#                        tree).
#   test-deb.sh install  with GC_PACKAGE_INSTALL=1 (.ci/run, on a
#                        throwaway root machine): apt-get installs it,
#                        the installed guestcell-cat and guestcell-df run
#                        on the Debian guest, and apt-get purges it.
#
# Installing changes /var/lib/dpkg/status, one of the appliance's
# inputs: every appliance test running meanwhile would see its appliance
# (and saved state) made again under it.  So the install test runs
# alone (is_parallel: false, last).  Both take the package from
# build/tests/deb/, built once per content of the source tree.
source "$GC_TESTS_SRCDIR/functions.sh"
mode="${1:-}"
case "$mode" in build|install) ;; *) fail "usage: test-deb.sh build|install" ;; esac
if [ "$mode" = install ] && [ "${GC_PACKAGE_INSTALL:-}" != 1 ]; then
  skip "GC_PACKAGE_INSTALL=1 is not set: the package is installed and purged only on a throwaway root machine (.ci/run)"
fi
for p in dpkg-buildpackage dh lintian git sha256sum; do
  command -v "$p" > /dev/null ||
    skip "$p is not installed (dpkg-dev, debhelper, lintian, git: .ci/debian-packages)"
done
src="$(cd "$GC_TESTS_SRCDIR/.." && pwd)"
git -C "$src" rev-parse --git-dir > /dev/null 2>&1 ||
  skip "$src is not a git checkout (the copy to build takes git's file list)"

# The package of this content of the source tree: its key is the hash
# of every file's name and bytes.  One test at a time builds it (flock);
# the other waits and takes it.
debdir="$GC_BUILD_ROOT/tests/deb"
mkdir -p "$debdir"
key="$(cd "$src" && git ls-files -z --cached --others --exclude-standard |
       sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
build_package ()
{
  local out="$debdir/$key"
  [ -f "$out/done" ] && return 0
  rm -rf "$debdir"/* "$T/src"
  # dpkg-buildpackage and lintian leave their own temporary files: not
  # in the $TMPDIR that check_clean watches for the tools'.
  mkdir -p "$T/src" "$T/pkgtmp" "$out"
  git -C "$src" ls-files -z --cached --others --exclude-standard |
    (cd "$src" && tar -c --null -T -) | tar -x -C "$T/src"
  if ! (cd "$T/src" && TMPDIR="$T/pkgtmp" dpkg-buildpackage -us -uc -b) \
         > "$T/build.log" 2>&1; then
    tail -n 30 "$T/build.log"
    fail "dpkg-buildpackage failed"
  fi
  mv "$T"/guestcell[_-]* "$out/"
  echo "$T/src" > "$out/srcdir"
  touch "$out/done"
  echo "  built in $T/src"
}
exec 9> "$debdir.lock"
flock 9
build_package
flock -u 9
deb="$(ls "$debdir/$key"/guestcell_*_amd64.deb)"

if [ "$mode" = build ]; then
  ok "$(basename "$deb"), $(du -k "$deb" | cut -f1) KiB (build/tests/deb/$key)"
  mkdir -p "$T/pkgtmp"
  if ! TMPDIR="$T/pkgtmp" lintian --fail-on error,warning "$debdir/$key"/guestcell_*.changes \
         > "$T/lintian.log" 2>&1; then
    cat "$T/lintian.log"
    fail "lintian"
  fi
  ok "lintian clean (overrides: debian/guestcell.lintian-overrides)"

  dpkg-deb -x "$deb" "$T/x"
  for f in usr/bin/guestcell-cat usr/bin/guestcell-df usr/bin/guestcell-appliance \
           usr/libexec/guestcell/guestcelld usr/libexec/guestcell/gcinit \
           usr/share/guestcell/packages usr/share/man/man1/guestcell-cat.1.gz \
           usr/bin/guestcell-test-tool usr/share/man/man5/guestcell.conf.5.gz; do
    [ -e "$T/x/$f" ] || [ -L "$T/x/$f" ] || fail "not in the package: /$f"
  done
  clash="$(ls "$T/x/usr/bin" "$T/x/usr/share/man/man1" | grep '^virt-' || true)"
  [ -z "$clash" ] || fail "names guestfs-tools has too: $clash"
  # The directory it was built in, whichever test built it.
  leaks="$(grep -rlF "$(cat "$debdir/$key/srcdir")" "$T/x" || true)"
  [ -z "$leaks" ] || fail "packaged files naming the build tree: $leaks"
  ok "package contents"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "GC_PACKAGE_INSTALL=1 needs root"
if dpkg-query -W -f='${Status}' guestcell 2>/dev/null | grep -q 'ok installed'; then
  skip "a guestcell package is installed already: not replacing and purging it"
fi
require_appliance
img="$(guest debian)"
purge () { apt-get purge -y -q guestcell > "$T/purge.log" 2>&1; }
trap 'purge || true; cleanup_test' EXIT
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" > "$T/apt.log" 2>&1; then
  tail -n 20 "$T/apt.log"
  fail "apt-get install $deb"
fi
ok "installed $(basename "$deb")"
export GUESTCELL_CACHEDIR="$T/cache"
run /usr/bin/guestcell-cat -a "$img" /etc/hostname
expect_rc 0
[ "$(cat "$T/out")" = debian-guest ] || fail "guestcell-cat printed: $(cat "$T/out")"
run /usr/bin/guestcell-df -a "$img"
expect_rc 0
grep -q '/dev/debian-vg/root' "$T/out" || { cat "$T/out"; fail "guestcell-df: no root filesystem"; }
ok "the installed guestcell-cat and guestcell-df work"
trap cleanup_test EXIT
purge || { cat "$T/purge.log"; fail "apt-get purge guestcell"; }
[ ! -e /usr/bin/guestcell-cat ] || fail "/usr/bin/guestcell-cat left after the purge"
ok "purged"
